"""The maintainer's queue on GitHub: what every open PR proposes, and the triage board issue.

`QueueKeeper` remembers, per repository, what each open PR adds (a `Proposal`, from its last
review), so the review of one PR can name the others that propose the same paper or together
overfill the top 100. The first review in a repository surveys the other open PRs once (their
README at base and head, no citation lookups). The board is one issue found by a hidden marker
and edited in place; a lost reply to its creation is followed by a look before creating again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

from bot.awesome.config import DEFAULT_CONFIG, RepoConfig
from bot.awesome.facts import Facts
from bot.awesome.queue_view import CrossReview, Proposal, cross_review, proposal_of
from bot.awesome.rebase import Rebased, rebase
from bot.awesome.report import Review
from bot.awesome.review import Prepared, prepare
from bot.awesome.triage import BOARD_MARKER, BOARD_TITLE, OpenPull, Queue
from bot.envvars import env_number
from bot.github.api import AmbiguousWrite
from bot.github.pull import PullRef, changed_files, read_file

log = logging.getLogger("bot.queue")


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """How long to wait before acting on a burst: passes after pushes, board edits."""

    pass_delay: float = 10.0
    board_delay: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> QueueSettings:
        """`BOT_PASS_DELAY` and `BOT_BOARD_DELAY`, in seconds."""
        return cls(env_number(env, "BOT_PASS_DELAY", 10.0, hi=3600),
                   env_number(env, "BOT_BOARD_DELAY", 30.0, hi=3600))


@dataclass
class RepoQueue:
    """What the bot knows about one repository's open pull requests."""

    proposals: dict[int, Proposal] = field(default_factory=dict)
    refs: dict[int, PullRef] = field(default_factory=dict)
    base_top100: int = 0
    limit: int = 100
    has_top100: bool = True
    board: bool = True
    surveyed: bool = False
    board_issue: int | None = None
    tip: str | None = None
    upcoming: set[int] = field(default_factory=set)  # a pass will review these soon
    requeued: set[int] = field(default_factory=set)  # conflict re-reviews on their way
    config: RepoConfig = DEFAULT_CONFIG
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    surveying: asyncio.Lock = field(default_factory=asyncio.Lock)


def repo_ref(owner: str, repo: str, installation_id: int | None) -> PullRef:
    """A reference to a repository (number 0) for repository-wide calls."""
    return PullRef(owner, repo, 0, "", "", "", installation_id)


def ref_of(owner: str, repo: str, data: Mapping[str, Any], inst: int | None,
           tip: str | None = None) -> PullRef | None:
    """A PullRef from a pulls-list item; None when it lacks what a review needs."""
    try:
        return PullRef(owner, repo, int(data["number"]), str(data["head"]["sha"]),
                       str(data["base"]["sha"]), str(data["base"]["ref"]), inst, tip)
    except (KeyError, TypeError, ValueError):
        return None


def open_pull(data: Mapping[str, Any]) -> OpenPull:
    """An OpenPull from a pulls-list item."""
    created = str(data.get("created_at") or "1970-01-01T00:00:00Z")
    try:
        when = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        when = datetime(1970, 1, 1, tzinfo=UTC)
    user = data.get("user") if isinstance(data.get("user"), Mapping) else {}
    return OpenPull(int(data["number"]), str(data.get("title") or ""),
                    str(user.get("login") or "ghost"), when, str(data.get("html_url") or ""))


async def open_pulls(gh: GitHubAPI, owner: str, repo: str,
                     base: str | None = None) -> list[dict[str, Any]]:
    """Every open PR (all pages), oldest first; only those into `base` when given."""
    out = [p async for p in gh.getiter(
        "/repos/{owner}/{repo}/pulls{?state,sort,direction,per_page}",
        {"owner": owner, "repo": repo, "state": "open", "sort": "created",
         "direction": "asc", "per_page": 100})]
    return [p for p in out if base is None or (p.get("base") or {}).get("ref") == base]


def touches(file: dict[str, Any], path: str) -> bool:
    """True when a PR's file entry is `path`, or was before a rename."""
    return path in (file.get("filename"), file.get("previous_filename"))


def readme_entry(files: list[dict[str, Any]], path: str) -> dict[str, Any] | None:
    """The PR's entry for the list's README, if it touches it."""
    return next((f for f in files if touches(f, path)), None)


