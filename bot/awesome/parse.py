"""README text -> AwesomeList, for any curated list.

mistletoe reads the block tree (see `blocks`); one recogniser per shape turns its list items,
table rows and paragraph/HTML blocks into candidate entries with their line spans (`shapes`);
one field reader reads every candidate (`fields`). Which sections hold entries is decided by
what their candidates are, unless the config names them. What no recogniser claims but holds
a link or looks like an item is kept in `AwesomeList.unrecognized`, never dropped.

The first list's own structure is read as before: its Contents block's `(More than Top 100)`
marker decides its top-100 sections and its criteria block its thresholds. A list that
declares neither gets no top-100 section (its entry sections are `SectionKind.PAPERS`).
Every pattern that meets unbounded text runs on google-re2 (linear time).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.awesome import fields
from bot.awesome.blocks import Kind, Node, heading_title, read_blocks
from bot.awesome.inline import find_links
from bot.awesome.linear import Pattern
from bot.awesome.model import (
    DEFAULT_CRITERIA,
    AwesomeList,
    Criteria,
    Entry,
    Researcher,
    Section,
    SectionKind,
    Threshold,
    Unrecognized,
)
from bot.awesome.shapes.block import read_block
from bot.awesome.shapes.common import has_url, is_navigation
from bot.awesome.shapes.list_item import entry_like, read_list
from bot.awesome.shapes.table_row import read_table

MAX_README_BYTES = 2 * 1024 * 1024


class ReadmeError(ValueError):
    """The input cannot be read as a README; the message says why, for a person."""


_TOC_MARKER = Pattern(r"(?i)more\s+than\s+top\s*\d*")
_THRESHOLD = Pattern(
    r"(?i)^\s*[-*+]\s*\*\*\s*(?P<year>(?:19|20)\d\d)\s*\*\*\s*:\s*\+?\s*(?P<n>\d+)\s*citations?"
    r"(?:\s*\(\s*(?:bold|:sparkles:)\s*\+?\s*(?P<bold>\d+)\s*\))?"
    r"(?:\s*or\s*[\"“*]*(?P<alt>[^\"”*]+)[\"”*]*)?"
)
_NEW_RULE = Pattern(r"(?i)^\s*[-*+]\s*\*\*\s*(<[^*]*)\*\*")
_OLD_RULE = Pattern(r"(?i)^\s*[-*+]\s*\*\*\s*~\s*(?P<year>(?:19|20)\d\d)\s*\*\*")
_WINDOW = Pattern(r"(?i)from\s+(?P<a>(?:19|20)\d\d)\s+to\s+(?P<b>(?:19|20)\d\d)")
_TOP_SIZE = Pattern(r"(?i)top\s+(?P<n>\d{2,4})\b")
_RESEARCHER = Pattern(
    r"^[-*+]\s+\[(?P<name>[^\]]+)\]\((?P<url>[^)\s]*)\)\s*,?\s*(?P<rest>.*)$"
)
_HTML_TAG = Pattern(r"<[^<>]*>")
_ANCHOR = Pattern(r"(?i)<a\s+(?:name|id)\s*=\s*[\"']?(?P<a>[^\"'>\s]+)")
_SLUG_DROP = re.compile(r"[^\w\- ]")  # Unicode letters, as GitHub keeps them; no backtracking
_PAREN_YEAR = Pattern(r"\((?:19|20)\d\d\)")
_ITEM_START = Pattern(r"^\s{0,12}(?:[-*+]|\d{1,9}[.)])(?:\s|$)")
_SAMPLE = 64
_LINK_DEF = Pattern(r"^\s{0,3}\[[^\]]+\]:\s*\S")

_KEYWORDS: tuple[tuple[SectionKind, tuple[str, ...]], ...] = (
    (SectionKind.NEW, ("new paper", "worth reading")),
    (SectionKind.OLD, ("old paper", "classic paper")),
    (SectionKind.APPENDIX, ("more than top", "appendix")),
    (SectionKind.RESEARCHERS, ("researcher",)),
    (SectionKind.RESOURCES, ("hw / sw", "hardware", "software", "dataset", "book",
                             "lecture", "tutorial", "blog")),
    (SectionKind.OTHER, ("contents", "background", "backgroud", "criteria", "acknowledg",
                         "license", "contribut", "notice")),
)


def decode_readme(data: bytes) -> str:
    """Decode README bytes as UTF-8, refusing binary or oversized input with a clear message."""
    if len(data) > MAX_README_BYTES:
        raise ReadmeError(
            f"the README is {len(data) / 1_048_576:.1f} MB; the bot reads files up to "
            f"{MAX_README_BYTES // 1_048_576} MB"
        )
    if b"\x00" in data[:8192]:
        raise ReadmeError("the file looks binary (it contains NUL bytes), not a markdown README")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadmeError(
            f"the README is not valid UTF-8 (byte {exc.start} cannot be decoded)"
        ) from None


def check_size(text: str) -> None:
    """Refuse text over the size the bot reads (ReadmeError)."""
    if len(text) > MAX_README_BYTES or len(text.encode("utf-8", "surrogatepass")) \
            > MAX_README_BYTES:
        raise ReadmeError(
            f"the README is larger than {MAX_README_BYTES // 1_048_576} MB, the most the bot reads"
        )


def slugify(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    s = title.strip().lower()
    s = _SLUG_DROP.sub("", s)
    return s.replace(" ", "-")


def classify_title(title: str) -> SectionKind | None:
    """A section kind by its heading's words, or None when the words say nothing."""
    t = title.lower()
    for kind, words in _KEYWORDS:
        if any(w in t for w in words):
            return kind
    return None


