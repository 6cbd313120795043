"""One review of one pull request head, from GitHub's files to everything the bot publishes.

The webhook service and the GitHub Action both call `Reviewer.review`; it reads the README at the
base and head commits and the config from the base branch only, runs the lookups and the pure
review, drops the result if the head moved on meanwhile, and publishes idempotently.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import aiohttp
from cachetools import LRUCache
from gidgethub import BadRequest, GitHubException

from bot import metrics
from bot.awesome.config import RepoConfig, load_config
from bot.awesome.escape import md
from bot.awesome.facts import NO_FACTS, Facts, merge_facts
from bot.awesome.multi import MAX_LIST_FILES, combine, too_many_files
from bot.awesome.profile import GUIDE_NAMES
from bot.awesome.queue_view import CrossReview, with_conflict_note
from bot.awesome.report import Conclusion, Review
from bot.awesome.review import Prepared, conclude, prepare
from bot.citations.cache import CitationCache
from bot.citations.lookup import gather_facts
from bot.citations.settings import CitationSettings
from bot.github import publish
from bot.github.api import (
    MIN_WAIT,
    BotGitHubAPI,
    CallStats,
    EtagCache,
    Pacers,
    RateLimited,
    TransientError,
)
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
from bot.github.settings import AuthMode, ServiceSettings
from bot.github.triage import onto_tip, readme_entry, touches

if TYPE_CHECKING:
    from bot.github.backlog import Scheduler

log = logging.getLogger("bot.review")
FOLLOW_PUSHES = 3
MAX_WAIT = 15 * 60.0


class Outcome(StrEnum):
    """How a review job ended."""

    PUBLISHED = "published"
    NOT_README = "not-readme"
    SUPERSEDED = "superseded"
    ALREADY_REVIEWED = "already-reviewed"
    DEFERRED = "deferred"
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
    retry_after: float | None = None  # DEFERRED: run again this many seconds from now
    charged: bool = True  # DEFERRED: the attempt counts (False: it only waited its turn)
    reached: PullRef | None = None  # the head it ended on (DEFERRED: the head to go on with)
    review: Review | None = None  # what was computed, published or not (the Action shows it)
    facts: Facts | None = None
    unreachable: bool = False  # GitHub could not be reached
    finish_after: float | None = None  # FAILED, its check run not completed yet: try then


@dataclass(frozen=True, slots=True)
class _Readme:
    """What the job computed before publishing."""

    review: Review
    path: str
    facts: Facts
    prepared: Prepared | None = None
    cross: CrossReview = field(default_factory=CrossReview)


def backoff(exc: RateLimited | TransientError, attempt: int) -> float:
    """Seconds before the next attempt. A rate limit: GitHub's own time when it gave one, plus
    up to as long again at random (so the jobs it held do not all ask again at one instant,
    which would meet the limit again), else at least a minute, doubling with each attempt.
    GitHub unreachable: 5 s, doubling. Both capped at 15 minutes."""
    if isinstance(exc, RateLimited):
        if exc.delay is not None:
            return exc.delay + random.uniform(0.0, max(1.0, min(exc.delay, MAX_WAIT)))
        return float(min(MAX_WAIT, MIN_WAIT * 2 ** max(0, attempt - 1)))
    return float(min(MAX_WAIT, 5.0 * 2 ** max(0, attempt - 1)))


class Reviewer:
    """Holds what reviews share: the HTTP session, tokens, caches and pacing."""

    def __init__(self, settings: ServiceSettings, session: aiohttp.ClientSession, *,
                 citations: CitationSettings | None = None,
                 citation_session: aiohttp.ClientSession | None = None) -> None:
        self.settings = settings
        self.session = session
        self.tokens = TokenProvider(settings)
        self.etags: LRUCache[str, Any] = EtagCache()
        self.pacers = Pacers(settings.concurrent_requests, settings.writes_per_minute,
                             settings.creates_per_hour)
        self.citations = citations or CitationSettings.from_env(
            os.environ, budget=settings.citation_budget)
        self.citation_cache = CitationCache.from_settings(self.citations)
        self.citation_session = citation_session
        self.known_labels: dict[str, set[str]] = {}
        self.labels = publish.LabelSync(self.known_labels)
        self.own_logins: set[str] = set()  # logins our comments came back with (token mode)
        self.offline = False  # the Action's `offline: true`: no lookups, no link checks
        self.gather = gather_facts  # a worker process loads and saves its cache around it
        self.abandon_on_cancel = True  # False where a cancelled job is re-run elsewhere
        self.queue: Scheduler | None = None  # the maintainer's queue (in-process service)

    @property
    def app_id(self) -> str | None:
        """The App's id (None in token mode: any run with the check's name is ours)."""
        return self.settings.app_id if self.settings.mode is AuthMode.APP else None

    def api(self, token: str | None, pacer_key: object, stats: CallStats,
            refresh: Callable[[], Awaitable[str]] | None = None) -> BotGitHubAPI:
        """A client for one job."""
        return BotGitHubAPI(self.session, token=token, base_url=self.settings.api_url,
                            pacer=self.pacers.get(pacer_key), cache=self.etags,
                            retry_budget=self.settings.retry_budget, stats=stats,
                            refresh=refresh, inline_wait=self.settings.inline_wait)

    async def client_for(self, installation_id: int | None, repo: str,
                         stats: CallStats) -> BotGitHubAPI:
        """A client authenticated for an installation (or the token's repository); on a 401
        it drops the cached token and retries once with a fresh one."""
        key = installation_id or repo
        app = self.api(None, key, stats)
        token = await self.tokens.token(app, installation_id)

        async def fresh() -> str:
            self.tokens.forget(installation_id)
            return await self.tokens.token(app, installation_id)

        refresh = fresh if self.settings.mode is AuthMode.APP else None
        return self.api(token, key, stats, refresh)

    async def review(self, pr: PullRef, *, delivery: str = "-",
                     is_current: Callable[[], bool] = lambda: True,
                     new_run: bool = False) -> JobResult:
        """Review one head and publish, waiting out rate limits in place (the Action's way:
        one job per process, nothing else to run meanwhile)."""
        tries = self.settings.max_attempts
        for attempt in range(1, tries + 1):
            result = await self.review_once(pr, delivery=delivery, is_current=is_current,
                                            attempt=attempt, last=attempt == tries,
                                            new_run=new_run)
            if result.outcome is not Outcome.DEFERRED:
                return result
            if result.unreachable:  # GitHub is down: say so now rather than wait for it
                return await self.review_once(pr, delivery=delivery, is_current=is_current,
                                              attempt=attempt + 1, last=True, new_run=new_run)
            await asyncio.sleep(result.retry_after or 0)
        return result

    async def pulls_of(self, owner: str, repo: str, installation_id: int | None, sha: str, *,
                       number: int | None = None, attempt: int = 1,
                       last: bool = False) -> list[PullRef] | float | None:
        """The open PRs to review for commit `sha`: PR `number` when the check run named it in
        `external_id`, else `GET /repos/{owner}/{repo}/commits/{sha}/pulls` (a fork PR's run
        lists no pull requests). Seconds to wait when GitHub asked for it; None on failure."""
        stats = CallStats()
        try:
            gh = await self.client_for(installation_id, f"{owner}/{repo}", stats)
            if number is not None:
                newest = await pull_from_api(gh, owner, repo, number, installation_id)
                return [newest]
            refs = []
            async for item in gh.getiter("/repos/{owner}/{repo}/commits/{sha}/pulls{?per_page}",
                                         {"owner": owner, "repo": repo, "sha": sha,
                                          "per_page": 100}):
                head, base = item.get("head") or {}, item.get("base") or {}
                if item.get("state") == "open" and head.get("sha") == sha:
                    refs.append(PullRef(owner, repo, int(item["number"]), sha,
                                        str(base.get("sha")), str(base.get("ref")),
                                        installation_id))
            return refs
        except (RateLimited, TransientError) as exc:
            if last:
                log.warning("lookup failed", extra={"head": sha, "reason": _reason(exc)})
                return None
            return backoff(exc, attempt)
        except Exception as exc:
            log.warning("lookup failed", extra={"head": sha, "reason": _reason(exc)})
            return None

    async def review_once(self, pr: PullRef, *, delivery: str = "-",
                          is_current: Callable[[], bool] = lambda: True, attempt: int = 1,
                          last: bool = False, new_run: bool = False,
                          if_unreviewed: bool = False) -> JobResult:
        """One attempt at reviewing one head and publishing the result.

        A rate limit (or GitHub unreachable) ends it as DEFERRED with the time to wait; the
        check run it started stays in progress and the next attempt finds and finishes it.
        On the `last` attempt, or any other failure, the check run is completed as neutral.
        """
        stats = CallStats()
        result = JobResult(Outcome.FAILED, stats=stats, via_status=not self.settings.checks)
        started = time.monotonic()
        gh: BotGitHubAPI | None = None
        check_id: int | None = None
        work: asyncio.Future[_Readme] | None = None
        try:
            gh = await self.client_for(pr.installation_id, pr.full_name, stats)
            runs: list[dict[str, Any]] | None = None
            for _ in range(FOLLOW_PUSHES):
                files = await changed_files(gh, pr)
                lists, cfg = await self._list_files(gh, pr, files)
                if not lists:
                    result.outcome = Outcome.NOT_README
                    return result
                if runs is None and not result.via_status:
                    runs = await publish.our_runs(gh, pr, self.app_id)
                    if if_unreviewed and any(r.get("status") == "completed" for r in runs):
                        result.outcome = Outcome.ALREADY_REVIEWED
                        return result
                    check_id = self._reusable(runs, new_run)
                work = asyncio.ensure_future(self._compute_all(gh, pr, lists, cfg))
                done, _ = await asyncio.wait({work}, timeout=self.settings.in_progress_after)
                if not done and check_id is None:
                    try:
                        check_id = await self._start(gh, pr, result)
                    except BaseException:
                        work.cancel()  # nobody will await it: no "exception never retrieved"
                        raise
                computed = await work
                result.review, result.facts = computed.review, computed.facts
                newest = None if not is_current() else await pull_from_api(
                    gh, pr.owner, pr.repo, pr.number, pr.installation_id)
                if newest is not None and newest.head_sha == pr.head_sha:
                    await self._publish(gh, pr, computed.review, check_id, runs, result)
                    result.outcome = Outcome.PUBLISHED
                    result.conclusion = computed.review.conclusion
                    result.reached = pr
                    self._queued(pr, computed)
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
                runs, new_run = None, False
            result.outcome = Outcome.SUPERSEDED
            return result
        except asyncio.CancelledError:
            if gh is not None and check_id is not None and self.abandon_on_cancel:
                await _quietly(publish.finish_check(
                    gh, pr, check_id, conclusion="neutral", title="Review abandoned",
                    summary="The bot was shutting down; push again or re-run this check."))
            raise
        except (RateLimited, TransientError) as exc:
            reason = _reason(exc)
            result.unreachable = isinstance(exc, TransientError)
            result.charged = not isinstance(exc, RateLimited) or exc.asked
            if not last or not result.charged:
                result.outcome = Outcome.DEFERRED
                result.problems.append(reason)
                result.retry_after = backoff(exc, attempt)
                result.reached = pr  # its run, if one was started, is finished from there
                log.info("review deferred", extra={
                    "delivery": delivery, "pr": pr.key, "head": pr.head_sha, "reason": reason,
                    "attempt": attempt, "retry_after_s": round(result.retry_after, 1)})
                return result
            return await self._failed(gh, pr, check_id, result, exc, delivery)
        except Exception as exc:
            return await self._failed(gh, pr, check_id, result, exc, delivery)
        finally:
            if work is not None and not work.done():  # a step beside it failed first
                work.cancel()
            elif work is not None and not work.cancelled():
                work.exception()  # seen: its failure was the one reported, or another was
            elapsed = time.monotonic() - started
            conclusion = result.conclusion.value if result.conclusion else None
            metrics.review_finished(result.outcome.value, conclusion, elapsed)
            log.info("review", extra={
                "delivery": delivery, "repo": pr.full_name, "pr": pr.number,
                "head": pr.head_sha, "outcome": result.outcome.value, "conclusion": conclusion,
                "reads": stats.reads, "writes": stats.accepted_writes,
                "duration_ms": round(elapsed * 1000)})

    async def _failed(self, gh: BotGitHubAPI | None, pr: PullRef, check_id: int | None,
                      result: JobResult, exc: Exception, delivery: str) -> JobResult:
        """Log a failed review and complete its check run as neutral (best effort)."""
        reason = _reason(exc)
        result.outcome = Outcome.FAILED
        result.problems.append(reason)
        result.unreachable = isinstance(exc, TransientError | aiohttp.ClientError | TimeoutError)
        expected = isinstance(exc, GitHubException | TransientError | PermissionError
                              | RateLimited | aiohttp.ClientError | TimeoutError)
        log.log(logging.WARNING if expected else logging.ERROR, "review failed",
                exc_info=not expected, extra={"delivery": delivery, "pr": pr.key,
                                               "head": pr.head_sha, "reason": reason})
        if gh is not None and not result.via_status:
            try:
                await asyncio.wait_for(self._finish_open(gh, pr, check_id, reason), 10)
            except (RateLimited, TransientError) as again:  # finish it later, in the queue
                result.finish_after = backoff(again, 1)
            except Exception as other:
                log.warning("cleanup step failed", extra={"reason": _reason(other)})
        return result

    async def finish_later(self, pr: PullRef, reason: str, attempt: int) -> float | None:
        """Complete the head's open runs (a review that gave up could not); seconds to wait
        when GitHub still asks for it."""
        try:
            gh = await self.client_for(pr.installation_id, pr.full_name, CallStats())
            await self._finish_open(gh, pr, None, reason, create=False)
        except (RateLimited, TransientError) as exc:
            return backoff(exc, attempt)
        return None

    async def _finish_open(self, gh: BotGitHubAPI, pr: PullRef, check_id: int | None,
                           reason: str, *, create: bool = True,
                           summary: str | None = None) -> None:
        """Complete `check_id`, or every open run of the bot on the head when none is known
        (with `create`, a completed run says so when there was none)."""
        ids: list[int | None] = [check_id] if check_id is not None else list(
            publish.open_runs(await publish.our_runs(gh, pr, self.app_id)))
        for run_id in ids or ([None] if create else []):
            await publish.finish_check(gh, pr, run_id, app_id=self.app_id, conclusion="neutral",
                                       title="Review could not finish",
                                       summary=summary or f"The review could not be "
                                                          f"completed: {md(reason)}.")

    @staticmethod
    def _reusable(runs: list[dict[str, Any]], new_run: bool) -> int | None:
        """The run to finish: one left in progress (by this or an earlier process), else
        the head's completed run unless a re-run asks for a new one."""
        open_ids = publish.open_runs(runs)
        if open_ids:
            return open_ids[0]
        return None if new_run or not runs else int(runs[0]["id"])

    async def _config(self, gh: BotGitHubAPI, pr: PullRef) -> RepoConfig:
        """The repository config, from the base (or the tip a queue pass reviews against)."""
        raw = await read_file(gh, pr, self.settings.config_path, pr.tip or pr.base_sha)
        return load_config(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)

    async def _list_files(self, gh: BotGitHubAPI, pr: PullRef, files: list[dict[str, Any]]
                          ) -> tuple[list[dict[str, Any]], RepoConfig | None]:
        """The PR's changed files that hold the list, README first, and the base config.

        `README_PATH` holds the list unless the config's `files:` globs leave it out; other
        markdown files hold it when `files:` names them. The config is read only when the
        answer depends on it (None: not read), and then handed on so the review does not read
        it again.
        """
        readme = readme_entry(files, self.settings.readme_path)
        others = [f for f in files if f is not readme
                  and str(f.get("filename", "")).lower().endswith((".md", ".markdown"))]
        if not others:
            return ([readme] if readme else []), None
        cfg = await self._config(gh, pr)
        if not cfg.files or cfg.errors:
            return ([readme] if readme else []), cfg
        lists = [f for f in ([readme] if readme else []) + others
                 if cfg.holds_list(str(f.get("filename", "")))]
        return lists, cfg

    async def _compute_all(self, gh: BotGitHubAPI, pr: PullRef, lists: list[dict[str, Any]],
                           cfg: RepoConfig | None = None) -> _Readme:
        """Review each list file (up to MAX_LIST_FILES) and join the reviews into one; the
        maintainer's queue (cross-PR conflicts, the board) follows `README_PATH` only."""
        parts = [await self._compute(gh, pr, f, cfg) for f in lists[:MAX_LIST_FILES]]
        readme = next((p for p in parts if p.path == self.settings.readme_path), None)
        if len(parts) == 1 and len(lists) <= MAX_LIST_FILES:
            return parts[0] if readme else replace(parts[0], prepared=None)
        skipped = tuple(str(f.get("filename")) for f in lists[MAX_LIST_FILES:])
        extra = (too_many_files(skipped),) if skipped else ()
        return replace(parts[0], review=combine([p.review for p in parts], extra),
                       facts=merge_facts([p.facts for p in parts]),
                       prepared=readme.prepared if readme else None,
                       cross=readme.cross if readme else CrossReview())

    async def _compute(self, gh: BotGitHubAPI, pr: PullRef, readme: dict[str, Any],
                       cfg: RepoConfig | None = None) -> _Readme:
        """Read both versions of one list file and the base config, look facts up, review."""
        path = base_path = self.settings.readme_path
        if not touches(readme, path):  # another file that `files:` names
            path = str(readme.get("filename"))
            base_path = str(readme.get("previous_filename") or path)
        if cfg is None:
            cfg = await self._config(gh, pr)
        guide = None  # the contributing guide (it may forbid new sections), from the base too
        for name in GUIDE_NAMES:
            if guide is None:
                guide = await read_file(gh, pr, name, pr.tip or pr.base_sha)
        base = await read_file(gh, pr, base_path, await merge_base(gh, pr))
        head = None if readme.get("status") == "removed" else await read_file(
            gh, pr, path, pr.head_sha)
        base, head, rebased = await onto_tip(gh, pr, path, base, head)
        # Parsing and rules are CPU work: in worker processes within a time budget
        # (bot/github/isolation.py), so deliveries and /healthz keep being answered.
        prepared = await POOL.run(
            prepare, base, head, config=cfg, path=path,
            guide_text=guide.decode("utf-8", "replace") if isinstance(guide, bytes) else guide)
        facts = NO_FACTS if self.offline else await self.gather(
            prepared.citation_entries(), self.citations, session=self.citation_session,
            cache=self.citation_cache, check_links=self.settings.check_links,
            link_entries=prepared.link_entries())
        cross = CrossReview()
        if self.queue is not None and path == self.settings.readme_path:  # the queue's file
            await self.queue.keeper.survey(gh, pr)
            cross = self.queue.keeper.cross(pr, prepared, facts)
        commentable = added_lines(readme.get("patch"))
        review = await POOL.run(
            conclude, prepared, facts, extra=cross.findings,
            commentable=rebased.commentable(commentable) if rebased else commentable)
        review = with_conflict_note(rebased.to_head(review) if rebased else review, cross)
        return _Readme(review, path, facts, prepared, cross)

    async def judge(self, gh: BotGitHubAPI, pr: PullRef) -> _Readme | None:
        """Review one head without publishing (None when the PR does not touch the list)."""
        lists, cfg = await self._list_files(gh, pr, await changed_files(gh, pr))
        return await self._compute_all(gh, pr, lists, cfg) if lists else None

    def _queued(self, pr: PullRef, done: _Readme) -> None:
        """Tell the maintainer's queue about a published review."""
        if self.queue is not None and done.prepared is not None:
            stale = self.queue.keeper.reviewed(pr, done.prepared, done.facts, done.review,
                                               done.cross)
            self.queue.reviewed(pr, stale)

    async def _start(self, gh: BotGitHubAPI, pr: PullRef, result: JobResult) -> int | None:
        """Show that the review is running: a check run, or a pending commit status."""
        if not result.via_status:
            check_id = await self._checks(result, publish.start_check(gh, pr, self.app_id))
            result.check_run_id = check_id
            return check_id
        await self._try(result, "set a pending commit status",
                        publish.set_status(gh, pr, state="pending",
                                           description="Reviewing the list's README"))
        return None

    async def _checks(self, result: JobResult, step: Awaitable[int]) -> int | None:
        """Run a check-run step. A token that may not write checks (token mode) switches the
        job to commit statuses; an App never writes statuses (it has no such permission), so
        there a refusal is only noted."""
        try:
            return await step
        except BadRequest as exc:
            if exc.status_code != 403:
                raise
            if self.settings.mode is AuthMode.APP:
                result.problems.append("could not write the check run: GitHub refused (403)")
                log.warning("publish step refused", extra={"step": "check run", "status": 403})
                return None
            result.via_status = True
            result.problems.append("could not write a check run: the token lacks the "
                                   "`checks: write` permission; using a commit status instead")
            return None

    async def _try(self, result: JobResult, what: str, step: Awaitable[Any]) -> Any:
        """Run one publishing step; a missing permission is noted, not fatal (a rate limit is
        no refusal: it propagates and the job is re-queued)."""
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
                       check_id: int | None, runs: list[dict[str, Any]] | None,
                       result: JobResult) -> None:
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
        if not result.via_status:
            # GitHub appends annotations on every update: send only those the run lacks.
            have = next((int((r.get("output") or {}).get("annotations_count") or 0)
                         for r in runs or () if int(r["id"]) == check_id), 0)
            notes = [a.as_github() for a in review.annotations][have:]
            done = await self._checks(result, publish.finish_check(
                gh, pr, check_id, conclusion=review.conclusion.value, title=review.headline,
                summary=review.summary_markdown, annotations=notes, app_id=self.app_id))
            if done is not None or self.settings.mode is AuthMode.APP:
                result.check_run_id = done
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
        msg = str(exc.args[0]) if exc.args else ""  # gidgethub: (message,) or (phrase,)
        return f"GitHub answered {int(status) if status else 'an error'}" + (
            f": {msg[:200]}" if msg else "")
    if isinstance(exc, TransientError):
        return str(exc)
    return f"{type(exc).__name__}: {str(exc)[:200]}"
