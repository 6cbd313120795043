"""The list model: sections, entries, researchers and the list's own criteria (no I/O).

Interface for the rules and the profile (see `parse.parse`):

- `AwesomeList.entries`: every entry of every section that holds entries, whatever its shape
  (`Shape`: a list item, a table row, a paragraph/HTML block). `Entry.style` records how the
  entry is written (`Style`: marker, title/link/year/author forms, line breaks), so a house
  style can be learned per section and a fix rendered in it.
- `Entry` fields: `title`, `year`/`year_text`, `authors`, `venue`, `links` (label + target),
  identifiers (`arxiv_id`, `doi`, `acl_id`, and `ids` for OpenReview, PMLR, CVF, NeurIPS),
  `columns` (a table row's cells by header name).
- `AwesomeList.unrecognized`: lines that hold a link or look like an item but belong to no
  entry, navigation block or badge (rule `parse/unrecognized`).
- `SectionKind.PAPERS`: a section holding entries on a list that declares no top-N; `TOP100`
  only where the list declares a top N (its Contents marker or criteria block) or config says.
- `Criteria.source`: "readme" when the README declares criteria, "default" when it declares
  none (then no top-100, window or threshold rule applies unless the config sets one).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from bot.awesome.textnorm import fold


class SectionKind(StrEnum):
    """What a heading's section holds, and whether it counts toward the top 100."""

    TOP100 = "top100"
    PAPERS = "papers"
    NEW = "new"
    OLD = "old"
    APPENDIX = "appendix"
    RESOURCES = "resources"
    RESEARCHERS = "researchers"
    OTHER = "other"

    @property
    def holds_papers(self) -> bool:
        """True for sections whose list items are paper entries."""
        return self in PAPER_KINDS


PAPER_KINDS = frozenset(
    {SectionKind.TOP100, SectionKind.PAPERS, SectionKind.NEW, SectionKind.OLD, SectionKind.APPENDIX,
     SectionKind.RESOURCES}
)


class Quirk(StrEnum):
    """A departure from the contributing guide's entry format, noticed while parsing."""

    EMPTY_LINK = "empty-link"
    SPACE_BEFORE_URL = "space-before-url"
    LINK_NOT_URL = "link-not-url"
    TAG_WITHOUT_URL = "tag-without-url"
    LINK_BROKEN_ACROSS_LINES = "link-broken-across-lines"
    NO_LINK = "no-link"
    MISSING_YEAR = "missing-year"
    UNCLOSED_YEAR = "unclosed-year"
    MISSING_OPEN_PAREN = "missing-open-paren"
    NO_COMMA_AFTER_YEAR = "no-comma-after-year"
    MISSING_AUTHOR = "missing-author"
    COMMA_BEFORE_LINK = "comma-before-link"
    NO_SPACE_BEFORE_LINK = "no-space-before-link"
    TRAILING_CHARS = "trailing-chars"
    DOUBLE_SPACE = "double-space"
    TRAILING_WHITESPACE = "trailing-whitespace"
    AFFILIATION_NO_PARENS = "affiliation-no-parens"
    AFFILIATION_AFTER_LINK = "affiliation-after-link"


class Shape(StrEnum):
    """How the markdown holds an entry."""

    LIST_ITEM = "list-item"
    TABLE_ROW = "table-row"
    BLOCK = "block"


class TitleForm(StrEnum):
    """How an entry writes its title."""

    BOLD = "bold"            # **Title**
    LINK = "link"            # [Title](url)
    QUOTED = "quoted"        # "Title" (possibly "**Title**")
    PLAIN = "plain"          # leading text
    COLUMN = "column"        # a table's title/paper/name column
    NONE = "none"


class LinkForm(StrEnum):
    """How an entry writes its links (the form of its first labelled link)."""

    DOUBLE = "double"        # [[pdf]](url)
    INNER = "inner"          # [[pdf](url)]
    PLAIN = "plain"          # [pdf](url)
    TITLE = "title"          # [Title](url): the title is the link
    BARE = "bare"            # https://... or <https://...>
    NONE = "none"


class YearForm(StrEnum):
    """How an entry writes its year."""

    PAREN = "paren"          # (2016), (Book, 2016)
    PAREN_MONTH = "paren-month"  # (Mar., 2024), (March 2024)
    VENUE = "venue"          # ICLR 2014 / *ICCV 2023*
    VENUE_COMMA = "venue-comma"  # CVPR, 2017.
    COLUMN = "column"        # a table's year column
    ARXIV = "arxiv"          # only from an arXiv id in a link
    NONE = "none"


