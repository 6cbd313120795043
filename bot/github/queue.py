"""A bounded work queue: reviews of one PR run one at a time, newest head wins, PRs run in
parallel, and a job GitHub asked to wait is re-queued for later instead of holding a worker.

Interface (for the service, and for other back ends such as a Redis queue):

- `Job`: what to do, as JSON-able data (`task`), for which PR (`key`) and head, and when
  (`not_before`, epoch seconds; `attempt`, 1 for the first try).
- `WorkQueue(workers=, size=, run=)`: `run(attempt)` does one job; it raises `RetryLater(delay)`
  to be run again `delay` seconds later (a rate limit, GitHub unreachable). `submit(job)` queues;
  `defer(job, delay)` re-queues a job that already ran.
- `Attempt`: what `run` gets: the job, `is_current()` (False once a newer head of the PR waits),
  and `last` (no further retry will be allowed: finish what was started).
- An optional `Journal` keeps jobs on disk until they end, so a killed process resumes them.

A delivery for a PR replaces that PR's job still waiting if it never ran; a re-queued job that
a newer head supersedes still runs once, with `is_current()` False, to finish what it started.
When the queue is full, `submit` says no and the webhook answers 503, so GitHub records a failed
delivery that a maintainer can redeliver, instead of memory growing without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from cachetools import LRUCache

log = logging.getLogger("bot.queue")
MAX_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of work: `task` says what (JSON-able), `key` which PR, `head` which commit."""

    key: str
    head: str
    delivery: str
    task: Mapping[str, Any] = field(default_factory=dict)
    not_before: float = 0.0  # epoch seconds (time.time()): survives a restart
    attempt: int = 1
    id: int = 0  # set by the queue (or the journal)
    runs: int = 0  # times it ran and was re-queued (a job that ran may hold a check run)

    def later(self, delay: float, *, count: bool = True) -> Job:
        """This job again, `delay` seconds from now, as the next attempt (`count` False: the
        same attempt, for a job that did not get to ask GitHub anything)."""
        return replace(self, not_before=time.time() + max(0.0, delay),
                       attempt=self.attempt + (1 if count else 0), runs=self.runs + 1)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One run of a job, as its worker hands it over."""

    job: Job
    is_current: Callable[[], bool]
    last: bool


class RetryLater(Exception):
    """Raised by a job's work: run it again after `delay` seconds (as `job` says, when the work
    moved on, e.g. a review that followed a push to a newer head; `count` False: this run does
    not count as an attempt, e.g. it only waited for another job's rate limit)."""

    def __init__(self, delay: float, reason: str = "", *, count: bool = True,
                 job: Job | None = None) -> None:
        super().__init__(reason or f"retry in {delay:.0f} s")
        self.delay = delay
        self.reason = reason
        self.count = count
        self.job = job

    def next_of(self, job: Job) -> Job:
        """The job to run again: `job`, or what its work moved on to, keeping its place."""
        if self.job is None:
            return job
        return replace(job, head=self.job.head, task=self.job.task)


class Journal(Protocol):
    """Durable copy of the waiting and running jobs (see bot.github.journal)."""

    def add(self, job: Job) -> Job: ...
    def update(self, job: Job) -> None: ...
    def remove(self, job: Job) -> None: ...
    def pending(self) -> list[Job]: ...


