"""One reader of an entry's fields for every shape: title, year, authors, venue, links, ids.

A shape hands over the entry's own text (markers removed, lines joined), the text of its
details (a sub-list), and for a table row its cells by column name. The first list's format
(`- Title (Year), Authors [[pdf]](url)`) is read by `entry_line.read_entry`, which also notes
its quirks; every other format by the generic reading below. Regexes run on google-re2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.awesome.entry_line import read_entry
from bot.awesome.identifiers import Ids, read_ids
from bot.awesome.inline import Found, emphasis, find_links
from bot.awesome.linear import Pattern
from bot.awesome.model import (
    AuthorForm,
    Entry,
    Link,
    LinkForm,
    Quirk,
    Shape,
    Style,
    TitleForm,
    YearForm,
)

GENERIC_LABELS = frozenset(
    [
        "pdf",
        "paper",
        "code",
        "link",
        "links",
        "project",
        "website",
        "web",
        "page",
        "homepage",
        "home",
        "arxiv",
        "github",
        "slides",
        "slide",
        "video",
        "videos",
        "blog",
        "bib",
        "bibtex",
        "dataset",
        "data",
        "demo",
        "talk",
        "poster",
        "abstract",
        "html",
        "official",
        "doi",
        "supp",
        "supplementary",
        "model",
        "models",
        "review",
        "openreview",
        "url",
        "here",
        "source",
        "download",
    ]
)
_YEAR_PAREN = Pattern(
    r"\(\s*(?:(?P<qual>[A-Za-z][A-Za-z .]*?),?\s+)?(?P<year>(?:19|20)\d\d)\s*\)"
)
_YEAR = Pattern(r"(?:^|[^\w/.-])(?P<year>(?:19|20)\d\d)(?:$|[^\w/-])")
_ARXIV_YEAR = Pattern(r"^(?P<yy>\d\d)(?P<mm>\d\d)\.")
_NUMBER_LABEL = Pattern(r"^\[?\d{1,5}\]?\.?$")
_BREAKS = ("<br>", "<br/>", "<br />", "<BR>")


@dataclass(frozen=True, slots=True)
class Source:
    """What a shape hands the field reader."""

    shape: Shape
    text: str
    raw: str
    start_line: int
    end_line: int
    section: int
    details: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    marker: str = ""
    indent: int = 0
    line_break: str = ""
    quirks: frozenset[Quirk] = field(default_factory=frozenset)


def clean(text: str) -> str:
    """Text without emphasis marks, breaks and doubled blanks."""
    for b in _BREAKS:
        text = text.replace(b, " ")
    t = text.replace("**", "").replace("__", "").replace("\\*", "*")
    t = " ".join(t.split())
    return t.strip(" *_").strip()


def is_generic(label: str) -> bool:
    """True for a link label that names a kind of link (pdf, code), not a paper."""
    words = clean(label).strip("[]() ").casefold().replace("&", " ").replace("/", " ").split()
    return not words or all(w.strip(".:") in GENERIC_LABELS for w in words)


def _without_links(text: str, links: list[Found]) -> str:
    """`text` with the links cut out (a link label that is a title stays)."""
    parts: list[str] = []
    pos = 0
    for f in links:
        parts.append(text[pos : f.start])
        parts.append(" \x00 ")
        pos = max(pos, f.end)
    parts.append(text[pos:])
    return "".join(parts)


def _year_of(text: str) -> tuple[int | None, str, YearForm, int, int]:
    """Year, its text, form and span in `text` (paren first, then the last bare year)."""
    if m := _YEAR_PAREN.search(text):
        qual = m.group("qual")
        form = (
            YearForm.PAREN_MONTH
            if qual and qual.strip(" .").isalpha() and qual.strip(" .")[:3].casefold() in _MONTHS
            else YearForm.PAREN
        )
        year_text = m.group(0)[1:-1].strip() if qual else m.group("year")
        return int(m.group("year")), year_text, form, m.start(), m.end()
    last = None
    for m in _YEAR.finditer(text):
        last = m
    if last is None:
        return None, "", YearForm.NONE, -1, -1
    s, e = last.start(1), last.end(1)
    before = text[:s].rstrip()
    form = YearForm.VENUE_COMMA if before.endswith(",") else YearForm.VENUE
    return int(last.group("year")), last.group("year"), form, s, e


_MONTHS = frozenset(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
)


def _venue_near(text: str, start: int) -> str:
    """The venue written just before a year at `start` (`ICLR 2014`, `CVPR, 2017`)."""
    head = text[:start].rstrip().rstrip(",").rstrip()
    for sep in (". ", "<br>", "\x00", "*", ", ", "("):
        k = head.rfind(sep)
        if k >= 0:
            head = head[k + len(sep) :]
    v = clean(head)
    return v if 0 < len(v) <= 80 else ""


def _title(text: str, links: list[Found]) -> tuple[str, TitleForm, int]:
    """The title, its form, and where the rest of the text starts."""
    bolds = emphasis(text, "**") or emphasis(text, "__")
    lead = text.lstrip()
    offset = len(text) - len(lead)
    for s, e in bolds:
        inner = text[s + 2 : e - 2].strip()
        if _NUMBER_LABEL.match(inner) or not inner:
            continue
        before = text[:s].strip()
        if (
            before.endswith(('"', "“"))
            or before in ("", '"', "“")
            or _NUMBER_LABEL.match(clean(before) or "0")
            or len(clean(before)) <= 3
        ):
            form = TitleForm.QUOTED if before.endswith(('"', "“")) else TitleForm.BOLD
            return clean(inner).rstrip("."), form, e
        break
    for q_open, q_close in (('"', '"'), ("“", "”")):
        i = text.find(q_open)
        if 0 <= i < 80:
            j = text.find(q_close, i + 1)
            if j > i + 3:
                return clean(text[i + 1 : j]).rstrip(".,"), TitleForm.QUOTED, j + 1
    for f in links:
        if f.image or f.form is LinkForm.BARE or is_generic(f.label):
            continue
        if f.start - offset <= 80 or not clean(text[: f.start]):
            return clean(f.label), TitleForm.LINK, f.end
        break
    stop = min([f.start for f in links if f.start > 0] or [len(text)])
    if (m := _YEAR_PAREN.search(text)) and m.start() > 0:
        stop = min(stop, m.start())
    for mark in ("<br", ". *", ", *", " *"):
        k = text.find(mark, 0, stop)
        if k > 0:
            stop = k
    title = clean(text[:stop]).rstrip(".,:;-– ")
    return title, TitleForm.PLAIN if title else TitleForm.NONE, stop


def _before_quote(text: str) -> str:
    """The authors written before a quoted title, without a leading `[12]` label."""
    k = min((i for i in (text.find('"'), text.find("“")) if i >= 0), default=-1)
    head = clean(text[:k]) if k > 0 else ""
    if head.startswith("[") and "]" in head:
        head = head[head.index("]") + 1:]
    return head.strip(" ,:")


def _authors(text: str, venue: str) -> tuple[str, AuthorForm]:
    """Italic author list (`*A, B*`), not the venue."""
    for s, e in emphasis(text, "*") + emphasis(text, "_"):
        inner = clean(text[s + 1 : e - 1])
        if not inner or inner == venue or (venue and venue in inner and len(inner) < 40):
            continue
        if _YEAR.search(inner) and len(inner) < 40:
            continue
        if "," in inner or " and " in inner or len(inner.split()) in (2, 3):
            return inner, AuthorForm.ITALIC
    return "", AuthorForm.NONE


def _details(text: str) -> tuple[str, str, int | None, str]:
    """Authors, venue and year from a sub-item like `A. Author, B. Author *ICCV 2023*`."""
    if not text.strip():
        return "", "", None, ""
    year, year_text, _form, s, _e = _year_of(text)
    venue = ""
    italics = emphasis(text, "*") + emphasis(text, "_")
    authors_end = len(text)
    for a, b in italics:
        inner = clean(text[a + 1 : b - 1])
        if _YEAR.search(inner) or len(inner) < 30:
            venue = _YEAR.sub(" ", inner).strip(" ,.") if year is not None else inner
            authors_end = min(authors_end, a)
            break
    if not venue and year is not None:
        venue = _venue_near(text, s)
    authors = clean(text[:authors_end]).rstrip(".,;")
    return authors, venue, year, year_text


def _to_links(found: list[Found]) -> tuple[Link, ...]:
    """The model's links (images left out)."""
    return tuple(Link(f.label or "link", f.target) for f in found if not f.image)