@dataclass(frozen=True, slots=True)
class _Heading:
    line: int
    level: int
    title: str
    anchors: frozenset[str]


@dataclass(slots=True)
class _Part:
    """What one section holds: candidates of entries, and the lines claimed by no entry."""

    candidates: list[fields.Source]
    claimed: set[int]
    items: list[int]


def _heading(node: Node, lines: list[str]) -> _Heading:
    """A heading's title (HTML anchors removed) and the anchors it names."""
    raw = heading_title(lines[node.start - 1])
    anchors = frozenset(m.group("a").lower() for m in _ANCHOR.finditer(raw)) if "<" in raw \
        else frozenset()
    title = _HTML_TAG.sub("", raw).strip() if "<" in raw else raw
    return _Heading(node.start, node.level, title or raw, anchors)


def _collect(nodes: tuple[Node, ...], lines: list[str], section: int, part: _Part) -> None:
    """Candidates of one section's blocks (recursing into quotes)."""
    for node in nodes:
        if node.kind is Kind.LIST:
            found, nav = read_list(node, lines, section)
            part.candidates.extend(found)
            part.items.extend(c.start for c in node.children)
            for n in nav:
                part.claimed.update(range(n.start, n.end + 1))
        elif node.kind is Kind.TABLE:
            part.candidates.extend(read_table(node, lines, section))
            part.claimed.update((node.start, node.start + 1))
        elif node.kind in (Kind.PARAGRAPH, Kind.HTML):
            text = " ".join(lines[node.start - 1:node.end])
            if is_navigation(text) or not has_url(text):
                part.claimed.update(range(node.start, node.end + 1))
                continue
            part.candidates.extend(c for c in read_block(node, lines, section)
                                   if _block_entry(c))
        elif node.kind is Kind.QUOTE:
            _collect(node.children, lines, section, part)
        elif node.kind in (Kind.CODE, Kind.COMMENT, Kind.BREAK, Kind.HEADING):
            part.claimed.update(range(node.start, node.end + 1))


def _block_entry(src: fields.Source) -> bool:
    """A paragraph group is an entry when it has a link and a title it marks as one."""
    text = src.text.lstrip()
    if not entry_like(text):
        return False
    if text.startswith(("**", "__", "\"", "“")) or _PAREN_YEAR.search(text):
        return True
    named = [f for f in find_links(text) if not f.image and not fields.is_generic(f.label)]
    return len(named) == 1 and named[0].start == 0


