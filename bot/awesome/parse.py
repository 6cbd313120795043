"""README text -> AwesomeList.

mistletoe reads the block structure (headings, code and HTML blocks, with their line numbers);
list items of paper sections are then taken line by line, so that every `- ` line of a paper
section is one entry even when CommonMark would fold it into something else, and the fields of
each entry are read by `entry_line.read_entry`.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# mistletoe builds, at import, the set of every Unicode punctuation character by scanning all
# 1.1 million code points (about 0.3-0.4 s: most of a `check` run). The set only serves inline
# emphasis rules, and the bot parses blocks only (see `_blocks_only`), so the scan is limited
# to the Basic Multilingual Plane for the duration of the import.
_MAXUNICODE = sys.maxunicode
sys.maxunicode = 0xFFFF
try:
    from mistletoe import block_token, span_token
    from mistletoe.html_renderer import HtmlRenderer
finally:
    sys.maxunicode = _MAXUNICODE

from bot.awesome.entry_line import read_entry  # noqa: E402
from bot.awesome.model import (  # noqa: E402
    DEFAULT_CRITERIA,
    AwesomeList,
    Criteria,
    Entry,
    Quirk,
    Researcher,
    Section,
    SectionKind,
    Threshold,
)

MAX_README_BYTES = 2 * 1024 * 1024


class ReadmeError(ValueError):
    """The input cannot be read as a README; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class _Heading:
    line: int
    level: int
    title: str


_BULLET = re.compile(r"^[-*+](?:[ \t]|$)")
_THEMATIC = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$")
_TOC_LINK = re.compile(r"\[([^\]]*)\]\(#([^)\s]*)\)")
_TOC_MARKER = re.compile(r"more\s+than\s+top\s*\d*", re.IGNORECASE)
_THRESHOLD = re.compile(
    r"^\s*[-*+]\s*\*\*\s*(?P<year>(?:19|20)\d\d)\s*\*\*\s*:\s*\+?\s*(?P<n>\d+)\s*citations?"
    r"(?:\s*\(\s*(?:bold|:sparkles:)\s*\+?\s*(?P<bold>\d+)\s*\))?"
    r"(?:\s*or\s*[\"“*]*(?P<alt>[^\"”*]+)[\"”*]*)?",
    re.IGNORECASE,
)
_NEW_RULE = re.compile(r"^\s*[-*+]\s*\*\*\s*(<[^*]*)\*\*", re.IGNORECASE)
_OLD_RULE = re.compile(r"^\s*[-*+]\s*\*\*\s*~\s*(?P<year>(?:19|20)\d\d)\s*\*\*", re.IGNORECASE)
_WINDOW = re.compile(r"from\s+(?P<a>(?:19|20)\d\d)\s+to\s+(?P<b>(?:19|20)\d\d)", re.IGNORECASE)
_TOP_SIZE = re.compile(r"top\s+(?P<n>\d{2,4})\b", re.IGNORECASE)
_RESEARCHER = re.compile(
    r"^[-*+]\s+\[(?P<name>[^\]]+)\]\((?P<url>[^)\s]*)\)\s*,?\s*(?P<rest>.*)$"
)

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


