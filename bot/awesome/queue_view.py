"""Open pull requests judged against each other: the same paper twice, a contested top 100.

Each reviewed PR is boiled down to a `Proposal` (plain data: what it adds, how it grows the top
100); `cross_findings` compares one proposal with the other open ones. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.awesome.config import DEFAULT_CONFIG, RepoConfig
from bot.awesome.diff import ListDiff
from bot.awesome.facts import Facts
from bot.awesome.findings import Finding, Severity
from bot.awesome.model import Criteria, SectionKind
from bot.awesome.report import Conclusion, Review

MAX_PAPERS = 200  # papers of one PR compared with the others (a PR adds a few)
DUPLICATE_OPEN_PR = "duplicate/open-pr"
CONTESTED = "top100/contested"


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper a PR adds, with what the board shows about it."""

    title: str
    section: str
    year: int | None
    line: int
    keys: frozenset[str]
    top100: bool = False
    citations: int | None = None
    bar: int | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """What one open PR proposes, as its last review saw it."""

    number: int
    head_sha: str
    papers: tuple[Paper, ...] = ()
    top100_growth: int = 0
    conclusion: Conclusion | None = None
    labels: tuple[str, ...] = ()
    conflicts: tuple[int, ...] = ()  # other PRs its published review named

    def with_conflicts(self, conflicts: Iterable[int]) -> Proposal:
        """The same proposal, with the PRs its published review named."""
        return Proposal(self.number, self.head_sha, self.papers, self.top100_growth,
                        self.conclusion, self.labels, tuple(sorted(set(conflicts))))


def proposal_of(number: int, head_sha: str, diff: ListDiff, *, top100: tuple[int, int],
                facts: Facts | None = None, criteria: Criteria | None = None,
                has_top100: bool = True, conclusion: Conclusion | None = None,
                labels: tuple[str, ...] = ()) -> Proposal:
    """What a PR adds, from its diff and its top-100 counts (base, head)."""
    papers = []
    for change in diff.added[:MAX_PAPERS]:
        e, sec = change.entry, change.section
        top = sec.kind is SectionKind.TOP100 and has_top100
        cite = facts.citation_for(e) if facts is not None else None
        bar = criteria.threshold_for(e.year) if criteria is not None and top else None
        keys = frozenset(k for k in (*e.identifiers, e.title_key) if k)
        papers.append(Paper(e.title or e.raw.strip()[:120], sec.title, e.year, e.start_line,
                            keys, top, cite.count if cite else None,
                            bar.citations if bar else None))
    growth = top100[1] - top100[0] if has_top100 else 0
    return Proposal(number, head_sha, tuple(papers), growth, conclusion, labels)


def _title(paper: Paper) -> str:
    """A paper's short name for messages."""
    t = paper.title
    return f'"{t[:100]}{"…" if len(t) > 100 else ""}"'


def duplicates(me: Proposal, others: Sequence[Proposal]) -> list[tuple[Paper, list[int]]]:
    """My papers that other open PRs also propose, with those PRs' numbers."""
    out = []
    for paper in me.papers:
        twins = sorted(o.number for o in others
                       if o.number != me.number and any(paper.keys & p.keys for p in o.papers))
        if twins:
            out.append((paper, twins))
    return out


def contenders(me: Proposal, others: Sequence[Proposal], *, base_top100: int,
               limit: int) -> list[int] | None:
    """The other PRs growing the top 100 with mine past the limit, or None when it fits."""
    if me.top100_growth <= 0:
        return None
    rivals = sorted(o.number for o in others if o.number != me.number and o.top100_growth > 0)
    growth = me.top100_growth + sum(o.top100_growth for o in others
                                    if o.number in rivals)
    if not rivals or base_top100 + growth <= limit:
        return None
    return rivals


@dataclass(frozen=True, slots=True)
class CrossReview:
    """What one PR's review says about the other open PRs, and which PRs it names."""

    findings: tuple[Finding, ...] = ()
    conflicts: tuple[int, ...] = ()


def cross_review(me: Proposal, others: Sequence[Proposal], *, base_top100: int, limit: int,
                 has_top100: bool = True, config: RepoConfig | None = None) -> CrossReview:
    """This PR against the other open PRs: the same paper twice, a contested top 100."""
    cfg = config or DEFAULT_CONFIG
    found: list[Finding] = []
    named: set[int] = set()
    severity = cfg.severity_of(DUPLICATE_OPEN_PR, Severity.WARNING)
    for paper, twins in duplicates(me, others) if severity else ():
        where = ", ".join(f"#{n}" for n in twins)
        found.append(Finding(
            "duplicate/open-pr", severity,
            f"{_title(paper)} is also proposed in open pull request {where}: only one of them "
            "should be merged.", line=paper.line, title=paper.title))
        named.update(twins)
    severity = cfg.severity_of(CONTESTED, Severity.WARNING)
    rivals = contenders(me, others, base_top100=base_top100, limit=limit) if (
        has_top100 and severity) else None
    if rivals and severity:
        growth = me.top100_growth + sum(o.top100_growth for o in others if o.number in rivals)
        over = base_top100 + growth - limit
        found.append(Finding(
            "top100/contested", severity,
            f"{len(rivals) + 1} open pull requests add to the top {limit} ({base_top100} of "
            f"{limit} now): merging them all needs {over} paper{'s' if over != 1 else ''} "
            f"moved out. The others: {', '.join(f'#{n}' for n in rivals)}."))
        named.update(rivals)
    return CrossReview(tuple(found), tuple(sorted(named)))


def with_conflict_note(review: Review, cross: CrossReview) -> Review:
    """The summary with a line naming the other open PRs (GitHub links `#N` itself)."""
    if not cross.conflicts:
        return review
    named = ", ".join(f"#{n}" for n in cross.conflicts[:30])
    more = f" and {len(cross.conflicts) - 30} more" if len(cross.conflicts) > 30 else ""
    return replace(review, summary_markdown=review.summary_markdown
                   + f"\n\n**Other open pull requests in the way:** {named}{more}.")
