"""The review's CPU work in worker processes, each step stopped when it outlasts its budget.

Reading, diffing and judging a README is pure CPU work that holds the interpreter lock; in a
thread, a README built to be slow would stall every delivery and `/healthz`. Here it runs in a
pebble process pool (shared by the process's reviews): the event loop only waits on a future,
and a step past `BOT_REVIEW_SECONDS` (default 30) has its worker killed and replaced, and raises
ReviewTimeout, which the handler reports as a neutral check naming the reason.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import copyreg
import multiprocessing
import os
import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from pebble import ProcessPool

from bot.envvars import env_number

T = TypeVar("T")
DEFAULT_SECONDS = 30.0
DEFAULT_PROCESSES = 2


def _mapping_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


copyreg.pickle(MappingProxyType, lambda m: (_mapping_proxy, (dict(m),)))  # Facts crosses over


def _call(fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    """Runs in the worker (importing this module there teaches its pickler MappingProxyType)."""
    return fn(*args, **kwargs)


class ReviewTimeout(TimeoutError):
    """A review step outlasted its budget; its worker process was stopped."""


class ReviewPool:
    """A lazily started process pool for review steps, with a time budget per step."""

    def __init__(self, *, processes: int = DEFAULT_PROCESSES,
                 seconds: float = DEFAULT_SECONDS) -> None:
        self.processes = processes
        self.seconds = seconds
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ReviewPool:
        """`BOT_REVIEW_SECONDS` (budget per step) and `BOT_REVIEW_PROCESSES`."""
        return cls(seconds=env_number(environ, "BOT_REVIEW_SECONDS", DEFAULT_SECONDS, lo=0.1),
                   processes=int(env_number(environ, "BOT_REVIEW_PROCESSES", DEFAULT_PROCESSES,
                                            lo=1, hi=64)))

    def _started(self) -> ProcessPool:
        with self._lock:
            if self._pool is None or not self._pool.active:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["bot.awesome.review", "bot.github.isolation"])
                self._pool = ProcessPool(max_workers=self.processes, max_tasks=100,
                                         context=context)
            return self._pool

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)` in a worker; ReviewTimeout after the budget."""
        future = await asyncio.to_thread(  # the first call starts the workers: not in the loop
            self._started().schedule, _call, args=(fn, args, kwargs), timeout=self.seconds)
        try:
            return await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            raise ReviewTimeout(
                f"reading and judging the README took longer than {self.seconds:g} s, the "
                "bot's limit (it may be very large or built to be slow); a maintainer can "
                "review it by hand") from None
        except asyncio.CancelledError:
            future.cancel()  # pebble stops the worker
            raise

    def close(self) -> None:
        """Stop the workers (pending steps are cancelled)."""
        with self._lock:
            if self._pool is not None:
                self._pool.stop()
                self._pool.join(timeout=5)
                self._pool = None


POOL = ReviewPool.from_env(os.environ)
"""The process's pool, shared by its reviews."""
atexit.register(POOL.close)
