"""One scrubber for every secret the bot holds, used wherever text leaves the process.

It knows secrets two ways: by value (the webhook secret, the App's private key and each of its
lines, GITHUB_TOKEN, the citation API keys, and every JWT and installation token the bot mints,
registered as they are made) and by shape (GitHub token prefixes, JWTs, PEM blocks, `api_key=`
style URL parameters and `Authorization`/`x-api-key` header values), so a secret the process never
registered, or one quoted back by an upstream error, is caught as well. Logs, comments, check runs
and error texts pass through `scrub`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MASK = "***"
MIN_SECRET = 8
"""Shorter values are not scrubbed by value: masking every `test` would mangle the text."""

_SHAPES = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"
    r"|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"
    r"|(?P<keep>(?i:[?&;](?:api[_-]?key|key|token|access_token|secret|password|sig|signature)="
    r"|authorization:\s*(?:bearer|token|basic)\s+|x-api-key:\s*))[^&#\s'\",}]+",
    re.DOTALL,
)


def _mask(m: re.Match[str]) -> str:
    return (m.group("keep") or "") + MASK


def _pieces(secret: str) -> list[str]:
    """The secret, and for a multi-line one (a PEM key) each long line of it on its own."""
    parts = [secret.strip()]
    if "\n" in secret.strip() or "\\n" in secret:
        lines = re.split(r"\\n|\r?\n", secret)
        parts += [ln.strip() for ln in lines if len(ln.strip()) >= 16 and "-----" not in ln]
    return [p for p in parts if len(p) >= MIN_SECRET]


class Scrubber:
    """Masks known secret values and secret-shaped text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None
        self.remember(*secrets)

    def remember(self, *secrets: str | None) -> None:
        """Add secret values (None and short values are ignored)."""
        new = {p for s in secrets if s for p in _pieces(s)} - self._values
        if not new:
            return
        with self._lock:
            self._values |= new
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def __call__(self, text: str) -> str:
        """The text with every known or secret-shaped value replaced by `***`."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        return _SHAPES.sub(_mask, text)

    def bytes(self, data: bytes) -> bytes:
        """The same for a UTF-8 body (undecodable bytes are left alone)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        clean = self(text)
        return data if clean == text else clean.encode("utf-8")


SCRUBBER = Scrubber()
"""The process's scrubber: settings register their secrets, token providers their tokens."""


def remember(*secrets: str | None) -> None:
    """Register secrets with the process's scrubber."""
    SCRUBBER.remember(*secrets)


def scrub(text: str) -> str:
    """Text without any secret the process knows of, or any secret-shaped value."""
    return SCRUBBER(text)
