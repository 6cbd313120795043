"""Recipe 2 of issue 12 (the hard budget): a review step that holds the interpreter lock for a
long time runs in a worker process; /healthz keeps answering meanwhile, the step is stopped at
its budget, and the PR gets a neutral check that names the reason."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

import bot.github.handler as handler
from bot.awesome.review import prepare
from bot.github.isolation import POOL
from tests.fakes.github_server import FakeGitHub
from tests.listkit import BASE, GAN, LSTM, RESNET, SEQ2SEQ, WGAN, make_list
from tests.service_kit import OWNER, REPO, Service, start_service

NEW = "- A new paper (2016), A. Author [[pdf]](http://arxiv.org/pdf/1601.00001)"
HEAD = make_list(vision=[RESNET, GAN, NEW], language=[SEQ2SEQ], new=[WGAN], old=[LSTM])
STALL = HEAD.replace("A new paper", "A new STALL paper")


def stalling_prepare(base: Any, head: Any, **kwargs: Any) -> Any:
    """`prepare` after a backtracking regex that holds the interpreter lock for many seconds
    (the shape of the issue's recipes: one C call that never lets go), for heads marked STALL."""
    if "STALL" in str(head):
        re.fullmatch(r"(a+)+b", "a" * 27)
    return prepare(base, head, **kwargs)


@pytest.fixture
async def gh() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub() as fake:
        yield fake


@pytest.fixture
async def svc(aiohttp_client: Any, gh: FakeGitHub) -> Service:
    return await start_service(aiohttp_client, gh)


async def _review_while_polling_healthz(svc: Service, number: int, head_sha: str,
                                        head: str = STALL) -> tuple[list[float], float]:
    """Open a PR, poll /healthz until its check run completes; latencies and total time."""
    svc.add_pr(number, BASE, head, head_sha)
    started = time.monotonic()
    status, _ = await svc.deliver("pull_request", svc.payload("pull_request.opened", number,
                                                              head_sha))
    assert status == 202
    latencies: list[float] = []
    while time.monotonic() - started < 60:
        sent = time.monotonic()
        resp = await svc.client.get("/healthz")
        assert resp.status == 200
        latencies.append(time.monotonic() - sent)
        runs = [r for r in svc.gh.check_runs(OWNER, REPO) if r["head_sha"] == head_sha]
        if runs and runs[0]["status"] == "completed":
            break
    await svc.settle()
    return latencies, time.monotonic() - started


async def test_a_stalling_review_is_stopped_and_reported_while_healthz_answers(
        svc: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handler, "prepare", stalling_prepare)
    monkeypatch.setattr(POOL, "seconds", 2.0)
    latencies, took = await _review_while_polling_healthz(svc, 1, "1" * 40)
    [run] = svc.gh.check_runs(OWNER, REPO)
    assert run["conclusion"] == "neutral"
    assert run["output"]["title"] == "Review could not finish"
    assert "took longer than 2 s" in run["output"]["summary"]
    assert took < 20, "the stalled step was stopped at its budget, not run to its end"
    # Generous for a loaded machine: a stalled loop would hold one request for the whole stall.
    assert len(latencies) > 5 and max(latencies) < 5.0, max(latencies)


async def test_the_pool_recovers_after_a_stopped_step(
        svc: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(handler, "prepare", stalling_prepare)
        patch.setattr(POOL, "seconds", 1.0)
        await _review_while_polling_healthz(svc, 1, "1" * 40)
    await _review_while_polling_healthz(svc, 2, "2" * 40, HEAD)
    run = next(r for r in svc.gh.check_runs(OWNER, REPO) if r["head_sha"] == "2" * 40)
    assert run["conclusion"] in ("success", "neutral", "failure")
    assert run["output"]["title"] != "Review could not finish"


async def test_an_unrelated_review_finishes_while_one_stalls(
        svc: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's recipe: with a slow README in one PR, another PR's review took 23 s."""
    monkeypatch.setattr(handler, "prepare", stalling_prepare)
    monkeypatch.setattr(POOL, "seconds", 20.0)
    svc.add_pr(1, BASE, STALL, "1" * 40)
    svc.add_pr(2, BASE, HEAD, "2" * 40)
    for number, sha in ((1, "1" * 40), (2, "2" * 40)):
        status, _ = await svc.deliver("pull_request", svc.payload("pull_request.opened", number,
                                                                  sha))
        assert status == 202
    finished: dict[str, float] = {}
    started = time.monotonic()
    while len(finished) < 2 and time.monotonic() - started < 120:
        for run in svc.gh.check_runs(OWNER, REPO):
            if run["status"] == "completed" and run["head_sha"] not in finished:
                finished[run["head_sha"]] = time.monotonic() - started
        await svc.client.get("/healthz")
    await svc.settle()
    assert list(finished) == ["2" * 40, "1" * 40], "the unrelated PR was reviewed first"
    assert finished["2" * 40] < POOL.seconds, "while the stalled step still ran"
