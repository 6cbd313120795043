"""gidgethub's aiohttp client, made polite and sturdy.

Every request of one installation shares a small concurrency limit and writes are paced (GitHub
allows about 80 content-creating requests a minute); transient failures (connection errors,
timeouts, 502/503/504) and rate limits (403/429 with `retry-after` or an exhausted
`x-ratelimit-remaining`) are retried with exponential backoff and jitter within a time budget.
Other 4xx answers are not retried.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import aiohttp
from cachetools import LRUCache, TTLCache
from gidgethub.aiohttp import GitHubAPI

from bot import metrics
from bot.scrub import SCRUBBER

USER_AGENT = "awesome-papers-bot"
# POSTs that would post a second comment or review if repeated after GitHub had done them; the
# others (tokens, labels, statuses, check runs) are safe to send again.
_CREATES_CONTENT = re.compile(r"/issues/\d+/comments$|/pulls/\d+/reviews$")
TRANSIENT = frozenset({500, 502, 503, 504})
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class Pacer:
    """One installation's share of GitHub: concurrent requests, and a token bucket for writes.

    Up to `burst` writes go out at once, then one every 60/`writes_per_minute` seconds, which
    keeps any minute under GitHub's ~80 content-creating requests.
    """

    concurrent: int
    writes_per_minute: int
    burst: int = 10
    _sem: asyncio.Semaphore | None = None
    _tokens: float = -1.0
    _stamp: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def sem(self) -> asyncio.Semaphore:
        """The concurrency limit (made lazily, inside the running loop)."""
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.concurrent)
        return self._sem

    async def before_write(self) -> None:
        """Take one write token, waiting for the bucket to refill when it is empty."""
        rate = self.writes_per_minute / 60.0
        async with self._lock:
            now = time.monotonic()
            if self._tokens < 0:
                self._tokens, self._stamp = float(self.burst), now
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            self._tokens -= 1
            wait = -self._tokens / rate if self._tokens < 0 else 0.0
            if wait > 0:
                await asyncio.sleep(wait)


class Pacers:
    """Pacers per installation, kept while in use."""

    def __init__(self, concurrent: int, writes_per_minute: int) -> None:
        self._concurrent = concurrent
        self._wpm = writes_per_minute
        self._by_key: TTLCache[str, Pacer] = TTLCache(maxsize=10_000, ttl=3600)

    def get(self, key: object) -> Pacer:
        """The pacer of one installation (or repository in token mode)."""
        k = str(key)
        pacer = self._by_key.get(k)
        if pacer is None:
            pacer = Pacer(self._concurrent, self._wpm)
            self._by_key[k] = pacer
        return pacer


@dataclass
class CallStats:
    """Requests made, by kind, for logs, tests and benchmarks."""

    reads: int = 0
    writes: int = 0  # attempted
    accepted_writes: int = 0  # answered 2xx by GitHub
    retries: int = 0
    by_route: Counter[str] = field(default_factory=Counter)


class TransientError(Exception):
    """GitHub could not be reached within the retry budget."""


class AmbiguousWrite(TransientError):
    """A POST whose connection broke after it was sent: GitHub may or may not have done it.

    It is not retried blindly (that could post twice); the caller looks first.
    """


def _retry_delay(status: int, headers: Mapping[str, str], body: bytes) -> float | None:
    """Seconds to wait before retrying a rate-limited answer, None when it is no rate limit."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return 60.0
    if headers.get("x-ratelimit-remaining") == "0":
        try:
            return max(0.0, float(headers.get("x-ratelimit-reset", "0")) - time.time()) + 1.0
        except ValueError:
            return 60.0
    if status == 429 or b"secondary rate limit" in body.lower():
        return 60.0
    return None


ETAG_ENTRY_LIMIT = 2 * 1024 * 1024
"""The largest answer kept for conditional requests: the bot reads no README past 2 MB."""
ETAG_CACHE_BYTES = 32 * 1024 * 1024


def weight(value: object) -> int:
    """Roughly how many bytes a decoded answer holds (its text, plus a little per value)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, Mapping):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        total += 8
    return total


class EtagCache(LRUCache):
    """gidgethub's ETag cache, bounded by size: answers past the bot's 2 MB limit are not kept,
    and the least recently used go once all together pass `ETAG_CACHE_BYTES`."""

    def __init__(self, maxsize: int = ETAG_CACHE_BYTES,
                 entry_limit: int = ETAG_ENTRY_LIMIT) -> None:
        super().__init__(maxsize=maxsize, getsizeof=weight)
        self.entry_limit = min(entry_limit, maxsize)

    def __setitem__(self, key: str, value: object) -> None:
        if weight(value) > self.entry_limit:
            self.pop(key, None)  # an older, smaller answer for the URL is stale now
            return
        super().__setitem__(key, value)


class BotGitHubAPI(GitHubAPI):
    """A GitHub client for one job: one token, a shared session, cache and pacer."""

    def __init__(self, session: aiohttp.ClientSession, *, token: str | None, base_url: str,
                 pacer: Pacer, cache: LRUCache | None = None, retry_budget: float = 30.0,
                 stats: CallStats | None = None) -> None:
        super().__init__(session, USER_AGENT, oauth_token=token, cache=cache, base_url=base_url)
        self.pacer = pacer
        self.retry_budget = retry_budget
        self.stats = stats if stats is not None else CallStats()

    async def _request(self, method: str, url: str, headers: Mapping[str, str],
                       body: bytes = b"") -> tuple[int, Mapping[str, str], bytes]:
        """One request, retried on transient failures and rate limits within the budget."""
        deadline = time.monotonic() + self.retry_budget
        attempt = 0
        if body and method in WRITE_METHODS:
            body = SCRUBBER.bytes(body)  # no secret reaches a comment, check run or label
        while True:
            attempt += 1
            if method in WRITE_METHODS:
                await self.pacer.before_write()
            try:
                async with self.pacer.sem:
                    self._count(method, url)
                    status, resp_headers, data = await super()._request(method, url, headers,
                                                                        body)
            except (aiohttp.ClientError, TimeoutError) as exc:
                if (method == "POST" and not isinstance(exc, aiohttp.ClientConnectorError)
                        and _CREATES_CONTENT.search(url)):
                    raise AmbiguousWrite(f"the connection broke during a POST "
                                         f"({type(exc).__name__})") from None
                failure: str | None = f"{type(exc).__name__}"
                status, resp_headers, data = 0, {}, b""
            else:
                failure = None
            self._answered(method, status, resp_headers)
            delay: float | None
            if failure is not None or status in TRANSIENT:
                delay = min(30.0, 0.25 * 2 ** (attempt - 1)) * (0.5 + random.random())
            else:
                delay = _retry_delay(status, resp_headers, data)
                if delay is None:
                    return status, resp_headers, data
            if time.monotonic() + delay > deadline:
                if failure is not None:
                    raise TransientError(f"GitHub unreachable ({failure}) after {attempt} tries")
                return status, resp_headers, data
            self.stats.retries += 1
            await asyncio.sleep(delay)

    def _answered(self, method: str, status: int, headers: Mapping[str, str]) -> None:
        """Count a write GitHub accepted, and feed the metrics."""
        if method in WRITE_METHODS and 200 <= status < 300:
            self.stats.accepted_writes += 1
        metrics.github_answered(method, status or None, headers)

    def _count(self, method: str, url: str) -> None:
        """Count one request by kind and route."""
        if method in WRITE_METHODS:
            self.stats.writes += 1
        else:
            self.stats.reads += 1
        path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
        self.stats.by_route[f"{method} /{path}"] += 1
