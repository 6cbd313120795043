"""The web process's side of the Redis queue: enqueue a job for the workers, and report depth.

Each job gets a number from one Redis counter and is announced as its PR's newest; a job that
could not be queued raises `QueueUnavailable`, and the webhook answers 503 so that GitHub keeps
the delivery for a redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from redis.exceptions import RedisError

from bot.github.deliveries import QueueUnavailable
from bot.github.queue import Job
from bot.scale.jobs import FUNCTION, job_args
from bot.scale.settings import ScaleSettings
from bot.scale.state import SharedState

log = logging.getLogger("bot.queue")
REDIS_FAULTS = (RedisError, OSError)


class RedisQueue:
    """Enqueues review jobs into arq's queue in Redis; workers elsewhere run them."""

    def __init__(self, state: SharedState, scale: ScaleSettings) -> None:
        self.state = state
        self.scale = scale
        self.accepting = True
        self.completed = 0
        self._depth = 0
        self._checked = 0.0
        self._refresher: asyncio.Future[None] | None = None

    @property
    def redis(self) -> Any:
        """The Redis client."""
        return self.state.redis

    @property
    def depth(self) -> int:
        """Jobs waiting in Redis, as last counted (at most a second ago while busy)."""
        return self._depth

    async def count(self) -> int:
        """Jobs waiting in Redis now."""
        self._depth = int(await self.redis.zcard(self.scale.queue_name))
        self._checked = time.monotonic()
        return self._depth

    async def enqueue(self, key: str, args: Mapping[str, Any], *, defer: float = 0.0,
                      seq: int | None = None, attempt: int = 1, force: bool = False) -> bool:
        """Queue one job for PR `key`; False when the queue is full (unless `force`: work
        accepted once). `seq` keeps a re-queued job's place (a newer head still supersedes
        it)."""
        if not self.accepting:
            return False
        try:
            if time.monotonic() - self._checked > 1.0 or self._depth >= self.scale.queue_limit:
                await self.count()
            if seq is None and not force and self._depth >= self.scale.queue_limit:
                return False
            number = seq if seq is not None else await self.state.next_seq()
            job = await self.redis.enqueue_job(
                FUNCTION, dict(args), number, _job_id=f"{number}.{attempt}",
                _defer_by=defer or None)
            if job is None:  # that very job is already queued
                return True
            await self.state.announce(key, number)
        except REDIS_FAULTS as exc:
            raise QueueUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
        self._depth += 1
        return True

    async def submit(self, job: Job) -> bool:
        """Queue a job (the service's interface); False when the queue is full."""
        return await self.enqueue(job.key, job_args(job))

    async def requeue(self, job: Job, delay: float, seq: int) -> None:
        """Queue a job's next attempt `delay` seconds from now, keeping its place among the
        PR's jobs (a newer head still supersedes it)."""
        await self.enqueue(job.key, job_args(job), defer=delay, seq=seq, attempt=job.attempt)

    async def defer(self, job: Job, delay: float) -> None:
        """Queue a follow-up job (the service's interface), `delay` seconds from now."""
        again = job.later(delay)
        await self.enqueue(again.key, job_args(again), defer=delay, attempt=again.attempt,
                           force=True)

    async def reachable(self) -> bool:
        """True when Redis answers (and the depth is fresh)."""
        try:
            await asyncio.wait_for(self.count(), 2.0)
        except (*REDIS_FAULTS, TimeoutError):
            return False
        return True

    def start(self) -> None:
        """Keep the depth fresh for /metrics (workers elsewhere run the jobs)."""
        self._refresher = asyncio.ensure_future(self._refresh())

    async def _refresh(self) -> None:
        while True:
            with contextlib.suppress(*REDIS_FAULTS):
                await self.count()
            await asyncio.sleep(1.0)

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until Redis holds no job (for tests and benchmarks); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while await self.count() or await self.redis.keys("arq:in-progress:*"):
            if deadline is not None and time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True

    async def shutdown(self, grace: float) -> int:
        """Stop accepting; queued jobs stay in Redis for the workers."""
        self.accepting = False
        if self._refresher is not None:
            self._refresher.cancel()
        with contextlib.suppress(*REDIS_FAULTS):
            await self.redis.aclose()
        return 0


class RedisDeliveries:
    """Delivery claims in Redis, shared by every web and worker process."""

    def __init__(self, state: SharedState) -> None:
        self.state = state

    async def seen(self, delivery: str) -> bool:
        """True when some process claimed the delivery."""
        try:
            return await self.state.delivery_claimed(delivery)
        except REDIS_FAULTS as exc:
            raise QueueUnavailable(type(exc).__name__) from exc

    async def claim(self, delivery: str) -> bool:
        """Claim the delivery for this process (SET NX: one winner among all)."""
        try:
            return await self.state.claim_delivery(delivery)
        except REDIS_FAULTS as exc:
            raise QueueUnavailable(type(exc).__name__) from exc

    async def release(self, delivery: str) -> None:
        """Forget the claim."""
        try:
            await self.state.release_delivery(delivery)
        except REDIS_FAULTS as exc:
            raise QueueUnavailable(type(exc).__name__) from exc
