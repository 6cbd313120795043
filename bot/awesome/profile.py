"""The list's profile: the rules it declares and the house style its sections keep (no I/O).

Everything here is learned from the BASE version of the list (and the base config), never from
the change under review: a pull request cannot loosen the rules it is judged by.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType

from bot.awesome.config import RepoConfig
from bot.awesome.findings import Severity
from bot.awesome.model import (
    AuthorForm,
    AwesomeList,
    Criteria,
    Entry,
    LinkForm,
    Section,
    SectionKind,
    Shape,
    Threshold,
    YearForm,
    normalise_title,
)

CONFIG_NAME = ".github/awesome-papers.yml"
GUIDE_NAMES = ("CONTRIBUTING.md", "Contributing.md", ".github/CONTRIBUTING.md")


class Order(StrEnum):
    """How a section orders its entries."""

    NONE = "none"
    YEAR_UP = "by year, oldest first"
    YEAR_DOWN = "by year, newest first"
    TITLE = "by title"


@dataclass(frozen=True, slots=True)
class EntryStyle:
    """The style features of one entry; None where the entry does not show one."""

    bold: bool
    link_form: LinkForm | None
    year_form: YearForm | None
    author_form: AuthorForm | None
    et_al: bool | None
    guide: bool


@dataclass(frozen=True, slots=True)
class Style:
    """A section's house style: each feature its entries' majority, None when they disagree."""

    bold: bool | None = None
    link_form: LinkForm | None = None
    year_form: YearForm | None = None
    author_form: AuthorForm | None = None
    et_al: bool | None = None
    guide: bool | None = None
    order: Order = Order.NONE

    def over(self, fallback: Style) -> Style:
        """This style, with what it leaves open taken from `fallback` (order stays its own)."""
        def pick(a: object, b: object) -> object:
            return b if a is None else a
        return Style(*(pick(getattr(self, f), getattr(fallback, f))  # type: ignore[arg-type]
                       for f in ("bold", "link_form", "year_form", "author_form", "et_al",
                                 "guide")), order=self.order)


@dataclass(frozen=True, slots=True)
class Limits:
    """The rules a list declares: top-N size, year window, citation thresholds."""

    top_size: int | None
    window: tuple[int, int] | None
    thresholds: tuple[Threshold, ...]
    new_papers_rule: str
    old_papers_before: int
    source: str

    def threshold_for(self, year: int | None) -> Threshold | None:
        """The threshold for `year`, or None when the list sets none."""
        return next((t for t in self.thresholds if t.year == year), None)

    def describe(self) -> str:
        """The declared rules in a few words, for the summary."""
        parts = []
        if self.top_size is not None:
            parts.append(f"top {self.top_size}")
        if self.window is not None:
            parts.append(f"{self.window[0]}–{self.window[1]}")
        text = ", ".join(parts)
        ths = ", ".join(f"{t.year}: {t.citations:,}+" for t in self.thresholds)
        return text + (f"; {ths}" if ths else "")


@dataclass(frozen=True, slots=True)
class Profile:
    """Limits (None when the list declares none), new-section policy and per-section style."""

    limits: Limits | None = None
    new_sections: Severity = Severity.NOTICE
    styles: Mapping[str, Style] = field(default_factory=lambda: MappingProxyType({}))
    overall: Style = field(default_factory=Style)  # `styles` are already filled in from it

    def style_of(self, al: AwesomeList, section: Section) -> Style:
        """The house style of a section (by heading path); what it leaves open, the list's."""
        return self.styles.get(section_paths(al)[section.index], self.overall)

    @property
    def top_size(self) -> int | None:
        """The top-N limit, None when the list has none."""
        return self.limits.top_size if self.limits else None


# --- entry features -----------------------------------------------------------------------

LINK_EXAMPLES = {LinkForm.DOUBLE: "[[pdf]](url)", LinkForm.INNER: "[[pdf](url)]",
                 LinkForm.PLAIN: "[pdf](url)", LinkForm.TITLE: "[Title](url)",
                 LinkForm.BARE: "a bare URL"}
YEAR_EXAMPLES = {YearForm.PAREN: "(2016)", YearForm.PAREN_MONTH: "(Mar., 2016)",
                 YearForm.VENUE: "ICLR 2016", YearForm.VENUE_COMMA: "ICLR, 2016."}
AUTHOR_EXAMPLES = {AuthorForm.AFTER_YEAR: "Title (2016), A. Author et al.",
                   AuthorForm.ITALIC: "*A. Author, B. Author*",
                   AuthorForm.SUB_ITEM: "an indented `- Authors *Venue Year*` sub-item",
                   AuthorForm.PLAIN: "Title, A. Author"}
# Forms that differ only in punctuation are one form for the house style.
_SAME_YEAR = {YearForm.PAREN_MONTH: YearForm.PAREN, YearForm.VENUE_COMMA: YearForm.VENUE}
_ET_AL = re.compile(r"\bet\.?\s?al\b", re.IGNORECASE)
_NAMES = re.compile(r",|\band\b|&")


