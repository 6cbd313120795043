"""One review of one pull request head, from GitHub's files to everything the bot publishes.

The webhook service and the GitHub Action both call `Reviewer.review`; it reads the README at the
base and head commits and the config from the base branch only, runs the lookups and the pure
review, drops the result if the head moved on meanwhile, and publishes idempotently.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import aiohttp
from cachetools import LRUCache
from gidgethub import BadRequest, GitHubException

from bot import metrics
from bot.awesome.report import Conclusion, Review
from bot.awesome.review import conclude, prepare
from bot.citations.cache import CitationCache
from bot.citations.lookup import gather_facts
from bot.citations.settings import CitationSettings
from bot.github import publish
from bot.github.api import BotGitHubAPI, CallStats, EtagCache, Pacers, TransientError
from bot.github.auth import TokenProvider
from bot.github.isolation import POOL
from bot.github.pull import (
    PullRef,
    added_lines,
    changed_files,
    merge_base,
    pull_from_api,
    read_file,
)
from bot.github.settings import ServiceSettings

log = logging.getLogger("bot.review")
FOLLOW_PUSHES = 3


class Outcome(StrEnum):
    """How a review job ended."""

    PUBLISHED = "published"
    NOT_README = "not-readme"
    SUPERSEDED = "superseded"
    FAILED = "failed"


@dataclass
class JobResult:
    """What one job did, for logs, tests and the Action's exit status."""

    outcome: Outcome
    conclusion: Conclusion | None = None
    stats: CallStats = field(default_factory=CallStats)
    problems: list[str] = field(default_factory=list)
    check_run_id: int | None = None
    via_status: bool = False


@dataclass(frozen=True, slots=True)
class _Readme:
    """What the job computed before publishing."""

    review: Review
    path: str


