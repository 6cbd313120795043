"""Paper identifiers read from link targets: arXiv, DOI, ACL Anthology, OpenReview, PMLR, CVF,
NeurIPS proceedings.

Patterns run on google-re2 (linear time whatever the URL holds).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.awesome.linear import Pattern

_ARXIV = Pattern(
    r"(?i)(?:arxiv\.org|128\.84\.21\.199)/(?:abs|pdf|html)/"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?"
)
_ARXIV_TEXT = Pattern(r"(?i)\barxiv:\s?(?P<id>\d{4}\.\d{4,5})")
_DOI = Pattern(
    r"(?i)(?:doi\.org/|/doi/(?:abs/|full/|pdf/|pdfplus/|epdf/)?)(?P<doi>10\.\d{4,9}/[^\s?#]+)"
)
_DOI_TAIL = Pattern(r"(?i)(?:\.pdf|/(?:abstract|full|pdf))$")
_ACL = Pattern(
    r"(?i)(?:(?:www\.)?aclweb\.org/anthology|anthology\.aclweb\.org|aclanthology\.org"
    r"|aclanthology\.info/papers)/(?:[a-z]/[a-z]\d{2}/)?(?P<id>[a-z]\d{2}-\d{4}|\d{4}\.[a-z-]+\.\d+)"
)
_OPENREVIEW = Pattern(r"(?i)openreview\.net/(?:forum|pdf)\?(?:[^\s#]*&)?id=(?P<id>[\w-]+)")
_PMLR = Pattern(r"(?i)(?:proceedings\.mlr\.press|jmlr\.org/proceedings/papers)/"
                    r"(?P<vol>v\d+)/(?P<paper>[a-z0-9_-]+?)(?:/[a-z0-9_-]+)?(?:\.pdf|\.html)?$")
_CVF = Pattern(r"(?i)openaccess\.thecvf\.com/\S*?/(?P<stem>[A-Za-z0-9_+-]+?_(?:paper|"
                   r"supplemental))(?:\.pdf|\.html)")
_NEURIPS = Pattern(r"(?i)(?:papers\.nips\.cc|proceedings\.neurips\.cc)/paper(?:_files)?/"
                       r"(?:paper/)?(?:\d{4}/)?(?:hash|file)?/?(?P<hash>[0-9a-f]{32})")
_NIPS_OLD = Pattern(r"(?i)papers\.nips\.cc/paper/(?P<id>\d{3,5})-")


@dataclass(frozen=True, slots=True)
class Ids:
    """The identifiers found in an entry's links."""

    arxiv: str | None = None
    doi: str | None = None
    acl: str | None = None
    others: tuple[str, ...] = ()


def _first(pattern: Pattern, targets: list[str], group: str) -> str | None:
    """The first match of `group` among `targets`."""
    for t in targets:
        if m := pattern.search(t):
            return m.group(group)
    return None


def read_ids(targets: list[str], text: str = "") -> Ids:
    """Identifiers from link targets (and an `arXiv:1234.5678` written in the entry's text)."""
    lows = [t.lower() for t in targets]
    arxiv = _first(_ARXIV, [t for t, lo in zip(targets, lows, strict=True)
                            if "arxiv" in lo or "128.84" in lo], "id")
    if arxiv is None and "arxiv:" in text.lower() and (m := _ARXIV_TEXT.search(text)):
        arxiv = m.group("id")
    doi = _first(_DOI, [t for t in targets if "10." in t], "doi")
    if doi:
        doi = _DOI_TAIL.sub("", doi) if doi.lower().endswith(_DOI_ENDS) else doi
    acl = _first(_ACL, [t for t, lo in zip(targets, lows, strict=True) if "acl" in lo], "id")
    others: list[str] = []
    for t, lo in zip(targets, lows, strict=True):
        if "openreview" in lo and (m := _OPENREVIEW.search(t)):
            others.append(f"openreview:{m.group('id')}")
        elif "mlr" in lo and (m := _PMLR.search(t)):
            others.append(f"pmlr:{m.group('vol').lower()}/{m.group('paper').lower()}")
        elif "thecvf" in lo and (m := _CVF.search(t)):
            stem = m.group("stem")
            others.append(f"cvf:{stem.rsplit('_', 1)[0].lower()}")
        elif "nips" in lo and (m := _NEURIPS.search(t)):
            others.append(f"neurips:{m.group('hash').lower()}")
        elif "nips" in lo and (m := _NIPS_OLD.search(t)):
            others.append(f"neurips:{m.group('id')}")
    return Ids(arxiv, doi, acl, tuple(dict.fromkeys(others)))


NO_IDS = Ids()
_DOI_ENDS = (".pdf", "/abstract", "/full", "/pdf")
