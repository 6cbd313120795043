"""Web processes in Redis mode (a real redis-server, the fake GitHub, signed deliveries): they
only verify, de-duplicate across processes and enqueue; a worker reviews. Redis unreachable:
503 and one log line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from bot.awesome.report import MARKER
from bot.github.webhook import QUEUE, make_app
from bot.scale.settings import ScaleSettings
from bot.scale.worker import serve_worker
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.redis_kit import free_port
from tests.service_kit import OFFLINE_CITATIONS, OWNER, REPO, Service, settings_for

HEAD1 = "1" * 40


@dataclass
class Two:
    """Two web processes' apps on one Redis, and a worker."""

    gh: FakeGitHub
    web1: Service
    web2: Service
    stop: asyncio.Event
    worker: asyncio.Task[int] | None = None

    def start_worker(self, scale: ScaleSettings) -> None:
        self.worker = asyncio.create_task(serve_worker(
            settings_for(self.gh), scale, citations=OFFLINE_CITATIONS, stop=self.stop))

    async def until(self, what: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not what():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.05)


@pytest.fixture
async def two(aiohttp_client, redis_url: str) -> AsyncIterator[Two]:
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        scale = ScaleSettings(redis_url, lease=2.0)
        clients = [await aiohttp_client(make_app(settings_for(gh), citations=OFFLINE_CITATIONS,
                                                 scale=scale)) for _ in range(2)]
        t = Two(gh, Service(gh, clients[0]), Service(gh, clients[1]), asyncio.Event())
        t.start_worker(scale)
        yield t
        t.stop.set()
        if t.worker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(t.worker, 15)
        assert gh.errors == []


async def test_a_delivery_sent_to_both_web_processes_is_reviewed_once(two: Two) -> None:
    base, head = pr_texts("068")
    two.web1.add_pr(68, base, head, HEAD1)
    payload = two.web1.payload("pull_request.opened", 68, HEAD1)
    answers = await asyncio.gather(two.web1.deliver("pull_request", payload, delivery="d-1"),
                                   two.web2.deliver("pull_request", payload, delivery="d-1"))
    assert sorted(status for status, _ in answers) == [200, 202]
    assert {body.get("status") for _, body in answers} == {"queued",
                                                          "duplicate delivery ignored"}
    await two.until(lambda: any(r["status"] == "completed"
                                for r in two.gh.check_runs(OWNER, REPO)))
    assert await two.web1.client.app[QUEUE].join(10)
    assert (await two.web2.deliver("pull_request", payload, delivery="d-1"))[0] == 200
    [run] = two.gh.check_runs(OWNER, REPO)
    assert run["conclusion"] == "neutral"
    [comment] = two.gh.comments(OWNER, REPO, 68)
    assert comment["body"].startswith(MARKER)
    assert len(two.gh.reviews(OWNER, REPO, 68)) == 1
    # the web process reports the depth of the queue in Redis (counted every second)
    deadline = time.monotonic() + 5
    while True:
        metrics = await (await two.web1.client.get("/metrics")).text()
        if 'awesome_papers_queue_depth{queue="redis"} 0.0' in metrics:
            break
        assert 'awesome_papers_queue_depth{queue="redis"}' in metrics
        assert time.monotonic() < deadline
        await asyncio.sleep(0.2)


async def test_a_delivery_whose_review_failed_can_be_redelivered(two: Two) -> None:
    base, head = pr_texts("068")
    two.web1.add_pr(68, base, head, HEAD1)
    two.gh.inject("/repos/*/pulls/68/files", status=404, times=1)  # the first review fails
    payload = two.web1.payload("pull_request.opened", 68, HEAD1)
    assert (await two.web1.deliver("pull_request", payload, delivery="d-9"))[0] == 202
    await two.until(lambda: two.gh.count("GET", "/repos/*/pulls/68/files") >= 1)
    assert await two.web1.client.app[QUEUE].join(10)
    assert not two.gh.comments(OWNER, REPO, 68)
    status, body = await two.web2.deliver("pull_request", payload, delivery="d-9")
    assert (status, body["status"]) == (202, "queued")  # GitHub's "Redeliver" is reviewed
    await two.until(lambda: bool(two.gh.comments(OWNER, REPO, 68)))


async def test_redis_unreachable_answers_503_with_one_log_line(
        aiohttp_client, caplog: pytest.LogCaptureFixture) -> None:
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        dead = ScaleSettings(f"redis://127.0.0.1:{free_port()}/0")
        svc = Service(gh, await aiohttp_client(make_app(
            settings_for(gh), citations=OFFLINE_CITATIONS, scale=dead)))
        base, head = pr_texts("068")
        svc.add_pr(68, base, head, HEAD1)
        caplog.set_level(logging.INFO, logger="bot")
        caplog.clear()
        status, body = await svc.deliver("pull_request",
                                         svc.payload("pull_request.opened", 68, HEAD1))
        assert status == 503 and "unreachable" in body["error"]
        lines = [r for r in caplog.records if r.name.startswith("bot")]
        assert len(lines) == 1 and lines[0].levelno == logging.WARNING
        assert "unreachable" in lines[0].getMessage() and not lines[0].exc_info
        health = await svc.client.get("/healthz")
        assert health.status == 503
        assert not gh.calls  # nothing was reviewed