class QueueKeeper:
    """The open PRs of each repository, as far as the bot has seen them."""

    def __init__(self, readme_path: str, config_path: str) -> None:
        self.readme_path = readme_path
        self.config_path = config_path
        self.repos: dict[str, RepoQueue] = {}

    def repo(self, full_name: str) -> RepoQueue:
        """The queue of one repository (made on first use)."""
        return self.repos.setdefault(full_name.lower(), RepoQueue())

    async def survey(self, gh: GitHubAPI, pr: PullRef) -> None:
        """Learn what the other open PRs propose, once per repository."""
        rq = self.repo(pr.full_name)
        if rq.surveyed:
            return
        async with rq.surveying:  # reviews running at once wait for one survey
            if not rq.surveyed:
                await self._survey(gh, pr, rq)
                rq.surveyed = True

    async def _survey(self, gh: GitHubAPI, pr: PullRef, rq: RepoQueue) -> None:
        """Read every other open PR's proposal."""
        for data in await open_pulls(gh, pr.owner, pr.repo, pr.base_ref or None):
            ref = ref_of(pr.owner, pr.repo, data, pr.installation_id)
            if ref is None or ref.number == pr.number or ref.number in rq.proposals:
                continue
            rq.refs[ref.number] = ref
            try:
                prop = await self._light(gh, ref)
            except Exception as exc:  # one unreadable PR must not stop the review
                log.warning("survey skipped a PR", extra={"pr": ref.key, "reason": str(exc)})
                continue
            if prop is not None and ref.number not in rq.proposals:
                rq.proposals[ref.number] = prop

    async def _light(self, gh: GitHubAPI, ref: PullRef) -> Proposal | None:
        """What one PR adds, from its README at base and head (no lookups, no verdict)."""
        readme = readme_entry(await changed_files(gh, ref), self.readme_path)
        if readme is None:
            return None
        base = await read_file(gh, ref, self.readme_path, ref.base_sha)
        head = await read_file(gh, ref, self.readme_path, ref.head_sha)
        prepared = await asyncio.to_thread(prepare, base, head, path=self.readme_path)
        if prepared.problems:
            return None
        return proposal_of(ref.number, ref.head_sha, prepared.diff, top100=_counts(prepared),
                           has_top100=_has_top100(prepared))

    def cross(self, pr: PullRef, prepared: Prepared, facts: Facts) -> CrossReview:
        """This PR's findings about the other open PRs."""
        if prepared.problems:
            return CrossReview()
        rq = self.repo(pr.full_name)
        has_top = _has_top100(prepared)
        me = proposal_of(pr.number, pr.head_sha, prepared.diff, top100=_counts(prepared),
                         has_top100=has_top)
        others = [p for n, p in rq.proposals.items() if n != pr.number]
        known = rq.proposals.get(pr.number)
        if known is None or known.head_sha != pr.head_sha:
            rq.proposals[pr.number] = me  # reviews running meanwhile already see this PR
        return cross_review(me, others, base_top100=len(prepared.base.top100),
                            limit=_limit(prepared), has_top100=has_top,
                            config=prepared.config)

    def reviewed(self, pr: PullRef, prepared: Prepared, facts: Facts, review: Review,
                 cross: CrossReview) -> list[int]:
        """Remember a published review; return the PRs whose reviews now name the wrong PRs."""
        rq = self.repo(pr.full_name)
        rq.refs[pr.number] = pr
        rq.upcoming.discard(pr.number)
        if prepared.problems:
            rq.proposals.pop(pr.number, None)
            return []
        has_top = _has_top100(prepared)
        rq.base_top100 = len(prepared.base.top100)
        rq.limit = _limit(prepared)
        rq.has_top100 = has_top
        rq.board = prepared.config.triage_board
        rq.proposals[pr.number] = proposal_of(
            pr.number, pr.head_sha, prepared.diff, top100=_counts(prepared), facts=facts,
            criteria=prepared.head.criteria, has_top100=has_top, conclusion=review.conclusion,
            labels=review.labels).with_conflicts(cross.conflicts)
        rq.config = prepared.config
        return [n for n in rq.proposals if n != pr.number and self.stale(pr.full_name, n)]

    def stale(self, full_name: str, number: int) -> bool:
        """True when the PR's published review names other PRs than it should now."""
        rq = self.repo(full_name)
        prop = rq.proposals.get(number)
        if prop is None or number in rq.upcoming:
            return False
        others = [p for m, p in rq.proposals.items() if m != number]
        now = cross_review(prop, others, base_top100=rq.base_top100, limit=rq.limit,
                           has_top100=rq.has_top100, config=rq.config).conflicts
        return now != prop.conflicts

    def forget(self, full_name: str, number: int) -> list[int]:
        """A PR was closed or merged: drop it; return the PRs whose reviews named it."""
        rq = self.repo(full_name)
        rq.proposals.pop(number, None)
        rq.refs.pop(number, None)
        rq.upcoming.discard(number)
        return [n for n, p in rq.proposals.items() if number in p.conflicts]

    def queue_of(self, full_name: str, pulls: list[dict[str, Any]]) -> Queue:
        """The board's input: the open PRs as listed now, and what each proposes."""
        rq = self.repo(full_name)
        listed = [open_pull(p) for p in pulls]
        open_numbers = {p.number for p in listed}
        for n in [n for n in rq.proposals if n not in open_numbers]:
            rq.proposals.pop(n, None)  # closed while the bot was not looking
        return Queue(full_name, tuple(listed), tuple(rq.proposals.values()),
                     rq.base_top100, rq.limit, rq.has_top100)


