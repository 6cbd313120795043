"""The reviewer's caches and pacing, kept in Redis so that every worker process shares them.

Each piece keeps the in-memory class as a first level and adds Redis behind it: installation
tokens (one request to GitHub per token lifetime across all workers), ETags (a 304 for what any
worker read before), the per-installation write bucket (one pace for all workers), the citation
cache, and the logins the bot's own comments came back with.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import aiohttp
from gidgethub import sansio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.awesome.facts import Citation, Facts, LinkCheck, LinkStatus
from bot.awesome.model import Entry
from bot.citations.cache import NOT_FOUND, CitationCache
from bot.citations.cache import Outcome as Lookup
from bot.citations.lookup import gather_facts, urls_of
from bot.citations.resolve import resolve
from bot.citations.settings import CitationSettings
from bot.github import publish
from bot.github.api import MAX_INLINE_PACE, BotGitHubAPI, CallStats, Pacer, Pacers, RateLimited
from bot.github.auth import REFRESH_MARGIN, TokenProvider
from bot.github.handler import JobResult, Outcome, Reviewer
from bot.github.pull import PullRef
from bot.github.queue import Job
from bot.github.settings import AuthMode, ServiceSettings
from bot.scale.jobs import pull_of
from bot.scale.state import PREFIX

log = logging.getLogger("bot.shared")
ETAG_TTL = 3600
ETAG_MAX_BYTES = 4 * 1024 * 1024
REDIS_FAULTS = (RedisError, OSError)

_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
if ARGV[4] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 3600000)
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return {2, tonumber(first[2]) + 3600000 - now + 1000}
  end
end
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(b[1])
local stamp = tonumber(b[2])
if tokens == nil or stamp == nil then tokens = burst; stamp = now end
tokens = math.min(burst, tokens + (now - stamp) * rate) - 1
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens / rate) end
if wait > tonumber(ARGV[3]) then return {1, wait} end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], 3600000)
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[2], now, ARGV[6])
  redis.call('PEXPIRE', KEYS[2], 3600000)
end
return {0, wait}
"""
_BLOCK = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""


