"""A bounded in-memory cache of lookups, and the shared futures that dedupe concurrent ones.

Counts are kept for hours (a citation count moves slowly); "no source knows this paper" is kept
for minutes (a paper may be indexed soon); a failed lookup is never cached. One cache object is
meant to live as long as the process (the service keeps one; each CLI run starts empty).
It is used from one event loop at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from cachetools import TTLCache

from bot import metrics
from bot.awesome.facts import Citation, LinkCheck, LinkStatus
from bot.citations.settings import COUNT_TTL, UNKNOWN_TTL, CitationSettings


class Missing(Enum):
    """The answer "every source was asked and none knows this paper"."""

    NOT_FOUND = "not found"


NOT_FOUND = Missing.NOT_FOUND


@dataclass(frozen=True, slots=True)
class Unverified:
    """No answer: the sources that should have answered failed, for these reasons."""

    reasons: tuple[str, ...]


Outcome = Citation | Missing | Unverified
"""What a lookup of one paper ends in."""


class CitationCache:
    """Citation outcomes by lookup key, link checks by URL, and lookups now in flight."""

    def __init__(
        self,
        *,
        maxsize: int = 4096,
        count_ttl: float = COUNT_TTL,
        unknown_ttl: float = UNKNOWN_TTL,
        link_ttl: float = 15 * 60.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._counts: TTLCache[str, Citation] = TTLCache(maxsize, count_ttl, timer=timer)
        self._unknown: TTLCache[str, Missing] = TTLCache(maxsize, unknown_ttl, timer=timer)
        self._links: TTLCache[str, LinkCheck] = TTLCache(maxsize, link_ttl, timer=timer)
        self.inflight: dict[str, asyncio.Future[Outcome]] = {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_settings(
        cls, settings: CitationSettings, *, timer: Callable[[], float] = time.monotonic
    ) -> CitationCache:
        """A cache sized and timed by the settings."""
        return cls(
            maxsize=settings.cache_size,
            count_ttl=settings.count_ttl,
            unknown_ttl=settings.unknown_ttl,
            link_ttl=settings.link_ttl,
            timer=timer,
        )

    def get(self, key: str) -> Citation | Missing | None:
        """The cached outcome for a lookup key, or None on a miss."""
        found: Citation | Missing | None = self._counts.get(key)
        if found is None:
            found = self._unknown.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        metrics.citation_cache(found is not None)
        return found

    def put(self, key: str, outcome: Outcome) -> None:
        """Remember a count for hours, a not-found for minutes, and a failure not at all."""
        if isinstance(outcome, Citation):
            self._unknown.pop(key, None)
            self._counts[key] = outcome
        elif outcome is NOT_FOUND:
            self._unknown[key] = outcome

    def get_link(self, url: str) -> LinkCheck | None:
        """A cached link check, or None."""
        return self._links.get(url)

    def put_link(self, check: LinkCheck) -> None:
        """Remember a definite link result (ok or dead); an unreachable one is retried next time."""
        if check.status is not LinkStatus.UNREACHABLE:
            self._links[check.url] = check

    def __len__(self) -> int:
        return len(self._counts) + len(self._unknown)
