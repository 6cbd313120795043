"""Structured logs: one line per event with its delivery, repository, PR, head and outcome,
and never a secret."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from bot.scrub import remember, scrub

FIELDS = ("delivery", "repo", "pr", "head", "outcome", "conclusion", "reads", "writes",
          "duration_ms", "reason", "step", "status", "abandoned")


class KeyValueFormatter(logging.Formatter):
    """`time level logger message key=value ...`, with secrets replaced by `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        remember(*secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The line, with known extras appended and secrets scrubbed."""
        line = super().format(record)
        extras = " ".join(f"{k}={getattr(record, k)}" for k in FIELDS if hasattr(record, k))
        text = f"{line} {extras}" if extras else line
        return scrub(text).replace("\n", "\\n")


def configure(secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    """Send structured lines to standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
