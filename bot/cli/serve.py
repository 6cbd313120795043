"""`python -m bot serve`: the webhook service, until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.cli.helptext import subcommand

ENV_FILE = ".env"
ENVIRONMENT = (
    ("GITHUB_WEBHOOK_SECRET", "required: deliveries not signed with it get 401"),
    ("GITHUB_APP_ID", "the App's id (GitHub App mode)"),
    ("GITHUB_PRIVATE_KEY", "the App's private key, PEM text (\\n escapes allowed)"),
    ("GITHUB_PRIVATE_KEY_PATH", "or the path of the PEM file"),
    ("GITHUB_TOKEN", "token mode instead: one repository, commit statuses"),
    ("GITHUB_API_URL", "GitHub's API (default https://api.github.com)"),
    ("PORT", "listening port (default 8080)"),
    ("README_PATH", "the list's file (default README.md)"),
    ("BOT_LOGIN", "the bot's own login: its events are ignored"),
    ("BOT_WORKERS, BOT_QUEUE_SIZE", "concurrent reviews / waiting reviews (4 / 200)"),
    ("BOT_CHECK_LINKS", "0: no link checks"),
    ("BOT_SHUTDOWN_GRACE", "seconds in-flight reviews get on SIGTERM (25)"),
    ("CITATION_BUDGET", "seconds for lookups per review (20)"),
    ("REDIS_URL", "web only: verify, de-duplicate and queue in Redis; `python -m bot "
                  "worker` processes review"),
    ("LOG_FORMAT", "logfmt (default) or json"),
    ("LOG_LEVEL", "debug, info (default), warning or error"),
)


def run_serve(args: argparse.Namespace) -> int:
    """Start the service; 2 with a one-line error when a setting is wrong."""
    from aiohttp import web
    from dotenv import load_dotenv

    from bot import logs
    from bot.github import startup
    from bot.github.settings import ServiceSettings
    from bot.github.webhook import make_app
    from bot.scale.settings import ScaleSettings

    load_dotenv(ENV_FILE, override=False)  # what `setup` wrote; the environment wins
    try:
        settings = ServiceSettings.from_env()
        scale = ScaleSettings.from_env()  # REDIS_URL: web only, worker processes review
        logs.configure(settings.secrets() + (scale.secrets() if scale else ()))
    except ValueError as exc:  # SettingsError, or a bad LOG_FORMAT / LOG_LEVEL
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = startup.listen(settings.port)
    except OSError as exc:
        print(f"error: cannot listen on port {settings.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    check = asyncio.run(startup.check_credentials(settings))
    if check.ok is False:
        sock.close()
        print(f"error: {check.detail}", file=sys.stderr)
        return 2
    startup.log_start(settings, check)
    web.run_app(make_app(settings, scale=scale, credentials=check), sock=sock, print=None,
                shutdown_timeout=settings.shutdown_grace + 5, access_log=None)
    return 0


def add_parser(sub: Any) -> None:
    """Register `serve` on the command line."""
    p = subcommand(
        sub, "serve", summary="run the GitHub webhook service",
        description="Receive GitHub's pull_request and check_run webhooks on POST /webhook, "
        "answer at once, and review in the background: check run, summary comment, labels, "
        "line comments. GET /healthz answers 200 while it runs; GET /metrics is for "
        "Prometheus. Stops on SIGTERM after in-flight reviews finish or are marked "
        "abandoned.\n\nSettings come from the environment, then from ./.env (which "
        "`python -m bot setup` writes when it creates the GitHub App).",
        environment=ENVIRONMENT,
        examples=(("with the .env that `setup` wrote, in its directory", "python -m bot serve"),
                  ("in a container", "docker run --env-file .env -p 8080:8080 "
                   "awesome-papers-bot"),
                  ("with workers: web only, jobs in Redis",
                   "REDIS_URL=redis://localhost:6379/0 python -m bot serve"),
                  ("token mode for one repository",
                   "GITHUB_WEBHOOK_SECRET=... GITHUB_TOKEN=... python -m bot serve")))
    p.set_defaults(func=run_serve)
