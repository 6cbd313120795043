"""The triage board: every open pull request that touches the list, in one table.

Ready-to-merge PRs come first, then those that need a look, then failing ones; oldest first
within each group. Conflicts between PRs are worked out here from all proposals at once. Pure:
rows in, markdown / text / JSON out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.awesome.escape import md, plain
from bot.awesome.queue_view import Paper, Proposal, contenders, duplicates
from bot.awesome.report import Conclusion

BOARD_MARKER = "<!-- awesome-papers-bot:triage-board -->"
BOARD_TITLE = "Paper-list triage"
MAX_BOARD_ROWS = 300
BODY_LIMIT = 60_000


class Verdict(StrEnum):
    """Where a PR stands on the board."""

    READY = "ready to merge"
    LOOK = "needs a look"
    FAILS = "fails the criteria"
    PENDING = "not reviewed yet"


_ICON = {Verdict.READY: "✅", Verdict.LOOK: "⚠️", Verdict.FAILS: "❌", Verdict.PENDING: "⏳"}
_ORDER = {Verdict.READY: 0, Verdict.LOOK: 1, Verdict.FAILS: 2, Verdict.PENDING: 3}


@dataclass(frozen=True, slots=True)
class OpenPull:
    """An open PR as the pulls list shows it."""

    number: int
    title: str
    author: str
    created_at: datetime
    url: str = ""


@dataclass(frozen=True, slots=True)
class Queue:
    """Everything the board shows: the open PRs, what each proposes, and the list's top 100."""

    repo: str
    pulls: tuple[OpenPull, ...]
    proposals: tuple[Proposal, ...]
    base_top100: int = 0
    limit: int = 100
    has_top100: bool = True


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the board."""

    pull: OpenPull
    proposal: Proposal | None
    verdict: Verdict
    conflicts: tuple[str, ...]
    age_days: int


def rows_of(queue: Queue, now: datetime) -> tuple[Row, ...]:
    """The board's rows: open PRs that touch the list, ready ones first, then oldest first."""
    by_number = {p.number: p for p in queue.proposals}
    live = [p for p in queue.proposals if any(u.number == p.number for u in queue.pulls)]
    rows = []
    for pull in queue.pulls:
        prop = by_number.get(pull.number)
        if prop is None:
            continue
        conflicts = [f"same paper as #{n}" for n in sorted(
            {n for _, twins in duplicates(prop, live) for n in twins})]
        if queue.has_top100:
            rivals = contenders(prop, live, base_top100=queue.base_top100, limit=queue.limit)
            if rivals:
                conflicts.append("top 100 contested with " + ", ".join(f"#{n}" for n in rivals))
        verdict = _verdict(prop, bool(conflicts))
        rows.append(Row(pull, prop, verdict, tuple(conflicts),
                        max(0, (now - pull.created_at).days)))
    return tuple(sorted(rows, key=lambda r: (_ORDER[r.verdict], r.pull.created_at,
                                             r.pull.number)))


def _verdict(prop: Proposal, conflicted: bool) -> Verdict:
    """Ready only when the review succeeded and no other open PR stands in the way."""
    if prop.conclusion is None:
        return Verdict.PENDING
    if prop.conclusion is Conclusion.FAILURE:
        return Verdict.FAILS
    if prop.conclusion is Conclusion.SUCCESS and not conflicted:
        return Verdict.READY
    return Verdict.LOOK


def _cites(p: Paper) -> str:
    """`1,234 / 200+` or what is known of it."""
    have = f"{p.citations:,}" if p.citations is not None else "?"
    return f"{have} / {p.bar:,}+" if p.bar is not None else have


def _paper_cell(p: Paper) -> str:
    """One paper for the markdown table."""
    return (f"{md(p.title, limit=90)} ({p.year or '?'}) in {md(p.section, limit=40)}, "
            f"citations {_cites(p)}")


