"""`--help` for every subcommand in one shape: what it does, its environment, examples."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence
from typing import Any

WIDTH = 78


def subcommand(sub: Any, name: str, *, summary: str, description: str,
               environment: Sequence[tuple[str, str]] = (),
               examples: Sequence[tuple[str, str]] = ()) -> argparse.ArgumentParser:
    """A subparser whose help has a description, an `environment:` and an `examples:` block."""
    blocks = []
    if environment:
        width = max(len(k) for k, _ in environment) + 2
        rows = []
        for key, meaning in environment:
            lines = textwrap.wrap(meaning, WIDTH - width - 2) or [""]
            rows.append(f"  {key:<{width}}{lines[0]}")
            rows += [f"  {'':<{width}}{line}" for line in lines[1:]]
        blocks.append("environment:\n" + "\n".join(rows))
    if examples:
        rows = []
        for comment, cmd in examples:
            rows.append(f"  # {comment}")
            rows.append(f"  {cmd}")
        blocks.append("examples:\n" + "\n".join(rows))
    text = "\n\n".join(textwrap.fill(p, WIDTH) for p in description.split("\n\n"))
    return sub.add_parser(name, help=summary, description=text, epilog="\n\n".join(blocks),
                          formatter_class=argparse.RawDescriptionHelpFormatter)
