"""gidgethub's aiohttp client, made polite and sturdy.

Every request of one installation shares a small concurrency limit and writes are paced (GitHub
allows about 80 content-creating requests a minute and 500 an hour). Transient failures
(connection errors, timeouts, 500/502/503/504) are retried with exponential backoff and jitter
within a time budget. A rate limit (a 403/429 told apart from a permission refusal the way GitHub
documents it) holds back all the installation's requests until GitHub's time; a wait of a few
seconds (`inline_wait`, within the budget) is slept out in place, a longer one raises
`RateLimited` and the job is re-queued (no worker waits a minute). A POST that creates a comment or
review and may have landed (5xx, timeout, broken connection) raises `AmbiguousWrite`, so the
caller looks before sending it again. A 401 fetches a fresh installation token once.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import aiohttp
from cachetools import LRUCache, TTLCache
from gidgethub.aiohttp import GitHubAPI

from bot import metrics
from bot.scrub import SCRUBBER

USER_AGENT = "awesome-papers-bot"
# POSTs that create content (GitHub's content-creation limits count them).
_CREATES_CONTENT = re.compile(r"/issues/\d+/comments$|/pulls/\d+/reviews$|/issues$")
# POSTs that would leave a second comment, review or check run if repeated after GitHub had done
# them: the caller looks first. The others (tokens, labels, statuses) are safe to send again.
_LOOK_FIRST = re.compile(r"/issues/\d+/comments$|/pulls/\d+/reviews$|/check-runs$")
TRANSIENT = frozenset({500, 502, 503, 504})
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
MIN_WAIT = 60.0  # GitHub: with no header saying how long, wait at least a minute
MAX_INLINE_PACE = 5.0  # a longer pacing wait re-queues the job instead of holding a worker
_SECONDARY = re.compile(r"\bsecondary rate\b", re.IGNORECASE)
_PRIMARY = re.compile(r"\bAPI rate limit exceeded\b", re.IGNORECASE)


class TransientError(Exception):
    """GitHub could not be reached within the retry budget."""


class AmbiguousWrite(TransientError):
    """A POST that creates content and may have landed (5xx, timeout, broken connection).

    It is not retried blindly (that could post twice); the caller looks first.
    """


class RateLimited(Exception):
    """Wait `delay` seconds (None: GitHub gave no time; wait at least a minute, longer each
    time) before asking GitHub again."""

    def __init__(self, delay: float | None, reason: str = "GitHub's rate limit", *,
                 asked: bool = True) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason
        self.asked = asked  # False: no request went out (the installation is waiting)


@dataclass
class Pacer:
    """One installation's share of GitHub: concurrent requests, a token bucket for writes, an
    hourly budget of content-creating requests, and the time GitHub asked it to wait until.

    Up to `burst` writes go out at once, then one every 60/`writes_per_minute` seconds, which
    keeps any minute under GitHub's ~80 content-creating requests.
    """

    concurrent: int
    writes_per_minute: int
    creates_per_hour: int = 450
    burst: int = 10
    blocked_until: float = 0.0  # epoch seconds
    _sem: asyncio.Semaphore | None = None
    _tokens: float = -1.0
    _stamp: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _created: deque[float] = field(default_factory=deque)

    @property
    def sem(self) -> asyncio.Semaphore:
        """The concurrency limit (made lazily, inside the running loop)."""
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.concurrent)
        return self._sem

    def block(self, seconds: float) -> None:
        """GitHub said to wait: no request of this installation goes out before then."""
        self.blocked_until = max(self.blocked_until, time.time() + seconds)

    def check(self) -> None:
        """Raise RateLimited while GitHub's wait is not over."""
        left = self.blocked_until - time.time()
        if left > 0:
            raise RateLimited(left, "waiting out GitHub's rate limit", asked=False)

    async def sit_out(self, longest: float, deadline: float) -> None:
        """Sleep out GitHub's wait when it ends within `longest` seconds and before
        `deadline` (monotonic); else raise RateLimited (the job is re-queued)."""
        left = self.blocked_until - time.time()
        if 0 < left <= longest and time.monotonic() + left <= deadline:
            await asyncio.sleep(left)
        self.check()

    async def before_write(self, creates: bool = False) -> None:
        """Take one write token, waiting briefly for the bucket to refill; a long wait (or a
        spent hourly budget of content creation) raises RateLimited instead."""
        rate = self.writes_per_minute / 60.0
        async with self._lock:
            now = time.monotonic()
            if creates:
                hour_ago = time.time() - 3600
                while self._created and self._created[0] < hour_ago:
                    self._created.popleft()
                if len(self._created) >= self.creates_per_hour:
                    raise RateLimited(self._created[0] - hour_ago + 1,
                                      "the hour's content-creation budget is spent",
                                      asked=False)
            if self._tokens < 0:
                self._tokens, self._stamp = float(self.burst), now
            tokens = min(self.burst, self._tokens + (now - self._stamp) * rate) - 1
            wait = -tokens / rate if tokens < 0 else 0.0
            if wait > MAX_INLINE_PACE:
                raise RateLimited(wait, "pacing writes", asked=False)
            self._tokens, self._stamp = tokens, now
            if creates:
                self._created.append(time.time())
            if wait > 0:
                await asyncio.sleep(wait)


