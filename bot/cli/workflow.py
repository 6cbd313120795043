"""GitHub Actions' runner protocol: workflow commands on stdout, the step summary and outputs files.

Escaping follows the runner's rules (actions/toolkit `command.ts`): in a command's message `%`,
CR and LF become `%25`, `%0D`, `%0A`; in a property value `:` and `,` are escaped as well.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO


def escape_data(text: str) -> str:
    """A command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (`file=`, `title=`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, props: Mapping[str, str | int | None] | None = None) -> str:
    """`::name key=value,...::message`, properties without a value left out."""
    given = {k: v for k, v in (props or {}).items() if v is not None and v != ""}
    head = ",".join(f"{k}={escape_property(str(v))}" for k, v in given.items())
    return f"::{name}{' ' + head if head else ''}::{escape_data(message)}"


def say(out: TextIO, name: str, message: str,
        props: Mapping[str, str | int | None] | None = None) -> None:
    """Print one workflow command."""
    print(command(name, message, props), file=out, flush=True)


def append_summary(path: str | None, markdown: str) -> bool:
    """Append markdown to the job's step summary (`GITHUB_STEP_SUMMARY`); False when unset."""
    if not path:
        return False
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(markdown.rstrip("\n") + "\n")
    return True


def write_outputs(path: str | None, outputs: Mapping[str, str]) -> bool:
    """Append step outputs to `GITHUB_OUTPUT` in its `name<<DELIMITER` form; False when unset."""
    if not path:
        return False
    with Path(path).open("a", encoding="utf-8") as fh:
        for name, value in outputs.items():
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            fh.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return True
