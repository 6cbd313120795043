"""Publish a Review on a pull request, idempotently.

The summary comment is the bot's memory: a hidden marker finds it again, and a hidden JSON note
in it records which labels the bot itself added and which head already got line comments, so a
second run for the same head writes nothing new and a label added by hand is never removed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

from bot.awesome.report import CHECK_NAME, MARKER, Conclusion, Label, Review
from bot.github.api import AmbiguousWrite, TransientError
from bot.github.pull import PullRef

ANNOTATIONS_PER_REQUEST = 50
MAX_ANNOTATIONS = 150
CHECK_OUTPUT_MAX = 65_535  # bytes (GitHub counts the summary's UTF-8 bytes)
COMMENT_MAX = 65_536  # characters (observed; it may count bytes: stay under both)
TRUNCATION_NOTE = "\n\n*… truncated: GitHub limits how long this text may be.*"
log = logging.getLogger("bot.publish")
REVIEW_PREFIX = "awesome-papers:"
_STATE = re.compile(r"<!-- awesome-papers-bot-state (\{.*?\}) -->")

LABEL_STYLE: dict[str, tuple[str, str]] = {
    Label.ADDS_PAPER: ("0e8a16", "Adds a paper to the list"),
    Label.REMOVES_PAPER: ("b60205", "Removes a paper from the list"),
    Label.MOVES_PAPER: ("1d76db", "Moves a paper to another section"),
    Label.OVER_100: ("d93f0b", "Would grow the top 100 past its limit"),
    Label.BELOW_THRESHOLD: ("e99695", "Below the year's citation threshold"),
    Label.NEEDS_DISCUSSION: ("fbca04", "New or old paper: accepted by discussion"),
    Label.FORMAT: ("c5def5", "Entry format differs from the contributing guide"),
    Label.DUPLICATE: ("cfd3d7", "The paper is already on the list or in another open PR"),
    Label.CONTESTED: ("d93f0b", "Open PRs together would grow the full top 100 past its limit"),
    Label.MEETS_CRITERIA: ("0e8a16", "Meets the list's criteria"),
}


@dataclass(frozen=True, slots=True)
class BotState:
    """What the bot remembers in its summary comment."""

    labels: tuple[str, ...] = ()
    reviewed_head: str | None = None
    head: str | None = None

    def render(self) -> str:
        """The hidden note (no `--` inside, so it cannot close the HTML comment)."""
        text = json.dumps({"labels": list(self.labels), "reviewed_head": self.reviewed_head,
                           "head": self.head}, separators=(",", ":"))
        text = text.replace("--", "-\\u002d")
        return f"<!-- awesome-papers-bot-state {text} -->"

    @classmethod
    def parse(cls, body: str) -> BotState:
        """Read the note back; an unreadable note is an empty state."""
        m = _STATE.search(body)
        if not m:
            return cls()
        try:
            d = json.loads(m.group(1))
            labels = tuple(str(x) for x in d.get("labels", []) if isinstance(x, str))
            reviewed = d.get("reviewed_head")
            head = d.get("head")
            return cls(labels, reviewed if isinstance(reviewed, str) else None,
                       head if isinstance(head, str) else None)
        except (ValueError, AttributeError):
            return cls()


@dataclass(frozen=True, slots=True)
class SummaryComment:
    """The bot's existing summary comment."""

    id: int
    body: str
    state: BotState


def comment_body(review: Review, state: BotState) -> str:
    """The full summary comment: marker, state note, then the summary, all within GitHub's
    65,536 characters (a cut summary ends with a visible note)."""
    head = f"{MARKER}\n{state.render()}\n"
    text = review.summary_markdown
    room = COMMENT_MAX - len(head)
    if len(text) > room:
        text = text[: room - len(TRUNCATION_NOTE)] + TRUNCATION_NOTE
    return head + text


def _is_ours(comment: dict[str, Any], logins: frozenset[str]) -> bool:
    """A comment the bot wrote: by a login known to be ours, or (none known) by a Bot account.

    Anyone can paste the marker into a comment; its author decides whether it is trusted.
    """
    user = comment.get("user") or {}
    if logins:
        return user.get("login") in logins
    return user.get("type") == "Bot"


async def find_summary(gh: GitHubAPI, pr: PullRef, *,
                       logins: frozenset[str] = frozenset()) -> SummaryComment | None:
    """The bot's summary comment on the PR, found by its marker (the first, if several)."""
    async for c in gh.getiter("/repos/{owner}/{repo}/issues/{number}/comments{?per_page}",
                              pr.vars(per_page=100)):
        body = c.get("body") or ""
        if body.startswith(MARKER) and _is_ours(c, logins):
            return SummaryComment(int(c["id"]), body, BotState.parse(body))
    return None