class AuthorForm(StrEnum):
    """How an entry writes its authors."""

    AFTER_YEAR = "after-year"  # Title (2016), A. Author et al.
    ITALIC = "italic"        # *A. Author, B. Author*
    SUB_ITEM = "sub-item"    # an indented `- Authors *Venue Year*` sub-bullet
    PLAIN = "plain"          # Title, A. Author (no year between)
    COLUMN = "column"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Style:
    """How one entry is written: what a section's house style is learned from.

    `marker` is the list marker (`-`, `*`, `+`, `1.` or `1)`; "" outside lists), `indent` its
    column, `line_break` how a multi-line entry breaks lines ("" one line, "<br>", "\\",
    "newline" for plain continuation lines, "sub-item" for details in a sub-list), `lines` how
    many source lines the entry spans.
    """

    shape: Shape = Shape.LIST_ITEM
    marker: str = "-"
    indent: int = 0
    title: TitleForm = TitleForm.PLAIN
    link: LinkForm = LinkForm.DOUBLE
    year: YearForm = YearForm.PAREN
    authors: AuthorForm = AuthorForm.AFTER_YEAR
    line_break: str = ""
    lines: int = 1


DEFAULT_STYLE = Style()


@dataclass(frozen=True, slots=True)
class Unrecognized:
    """A line that holds a link or looks like an item, yet belongs to no entry.

    `section` is -1 before the first heading; `reason` is "holds a link" or "looks like an
    item"; `text` is the line, cut at 300 characters.
    """

    line: int
    text: str
    section: int
    reason: str


@dataclass(frozen=True, slots=True)
class Link:
    """One `[[label]](target)` link of an entry; `target` is None when the tag has no `(...)`."""

    label: str
    target: str | None

    @property
    def is_url(self) -> bool:
        """True when the target is an http(s) URL."""
        return bool(self.target) and bool(_URL.match(self.target or ""))