class Reviewer:
    """Holds what reviews share: the HTTP session, tokens, caches and pacing."""

    def __init__(self, settings: ServiceSettings, session: aiohttp.ClientSession, *,
                 citations: CitationSettings | None = None,
                 citation_session: aiohttp.ClientSession | None = None) -> None:
        self.settings = settings
        self.session = session
        self.tokens = TokenProvider(settings)
        self.etags: LRUCache[str, Any] = EtagCache()
        self.pacers = Pacers(settings.concurrent_requests, settings.writes_per_minute)
        self.citations = citations or CitationSettings.from_env(
            os.environ, budget=settings.citation_budget)
        self.citation_cache = CitationCache.from_settings(self.citations)
        self.citation_session = citation_session
        self.known_labels: dict[str, set[str]] = {}
        self.labels = publish.LabelSync(self.known_labels)
        self.check_runs: LRUCache[str, int] = LRUCache(maxsize=5000)
        self.own_logins: set[str] = set()  # logins our comments came back with (token mode)
        self.announced: LRUCache[str, set[int]] = LRUCache(maxsize=5000)  # check runs GitHub
        self._tasks: set[asyncio.Task[None]] = set()                       # told us about

    def run_announced(self, pr: PullRef, run_id: int, status: str) -> None:
        """GitHub says it created check run `run_id` for us on this head.

        When the reply to that creation was lost, the bot holds another run for the head; this
        one would stay in progress forever, so it is completed (now, or when the review ends).
        """
        if status == "completed":
            return
        key = f"{pr.full_name}@{pr.head_sha}"
        self.announced.setdefault(key, set()).add(run_id)
        ours = self.check_runs.get(key)
        if ours is not None and ours != run_id:
            task = asyncio.ensure_future(self._close_orphans(pr, ours))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _close_orphans(self, pr: PullRef, keep: int,
                             gh: BotGitHubAPI | None = None) -> None:
        """Complete the head's other check runs as duplicates of `keep`."""
        key = f"{pr.full_name}@{pr.head_sha}"
        orphans = self.announced.get(key, set()) - {keep}
        if not orphans:
            return
        gh = gh or await self.client_for(pr, CallStats())
        for run_id in sorted(orphans):
            await _quietly(publish.finish_check(
                gh, pr, run_id, conclusion="neutral", title="Duplicate run",
                summary=f"This run was superseded by run {keep} on the same commit."))
            self.announced.get(key, set()).discard(run_id)

    def api(self, token: str | None, pacer_key: object, stats: CallStats) -> BotGitHubAPI:
        """A client for one job."""
        return BotGitHubAPI(self.session, token=token, base_url=self.settings.api_url,
                            pacer=self.pacers.get(pacer_key), cache=self.etags,
                            retry_budget=self.settings.retry_budget, stats=stats)

    async def client_for(self, pr: PullRef, stats: CallStats) -> BotGitHubAPI:
        """A client authenticated for the pull request's installation."""
        app = self.api(None, pr.installation_id or pr.full_name, stats)
        token = await self.tokens.token(app, pr.installation_id)
        return self.api(token, pr.installation_id or pr.full_name, stats)

    async def review(self, pr: PullRef, *, delivery: str = "-",
                     is_current: Callable[[], bool] = lambda: True) -> JobResult:
        """Review one head of one pull request and publish the result."""
        stats = CallStats()
        result = JobResult(Outcome.FAILED, stats=stats, via_status=not self.settings.checks)
        started = time.monotonic()
        gh: BotGitHubAPI | None = None
        check_id: int | None = None
        try:
            gh = await self.client_for(pr, stats)
            for _ in range(FOLLOW_PUSHES):
                files = await changed_files(gh, pr)
                readme = self._readme_file(files)
                if readme is None:
                    result.outcome = Outcome.NOT_README
                    return result
                work = asyncio.ensure_future(self._compute(gh, pr, readme))
                done, _ = await asyncio.wait({work}, timeout=self.settings.in_progress_after)
                if not done:
                    check_id = await self._start(gh, pr, result)
                computed = await work
                newest = None if not is_current() else await pull_from_api(
                    gh, pr.owner, pr.repo, pr.number, pr.installation_id)
                if newest is not None and newest.head_sha == pr.head_sha:
                    await self._publish(gh, pr, computed.review, check_id, result)
                    result.outcome = Outcome.PUBLISHED
                    result.conclusion = computed.review.conclusion
                    return result
                if check_id is not None:
                    await publish.finish_check(gh, pr, check_id, conclusion="neutral",
                                               title="Superseded by a newer push",
                                               summary="A newer commit is being reviewed.")
                    check_id = None
                if newest is None:  # a newer delivery for this PR waits in the queue
                    result.outcome = Outcome.SUPERSEDED
                    return result
                # The head moved on while we worked, and nothing else will review it (its
                # delivery may have arrived first): review the newest head now.
                pr = replace(pr, head_sha=newest.head_sha, base_sha=newest.base_sha,
                             base_ref=newest.base_ref)
            result.outcome = Outcome.SUPERSEDED
            return result
        except asyncio.CancelledError:
            if gh is not None and check_id is not None:
                await _quietly(publish.finish_check(
                    gh, pr, check_id, conclusion="neutral", title="Review abandoned",
                    summary="The bot was shutting down; push again or re-run this check."))
            raise
        except Exception as exc:
            reason = _reason(exc)
            result.problems.append(reason)
            expected = isinstance(exc, GitHubException | TransientError | PermissionError
                                  | aiohttp.ClientError | TimeoutError)
            log.log(logging.WARNING if expected else logging.ERROR, "review failed",
                    exc_info=not expected, extra={"delivery": delivery, "pr": pr.key,
                                                   "head": pr.head_sha, "reason": reason})
            if gh is not None and not result.via_status:
                await _quietly(publish.finish_check(
                    gh, pr, check_id, conclusion="neutral", title="Review could not finish",
                    summary=f"The review could not be completed: {reason}."))
            return result
        finally:
            elapsed = time.monotonic() - started
            conclusion = result.conclusion.value if result.conclusion else None
            metrics.review_finished(result.outcome.value, conclusion, elapsed)
            log.info("review", extra={
                "delivery": delivery, "repo": pr.full_name, "pr": pr.number,
                "head": pr.head_sha, "outcome": result.outcome.value, "conclusion": conclusion,
                "reads": stats.reads, "writes": stats.accepted_writes,
                "duration_ms": round(elapsed * 1000)})

    def _readme_file(self, files: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The list's README among the PR's files, if the PR touches it."""
        path = self.settings.readme_path
        for f in files:
            if f.get("filename") == path or f.get("previous_filename") == path:
                return f
        return None

    async def _compute(self, gh: BotGitHubAPI, pr: PullRef, readme: dict[str, Any]) -> _Readme:
        """Read both READMEs and the base config, look facts up, review."""
        path = self.settings.readme_path
        config = await read_file(gh, pr, self.settings.config_path, pr.base_sha)
        base = await read_file(gh, pr, path, await merge_base(gh, pr))
        head = None if readme.get("status") == "removed" else await read_file(
            gh, pr, path, pr.head_sha)
        config_text = config.decode("utf-8", "replace") if isinstance(config, bytes) else config
        # Parsing and rules are CPU work: in worker processes within a time budget
        # (bot/github/isolation.py), so deliveries and /healthz keep being answered.
        prepared = await POOL.run(prepare, base, head, config_text=config_text, path=path)
        facts = await gather_facts(prepared.citation_entries(), self.citations,
                                   session=self.citation_session, cache=self.citation_cache,
                                   check_links=self.settings.check_links,
                                   link_entries=prepared.link_entries())
        review = await POOL.run(conclude, prepared, facts,
                                commentable=added_lines(readme.get("patch")))
        return _Readme(review, path)

    async def _start(self, gh: BotGitHubAPI, pr: PullRef, result: JobResult) -> int | None:
        """Show that the review is running: a check run, or a pending commit status."""
        key = f"{pr.full_name}@{pr.head_sha}"
        check_id = None if result.via_status else self.check_runs.get(key)
        if check_id is None and not result.via_status:
            check_id = await self._checks_or_status(result, publish.start_check(gh, pr))
        if result.via_status:
            await self._try(result, "set a pending commit status",
                            publish.set_status(gh, pr, state="pending",
                                               description="Reviewing the list's README"))
            return None
        self.check_runs[key] = check_id
        result.check_run_id = check_id
        return check_id

    async def _checks_or_status(self, result: JobResult, step: Awaitable[int]) -> int | None:
        """Run a check-run step; when the token may not write checks, use statuses instead."""
        try:
            return await step
        except BadRequest as exc:
            if exc.status_code != 403:
                raise
            result.via_status = True
            result.problems.append("could not write a check run: the token lacks the "
                                   "`checks: write` permission; using a commit status instead")
            return None

    async def _try(self, result: JobResult, what: str, step: Awaitable[Any]) -> Any:
        """Run one publishing step; a missing permission is noted, not fatal."""
        try:
            return await step
        except BadRequest as exc:
            if exc.status_code in (403, 404):
                result.problems.append(f"could not {what}: the token lacks the permission "
                                       f"({exc.status_code})")
                log.warning("publish step refused", extra={"step": what,
                                                           "status": int(exc.status_code)})
                return None
            raise

    async def _publish(self, gh: BotGitHubAPI, pr: PullRef, review: Review,
                       check_id: int | None, result: JobResult) -> None:
        """Summary comment, labels, line-comment review, then the check run or status."""
        logins = frozenset(x for x in (self.settings.bot_login, *self.own_logins) if x)
        existing = await publish.find_summary(gh, pr, logins=logins)
        state = existing.state if existing else publish.BotState()
        owned = await self._try(result, "update labels",
                                 self.labels.sync(gh, pr, review.labels, state.labels))
        reviewed = state.reviewed_head
        if reviewed != pr.head_sha and review.line_comments:
            posted = await self._try(result, "post line comments",
                                     publish.post_review(gh, pr, review))
            if posted:
                reviewed = pr.head_sha
        new_state = publish.BotState(owned if owned is not None else state.labels, reviewed,
                                     pr.head_sha)
        written = await self._try(result, "write the summary comment", publish.upsert_summary(
            gh, pr, existing, publish.comment_body(review, new_state), logins=logins))
        if written and written[1]:
            self.own_logins.add(written[1])
        key = f"{pr.full_name}@{pr.head_sha}"
        if not result.via_status:
            done = await self._checks_or_status(result, publish.finish_check(
                gh, pr, check_id or self.check_runs.get(key), conclusion=review.conclusion.value,
                title=review.headline, summary=review.summary_markdown,
                annotations=[a.as_github() for a in review.annotations]))
            if done is not None:
                self.check_runs[key] = done
                result.check_run_id = done
                await self._close_orphans(pr, done, gh)
                return
        await self._try(result, "set the commit status", publish.set_status(
            gh, pr, state=publish.STATUS_OF[review.conclusion], description=review.headline))


async def _quietly(step: Awaitable[Any]) -> None:
    """Best effort: a failure here must not hide the original one."""
    try:
        await asyncio.wait_for(step, 10)
    except Exception as exc:
        log.warning("cleanup step failed", extra={"reason": _reason(exc)})


def _reason(exc: BaseException) -> str:
    """One line about a failure, without secrets or tracebacks."""
    if isinstance(exc, GitHubException):
        status = getattr(exc, "status_code", None)
        msg = str(exc.args[1]) if len(exc.args) > 1 else ""
        return f"GitHub answered {int(status) if status else 'an error'}" + (
            f": {msg[:200]}" if msg else "")
    if isinstance(exc, TransientError):
        return str(exc)
    return f"{type(exc).__name__}: {str(exc)[:200]}"
