"""Semantic Scholar Academic Graph API: one batch call for known ids, title match for the rest.

Contract (api.semanticscholar.org/api-docs/graph, recorded in tests/fixtures/citations):
`POST /paper/batch?fields=...` with `{"ids": [...]}` answers a list of the same length and order,
`null` for an unknown id, at most 500 ids a call; `GET /paper/search/match?query=...` answers
`{"data": [paper]}` with the single closest title, or 404 "Title match not found";
a key goes in `x-api-key`, 403 means the key is wrong, 429 means slow down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from bot.awesome.facts import Citation
from bot.awesome.model import normalise_title
from bot.citations.http import Deadline, JsonSource
from bot.citations.settings import CitationSettings

SOURCE = "Semantic Scholar"
FIELDS = "title,year,citationCount,externalIds,url"
BATCH_LIMIT = 500


def to_citation(paper: Any) -> Citation | None:
    """A Citation from one paper object, or None when it carries no citation count."""
    if not isinstance(paper, Mapping):
        return None
    count = paper.get("citationCount")
    if not isinstance(count, int) or isinstance(count, bool):
        return None
    url = paper.get("url") or ""
    if not url and paper.get("paperId"):
        url = f"https://www.semanticscholar.org/paper/{paper['paperId']}"
    year = paper.get("year")
    return Citation(
        count=count,
        source=SOURCE,
        url=str(url),
        matched_title=str(paper.get("title") or ""),
        matched_year=year if isinstance(year, int) else None,
    )


def year_range(year: int | None) -> str | None:
    """The `year=` filter: one year either side, since lists often give the venue year."""
    return f"{year - 1}-{year + 1}" if year else None


class SemanticScholar(JsonSource):
    """Client for the two Semantic Scholar endpoints the bot needs."""

    name = SOURCE
    key_env = "SEMANTIC_SCHOLAR_API_KEY"
    key_refused_statuses = frozenset({403})

    def __init__(
        self, session: aiohttp.ClientSession, settings: CitationSettings, deadline: Deadline
    ) -> None:
        super().__init__(
            session, settings, deadline, base_url=settings.s2_url, headers=settings.s2_headers
        )
        self.has_key = bool(settings.s2_api_key)

    async def batch(self, ids: Sequence[str]) -> list[Citation | None]:
        """Counts for up to 500 ids in one call, in order; None where S2 has no such paper."""
        if len(ids) > BATCH_LIMIT:
            raise ValueError(f"at most {BATCH_LIMIT} ids per batch call, got {len(ids)}")
        body = await self.request(
            "POST",
            "/paper/batch",
            route="batch",
            params={"fields": FIELDS},
            json={"ids": list(ids)},
            missing=frozenset(),
        )
        if not isinstance(body, list) or len(body) != len(ids):
            got = f"{len(body)} papers" if isinstance(body, list) else type(body).__name__
            raise self.bad_answer(f"batch of {len(ids)} ids answered with {got}")
        return [to_citation(paper) for paper in body]

    async def match_title(self, title: str, year: int | None) -> Citation | None:
        """The paper whose normalised title equals `title`; None for no match or another title."""
        params = {"query": title, "fields": FIELDS}
        if (years := year_range(year)) is not None:
            params["year"] = years
        body = await self.request("GET", "/paper/search/match", route="match", params=params)
        if body is None:
            return None
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, list):
            raise self.bad_answer("title match without a data list")
        wanted = normalise_title(title)
        for paper in data:
            title_found = str(paper.get("title") or "") if isinstance(paper, Mapping) else ""
            if title_found and normalise_title(title_found) == wanted:
                return to_citation(paper)
        return None
