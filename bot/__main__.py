"""Review pull requests to curated paper lists: `python -m bot COMMAND` (installed as the
console command `awesome-papers-bot`). `COMMAND --help` shows what each does, its settings and
examples."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import __version__
from bot.cli.helptext import subcommand

# Subcommand modules under bot.cli, in help order; each is imported only when needed.
COMMANDS = ("check", "action", "audit", "serve", "worker", "setup", "triage")


def _cmd_parse(args: argparse.Namespace) -> int:
    """Parse one README and print its outline."""
    from bot.awesome.outline import outline
    from bot.awesome.parse import ReadmeError, decode_readme, parse

    try:
        data = Path(args.readme).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.readme}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        al = parse(decode_readme(data))
    except ReadmeError as exc:
        print(f"error: {args.readme}: {exc}", file=sys.stderr)
        return 2
    print(outline(al))
    return 0


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser for all subcommands, or only for `only` (so only its module loads)."""
    p = argparse.ArgumentParser(prog="python -m bot", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"awesome-papers-bot {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    if only in (None, "parse"):
        _add_parse(sub)
    for name in COMMANDS:
        if only in (None, name):
            importlib.import_module(f"bot.cli.{name}").add_parser(sub)
    return p


def _add_parse(sub: Any) -> None:
    """Register the `parse` subcommand."""
    sp = subcommand(sub, "parse", summary="parse a README and print its outline",
                    description="Print the list as the bot reads it: every section with its "
                    "kind and entry count, and the criteria found in the README (year window, "
                    "thresholds, top-100 size).\n\nExit status: 0, or 2 when the file "
                    "cannot be read.",
                    environment=(("(none)", "parse reads no environment settings"),),
                    examples=(("the list in this directory", "python -m bot parse"),
                              ("another file", "python -m bot parse path/to/README.md")))
    sp.add_argument("readme", nargs="?", default="README.md",
                    help="the list's file (default: README.md)")
    sp.set_defaults(func=_cmd_parse)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    first = argv[0] if argv else None
    only = first if first in ("parse", *COMMANDS) else None
    args = build_parser(only).parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
