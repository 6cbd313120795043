"""One review for a change to several files of a list (`files:` in the repository config).

Each file is reviewed on its own; this joins the reviews into what one pull request shows: the
worst conclusion, every finding (tagged with its file), each file's summary under its name, and
the line comments and annotations of all files (they carry their own paths).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.awesome.diff import ListDiff
from bot.awesome.escape import md
from bot.awesome.findings import Finding, Severity
from bot.awesome.report import (
    SUMMARY_BUDGET,
    Review,
    conclusion_of,
    finding_line,
    headline_of,
    summary_heading,
)

MAX_LIST_FILES = 10


def too_many_files(paths: Sequence[str]) -> Finding:
    """The finding for list files past `MAX_LIST_FILES` (they are not reviewed)."""
    shown = ", ".join(paths[:5]) + (", …" if len(paths) > 5 else "")
    return Finding("readme/change-too-large", Severity.ERROR,
                   f"this change also edits {len(paths)} more list files ({shown}); the bot "
                   f"reviews up to {MAX_LIST_FILES} list files per pull request, so those were "
                   "not reviewed. Split it into smaller pull requests.")


def _clip(text: str, budget: int) -> str:
    """`text` cut at a line boundary to fit `budget` characters."""
    if len(text) <= budget:
        return text
    cut = text.rfind("\n", 0, max(0, budget - 80))
    return text[: max(cut, 0)] + "\n\n*… this file's summary is cut here; see the check run.*"


def _section(review: Review, budget: int) -> str:
    """One file's summary, its heading naming the file instead of the bot."""
    rest = review.summary_markdown.partition("\n")[2]
    heading = summary_heading(review.conclusion, review.headline, level=4,
                              name=md(review.path, limit=200))
    return _clip(f"{heading}\n{rest}", budget)


def _diff(parts: Sequence[Review]) -> ListDiff:
    """The changes of every file together."""
    return ListDiff(
        added=tuple(c for r in parts for c in r.diff.added),
        removed=tuple(c for r in parts for c in r.diff.removed),
        moved=tuple(c for r in parts for c in r.diff.moved),
        changed=tuple(c for r in parts for c in r.diff.changed),
        sections=tuple(s for r in parts for s in r.diff.sections),
        strays_added=tuple(e for r in parts for e in r.diff.strays_added))


def combine(parts: Sequence[Review], extra: tuple[Finding, ...] = ()) -> Review:
    """One review of several files (the first is the primary: its top-N counts are shown)."""
    if len(parts) == 1 and not extra:
        return parts[0]
    findings = tuple(replace(f, path=r.path) for r in parts for f in r.findings) + extra
    diff = _diff(parts)
    conclusion = conclusion_of(findings)
    headline = f"{headline_of(findings, diff)} in {len(parts)} files"
    names = ", ".join(md(r.path, limit=200) for r in parts)
    head = [summary_heading(conclusion, headline), "",
            f"Files of the list in this change: {names}.", ""]
    head += [finding_line(f) for f in extra]
    budget = (SUMMARY_BUDGET - sum(len(x) for x in head)) // len(parts)
    summary = "\n".join(head) + "\n\n" + "\n\n".join(_section(r, budget) for r in parts)
    first = parts[0]
    return Review(
        conclusion=conclusion, headline=headline, summary_markdown=summary, findings=findings,
        line_comments=tuple(c for r in parts for c in r.line_comments),
        labels=tuple(dict.fromkeys(label for r in parts for label in r.labels)),
        annotations=tuple(a for r in parts for a in r.annotations), diff=diff,
        top100_base=first.top100_base, top100_head=first.top100_head, limit=first.limit,
        path=first.path)
