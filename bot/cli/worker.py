"""`python -m bot worker`: review jobs that web processes queued in Redis (needs `REDIS_URL`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.cli.helptext import subcommand
from bot.cli.serve import ENV_FILE, ENVIRONMENT

WORKER_ENVIRONMENT = (
    ("REDIS_URL", "required: the Redis the web processes queue jobs in"),
    ("BOT_WORKERS", "jobs this process runs at once (4)"),
    ("BOT_JOB_LEASE", "seconds after which a silent worker's job is taken over (20)"),
    ("BOT_JOB_TIMEOUT", "longest one job may run, in seconds (600)"),
    *(row for row in ENVIRONMENT if row[0] not in ("PORT", "REDIS_URL", "BOT_WORKERS, "
                                                   "BOT_QUEUE_SIZE")),
)


def run_worker(args: argparse.Namespace) -> int:
    """Run one worker process until SIGTERM or SIGINT; 2 with a one-line error."""
    from dotenv import load_dotenv

    from bot import logs
    from bot.github.settings import ServiceSettings
    from bot.scale.settings import ScaleSettings
    from bot.scale.worker import serve_worker

    load_dotenv(ENV_FILE, override=False)
    try:
        settings = ServiceSettings.from_env()
        scale = ScaleSettings.from_env()
        if scale is None:
            raise ValueError("REDIS_URL is not set: a worker takes its jobs from Redis "
                             "(without Redis, `python -m bot serve` reviews by itself)")
        logs.configure(settings.secrets() + scale.secrets())
    except ValueError as exc:  # SettingsError, or a bad LOG_FORMAT / LOG_LEVEL
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(serve_worker(settings, scale))


def add_parser(sub: Any) -> None:
    """Register `worker` on the command line."""
    p = subcommand(
        sub, "worker", summary="review jobs queued in Redis (the service's worker process)",
        description="Take review jobs from Redis, where `python -m bot serve` queues them when "
        "REDIS_URL is set, review and publish (check run, summary comment, labels, line "
        "comments). Run as many as the machine has cores; they share tokens, caches and "
        "GitHub's pacing through Redis. A worker killed mid-review loses nothing: another "
        "takes its job over after BOT_JOB_LEASE. Redis unreachable: it says so and retries "
        "with backoff. Stops on SIGTERM, handing unfinished jobs back to the queue.",
        environment=WORKER_ENVIRONMENT,
        examples=(("beside `REDIS_URL=... python -m bot serve`",
                   "REDIS_URL=redis://localhost:6379/0 python -m bot worker"),
                  ("three of them on one host", "docker compose up -d --scale worker=3")))
    p.set_defaults(func=run_worker)