def _link_form(found: list[Found], title_form: TitleForm) -> LinkForm:
    """How the entry writes its links."""
    if title_form is TitleForm.LINK:
        return LinkForm.TITLE
    real = [f for f in found if not f.image]
    return real[0].form if real else LinkForm.NONE


def _entry(src: Source, ids: Ids, quirks: Iterable[Quirk], **fields: Any) -> Entry:
    """An Entry at the source's place, with the identifiers read from its links."""
    return Entry(raw=src.raw, start_line=src.start_line, end_line=src.end_line,
                 section=src.section, arxiv_id=ids.arxiv, doi=ids.doi, acl_id=ids.acl,
                 ids=ids.others, quirks=frozenset(quirks), **fields)


def read(src: Source) -> Entry:
    """Every field of one entry."""
    if src.shape is Shape.TABLE_ROW:
        return _read_row(src)
    if _plainly_first_form(src):
        return _read_first_form(src)
    found = find_links(src.text + (" " + src.details if src.details else ""))
    if _first_list_form(src, found):
        return _read_first_form(src)
    own = [f for f in found if f.start < len(src.text)]
    title, title_form, rest_at = _title(src.text, own)
    rest = (
        _without_links(src.text, own)[rest_at:]
        if title_form is not TitleForm.LINK
        else _without_links(src.text[rest_at:], [])
    )
    if title_form is TitleForm.LINK:
        rest = _without_links(src.text, own)
        k = rest.find("\x00")
        rest = rest[k + 1 :] if k >= 0 else rest
    year, year_text, year_form, ys, _ye = _year_of(rest)
    venue = _venue_near(rest, ys) if year is not None and year_form is not YearForm.PAREN else ""
    authors, author_form = _authors(rest, venue)
    if title_form is TitleForm.QUOTED and not authors:
        authors = _before_quote(src.text)
        author_form = AuthorForm.PLAIN if authors else AuthorForm.NONE
    d_authors, d_venue, d_year, d_year_text = _details(src.details)
    if src.details.strip():
        if d_authors and not authors:
            authors, author_form = d_authors, AuthorForm.SUB_ITEM
        if d_venue and not venue:
            venue = d_venue
        if year is None and d_year is not None:
            year, year_text, year_form = d_year, d_year_text, YearForm.VENUE
    targets = [f.target for f in found if f.target and not f.image]
    ids = read_ids(targets, src.text)
    if year is None and ids.arxiv and (m := _ARXIV_YEAR.match(ids.arxiv)):
        year, year_text, year_form = 2000 + int(m.group("yy")), "", YearForm.ARXIV
    links = _to_links(found)
    quirks = set(src.quirks)
    if not any(lk.is_url for lk in links):
        quirks.add(Quirk.NO_LINK)
    style = Style(
        src.shape,
        src.marker,
        src.indent,
        title_form,
        _link_form(found, title_form),
        year_form,
        author_form,
        src.line_break,
        src.end_line - src.start_line + 1,
    )
    return _entry(src, ids, quirks, title=title, year=year, year_text=year_text,
                  authors=authors, links=links, bold=title_form is TitleForm.BOLD, venue=venue,
                  style=style, sparkles=":sparkles:" in src.text)


