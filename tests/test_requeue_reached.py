"""A review that followed a push and was then told to wait goes on, next time, from the head it
had reached: the check run it started there is finished even when yet another push came
meanwhile (the single-process queue; tests/test_scale_worker.py shows the same for workers)."""

from __future__ import annotations

import asyncio
import time

from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.service_kit import OWNER, REPO, start_service

HEAD1, HEAD2, HEAD3 = "1" * 40, "2" * 40, "3" * 40


async def test_a_deferred_review_goes_on_from_the_head_it_had_reached(aiohttp_client) -> None:
    async with FakeGitHub() as gh:
        svc = await start_service(aiohttp_client, gh)
        base, head = pr_texts("068")
        svc.add_pr(68, base, head, HEAD1)
        svc.push(68, base, head.replace("SQuAD", "SQuAD 2"), HEAD2)  # not delivered yet
        gh.inject_secondary_rate_limit("/repos/*/issues/68/comments", "GET", retry_after=2)
        status, _ = await svc.deliver("pull_request",
                                      svc.payload("pull_request.opened", 68, HEAD1))
        assert status == 202
        deadline = time.monotonic() + 20
        while gh.count("GET", "/repos/*/issues/68/comments", status=403) == 0:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        svc.push(68, base, head.replace("SQuAD", "SQuAD 3"), HEAD3)
        await svc.settle()
        runs = gh.check_runs(OWNER, REPO)
        print([(r["head_sha"][:3], r["status"], r["output"]["title"]) for r in runs])
        assert {r["head_sha"] for r in runs} == {HEAD1, HEAD2, HEAD3}
        assert all(r["status"] == "completed" for r in runs)
        assert gh.errors == []
