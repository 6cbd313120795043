"""A bounded work queue: reviews of one PR run one at a time, newest head wins, PRs run in
parallel.

A delivery for a PR replaces that PR's job still waiting in the queue (a burst of pushes reviews
only the newest head); a job whose PR is already being reviewed waits for it. When the queue is
full, `submit` says no and the webhook answers 503, so GitHub records a failed delivery that a
maintainer can redeliver, instead of memory growing without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger("bot.queue")


@dataclass(frozen=True, slots=True)
class Job:
    """One review to run: which PR (its key), which head, and the work itself."""

    key: str
    head: str
    delivery: str
    run: Callable[[Callable[[], bool]], Awaitable[object]]


class WorkQueue:
    """Per-PR serialised, latest-wins, bounded, with a fixed number of workers."""

    def __init__(self, *, workers: int, size: int) -> None:
        self._workers_n = workers
        self._size = size
        self._pending: OrderedDict[str, Job] = OrderedDict()
        self._running: dict[str, Job] = {}
        self._cond: asyncio.Condition | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._current: set[asyncio.Task[object]] = set()
        self.accepting = True
        self.dropped = 0
        self.completed = 0

    @property
    def cond(self) -> asyncio.Condition:
        """The condition workers wait on (made inside the running loop)."""
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    def start(self) -> None:
        """Start the workers."""
        self._tasks = [asyncio.create_task(self._worker(i)) for i in range(self._workers_n)]

    @property
    def depth(self) -> int:
        """Jobs waiting."""
        return len(self._pending)

    async def submit(self, job: Job) -> bool:
        """Queue a job; False when the queue is full or shutting down."""
        if not self.accepting:
            return False
        async with self.cond:
            if job.key in self._pending:
                self.dropped += 1
                old = self._pending.pop(job.key)
                log.info("superseded", extra={"delivery": old.delivery, "pr": old.key,
                                              "head": old.head})
            elif len(self._pending) >= self._size:
                return False
            self._pending[job.key] = job
            self.cond.notify()
        return True

    def is_current(self, job: Job) -> bool:
        """False once a newer job for the same PR is waiting."""
        newer = self._pending.get(job.key)
        return newer is None or newer.head == job.head

    def _next(self) -> Job | None:
        """The oldest waiting job whose PR is not being reviewed."""
        for key, job in self._pending.items():
            if key not in self._running:
                del self._pending[key]
                return job
        return None

    async def _worker(self, n: int) -> None:
        """Run jobs until cancelled."""
        while True:
            async with self.cond:
                job = self._next()
                while job is None:
                    await self.cond.wait()
                    job = self._next()
                self._running[job.key] = job
            task = asyncio.ensure_future(job.run(lambda j=job: self.is_current(j)))
            self._current.add(task)
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    task.cancel()
                raise
            except Exception:
                log.exception("job crashed", extra={"delivery": job.delivery, "pr": job.key})
            finally:
                self._current.discard(task)
                self.completed += 1
                async with self.cond:
                    self._running.pop(job.key, None)
                    self.cond.notify_all()

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is waiting or running; False on timeout."""
        async def idle() -> None:
            async with self.cond:
                await self.cond.wait_for(lambda: not self._pending and not self._running)

        try:
            await asyncio.wait_for(idle(), timeout)
        except TimeoutError:
            return False
        return True

    async def shutdown(self, grace: float) -> int:
        """Stop accepting, let running jobs finish within `grace`, then cancel the rest.

        Returns how many jobs were abandoned (waiting ones dropped, running ones cancelled;
        a cancelled job marks its check run itself).
        """
        self.accepting = False
        async with self.cond:
            abandoned = len(self._pending)
            self._pending.clear()
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