def author_count(authors: str) -> int:
    """How many authors are written out (`et al.` not counted)."""
    core = _ET_AL.sub("", authors or "")
    return sum(1 for p in _NAMES.split(core) if p.strip(" .*"))


def _et_al(entry: Entry) -> bool | None:
    """True for `A. Author et al.`, False for three or more names written out, else None."""
    if _ET_AL.search(entry.authors or ""):
        return True
    return False if author_count(entry.authors) > 2 else None


def features(entry: Entry) -> EntryStyle:
    """The style features of one entry, as the reader recorded them (`Entry.style`)."""
    st = entry.style
    link = st.link if st.link in LINK_EXAMPLES else None
    year = _SAME_YEAR.get(st.year, st.year) if st.year in YEAR_EXAMPLES else None
    authors = st.authors if st.authors in AUTHOR_EXAMPLES else None
    guide = (st.shape is Shape.LIST_ITEM and st.lines == 1 and st.marker == "-"
             and link is LinkForm.DOUBLE and year is YearForm.PAREN
             and authors in (AuthorForm.AFTER_YEAR, None))
    return EntryStyle(entry.bold, link, year, authors, _et_al(entry), guide)


def section_paths(al: AwesomeList) -> tuple[str, ...]:
    """Each heading's path of titles from the top (`Vision / 2019`): stable across a change that
    adds headings elsewhere, and telling apart headings of the same title."""
    cached = _PATHS.get(id(al))
    if cached is not None and cached[0] is al:
        return cached[1]
    stack: list[tuple[int, str]] = []
    out = []
    for s in al.sections:
        while stack and stack[-1][0] >= s.level:
            stack.pop()
        stack.append((s.level, s.title.strip().casefold()))
        out.append(" / ".join(t for _, t in stack))
    paths = tuple(out)
    if len(_PATHS) >= 4:  # a review reads two lists; keep no more alive than that
        _PATHS.clear()
    _PATHS[id(al)] = (al, paths)
    return paths


_PATHS: dict[int, tuple[AwesomeList, tuple[str, ...]]] = {}


def pin_structure(head: AwesomeList, base: AwesomeList) -> AwesomeList:
    """The head list with the base's criteria, and the base's kind for every paper section
    both versions have (by heading path): the change cannot re-count sections."""
    kinds = dict(zip(section_paths(base), (s.kind for s in base.sections), strict=True))
    sections = tuple(
        dataclasses.replace(s, kind=kinds[p])
        if p in kinds and kinds[p] is not s.kind and s.kind.holds_papers
        and kinds[p].holds_papers else s
        for s, p in zip(head.sections, section_paths(head), strict=True))
    if sections == head.sections and head.criteria == base.criteria:
        return head
    return dataclasses.replace(head, sections=sections, criteria=base.criteria,
                               _by_section={}, _bold={})


# --- learning -------------------------------------------------------------------------------

def _majority(values: Iterable[object]) -> object | None:
    """The value more than half of the known values share; None when fewer than two or split."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return None
    value, n = Counter(known).most_common(1)[0]
    return value if n * 2 > len(known) else None


def _order(entries: tuple[Entry, ...]) -> Order:
    """A section's order when all of its (three or more) entries follow one."""
    if len(entries) < 3:
        return Order.NONE
    years = [e.year for e in entries]
    if all(y is not None for y in years) and len(set(years)) > 1:
        pairs = list(pairwise(years))
        if all(a >= b for a, b in pairs):  # type: ignore[operator]
            return Order.YEAR_DOWN
        if all(a <= b for a, b in pairs):  # type: ignore[operator]
            return Order.YEAR_UP
    titles = [normalise_title(e.title) for e in entries]
    if all(titles) and len(set(titles)) > 1 and titles == sorted(titles):
        return Order.TITLE
    return Order.NONE


def learn_style(entries: tuple[Entry, ...]) -> Style:
    """The majority style of some entries."""
    fs = [features(e) for e in entries]
    return Style(
        bold=_majority(f.bold for f in fs),  # type: ignore[arg-type]
        link_form=_majority(f.link_form for f in fs),  # type: ignore[arg-type]
        year_form=_majority(f.year_form for f in fs),  # type: ignore[arg-type]
        author_form=_majority(f.author_form for f in fs),  # type: ignore[arg-type]
        et_al=_majority(f.et_al for f in fs),  # type: ignore[arg-type]
        guide=_majority(f.guide for f in fs),  # type: ignore[arg-type]
        order=_order(entries),
    )


_FORBID_SECTIONS = re.compile(
    r"not\s+(?:be\s+)?allowed\s+to\s+(?:add|create)\b[^.\n]{0,40}\b(?:sections?|headings?)\b"
    r"|(?:do\s+not|don't|never|please\s+don't)\s+(?:add|create)\s+(?:any\s+|new\s+)?"
    r"(?:sections?|headings?)\b",
    re.IGNORECASE,
)