def slugify(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    s = title.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def classify_title(title: str) -> SectionKind | None:
    """A section kind by its heading's words, or None when the words say nothing."""
    t = title.lower()
    for kind, words in _KEYWORDS:
        if any(w in t for w in words):
            return kind
    return None


_MISTLETOE = threading.Lock()


@contextmanager
def _blocks_only() -> Iterator[None]:
    """Let mistletoe read HTML blocks but skip inline parsing, which the model does not use.

    mistletoe keeps its token types in module globals, so one parse at a time (the service
    parses in worker threads).
    """
    with _MISTLETOE, HtmlRenderer():
        saved = span_token._token_types[:]
        span_token._token_types[:] = [span_token.RawText]
        try:
            yield
        finally:
            span_token._token_types[:] = saved


def _structure(lines: list[str]) -> tuple[list[_Heading], set[int]]:
    """Headings and opaque (code / HTML) lines, from mistletoe's block tokens."""
    with _blocks_only():
        doc = block_token.Document([ln.replace("\x00", "\ufffd") + "\n" for ln in lines])
    children = list(doc.children or ())
    headings: list[_Heading] = []
    opaque: set[int] = set()
    starts = [c.line_number for c in children] + [len(lines) + 1]
    for child, nxt in zip(children, starts[1:], strict=False):
        line = child.line_number
        if isinstance(child, block_token.Heading | block_token.SetextHeading):
            raw = lines[line - 1]
            m = _ATX.match(raw) if isinstance(child, block_token.Heading) else None
            title = m.group(2) if m else raw.strip()
            headings.append(_Heading(line, child.level, title.strip()))
        elif isinstance(child, block_token.CodeFence | block_token.BlockCode
                        | block_token.HtmlBlock):
            end = nxt - 1
            while end > line and not lines[end - 1].strip():
                end -= 1
            opaque.update(range(line, end + 1))
    return headings, opaque


def _structure_by_lines(lines: list[str]) -> tuple[list[_Heading], set[int]]:
    """A plainer reading for input too deeply nested for mistletoe: ATX headings and fences."""
    headings: list[_Heading] = []
    opaque: set[int] = set()
    fence: str | None = None
    for n, ln in enumerate(lines, start=1):
        stripped = ln.lstrip(" ")
        if fence is not None:
            opaque.add(n)
            if stripped.startswith(fence):
                fence = None
            continue
        if len(ln) - len(stripped) < 4 and stripped[:3] in ("```", "~~~"):
            fence = stripped[:3]
            opaque.add(n)
        elif m := _ATX.match(ln):
            headings.append(_Heading(n, len(m.group(1)), m.group(2).strip()))
    return headings, opaque


def _bullet_lines(lines: list[str], start: int, end: int, opaque: set[int]) -> list[int]:
    """1-based lines in [start, end] that open a list item."""
    out = []
    for n in range(start, end + 1):
        if n in opaque:
            continue
        ln = lines[n - 1]
        if _BULLET.match(ln) and (ln[0] == "-" or not _THEMATIC.match(ln)):
            out.append(n)
    return out


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
            if not marker and _TOC_MARKER.search(ln) and not _TOC_LINK.search(ln):
                marker = True
                continue
            (after if marker else before).extend(
                m.group(2).lower() for m in _TOC_LINK.finditer(ln)
            )
        return before, after, marker
    return [], [], False


def _kinds(headings: list[_Heading], bullets: list[list[int]], lines: list[str],
           toc: tuple[list[str], list[str], bool]) -> list[SectionKind]:
    """Decide each section's kind from the table of contents, its words and its content."""
    counted, after, marker = toc
    kinds: list[SectionKind] = []
    parent: list[tuple[int, SectionKind]] = []
    for h, items in zip(headings, bullets, strict=True):
        slug = slugify(h.title)
        by_words = classify_title(h.title)
        while parent and parent[-1][0] >= h.level:
            parent.pop()
        if marker and slug in counted:
            kind = SectionKind.TOP100
        elif by_words is not None:
            kind = by_words
        elif marker and slug in after:
            kind = SectionKind.APPENDIX
        elif not marker and slug in counted:
            kind = SectionKind.TOP100
        elif parent and parent[-1][1] is not SectionKind.OTHER:
            kind = parent[-1][1]
        elif h.level >= 2 and not counted and _looks_like_papers(lines, items):
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


def _looks_like_papers(lines: list[str], items: list[int]) -> bool:
    """True when some list item of a section carries a `[[link]]` or a `(year)`."""
    return any(
        "[[" in lines[n - 1] or re.search(r"\((?:19|20)\d\d\)", lines[n - 1]) for n in items
    )


def _entry(lines: list[str], start: int, stop: int, section: int, opaque: set[int]) -> Entry:
    """Build one entry from its bullet line and the continuation lines after it."""
    first = lines[start - 1]
    quirks: set[Quirk] = set()
    m = re.match(r"^[-*+]([ \t]*)", first)
    gap = m.group(1) if m else ""
    if len(gap) >= 2:
        quirks.add(Quirk.DOUBLE_SPACE)
    text = first[m.end() if m else 0 :].rstrip()
    end = start
    for n in range(start + 1, stop):
        ln = lines[n - 1]
        if not ln.strip() or n in opaque or ln.lstrip().startswith("<!--"):
            break
        if text.endswith("]]") and ln.lstrip().startswith("("):
            quirks.add(Quirk.LINK_BROKEN_ACROSS_LINES)
            text += ln.strip()
        else:
            text += " " + ln.strip()
        end = n
    raw_lines = lines[start - 1 : end]
    if any(ln != ln.rstrip() for ln in raw_lines):
        quirks.add(Quirk.TRAILING_WHITESPACE)
    return read_entry(text, raw="\n".join(raw_lines), start_line=start, end_line=end,
                      section=section, quirks=quirks)


def _entries_of(lines: list[str], items: list[int], end: int, section: int,
                opaque: set[int]) -> list[Entry]:
    """All entries of one section."""
    if not items:
        return []
    stops = [*items[1:], end + 1]
    return [_entry(lines, n, stop, section, opaque) for n, stop in zip(items, stops, strict=True)]


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


def parse(text: str, *, sections: Collection[str] | None = None,
          top100: Collection[str] | None = None) -> AwesomeList:
    """Parse README text into the list model; raise ReadmeError for input that is no README.

    `sections` (config `sections:`) names the sections that hold entries and `top100` (config
    `top100_sections:`) those counting toward the top N; both apply before entries are read.
    """
    if len(text) > MAX_README_BYTES or len(text.encode("utf-8", "surrogatepass"))\
            > MAX_README_BYTES:
        raise ReadmeError(
            f"the README is larger than {MAX_README_BYTES // 1_048_576} MB, the most the bot reads"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    try:
        headings, opaque = _structure(lines)
    except RecursionError:
        headings, opaque = _structure_by_lines(lines)
    ends = [h.line - 1 for h in headings[1:]] + ([len(lines)] if headings else [])
    bullets = [_bullet_lines(lines, h.line + 1, e, opaque) for h, e in zip(headings, ends,
                                                                            strict=True)]
    toc = _toc(lines, headings, ends)
    kinds = _kinds(headings, bullets, lines, toc)
    sections = tuple(_override([
        Section(i, h.title, h.level, h.line, e, k, slugify(h.title))
        for i, (h, e, k) in enumerate(zip(headings, ends, kinds, strict=True))
    ], sections, top100))
    entries: list[Entry] = []
    strays: list[Entry] = []
    researchers: list[Researcher] = []
    criteria = DEFAULT_CRITERIA
    for s, items in zip(sections, bullets, strict=True):
        if s.kind.holds_papers:
            entries.extend(_entries_of(lines, items, s.end_line, s.index, opaque))
        elif s.kind is SectionKind.RESEARCHERS:
            researchers.extend(_researchers(lines, items))
        else:
            strays.extend(
                e for e in _entries_of(lines, items, s.end_line, s.index, opaque)
                if e.links and e.year is not None
            )
        if "criteria" in s.title.lower() and criteria is DEFAULT_CRITERIA:
            criteria = parse_criteria(lines, s.start_line, s.end_line)
    return AwesomeList(
        sections=sections, entries=tuple(entries), researchers=tuple(researchers),
        criteria=criteria, strays=tuple(strays), line_count=len(lines), toc_marker=toc[2],
    )
