"""The review job that worker processes run: take the PR's turn, review, publish, let go.

A job is superseded when a newer one for its PR is queued; it waits (re-queued a second later by
arq) while another job holds the PR's lease. While it runs it renews both the lease and arq's own
claim on the job every `lease / 4` seconds, so when its worker is killed another worker re-runs
it within one lease. A rate-limited review is re-queued for when GitHub allows it, freeing the
worker meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Mapping
from typing import Any

from arq import Retry
from arq.constants import in_progress_key_prefix
from redis.exceptions import RedisError

from bot.github.handler import JobResult, Outcome, Reviewer
from bot.github.pull import PullRef
from bot.scale.settings import ScaleSettings
from bot.scale.state import SharedState

log = logging.getLogger("bot.worker")
REVIEW = "review"
TURN_WAIT = 1.0
MAX_STARTS = 3
MAX_TRIES = 1_000_000  # waits for a turn count as tries; crash loops are capped by MAX_STARTS


def ref_json(ref: PullRef) -> dict[str, Any]:
    """A PullRef as job arguments."""
    return dataclasses.asdict(ref)


def ref_from(data: Mapping[str, Any]) -> PullRef:
    """The PullRef of job arguments."""
    return PullRef(**{f.name: data.get(f.name) for f in dataclasses.fields(PullRef)})


class WorkerRuntime:
    """What one worker process's jobs share: the reviewer and the Redis state."""

    def __init__(self, reviewer: Reviewer, state: SharedState, scale: ScaleSettings) -> None:
        self.reviewer = reviewer
        self.state = state
        self.scale = scale
        self.outcomes: dict[str, int] = {}

    async def run(self, pr: PullRef, seq: int, delivery: str, job_id: str) -> str:
        """One job: superseded, waiting for the PR's turn, or a review."""
        if await self.state.newest(pr.key) > seq:
            return self._count(Outcome.SUPERSEDED.value)
        owner = job_id
        if not await self.state.take_lease(pr.key, owner, self.scale.lease):
            raise Retry(defer=TURN_WAIT)
        try:
            await self._renew(pr, owner, job_id)
            if await self.state.count_start(job_id) > MAX_STARTS:
                log.error("review crashed its worker repeatedly; giving up",
                          extra={"delivery": delivery, "pr": pr.key, "head": pr.head_sha})
                await self.state.release_delivery(delivery)
                await self.state.forget_starts(job_id)
                return self._count("abandoned")
            newest = seq

            async def beat() -> None:
                nonlocal newest
                while True:
                    await asyncio.sleep(self.scale.beat)
                    with contextlib.suppress(RedisError, OSError):
                        await self._renew(pr, owner, job_id)
                        newest = await self.state.newest(pr.key)

            beating = asyncio.create_task(beat())
            try:
                result = await self.reviewer.review(pr, delivery=delivery,
                                                    is_current=lambda: newest <= seq)
            finally:
                beating.cancel()
            await self._after(result, delivery, job_id)
            return self._count(result.outcome.value)
        finally:
            with contextlib.suppress(RedisError, OSError):
                await self.state.drop_lease(pr.key, owner)

    async def _renew(self, pr: PullRef, owner: str, job_id: str) -> None:
        """Hold the PR's lease and arq's claim on the job for one more lease."""
        if not await self.state.renew_lease(pr.key, owner, self.scale.lease,
                                            also=in_progress_key_prefix + job_id):
            log.warning("lost the PR's lease", extra={"pr": pr.key, "head": pr.head_sha})

    async def _after(self, result: JobResult, delivery: str, job_id: str) -> None:
        """Let a failed delivery be redelivered; re-queue a rate-limited one for later."""
        await self.state.forget_starts(job_id)
        not_before = getattr(result, "not_before", None)
        if not_before is not None:
            raise Retry(defer=max(0.0, float(not_before) - time.time()))
        if result.outcome is Outcome.FAILED:
            await self.state.release_delivery(delivery)

    def _count(self, outcome: str) -> str:
        """Tally an outcome (for logs and tests) and return it."""
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        return outcome


def review_args(ref: PullRef, delivery: str) -> dict[str, Any]:
    """The arguments of a review job."""
    return {"pr": ref_json(ref), "delivery": delivery}


async def review(ctx: dict[str, Any], job: dict[str, Any], seq: int) -> str:
    """The arq job function."""
    runtime: WorkerRuntime = ctx["runtime"]
    return await runtime.run(ref_from(job["pr"]), int(seq), str(job.get("delivery", "-")),
                             str(ctx["job_id"]))
