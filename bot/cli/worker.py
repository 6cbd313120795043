"""`python -m bot worker`: review jobs that web processes queued in Redis (needs `REDIS_URL`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any


def run_worker(args: argparse.Namespace) -> int:
    """Run one worker process until SIGTERM or SIGINT."""
    from bot import logs
    from bot.github.settings import ServiceSettings, SettingsError
    from bot.scale.settings import ScaleSettings
    from bot.scale.worker import serve_worker

    try:
        settings = ServiceSettings.from_env()
        scale = ScaleSettings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if scale is None:
        print("error: REDIS_URL is not set: a worker takes its jobs from Redis "
              "(without Redis, `python -m bot serve` reviews by itself)", file=sys.stderr)
        return 2
    try:
        logs.configure(settings.secrets() + scale.secrets())
    except ValueError as exc:  # a bad LOG_FORMAT / LOG_LEVEL
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(serve_worker(settings, scale))


def add_parser(sub: Any) -> None:
    """Register the `worker` subcommand."""
    sp = sub.add_parser("worker", help="run a review worker taking jobs from Redis (REDIS_URL)")
    sp.set_defaults(func=run_worker)
