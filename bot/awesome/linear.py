"""Regular expressions that cannot stall: google-re2 (linear time) on long text.

The re2 binding costs tens of microseconds a call, so text of at most `SHORT` characters is
matched by the standard engine, where any backtracking is bounded by the text's small size.
Patterns must be valid in both dialects (no look-around, no back-references).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import re2

SHORT = 400


class Pattern:
    """One pattern for both engines, each compiled on first use (start-up time);
    `search`, `match` and `finditer` pick by size."""

    __slots__ = ("_long", "_pattern", "_short")

    def __init__(self, pattern: str) -> None:
        self._pattern = pattern
        self._short: Any = None
        self._long: Any = None

    def _engine(self, text: str) -> Any:
        if len(text) <= SHORT:
            if self._short is None:
                self._short = re.compile(self._pattern)
            return self._short
        if self._long is None:
            self._long = re2.compile(self._pattern)
        return self._long

    def search(self, text: str) -> Any:
        """The first match anywhere in `text`, or None."""
        return self._engine(text).search(text)

    def match(self, text: str) -> Any:
        """A match at the start of `text`, or None."""
        return self._engine(text).match(text)

    def finditer(self, text: str) -> Iterator[Any]:
        """Every match, left to right."""
        return self._engine(text).finditer(text)

    def sub(self, repl: str, text: str) -> str:
        """`text` with every match replaced by `repl`."""
        return self._engine(text).sub(repl, text)