def _plainly_first_form(src: Source) -> bool:
    """A cheap test for the common case of `_first_list_form`: one line, `[[` before any `](`."""
    t = src.text
    if src.shape is not Shape.LIST_ITEM or src.details or "<" in t or src.line_break:
        return False
    k = t.find("[[")
    j = t.find("]]", k) if k >= 0 else -1
    return (k >= 0 and "](" not in t[:k] and "http" not in t[:k] and j > 0
            and t[j - 1] != "\\" and not _quoted_form(t))


def _quoted_form(text: str) -> bool:
    """`**[12]** A. Author et al. "**Title**." (2016)`: a numbered label or a quoted title."""
    s = text.lstrip()
    return (s.startswith(("**[", "[")) and s[2 if s.startswith("**") else 1:][:1].isdigit()) \
        or "\"**" in s or "“" in s


def _first_list_form(src: Source, found: tuple[Found, ...]) -> bool:
    """True for the first list's one-line form: `[[label]]` links and no sub-item details."""
    if (src.details.strip() or any(b in src.text for b in _BREAKS) or src.line_break == "\\"
            or _quoted_form(src.text)):
        return False
    real = [f for f in found if not f.image]
    if not real:
        return src.shape is Shape.LIST_ITEM
    return real[0].form is LinkForm.DOUBLE


def _read_first_form(src: Source) -> Entry:
    """The first list's format, with its quirks, plus the generic extras (venue, ids, style)."""
    bold = src.text.lstrip().startswith("**")
    style = Style(src.shape, src.marker, src.indent,
                  TitleForm.BOLD if bold else TitleForm.PLAIN,
                  LinkForm.DOUBLE if "[[" in src.text else LinkForm.NONE, YearForm.PAREN,
                  AuthorForm.AFTER_YEAR, src.line_break, src.end_line - src.start_line + 1)
    e = read_entry(src.text, raw=src.raw, start_line=src.start_line, end_line=src.end_line,
                   section=src.section, quirks=set(src.quirks), style=style)
    web = [f for f in find_links(src.text) if f.target and not f.image
           and f.target.startswith(("http://", "https://"))]
    if sum(lk.is_url for lk in e.links) < len(web):  # e.g. `[[\\[pdf\\]]](url)`: escaped label
        e = dataclasses.replace(e, links=_to_links(find_links(src.text)))
    targets = [lk.target for lk in e.links if lk.target]
    others = read_ids(targets, src.text).others if targets else ()
    if others:
        e = dataclasses.replace(e, ids=others)
    if e.year is None or not e.authors or not e.title or (e.year_text[:3].casefold()
                                                           in _MONTHS):
        fixed = Style(src.shape, src.marker, src.indent,
                      TitleForm.BOLD if e.bold else (TitleForm.PLAIN if e.title
                                                     else TitleForm.NONE),
                      LinkForm.DOUBLE if e.links else LinkForm.NONE,
                      YearForm.NONE if e.year is None else (
                          YearForm.PAREN_MONTH if e.year_text[:3].casefold() in _MONTHS
                          else YearForm.PAREN),
                      AuthorForm.AFTER_YEAR if e.authors and e.year is not None
                      else (AuthorForm.PLAIN if e.authors else AuthorForm.NONE),
                      src.line_break, src.end_line - src.start_line + 1)
        e = dataclasses.replace(e, style=fixed)
    return e