_URL = re.compile(r"https?://[^\s]+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper (or resource) of the list, with every field it could be read for.

    `raw` is the entry's source lines, `start_line`..`end_line` their 1-based span, `section`
    the index of its section. `ids` holds typed keys beyond arXiv/DOI/ACL: `openreview:<id>`,
    `pmlr:<volume>/<paper>`, `cvf:<paper stem>`, `neurips:<hash>`. `columns` is a table row's
    (header, cell text) pairs. `quirks` are departures from the first list's guide format.
    """

    raw: str
    start_line: int
    end_line: int
    section: int
    title: str = ""
    year: int | None = None
    year_text: str = ""
    authors: str = ""
    affiliations: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    sparkles: bool = False
    bold: bool = False
    arxiv_id: str | None = None
    doi: str | None = None
    acl_id: str | None = None
    quirks: frozenset[Quirk] = frozenset()
    venue: str = ""
    ids: tuple[str, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()
    style: Style = DEFAULT_STYLE

    @property
    def shape(self) -> Shape:
        """The markdown shape that holds the entry."""
        return self.style.shape

    @property
    def lines(self) -> range:
        """The 1-based source lines this entry spans."""
        return range(self.start_line, self.end_line + 1)

    @property
    def identifiers(self) -> tuple[str, ...]:
        """Stable identity keys, strongest first: arXiv, DOI, ACL, then normalised URLs."""
        return _identifiers(self.arxiv_id, self.doi, self.acl_id, self.ids, self.links)

    @property
    def title_key(self) -> str:
        """The normalised title, used when no identifier matches."""
        return f"title:{normalise_title(self.title)}" if self.title.strip() else ""

    @property
    def key(self) -> str:
        """The one key citation facts are filed under: the strongest identifier, else the title."""
        ids = self.identifiers
        return ids[0] if ids else (self.title_key or f"line:{self.start_line}")

    @property
    def pdf_url(self) -> str | None:
        """The first URL link, preferring one labelled pdf."""
        urls = [lk for lk in self.links if lk.is_url]
        for lk in urls:
            if lk.label.lower() == "pdf":
                return lk.target
        return urls[0].target if urls else None


@lru_cache(maxsize=65_536)
def _identifiers(arxiv_id: str | None, doi: str | None, acl_id: str | None,
                 ids: tuple[str, ...], links: tuple[Link, ...]) -> tuple[str, ...]:
    """Identity keys of an entry (cached: entries are immutable and compared often)."""
    keys: list[str] = []
    if arxiv_id:
        keys.append(f"arxiv:{arxiv_id.lower()}")
    if doi:
        keys.append(f"doi:{doi.lower()}")
    if acl_id:
        keys.append(f"acl:{acl_id.upper()}")
    keys.extend(ids)
    for link in links:
        if link.is_url and link.target:
            keys.append(f"url:{normalise_url(link.target)}")
    return tuple(keys)


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the lines under it up to the next heading."""

    index: int
    title: str
    level: int
    start_line: int
    end_line: int
    kind: SectionKind
    slug: str


@dataclass(frozen=True, slots=True)
class Researcher:
    """One person in the Distinguished Researchers section."""

    name: str
    profile: str | None
    affiliation: str
    sparkles: bool
    line: int


@dataclass(frozen=True, slots=True)
class Threshold:
    """Citations a paper of `year` needs; `bold` is the :sparkles:/bold bar, where there is one."""

    year: int
    citations: int
    bold: int | None = None
    alternative: str | None = None


@dataclass(frozen=True, slots=True)
class Criteria:
    """The list's own rules: size, year window, thresholds per year, and where they came from."""

    top_size: int = 100
    first_year: int = 2012
    last_year: int = 2016
    thresholds: tuple[Threshold, ...] = ()
    new_papers_rule: str = "< 6 months"
    old_papers_before: int = 2012
    source: str = "default"

    def threshold_for(self, year: int | None) -> Threshold | None:
        """The threshold for `year`, or None when the list sets none."""
        if year is None:
            return None
        for th in self.thresholds:
            if th.year == year:
                return th
        return None

    def in_window(self, year: int) -> bool:
        """True when `year` lies within the list's year window."""
        return self.first_year <= year <= self.last_year


DEFAULT_THRESHOLDS = (
    Threshold(2016, 60, None, "More Papers from 2016"),
    Threshold(2015, 200),
    Threshold(2014, 400),
    Threshold(2013, 600),
    Threshold(2012, 800),
)
DEFAULT_CRITERIA = Criteria(thresholds=DEFAULT_THRESHOLDS)


@dataclass(frozen=True, slots=True)
class AwesomeList:
    """A parsed README: its sections, entries, researchers and criteria."""

    sections: tuple[Section, ...]
    entries: tuple[Entry, ...]
    researchers: tuple[Researcher, ...] = ()
    criteria: Criteria = DEFAULT_CRITERIA
    strays: tuple[Entry, ...] = ()
    line_count: int = 0
    toc_marker: bool = False
    unrecognized: tuple[Unrecognized, ...] = ()
    _by_section: dict[int, tuple[Entry, ...]] = field(default_factory=dict, compare=False,
                                                      repr=False)
    _bold: dict[int, int] = field(default_factory=dict, compare=False, repr=False)

    def in_section(self, index: int) -> tuple[Entry, ...]:
        """The entries of one section, in source order."""
        if not self._by_section:
            groups: dict[int, list[Entry]] = {}
            for e in self.entries:
                groups.setdefault(e.section, []).append(e)
            self._by_section.update({k: tuple(v) for k, v in groups.items()})
        return self._by_section.get(index, ())

    def bold_count(self, index: int) -> int:
        """How many entries of one section have bold titles (cached)."""
        if index not in self._bold:
            self._bold[index] = sum(e.bold for e in self.in_section(index))
        return self._bold[index]

    def of_kind(self, kind: SectionKind) -> tuple[Entry, ...]:
        """All entries in sections of one kind."""
        return tuple(e for e in self.entries if self.sections[e.section].kind is kind)

    @property
    def top100(self) -> tuple[Entry, ...]:
        """The entries that count toward the top 100."""
        return self.of_kind(SectionKind.TOP100)

    def sections_of_kind(self, kind: SectionKind) -> tuple[Section, ...]:
        """Sections of one kind, in order."""
        return tuple(s for s in self.sections if s.kind is kind)



_PUNCT_RE = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")


@lru_cache(maxsize=65_536)
def normalise_title(title: str) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a title."""
    t = title
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t)
        t = fold("".join(c for c in t if not unicodedata.combining(c)))
    t = t.replace("**", "").replace("__", "").casefold()
    t = _PUNCT_RE.sub(" ", t).replace("_", " ")
    return _SPACE_RE.sub(" ", t).strip()


def normalise_url(url: str) -> str:
    """A URL without scheme, `www.`, doubled slashes, trailing slash, `.pdf` or query noise."""
    u = url.strip().lower()
    u = re.sub(r"^https?://", "", u)
    u = re.sub(r"^www\.", "", u)
    u = u.split("#", 1)[0]
    if "?utm_" in u:
        u = u.split("?utm_", 1)[0]
    u = re.sub(r"/{2,}", "/", u).rstrip("/")
    return u