def forbids_new_sections(*texts: str | None) -> bool:
    """True when the README or the contributing guide says new sections may not be added."""
    return any(t and _FORBID_SECTIONS.search(t[:500_000].replace("*", "").replace("_", " "))
               for t in texts)


def limits_of(criteria: Criteria, cfg: RepoConfig) -> Limits | None:
    """The rules the README declares (criteria read from it) with the config laid over them."""
    declared = criteria.source == "readme"
    top = None if cfg.top100_off else (cfg.top_size or (criteria.top_size if declared else None))
    window: tuple[int, int] | None = None
    if cfg.first_year is not None and cfg.last_year is not None:
        window = (cfg.first_year, cfg.last_year)
    elif declared:
        window = (criteria.first_year, criteria.last_year)
    if cfg.years_off:
        window = None
    thresholds = () if cfg.thresholds_off else (
        cfg.thresholds or (criteria.thresholds if declared else ()))
    if top is None and window is None and not thresholds:
        return None
    from_cfg = (cfg.top_size is not None or cfg.first_year is not None
                or cfg.thresholds is not None)
    source = ("the README and " + CONFIG_NAME if declared and from_cfg
              else CONFIG_NAME if from_cfg else "the README")
    first = window[0] if window else criteria.old_papers_before
    return Limits(top, window, tuple(thresholds), criteria.new_papers_rule,
                  min(criteria.old_papers_before, first) if declared else first, source)


def profile_of(base: AwesomeList, cfg: RepoConfig, *texts: str | None) -> Profile:
    """The list's profile from its base version, its config, and its texts (README, guide)."""
    styles = {}
    for s, path in zip(base.sections, section_paths(base), strict=True):
        entries = base.in_section(s.index)
        if entries:
            styles.setdefault(path, learn_style(entries))
    # The whole list's order says nothing of one section's.
    overall = dataclasses.replace(learn_style(base.entries), order=Order.NONE)
    styles = {path: style.over(overall) for path, style in styles.items()}
    return Profile(
        limits=limits_of(base.criteria, cfg),
        new_sections=Severity.ERROR if forbids_new_sections(*texts) else Severity.NOTICE,
        styles=MappingProxyType(styles), overall=overall,
    )


def rule_changes(base: AwesomeList, head: AwesomeList) -> tuple[str, ...]:
    """What a change would do to the list's own rules and structure, if they were read from it.

    `base` and `head` are both as read from their own text; the review applies the base's.
    """
    out: list[str] = []
    b, h = base.criteria, head.criteria
    declared = (b.source == "readme", h.source == "readme")
    if declared == (True, False):
        out.append("removes the list's criteria block")
    elif declared == (False, True):
        out.append(f"declares criteria (top {h.top_size}, {h.first_year}–{h.last_year})")
    elif declared == (True, True):
        if b.top_size != h.top_size:
            out.append(f"top {b.top_size} → top {h.top_size}")
        if (b.first_year, b.last_year) != (h.first_year, h.last_year):
            out.append(f"years {b.first_year}–{b.last_year} → {h.first_year}–{h.last_year}")
        old = {t.year: t for t in b.thresholds}
        new = {t.year: t for t in h.thresholds}
        for year in sorted(old.keys() | new.keys(), reverse=True):
            before, after = old.get(year), new.get(year)
            if before == after:
                continue
            was = f"{before.citations}+" if before else "none"
            now = f"{after.citations}+" if after else "none"
            if was == now:
                was = f"{was} (bold {before.bold if before else '-'})"
                now = f"{now} (bold {after.bold if after else '-'})"
            out.append(f"{year} citations {was} → {now}")
    if b.source == "readme":
        out.extend(_top_moves(base, head, b.top_size))
    return tuple(out)


def _top_moves(base: AwesomeList, head: AwesomeList, size: int) -> list[str]:
    """Sections that would join or leave the top N."""
    top = {p: s.kind is SectionKind.TOP100
           for s, p in zip(base.sections, section_paths(base), strict=True)}
    out = []
    for s, p in zip(head.sections, section_paths(head), strict=True):
        was = top.get(p)
        now = s.kind is SectionKind.TOP100
        if was is not None and was != now and s.kind.holds_papers:
            out.append(f'"{s.title}" would {"no longer " if was else ""}count toward the top '
                       f"{size}")
    return out


NO_PROFILE = Profile()


def counted(al: AwesomeList, profile: Profile) -> AwesomeList:
    """The list with its paper sections counted as the top N, when the config declares limits
    for a list whose README marks no top-N section."""
    if profile.limits is None or any(s.kind is SectionKind.TOP100 for s in al.sections):
        return al
    sections = tuple(dataclasses.replace(s, kind=SectionKind.TOP100)
                     if s.kind is SectionKind.PAPERS else s for s in al.sections)
    if sections == al.sections:
        return al
    return dataclasses.replace(al, sections=sections, _by_section={}, _bold={})
