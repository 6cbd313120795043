"""`python -m bot action`: the same review as the webhook service, from a GitHub Actions run.

It reads the event from `GITHUB_EVENT_PATH`, the repository from `GITHUB_REPOSITORY`, the token
from `INPUT_TOKEN` or `GITHUB_TOKEN`, and the API from `GITHUB_API_URL`, then runs the service's
own handler. Whatever the token may publish, the job log gets one `::error`/`::warning`/`::notice`
annotation per finding, the step summary gets the review, and the step gets its outputs.
Exit status 1 when the review fails as `fail-on` says, 2 when the run cannot start or GitHub
cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot import logs
from bot.awesome.escape import md, plain
from bot.awesome.findings import Severity
from bot.awesome.report import Conclusion, Review
from bot.cli.check import review_json
from bot.cli.helptext import subcommand
from bot.cli.workflow import append_summary, say, write_outputs
from bot.envvars import FALSE, TRUE
from bot.github.settings import ServiceSettings, SettingsError

if TYPE_CHECKING:  # the HTTP stack is imported on use: `--help` and `check` do not need it
    from bot.github.handler import JobResult

EVENTS = ("pull_request", "pull_request_target")
BOARD_EVENTS = ("schedule", "workflow_dispatch")  # these update the triage board
FAIL_ON = ("error", "warning", "never")
REPORT_NAME = "awesome-papers-report.json"
ENVIRONMENT = (
    ("GITHUB_EVENT_PATH", "the workflow's event file (set by the runner)"),
    ("GITHUB_EVENT_NAME", "pull_request or pull_request_target; other events are skipped"),
    ("GITHUB_REPOSITORY", "owner/name of the list's repository"),
    ("GITHUB_API_URL", "GitHub's API (GitHub Enterprise Server too)"),
    ("INPUT_TOKEN, GITHUB_TOKEN", "the token that reads the PR and publishes"),
    ("INPUT_README", "the list's file (default README.md)"),
    ("INPUT_CONFIG", "config path, read from the base branch "
                     "(default .github/awesome-papers.yml)"),
    ("INPUT_OFFLINE", "true: no citation lookups and no link checks"),
    ("INPUT_CHECK-LINKS", "false: no link checks"),
    ("INPUT_FAIL-ON", "error (default), warning or never: what makes the job fail"),
    ("GITHUB_STEP_SUMMARY", "file the review is appended to as the job summary"),
    ("GITHUB_OUTPUT", "file the outputs conclusion, labels, added, report are appended to"),
    ("RUNNER_TEMP", "where the JSON report is written (else the current directory)"),
    ("SEMANTIC_SCHOLAR_API_KEY", "optional key for citation lookups (see `check --help`)"),
)
EXAMPLES = (
    ("a workflow step (what action.yml runs)", "python -m bot action"),
    ("by hand, against a saved event, without lookups",
     "GITHUB_EVENT_PATH=event.json GITHUB_REPOSITORY=owner/list GITHUB_TOKEN=... "
     "INPUT_OFFLINE=true python -m bot action"),
)
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


class ActionError(Exception):
    """The run cannot start; the message is one line for the job log."""


@dataclass(frozen=True, slots=True)
class Inputs:
    """The action's inputs, read from `INPUT_*` variables."""

    readme: str | None
    config: str | None
    offline: bool
    check_links: bool
    fail_on: str


