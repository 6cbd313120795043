"""The fake answers in the recorded shapes and refuses what the real services refuse."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.citation_server import CitationServer, FakePaper, parse_paper
from tests.fakes.papers import CLASSICS, RESNET, TRANSFERABLE

FIXTURES = Path(__file__).parent / "fixtures" / "citations"


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
async def server() -> AsyncIterator[CitationServer]:
    async with CitationServer(list(CLASSICS)) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_batch_answers_in_order_with_null_for_unknown_and_versioned_ids(
    server: CitationServer, http: aiohttp.ClientSession
) -> None:
    ids = [
        "ARXIV:1512.03385v2",
        "ARXIV:1512.03385",
        "CorpusId:1",
        "URL:https://arxiv.org/abs/1512.03385v1",
    ]
    async with http.post(
        f"{server.s2_url}/paper/batch",
        params={"fields": "title,year,citationCount,externalIds,url"},
        json={"ids": ids},
    ) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert len(body) == 4 and body[0] is None and body[2] is None
    paper = body[1]
    assert body[3] == paper
    template = recorded("s2/test_get_papers_return_not_found.json")[1]
    assert list(paper) == [k for k in template if k in paper]  # the recorded key order
    assert set(paper) == {"paperId", "externalIds", "url", "title", "year", "citationCount"}
    assert paper["externalIds"] == {"ArXiv": "1512.03385", "CorpusId": RESNET.corpus_id}
    assert paper["citationCount"] == 5000


async def test_batch_refuses_more_than_500_ids_and_bad_fields(
    server: CitationServer, http: aiohttp.ClientSession
) -> None:
    url = f"{server.s2_url}/paper/batch"
    async with http.post(url, json={"ids": [f"ARXIV:1601.{i:05d}" for i in range(501)]}) as resp:
        assert resp.status == 400
    async with http.post(url, params={"fields": "unknown"}, json={"ids": []}) as resp:
        assert resp.status == 400
        assert await resp.json() == recorded("s2/test_bad_query_parameters.json")


async def test_single_paper_and_its_recorded_404(
    server: CitationServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{server.s2_url}/paper/DOI:10.1162/neco.1997.9.8.1735") as resp:
        assert resp.status == 200
        assert await resp.json() == {
            "paperId": CLASSICS[7].paper_id,
            "title": "Long short-term memory",
        }
    async with http.get(f"{server.s2_url}/paper/0") as resp:
        assert resp.status == 404
        assert await resp.json() == recorded("s2/test_not_found_0.json")


async def test_title_match_shape_and_miss(
    server: CitationServer, http: aiohttp.ClientSession
) -> None:
    url = f"{server.s2_url}/paper/search/match"
    async with http.get(
        url, params={"query": TRANSFERABLE.title.upper(), "fields": "title"}
    ) as resp:
        body = await resp.json()
    shape = recorded("s2/test_search_paper_match_title.json")
    assert list(body) == list(shape)
    assert list(body["data"][0]) == list(shape["data"][0])
    assert body["data"][0]["title"] == TRANSFERABLE.title
    async with http.get(url, params={"query": TRANSFERABLE.title, "year": "2016-2017"}) as resp:
        assert resp.status == 404
        assert await resp.json() == {"error": "Title match not found"}


async def test_wrong_key_403_and_rate_limit_429(
    server: CitationServer, http: aiohttp.ClientSession
) -> None:
    server.s2_api_key = "right"
    url = f"{server.s2_url}/paper/ARXIV:1512.03385"
    async with http.get(url, headers={"x-api-key": "wrong"}) as resp:
        assert resp.status == 403
    async with http.get(url, headers={"x-api-key": "right"}) as resp:
        assert resp.status == 200
    server.s2_rate_limit_first = 1
    async with http.get(url) as resp:
        assert resp.status == 429
        assert (await resp.json())["code"] == "429"
    async with http.get(url) as resp:
        assert resp.status == 200
    assert server.counts == {"s2.paper": 4}


async def test_openalex_work_list_and_refusals(
    server: CitationServer, http: aiohttp.ClientSession
) -> None:
    base = server.openalex_url
    async with http.get(f"{base}/works/doi:10.48550/arxiv.1512.03385") as resp:
        work = await resp.json()
    template = recorded("openalex/work_W2741809807_singleton.json")
    assert list(work) == list(template)
    assert (
        work["cited_by_count"] == 5000
        and work["doi"] == "https://doi.org/10.48550/arxiv.1512.03385"
    )

    async with http.get(
        f"{base}/works",
        params={
            "filter": "doi:10.48550/arxiv.1512.03385|10.1162/neco.1997.9.8.1735",
            "select": "id,cited_by_count",
        },
    ) as resp:
        listing = await resp.json()
    assert list(listing) == list(recorded("openalex/openalexPro_pro_request_list_count_0.json"))
    assert listing["meta"]["count"] == 2
    assert sorted(w["cited_by_count"] for w in listing["results"]) == [5000, 9000]
    assert all(set(w) == {"id", "cited_by_count"} for w in listing["results"])

    async with http.get(f"{base}/works", params={"filter": "DOESNTEXIST:1"}) as resp:
        assert resp.status == 400
        assert await resp.json() == recorded("openalex/openalexPro_opt_filter_names_0.json")
    async with http.get(f"{base}/works/W1", params={"select": "DOESNTEXIST"}) as resp:
        assert resp.status == 400
        assert await resp.json() == recorded("openalex/openalexPro_opt_select_fields_0.json")
    too_many = "|".join(f"10.1/{i}" for i in range(101))
    async with http.get(f"{base}/works", params={"filter": f"doi:{too_many}"}) as resp:
        assert resp.status == 400
    async with http.get(f"{base}/works/doi:10.9999/unknown") as resp:
        assert resp.status == 404
    server.openalex_api_key = "right"
    async with http.get(f"{base}/works/W1", params={"api_key": "wrong"}) as resp:
        assert resp.status == 401
        assert await resp.json() == recorded(
            "openalex/openalexPro_pro_rate_limit_status_401_0.json"
        )


async def test_openalex_search_ranks_and_filters_by_year(
    server: CitationServer, http: aiohttp.ClientSession
) -> None:
    params = {"search": "deep networks", "filter": "publication_year:2014|2015", "per_page": "5"}
    async with http.get(f"{server.openalex_url}/works", params=params) as resp:
        body = await resp.json()
    titles = [w["display_name"] for w in body["results"]]
    assert titles[0] == "Training very deep networks"
    assert all(w["publication_year"] in (2014, 2015) for w in body["results"])
    assert "Long short-term memory" not in titles


def test_paper_specs_of_the_standalone_fake() -> None:
    assert parse_paper("ARXIV:1512.03385@2015=5000") == FakePaper(
        "Paper ARXIV:1512.03385", 2015, 5000, arxiv="1512.03385"
    )
    named = parse_paper("ARXIV:1512.03385@2015=5000|Deep residual learning")
    assert named.title == "Deep residual learning" and named.arxiv == "1512.03385"
    dropout = parse_paper("TITLE:Dropout: a simple way to prevent overfitting@2014=3000")
    assert (dropout.title, dropout.year, dropout.citations) == (
        "Dropout: a simple way to prevent overfitting",
        2014,
        3000,
    )
    assert parse_paper("DOI:10.1162/neco.1997.9.8.1735=9000").doi == "10.1162/neco.1997.9.8.1735"
    with pytest.raises(ValueError, match="KIND"):
        parse_paper("PMID:123=4")
    with pytest.raises(ValueError, match="COUNT"):
        parse_paper("ARXIV:1512.03385")