def _toc(lines: list[str], headings: list[_Heading],
         ends: list[int]) -> tuple[list[str], list[str], bool]:
    """Anchors the Contents block lists before and after its `(More than Top 100)` marker."""
    for h, end in zip(headings, ends, strict=True):
        if "contents" not in h.title.lower():
            continue
        before: list[str] = []
        after: list[str] = []
        marker = False
        for n in range(h.line + 1, end + 1):
            ln = lines[n - 1]
            anchors = [f.target[1:].lower() for f in find_links(ln)
                       if f.target and f.target.startswith("#")] if "](#" in ln else []
            if not marker and not anchors and "top" in ln.lower() and _TOC_MARKER.search(ln):
                marker = True
                continue
            (after if marker else before).extend(anchors)
        return before, after, marker
    return [], [], False


def _kinds(headings: list[_Heading], looks: list[bool], generic: list[bool],
           toc: tuple[list[str], list[str], bool], declared: bool) -> list[SectionKind]:
    """Decide each section's kind from the table of contents, its words and its content.

    On a list that declares no top N, a section holds entries (`PAPERS`) when its candidates
    are entries; the first list's kinds come from its Contents block as they always did.
    """
    if not declared:
        return [SectionKind.OTHER if classify_title(h.title) is SectionKind.OTHER
                else (SectionKind.PAPERS if g else SectionKind.OTHER)
                for h, g in zip(headings, generic, strict=True)]
    counted, after, marker = toc
    kinds: list[SectionKind] = []
    parent: list[tuple[int, SectionKind]] = []
    for h, papers in zip(headings, looks, strict=True):
        slugs = {slugify(h.title), *h.anchors}
        by_words = classify_title(h.title)
        while parent and parent[-1][0] >= h.level:
            parent.pop()
        if marker and slugs & set(counted):
            kind = SectionKind.TOP100
        elif by_words is not None:
            kind = by_words
        elif marker and slugs & set(after):
            kind = SectionKind.APPENDIX
        elif not marker and slugs & set(counted):
            kind = SectionKind.TOP100
        elif parent and parent[-1][1] is not SectionKind.OTHER:
            kind = parent[-1][1]
        elif h.level >= 2 and not counted and papers:
            kind = SectionKind.TOP100
        else:
            kind = SectionKind.OTHER
        kinds.append(kind)
        parent.append((h.level, kind))
    return _fill_between(headings, kinds)


def _fill_between(headings: list[_Heading], kinds: list[SectionKind]) -> list[SectionKind]:
    """Count an unlisted section that sits among the top-100 sections, at their level.

    A contributor who renames a heading rarely updates the Contents link; the section is still
    one of the top 100.
    """
    top = [i for i, k in enumerate(kinds) if k is SectionKind.TOP100]
    if not top:
        return kinds
    levels = {headings[i].level for i in top}
    out = list(kinds)
    for i in range(top[0] + 1, top[-1]):
        h = headings[i]
        if out[i] is SectionKind.OTHER and h.level in levels and classify_title(h.title) is None:
            out[i] = SectionKind.TOP100
    return out


def _looks_like_papers(lines: list[str], part: _Part) -> bool:
    """The first list's test: some list item carries a `[[link]]` or a `(year)`."""
    return any("[[" in lines[n - 1] or _PAREN_YEAR.search(lines[n - 1]) for n in part.items)


def _holds_entries(part: _Part) -> bool:
    """Most candidates of a section are entries (a link and a title); the first `_SAMPLE` of
    them tell, so a huge section costs no more to judge than a small one."""
    sample = part.candidates[:_SAMPLE]
    if not sample:
        return False
    good = sum(fields.titled_row(c) or entry_like(c.text + " " + c.details) for c in sample)
    return good >= 1 and good * 2 >= len(sample)


