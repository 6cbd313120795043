"""Link checks against link targets served by the fake on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from bot.awesome.facts import Facts, LinkStatus
from bot.awesome.model import Entry, Link
from bot.citations import CitationCache, CitationSettings, gather_facts
from bot.citations.links import PRIVATE_DETAIL, check_links, is_public_ip
from tests.fakes.citation_server import CitationServer
from tests.fakes.papers import entry, link_of


@pytest.fixture
async def server() -> AsyncIterator[CitationServer]:
    async with CitationServer() as s:
        yield s


def settings_for(server: CitationServer, **overrides: Any) -> CitationSettings:
    base = CitationSettings(
        s2_url=server.s2_url,
        openalex_url=server.openalex_url,
        budget=3.0,
        link_timeout=0.5,
        link_allow_private=True,
    )
    return replace(base, **overrides)


def page(*urls: str) -> Entry:
    """A resource-like entry with no title: nothing to look up, only links to check."""
    return entry("", None, *urls)


async def check(server: CitationServer, *urls: str, **overrides: Any) -> Facts:
    return await gather_facts([page(*urls)], settings_for(server, **overrides))


async def test_dead_links_are_found(server: CitationServer) -> None:
    gone, removed = server.link("gone"), server.link("removed")
    facts = await check(server, gone, removed)
    assert link_of(facts, gone).status is LinkStatus.DEAD
    assert link_of(facts, gone).http_status == 404
    assert link_of(facts, removed).status is LinkStatus.DEAD
    assert link_of(facts, removed).http_status == 410
    assert server.counts == {"links.gone": 1, "links.removed": 1}
    assert [r.method for r in server.requests] == ["HEAD", "HEAD"]
    assert facts.unavailable == ()


async def test_ok_and_a_short_redirect_chain_are_ok(server: CitationServer) -> None:
    ok, chain = server.link("ok"), server.link("redirect/2")
    facts = await check(server, ok, chain)
    assert link_of(facts, ok).status is LinkStatus.OK
    assert link_of(facts, chain).status is LinkStatus.OK
    assert link_of(facts, chain).http_status == 200
    assert server.counts == {"links.ok": 2, "links.redirect": 2}


async def test_a_redirect_loop_stops_after_three_hops(server: CitationServer) -> None:
    loop = server.link("redirect-loop")
    facts = await check(server, loop)
    result = facts.link(loop)
    assert result is not None and result.status is LinkStatus.UNREACHABLE
    assert result.detail == "more than 3 redirects"
    assert server.counts == {"links.redirect-loop": 4}


async def test_head_refused_falls_back_to_get(server: CitationServer) -> None:
    url = server.link("no-head")
    facts = await check(server, url)
    assert link_of(facts, url).status is LinkStatus.OK
    assert [r.method for r in server.requests] == ["HEAD", "GET"]


@pytest.mark.parametrize(("name", "status"), [("error", 503), ("rate-limited", 429)])
async def test_server_errors_and_rate_limits_are_unreachable_not_dead(
    server: CitationServer, name: str, status: int
) -> None:
    url = server.link(name)
    result = (await check(server, url)).link(url)
    assert result is not None
    assert (result.status, result.http_status) == (LinkStatus.UNREACHABLE, status)


async def test_a_slow_link_times_out_as_unreachable(server: CitationServer) -> None:
    url = server.link("slow")
    started = time.monotonic()
    result = (await check(server, url, link_timeout=0.3)).link(url)
    assert time.monotonic() - started < 0.3 + 1.0  # the fake would answer after 3 s
    assert result is not None and result.status is LinkStatus.UNREACHABLE
    assert result.detail == "no answer within 0.3 s"


async def test_links_the_budget_leaves_unchecked_are_reported_not_guessed(
    server: CitationServer,
) -> None:
    slow, ok = server.link("slow"), server.link("ok")
    facts = await check(server, slow, ok, budget=0.3, link_timeout=2.0)
    assert facts.link(slow) is None
    assert link_of(facts, ok).status is LinkStatus.OK
    assert facts.unavailable == ("Link check: 1 of 2 links not checked within the 0.3 s budget",)


async def test_a_refused_connection_is_unreachable(server: CitationServer) -> None:
    url = "http://127.0.0.1:1/nothing-listens-here"
    result = (await check(server, url)).link(url)
    assert result is not None and result.status is LinkStatus.UNREACHABLE
    assert result.detail == "cannot connect: connection refused"


async def test_no_cookies_or_credentials_are_ever_sent(server: CitationServer) -> None:
    with_cookie = server.link("set-cookie")
    with_user = server.link("echo").replace("http://", "http://alice:hunter2@")
    facts = await check(server, with_cookie, with_user)
    assert link_of(facts, with_cookie).status is LinkStatus.OK
    assert link_of(facts, with_user).status is LinkStatus.OK
    echoes = [r for r in server.requests if r.route == "links.echo"]
    assert len(echoes) == 2  # one after the cookie redirect, one for the user-info URL
    for request in server.requests:
        names = {k.lower() for k in request.headers}
        assert "cookie" not in names and "authorization" not in names


async def test_links_are_checked_a_few_at_a_time_per_host(server: CitationServer) -> None:
    server.slow_link_seconds = 0.1
    urls = [server.link("slow") + f"?n={i}" for i in range(6)]
    facts = await check(server, *urls, link_per_host=2)
    assert server.peak["links"] == 2
    assert all(link_of(facts, u).status is LinkStatus.OK for u in urls)


async def test_non_url_targets_are_skipped(server: CitationServer) -> None:
    e = Entry(
        raw="",
        start_line=1,
        end_line=1,
        section=0,
        links=(Link("pdf", None), Link("pdf", "arxiv.org/abs/1512.03385"), Link("x", "mailto:a@b")),
    )
    facts = await gather_facts([e], settings_for(server))
    assert dict(facts.links) == {}
    assert server.calls() == 0


async def test_private_addresses_are_not_fetched_unless_allowed(server: CitationServer) -> None:
    url = server.link("ok")
    by_name = url.replace("127.0.0.1", "localhost")
    report = await check_links([url, by_name], settings_for(server, link_allow_private=False))
    assert report.checks[url].status is LinkStatus.UNREACHABLE
    assert report.checks[url].detail == PRIVATE_DETAIL
    assert report.checks[by_name].detail == PRIVATE_DETAIL
    assert server.calls() == 0
    assert is_public_ip("169.254.169.254") is False
    assert is_public_ip("93.184.216.34") is True
    assert is_public_ip("example.org") is None


async def test_link_entries_choose_which_links_are_checked(server: CitationServer) -> None:
    checked, other = page(server.link("ok")), page(server.link("gone"))
    facts = await gather_facts([checked, other], settings_for(server), link_entries=[checked])
    assert set(facts.links) == {server.link("ok")}
    no_links = await gather_facts([checked], settings_for(server), check_links=False)
    assert dict(no_links.links) == {}


async def test_definite_link_results_are_cached(server: CitationServer) -> None:
    cache = CitationCache()
    ok, error = server.link("ok"), server.link("error")
    settings = settings_for(server)
    await gather_facts([page(ok, error)], settings, cache=cache)
    again = await gather_facts([page(ok, error)], settings, cache=cache)
    assert server.counts == {"links.ok": 1, "links.error": 2}  # unreachable is asked again
    assert link_of(again, ok).status is LinkStatus.OK
