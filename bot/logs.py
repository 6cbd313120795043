"""Structured logs: one line per event with its delivery, repository, PR, head and outcome,
as logfmt (the default) or JSON (`LOG_FORMAT`), at `LOG_LEVEL`, and never a secret."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.scrub import remember, scrub

FIELDS = ("delivery", "repo", "pr", "head", "outcome", "conclusion", "reads", "writes",
          "duration_ms", "reason", "step", "status", "abandoned",
          # the service's start-up line and its re-queued jobs
          "version", "port", "mode", "api_url", "readme", "journal", "credentials", "jobs",
          "attempt", "retry_after_s", "delay_s", "label", "kind")
LEVELS = ("debug", "info", "warning", "error")

Scrub = Callable[[str], str]


class LogFormat(StrEnum):
    """How a log line is written."""

    LOGFMT = "logfmt"
    JSON = "json"


def scrubber(secrets: Iterable[str] = ()) -> Scrub:
    """The process's one scrubber (`bot.scrub`: known secrets and secret-shaped text), told
    these secrets too."""
    remember(*secrets)
    return scrub


class StructuredFormatter(logging.Formatter):
    """Collects a record's fields, scrubbed in one place (`fields`); subclasses write them."""

    def __init__(self, secrets: Iterable[str] = (), *, scrub: Scrub | None = None) -> None:
        super().__init__()
        self._scrub = scrub or scrubber(secrets)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """time, level, logger, msg, the known extras and any traceback, with secrets removed."""
        stamp = datetime.fromtimestamp(record.created, UTC)
        out: dict[str, Any] = {
            "time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(), "logger": record.name,
            "msg": record.getMessage()}
        for key in FIELDS:
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return {k: self._clean(v) for k, v in out.items()}

    def _clean(self, value: Any) -> Any:
        """The value with secrets scrubbed; numbers, booleans and None kept as they are."""
        if value is None or isinstance(value, bool | int | float):
            return value
        return self._scrub(str(value))


def _logfmt_value(value: Any) -> str:
    """One logfmt value: bare when it can be, else a double-quoted, escaped string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text and all(c.isprintable() and c not in ' ="\\' for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class LogfmtFormatter(StructuredFormatter):
    """`time=... level=info logger=bot.review msg=review delivery=... outcome=published`."""

    def format(self, record: logging.LogRecord) -> str:
        """One logfmt line."""
        return " ".join(f"{k}={_logfmt_value(v)}" for k, v in self.fields(record).items())


class JsonFormatter(StructuredFormatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        """One JSON line."""
        return json.dumps(self.fields(record), ensure_ascii=False, default=str)


KeyValueFormatter = LogfmtFormatter
_FORMATTERS: dict[LogFormat, type[StructuredFormatter]] = {
    LogFormat.LOGFMT: LogfmtFormatter, LogFormat.JSON: JsonFormatter}


def log_settings(env: Mapping[str, str]) -> tuple[LogFormat, int]:
    """`LOG_FORMAT` and `LOG_LEVEL`; ValueError with a one-line message when one is wrong."""
    raw_format = (env.get("LOG_FORMAT") or "logfmt").strip().lower()
    raw_level = (env.get("LOG_LEVEL") or "info").strip().lower()
    try:
        fmt = LogFormat(raw_format)
    except ValueError:
        raise ValueError(f"LOG_FORMAT must be logfmt or json, not {raw_format[:20]!r}") from None
    if raw_level not in LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, "
                         f"not {raw_level[:20]!r}")
    return fmt, logging.getLevelNamesMapping()[raw_level.upper()]


def configure(secrets: Iterable[str] = (), env: Mapping[str, str] | None = None) -> None:
    """Send structured lines to standard error, as `LOG_FORMAT` and `LOG_LEVEL` say."""
    fmt, level = log_settings(os.environ if env is None else env)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_FORMATTERS[fmt](secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(max(level, logging.WARNING))