def render_markdown(queue: Queue, now: datetime) -> str:
    """The board as the issue body (with its marker), within GitHub's size limit."""
    rows = rows_of(queue, now)
    counts = {v: sum(r.verdict is v for r in rows) for v in Verdict}
    out = [BOARD_MARKER, f"## {BOARD_TITLE}", "",
           f"{len(rows)} open pull request{'s' if len(rows) != 1 else ''} change the list: "
           + ", ".join(f"{counts[v]} {v.value}" for v in Verdict if counts[v]) + "."
           if rows else "No open pull request changes the list.", ""]
    if queue.has_top100:
        out += [f"Top 100 on the base branch: **{queue.base_top100} of {queue.limit}**.", ""]
    if rows:
        out += ["| PR | papers (year, section, citations / the year's bar) | verdict "
                "| conflicts | age |", "|---|---|---|---|---|"]
        for r in rows[:MAX_BOARD_ROWS]:
            papers = "<br>".join(_paper_cell(p) for p in r.proposal.papers[:5]) if (
                r.proposal) else ""
            if r.proposal and len(r.proposal.papers) > 5:
                papers += f"<br>… and {len(r.proposal.papers) - 5} more"
            if r.proposal and not r.proposal.papers:
                papers = "no paper added"
            line = (f"| #{r.pull.number} {md(r.pull.title, limit=80)} by "
                    f"{md('@' + r.pull.author, limit=40)} | {papers} | "
                    f"{_ICON[r.verdict]} {r.verdict.value} | {'; '.join(r.conflicts) or '—'} "
                    f"| {r.age_days} d |")
            if sum(len(x) + 1 for x in out) + len(line) > BODY_LIMIT:
                out.append(f"\n*… and {len(rows) - rows.index(r)} more not shown.*")
                break
            out.append(line)
        out.append("")
    out.append("<sub>Kept up to date by awesome-papers-bot after each review; edits to this "
               "issue are overwritten.</sub>")
    return "\n".join(out)


def render_text(queue: Queue, now: datetime) -> str:
    """The board for a terminal."""
    rows = rows_of(queue, now)
    out = [f"{BOARD_TITLE}: {queue.repo}"]
    if queue.has_top100:
        out.append(f"top 100 on the base branch: {queue.base_top100} of {queue.limit}")
    if not rows:
        out.append("no open pull request changes the list")
    for r in rows:
        out.append(f"#{r.pull.number:<5} {r.verdict.value:<18} {r.age_days:>5} d  "
                   f"{plain(r.pull.title, limit=70)} ({plain(r.pull.author, limit=40)})")
        for p in r.proposal.papers if r.proposal else ():
            out.append(f"         {plain(p.title, limit=80)} ({p.year or '?'}) in "
                       f"{plain(p.section, limit=40)}, citations {_cites(p)}")
        for c in r.conflicts:
            out.append(f"         conflict: {c}")
    return "\n".join(out)


def render_json(queue: Queue, now: datetime) -> str:
    """The board as JSON (for scripts)."""
    rows = rows_of(queue, now)
    return json.dumps({
        "repo": queue.repo,
        "top100": {"base": queue.base_top100, "limit": queue.limit} if queue.has_top100
        else None,
        "pulls": [{
            "number": r.pull.number, "title": r.pull.title, "author": r.pull.author,
            "url": r.pull.url, "age_days": r.age_days, "verdict": r.verdict.value,
            "conclusion": r.proposal.conclusion.value if r.proposal and r.proposal.conclusion
            else None,
            "conflicts": list(r.conflicts),
            "papers": [{"title": p.title, "year": p.year, "section": p.section,
                        "citations": p.citations, "bar": p.bar} for p in
                       (r.proposal.papers if r.proposal else ())],
        } for r in rows],
    }, indent=2, ensure_ascii=False)


RENDERERS = {"markdown": render_markdown, "text": render_text, "json": render_json}


def render(queue: Queue, now: datetime, fmt: str = "markdown") -> str:
    """The board in one of `RENDERERS`' formats."""
    return RENDERERS[fmt](queue, now)
