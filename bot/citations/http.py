"""The time budget, and JSON requests with backoff that turn every failure into one plain reason."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import aiohttp

from bot.citations.settings import CitationSettings
from bot.scrub import scrub

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MIN_ATTEMPT_SECONDS = 0.05
"""A retry is pointless when less than this is left of the budget after the backoff sleep."""


class Deadline:
    """A point in monotonic time that every request, retry and link check must finish by."""

    def __init__(
        self,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        end: float | None = None,
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds if end is None else end

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        """True once no time is left."""
        return self.remaining() <= 0.0

    def share(self, fraction: float) -> Deadline:
        """A deadline that ends after `fraction` of the time now left (for a source's retries)."""
        end = self._clock() + self.remaining() * fraction
        return Deadline(self.seconds, clock=self._clock, end=end)


class Failure(IntEnum):
    """Why a source gave no answer; a higher value is the likelier root cause, reported first."""

    BUDGET = 1
    BAD_ANSWER = 2
    TIMEOUT = 3
    UNREACHABLE = 4
    SERVER_ERROR = 5
    RATE_LIMITED = 6
    KEY_REFUSED = 7


BREAKS_SOURCE = frozenset({Failure.KEY_REFUSED, Failure.UNREACHABLE, Failure.TIMEOUT})
"""After one of these, a run sends nothing more to that source."""


def seconds_text(value: float) -> str:
    """Seconds for a message: 4 -> "4 s", 0.25 -> "0.25 s"."""
    return f"{value:.3g} s"


@dataclass(frozen=True, slots=True)
class Problem:
    """A source's failure, with enough detail for one human line."""

    source: str
    failure: Failure
    detail: str = ""
    budget: float = 0.0
    key_env: str = ""
    has_key: bool = True

    def describe(self) -> str:
        """One line for `Facts.unavailable`: which source failed and why."""
        budget = seconds_text(self.budget)
        match self.failure:
            case Failure.RATE_LIMITED if self.detail:
                return f"{self.source}: rate limited ({self.detail})"
            case Failure.RATE_LIMITED:
                return f"{self.source}: rate limited (429) and the {budget} budget ran out"
            case Failure.KEY_REFUSED if self.has_key:
                return f"{self.source}: API key refused ({self.detail}); check {self.key_env}"
            case Failure.KEY_REFUSED:
                return (
                    f"{self.source}: refused without an API key ({self.detail}); set {self.key_env}"
                )
            case Failure.UNREACHABLE:
                return f"{self.source}: cannot connect ({self.detail})"
            case Failure.TIMEOUT:
                return f"{self.source}: no answer within {self.detail or budget}"
            case Failure.SERVER_ERROR:
                return f"{self.source}: server error ({self.detail})"
            case Failure.BAD_ANSWER:
                return f"{self.source}: unexpected answer ({self.detail})"
            case _:
                return f"{self.source}: no answer within the {budget} budget"


class SourceError(Exception):
    """A request to a source failed; `problem` says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.describe())
        self.problem = problem


def _error_text(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("error", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])[:120]
    return ""


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


class JsonSource:
    """One JSON API: requests within the deadline, backoff on 429/5xx, the worst failure kept."""

    name = "source"
    key_env = ""
    key_refused_statuses: frozenset[int] = frozenset({401, 403})
    has_key = False

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: CitationSettings,
        deadline: Deadline,
        *,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.deadline = deadline
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.params = dict(params or {})
        self.problem: Problem | None = None
        self.requests: Counter[str] = Counter()
        self._rng = rng or random.Random()

    def _fail(self, failure: Failure, detail: str = "") -> SourceError:
        problem = Problem(
            self.name, failure, scrub(detail), self.settings.budget, self.key_env, self.has_key
        )
        if self.problem is None or failure > self.problem.failure:
            self.problem = problem
        return SourceError(problem)

    def bad_answer(self, detail: str) -> SourceError:
        """Record and return the error for an answer of the wrong shape."""
        return self._fail(Failure.BAD_ANSWER, detail)

    @property
    def broken(self) -> bool:
        """True once a failure makes further requests to this source pointless in this run."""
        return self.problem is not None and self.problem.failure in BREAKS_SOURCE

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(ceiling / 2, ceiling)

    async def request(
        self,
        method: str,
        path: str,
        *,
        route: str,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        missing: frozenset[int] = frozenset({404}),
    ) -> Any:
        """The JSON body of a 2xx answer; None for a `missing` status; SourceError otherwise."""
        url = f"{self.base_url}{path}"
        query = {**self.params, **(params or {})}
        attempt = 0
        while True:
            if self.broken and self.problem is not None:
                raise SourceError(self.problem)
            left = self.deadline.remaining()
            if left <= MIN_ATTEMPT_SECONDS:
                raise self._fail(Failure.BUDGET)
            limit = min(self.settings.request_timeout, left)
            attempt += 1
            self.requests[route] += 1
            try:
                async with self.session.request(
                    method,
                    url,
                    params=query,
                    json=json,
                    headers=self.headers,
                    timeout=aiohttp.ClientTimeout(total=limit),
                    allow_redirects=False,
                ) as resp:
                    status = resp.status
                    try:
                        body = await resp.json(content_type=None)
                    except ValueError:
                        body = None
                    retry_after = _retry_after(resp.headers)
            except TimeoutError:
                if limit < self.settings.request_timeout:
                    raise self._fail(Failure.BUDGET) from None
                raise self._fail(Failure.TIMEOUT, seconds_text(limit)) from None
            except (aiohttp.ClientError, OSError) as exc:
                raise self._fail(Failure.UNREACHABLE, _describe_exc(exc)) from None
            log.debug("%s %s %s -> %s", self.name, method, route, status)
            if 200 <= status < 300:
                if body is None:
                    raise self._fail(Failure.BAD_ANSWER, f"HTTP {status} without a JSON body")
                return body
            if status in missing:
                return None
            if status in self.key_refused_statuses:
                raise self._fail(Failure.KEY_REFUSED, f"{status}")
            if status in RETRY_STATUSES and attempt < self.settings.max_attempts:
                delay = self._backoff(attempt, retry_after)
                if self.deadline.remaining() - delay > MIN_ATTEMPT_SECONDS:
                    log.debug("%s: HTTP %s, retrying in %.2f s", self.name, status, delay)
                    await asyncio.sleep(delay)
                    continue
            tries = f" after {attempt} attempts" if attempt >= self.settings.max_attempts else ""
            if status == 429:
                raise self._fail(Failure.RATE_LIMITED, f"429{tries}" if tries else "")
            if status >= 500:
                raise self._fail(Failure.SERVER_ERROR, f"HTTP {status}{tries}")
            text = _error_text(body)
            raise self._fail(Failure.BAD_ANSWER, f"HTTP {status}" + (f": {text}" if text else ""))


def os_error_text(error: OSError) -> str:
    """ "connection refused", "Name or service not known", ... for a connect failure."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return error.strerror or str(error) or type(error).__name__


_URL = re.compile(r"(?i)\b(https?://[^\s?#'\"]*)[^\s'\"]*")


def without_urls(text: str) -> str:
    """URLs cut to scheme, host and path: a query string may hold a key (OpenAlex's `api_key`)."""
    return _URL.sub(r"\1", text)


def _describe_exc(exc: BaseException) -> str:
    """A short, secret-free description of a connection failure (aiohttp puts the whole request
    URL, query and key included, into the text of a response error)."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"{exc.host}:{exc.port}: {os_error_text(exc.os_error)}"
    if isinstance(exc, aiohttp.ClientResponseError):
        text = f"{type(exc).__name__}: {exc.message}"
    else:
        text = str(exc) or type(exc).__name__
    return scrub(without_urls(" ".join(text.split())))[:120]
