"""Worker processes' side of the Redis mode, with a real redis-server and the fake GitHub: jobs
queued in Redis are reviewed and published; a PR is reviewed by one job at a time; an older head
is superseded; Redis going away makes the worker wait and come back."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from bot.awesome.report import MARKER
from bot.github.jobs import review_job
from bot.github.pull import PullRef
from bot.github.settings import ServiceSettings
from bot.scale.queue import RedisQueue
from bot.scale.settings import ScaleSettings
from bot.scale.state import SharedState, connect
from bot.scale.worker import serve_worker
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.service_kit import BASE_SHA, OFFLINE_CITATIONS, OWNER, REPO, Service, settings_for

HEAD1, HEAD2 = "1" * 40, "2" * 40


@dataclass
class Cluster:
    """Workers (tasks in this loop, each with its own Redis client) and a queue to feed them."""

    gh: FakeGitHub
    settings: ServiceSettings
    scale: ScaleSettings
    queue: RedisQueue
    stops: list[asyncio.Event]
    tasks: list[asyncio.Task[int]]

    def start_worker(self) -> None:
        stop = asyncio.Event()
        self.stops.append(stop)
        self.tasks.append(asyncio.create_task(serve_worker(
            self.settings, self.scale, citations=OFFLINE_CITATIONS, stop=stop)))

    async def review(self, number: int, head: str, delivery: str = "d") -> None:
        ref = PullRef(OWNER, REPO, number, head, BASE_SHA, "master", 1)
        assert await self.queue.submit(review_job(ref, delivery))

    async def until(self, what: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not what():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.05)


@pytest.fixture
async def cluster(redis_url: str) -> AsyncIterator[Cluster]:
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        scale = ScaleSettings(redis_url, lease=2.0)
        queue = RedisQueue(SharedState(connect(scale)), scale)
        c = Cluster(gh, settings_for(gh), scale, queue, [], [])
        yield c
        for stop in c.stops:
            stop.set()
        for t in c.tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(t, 15)
        await queue.shutdown(0)
        assert gh.errors == []


async def test_a_worker_reviews_and_publishes_a_queued_pr(cluster: Cluster) -> None:
    base, head = pr_texts("068")
    Service(cluster.gh, None).add_pr(68, base, head, HEAD1)  # type: ignore[arg-type]
    cluster.start_worker()
    await cluster.review(68, HEAD1)
    gh = cluster.gh
    await cluster.until(lambda: any(r["status"] == "completed"
                                    for r in gh.check_runs(OWNER, REPO)))
    assert await cluster.queue.join(10)
    [run] = gh.check_runs(OWNER, REPO)
    assert (run["head_sha"], run["conclusion"]) == (HEAD1, "neutral")
    [comment] = gh.comments(OWNER, REPO, 68)
    assert comment["body"].startswith(MARKER)
    assert [r["commit_id"] for r in gh.reviews(OWNER, REPO, 68)] == [HEAD1]


async def test_two_workers_review_one_pr_one_head_at_a_time_and_the_newest_wins(
        cluster: Cluster) -> None:
    base, head = pr_texts("068")
    svc = Service(cluster.gh, None)  # type: ignore[arg-type]
    svc.add_pr(68, base, head, HEAD1)
    cluster.gh.inject("/repos/*/contents/*", delay=0.5, times=2)  # the first review is slow
    cluster.start_worker()
    cluster.start_worker()
    await cluster.review(68, HEAD1, "d1")
    await cluster.until(lambda: bool(cluster.gh.check_runs(OWNER, REPO)))
    svc.push(68, base, head.replace("SQuAD", "SQuAD 2"), HEAD2)
    await cluster.review(68, HEAD2, "d2")
    await cluster.until(lambda: any(r["head_sha"] == HEAD2 and r["status"] == "completed"
                                    for r in cluster.gh.check_runs(OWNER, REPO)))
    assert await cluster.queue.join(10)
    runs = cluster.gh.check_runs(OWNER, REPO)
    assert all(r["status"] == "completed" for r in runs)
    assert [r["conclusion"] for r in runs if r["head_sha"] == HEAD2] == ["neutral"]
    assert len(cluster.gh.comments(OWNER, REPO, 68)) == 1
    # one review at a time: HEAD1's check run was finished before anything read HEAD2's README
    [run1] = [r for r in runs if r["head_sha"] == HEAD1]
    calls = cluster.gh.calls
    finished = max(c.started + c.elapsed for c in calls
                   if c.method == "PATCH" and c.path.endswith(f"/check-runs/{run1['id']}"))
    read2 = min(c.started for c in calls
                if "/contents/" in c.path and c.query.get("ref") == HEAD2)
    assert read2 >= finished


async def test_a_job_waits_out_a_rate_limit_another_worker_was_given_without_asking_github(
        cluster: Cluster) -> None:
    base, head = pr_texts("068")
    Service(cluster.gh, None).add_pr(68, base, head, HEAD1)  # type: ignore[arg-type]
    await cluster.queue.redis.set("apb:pace:1:blocked", str(time.time() + 2.0))
    cluster.start_worker()
    await cluster.review(68, HEAD1)
    await asyncio.sleep(1.5)
    assert not cluster.gh.calls  # deferred in Redis: no request, no attempt spent
    await cluster.until(lambda: any(r["status"] == "completed"
                                    for r in cluster.gh.check_runs(OWNER, REPO)))
    assert not any(c.status in (403, 429) for c in cluster.gh.calls)


async def test_a_deferred_review_goes_on_from_the_head_it_had_reached(cluster: Cluster) -> None:
    base, head = pr_texts("068")
    svc = Service(cluster.gh, None)  # type: ignore[arg-type]
    svc.add_pr(68, base, head, HEAD1)
    svc.push(68, base, head.replace("SQuAD", "SQuAD 2"), HEAD2)  # pushed, not yet delivered
    gh = cluster.gh
    gh.inject_secondary_rate_limit("/repos/*/issues/68/comments", "GET", retry_after=2)
    cluster.start_worker()
    await cluster.review(68, HEAD1)  # follows the push to HEAD2, then GitHub says "wait"
    await cluster.until(lambda: gh.count("GET", "/repos/*/issues/68/comments", status=403) == 1)
    head3 = "3" * 40
    svc.push(68, base, head.replace("SQuAD", "SQuAD 3"), head3)  # meanwhile, another push
    await cluster.until(lambda: any(r["head_sha"] == head3 and r["status"] == "completed"
                                    for r in gh.check_runs(OWNER, REPO)))
    assert await cluster.queue.join(10)
    runs = gh.check_runs(OWNER, REPO)
    assert {r["head_sha"] for r in runs} == {HEAD1, HEAD2, head3}
    assert all(r["status"] == "completed" for r in runs)  # HEAD2's run was not left behind


async def test_a_run_a_dead_worker_left_on_an_older_head_is_finished_when_the_pr_publishes(
        cluster: Cluster) -> None:
    import aiohttp

    base, head = pr_texts("068")
    svc = Service(cluster.gh, None)  # type: ignore[arg-type]
    svc.add_pr(68, base, head, HEAD1)
    gh = cluster.gh
    # A worker followed a push to HEAD1, noted it, started its run, and died.
    async with aiohttp.ClientSession() as http:
        made = await http.post(f"{gh.url}/repos/{OWNER}/{REPO}/check-runs", json={
            "name": "awesome-papers", "head_sha": HEAD1, "status": "in_progress",
            "external_id": "68"}, headers={"Authorization": f"token {gh.installation_token(1)}"})
        assert made.status == 201
    await cluster.queue.redis.sadd(f"apb:started:{OWNER}/{REPO}#68", HEAD1)
    svc.push(68, base, head.replace("SQuAD", "SQuAD 2"), HEAD2)
    cluster.start_worker()
    await cluster.review(68, HEAD2)
    await cluster.until(lambda: all(r["status"] == "completed"
                                    for r in gh.check_runs(OWNER, REPO))
                        and len(gh.check_runs(OWNER, REPO)) == 2)
    old = next(r for r in gh.check_runs(OWNER, REPO) if r["head_sha"] == HEAD1)
    assert old["output"]["title"] == "Superseded by a newer push"
