"""A worker process: arq pulls review jobs from Redis and runs up to `BOT_WORKERS` at a time.

When Redis cannot be reached (at start or later) the worker says so in one line and tries again
with exponential backoff; on SIGTERM it stops taking jobs, lets running ones finish within the
shutdown grace and hands the rest back to the queue (arq re-runs a cancelled job elsewhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal

import aiohttp
from arq import Worker
from arq.worker import func
from redis.exceptions import RedisError

from bot.citations.settings import CitationSettings
from bot.github.jobs import JobRunner
from bot.github.settings import ServiceSettings
from bot.github.triage import QueueKeeper, QueueSettings
from bot.scale import events, jobs
from bot.scale.queue import RedisDeliveries, RedisQueue
from bot.scale.settings import ScaleSettings
from bot.scale.shared import SharedReviewer
from bot.scale.state import SharedState, connect, dumps, loads

log = logging.getLogger("bot.worker")
BACKOFF_MAX = 30.0


def arq_worker(runtime: jobs.WorkerRuntime, scale: ScaleSettings,
               scheduler: events.RedisScheduler | None = None) -> Worker:
    """The arq worker running the service's jobs with this process's runtime.

    arq claims a job for its whole timeout plus 10 s; the claim is cut to one lease instead
    (the job renews it while it runs), so a worker killed right after picking a job up does not
    hold that job for ten minutes."""
    worker = Worker(
        functions=[func(jobs.run_job, name=jobs.FUNCTION, max_tries=jobs.MAX_TRIES),
                   func(events.run_event, name=events.FUNCTION, max_tries=events.MAX_TRIES)],
        redis_pool=runtime.state.redis, queue_name=scale.queue_name, handle_signals=False,
        max_jobs=scale.jobs_per_worker, job_timeout=scale.job_timeout, keep_result=0,
        poll_delay=0.2, ctx={"runtime": runtime, "scheduler": scheduler}, job_serializer=dumps,
        job_deserializer=loads, log_results=False, health_check_interval=60)
    worker.in_progress_timeout_s = scale.lease
    return worker


async def _run_until(worker: Worker, stop: asyncio.Event, grace: float) -> bool:
    """Run the worker until `stop` (True) or until it fails (raises)."""
    main = asyncio.ensure_future(worker.async_run())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({main, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if main.done():
        main.result()  # a Redis failure surfaces here
        return False
    worker.allow_pick_jobs = False
    running = [t for t in worker.tasks.values() if not t.done()]
    if running:
        await asyncio.wait(running, timeout=grace)
    main.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await main
    return True


async def serve_worker(settings: ServiceSettings, scale: ScaleSettings, *,
                       citations: CitationSettings | None = None,
                       stop: asyncio.Event | None = None) -> int:
    """Run review jobs until `stop` is set (or SIGTERM/SIGINT when it is not given)."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    cite = citations or CitationSettings.from_env(os.environ, budget=settings.citation_budget)
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout,
                                    connect=min(10.0, settings.http_timeout))
    backoff = 1.0
    async with aiohttp.ClientSession(timeout=timeout) as session, \
            aiohttp.ClientSession(timeout=timeout) as cite_session:
        while not stop.is_set():
            redis = connect(scale)
            state = SharedState(redis)
            reviewer = SharedReviewer(settings, session, redis, citations=cite,
                                      citation_session=cite_session)
            queue = RedisQueue(state, scale)
            runner = JobRunner(lambda r=reviewer: r, queue,  # type: ignore[arg-type]
                               RedisDeliveries(state))
            runtime = jobs.WorkerRuntime(runner, state, scale,
                                         max_attempts=settings.max_attempts,
                                         requeue=queue.requeue, give_up=reviewer.give_up)
            scheduler = events.RedisScheduler(
                reviewer, queue, QueueSettings.from_env(os.environ),  # type: ignore[arg-type]
                QueueKeeper(settings.readme_path, settings.config_path))
            worker = arq_worker(runtime, scale, scheduler)
            try:
                await redis.ping()
                log.info("worker started", extra={"status": "ready"})
                backoff = 1.0
                if await _run_until(worker, stop, settings.shutdown_grace):
                    break
            except (RedisError, OSError) as exc:
                wait = backoff * (0.5 + random.random())
                log.warning("Redis is unreachable; retrying in %.1f s", wait,
                            extra={"reason": f"{type(exc).__name__}: {str(exc)[:200]}"})
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):  # not wait_for: it can swallow a cancel
                        await stop.wait()
                backoff = min(BACKOFF_MAX, backoff * 2)
            finally:
                await scheduler.close()
                with contextlib.suppress(RedisError, OSError):
                    await worker.close()
                with contextlib.suppress(RedisError, OSError):
                    await redis.aclose()
    log.info("worker stopped")
    return 0
