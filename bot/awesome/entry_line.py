"""Read the fields of one entry line, tolerating every variant seen in the list's history.

CommonMark does not turn `[[pdf]] (url)` or `[[pdf]]()` into links, yet contributors wrote them,
so an entry's fields are read from its raw text with a small scanner; mistletoe decides which
lines are list items at all (see parse.py).
"""

from __future__ import annotations

import re

from bot.awesome.model import Entry, Link, Quirk

_MAX_TARGET = 2048  # an unclosed `(` is read this far, no further
_MAX_NOTES = 20  # more `*(` than this in one entry is not a list of affiliation notes
_SIMPLE_TARGET = re.compile(r"([ \t]*)\(([^()]*)\)")
_TAG = re.compile(r"\[\[([^\[\]\n]*)\]\]")
_AFFIL_PAREN = re.compile(r"(?<!\*)\*\(([^()*]*(?:\([^()]*\)[^()*]*)*)\)\*(?!\*)")
_AFFIL_BARE = re.compile(r"(?<![*\w])\*(?![*\s])([^*]+?)(?<![*\s])\*(?![*\w])")
_YEAR_PAREN = re.compile(
    r"\(\s*(?:(?P<qual>[A-Za-z][A-Za-z .]*?),\s*)?"
    r"(?P<text>(?:[A-Z][a-z]{2,8}\.?\s+)?(?P<year>(?:19|20)\d\d))\s*\)"
)
_YEAR_UNCLOSED = re.compile(r"\(\s*(?P<year>(?:19|20)\d\d)\s*,\s*")
_YEAR_NO_OPEN = re.compile(r"(?<=\s)(?P<year>(?:19|20)\d\d)\)")
_AUTHORISH = re.compile(r"^(?:[A-Z][\w'’-]*\.?\s*)+(?:[A-Z][\w'’-]+)?|et al|and [A-Z]")
_ARXIV = re.compile(
    r"(?:arxiv\.org|128\.84\.21\.199)/(?:abs|pdf)/"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
_DOI = re.compile(
    r"(?:doi\.org/|/doi/(?:abs/|full/|pdf/|pdfplus/|epdf/)?)(?P<doi>10\.\d{4,9}/[^\s?#]+)",
    re.IGNORECASE,
)
_ACL = re.compile(
    r"(?:(?:www\.)?aclweb\.org/anthology|anthology\.aclweb\.org|aclanthology\.org"
    r"|aclanthology\.info/papers)/"
    r"(?:[A-Z]/[A-Z]\d{2}/)?(?P<id>[A-Z]\d{2}-\d{4}|\d{4}\.[a-z-]+\.\d+)",
    re.IGNORECASE,
)


def _scan_target(text: str, pos: int) -> tuple[str | None, int, bool]:
    """Read `(target)` starting at or after `pos` (spaces allowed); return target, end, spaced."""
    if m := _SIMPLE_TARGET.match(text, pos):
        return m.group(2).strip(), m.end(), bool(m.group(1))
    i = pos
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text) or text[i] != "(":
        return None, pos, False
    spaced = i > pos
    depth = 0
    j = i
    while j < min(len(text), i + _MAX_TARGET):
        ch = text[j]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j].strip(), j + 1, spaced
        j += 1
    stop = min(len(text), i + _MAX_TARGET)
    return text[i + 1 : stop].strip(), stop, spaced


def _links(text: str, quirks: set[Quirk]) -> tuple[tuple[Link, ...], int, int]:
    """Find `[[label]](target)` links; return them and the span they cover in `text`."""
    links: list[Link] = []
    first = last = -1
    pos = 0
    while True:
        m = _TAG.search(text, pos)
        if not m:
            break
        target, end, spaced = _scan_target(text, m.end())
        if target is None:
            quirks.add(Quirk.TAG_WITHOUT_URL)
            end = m.end()
        elif target == "":
            quirks.add(Quirk.EMPTY_LINK)
        elif not re.match(r"https?://\S+$", target, re.IGNORECASE):
            quirks.add(Quirk.LINK_NOT_URL)
        if spaced and target is not None:
            quirks.add(Quirk.SPACE_BEFORE_URL)
        links.append(Link(m.group(1).strip(), target))
        if first < 0:
            first = m.start()
        last = end
        pos = max(end, m.end())
    return tuple(links), first, last


def _affiliations(text: str) -> tuple[str, tuple[str, ...], bool]:
    """Remove `*(Google)*` and `*Sutskever: Google*` notes; return rest, notes, any-bare flag."""
    found: list[tuple[int, str]] = []

    def take_paren(m: re.Match[str]) -> str:
        found.append((m.start(), m.group(1).strip()))
        return " "

    rest = _AFFIL_PAREN.sub(take_paren, text) if text.count("*(") <= _MAX_NOTES else text
    bare = False

    def take_bare(m: re.Match[str]) -> str:
        nonlocal bare
        bare = True
        found.append((m.start(), m.group(1).strip()))
        return " "

    rest = _AFFIL_BARE.sub(take_bare, rest)
    return rest, tuple(note for _, note in found), bare


