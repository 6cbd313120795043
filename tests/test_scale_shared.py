"""What worker processes share through a real Redis: each test uses two clients (two processes'
worth of state) on one redis-server started for it, and shows the second sees the first's work."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from cachetools import LRUCache

from bot.awesome.facts import Citation, LinkCheck, LinkStatus
from bot.citations.cache import NOT_FOUND
from bot.citations.settings import CitationSettings
from bot.github.api import CallStats, Pacer, RateLimited
from bot.scale.settings import ScaleSettings
from bot.scale.shared import SharedCitationCache, SharedETagAPI, SharedPacers, SharedTokens
from bot.scale.state import SharedState, connect
from tests.fakes.github_server import FakeGitHub
from tests.service_kit import OWNER, REPO, settings_for


@pytest.fixture
async def two(redis_url: str) -> AsyncIterator[tuple[SharedState, SharedState]]:
    """Two independent clients of one Redis, as two processes would have."""
    a, b = connect(ScaleSettings(redis_url)), connect(ScaleSettings(redis_url))
    yield SharedState(a), SharedState(b)
    await a.aclose()
    await b.aclose()


async def test_a_delivery_is_claimed_once_across_processes_and_a_release_reopens_it(
        two: tuple[SharedState, SharedState]) -> None:
    a, b = two
    assert await a.claim_delivery("d-1")
    assert not await b.claim_delivery("d-1")  # the copy sent to the other web process
    await b.release_delivery("d-1")  # its review failed: a redelivery must count
    assert await a.claim_delivery("d-1")


async def test_the_newest_job_of_a_pr_wins_whatever_order_announcements_arrive_in(
        two: tuple[SharedState, SharedState]) -> None:
    a, b = two
    s1, s2 = await a.next_seq(), await b.next_seq()
    assert s2 > s1
    assert await b.announce("o/r#1", s2) == s2
    assert await a.announce("o/r#1", s1) == s2  # the slower web process cannot go back
    assert await a.newest("o/r#1") == s2 and await a.newest("o/r#2") == 0
    assert await b.newer_pending("o/r#1", s1)  # a newer head waits: s1 is not current
    await a.finished("o/r#1", s2)
    assert not await b.newer_pending("o/r#1", s1)  # it ended: nothing newer is coming


async def test_one_lease_per_pr_renewed_only_by_its_holder_and_lost_when_it_goes_silent(
        two: tuple[SharedState, SharedState]) -> None:
    a, b = two
    assert await a.take_lease("o/r#1", "job-1", 0.4)
    assert not await b.take_lease("o/r#1", "job-2", 0.4)
    assert await b.take_lease("o/r#2", "job-3", 0.4)  # another PR runs meanwhile
    assert not await b.renew_lease("o/r#1", "job-2", 5)
    await b.drop_lease("o/r#1", "job-2")  # not its lease: nothing happens
    assert not await b.take_lease("o/r#1", "job-2", 0.4)
    assert await a.renew_lease("o/r#1", "job-1", 0.4)
    await asyncio.sleep(0.6)  # job-1's worker died: no renewal
    assert await b.take_lease("o/r#1", "job-2", 0.4)


async def test_renewing_a_lease_also_shortens_the_queues_claim_on_the_job(
        two: tuple[SharedState, SharedState]) -> None:
    a, _ = two
    await a.redis.set("arq:in-progress:job-1", b"1", px=600_000)
    assert await a.take_lease("o/r#1", "job-1", 2)
    assert await a.renew_lease("o/r#1", "job-1", 2, also="arq:in-progress:job-1")
    assert 0 < await a.redis.pttl("arq:in-progress:job-1") <= 2000


async def test_write_pacing_is_one_bucket_for_all_workers(redis_url: str) -> None:
    r1, r2 = connect(ScaleSettings(redis_url)), connect(ScaleSettings(redis_url))
    try:
        p1 = SharedPacers(4, 120, 450, r1).get(7)  # 2 writes a second, burst 10
        p2 = SharedPacers(4, 120, 450, r2).get(7)
        other = SharedPacers(4, 120, 450, r2).get(8)
        for i in range(10):  # the burst, spent half by each worker
            await (p1 if i % 2 else p2).before_write()
        started = time.monotonic()
        await other.before_write()  # another installation has its own bucket
        assert time.monotonic() - started < 0.2
        await p2.before_write()  # the 11th write of installation 7 waits for a refill
        assert time.monotonic() - started >= 0.35
    finally:
        await r1.aclose()
        await r2.aclose()


async def test_an_installation_token_is_fetched_once_for_all_workers(redis_url: str) -> None:
    async with FakeGitHub() as gh, aiohttp.ClientSession() as http:
        gh.add_repo(OWNER, REPO, installation_id=1)
        settings = settings_for(gh)
        r1, r2 = connect(ScaleSettings(redis_url)), connect(ScaleSettings(redis_url))
        try:
            def app_client(redis) -> SharedETagAPI:
                return SharedETagAPI(http, token=None, base_url=gh.url, pacer=Pacer(4, 60),
                                     redis=redis)

            t1 = await SharedTokens(settings, r1).token(app_client(r1), 1)
            t2 = await SharedTokens(settings, r2).token(app_client(r2), 1)
            assert t1 == t2 and gh.tokens_issued == 1
            second = SharedTokens(settings, r2)
            second.forget(1)  # GitHub refused it: no worker may use it again
            await asyncio.sleep(0.1)
            assert await SharedTokens(settings, r1).token(app_client(r1), 1) != t1
            assert gh.tokens_issued == 2
        finally:
            await r1.aclose()
            await r2.aclose()


async def test_an_etag_learned_by_one_worker_saves_the_other_a_full_read(
        redis_url: str) -> None:
    async with FakeGitHub() as gh, aiohttp.ClientSession() as http:
        gh.add_repo(OWNER, REPO, installation_id=1)
        gh.add_pull(OWNER, REPO, 5, base_sha="a" * 40, head_sha="b" * 40, files=[])
        token = gh.installation_token(1)
        r1, r2 = connect(ScaleSettings(redis_url)), connect(ScaleSettings(redis_url))
        try:
            def client(redis) -> SharedETagAPI:
                return SharedETagAPI(http, token=token, base_url=gh.url, pacer=Pacer(4, 60),
                                     cache=LRUCache(100), stats=CallStats(), redis=redis)

            first = await client(r1).getitem(f"/repos/{OWNER}/{REPO}/pulls/5")
            second = await client(r2).getitem(f"/repos/{OWNER}/{REPO}/pulls/5")
            assert first["head"]["sha"] == second["head"]["sha"] == "b" * 40
            reads = [c for c in gh.calls if c.path.endswith("/pulls/5")]
            assert [c.status for c in reads] == [200, 304]
            assert reads[1].headers.get("If-None-Match")
        finally:
            await r1.aclose()
            await r2.aclose()


async def test_citations_and_link_checks_found_by_one_worker_are_known_to_the_other(
        redis_url: str) -> None:
    settings = CitationSettings.from_env({}, budget=1.0)
    r1, r2 = connect(ScaleSettings(redis_url)), connect(ScaleSettings(redis_url))
    try:
        one = SharedCitationCache.from_settings(settings).bind(r1, settings)
        two = SharedCitationCache.from_settings(settings).bind(r2, settings)
        count = Citation(1234, "semantic-scholar", "https://example.org/p", "Title", 2016)
        one.put("arxiv:1606.05250", count)
        one.put("title:unknown paper", NOT_FOUND)
        one.put_link(LinkCheck("https://example.org/pdf", LinkStatus.OK, 200))
        one.put_link(LinkCheck("https://example.org/down", LinkStatus.UNREACHABLE))
        await one.flush()
        await two.load(["arxiv:1606.05250", "title:unknown paper", "title:never seen"],
                       ["https://example.org/pdf", "https://example.org/down"])
        assert two.get("arxiv:1606.05250") == count
        assert two.get("title:unknown paper") is NOT_FOUND
        assert two.get("title:never seen") is None
        assert two.get_link("https://example.org/pdf") == LinkCheck(
            "https://example.org/pdf", LinkStatus.OK, 200)
        assert two.get_link("https://example.org/down") is None  # a failure is not shared
        assert await r2.ttl("apb:cite:title:unknown paper") <= settings.unknown_ttl
    finally:
        await r1.aclose()
        await r2.aclose()


async def test_a_wait_github_asked_of_one_worker_holds_back_the_others(redis_url: str) -> None:
    async with FakeGitHub() as gh, aiohttp.ClientSession() as http:
        gh.add_repo(OWNER, REPO, installation_id=1)
        token = gh.installation_token(1)
        r1, r2 = connect(ScaleSettings(redis_url)), connect(ScaleSettings(redis_url))
        try:
            told = SharedPacers(4, 60, 450, r1).get(1)
            told.block(30)  # a 403 with retry-after: 30 reached worker 1
            await asyncio.sleep(0.1)
            other = SharedETagAPI(http, token=token, base_url=gh.url,
                                  pacer=SharedPacers(4, 60, 450, r2).get(1), redis=r2)
            with pytest.raises(RateLimited):
                await other.getitem(f"/repos/{OWNER}/{REPO}/pulls/1")
            assert not gh.calls  # worker 2 did not ask GitHub at all
            gh.add_pull(OWNER, REPO, 2, base_sha="a" * 40, head_sha="b" * 40, files=[])
            brief = SharedPacers(4, 60, 450, r1).get(2)
            brief.block(1)  # a short wait is sat out in place: no attempt lost to it
            await asyncio.sleep(0.1)
            started = time.monotonic()
            later = SharedETagAPI(http, token=token, base_url=gh.url,
                                  pacer=SharedPacers(4, 60, 450, r2).get(2), redis=r2)
            assert (await later.getitem(f"/repos/{OWNER}/{REPO}/pulls/2"))["number"] == 2
            assert time.monotonic() - started >= 0.8 and len(gh.calls) == 1
        finally:
            await r1.aclose()
            await r2.aclose()


async def test_the_hours_content_creation_budget_is_shared(redis_url: str) -> None:
    r1, r2 = connect(ScaleSettings(redis_url)), connect(ScaleSettings(redis_url))
    try:
        p1 = SharedPacers(4, 6000, 3, r1).get(9)
        p2 = SharedPacers(4, 6000, 3, r2).get(9)
        await p1.before_write(creates=True)
        await p2.before_write(creates=True)
        await p1.before_write(creates=False)  # a write that creates nothing is not counted
        await p2.before_write(creates=True)
        with pytest.raises(RateLimited) as caught:
            await p1.before_write(creates=True)
        assert 3500 < caught.value.delay <= 3602  # the oldest creation leaves the hour then
    finally:
        await r1.aclose()
        await r2.aclose()
