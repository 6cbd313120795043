"""The maintainer's queue in the Redis mode, with a real redis-server and the fake GitHub: a push
to the default branch makes a worker re-review the open PRs (one pass per burst, through the
Redis review queue), and `/recheck` gets its reaction and one review."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.github.webhook import make_app
from bot.scale.settings import ScaleSettings
from bot.scale.worker import serve_worker
from tests.fakes.github_server import FakeGitHub
from tests.fakes.webhooks import load_payload
from tests.service_kit import BASE_SHA, OFFLINE_CITATIONS, OWNER, REPO, Service, settings_for
from tests.test_queue_service import (
    FULL,
    TIP,
    _add,
    _appendix_papers,
    _comment_payload,
    _push_payload,
    _without,
)


@dataclass
class Scaled:
    """One web app in the Redis mode and one worker task."""

    gh: FakeGitHub
    web: Service
    stop: asyncio.Event
    worker: asyncio.Task[int]

    async def until(self, what: Callable[[], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not what():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.05)

    def done_runs(self, head: str) -> list[dict[str, Any]]:
        return [r for r in self.gh.check_runs(OWNER, REPO)
                if r["head_sha"] == head and r["status"] == "completed"]

    def summaries(self, number: int) -> int:
        return len([c for c in self.gh.comments(OWNER, REPO, number)
                    if "awesome-papers-bot" in c["body"] and c["user"]["type"] == "Bot"])


@pytest.fixture
async def scaled(aiohttp_client: Any, redis_url: str,
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Scaled]:
    monkeypatch.setenv("BOT_PASS_DELAY", "0.5")
    monkeypatch.setenv("BOT_BOARD_DELAY", "0")
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        scale = ScaleSettings(redis_url, lease=2.0)
        settings = settings_for(gh, BOT_WRITES_PER_MINUTE="500")
        client = await aiohttp_client(make_app(settings, citations=OFFLINE_CITATIONS,
                                               scale=scale))
        stop = asyncio.Event()
        worker = asyncio.create_task(serve_worker(settings, scale, citations=OFFLINE_CITATIONS,
                                                  stop=stop))
        yield Scaled(gh, Service(gh, client), stop, worker)
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(worker, 15)
        assert gh.errors == []


def _head(number: int) -> str:
    return f"{number:x}".rjust(40, "e")


async def test_a_burst_of_pushes_makes_a_worker_re_review_the_open_prs_once(
        scaled: Scaled) -> None:
    p1, p2 = _appendix_papers(FULL, 2)
    base = _without(FULL, [p1, p2])
    for n, paper in ((11, p1), (12, p2)):
        scaled.web.add_pr(n, base, _add(base, paper, n - 11), _head(n))
    scaled.gh.set_file(OWNER, REPO, TIP, "README.md", base)
    scaled.gh.set_branch(OWNER, REPO, "master", TIP)
    answers = [await scaled.web.deliver("push", _push_payload(TIP), delivery=d)
               for d in ("p1", "p2", "p3", "p1")]
    assert [status for status, _ in answers] == [202, 202, 202, 200]  # the copy is a duplicate
    await scaled.until(lambda: all(scaled.done_runs(_head(n)) for n in (11, 12)))
    await asyncio.sleep(1.5)  # room for a second pass or review, were there one
    lists = [c for c in scaled.gh.calls
             if c.method == "GET" and c.path == f"/repos/{OWNER}/{REPO}/pulls"]
    assert len(lists) == 1  # one pass for the burst
    for n in (11, 12):
        assert len(scaled.done_runs(_head(n))) == 1
        assert scaled.summaries(n) == 1


async def test_recheck_in_the_redis_mode_gets_its_reaction_and_one_review(
        scaled: Scaled) -> None:
    [p1] = _appendix_papers(FULL, 1)
    base = _without(FULL, [p1])
    scaled.web.add_pr(61, base, _add(base, p1), _head(61))
    scaled.gh.set_branch(OWNER, REPO, "master", BASE_SHA)
    await scaled.web.deliver("pull_request",
                             scaled.web.payload("pull_request.opened", 61, _head(61)))
    await scaled.until(lambda: bool(scaled.done_runs(_head(61))))
    n = len(scaled.gh.calls)

    p = _comment_payload(scaled.gh, 61, "/recheck", "octocat", "CONTRIBUTOR")  # the author
    status, _ = await scaled.web.deliver("issue_comment", p, delivery="r1")
    assert status == 202
    again, _ = await scaled.web.deliver("issue_comment", p, delivery="r1")
    assert again == 200
    files = f"/repos/{OWNER}/{REPO}/pulls/61/files"
    await scaled.until(lambda: any(c.path == files for c in scaled.gh.calls[n:])
                       and any(c.method == "PATCH" and "/check-runs/" in c.path
                               for c in scaled.gh.calls[n:]))
    await asyncio.sleep(1.5)
    assert [r["content"] for r in scaled.gh.reactions_of(OWNER, REPO, p["comment"]["id"])] == [
        "+1"]
    assert len([c for c in scaled.gh.calls[n:] if c.method == "GET" and c.path == files]) == 1
    assert scaled.summaries(61) == 1


async def test_an_installation_pass_github_rate_limits_waits_and_runs_again(
        scaled: Scaled, caplog: pytest.LogCaptureFixture) -> None:
    [p1] = _appendix_papers(FULL, 1)
    base = _without(FULL, [p1])
    scaled.web.add_pr(31, base, _add(base, p1), _head(31))
    scaled.gh.set_branch(OWNER, REPO, "master", BASE_SHA)
    scaled.gh.inject_secondary_rate_limit(f"/repos/{OWNER}/{REPO}/pulls", "GET", retry_after=1)
    p = load_payload("installation.created")
    p["installation"]["id"] = 1
    p["repositories"] = [{"id": 1, "name": REPO, "full_name": f"{OWNER}/{REPO}",
                          "private": False}]
    status, _ = await scaled.web.deliver("installation", p)
    assert status == 202
    await scaled.until(lambda: bool(scaled.done_runs(_head(31))))
    assert any(r.getMessage() == "queue work deferred" for r in caplog.records)
    assert scaled.summaries(31) == 1
