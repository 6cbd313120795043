"""Findings -> Review: the summary comment, line comments, labels, conclusion and annotations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from bot.awesome.config import RepoConfig
from bot.awesome.diff import ChangeKind, EntryChange, ListDiff
from bot.awesome.escape import md, md_prose, plain, suggestion_block
from bot.awesome.facts import Facts
from bot.awesome.findings import Finding, Severity
from bot.awesome.model import AwesomeList, SectionKind
from bot.awesome.profile import NO_PROFILE, Profile

MARKER = "<!-- awesome-papers-bot -->"
COMMENT_LIMIT = 65_536
SUMMARY_BUDGET = 60_000
MAX_ROWS = 200
MAX_LINE_COMMENTS = 50
CHECK_NAME = "awesome-papers"


class Conclusion(StrEnum):
    """The check run's conclusion."""

    SUCCESS = "success"
    NEUTRAL = "neutral"
    FAILURE = "failure"


class Label(StrEnum):
    """Labels maintainers triage with (each can be renamed in the config)."""

    ADDS_PAPER = "adds-paper"
    REMOVES_PAPER = "removes-paper"
    MOVES_PAPER = "moves-paper"
    OVER_100 = "over-100"
    BELOW_THRESHOLD = "below-citation-threshold"
    NEEDS_DISCUSSION = "needs-discussion"
    FORMAT = "format"
    DUPLICATE = "duplicate"
    CONTESTED = "top100-contested"
    CRITERIA_CHANGED = "criteria-changed"
    MEETS_CRITERIA = "meets-criteria"


@dataclass(frozen=True, slots=True)
class LineComment:
    """A review comment on head lines `start_line..line` (GitHub's naming)."""

    path: str
    line: int
    start_line: int | None
    body: str


@dataclass(frozen=True, slots=True)
class Annotation:
    """A check-run annotation."""

    path: str
    start_line: int
    end_line: int
    annotation_level: str
    title: str
    message: str

    def as_github(self) -> dict[str, object]:
        """The shape GitHub's check-run `output.annotations` takes."""
        return {"path": self.path, "start_line": self.start_line, "end_line": self.end_line,
                "annotation_level": self.annotation_level, "title": self.title,
                "message": self.message}


@dataclass(frozen=True, slots=True)
class Review:
    """Everything the bot says about one change."""

    conclusion: Conclusion
    headline: str
    summary_markdown: str
    findings: tuple[Finding, ...]
    line_comments: tuple[LineComment, ...]
    labels: tuple[str, ...]
    annotations: tuple[Annotation, ...]
    diff: ListDiff
    top100_base: int | None
    top100_head: int | None
    limit: int | None
    path: str = "README.md"


_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.NOTICE: "ℹ️"}
_LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def conclusion_of(findings: Iterable[Finding]) -> Conclusion:
    """failure on any error, neutral on warnings only, success otherwise."""
    sevs = {f.severity for f in findings}
    if Severity.ERROR in sevs:
        return Conclusion.FAILURE
    return Conclusion.NEUTRAL if Severity.WARNING in sevs else Conclusion.SUCCESS


