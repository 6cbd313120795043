"""The maintainer's queue in the Redis mode: pushes, installations and `/recheck` go to the
workers through arq as plain JSON, and a worker runs the same scheduler code on them.

A web process claims the delivery and queues one job per event, the delivery id in its job id
(a copy of the delivery queues nothing more). A burst of pushes makes one pass: the newest pass
of a repository waits in Redis, and only the first push of a burst (a key held `pass_delay`)
queues the job that takes it. The reviews a pass or a `/recheck` starts go through the Redis
review queue (one review at a time per PR, newest head wins). A closed PR needs what the
in-process queue remembers of reviewed proposals, so the Redis mode acknowledges it and does
nothing (as before).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import asdict
from typing import Any

from arq import Retry
from redis.exceptions import RedisError

from bot.github.api import RateLimited, TransientError
from bot.github.backlog import PassJob, Reason, Scheduler
from bot.github.deliveries import QueueUnavailable
from bot.github.jobs import review_job
from bot.github.pull import PullRef
from bot.github.recheck import RecheckAsk
from bot.github.triage import QueueSettings
from bot.scale.state import PREFIX, SharedState

log = logging.getLogger("bot.queue")
FUNCTION = "queue_event"
MAX_TRIES = 8
WAITING = PREFIX + "pass:"   # the newest pass of a repository, until a job takes it
DUE = PREFIX + "pass-due:"   # held while a pass job is queued for the repository
REDIS_FAULTS = (RedisError, OSError)


def pass_data(job: PassJob) -> dict[str, Any]:
    """A pass as JSON data."""
    return {**asdict(job), "reason": job.reason.value}


def pass_from(data: dict[str, Any]) -> PassJob:
    """The pass of JSON data."""
    inst = data.get("installation_id")
    return PassJob(str(data["owner"]), str(data["repo"]), inst if isinstance(inst, int) else None,
                   Reason(data["reason"]), data.get("branch"), data.get("tip"))


async def relay(state: SharedState, delivery: str, items: list[Any],
                settings: QueueSettings) -> int:
    """Queue the delivery's passes and rechecks for the workers; how many were queued.
    QueueUnavailable when Redis cannot be reached."""
    redis = state.redis
    n = 0
    try:
        for i, item in enumerate(items):
            if isinstance(item, PassJob):
                delay = 0.0 if item.reason is Reason.BACKLOG else settings.pass_delay
                await redis.set(WAITING + item.key, json.dumps(pass_data(item)))
                if await redis.set(DUE + item.key, delivery, nx=True, ex=int(delay) + 120):
                    await redis.enqueue_job(FUNCTION, {"kind": "pass", "key": item.key},
                                            _job_id=f"pass:{item.key}:{delivery}",
                                            _defer_by=delay or None)
                n += 1
            elif isinstance(item, RecheckAsk):
                await redis.enqueue_job(FUNCTION, {"kind": "recheck", "ask": asdict(item)},
                                        _job_id=f"recheck:{delivery}:{i}")
                n += 1
    except REDIS_FAULTS as exc:
        raise QueueUnavailable(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    return n


class RedisScheduler(Scheduler):
    """The scheduler in a worker: its reviews go to the Redis queue, whole passes at once
    (the queue orders them per PR; a full queue makes the pass wait)."""

    async def submit(self, ref: PullRef, reason: Reason) -> bool:
        job = review_job(ref, reason.value)
        while not self._closing:
            if await self.queue.submit(job):
                return True
            await asyncio.sleep(0.5)
        return False

    async def take_pass(self, key: str) -> PassJob | None:
        """The repository's newest waiting pass (None: another job took it). The burst's key
        goes first, so a push after this point queues a job of its own."""
        redis = self.queue.redis  # type: ignore[attr-defined]
        await redis.delete(DUE + key)
        raw = await redis.getdel(WAITING + key)
        return pass_from(json.loads(raw)) if raw else None

    async def put_back(self, job: PassJob) -> None:
        """A pass GitHub made wait goes back, unless a newer one arrived meanwhile."""
        redis = self.queue.redis  # type: ignore[attr-defined]
        await redis.set(WAITING + job.key, json.dumps(pass_data(job)), nx=True)


async def run_event(ctx: dict[str, Any], data: dict[str, Any]) -> str:
    """The arq job function for queue events. GitHub asking to wait, or Redis or GitHub out
    of reach, queues the event again for later (a pass goes back to wait in Redis)."""
    scheduler: RedisScheduler = ctx["scheduler"]
    kind = data.get("kind")
    job: PassJob | None = None
    try:
        if kind == "pass":
            job = await scheduler.take_pass(str(data.get("key")))
            if job is None:
                return "taken"
            await scheduler.run_pass(job)
            return "pass"
        if kind == "recheck":
            await scheduler.recheck(RecheckAsk(**data["ask"]))
            return "recheck"
    except (RateLimited, TransientError, QueueUnavailable, *REDIS_FAULTS) as exc:
        tries = int(ctx.get("job_try", 1))
        if isinstance(exc, RateLimited | TransientError):
            from bot.github.handler import backoff

            delay = backoff(exc, tries)
        else:
            delay = min(60.0, 2.0 ** tries)
        log.warning("queue work deferred", extra={"reason": type(exc).__name__,
                                                  "retry_after_s": round(delay)})
        if job is not None:
            with contextlib.suppress(*REDIS_FAULTS):
                await scheduler.put_back(job)
        raise Retry(defer=delay) from exc
    log.warning("unknown queue event", extra={"reason": str(kind)[:40]})
    return "unknown"