class Pacers:
    """Pacers per installation, kept while in use."""

    def __init__(self, concurrent: int, writes_per_minute: int,
                 creates_per_hour: int = 450) -> None:
        self._concurrent = concurrent
        self._wpm = writes_per_minute
        self._cph = creates_per_hour
        self._by_key: TTLCache[str, Pacer] = TTLCache(maxsize=10_000, ttl=3600)

    def get(self, key: object) -> Pacer:
        """The pacer of one installation (or repository in token mode)."""
        k = str(key)
        pacer = self._by_key.get(k)
        if pacer is None:
            pacer = Pacer(self._concurrent, self._wpm, self._cph)
            self._by_key[k] = pacer
        return pacer


@dataclass
class CallStats:
    """Requests made, by kind, for logs, tests and benchmarks."""

    reads: int = 0
    writes: int = 0  # attempted
    accepted_writes: int = 0  # answered 2xx by GitHub
    retries: int = 0
    rate_limited: int = 0
    by_route: Counter[str] = field(default_factory=Counter)


def _message(body: bytes) -> str:
    """The `message` of an error body (the raw text when it is not JSON)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def rate_limit_wait(status: int, headers: Mapping[str, str],
                    body: bytes) -> tuple[bool, float | None]:
    """(is it a rate limit, seconds to wait or None when GitHub gave no time).

    As GitHub documents (and octokit does): `retry-after` means wait that long; a message naming
    the secondary limit means wait at least a minute; `x-ratelimit-remaining: 0` is the primary
    limit (wait until `x-ratelimit-reset`). Any other 403, such as "Resource not accessible by
    integration", is a refusal, not a rate limit.
    """
    if status not in (403, 429):
        return False, None
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            return True, max(0.0, float(retry_after))
        except ValueError:
            return True, None
    message = _message(body)
    if _SECONDARY.search(message):
        return True, None
    if headers.get("x-ratelimit-remaining") == "0" or _PRIMARY.search(message):
        try:
            return True, max(0.0, float(headers.get("x-ratelimit-reset", "")) - time.time()) + 1
        except ValueError:
            return True, None
    return status == 429, None


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
                 stats: CallStats | None = None,
                 refresh: Callable[[], Awaitable[str]] | None = None,
                 inline_wait: float = 5.0) -> None:
        super().__init__(session, USER_AGENT, oauth_token=token, cache=cache, base_url=base_url)
        self.pacer = pacer
        self.retry_budget = retry_budget
        self.inline_wait = inline_wait  # a rate-limit wait this short is slept out in place
        self.stats = stats if stats is not None else CallStats()
        self._refresh = refresh

    async def _request(self, method: str, url: str, headers: Mapping[str, str],
                       body: bytes = b"") -> tuple[int, Mapping[str, str], bytes]:
        """One request, retried on transient failures within the budget; a rate limit raises
        RateLimited, a content-creating POST that may have landed raises AmbiguousWrite."""
        deadline = time.monotonic() + self.retry_budget
        path = url.split("?", 1)[0]
        creates = method == "POST" and bool(_CREATES_CONTENT.search(path))
        look_first = method == "POST" and bool(_LOOK_FIRST.search(path))
        attempt = 0
        if body and method in WRITE_METHODS:
            body = SCRUBBER.bytes(body)  # no secret reaches a comment, check run or label
        while True:
            attempt += 1
            await self.pacer.sit_out(self.inline_wait, deadline)
            if method in WRITE_METHODS:
                await self.pacer.before_write(creates)
            try:
                async with self.pacer.sem:
                    self.pacer.check()
                    self._count(method, url)
                    status, resp_headers, data = await super()._request(method, url, headers,
                                                                        body)
            except (aiohttp.ClientError, TimeoutError) as exc:
                if look_first and not isinstance(exc, aiohttp.ClientConnectorError):
                    raise AmbiguousWrite(f"the connection broke during a POST "
                                         f"({type(exc).__name__})") from None
                failure: str | None = type(exc).__name__
                status, resp_headers, data = 0, {}, b""
            else:
                failure = None
            self._answered(method, status, resp_headers)
            if status == 401 and self._refresh is not None:
                fresh, self._refresh = await self._refresh(), None  # once per client
                self.oauth_token = fresh
                headers = {**headers, "authorization": f"token {fresh}"}
                continue
            limited, wait = rate_limit_wait(status, resp_headers, data)
            if limited:
                self.stats.rate_limited += 1
                self.pacer.block(MIN_WAIT if wait is None else wait)
                if wait is not None and wait <= self.inline_wait \
                        and time.monotonic() + wait <= deadline:
                    self.stats.retries += 1
                    continue  # a short wait: slept out at the top of the loop
                raise RateLimited(wait, f"GitHub's rate limit ({status})")
            if failure is None and status not in TRANSIENT:
                if resp_headers.get("x-ratelimit-remaining") == "0":  # the next one would fail
                    _, wait = rate_limit_wait(403, resp_headers, b"")
                    self.pacer.block(MIN_WAIT if wait is None else wait)
                return status, resp_headers, data
            if look_first:
                raise AmbiguousWrite(f"GitHub answered {status} to a POST that may have landed")
            delay = min(30.0, 0.25 * 2 ** (attempt - 1)) * (0.5 + random.random())
            if time.monotonic() + delay > deadline:
                if failure is not None:
                    raise TransientError(f"GitHub unreachable ({failure}) after {attempt} tries")
                raise TransientError(f"GitHub answered {status} {attempt} times")
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