def _split_title(head: str, quirks: set[Quirk]) -> tuple[str, str, bool]:
    """Take a leading `**Title**` off `head`; return title-or-empty, rest, bold."""
    stripped = head.lstrip()
    if stripped.startswith("**"):
        close = stripped.find("**", 2)
        if close > 2:
            return stripped[2:close].strip(), stripped[close + 2 :], True
    return "", head, False


def _read_year(text: str, quirks: set[Quirk]) -> tuple[re.Match[str] | None, str]:
    """Find the year in `text`; return the match and which pattern found it."""
    m = _YEAR_PAREN.search(text)
    if m:
        return m, "paren"
    m = _YEAR_UNCLOSED.search(text)
    if m:
        quirks.add(Quirk.UNCLOSED_YEAR)
        return m, "unclosed"
    m = _YEAR_NO_OPEN.search(text)
    if m:
        quirks.add(Quirk.MISSING_OPEN_PAREN)
        return m, "noopen"
    return None, ""


def _clean_authors(text: str) -> str:
    """Authors text without the separators around it."""
    a = text.strip().lstrip(",:;").strip().rstrip(",").strip()
    return re.sub(r"\s{2,}", " ", a)


def _identifiers(links: tuple[Link, ...]) -> tuple[str | None, str | None, str | None]:
    """arXiv id (no version), DOI and ACL anthology id from an entry's links."""
    arxiv = doi = acl = None
    for link in links:
        target = link.target or ""
        if arxiv is None and (m := _ARXIV.search(target)):
            arxiv = m.group("id")
        if doi is None and (m := _DOI.search(target)):
            doi = re.sub(r"(?:\.pdf|/(?:abstract|full|pdf))$", "", m.group("doi"), flags=re.I)
        if acl is None and (m := _ACL.search(target)):
            acl = m.group("id")
    return arxiv, doi, acl


def read_entry(text: str, *, raw: str, start_line: int, end_line: int, section: int,
               quirks: set[Quirk], **extra: object) -> Entry:
    """Read an entry's text (bullet removed, continuation lines joined) into an Entry.

    `quirks` holds what the caller already noticed about the raw lines; it is extended here.
    `extra` are further Entry fields the caller already knows (style, ids).
    """
    sparkles = ":sparkles:" in text
    body = " ".join(p.strip() for p in text.split(":sparkles:") if p.strip()) if sparkles \
        else text.strip()

    links, first, last = _links(body, quirks)
    if not links:
        quirks.add(Quirk.NO_LINK)
        head, tail = body, ""
    else:
        head, tail = body[:first], body[last:]

    head, head_affils, bare_h = _affiliations(head)
    tail, tail_affils, bare_t = _affiliations(tail)
    if bare_h or bare_t:
        quirks.add(Quirk.AFFILIATION_NO_PARENS)
    if tail_affils:
        quirks.add(Quirk.AFFILIATION_AFTER_LINK)
    if links and tail.strip():
        quirks.add(Quirk.TRAILING_CHARS)
    if links:
        raw_head = body[:first]
        if raw_head and not raw_head[-1].isspace():
            quirks.add(Quirk.NO_SPACE_BEFORE_LINK)
        if head.rstrip().endswith(","):
            quirks.add(Quirk.COMMA_BEFORE_LINK)

    title, rest, bold = _split_title(head, quirks)
    year: int | None = None
    year_text = ""
    authors = ""
    m, how = _read_year(rest, quirks)
    if m:
        year = int(m.group("year"))
        if how == "paren":
            qual = m.group("qual")
            year_text = f"{qual.strip()}, {m.group('text')}" if qual else m.group("text")
        else:
            year_text = m.group("year")
        before, after = rest[: m.start()], rest[m.end() :]
        if not title:
            title = before.strip()
        elif before.strip():
            title = f"{title} {before.strip()}"
        if how == "paren" and after.strip() and not after.lstrip().startswith((",", ":")):
            quirks.add(Quirk.NO_COMMA_AFTER_YEAR)
        authors = _clean_authors(after)
    else:
        quirks.add(Quirk.MISSING_YEAR)
        if title:
            authors = _clean_authors(rest)
        else:
            title, authors = _title_and_authors(rest)
    title = re.sub(r"\s{2,}", " ", title.strip().rstrip(",").strip())
    if not authors:
        quirks.add(Quirk.MISSING_AUTHOR)
    if Quirk.LINK_BROKEN_ACROSS_LINES in quirks:
        quirks.discard(Quirk.SPACE_BEFORE_URL)
    arxiv, doi, acl = _identifiers(links)
    return Entry(
        raw=raw, start_line=start_line, end_line=end_line, section=section,
        title=title, year=year, year_text=year_text, authors=authors,
        affiliations=head_affils + tail_affils, links=links, sparkles=sparkles, bold=bold,
        arxiv_id=arxiv, doi=doi, acl_id=acl, quirks=frozenset(quirks), **extra,
    )


def _title_and_authors(text: str) -> tuple[str, str]:
    """Split `Title, A. Author et al.` when there is no year to split on."""
    text = text.strip().rstrip(",").strip()
    idx = text.rfind(", ")
    while idx > 0:
        candidate = text[idx + 2 :].strip()
        if len(candidate) >= 120:
            break
        if _AUTHORISH.match(candidate):
            return text[:idx].strip(), _clean_authors(candidate)
        idx = text.rfind(", ", 0, idx)
    return text, ""