async def upsert_summary(gh: GitHubAPI, pr: PullRef, existing: SummaryComment | None,
                         body: str, *, logins: frozenset[str] = frozenset()) -> tuple[int, str]:
    """Edit the summary comment in place (only if it changed), or create it the first time.

    When the connection breaks while creating it, look again before creating: never two.
    Returns the comment id and its author's login (so a token's own login is learned).
    """
    if existing is None:
        try:
            made = await gh.post("/repos/{owner}/{repo}/issues/{number}/comments", pr.vars(),
                                 data={"body": body})
            return int(made["id"]), str((made.get("user") or {}).get("login", ""))
        except AmbiguousWrite:
            existing = await find_summary(gh, pr, logins=logins)
            if existing is None:
                made = await gh.post("/repos/{owner}/{repo}/issues/{number}/comments",
                                     pr.vars(), data={"body": body})
                return int(made["id"]), str((made.get("user") or {}).get("login", ""))
    if existing.body != body:
        await gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                       pr.vars(comment_id=existing.id), data={"body": body})
    return existing.id, ""


async def our_runs(gh: GitHubAPI, pr: PullRef, app_id: str | None) -> list[dict[str, Any]]:
    """The bot's check runs on the head commit, newest first, as GitHub lists them (no memory
    of this process is needed: a restarted service finds what an earlier one started)."""
    runs = [r async for r in gh.getiter(
        "/repos/{owner}/{repo}/commits/{ref}/check-runs{?check_name,app_id,filter,per_page}",
        pr.vars(ref=pr.head_sha, check_name=CHECK_NAME, app_id=app_id, filter="all",
                per_page=100), iterable_key="check_runs")]
    mine = [r for r in runs if r.get("name") == CHECK_NAME and (
        app_id is None or str((r.get("app") or {}).get("id", "")) == str(app_id))]
    return sorted(mine, key=lambda r: int(r.get("id", 0)), reverse=True)


def open_runs(runs: Sequence[dict[str, Any]]) -> list[int]:
    """Ids of the runs not completed yet (newest first)."""
    return [int(r["id"]) for r in runs if r.get("status") != "completed"]


async def _create_run(gh: GitHubAPI, pr: PullRef, app_id: str | None,
                      data: dict[str, Any]) -> int:
    """POST a check run; when its answer is lost, look for it before sending it again."""
    body = {"name": CHECK_NAME, "head_sha": pr.head_sha, "external_id": str(pr.number), **data}
    try:
        made = await gh.post("/repos/{owner}/{repo}/check-runs", pr.vars(), data=body)
    except TransientError:
        found = open_runs(await our_runs(gh, pr, app_id))
        if found:
            return found[0]
        made = await gh.post("/repos/{owner}/{repo}/check-runs", pr.vars(), data=body)
    return int(made["id"])


async def start_check(gh: GitHubAPI, pr: PullRef, app_id: str | None = None) -> int:
    """A check run in progress on the head commit (external_id: the PR number)."""
    return await _create_run(gh, pr, app_id, {"status": "in_progress", "output": {
        "title": "Reviewing the list's README", "summary": "The review is running."}})