def _researchers(lines: list[str], items: list[int]) -> list[Researcher]:
    """People listed in a Distinguished Researchers section."""
    out = []
    for n in items:
        ln = lines[n - 1].strip()
        m = _RESEARCHER.match(ln)
        if not m:
            continue
        rest = m.group("rest")
        sparkles = ":sparkles:" in rest
        affil = rest.replace(":sparkles:", "").strip().strip(",").strip().strip("*").strip()
        out.append(Researcher(m.group("name").strip(), m.group("url") or None,
                              affil.strip(",").strip(), sparkles, n))
    return out


def parse_criteria(lines: list[str], start: int, end: int) -> Criteria:
    """The list's own criteria from its 'Awesome list criteria' block."""
    thresholds: list[Threshold] = []
    new_rule = DEFAULT_CRITERIA.new_papers_rule
    old_year: int | None = None
    window: tuple[int, int] | None = None
    size: int | None = None
    for n in range(start, end + 1):
        ln = lines[n - 1]
        if m := _THRESHOLD.match(ln):
            bold = int(m.group("bold")) if m.group("bold") else None
            alt = m.group("alt").strip() if m.group("alt") else None
            thresholds.append(Threshold(int(m.group("year")), int(m.group("n")), bold, alt))
        elif m := _NEW_RULE.match(ln):
            new_rule = m.group(1).strip()
        elif m := _OLD_RULE.match(ln):
            old_year = int(m.group("year"))
        if window is None and (m := _WINDOW.search(ln)):
            window = (int(m.group("a")), int(m.group("b")))
        if size is None and (m := _TOP_SIZE.search(ln)):
            size = int(m.group("n"))
    if not thresholds and window is None:
        return DEFAULT_CRITERIA
    first, last = window or (DEFAULT_CRITERIA.first_year, DEFAULT_CRITERIA.last_year)
    if thresholds and window is None:
        first, last = min(t.year for t in thresholds), max(t.year for t in thresholds)
    old_before = min(old_year + 1, first) if old_year else first
    return Criteria(
        top_size=size or DEFAULT_CRITERIA.top_size, first_year=first, last_year=last,
        thresholds=tuple(thresholds) or DEFAULT_CRITERIA.thresholds, new_papers_rule=new_rule,
        old_papers_before=old_before, source="readme",
    )




def _override(sections: list[Section], holding: Collection[str] | None,
              top100: Collection[str] | None) -> list[Section]:
    """Apply the config's choice of sections before entries are collected.

    `holding`: titles (or anchors) of the sections that hold entries; every other section holds
    none. `top100`: titles of the sections that count toward the top N (they hold entries too).
    """
    if holding is None and top100 is None:
        return sections
    want = {t.strip().casefold() for t in holding or ()}
    top = {t.strip().casefold() for t in top100 or ()}
    out = []
    for s in sections:
        names = {s.title.casefold(), s.slug}
        if names & top:
            kind = SectionKind.TOP100
        elif top100 is not None and s.kind is SectionKind.TOP100:
            kind = SectionKind.PAPERS if holding is None or names & want else SectionKind.OTHER
        elif holding is None:
            kind = s.kind
        elif names & want:
            kind = s.kind if s.kind.holds_papers else SectionKind.PAPERS
        else:
            kind = s.kind if s.kind is SectionKind.RESEARCHERS else SectionKind.OTHER
        out.append(dataclasses.replace(s, kind=kind))
    return out




def _entries(parts: list[_Part], sections: tuple[Section, ...],
             lines: list[str]) -> tuple[list[Entry], list[Entry], list[Researcher], set[int]]:
    """Entries of entry sections, strays elsewhere, researchers; and the lines they claim."""
    entries: list[Entry] = []
    strays: list[Entry] = []
    researchers: list[Researcher] = []
    claimed: set[int] = set()
    for s, part in zip(sections, parts, strict=True):
        if s.kind is SectionKind.RESEARCHERS:
            people = _researchers(lines, part.items)
            researchers.extend(people)
            claimed.update(r.line for r in people)
            continue
        for src in sorted(part.candidates, key=lambda c: c.start_line):
            if s.kind.holds_papers:
                entries.append(fields.read(src))
            elif entry_like(src.text + " " + src.details):
                e = fields.read(src)
                if e.year is None:
                    continue
                strays.append(e)
            else:
                continue
            claimed.update(range(src.start_line, src.end_line + 1))
    return entries, strays, researchers, claimed


