"""Which identifiers a list entry can be looked up by (pure: no I/O).

The parser already fills `Entry.arxiv_id`, `Entry.doi` and `Entry.acl_id`; this module reads the
links again as a fallback, so an entry built by hand (or by an older parser) resolves the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from bot.awesome.model import Entry, normalise_title, normalise_url

_ARXIV_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.\-]*(?:\.[A-Z]{2})?/\d{7})(?P<version>v\d+)?"
_ARXIV_URL = re.compile(
    r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/" + _ARXIV_ID,
    re.IGNORECASE,
)
_ARXIV_BARE = re.compile(r"^(?:arxiv:)?" + _ARXIV_ID + r"$", re.IGNORECASE)
_ACL_URL = re.compile(
    r"^https?://(?:[\w-]+\.)?(?:aclweb\.org|aclanthology\.org)/\S*?"
    r"(?P<id>\b[A-Z]\d{2}-\d{4}|\b\d{4}\.[a-z\d]+-[a-z\d]+\.\d+)(?:\.pdf)?/?(?:[?#]|$)",
)
_DOI_URL = re.compile(
    r"^https?://(?:dx\.)?doi\.org/(?P<doi>10\.\d{4,9}/[^\s?#]+)"
    r"|^https?://[^/\s]+/doi/(?:abs/|full/|pdf/|pdfplus/|epdf/|book/)?(?P<doi2>10\.\d{4,9}/[^\s?#]+)",
    re.IGNORECASE,
)
_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(?P<doi>10\.\d{4,9}/\S+)$", re.IGNORECASE)
_VERSION = re.compile(r"v\d+$", re.IGNORECASE)
_MARKUP = re.compile(r"[*`]+|(?<!\w)_+|_+(?!\w)")
_SPACES = re.compile(r"\s+")

S2_URL_HOSTS = ("semanticscholar.org", "arxiv.org", "aclweb.org", "acm.org", "biorxiv.org")
"""Sites whose URLs Semantic Scholar resolves as `URL:<url>` ids (from its API docs)."""

ARXIV_DOI_PREFIX = "10.48550/arxiv."
"""arXiv papers carry DataCite DOIs of this form, which OpenAlex knows."""


def strip_arxiv_version(arxiv_id: str) -> str:
    """An arXiv id without its `vN` suffix: Semantic Scholar knows only the bare id."""
    return _VERSION.sub("", arxiv_id.strip())


def arxiv_id_from_url(url: str) -> str | None:
    """The unversioned arXiv id in an arxiv.org abs/pdf link, or None."""
    m = _ARXIV_URL.match(url.strip())
    return m.group("id") if m else None


def acl_id_from_url(url: str) -> str | None:
    """The ACL Anthology paper id (P16-1001, 2020.acl-main.1) in an aclweb/aclanthology link."""
    m = _ACL_URL.match(url.strip())
    return m.group("id") if m else None


def doi_from_url(url: str) -> str | None:
    """The DOI in a doi.org link or a publisher's `/doi/...` path, lower-cased; else None."""
    m = _DOI_URL.match(url.strip())
    if not m:
        return None
    return clean_doi(m.group("doi") or m.group("doi2"))


def clean_doi(doi: str) -> str | None:
    """A DOI in its plain lower-case form (no `doi:` or resolver prefix), or None if not one."""
    m = _DOI.match(unquote(doi.strip()))
    return m.group("doi").rstrip(".,;)").lower() if m else None


def clean_title(title: str) -> str:
    """A title as a search query: markdown emphasis gone, hyphens spaced, whitespace collapsed.

    Semantic Scholar's docs: "Hyphenated query terms yield no matches (replace it with space)".
    """
    t = _MARKUP.sub("", title).replace("-", " ")
    return _SPACES.sub(" ", t).strip()


def _norm(title: str) -> str:
    return normalise_title(clean_title(title))


def same_title(entry_title: str, record_title: str) -> bool:
    """True when a record is the entry's paper by title: equal once normalised, or one is the
    other's main title (before a colon) of at least two words, as lists shorten subtitles.

    A count found by an identifier belongs to the entry only then: a link naming a famous DOI
    must not lend its citations to another paper.
    """
    a, b = _norm(entry_title), _norm(record_title)
    if not a or not b:
        return False
    if a == b:
        return True
    for short, long in ((a, record_title), (b, entry_title)):
        main = _norm(long.split(":", 1)[0]) if ":" in long else ""
        if main and main == short and len(short.split()) >= 2:
            return True
    return False


def s2_url_id(url: str) -> str | None:
    """`URL:<url>` when the link is on a site Semantic Scholar resolves by URL, else None."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    if any(host == h or host.endswith("." + h) for h in S2_URL_HOSTS):
        return f"URL:{url.strip()}"
    return None


@dataclass(frozen=True, slots=True)
class PaperRef:
    """What one paper can be looked up by; `key` files it in the cache and dedupes lookups."""

    key: str
    s2_id: str | None
    dois: tuple[str, ...]
    title: str
    year: int | None


def _arxiv_of(entry: Entry) -> str | None:
    if entry.arxiv_id:
        m = _ARXIV_BARE.match(entry.arxiv_id.strip())
        if m:
            return m.group("id")
    for link in entry.links:
        if link.is_url and link.target and (found := arxiv_id_from_url(link.target)):
            return found
    return None


def _doi_of(entry: Entry) -> str | None:
    if entry.doi and (doi := clean_doi(entry.doi)):
        return doi
    for link in entry.links:
        if link.is_url and link.target and (found := doi_from_url(link.target)):
            return found
    return None


def _acl_of(entry: Entry) -> str | None:
    if entry.acl_id and entry.acl_id.strip():
        return entry.acl_id.strip()
    for link in entry.links:
        if link.is_url and link.target and (found := acl_id_from_url(link.target)):
            return found
    return None


def resolve(entry: Entry) -> PaperRef | None:
    """How to look up one entry: an S2 id (arXiv, DOI, ACL, URL), DOIs for OpenAlex, its title.

    None when the entry has neither an identifier nor a title.
    """
    title = clean_title(entry.title)
    arxiv = _arxiv_of(entry)
    doi = _doi_of(entry)
    acl = _acl_of(entry)
    dois: list[str] = []
    if doi:
        dois.append(doi)
    if arxiv:
        dois.append(ARXIV_DOI_PREFIX + arxiv.lower())
    s2_id: str | None
    if arxiv:
        s2_id, key = f"ARXIV:{arxiv}", f"ARXIV:{arxiv.lower()}"
    elif doi:
        s2_id, key = f"DOI:{doi}", f"DOI:{doi}"
    elif acl:
        s2_id, key = f"ACL:{acl}", f"ACL:{acl.upper()}"
    else:
        url = next(
            (lk.target for lk in entry.links if lk.is_url and lk.target and s2_url_id(lk.target)),
            None,
        )
        if url:
            s2_id, key = s2_url_id(url), f"URL:{normalise_url(url)}"
        elif title:
            s2_id, key = None, f"TITLE:{normalise_title(title)}@{entry.year or ''}"
        else:
            return None
    if not title and not s2_id:
        return None
    return PaperRef(key=key, s2_id=s2_id, dois=tuple(dois), title=title, year=entry.year)