def _has_top100(prepared: Prepared) -> bool:
    """True when the list declares a top N (a list without one has no top N to fill)."""
    return prepared.profile.top_size is not None


def _limit(prepared: Prepared) -> int:
    """The list's top-N size (100 when it declares none; then nothing is contested)."""
    return prepared.profile.top_size or 100


def _counts(prepared: Prepared) -> tuple[int, int]:
    """The top-100 count on base and head."""
    return len(prepared.base.top100), len(prepared.head.top100)


def _trusted(item: Mapping[str, Any], logins: frozenset[str]) -> bool:
    """Written by the bot: a known login, or (none known) a Bot account."""
    user = item.get("user") or {}
    return user.get("login") in logins if logins else user.get("type") == "Bot"


async def find_board(gh: GitHubAPI, owner: str, repo: str,
                     logins: frozenset[str]) -> tuple[int, str] | None:
    """The board issue (open or closed) by its marker and author: the oldest, if several."""
    query: dict[str, Any] = {"owner": owner, "repo": repo, "state": "all", "sort": "created",
                             "direction": "asc", "per_page": 100}
    url = "/repos/{owner}/{repo}/issues{?state,sort,direction,per_page}"
    if len(logins) == 1:
        query["creator"] = next(iter(logins))
        url = "/repos/{owner}/{repo}/issues{?state,creator,sort,direction,per_page}"
    async for issue in gh.getiter(url, query):
        body = issue.get("body") or ""
        if "pull_request" not in issue and body.startswith(BOARD_MARKER) and _trusted(
                issue, logins):
            return int(issue["number"]), body
    return None


async def publish_board(gh: GitHubAPI, owner: str, repo: str, body: str, *,
                        logins: frozenset[str], known: int | None = None) -> int:
    """Edit the board in place (only when it changed), or create it once; its number."""
    v = {"owner": owner, "repo": repo}
    found = None
    if known is not None:
        issue = await gh.getitem("/repos/{owner}/{repo}/issues/{number}", {**v, "number": known})
        if (issue.get("body") or "").startswith(BOARD_MARKER) and _trusted(issue, logins):
            found = (known, issue.get("body") or "")
    if found is None:
        found = await find_board(gh, owner, repo, logins)
    if found is None:
        try:
            made = await gh.post("/repos/{owner}/{repo}/issues", v,
                                 data={"title": BOARD_TITLE, "body": body})
            return int(made["number"])
        except AmbiguousWrite:
            found = await find_board(gh, owner, repo, logins)
            if found is None:
                made = await gh.post("/repos/{owner}/{repo}/issues", v,
                                     data={"title": BOARD_TITLE, "body": body})
                return int(made["number"])
    number, old = found
    if old != body:
        await gh.patch("/repos/{owner}/{repo}/issues/{number}", {**v, "number": number},
                       data={"body": body})
    return number


async def merge_base(gh: GitHubAPI, pr: PullRef, tip: str) -> str:
    """Where the PR's head branched from the tip (GitHub's compare), else the PR's base."""
    try:
        data = await gh.getitem("/repos/{owner}/{repo}/compare/{basehead}",
                                pr.vars(basehead=f"{tip}...{pr.head_sha}"))
        return str(data["merge_base_commit"]["sha"])
    except (BadRequest, KeyError, TypeError):
        return pr.base_sha


async def onto_tip(gh: GitHubAPI, pr: PullRef, path: str, base: str | bytes | None,
                   head: str | bytes | None) -> tuple[Any, Any, Rebased | None]:
    """Base and head to judge: with `pr.tip` set, the tip and the PR merged onto it."""
    if not pr.tip or not isinstance(head, str):
        return base, head, None
    fork = await merge_base(gh, pr, pr.tip)
    if fork == pr.tip:
        return base if pr.tip == pr.base_sha else await read_file(gh, pr, path, pr.tip), head, None
    ancestor = base if fork == pr.base_sha else await read_file(gh, pr, path, fork)
    tip = await read_file(gh, pr, path, pr.tip)
    if not isinstance(tip, str) or not isinstance(ancestor, str):
        return base, head, None
    rebased = rebase(ancestor, tip, head)
    return tip, rebased.text, rebased