def _unrecognized(lines: list[str], claimed: set[int], headings: list[_Heading],
                  kinds: list[SectionKind]) -> tuple[Unrecognized, ...]:
    """Lines holding a link or looking like an item that no entry, contents or badge took.

    Sections that by their words are not the list (contents, contributing, license...) are
    left out: their links are the page's furniture.
    """
    out: list[Unrecognized] = []
    bounds = [h.line for h in headings]
    skip = {i for i, h in enumerate(headings) if classify_title(h.title) is SectionKind.OTHER
            or kinds[i] is SectionKind.RESEARCHERS}
    sec = -1
    for n, ln in enumerate(lines, start=1):
        while sec + 1 < len(bounds) and bounds[sec + 1] <= n:
            sec += 1
        if n in claimed or sec in skip or not ln.strip():
            continue
        if "](" not in ln and "http" not in ln and "[[" not in ln and "href" not in ln \
                and not _ITEM_START.match(ln) and not ln.lstrip().startswith("|"):
            continue
        if _LINK_DEF.match(ln) or is_navigation(ln):
            continue
        link = has_url(ln)
        if not link and not _ITEM_START.match(ln) and not ln.lstrip().startswith("|"):
            continue
        out.append(Unrecognized(n, ln[:300], sec, "holds a link" if link else "looks like an item"))
    return tuple(out)


def parse(text: str, *, sections: Collection[str] | None = None,
          top100: Collection[str] | None = None) -> AwesomeList:
    """Parse README text into the list model; raise ReadmeError for input that is no README.

    `sections` (config `sections:`) names the sections that hold entries and `top100` (config
    `top100_sections:`) those counting toward the top N; both apply before entries are read.
    """
    check_size(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    nodes = read_blocks(lines)
    headings: list[_Heading] = []
    parts: list[_Part] = []
    preamble = _Part([], set(), [])
    current = preamble
    groups: list[list[Node]] = [[]]
    for node in nodes:
        if node.kind is Kind.HEADING:
            headings.append(_heading(node, lines))
            groups.append([])
        groups[-1].append(node)
    for i, group in enumerate(groups):
        current = preamble if i == 0 else _Part([], set(), [])
        _collect(tuple(group), lines, i - 1, current)
        if i:
            parts.append(current)
    ends = [h.line - 1 for h in headings[1:]] + ([len(lines)] if headings else [])
    toc = _toc(lines, headings, ends)
    criteria = DEFAULT_CRITERIA
    for h, end in zip(headings, ends, strict=True):
        if "criteria" in h.title.lower() and criteria is DEFAULT_CRITERIA:
            criteria = parse_criteria(lines, h.line, end)
    declared = toc[2] or criteria.source == "readme"
    kinds = _kinds(headings, [_looks_like_papers(lines, p) for p in parts],
                   [_holds_entries(p) for p in parts], toc, declared)
    secs = tuple(_override([
        Section(i, h.title, h.level, h.line, e, k, slugify(h.title))
        for i, (h, e, k) in enumerate(zip(headings, ends, kinds, strict=True))
    ], sections, top100))
    entries, strays, researchers, claimed = _entries(parts, secs, lines)
    for p in (preamble, *parts):
        claimed |= p.claimed
    claimed.update(h.line for h in headings)
    unrecognized = _unrecognized(lines, claimed, headings, [s.kind for s in secs])
    return AwesomeList(
        sections=secs, entries=tuple(entries), researchers=tuple(researchers),
        criteria=criteria, strays=tuple(strays), line_count=len(lines), toc_marker=toc[2],
        unrecognized=unrecognized,
    )