def _chunks(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    """`items` in slices of at most `n`."""
    for i in range(0, len(items), n):
        yield items[i : i + n]


def fit_bytes(text: str, limit: int, note: str) -> str:
    """`text` cut so that it plus `note` is at most `limit` UTF-8 bytes (note only if cut)."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(note.encode("utf-8"))
    cut = text.encode("utf-8")[: max(0, room)].decode("utf-8", "ignore")
    return cut + note


async def finish_check(gh: GitHubAPI, pr: PullRef, check_id: int | None, *, conclusion: str,
                       title: str, summary: str,
                       annotations: Sequence[dict[str, object]] = (),
                       app_id: str | None = None) -> int:
    """Complete the check run (creating it completed when none was started), with annotations
    at most 50 per request; the summary stays within GitHub's 65,535 bytes."""
    shown = list(annotations)[:MAX_ANNOTATIONS]
    chunks = list(_chunks(shown, ANNOTATIONS_PER_REQUEST)) or [[]]
    if len(annotations) > len(shown):
        summary += (f"\n\n*{len(annotations) - len(shown)} more annotations not shown "
                    f"(the first {len(shown)} are).*")
    output = {"title": title[:1000], "summary": fit_bytes(summary, CHECK_OUTPUT_MAX,
                                                          TRUNCATION_NOTE)}
    first = {**output, "annotations": list(chunks[0])}
    done = {"status": "completed", "conclusion": conclusion, "output": first}
    if check_id is None:
        check_id = await _create_run(gh, pr, app_id, done)
    else:
        await gh.patch("/repos/{owner}/{repo}/check-runs/{check_id}",
                       pr.vars(check_id=check_id), data=done)
    for chunk in chunks[1:]:
        await gh.patch("/repos/{owner}/{repo}/check-runs/{check_id}",
                       pr.vars(check_id=check_id),
                       data={"output": {**output, "annotations": list(chunk)}})
    return check_id


async def set_status(gh: GitHubAPI, pr: PullRef, *, state: str, description: str) -> None:
    """A commit status (token mode has no check runs)."""
    await gh.post("/repos/{owner}/{repo}/statuses/{sha}", pr.vars(sha=pr.head_sha), data={
        "state": state, "context": CHECK_NAME, "description": description[:140]})


STATUS_OF = {Conclusion.SUCCESS: "success", Conclusion.NEUTRAL: "success",
             Conclusion.FAILURE: "failure"}


async def post_review(gh: GitHubAPI, pr: PullRef, review: Review) -> bool:
    """One COMMENT review with the line comments; False when there are none."""
    if not review.line_comments:
        return False
    comments = []
    for c in review.line_comments:
        item: dict[str, object] = {"path": c.path, "line": c.line, "side": "RIGHT",
                                   "body": c.body[:65_000]}
        if c.start_line is not None:
            item |= {"start_line": c.start_line, "start_side": "RIGHT"}
        comments.append(item)
    data = {
        "commit_id": pr.head_sha, "event": "COMMENT",
        "body": f"{REVIEW_PREFIX} {len(comments)} comment"
                f"{'' if len(comments) == 1 else 's'} on the list's README.",
        "comments": comments,
    }
    if await _has_review(gh, pr):  # an earlier attempt posted it, then could not note it
        return True
    try:
        await gh.post("/repos/{owner}/{repo}/pulls/{number}/reviews", pr.vars(), data=data)
    except AmbiguousWrite:
        if not await _has_review(gh, pr):
            await gh.post("/repos/{owner}/{repo}/pulls/{number}/reviews", pr.vars(), data=data)
    return True


async def _has_review(gh: GitHubAPI, pr: PullRef) -> bool:
    """True when the bot already reviewed this head (after an ambiguous failure)."""
    async for r in gh.getiter("/repos/{owner}/{repo}/pulls/{number}/reviews{?per_page}",
                              pr.vars(per_page=100)):
        if r.get("commit_id") == pr.head_sha and (r.get("body") or "").startswith(REVIEW_PREFIX):
            return True
    return False


def _already_exists(exc: BadRequest) -> bool:
    """A 422 saying the label exists (created meanwhile), not another validation error."""
    errors = getattr(exc, "errors", None)
    return isinstance(errors, list) and any(
        isinstance(e, dict) and e.get("code") == "already_exists" for e in errors)


class LabelSync:
    """Labels: add what the review wants, remove only the bot's own stale ones. GitHub compares
    label names without case, and so does this."""

    def __init__(self, known: dict[str, set[str]]) -> None:
        self._known = known  # repository -> labels (casefolded) known to exist there

    async def _ensure(self, gh: GitHubAPI, pr: PullRef, name: str) -> bool:
        """Create a label in the repository when it does not exist yet; False when GitHub
        refuses it (a 422 other than "already exists")."""
        known = self._known.setdefault(pr.full_name, set())
        if name.casefold() in known:
            return True
        try:
            await gh.getitem("/repos/{owner}/{repo}/labels/{name}", pr.vars(name=name))
        except BadRequest as exc:
            if exc.status_code != 404:
                raise
            color, description = LABEL_STYLE.get(name, ("ededed", "Set by awesome-papers-bot"))
            try:
                await gh.post("/repos/{owner}/{repo}/labels", pr.vars(), data={
                    "name": name, "color": color, "description": description[:100]})
            except BadRequest as exc2:
                if exc2.status_code != 422:
                    raise
                if not _already_exists(exc2):
                    log.warning("label refused", extra={"label": name[:60], "reason": str(
                        exc2)[:200]})
                    return False
        known.add(name.casefold())
        return True

    async def sync(self, gh: GitHubAPI, pr: PullRef, wanted: Sequence[str],
                   previous: Sequence[str]) -> tuple[str, ...]:
        """Apply the wanted labels; return the labels the bot now owns on the PR."""
        current = {lb["name"].casefold() async for lb in gh.getiter(
            "/repos/{owner}/{repo}/issues/{number}/labels{?per_page}", pr.vars(per_page=100))}
        wanted_cf = {n.casefold() for n in wanted}
        previous_cf = {n.casefold() for n in previous}
        missing = [n for n in dict.fromkeys(wanted) if n.casefold() not in current]
        missing = [n for n in missing if await self._ensure(gh, pr, n)]
        if missing:
            await gh.post("/repos/{owner}/{repo}/issues/{number}/labels", pr.vars(),
                          data={"labels": missing})
        for name in previous:
            if name.casefold() not in wanted_cf and name.casefold() in current:
                try:
                    await gh.delete("/repos/{owner}/{repo}/issues/{number}/labels/{name}",
                                    pr.vars(name=name))
                except BadRequest as exc:
                    if exc.status_code != 404:
                        raise
        # The bot owns what it added now plus what it had added before and still wants;
        # a wanted label that a person had already put on stays theirs.
        added = {n.casefold() for n in missing}
        return tuple(n for n in wanted if n.casefold() in added or n.casefold() in previous_cf)
