"""Facts from outside the README (citation counts, link statuses), handed to the review as data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from bot.awesome.model import Entry


class LinkStatus(StrEnum):
    """What a link check found."""

    OK = "ok"
    DEAD = "dead"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class Citation:
    """A citation count and where it came from."""

    count: int
    source: str
    url: str
    matched_title: str = ""
    matched_year: int | None = None


@dataclass(frozen=True, slots=True)
class LinkCheck:
    """The outcome of checking one URL."""

    url: str
    status: LinkStatus
    http_status: int | None = None
    detail: str = ""


_EMPTY: Mapping = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Facts:
    """Citation counts keyed by `Entry.key`, link checks keyed by URL, why sources failed, and
    the entries every source answered "unknown" (`not_found`, by `Entry.key`), and the records
    found by an entry's identifier whose title is another paper's (`mismatched`, no count)."""

    citations: Mapping[str, Citation] = field(default_factory=lambda: _EMPTY)
    links: Mapping[str, LinkCheck] = field(default_factory=lambda: _EMPTY)
    unavailable: tuple[str, ...] = ()
    offline: bool = False
    not_found: frozenset[str] = frozenset()
    mismatched: Mapping[str, Citation] = field(default_factory=lambda: _EMPTY)

    def citation_for(self, entry: Entry) -> Citation | None:
        """The count for an entry, by its key or any of its identifiers or its title."""
        for key in (entry.key, *entry.identifiers, entry.title_key):
            if key and key in self.citations:
                return self.citations[key]
        return None

    def link(self, url: str | None) -> LinkCheck | None:
        """The check result for one URL, if it was checked."""
        return self.links.get(url) if url else None


NO_FACTS = Facts(offline=True)


def merge_facts(parts: Sequence[Facts]) -> Facts:
    """The facts of several reviews together (one pull request editing several list files)."""
    if len(parts) == 1:
        return parts[0]
    return Facts(
        citations=MappingProxyType({k: v for f in parts for k, v in f.citations.items()}),
        links=MappingProxyType({k: v for f in parts for k, v in f.links.items()}),
        unavailable=tuple(dict.fromkeys(u for f in parts for u in f.unavailable)),
        offline=any(f.offline for f in parts),
        not_found=frozenset().union(*(f.not_found for f in parts)),
        mismatched=MappingProxyType({k: v for f in parts for k, v in f.mismatched.items()}))
