"""What a queued job does, as JSON-able tasks (so a journal or another queue can carry them).

Kinds: `review` (one PR at one head), `resolve` (a check run or suite that GitHub re-requested
on a commit: find its PRs, from the run's `external_id` or `GET /commits/{sha}/pulls`, and queue
their reviews), `finish` (complete the check run of a review that gave up while GitHub still
asked to wait). `JobRunner` runs one attempt and turns GitHub's "wait" into `RetryLater`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict

from bot.github.deliveries import Deliveries
from bot.github.handler import Outcome, Reviewer
from bot.github.pull import PullRef
from bot.github.queue import Attempt, Job, RetryLater, WorkQueue

log = logging.getLogger("bot.jobs")


def review_job(ref: PullRef, delivery: str, *, new_run: bool = False,
               if_unreviewed: bool = False) -> Job:
    """Review `ref` (a re-run asks for a new check run; `if_unreviewed`: skip a head the bot
    already has a completed run on)."""
    return Job(ref.key, ref.head_sha, delivery, {"kind": "review", "pr": asdict(ref),
                                                 "new_run": new_run,
                                                 "if_unreviewed": if_unreviewed})


def finish_job(ref: PullRef, delivery: str, reason: str) -> Job:
    """Complete the head's check runs left open by a review that gave up."""
    return Job(f"{ref.key}#finish", ref.head_sha, delivery,
               {"kind": "finish", "pr": asdict(ref), "reason": reason[:300]}, attempt=0)


def resolve_job(owner: str, repo: str, installation_id: int | None, sha: str, delivery: str,
                *, number: int | None = None, new_run: bool = False,
                if_unreviewed: bool = False) -> Job:
    """Find the open PRs of commit `sha` (or PR `number`), then queue their reviews."""
    return Job(f"{owner}/{repo}@{sha}", sha, delivery, {
        "kind": "resolve", "owner": owner, "repo": repo, "installation_id": installation_id,
        "sha": sha, "number": number, "new_run": new_run, "if_unreviewed": if_unreviewed})


class JobRunner:
    """Runs one attempt of a job with the service's reviewer and queue."""

    def __init__(self, reviewer: Callable[[], Reviewer | None], queue: WorkQueue,
                 seen: Deliveries) -> None:
        self._reviewer = reviewer
        self._queue = queue
        self._seen = seen

    async def __call__(self, attempt: Attempt) -> None:
        """Run the job; raise RetryLater when GitHub asked to wait."""
        reviewer = self._reviewer()
        if reviewer is None:
            raise RetryLater(1.0, "the service is starting")
        job, task = attempt.job, attempt.job.task
        if task.get("kind") == "review":
            ref = PullRef(**task["pr"])
            result = await reviewer.review_once(
                ref, delivery=job.delivery, is_current=attempt.is_current, attempt=job.attempt,
                last=attempt.last, new_run=bool(task.get("new_run")),
                if_unreviewed=bool(task.get("if_unreviewed")))
            if result.outcome is Outcome.DEFERRED:
                later = result.reached if result.reached not in (None, ref) else None
                raise RetryLater(result.retry_after or 1.0, "; ".join(result.problems),
                                 count=result.charged,
                                 job=review_job(later, job.delivery, new_run=bool(
                                     task.get("new_run"))) if later else None)
            if result.outcome is Outcome.FAILED:
                await self._seen.release(job.delivery)  # a redelivery of it is reviewed again
                if result.finish_after is not None:
                    await self._queue.defer(finish_job(ref, job.delivery, "; ".join(
                        result.problems)), result.finish_after)
            return
        if task.get("kind") == "finish":
            ref = PullRef(**task["pr"])
            wait = await reviewer.finish_later(ref, str(task.get("reason", "")), job.attempt)
            if wait is not None:
                raise RetryLater(wait, "finishing the check run")
            return
        if task.get("kind") == "resolve":
            found = await reviewer.pulls_of(
                task["owner"], task["repo"], task.get("installation_id"), task["sha"],
                number=task.get("number"), attempt=job.attempt, last=attempt.last)
            if found is None:
                await self._seen.release(job.delivery)
                return
            if isinstance(found, float):
                raise RetryLater(found, "GitHub asked to wait")
            if not found:
                log.info("no open pull request", extra={"delivery": job.delivery,
                                                        "head": task["sha"]})
            for ref in found:
                await self._queue.submit(review_job(ref, job.delivery,
                                                    new_run=bool(task.get("new_run")),
                                                    if_unreviewed=bool(
                                                        task.get("if_unreviewed"))))
            return
        log.warning("unknown job", extra={"delivery": job.delivery, "kind": task.get("kind")})
