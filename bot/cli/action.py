"""`python -m bot action`: the same review as the webhook service, from a GitHub Actions run.

It reads the event from `GITHUB_EVENT_PATH`, the repository from `GITHUB_REPOSITORY`, the token
from `INPUT_TOKEN` or `GITHUB_TOKEN`, and the API from `GITHUB_API_URL`, then runs the service's
own handler. What the token may not do (fork PRs get a read-only token) is said in the log as a
warning, not a crash. Exit status 1 when the review fails (unless `INPUT_FAIL-ON-ERROR` or
`FAIL_ON_ERROR` is false), 2 when the run cannot start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
from typing import Any

import aiohttp

from bot import logs
from bot.awesome.report import Conclusion
from bot.citations.settings import CitationSettings
from bot.github.handler import JobResult, Outcome, Reviewer
from bot.github.pull import PayloadError, pull_from_payload
from bot.github.settings import ServiceSettings, SettingsError

EVENTS = ("pull_request", "pull_request_target")


def _say(kind: str, text: str) -> None:
    """A workflow command (`::warning::`), one line, for the Actions log."""
    clean = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::{kind}::{clean}", flush=True)


def _truthy(value: str | None, default: bool) -> bool:
    """Read a boolean input."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _settings(env: dict[str, str]) -> ServiceSettings:
    """Token-mode settings for the Action; check runs first, statuses if refused."""
    token = env.get("INPUT_TOKEN") or env.get("GITHUB_TOKEN")
    if not token:
        raise SettingsError("no token: pass `token:` to the action or set GITHUB_TOKEN")
    merged = {**env, "GITHUB_TOKEN": token, "BOT_TOKEN_CHECK_RUNS": "1",
              "BOT_IN_PROGRESS_AFTER": env.get("BOT_IN_PROGRESS_AFTER", "0")}
    if env.get("INPUT_README"):
        merged["README_PATH"] = env["INPUT_README"]
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH"):
        merged.pop(name, None)
    return ServiceSettings.from_env(merged, require_secret=False)


async def _run(settings: ServiceSettings, payload: dict[str, Any]) -> JobResult:
    """Review the event's pull request with the service's handler."""
    pr = pull_from_payload(payload)
    cite = CitationSettings.from_env(os.environ, budget=settings.citation_budget)
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout,
                                    connect=min(10.0, settings.http_timeout))
    async with aiohttp.ClientSession(timeout=timeout) as session, \
            aiohttp.ClientSession(timeout=timeout) as cite_session:
        reviewer = Reviewer(settings, session, citations=cite, citation_session=cite_session)
        return await reviewer.review(pr, delivery=os.environ.get("GITHUB_RUN_ID", "action"))


def run_action(args: argparse.Namespace) -> int:
    """Run the review for the workflow's event; see the module docstring for exit codes."""
    env = dict(os.environ)
    try:
        settings = _settings(env)
    except SettingsError as exc:
        _say("error", str(exc))
        return 2
    logs.configure(settings.secrets())
    event_name = env.get("GITHUB_EVENT_NAME", "pull_request")
    if event_name not in EVENTS:
        _say("notice", f"awesome-papers reviews pull_request events, not {event_name}")
        return 0
    path = env.get("GITHUB_EVENT_PATH")
    try:
        payload = json.loads(Path(path or "").read_text(encoding="utf-8"))
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        _say("error", f"cannot read the event file GITHUB_EVENT_PATH={path!r}: {exc}")
        return 2
    try:
        result = asyncio.run(_run(settings, payload))
    except PayloadError as exc:
        _say("error", f"the event is not a pull request event the bot can review: {exc}")
        return 2
    for problem in result.problems:
        _say("warning", f"awesome-papers {problem}")
    if result.outcome is Outcome.NOT_README:
        print(f"awesome-papers: the pull request does not touch {settings.readme_path}")
        return 0
    if result.outcome is not Outcome.PUBLISHED:
        _say("warning", f"awesome-papers: review {result.outcome.value}")
        return 0 if result.outcome is Outcome.SUPERSEDED else 1
    conclusion = result.conclusion.value if result.conclusion else "none"
    print(f"awesome-papers: {conclusion} (reads {result.stats.reads}, writes "
          f"{result.stats.accepted_writes})")
    fail = _truthy(env.get("INPUT_FAIL-ON-ERROR", env.get("FAIL_ON_ERROR")), True)
    return 1 if fail and result.conclusion is Conclusion.FAILURE else 0