class WorkQueue:
    """Per-PR serialised, latest-wins, bounded, with a fixed number of workers."""

    def __init__(self, *, workers: int, size: int,
                 run: Callable[[Attempt], Awaitable[object]] | None = None,
                 journal: Journal | None = None, max_attempts: int = MAX_ATTEMPTS) -> None:
        self._workers_n = workers
        self._size = size
        self.run = run
        self.journal = journal
        self.max_attempts = max_attempts
        self._waiting: list[Job] = []
        self._running: dict[str, Job] = {}
        self._newest: LRUCache[str, str] = LRUCache(maxsize=100_000)  # PR key -> newest head
        self._ids = itertools.count(1)
        self._cond: asyncio.Condition | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._current: set[asyncio.Task[object]] = set()
        self.accepting = True
        self.dropped = 0
        self.completed = 0
        self.deferred = 0

    @property
    def cond(self) -> asyncio.Condition:
        """The condition workers wait on (made inside the running loop)."""
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    def start(self) -> int:
        """Start the workers, after taking back the jobs a previous process left in the
        journal; returns how many were resumed."""
        resumed = self.journal.pending() if self.journal is not None else []
        for job in resumed:
            self._waiting.append(job)
            self._newest[job.key] = job.head
        if resumed:
            self._ids = itertools.count(max(j.id for j in resumed) + 1)
            log.info("resumed jobs", extra={"jobs": len(resumed)})
        self._tasks = [asyncio.create_task(self._worker(i)) for i in range(self._workers_n)]
        return len(resumed)

    @property
    def depth(self) -> int:
        """Jobs waiting (due now or later)."""
        return len(self._waiting)

    @property
    def running(self) -> int:
        """Jobs a worker is running now."""
        return len(self._running)

    def waiting(self) -> tuple[Job, ...]:
        """The waiting jobs, oldest first."""
        return tuple(self._waiting)

    def _store(self, job: Job) -> Job:
        """Give the job its id (from the journal when there is one)."""
        if self.journal is not None:
            return self.journal.add(job)
        return replace(job, id=next(self._ids))

    def _forget(self, job: Job) -> None:
        if self.journal is not None:
            self.journal.remove(job)

    async def submit(self, job: Job) -> bool:
        """Queue a job; False when the queue is full or shutting down."""
        if not self.accepting:
            return False
        async with self.cond:
            same = [j for j in self._waiting if j.key == job.key]
            if any(j.head == job.head for j in same):
                return True  # that head already waits: the newcomer adds nothing
            replaced = [j for j in same if j.runs == 0]
            if not replaced and len(self._waiting) >= self._size:
                return False
            for old in replaced:
                self.dropped += 1
                self._waiting.remove(old)
                self._forget(old)
                log.info("superseded", extra={"delivery": old.delivery, "pr": old.key,
                                              "head": old.head})
            self._waiting.append(self._store(job))
            self._newest[job.key] = job.head
            self.cond.notify()
        return True

    async def defer(self, job: Job, delay: float, *, count: bool = True) -> None:
        """Re-queue a job that ran (or queue a follow-up job, id 0), `delay` seconds from now;
        kept even when the queue is full: its work was accepted once."""
        again = job.later(delay, count=count)
        async with self.cond:
            if again.id == 0:
                again = self._store(again)
            elif self.journal is not None:
                self.journal.update(again)
            self._waiting.append(again)
            self.deferred += 1
            self.cond.notify()

    def is_current(self, job: Job) -> bool:
        """False once a newer head of the same PR was queued."""
        return self._newest.get(job.key, job.head) == job.head

    def _next(self, now: float) -> Job | None:
        """The oldest due job whose PR is not being worked on."""
        for job in self._waiting:
            if job.key not in self._running and job.not_before <= now:
                self._waiting.remove(job)
                return job
        return None

    def _wait_for(self, now: float) -> float | None:
        """Seconds until the next deferred job is due (None: nothing is deferred)."""
        later = [j.not_before for j in self._waiting
                 if j.key not in self._running and j.not_before > now]
        return max(0.01, min(later) - now) if later else None

    async def _worker(self, n: int) -> None:
        """Run jobs until cancelled."""
        while True:
            async with self.cond:
                job = self._next(time.time())
                while job is None:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancellation
                    # that arrives as the condition wakes it, and shutdown would wait forever.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._wait_for(time.time())):
                            await self.cond.wait()
                    job = self._next(time.time())
                self._running[job.key] = job
            await self._run_one(job)

    async def _run_one(self, job: Job) -> None:
        """Run one job; re-queue it when it asks to be retried."""
        assert self.run is not None, "WorkQueue needs run="
        attempt = Attempt(job, lambda: self.is_current(job), job.attempt >= self.max_attempts)
        task = asyncio.ensure_future(self.run(attempt))
        self._current.add(task)
        retry: RetryLater | None = None
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():
                task.cancel()
            raise
        except RetryLater as exc:
            retry = exc
        except Exception:
            log.exception("job crashed", extra={"delivery": job.delivery, "pr": job.key})
        finally:
            self._current.discard(task)
            async with self.cond:
                self._running.pop(job.key, None)
                self.cond.notify_all()
        if retry is not None and (not attempt.last or not retry.count):
            log.info("deferred", extra={"delivery": job.delivery, "pr": job.key,
                                        "head": job.head, "attempt": job.attempt,
                                        "delay_s": round(retry.delay, 1),
                                        "reason": retry.reason})
            again = retry.next_of(job)
            if again.head != job.head and self._newest.get(job.key) == job.head:
                self._newest[job.key] = again.head  # it reached the newest head itself
            await self.defer(again, retry.delay, count=retry.count)
            return
        if retry is not None:
            log.warning("gave up", extra={"delivery": job.delivery, "pr": job.key,
                                          "attempt": job.attempt, "reason": retry.reason})
        self.completed += 1
        self._forget(job)

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is waiting or running; False on timeout."""
        async def idle() -> None:
            async with self.cond:
                await self.cond.wait_for(lambda: not self._waiting and not self._running)

        try:
            async with asyncio.timeout(timeout):
                await idle()
        except TimeoutError:
            return False
        return True

    async def shutdown(self, grace: float) -> int:
        """Stop accepting, let running jobs finish within `grace`, then cancel the rest.

        Returns how many jobs were abandoned (waiting ones dropped, running ones cancelled;
        a cancelled job marks its check run itself). Journaled jobs stay in the journal, so the
        next start takes the waiting ones back.
        """
        self.accepting = False
        async with self.cond:
            abandoned = len(self._waiting)
            self._waiting.clear()
        if self._current:
            _, late = await asyncio.wait(set(self._current), timeout=grace)
            for t in late:
                t.cancel()
            if late:
                await asyncio.wait(late, timeout=10)
            abandoned += len(late)
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        return abandoned

