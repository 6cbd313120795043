"""OpenAlex, the fallback for papers Semantic Scholar could not answer.

Contract (docs.openalex.org, recorded in tests/fixtures/citations): `GET /works/doi:<doi>` answers
one Work (free: singleton calls cost nothing); `GET /works?filter=doi:A|B|...` answers
`{"meta": {...}, "results": [...]}` for up to 100 OR-ed values; `GET /works?search=...` ranks by
relevance. A Work carries `id`, `doi` (as https://doi.org/..., lower case), `display_name`,
`publication_year`, `cited_by_count`. `api_key` and `mailto` travel as query parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import aiohttp

from bot.awesome.facts import Citation
from bot.awesome.model import normalise_title
from bot.citations.http import Deadline, JsonSource
from bot.citations.resolve import clean_doi
from bot.citations.settings import CitationSettings

SOURCE = "OpenAlex"
SELECT = "id,doi,display_name,publication_year,cited_by_count"
FILTER_LIMIT = 100
SEARCH_PER_PAGE = 5


def to_citation(work: Any) -> Citation | None:
    """A Citation from one Work, or None when it carries no `cited_by_count`."""
    if not isinstance(work, Mapping):
        return None
    count = work.get("cited_by_count")
    if not isinstance(count, int) or isinstance(count, bool):
        return None
    year = work.get("publication_year")
    return Citation(
        count=count,
        source=SOURCE,
        url=str(work.get("id") or ""),
        matched_title=str(work.get("display_name") or work.get("title") or ""),
        matched_year=year if isinstance(year, int) else None,
    )


def year_filter(year: int | None) -> str | None:
    """`publication_year:Y-1|Y|Y+1`, since lists often give the venue year, not the preprint's."""
    return f"publication_year:{year - 1}|{year}|{year + 1}" if year else None


def _batchable(doi: str) -> bool:
    return not any(ch in doi for ch in "|,")


class OpenAlex(JsonSource):
    """Client for the OpenAlex works endpoints the bot needs."""

    name = SOURCE
    key_env = "OPENALEX_API_KEY"

    def __init__(
        self, session: aiohttp.ClientSession, settings: CitationSettings, deadline: Deadline
    ) -> None:
        super().__init__(
            session,
            settings,
            deadline,
            base_url=settings.openalex_url,
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
            params=settings.openalex_params,
        )
        self.has_key = bool(settings.openalex_api_key)

    async def by_doi(self, doi: str) -> Citation | None:
        """One work by DOI (a free singleton call); None when OpenAlex does not know it."""
        path = f"/works/doi:{doi}"
        work = await self.request("GET", path, route="work", params={"select": SELECT})
        return to_citation(work)

    async def by_dois(self, dois: Sequence[str]) -> dict[str, Citation]:
        """Works for many DOIs: one singleton call for one DOI, else OR-filters of up to 100."""
        wanted = list(dict.fromkeys(d.lower() for d in dois))
        found: dict[str, Citation] = {}
        if len(wanted) == 1 or not all(_batchable(d) for d in wanted):
            for doi in wanted:
                if (hit := await self.by_doi(doi)) is not None:
                    found[doi] = hit
            return found
        for start in range(0, len(wanted), FILTER_LIMIT):
            chunk = wanted[start : start + FILTER_LIMIT]
            body = await self.request(
                "GET",
                "/works",
                route="works",
                params={
                    "filter": "doi:" + "|".join(chunk),
                    "per_page": str(FILTER_LIMIT),
                    "select": SELECT,
                },
                missing=frozenset(),
            )
            for work in self._results(body):
                doi = clean_doi(str(work.get("doi") or ""))
                if doi and doi in chunk and (hit := to_citation(work)) is not None:
                    found[doi] = hit
        return found

    async def search_title(self, title: str, year: int | None) -> Citation | None:
        """The best-ranked work whose normalised title equals `title`, or None."""
        params = {"search": title, "per_page": str(SEARCH_PER_PAGE), "select": SELECT}
        if (years := year_filter(year)) is not None:
            params["filter"] = years
        body = await self.request(
            "GET", "/works", route="search", params=params, missing=frozenset()
        )
        wanted = normalise_title(title)
        for work in self._results(body):
            name = str(work.get("display_name") or work.get("title") or "")
            if normalise_title(name) == wanted:
                return to_citation(work)
        return None

    def _results(self, body: Any) -> Iterable[Mapping[str, Any]]:
        results = body.get("results") if isinstance(body, Mapping) else None
        if not isinstance(results, list):
            raise self.bad_answer("a works list without results")
        return [w for w in results if isinstance(w, Mapping)]