def _input(env: Mapping[str, str], name: str) -> str:
    """An input as the runner passes it (`INPUT_FAIL-ON`), or with underscores (`INPUT_FAIL_ON`)."""
    upper = name.upper()
    return (env.get(f"INPUT_{upper}") or env.get(f"INPUT_{upper.replace('-', '_')}")
            or "").strip()


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A true/false input; anything else is an ActionError."""
    raw = _input(env, name).lower()
    if not raw:
        return default
    if raw in TRUE or raw in FALSE:
        return raw in TRUE
    raise ActionError(f"input {name} must be true or false, not {raw[:20]!r}")


def read_inputs(env: Mapping[str, str]) -> Inputs:
    """The inputs, checked."""
    fail_on = _input(env, "fail-on").lower() or "error"
    if fail_on not in FAIL_ON:
        raise ActionError(f"input fail-on must be one of {', '.join(FAIL_ON)}, "
                          f"not {fail_on[:20]!r}")
    return Inputs(readme=_input(env, "readme") or None, config=_input(env, "config") or None,
                  offline=_flag(env, "offline", False),
                  check_links=_flag(env, "check-links", True), fail_on=fail_on)


def read_event(env: Mapping[str, str]) -> dict[str, Any]:
    """The workflow's event payload; ActionError when the file is missing or not an object."""
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        raise ActionError("GITHUB_EVENT_PATH is not set: run this as a step of a GitHub "
                          "Actions workflow (or set it to a saved event file)")
    if not Path(path).is_file():
        raise ActionError(f"GITHUB_EVENT_PATH={path!r} is not a file")
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ActionError(f"cannot read the event file {path!r}: {exc}") from None
    if not isinstance(payload, dict):
        raise ActionError(f"the event file {path!r} is not a JSON object")
    return payload


def _settings(env: Mapping[str, str], inputs: Inputs) -> ServiceSettings:
    """Token-mode settings for the Action; check runs first, statuses if refused."""
    token = env.get("INPUT_TOKEN") or env.get("GITHUB_TOKEN")
    if not token:
        raise SettingsError("no token: pass `token:` to the action or set GITHUB_TOKEN")
    merged = {**env, "GITHUB_TOKEN": token, "BOT_TOKEN_CHECK_RUNS": "1",
              "BOT_IN_PROGRESS_AFTER": env.get("BOT_IN_PROGRESS_AFTER", "0")}
    if inputs.readme:
        merged["README_PATH"] = inputs.readme
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH"):
        merged.pop(name, None)
    settings = ServiceSettings.from_env(merged, require_secret=False)
    check_links = settings.check_links and inputs.check_links and not inputs.offline
    return replace(settings, config_path=(inputs.config or settings.config_path).strip("/"),
                   check_links=check_links)


async def _run(settings: ServiceSettings, payload: dict[str, Any], offline: bool) -> JobResult:
    """Review the event's pull request with the service's handler."""
    import aiohttp

    from bot.citations.settings import CitationSettings
    from bot.github.handler import Reviewer
    from bot.github.pull import pull_from_payload

    pr = pull_from_payload(payload)
    cite = CitationSettings.from_env(os.environ, budget=settings.citation_budget)
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout,
                                    connect=min(10.0, settings.http_timeout))
    async with aiohttp.ClientSession(timeout=timeout) as session, \
            aiohttp.ClientSession(timeout=timeout) as cite_session:
        reviewer = Reviewer(settings, session, citations=cite, citation_session=cite_session)
        reviewer.offline = offline
        return await reviewer.review(pr, delivery=os.environ.get("GITHUB_RUN_ID", "action"))


def annotate(out: TextIO, review: Review, path: str) -> None:
    """One workflow command per finding, with the file, lines and rule id."""
    for f in review.findings:
        message = plain(f.message, limit=4000)
        if f.suggestion:
            message += "\nSuggested: " + plain(f.suggestion, limit=1000)
        say(out, _COMMAND[f.severity], message, {
            "file": f.path or path, "line": f.line,
            "endLine": f.end_line if f.end_line and f.end_line != f.line else None,
            "title": f.rule})


def _summary(review: Review, problems: list[str]) -> str:
    """The step summary: the review as the PR comment shows it, and what could not be posted."""
    parts = [review.summary_markdown]
    if problems:
        parts.append("\n**Not posted on the pull request** (the token's permissions):\n")
        parts += [f"- {md(p, limit=300)}" for p in problems]
    return "\n".join(parts) + "\n"


def _fails(review: Review, fail_on: str) -> bool:
    """Whether the review fails the job under `fail-on`."""
    if fail_on == "never":
        return False
    if fail_on == "warning":
        return any(f.severity in (Severity.ERROR, Severity.WARNING) for f in review.findings)
    return review.conclusion is Conclusion.FAILURE


