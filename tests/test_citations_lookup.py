"""gather_facts against the fake Semantic Scholar + OpenAlex server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.awesome.facts import Facts
from bot.citations import CitationCache, CitationSettings, gather_facts, gather_facts_sync
from tests.fakes.citation_server import CitationServer, FakePaper
from tests.fakes.papers import (
    ADAM,
    BATCHNORM,
    CLASSICS,
    DISTILL,
    FOOLED,
    GLOVE,
    LSTM,
    RESNET,
    TRANSFERABLE,
    VERY_DEEP,
    arxiv_entry,
    citation_of,
    entry,
    nips_entry,
    synthetic,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def server() -> AsyncIterator[CitationServer]:
    async with CitationServer(list(CLASSICS)) as s:
        yield s


def settings_for(server: CitationServer, **overrides: Any) -> CitationSettings:
    base = CitationSettings(
        s2_url=server.s2_url,
        openalex_url=server.openalex_url,
        budget=3.0,
        backoff_base=0.05,
        backoff_cap=0.2,
        link_allow_private=True,
    )
    return replace(base, **overrides)


async def facts_for(server: CitationServer, entries: list, **overrides: Any) -> Facts:
    return await gather_facts(entries, settings_for(server, **overrides), check_links=False)


def batch_ids(server: CitationServer) -> list[list[str]]:
    return [json.loads(r.body)["ids"] for r in server.requests if r.route == "s2.batch"]


# --- Semantic Scholar ------------------------------------------------------------------------


async def test_arxiv_links_with_and_without_version_resolve_to_one_bare_id(
    server: CitationServer,
) -> None:
    entries = [
        entry(RESNET.title, 2016, "http://arxiv.org/pdf/1512.03385v2", line=1),
        entry(ADAM.title, 2014, "https://arxiv.org/abs/1412.6980v9", line=2),
        entry(DISTILL.title, 2015, "http://arxiv.org/pdf/1503.02531", line=3),
        entry(FOOLED.title, 2015, "https://arxiv.org/abs/1412.1897", line=4),
    ]
    facts = await facts_for(server, entries)
    assert batch_ids(server) == [
        ["ARXIV:1512.03385", "ARXIV:1412.6980", "ARXIV:1503.02531", "ARXIV:1412.1897"]
    ]
    counts = [citation_of(facts, e).count for e in entries]
    assert counts == [5000, 4000, 1200, 900]
    resnet = facts.citation_for(entries[0])
    assert resnet is not None and resnet.source == "Semantic Scholar"
    assert resnet.url == f"https://www.semanticscholar.org/paper/{RESNET.paper_id}"
    assert resnet.matched_title == RESNET.title and resnet.matched_year == 2015
    assert facts.unavailable == () and not facts.offline


async def test_citations_are_keyed_by_entry_key(server: CitationServer) -> None:
    e = arxiv_entry(RESNET)
    facts = await facts_for(server, [e])
    assert set(facts.citations) == {e.key}


async def test_many_papers_make_one_batch_call(server: CitationServer) -> None:
    papers = synthetic(120)
    server.add(*papers)
    entries = [arxiv_entry(p, line=i) for i, p in enumerate(papers, 1)]
    facts = await facts_for(server, entries)
    assert server.counts == {"s2.batch": 1}
    assert len(batch_ids(server)[0]) == 120
    assert all(
        citation_of(facts, e).count == p.citations for e, p in zip(entries, papers, strict=True)
    )


async def test_more_than_500_ids_are_split_into_chunks_the_fake_accepts(
    server: CitationServer,
) -> None:
    papers = synthetic(501)
    server.add(*papers)
    facts = await facts_for(server, [arxiv_entry(p, line=i) for i, p in enumerate(papers)])
    assert [len(ids) for ids in batch_ids(server)] == [500, 1]
    assert len(facts.citations) == 501


async def test_duplicate_entries_are_asked_once(server: CitationServer) -> None:
    first = arxiv_entry(RESNET, line=1)
    again = entry(RESNET.title, 2016, "https://arxiv.org/abs/1512.03385v3", line=9)
    facts = await facts_for(server, [first, again])
    assert batch_ids(server) == [["ARXIV:1512.03385"]]
    assert facts.citation_for(first) == facts.citation_for(again)


async def test_title_match_for_a_neurips_link(server: CitationServer) -> None:
    e = nips_entry(TRANSFERABLE)
    facts = await facts_for(server, [e])
    assert server.counts == {"s2.match": 1}
    (match,) = server.requests
    assert "year=2013-2015" in match.path_qs
    citation = facts.citation_for(e)
    assert citation is not None and citation.count == 1500
    assert citation.source == "Semantic Scholar"
    assert facts.citations.keys() == {e.key}


async def test_title_only_entries_are_matched_concurrently_but_bounded(
    server: CitationServer,
) -> None:
    papers = [FakePaper(f"A study of topic {i} in deep nets", 2015, 300 + i) for i in range(9)]
    server.add(*papers)
    server.latency = 0.05
    entries = [nips_entry(p, line=i) for i, p in enumerate(papers)]
    facts = await facts_for(server, entries, title_concurrency=3)
    assert server.counts["s2.match"] == 9
    assert server.peak["s2"] == 3
    assert sorted(c.count for c in facts.citations.values()) == [300 + i for i in range(9)]


async def test_a_closest_match_with_another_title_is_not_accepted(
    server: CitationServer,
) -> None:
    e = nips_entry(FakePaper("Training very deep networks quickly", 2015, 0))
    facts = await facts_for(server, [e])
    match = next(r for r in server.requests if r.route == "s2.match")
    assert match  # the fake answered with its closest title, "Training very deep networks"
    assert facts.citation_for(e) is None
    assert server.counts["openalex.works"] == 1  # OpenAlex searched too, and also said no
    assert facts.unavailable == ()


async def test_unknown_title_404_is_not_found_not_an_error(server: CitationServer) -> None:
    e = nips_entry(FakePaper("Nothing like any known paper whatsoever", 2015, 0))
    facts = await facts_for(server, [e], use_openalex=False)
    assert server.counts == {"s2.match": 1}
    assert facts.citation_for(e) is None
    assert facts.unavailable == () and not facts.offline


async def test_doi_and_acl_ids_are_batched_with_arxiv_ids(server: CitationServer) -> None:
    entries = [
        arxiv_entry(BATCHNORM, line=1),
        entry(GLOVE.title, 2014, "http://anthology.aclweb.org/D/D14/D14-1162.pdf", line=2),
        entry(
            LSTM.title,
            1997,
            "http://www.mitpressjournals.org/doi/pdfplus/10.1162/neco.1997.9.8.1735",
            line=3,
        ),
    ]
    facts = await facts_for(server, entries)
    assert batch_ids(server) == [
        ["ARXIV:1502.03167", "ACL:D14-1162", "DOI:10.1162/neco.1997.9.8.1735"]
    ]
    assert [citation_of(facts, e).count for e in entries] == [3500, 6000, 9000]


# --- OpenAlex fallback -------------------------------------------------------------------------


async def test_openalex_answers_when_s2_returns_null(server: CitationServer) -> None:
    missing = FakePaper("A paper S2 lost", 2015, 321, arxiv="1509.00001", in_s2=False)
    server.add(missing)
    e = arxiv_entry(missing)
    facts = await facts_for(server, [e])
    assert server.counts == {"s2.batch": 1, "openalex.work": 1}
    work_call = next(r for r in server.requests if r.route == "openalex.work")
    assert work_call.path_qs.startswith("/works/doi:10.48550/arxiv.1509.00001?")
    citation = facts.citation_for(e)
    assert citation is not None and citation.count == 321 and citation.source == "OpenAlex"
    assert citation.url == missing.openalex_id


async def test_openalex_dois_are_batched_in_one_filter_call(server: CitationServer) -> None:
    lost = [
        FakePaper(f"Lost paper {i}", 2015, 10 * i, arxiv=f"1509.0000{i}", in_s2=False)
        for i in range(1, 4)
    ]
    server.add(*lost)
    facts = await facts_for(server, [arxiv_entry(p, line=i) for i, p in enumerate(lost)])
    assert server.counts == {"s2.batch": 1, "openalex.works": 1}
    call = next(r for r in server.requests if r.route == "openalex.works")
    assert "filter=doi:10.48550/arxiv.1509.00001%7C10.48550/arxiv.1509.00002" in call.path_qs
    assert sorted(c.count for c in facts.citations.values()) == [10, 20, 30]


async def test_openalex_title_search_for_a_title_s2_does_not_know(
    server: CitationServer,
) -> None:
    paper = FakePaper(
        "Spatial pyramid pooling in deep convolutional networks", 2014, 800, in_s2=False
    )
    server.add(paper)
    e = entry(paper.title, 2015, "http://www.cv-foundation.org/openaccess/spp.pdf")
    facts = await facts_for(server, [e])
    assert server.counts == {"s2.match": 1, "openalex.works": 1}
    search = next(r for r in server.requests if r.route == "openalex.works")
    assert "filter=publication_year:2014%7C2015%7C2016" in search.path_qs
    assert facts.citation_for(e) is not None
    assert citation_of(facts, e).source == "OpenAlex"


async def test_openalex_key_and_mailto_are_sent_and_s2_key_goes_in_its_header(
    server: CitationServer,
) -> None:
    server.s2_api_key = "s2-right"
    server.openalex_api_key = "oa-right"
    lost = FakePaper("Lost in S2", 2014, 5, arxiv="1409.00001", in_s2=False)
    server.add(lost)
    facts = await facts_for(
        server,
        [arxiv_entry(lost)],
        s2_api_key="s2-right",
        openalex_api_key="oa-right",
        openalex_mailto="bot@example.org",
    )
    s2_call = next(r for r in server.requests if r.route == "s2.batch")
    oa_call = next(r for r in server.requests if r.route.startswith("openalex"))
    assert s2_call.headers.get("x-api-key") == "s2-right"
    assert "api_key=oa-right" in oa_call.path_qs and "mailto=bot@example.org" in oa_call.path_qs
    assert "x-api-key" not in {k.lower() for k in oa_call.headers}
    assert citation_of(facts, arxiv_entry(lost)).count == 5


# --- rate limits, bad keys, outages --------------------------------------------------------


async def test_429_then_success_after_backoff(server: CitationServer) -> None:
    server.s2_rate_limit_first = 2
    e = arxiv_entry(RESNET)
    facts = await facts_for(server, [e])
    assert server.counts == {"s2.batch": 3}
    assert citation_of(facts, e).count == 5000
    assert facts.unavailable == ()


async def test_retry_after_header_is_honoured(server: CitationServer) -> None:
    server.s2_rate_limit_first = 1
    server.retry_after = "0.3"
    started = time.monotonic()
    facts = await facts_for(server, [arxiv_entry(RESNET)])
    assert time.monotonic() - started >= 0.3
    assert server.counts == {"s2.batch": 2}
    assert len(facts.citations) == 1


async def test_budget_exhausted_leaves_counts_unverified_with_a_clear_reason(
    server: CitationServer,
) -> None:
    server.s2_rate_limit_first = 10**6
    entries = [arxiv_entry(RESNET, line=1), nips_entry(TRANSFERABLE, line=2)]
    started = time.monotonic()
    facts = await facts_for(
        server, entries, budget=1.0, use_openalex=False, backoff_base=0.25, backoff_cap=2.0
    )
    elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 1.0  # within the budget, plus slack for a loaded machine
    assert facts.citations == {}
    assert facts.unavailable == ("Semantic Scholar: rate limited (429) and the 1 s budget ran out",)
    assert facts.offline
    assert server.counts["s2.batch"] >= 2  # it did back off and retry before giving up


async def test_rate_limited_s2_leaves_time_for_openalex(server: CitationServer) -> None:
    server.s2_rate_limit_first = 10**6
    e = arxiv_entry(RESNET)
    facts = await facts_for(server, [e], budget=1.5, backoff_base=0.25, backoff_cap=2.0)
    citation = facts.citation_for(e)
    assert citation is not None and citation.source == "OpenAlex" and citation.count == 5000
    assert facts.unavailable == (
        "Semantic Scholar: rate limited (429) and the 1.5 s budget ran out",
    )
    assert not facts.offline


async def test_bad_api_key_is_reported_once(server: CitationServer) -> None:
    server.s2_api_key = "the-right-key"
    entries = [arxiv_entry(p, line=i) for i, p in enumerate((RESNET, ADAM, DISTILL))]
    titles = [nips_entry(FakePaper(f"Title only {i}", 2015, 0), line=10 + i) for i in range(6)]
    facts = await facts_for(server, entries + titles, s2_api_key="a-wrong-key", title_concurrency=2)
    s2_lines = [line for line in facts.unavailable if line.startswith("Semantic Scholar")]
    assert s2_lines == ["Semantic Scholar: API key refused (403); check SEMANTIC_SCHOLAR_API_KEY"]
    assert not any("wrong-key" in line for line in facts.unavailable)
    # after the first 403s nothing more goes to S2 (1 batch + the 2 matches already in flight)
    assert server.calls("s2.") <= 3
    # OpenAlex still answered the arXiv papers
    assert [citation_of(facts, e).source for e in entries] == ["OpenAlex"] * 3


async def test_connection_refused_makes_every_count_unverified_fast() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = f"http://127.0.0.1:{port}"
    settings = CitationSettings(s2_url=f"{dead}/graph/v1", openalex_url=dead, budget=5.0)
    started = time.monotonic()
    facts = await gather_facts(
        [arxiv_entry(RESNET), nips_entry(VERY_DEEP, line=2)], settings, check_links=False
    )
    assert time.monotonic() - started < 2.0  # a refusal is final: no retries eat the budget
    assert facts.citations == {}
    assert facts.offline
    assert facts.unavailable == (
        f"Semantic Scholar: cannot connect (127.0.0.1:{port}: connection refused)",
        f"OpenAlex: cannot connect (127.0.0.1:{port}: connection refused)",
    )


async def test_provider_down_is_one_line_and_openalex_fills_in(server: CitationServer) -> None:
    server.s2_status = 503
    e = arxiv_entry(ADAM)
    facts = await facts_for(server, [e], budget=1.0)
    assert citation_of(facts, e).source == "OpenAlex"
    (line,) = facts.unavailable
    assert line.startswith("Semantic Scholar: server error (HTTP 503")


async def test_a_hanging_source_cannot_hold_the_review(server: CitationServer) -> None:
    server.latency = 10.0
    started = time.monotonic()
    facts = await facts_for(server, [arxiv_entry(RESNET)], budget=0.5)
    assert time.monotonic() - started < 0.5 + 1.0  # the fake would answer after 10 s
    assert facts.citations == {}
    assert facts.unavailable[0] == "Semantic Scholar: no answer within the 0.5 s budget"


async def test_bad_fields_answer_is_reported_not_raised(server: CitationServer) -> None:
    from bot.citations import semantic_scholar

    original = semantic_scholar.FIELDS
    semantic_scholar.FIELDS = "title,unknown"
    try:
        facts = await facts_for(server, [arxiv_entry(RESNET)], use_openalex=False)
    finally:
        semantic_scholar.FIELDS = original
    assert facts.unavailable == (
        "Semantic Scholar: unexpected answer (HTTP 400: Unrecognized or unsupported fields: "
        "[unknown])",
    )


async def test_nothing_to_look_up_makes_no_request(server: CitationServer) -> None:
    facts = await facts_for(server, [entry("", None)])
    assert facts == Facts()
    assert server.calls() == 0


# --- cache and in-flight dedupe --------------------------------------------------------------


async def test_cache_hit_makes_zero_calls(server: CitationServer) -> None:
    cache = CitationCache()
    entries = [arxiv_entry(RESNET), nips_entry(TRANSFERABLE, line=2)]
    settings = settings_for(server)
    first = await gather_facts(entries, settings, cache=cache, check_links=False)
    calls = server.calls()
    assert calls == 2
    second = await gather_facts(entries, settings, cache=cache, check_links=False)
    assert server.calls() == calls
    assert second.citations == first.citations and len(second.citations) == 2
    assert cache.hits == 2


async def test_not_found_is_cached_and_failures_are_not(server: CitationServer) -> None:
    cache = CitationCache()
    unknown = nips_entry(FakePaper("Never indexed anywhere at all", 2015, 0))
    settings = settings_for(server, budget=1.0)
    await gather_facts([unknown], settings, cache=cache, check_links=False)
    asked = server.calls()
    await gather_facts([unknown], settings, cache=cache, check_links=False)
    assert server.calls() == asked  # "not found" came from the cache

    server.s2_status = 503
    e = arxiv_entry(DISTILL)
    failed = await gather_facts(
        [e], replace(settings, use_openalex=False), cache=cache, check_links=False
    )
    assert failed.citation_for(e) is None
    server.s2_status = None
    later = await gather_facts([e], settings, cache=cache, check_links=False)
    assert citation_of(later, e).count == 1200


async def test_two_concurrent_lookups_of_one_paper_make_one_call(server: CitationServer) -> None:
    server.latency = 0.2
    cache = CitationCache()
    settings = settings_for(server)
    a, b = (
        arxiv_entry(RESNET, line=1),
        entry(RESNET.title, 2016, "https://arxiv.org/abs/1512.03385v1", line=7),
    )
    fa, fb = await asyncio.gather(
        gather_facts([a], settings, cache=cache, check_links=False),
        gather_facts([b], settings, cache=cache, check_links=False),
    )
    assert server.counts == {"s2.batch": 1}
    assert fa.citation_for(a) == fb.citation_for(b)
    assert citation_of(fa, a).count == 5000
    assert cache.inflight == {}


async def test_concurrent_reviews_share_only_the_overlap(server: CitationServer) -> None:
    server.latency = 0.2
    cache = CitationCache()
    settings = settings_for(server)
    await asyncio.gather(
        gather_facts(
            [arxiv_entry(RESNET), arxiv_entry(ADAM)], settings, cache=cache, check_links=False
        ),
        gather_facts(
            [arxiv_entry(RESNET), arxiv_entry(DISTILL)], settings, cache=cache, check_links=False
        ),
    )
    assert sorted(map(sorted, batch_ids(server))) == [
        ["ARXIV:1412.6980", "ARXIV:1512.03385"],
        ["ARXIV:1503.02531"],
    ]


# --- the standalone fake and the sync wrapper (what the CLI uses) -----------------------------


def test_standalone_fake_with_the_sync_wrapper() -> None:
    cmd = [
        sys.executable,
        "-m",
        "tests.fakes.citation_server",
        "--port",
        "0",
        "--paper",
        "ARXIV:1512.03385@2015=5000|Deep residual learning for image recognition",
        "--paper",
        "TITLE:How transferable are features in deep neural networks?@2014=3000",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        found: dict[str, str] = {}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = proc.stdout.readline().strip()
            if line == "READY" or not line:
                break
            name, _, value = line.partition("=")
            found[name] = value
        settings = CitationSettings.from_env({**found, "LINK_CHECK_ALLOW_PRIVATE": "1"}, budget=3.0)
        resnet = entry(RESNET.title, 2016, "https://arxiv.org/pdf/1512.03385v2")
        nips = nips_entry(TRANSFERABLE, line=2)
        facts = gather_facts_sync([resnet, nips], settings, check_links=False)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert found["SEMANTIC_SCHOLAR_API_URL"].endswith("/graph/v1")
    assert citation_of(facts, resnet).count == 5000
    assert citation_of(facts, nips).count == 3000
    assert facts.unavailable == ()