def _count(n: int, word: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline_of(findings: tuple[Finding, ...], diff: ListDiff) -> str:
    """One line: the verdict and what the change does."""
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = sum(f.severity is Severity.WARNING for f in findings)
    parts = [_count(len(diff.added), "paper") + " added" if diff.added else "",
             f"{len(diff.moved)} moved" if diff.moved else "",
             f"{len(diff.removed)} removed" if diff.removed else "",
             f"{len(diff.changed)} edited" if diff.changed else ""]
    unread = sum(f.rule == "parse/unrecognized" for f in findings)
    parts.append(f"{_count(unread, 'passage')} not read as papers" if unread else "")
    unreviewed = any(f.rule.startswith("readme/") for f in findings)
    what = ", ".join(p for p in parts if p) or ("not reviewed" if unreviewed
                                                else "no paper changed")
    if errors:
        verdict = f"{_count(errors, 'error')}" + (f", {_count(warnings, 'warning')}"
                                                  if warnings else "")
    elif warnings:
        verdict = _count(warnings, "warning")
    else:
        verdict = "meets the list's criteria" if diff.added else "no problems found"
    return f"{verdict} ({what})"


def labels_of(findings: tuple[Finding, ...], diff: ListDiff, cfg: RepoConfig) -> tuple[str, ...]:
    """The labels this review calls for."""
    rules = {f.rule for f in findings}
    want: list[Label] = []
    if diff.added:
        want.append(Label.ADDS_PAPER)
    if diff.removed:
        want.append(Label.REMOVES_PAPER)
    if diff.moved:
        want.append(Label.MOVES_PAPER)
    if "top100/over-limit" in rules:
        want.append(Label.OVER_100)
    if "citations/below-threshold" in rules:
        want.append(Label.BELOW_THRESHOLD)
    if any(r.startswith("discussion/") for r in rules):
        want.append(Label.NEEDS_DISCUSSION)
    if any(r.startswith("format/") for r in rules):
        want.append(Label.FORMAT)
    if "duplicate/entry" in rules or "duplicate/open-pr" in rules:
        want.append(Label.DUPLICATE)
    if "top100/contested" in rules:
        want.append(Label.CONTESTED)
    if "criteria/changed" in rules:
        want.append(Label.CRITERIA_CHANGED)
    if diff.added and not any(f.severity in (Severity.ERROR, Severity.WARNING)
                              for f in findings):
        want.append(Label.MEETS_CRITERIA)
    return tuple(cfg.label(lb.value) for lb in want)


def _source_link(source: str, url: str) -> str:
    """`[Semantic Scholar](https://...)` for an https record link, else the plain source."""
    if url.startswith("https://") or url.startswith("http://127.0.0.1"):
        return f"[{md(source)}]({quote(url, safe=':/?&=#%+,;@')})"
    return md(source)


def _row(change: EntryChange, profile: Profile, facts: Facts,
         by_line: dict[int, list[Finding]]) -> str:
    """One table row for an added, moved or removed paper."""
    e = change.entry
    sec = change.section
    where = md(sec.title, limit=60)
    if change.kind is ChangeKind.MOVED and change.before_section is not None:
        where = f"{md(change.before_section.title, limit=40)} → {where}"
    cite = facts.citation_for(e)
    limits = profile.limits
    th = limits.threshold_for(e.year) if limits and sec.kind is SectionKind.TOP100 else None
    cites = (f"{cite.count:,} ({_source_link(cite.source, cite.url)})" if cite
             else ("offline" if facts.offline else "unverified"))
    needs = f"{th.citations:,}+" if th else "—"
    if change.kind is ChangeKind.REMOVED:
        verdict = "—"
    else:
        found = [f for ln in e.lines for f in by_line.get(ln, [])]
        worst = min((f.severity for f in found), key=lambda s: s.rank, default=None)
        rules = sorted({f.rule for f in found if f.severity is worst})
        verdict = "✅ meets criteria" if worst is None else (
            f"{_ICON[worst]} " + ", ".join(f"`{r}`" for r in rules[:3]))
    year = str(e.year) if e.year else "?"
    line = e.start_line
    return (f"| {change.kind.value} | {md(e.title or e.raw, limit=140)} | {where} | {year} | "
            f"{cites} | {needs} | {verdict} | {line} |")


_VERDICT_ICON = {Conclusion.FAILURE: "❌", Conclusion.NEUTRAL: "⚠️", Conclusion.SUCCESS: "✅"}


def summary_heading(conclusion: Conclusion, headline: str, *, level: int = 3,
                    name: str = "awesome-papers") -> str:
    """The summary's first line: the verdict's icon, whose verdict (escaped), the headline."""
    return f"{'#' * level} {_VERDICT_ICON[conclusion]} {name}: {md(headline, limit=400)}"


def finding_line(f: Finding) -> str:
    """One finding as a list item."""
    at = f" (line {f.line})" if f.line else ""
    return f"- {_ICON[f.severity]} **`{f.rule}`**{at}: {md_prose(f.message)}"


def render_summary(*, findings: tuple[Finding, ...], diff: ListDiff, head: AwesomeList,
                   facts: Facts, conclusion: Conclusion, headline: str,
                   counts: tuple[int, int, int] | None, profile: Profile = NO_PROFILE,
                   rule_changes: tuple[str, ...] = ()) -> str:
    """The markdown summary comment, within GitHub's comment size limit.

    `counts` (base, head, limit) is None for a list without a top-N limit.
    """
    out = [summary_heading(conclusion, headline), ""]
    if counts is not None:
        base_n, head_n, limit = counts
        delta = head_n - base_n
        sign = f"{delta:+d}" if delta else "unchanged"
        out.append(f"Top-{limit} sections: **{base_n} → {head_n}** ({sign}; limit {limit}).")
        out.append("")
    if rule_changes:
        out.append("**This change would edit the list's rules** (not applied: the base "
                   "branch's rules judge it):")
        out += [f"- {md(c, limit=300)}" for c in rule_changes[:20]]
        out.append("")
    by_line: dict[int, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.line is not None:
            for ln in range(f.line, (f.end_line or f.line) + 1):
                by_line[ln].append(f)
    rows = list(diff.added + diff.moved + diff.removed)
    if rows:
        out += ["| change | paper | section | year | citations | needs | verdict | line |",
                "|---|---|---|---|---|---|---|---|"]
        shown = rows[:MAX_ROWS]
        out += [_row(c, profile, facts, by_line) for c in shown]
        if len(rows) > len(shown):
            out.append(f"\n*… and {len(rows) - len(shown)} more papers not shown.*")
        out.append("")
    if diff.changed:
        out.append(f"{_count(len(diff.changed), 'entry')} edited in place.")
        out.append("")
    if facts.unavailable:
        out.append("Citation lookups: " + "; ".join(md(u, limit=300)
                                                    for u in facts.unavailable) + ".")
        out.append("")
    if findings:
        out += ["**Findings**", ""]
        used = sum(len(x) + 1 for x in out)
        for i, f in enumerate(findings):
            item = finding_line(f)
            if used + len(item) + 200 > SUMMARY_BUDGET:
                out.append(f"\n*… and {len(findings) - i} more findings not shown "
                           "(the comment would exceed GitHub's size limit); see the check run.*")
                break
            out.append(item)
            used += len(item) + 1
        out.append("")
    out.append(f"<sub>{rules_line(profile)}</sub>")
    text = "\n".join(out)
    if len(text) > COMMENT_LIMIT - len(MARKER) - 100:
        text = text[: COMMENT_LIMIT - len(MARKER) - 200] + "\n\n*… summary truncated.*"
    return text


def rules_line(profile: Profile) -> str:
    """The list's own rules in one line: what it declares, else what every list gets."""
    if profile.limits is not None:
        return f"Criteria from {profile.limits.source}: {profile.limits.describe()}."
    return ("This list declares no top-N limit, year window or citation thresholds: checked "
            "for duplicates, links, each section's house style and order.")


def line_comments_of(findings: tuple[Finding, ...], path: str,
                     commentable: frozenset[int] | None) -> tuple[LineComment, ...]:
    """One comment per commented place: its findings and one suggestion block."""
    groups: dict[tuple[int, int], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.line is None:
            continue
        end = f.end_line or f.line
        if commentable is not None and not all(n in commentable for n in range(f.line, end + 1)):
            continue
        groups[(f.line, end)].append(f)
    out = []
    for (start, end), fs in sorted(groups.items())[:MAX_LINE_COMMENTS]:
        fs = sorted(fs, key=lambda f: (f.severity.rank, f.rule))
        body = "\n".join(f"- {_ICON[f.severity]} **`{f.rule}`**: {md_prose(f.message)}"
                         for f in fs)
        suggestion = next((f.suggestion for f in fs if f.suggestion), None)
        if suggestion:
            body += "\n\n" + suggestion_block(suggestion)
        out.append(LineComment(path, end, start if start != end else None, body))
    return tuple(out)


def annotations_of(findings: tuple[Finding, ...], path: str) -> tuple[Annotation, ...]:
    """Check-run annotations for findings that have a line."""
    return tuple(
        Annotation(path, f.line, f.end_line or f.line, _LEVEL[f.severity], f.rule,
                   plain(f.message, limit=4000))
        for f in findings if f.line is not None
    )
