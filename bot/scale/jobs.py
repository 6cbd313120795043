"""The jobs worker processes run: the service's own jobs (`bot.github.jobs`), carried by arq.

A job is superseded when a newer one for its PR (its `key`) is queued, unless it is a re-queued
attempt or a dead worker's job (those still run once, to finish the check run they started);
while it runs, `is_current()` is False as long as a newer job of its PR is queued and has not
ended. It waits (re-queued a second later by arq) while another job holds the PR's lease, and
until GitHub's "wait" for its installation is over. While it runs it renews both the lease and
arq's own claim on the job every `lease / 4` seconds, so when its worker is killed another
worker re-runs it within one lease. A job GitHub asked to wait (`RetryLater`) is queued again
for later as its next attempt, freeing the worker meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from arq import Retry
from arq.constants import in_progress_key_prefix
from redis.exceptions import RedisError

from bot.github.pull import PullRef
from bot.github.queue import Attempt, Job, RetryLater
from bot.scale.settings import ScaleSettings
from bot.scale.state import SharedState

log = logging.getLogger("bot.worker")
FUNCTION = "job"
TURN_WAIT = 1.0
MAX_STARTS = 3
MAX_TRIES = 1_000_000  # waits for a turn count as arq tries; crash loops are capped by MAX_STARTS


def job_args(job: Job) -> dict[str, Any]:
    """A job as arq's JSON arguments."""
    return {"key": job.key, "head": job.head, "delivery": job.delivery, "task": dict(job.task),
            "attempt": job.attempt}


def job_from(data: Mapping[str, Any]) -> Job:
    """The job of arq's arguments."""
    return Job(str(data["key"]), str(data["head"]), str(data.get("delivery", "-")),
               dict(data.get("task") or {}), attempt=int(data.get("attempt", 1)))


class WorkerRuntime:
    """What one worker process's jobs share: the job runner and the Redis state."""

    def __init__(self, runner: Callable[[Attempt], Awaitable[object]], state: SharedState,
                 scale: ScaleSettings, *, max_attempts: int,
                 requeue: Callable[[Job, float, int], Awaitable[object]],
                 give_up: Callable[[Job], Awaitable[object]] | None = None) -> None:
        self.runner = runner
        self.state = state
        self.scale = scale
        self.max_attempts = max_attempts
        self.requeue = requeue
        self.give_up = give_up
        self.outcomes: dict[str, int] = {}

    async def run(self, job: Job, seq: int, job_id: str) -> str:
        """One attempt: superseded, waiting for the PR's turn, or run."""
        if (job.attempt == 1 and await self.state.newest(job.key) > seq
                and not await self.state.was_started(job_id)):  # a dead worker's job finishes
            return self._count("superseded")                     # what it started
        wait = await self.state.blocked_until(pacer_key(job)) - time.time()
        if wait > 0:  # GitHub told another worker to wait: no attempt spent asking again
            raise Retry(defer=wait + random.uniform(0, min(5.0, wait)))
        if not await self.state.take_lease(job.key, job_id, self.scale.lease):
            raise Retry(defer=TURN_WAIT)
        try:
            await self._renew(job, job_id)
            if await self.state.count_start(job_id) > MAX_STARTS:
                return await self._abandon(job, job_id)
            newer = await self.state.newer_pending(job.key, seq)

            async def beat() -> None:
                nonlocal newer
                renewed = time.monotonic()
                while True:
                    await asyncio.sleep(min(1.0, self.scale.beat))
                    with contextlib.suppress(RedisError, OSError):
                        if time.monotonic() - renewed >= self.scale.beat:
                            await self._renew(job, job_id)
                            renewed = time.monotonic()
                        newer = await self.state.newer_pending(job.key, seq)

            attempt = Attempt(job, lambda: not newer, job.attempt >= self.max_attempts)
            beating = asyncio.create_task(beat())
            try:
                await self.runner(attempt)
            except RetryLater as exc:
                if attempt.last:
                    log.warning("gave up", extra={"delivery": job.delivery, "pr": job.key,
                                                  "reason": exc.reason})
                    await self.state.finished(job.key, seq)
                    return self._count("gave-up")
                log.info("deferred", extra={"delivery": job.delivery, "pr": job.key,
                                            "head": job.head, "reason": exc.reason})
                await self.requeue(exc.next_of(job).later(exc.delay), exc.delay, seq)
                return self._count("deferred")
            finally:
                beating.cancel()
                with contextlib.suppress(RedisError, OSError):
                    await self.state.forget_starts(job_id)
            await self.state.finished(job.key, seq)
            return self._count("done")
        finally:
            with contextlib.suppress(RedisError, OSError):
                await self.state.drop_lease(job.key, job_id)

    async def _renew(self, job: Job, job_id: str) -> None:
        """Hold the PR's lease and arq's claim on the job for one more lease."""
        if not await self.state.renew_lease(job.key, job_id, self.scale.lease,
                                            also=in_progress_key_prefix + job_id):
            log.warning("lost the PR's lease", extra={"pr": job.key, "head": job.head})

    async def _abandon(self, job: Job, job_id: str) -> str:
        """The job killed its worker again and again: stop, and say so where people look."""
        log.error("the job crashed its worker repeatedly; giving up",
                  extra={"delivery": job.delivery, "pr": job.key, "head": job.head})
        await self.state.release_delivery(job.delivery)
        await self.state.forget_starts(job_id)
        if self.give_up is not None:
            with contextlib.suppress(Exception):
                await self.give_up(job)
        return self._count("abandoned")

    def _count(self, outcome: str) -> str:
        """Tally an outcome (for logs and tests) and return it."""
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        return outcome


def pacer_key(job: Job) -> str:
    """The installation (or, in token mode, the repository) whose pacing the job shares."""
    task = job.task
    pr = task.get("pr") if isinstance(task.get("pr"), dict) else None
    where = pr if pr is not None else task
    inst = where.get("installation_id")
    return str(inst or f"{where.get('owner')}/{where.get('repo')}")


def pull_of(job: Job) -> PullRef | None:
    """The pull request of a review job."""
    pr = job.task.get("pr")
    return PullRef(**pr) if job.task.get("kind") == "review" and isinstance(pr, dict) else None


async def run_job(ctx: dict[str, Any], job: dict[str, Any], seq: int) -> str:
    """The arq job function."""
    runtime: WorkerRuntime = ctx["runtime"]
    return await runtime.run(job_from(job), int(seq), str(ctx["job_id"]))
