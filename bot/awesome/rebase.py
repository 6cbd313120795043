"""A pull request's change re-applied onto the list as it is now (after other merges).

Given the commit the PR branched from (`ancestor`), the base branch now (`tip`) and the PR's head,
`rebase` builds the README as merging the PR would leave it: the tip's changes plus the PR's.
Where both changed the same lines (two PRs appending to one section), both sides are kept, the
tip's first, the way a list maintainer resolves it. `head_line` maps each line of the result
that came from the PR's head back to its head line number, so comments still land on the diff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from merge3 import Merge3

from bot.awesome.report import Review


@dataclass(frozen=True, slots=True)
class Rebased:
    """The merged README and, for lines that came from the head, their head line numbers."""

    text: str
    head_line: Mapping[int, int]

    def line_in_head(self, line: int | None) -> int | None:
        """The head line a result line came from, or None (a line of the tip's)."""
        return None if line is None else self.head_line.get(line)

    def commentable(self, head_lines: frozenset[int]) -> frozenset[int]:
        """Result lines whose head lines a review comment may target."""
        return frozenset(r for r, h in self.head_line.items() if h in head_lines)

    def to_head(self, review: Review) -> Review:
        """The review with its line comments and annotations moved back onto head lines."""
        comments = []
        for c in review.line_comments:
            line, start = self.line_in_head(c.line), self.line_in_head(c.start_line)
            if line is not None and (c.start_line is None or start is not None):
                comments.append(replace(c, line=line, start_line=start))
        notes = []
        for a in review.annotations:
            start, end = self.line_in_head(a.start_line), self.line_in_head(a.end_line)
            if start is not None and end is not None:
                notes.append(replace(a, start_line=start, end_line=end))
        summary = review.summary_markdown + (
            "\n\n<sub>Judged against the base branch as it is now, with this pull request's "
            "change merged in; line numbers above are those of the merged list.</sub>")
        return replace(review, line_comments=tuple(comments), annotations=tuple(notes),
                       summary_markdown=summary)


def rebase(ancestor: str, tip: str, head: str) -> Rebased:
    """The README after merging `head` (branched from `ancestor`) into `tip`."""
    if ancestor == tip:
        n = head.count("\n") + 1
        return Rebased(head, MappingProxyType({i: i for i in range(1, n + 1)}))
    base_l, tip_l, head_l = (s.split("\n") for s in (ancestor, tip, head))
    out: list[str] = []
    where: dict[int, int] = {}

    def take_head(start: int, end: int) -> None:
        for i in range(start, end):
            out.append(head_l[i])
            where[len(out)] = i + 1

    z = a = b = 0
    for zs, ze, as_, ae, bs, be in Merge3(base_l, tip_l, head_l).find_sync_regions():
        base_gap, tip_gap, head_gap = base_l[z:zs], tip_l[a:as_], head_l[b:bs]
        if tip_gap == base_gap:  # only the PR changed this stretch
            take_head(b, bs)
        elif head_gap == base_gap:  # only the base branch changed it
            out.extend(tip_gap)
        else:  # both: keep the tip's lines, then the PR's new ones
            out.extend(tip_gap)
            old = set(base_gap)
            for i in range(b, bs):
                if head_l[i] not in old:
                    take_head(i, i + 1)
        take_head(bs, be)  # the stretch all three share
        z, a, b = ze, ae, be
    return Rebased("\n".join(out), MappingProxyType(where))