def _report(env: Mapping[str, str], result: JobResult) -> Path:
    """Write the review as `check --format json` prints it; its path."""
    assert result.review is not None
    where = Path(env.get("RUNNER_TEMP") or ".") / REPORT_NAME
    doc = review_json(result.review, result.facts) if result.facts else {}
    where.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return where.resolve()


def _publish_step(env: Mapping[str, str], out: TextIO, result: JobResult,
                  settings: ServiceSettings) -> None:
    """Annotations, step summary and outputs for a computed review."""
    review = result.review
    assert review is not None
    annotate(out, review, settings.readme_path)
    append_summary(env.get("GITHUB_STEP_SUMMARY"), _summary(review, result.problems))
    write_outputs(env.get("GITHUB_OUTPUT"), {
        "conclusion": review.conclusion.value, "labels": ",".join(review.labels),
        "added": str(len(review.diff.added)), "report": str(_report(env, result))})


def _board(env: Mapping[str, str], out: TextIO) -> int:
    """On a schedule or a manual run: rewrite the repository's triage board issue."""
    from bot.cli.triage import run_board_action

    return run_board_action(env, out)


def run_action(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Run the review for the workflow's event; see the module docstring for exit codes."""
    from bot.github.handler import Outcome
    from bot.github.pull import PayloadError

    env = dict(os.environ)
    event_name = env.get("GITHUB_EVENT_NAME", "pull_request")
    if event_name in BOARD_EVENTS:
        return _board(env, out)
    if event_name not in EVENTS:
        say(out, "notice", f"awesome-papers reviews pull_request events, not {event_name}")
        return 0
    try:
        inputs = read_inputs(env)
        payload = read_event(env)
        settings = _settings(env, inputs)
        logs.configure(settings.secrets())
    except (ActionError, ValueError) as exc:  # ValueError: SettingsError, LOG_FORMAT
        say(out, "error", str(exc))
        return 2
    try:
        result = asyncio.run(_run(settings, payload, inputs.offline))
    except PayloadError as exc:
        say(out, "error", f"the event is not a pull request event the bot can review: {exc}")
        return 2
    for problem in result.problems if result.outcome is Outcome.PUBLISHED else ():
        say(out, "warning", f"awesome-papers {problem}")
    if result.review is not None:
        _publish_step(env, out, result, settings)
    if result.outcome is Outcome.NOT_README:
        write_outputs(env.get("GITHUB_OUTPUT"), {"conclusion": "skipped", "labels": "",
                                                 "added": "0", "report": ""})
        print(f"awesome-papers: the pull request does not touch {settings.readme_path} (or "
              "another file the config's `files:` names)",
              file=out)
        return 0
    if result.outcome is Outcome.FAILED:
        reason = "; ".join(result.problems) or "unknown failure"
        what = "GitHub could not be reached" if result.unreachable else \
            "the review could not finish"
        say(out, "error", f"awesome-papers: {what}: {reason}")
        return 2
    if result.outcome is Outcome.SUPERSEDED or result.review is None:
        say(out, "notice", "awesome-papers: a newer push is being reviewed")
        return 0
    review = result.review
    print(f"awesome-papers: {review.conclusion.value} (reads {result.stats.reads}, writes "
          f"{result.stats.accepted_writes})", file=out, flush=True)
    return 1 if _fails(review, inputs.fail_on) else 0


def add_parser(sub: Any) -> None:
    """Register `action` on the command line."""
    p = subcommand(
        sub, "action", summary="review the pull request of a GitHub Actions run",
        description="Review the pull request of the running workflow and publish what the "
        "token allows: a check run or commit status, the summary comment, labels and line "
        "comments. Every finding is also a workflow annotation (file, line, rule id), the "
        "review is appended to the step summary, and the step gets the outputs conclusion, "
        "labels, added and report (the JSON report's path).\n\nExit status: 0 success, 1 the "
        "review fails as fail-on says, 2 the run cannot start or GitHub cannot be reached.",
        environment=ENVIRONMENT, examples=EXAMPLES)
    p.set_defaults(func=run_action)