TITLE_COLUMNS = ("title", "paper title", "paper", "name", "method", "model", "work")
YEAR_COLUMNS = ("year", "date", "time", "published")
VENUE_COLUMNS = (
    "venue",
    "conference",
    "conf",
    "journal",
    "publication",
    "pub",
    "published in",
    "source",
)
AUTHOR_COLUMNS = ("authors", "author", "first author")


def _column(cols: tuple[tuple[str, str], ...], names: tuple[str, ...]) -> tuple[str, str] | None:
    """The first (name, cell) whose header is one of `names`, in order of `names`."""
    index = _header_index(tuple(h for h, _ in cols))
    for n in names:
        if n in index:
            return cols[index[n]]
    return None


@lru_cache(maxsize=256)
def _header_index(headers: tuple[str, ...]) -> dict[str, int]:
    """Cleaned, case-folded header name -> its first column (one table's header, cached)."""
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        out.setdefault(clean(h).casefold(), i)
    return out


def titled_row(src: Source) -> bool:
    """A table row under a header that names a title column, with a title in it."""
    col = _column(src.columns, TITLE_COLUMNS) if src.shape is Shape.TABLE_ROW else None
    return col is not None and bool(clean(col[1]).strip("-– "))


def _read_row(src: Source) -> Entry:
    """A table row: fields by column name, links from every cell."""
    cols = src.columns
    found = find_links(src.text)
    title, title_form = "", TitleForm.NONE
    tcol = _column(cols, TITLE_COLUMNS)
    if tcol is not None:
        cell_links = find_links(tcol[1])
        cell = _without_links(tcol[1], [f for f in cell_links if f.image or is_generic(f.label)])
        title = clean(cell.replace("\x00", " "))
        if (
            cell_links
            and not is_generic(cell_links[0].label)
            and clean(cell_links[0].label)
            and title.startswith("[")
        ):
            title = clean(cell_links[0].label)
        if title.startswith("[") and "](" in title:
            title = clean(cell_links[0].label) if cell_links else title
        title_form = TitleForm.COLUMN
    if not title:
        for f in found:
            if not f.image and f.form is not LinkForm.BARE and not is_generic(f.label):
                title, title_form = clean(f.label), TitleForm.LINK
                break
    year, year_text, year_form = None, "", YearForm.NONE
    ycol = _column(cols, YEAR_COLUMNS)
    if ycol is not None and (m := _YEAR.search(ycol[1])):
        year, year_text, year_form = int(m.group("year")), m.group("year"), YearForm.COLUMN
    vcol = _column(cols, VENUE_COLUMNS)
    venue = clean(vcol[1]) if vcol else ""
    if year is None and venue and (m := _YEAR.search(venue)):
        year, year_text, year_form = int(m.group("year")), m.group("year"), YearForm.VENUE
    acol = _column(cols, AUTHOR_COLUMNS)
    authors = clean(acol[1]) if acol else ""
    targets = [f.target for f in found if f.target and not f.image]
    ids = read_ids(targets, src.text)
    if year is None and ids.arxiv and (m := _ARXIV_YEAR.match(ids.arxiv)):
        year, year_form = 2000 + int(m.group("yy")), YearForm.ARXIV
    links = _to_links(found)
    quirks = set(src.quirks)
    if not any(lk.is_url for lk in links):
        quirks.add(Quirk.NO_LINK)
    style = Style(
        Shape.TABLE_ROW,
        "|",
        src.indent,
        title_form,
        _link_form(found, TitleForm.NONE),
        year_form,
        AuthorForm.COLUMN if authors else AuthorForm.NONE,
        "",
        1,
    )
    return _entry(src, ids, quirks, title=title, year=year, year_text=year_text,
                  authors=authors, links=links, bold="**" in (tcol[1] if tcol else ""),
                  venue=venue, columns=cols, style=style)
