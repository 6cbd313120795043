"""Reviews the bot starts itself: when the list moves, on installation, on `/recheck`, when
another PR's review changes what this one should say, and the triage board after them.

Jobs are plain data (`ReviewJob`, `PassJob`: repository, PR number, reason), so another runner
can carry them. A burst of pushes makes one pass: a pass waits `pass_delay` and takes the newest
tip. A pass feeds the work queue a few jobs at a time, oldest PR first, so deliveries keep room
in the queue; the reviews' writes are paced per installation like every other review.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from gidgethub import BadRequest, GitHubException

from bot.awesome.triage import render_markdown
from bot.github.api import BotGitHubAPI, CallStats, RateLimited, TransientError
from bot.github.jobs import review_job
from bot.github.pull import PullRef, pull_from_api
from bot.github.queue import WorkQueue
from bot.github.recheck import RecheckAsk, may_recheck, react
from bot.github.triage import (
    QueueKeeper,
    QueueSettings,
    open_pulls,
    publish_board,
    ref_of,
)

if TYPE_CHECKING:
    from bot.github.handler import Reviewer

log = logging.getLogger("bot.queue")


class Reason(StrEnum):
    """Why the bot reviews a PR nobody just pushed to."""

    BASE_MOVED = "base-moved"
    BACKLOG = "backlog"
    RECHECK = "recheck"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class ReviewJob:
    """Review one open PR again (its head is looked up when the job runs)."""

    owner: str
    repo: str
    number: int
    installation_id: int | None
    reason: Reason
    tip: str | None = None


@dataclass(frozen=True, slots=True)
class PassJob:
    """Review every open PR into `branch` (None: the default branch) of one repository."""

    owner: str
    repo: str
    installation_id: int | None
    reason: Reason
    branch: str | None = None
    tip: str | None = None

    @property
    def key(self) -> str:
        """One pass per repository at a time."""
        return f"{self.owner}/{self.repo}".lower()


class Scheduler:
    """Timers and passes on top of the reviewer and its work queue."""

    def __init__(self, reviewer: Reviewer, queue: WorkQueue, settings: QueueSettings,
                 keeper: QueueKeeper) -> None:
        self.reviewer = reviewer
        self.queue = queue
        self.settings = settings
        self.keeper = keeper
        self.passes_run = 0
        self.boards_written = 0
        self._waiting: dict[str, PassJob] = {}
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    # --- starting work -------------------------------------------------------------------

    def spawn(self, work: Awaitable[None]) -> None:
        """Run `work` in the background, logged if it fails, cancelled on shutdown."""
        task = asyncio.ensure_future(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(work: Awaitable[None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except (GitHubException, RateLimited, TransientError, OSError, TimeoutError) as exc:
            log.warning("queue work failed", extra={"reason": f"{type(exc).__name__}: {exc}"})
        except Exception:
            log.exception("queue work crashed")

    def later(self, key: str, delay: float, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` once after `delay`; calls for the same key meanwhile do nothing more."""
        if key in self._timers or self._closing:
            return

        async def fire() -> None:
            try:
                await asyncio.sleep(delay)
            finally:
                self._timers.pop(key, None)
            await self._logged(work())

        task = self._timers[key] = asyncio.ensure_future(fire())
        self._tasks.add(task)  # still running its work after it leaves the timers
        task.add_done_callback(self._tasks.discard)

    def pass_soon(self, job: PassJob, delay: float | None = None) -> None:
        """A pass over the repository's open PRs after a quiet spell (newest tip wins)."""
        self._waiting[job.key] = job
        self.later(f"pass:{job.key}", self.settings.pass_delay if delay is None else delay,
                   lambda: self._run_waiting(job.key))

    async def _run_waiting(self, key: str, attempt: int = 1) -> None:
        job = self._waiting.pop(key, None)
        if job is None:
            return
        try:
            await self.run_pass(job)
        except (RateLimited, TransientError) as exc:  # GitHub said wait: the pass waits
            from bot.github.handler import backoff

            delay = backoff(exc, attempt)
            log.warning("pass deferred", extra={"repo": key, "retry_after_s": round(delay)})
            self._waiting.setdefault(key, job)
            self.later(f"pass:{key}", delay, lambda: self._run_waiting(key, attempt + 1))

    def board_soon(self, pr: PullRef) -> None:
        """Rewrite the repository's board after a quiet spell."""
        self.later(f"board:{pr.full_name.lower()}", self.settings.board_delay,
                   lambda: self.update_board(pr.owner, pr.repo, pr.installation_id))

    # --- the work ------------------------------------------------------------------------

    async def client(self, owner: str, repo: str, inst: int | None) -> BotGitHubAPI:
        """An API client for the repository's installation."""
        return await self.reviewer.client_for(inst, f"{owner}/{repo}", CallStats())

    async def run_pass(self, job: PassJob) -> int:
        """Queue a review of every open PR into the branch, oldest first; how many."""
        gh = await self.client(job.owner, job.repo, job.installation_id)
        branch, tip = job.branch, job.tip
        if branch is None or tip is None:
            branch, tip = await default_tip(gh, job.owner, job.repo)
        rq = self.keeper.repo(f"{job.owner}/{job.repo}")
        rq.tip = tip or rq.tip
        pulls = await open_pulls(gh, job.owner, job.repo, branch)
        self.passes_run += 1
        refs = [r for r in (ref_of(job.owner, job.repo, d, job.installation_id, tip)
                            for d in pulls) if r is not None]
        rq.upcoming.update(r.number for r in refs)  # until each one's review is published
        n = 0
        for ref in refs:
            if await self.submit(ref, job.reason):
                n += 1
            else:
                rq.upcoming.discard(ref.number)
        log.info("pass queued", extra={"repo": f"{job.owner}/{job.repo}",
                                       "reason": job.reason.value, "prs": n})
        return n

    async def submit(self, ref: PullRef, reason: Reason) -> bool:
        """Hand one review to the work queue, leaving room for deliveries; False on shutdown."""
        job = review_job(ref, reason.value)
        while not self._closing and self.queue.accepting:
            if self.queue.depth < max(1, self.reviewer.settings.workers) and \
                    await self.queue.submit(job):
                return True
            await asyncio.sleep(0.05)
        return False

    async def review_again(self, job: ReviewJob) -> bool:
        """Look the PR up and queue its review (for rechecks and conflicts)."""
        full = f"{job.owner}/{job.repo}"
        if job.reason is Reason.CONFLICT:
            rq = self.keeper.repo(full)
            rq.requeued.discard(job.number)
            if not self.keeper.stale(full, job.number):
                return False  # reviewed meanwhile, or a pass will review it
        gh = await self.client(job.owner, job.repo, job.installation_id)
        ref = await pull_from_api(gh, job.owner, job.repo, job.number, job.installation_id)
        tip = job.tip or self.keeper.repo(f"{job.owner}/{job.repo}").tip
        return await self.submit(replace(ref, tip=tip), job.reason)

    async def later_review(self, job: ReviewJob) -> None:
        """A conflict re-review once the work queue has room (it may be moot by then)."""
        while not self._closing and self.queue.depth >= max(1, self.reviewer.settings.workers):
            await asyncio.sleep(0.05)
        await self.review_again(job)

    async def update_board(self, owner: str, repo: str, inst: int | None) -> None:
        """Rewrite the board from what the bot knows, if the repository wants one."""
        rq = self.keeper.repo(f"{owner}/{repo}")
        if not rq.board:
            return
        async with rq.lock:
            gh = await self.client(owner, repo, inst)
            pulls = await open_pulls(gh, owner, repo)
            body = render_markdown(self.keeper.queue_of(f"{owner}/{repo}", pulls),
                                   datetime.now(UTC))
            logins = frozenset(x for x in (self.reviewer.settings.bot_login,
                                           *self.reviewer.own_logins) if x)
            rq.board_issue = await publish_board(gh, owner, repo, body, logins=logins,
                                                 known=rq.board_issue)
            self.boards_written += 1

    async def recheck(self, ask: RecheckAsk) -> None:
        """Answer a `/recheck` with a reaction; queue the review when the commenter may ask."""
        gh = await self.client(ask.owner, ask.repo, ask.installation_id)
        allowed = await may_recheck(gh, ask)
        await react(gh, ask, "+1" if allowed else "confused")
        if allowed:
            _, tip = await default_tip(gh, ask.owner, ask.repo)
            await self.review_again(ReviewJob(ask.owner, ask.repo, ask.number,
                                              ask.installation_id, Reason.RECHECK, tip))

    # --- hooks the reviewer calls ---------------------------------------------------------

    def reviewed(self, pr: PullRef, stale: list[int]) -> None:
        """After a published review: re-review the PRs it changed, then the board."""
        rq = self.keeper.repo(pr.full_name)
        for number in stale:
            if number in rq.requeued:
                continue
            rq.requeued.add(number)
            self.spawn(self.later_review(ReviewJob(pr.owner, pr.repo, number,
                                                   pr.installation_id, Reason.CONFLICT,
                                                   pr.tip)))
        self.board_soon(pr)

    def closed(self, pr: PullRef) -> bool:
        """A PR was closed or merged: the PRs it conflicted with are reviewed again, and the
        board drops it. False when the bot knew nothing of it (nothing to do)."""
        rq = self.keeper.repo(pr.full_name)
        if pr.number not in rq.proposals and rq.board_issue is None:
            return False
        self.reviewed(pr, self.keeper.forget(pr.full_name, pr.number))
        return True

    async def idle(self, timeout: float = 60.0) -> bool:
        """Wait until no timer, background task or queued review is left (tests, benchmarks)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            pending = [*self._timers.values(), *self._tasks]
            if pending:
                await asyncio.wait(pending, timeout=left)
                continue
            if not await self.queue.join(timeout=left):
                return False
            if not self._timers and not self._tasks:
                return True
        return False

    async def close(self) -> None:
        """Stop timers and background work."""
        self._closing = True
        for task in [*self._timers.values(), *self._tasks]:
            task.cancel()
        for task in [*self._timers.values(), *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def default_tip(gh: BotGitHubAPI, owner: str, repo: str) -> tuple[str | None, str | None]:
    """The default branch's name and newest commit (None, None when they cannot be read)."""
    v = {"owner": owner, "repo": repo}
    try:
        data = await gh.getitem("/repos/{owner}/{repo}", v)
        branch = str(data["default_branch"])
        head = await gh.getitem("/repos/{owner}/{repo}/branches/{branch}", {**v, "branch": branch})
        return branch, str(head["commit"]["sha"])
    except (BadRequest, KeyError, TypeError):
        return None, None