class SharedPacer(Pacer):
    """An installation's pacing in Redis: one write bucket, one hourly budget of content
    creation, and one "GitHub said wait until" time for all workers."""

    def __init__(self, concurrent: int, writes_per_minute: int, creates_per_hour: int, *,
                 key: str, scripts: tuple[Any, Any], redis: Redis) -> None:
        super().__init__(concurrent, writes_per_minute, creates_per_hour)
        self.key = key
        self._take, self._block = scripts
        self._redis = redis
        self._tasks: set[asyncio.Future[Any]] = set()

    async def before_write(self, creates: bool = False) -> None:
        """Take one write token from the shared bucket (and one creation from the hour's
        budget), waiting briefly; a long wait raises RateLimited so the job is re-queued."""
        try:
            code, wait_ms = await self._take(
                keys=[f"{self.key}:bucket", f"{self.key}:creates"],
                args=[self.writes_per_minute / 60_000.0, self.burst, MAX_INLINE_PACE * 1000,
                      int(creates), self.creates_per_hour, uuid.uuid4().hex])
        except REDIS_FAULTS as exc:  # pace this process alone rather than not at all
            log.warning("shared pacing unavailable", extra={"reason": type(exc).__name__})
            await super().before_write(creates)
            return
        if int(code) == 2:
            raise RateLimited(int(wait_ms) / 1000, "the hour's content-creation budget is spent")
        if int(code) == 1:
            raise RateLimited(int(wait_ms) / 1000, "pacing writes")
        if int(wait_ms) > 0:
            await asyncio.sleep(int(wait_ms) / 1000)

    def block(self, seconds: float) -> None:
        """GitHub said to wait: here at once, and for every worker through Redis."""
        super().block(seconds)
        task = asyncio.ensure_future(self._share_block(self.blocked_until, seconds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _share_block(self, until: float, seconds: float) -> None:
        with contextlib.suppress(*REDIS_FAULTS):
            await self._block(keys=[f"{self.key}:blocked"],
                              args=[until, int(max(1.0, seconds) * 1000) + 1000])

    async def wait_briefly(self) -> None:
        """Sit out a short wait in place: with many workers, one 403 with `retry-after: 1`
        would otherwise cost every job of the installation running then an attempt."""
        left = self.blocked_until - time.time()
        if 0 < left <= MAX_INLINE_PACE:
            await asyncio.sleep(left + 0.05)

    def learn_block(self, raw: bytes | str | None) -> None:
        """Take another worker's "wait until" (epoch seconds) read from Redis."""
        if raw:
            with contextlib.suppress(ValueError):
                self.blocked_until = max(self.blocked_until, float(raw))


class SharedPacers(Pacers):
    """Pacers whose buckets and waits live in Redis (the concurrency limit stays per process)."""

    def __init__(self, concurrent: int, writes_per_minute: int, creates_per_hour: int,
                 redis: Redis) -> None:
        super().__init__(concurrent, writes_per_minute, creates_per_hour)
        self._redis = redis
        self._scripts = (redis.register_script(_TAKE), redis.register_script(_BLOCK))

    def get(self, key: object) -> Pacer:
        """The pacer of one installation."""
        k = str(key)
        pacer = self._by_key.get(k)
        if pacer is None:
            pacer = SharedPacer(self._concurrent, self._wpm, self._cph, key=f"{PREFIX}pace:{k}",
                                scripts=self._scripts, redis=self._redis)
            self._by_key[k] = pacer
        return pacer


class SharedTokens(TokenProvider):
    """Installation tokens cached in Redis too, so a new worker asks GitHub for none."""

    def __init__(self, settings: ServiceSettings, redis: Redis) -> None:
        super().__init__(settings)
        self._redis = redis
        self._refused: dict[str, str] = {}

    async def token(self, gh: Any, installation_id: int | str | None) -> str:
        """A token valid for a few more minutes: from memory, Redis, or GitHub."""
        if self._settings.mode is AuthMode.TOKEN or installation_id is None:
            return await super().token(gh, installation_id)
        key = str(installation_id)
        rkey = f"{PREFIX}token:{key}"
        if self._cached(key) is None:
            with contextlib.suppress(*REDIS_FAULTS, ValueError, TypeError):
                raw = await self._redis.get(rkey)
                if raw:
                    token, expiry = json.loads(raw)
                    if token != self._refused.get(key):  # not the one GitHub just refused
                        self._cache[key] = (str(token), float(expiry))
        asked = self.requests
        token = await super().token(gh, installation_id)
        if self.requests != asked and (hit := self._cache.get(key)) is not None:
            ttl = int(hit[1] - time.time() - REFRESH_MARGIN)
            if ttl > 0:
                with contextlib.suppress(*REDIS_FAULTS):
                    await self._redis.set(rkey, json.dumps(list(hit)), ex=ttl)
        return token

    def forget(self, installation_id: int | str | None) -> None:
        """Drop a refused token here and (in the background) for every worker."""
        hit = self._cache.get(str(installation_id))
        if hit is not None:
            self._refused[str(installation_id)] = hit[0]
        super().forget(installation_id)
        task = asyncio.ensure_future(self._forget_shared(str(installation_id)))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _forget_shared(self, key: str) -> None:
        with contextlib.suppress(*REDIS_FAULTS):
            await self._redis.delete(f"{PREFIX}token:{key}")


class SharedETagAPI(BotGitHubAPI):
    """A client whose ETag cache is the process's LRU backed by Redis, and whose pacer learns
    from Redis when another worker was told to wait."""

    def __init__(self, *args: Any, redis: Redis, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._redis = redis

    async def _make_request(self, method: str, url: str, url_vars: Any, data: Any,
                            accept: str, *args: Any, **kw: Any) -> Any:
        """Read the installation's wait (and a GET's cached answer) from Redis first; store a
        fresh answer afterwards."""
        pacer = self.pacer
        names = [f"{pacer.key}:blocked"] if isinstance(pacer, SharedPacer) else []
        filled = rkey = ""
        if method == "GET" and data == b"" and self._cache is not None:
            filled = sansio.format_url(url, url_vars, base_url=self.base_url)
            rkey = f"{PREFIX}etag:{filled}"
            if filled not in self._cache:
                names.append(rkey)
        if names:
            try:
                values = await self._redis.mget(names)
            except REDIS_FAULTS:
                values = [None] * len(names)
            if isinstance(pacer, SharedPacer):
                pacer.learn_block(values[0])
            if rkey and names[-1] == rkey and values[-1]:
                with contextlib.suppress(ValueError, TypeError):
                    self._cache[filled] = tuple(json.loads(values[-1]))
        if isinstance(pacer, SharedPacer):
            await pacer.wait_briefly()
        before = self._cache.get(filled) if rkey else None
        result = await super()._make_request(method, url, url_vars, data, accept, *args, **kw)
        after = self._cache.get(filled) if rkey else None
        if after is not None and after is not before:
            with contextlib.suppress(*REDIS_FAULTS, TypeError, ValueError):
                text = json.dumps(list(after))
                if len(text) <= ETAG_MAX_BYTES:
                    await self._redis.set(rkey, text, ex=ETAG_TTL)
        return result


def _outcome_json(outcome: Citation | object) -> str:
    """A cached citation outcome as JSON."""
    if isinstance(outcome, Citation):
        return json.dumps({"count": outcome.count, "source": outcome.source, "url": outcome.url,
                           "matched_title": outcome.matched_title,
                           "matched_year": outcome.matched_year})
    return json.dumps({"not_found": True})


def _outcome_from(raw: bytes) -> Citation | object:
    """The outcome of `_outcome_json`."""
    d = json.loads(raw)
    if d.get("not_found"):
        return NOT_FOUND
    return Citation(int(d["count"]), str(d["source"]), str(d["url"]),
                    str(d.get("matched_title", "")), d.get("matched_year"))


class SharedCitationCache(CitationCache):
    """The citation cache, loaded from Redis before a review and written back after it."""

    redis: Redis | None = None
    ttls: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def bind(self, redis: Redis, settings: CitationSettings) -> SharedCitationCache:
        """Attach the Redis client and the TTLs of counts, not-founds and link checks."""
        self.redis = redis
        self.ttls = (settings.count_ttl, settings.unknown_ttl, settings.link_ttl)
        self._dirty: dict[str, tuple[str, float]] = {}
        return self

    async def load(self, keys: Sequence[str], urls: Sequence[str]) -> None:
        """Copy what Redis knows about these papers and links into memory."""
        if self.redis is None or not (keys or urls):
            return
        names = [f"{PREFIX}cite:{k}" for k in keys] + [f"{PREFIX}link:{u}" for u in urls]
        try:
            values = await self.redis.mget(names)
        except REDIS_FAULTS:
            return
        for key, raw in zip(keys, values[: len(keys)], strict=True):
            if raw and key not in self._counts and key not in self._unknown:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    CitationCache.put(self, key, _outcome_from(raw))  # type: ignore[arg-type]
        for url, raw in zip(urls, values[len(keys):], strict=True):
            if raw and self.get_link(url) is None:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    d = json.loads(raw)
                    CitationCache.put_link(self, LinkCheck(
                        str(d["url"]), LinkStatus(d["status"]), d.get("http_status"),
                        str(d.get("detail", ""))))

    def put(self, key: str, outcome: Lookup) -> None:
        """Remember locally, and mark for Redis what is worth sharing."""
        super().put(key, outcome)
        if isinstance(outcome, Citation):
            self._dirty[f"{PREFIX}cite:{key}"] = (_outcome_json(outcome), self.ttls[0])
        elif outcome is NOT_FOUND:
            self._dirty[f"{PREFIX}cite:{key}"] = (_outcome_json(outcome), self.ttls[1])

    def put_link(self, check: LinkCheck) -> None:
        """Remember a definite link result locally and for Redis."""
        super().put_link(check)
        if check.status is not LinkStatus.UNREACHABLE:
            self._dirty[f"{PREFIX}link:{check.url}"] = (json.dumps(
                {"url": check.url, "status": check.status.value,
                 "http_status": check.http_status, "detail": check.detail}), self.ttls[2])

    async def flush(self) -> None:
        """Write what this process learned to Redis."""
        if self.redis is None or not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for name, (text, ttl) in dirty.items():
                    pipe.set(name, text, ex=max(1, int(ttl)))
                await pipe.execute()
        except REDIS_FAULTS as exc:
            log.warning("citation cache not shared", extra={"reason": type(exc).__name__})


class SharedReviewer(Reviewer):
    """The reviewer of a worker process: the same review, with its state shared through Redis."""

    def __init__(self, settings: ServiceSettings, session: aiohttp.ClientSession,
                 redis: Redis, *, citations: CitationSettings | None = None,
                 citation_session: aiohttp.ClientSession | None = None) -> None:
        super().__init__(settings, session, citations=citations,
                         citation_session=citation_session)
        self.redis = redis
        self.tokens = SharedTokens(settings, redis)
        self.pacers = SharedPacers(settings.concurrent_requests, settings.writes_per_minute,
                                   settings.creates_per_hour, redis)
        self.citation_cache = SharedCitationCache.from_settings(self.citations).bind(
            redis, self.citations)
        self.gather = self._gather_shared
        self.abandon_on_cancel = False  # a cancelled job is re-run by another worker

    def api(self, token: str | None, pacer_key: object, stats: CallStats,
            refresh: Callable[[], Awaitable[str]] | None = None) -> BotGitHubAPI:
        """A client for one job, its ETags and waits shared through Redis."""
        return SharedETagAPI(self.session, token=token, base_url=self.settings.api_url,
                             pacer=self.pacers.get(pacer_key), cache=self.etags,
                             retry_budget=self.settings.retry_budget, stats=stats,
                             refresh=refresh, redis=self.redis,
                             inline_wait=self.settings.inline_wait)

    async def review_once(self, pr: PullRef, **kw: Any) -> JobResult:
        """Review with the logins every worker has learned; share any learned here. Once a
        head is published, finish the runs a dead worker left on the PR's older heads."""
        key = f"{PREFIX}logins"
        with contextlib.suppress(*REDIS_FAULTS):
            self.own_logins |= {m.decode() for m in await self.redis.smembers(key)}
        known = set(self.own_logins)
        try:
            result = await super().review_once(pr, **kw)
        finally:
            if new := self.own_logins - known:
                with contextlib.suppress(*REDIS_FAULTS):
                    await self.redis.sadd(key, *new)
        if result.outcome is Outcome.PUBLISHED and result.reached is not None:
            await self._close_older_runs(result.reached)
        return result

    async def _start(self, gh: BotGitHubAPI, pr: PullRef, result: JobResult) -> int | None:
        """Note the head in Redis before starting its check run: if this worker dies after
        following a push, whoever publishes the PR next finishes that run."""
        with contextlib.suppress(*REDIS_FAULTS):
            name = f"{PREFIX}started:{pr.key}"
            await self.redis.sadd(name, pr.head_sha)
            await self.redis.expire(name, 7 * 24 * 3600)
        return await super()._start(gh, pr, result)

    async def _close_older_runs(self, pr: PullRef) -> None:
        """Complete the bot's runs still open on heads of the PR other than `pr`'s."""
        name = f"{PREFIX}started:{pr.key}"
        try:
            heads = {h.decode() for h in await self.redis.smembers(name)}
            await self.redis.srem(name, pr.head_sha)
        except REDIS_FAULTS:
            return
        stale = sorted(heads - {pr.head_sha})
        if not stale:
            return
        try:
            gh = await self.client_for(pr.installation_id, pr.full_name, CallStats())
            for sha in stale:
                old = replace(pr, head_sha=sha)
                for run_id in publish.open_runs(await publish.our_runs(gh, old, self.app_id)):
                    await publish.finish_check(
                        gh, old, run_id, conclusion="neutral", app_id=self.app_id,
                        title="Superseded by a newer push",
                        summary="A newer commit was reviewed.")
                await self.redis.srem(name, sha)
        except Exception as exc:  # kept in Redis: the next publication tries again
            log.warning("could not finish older runs", extra={"pr": pr.key,
                                                               "reason": type(exc).__name__})

    async def give_up(self, job: Job) -> None:
        """Complete the open check runs of a review that kept crashing its worker."""
        pr = pull_of(job)
        if pr is None:
            return
        gh = await self.client_for(pr.installation_id, pr.full_name, CallStats())
        await self._finish_open(gh, pr, None, "its worker stopped several times",
                                summary="Reviewing this commit stopped the bot's worker "
                                        "several times; push again or re-run this check.")

    async def _gather_shared(self, entries: Sequence[Entry], settings: CitationSettings,
                             **kw: Any) -> Facts:
        """gather_facts with the citation cache loaded from Redis before and saved after."""
        cache = self.citation_cache
        keys = list(dict.fromkeys(ref.key for e in entries if (ref := resolve(e)) is not None))
        links = kw.get("link_entries")
        urls = urls_of(links if links is not None else entries) if kw.get("check_links") else []
        await cache.load(keys, urls)
        try:
            return await gather_facts(entries, settings, **kw)
        finally:
            await cache.flush()

