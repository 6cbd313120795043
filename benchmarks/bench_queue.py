"""The maintainer's queue at scale: API calls and time for a push that re-reviews 50 open PRs,
and for the backlog of 200 open PRs reviewed on installation.

Runs the real service against the fake GitHub on 127.0.0.1, on the list's real README (each PR
adds one paper from the list's appendix to a top-100 section, so papers repeat across PRs and
the top 100 is contested, as on a busy list). Writes are unpaced here (and the fake's
content-creation limit is off) to measure the bot's own time; "at GitHub's pace" is the time
the writes need at the bot's pacing: 60 writes a minute per installation after a burst of 10,
and content-creating ones (comments, reviews, issues) within GitHub's 80 a minute and the bot's
450 an hour (GitHub allows 500).

    python benchmarks/bench_queue.py [--push N] [--backlog N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.github.webhook import RUNTIME, make_app  # noqa: E402
from tests.fakes.github_server import FakeGitHub  # noqa: E402
from tests.fakes.webhooks import load_payload  # noqa: E402
from tests.service_kit import (  # noqa: E402
    BASE_SHA,
    OFFLINE_CITATIONS,
    OWNER,
    REPO,
    Service,
    settings_for,
)
from tests.test_queue_service import FULL, _add, _appendix_papers, _push_payload  # noqa: E402

WRITES_PER_MINUTE, BURST, CREATES_PER_HOUR = 60, 10, 450  # the bot's defaults (api.Pacer)
CREATING = ("issues/create-comment", "pulls/create-review", "issues/create")


def _paced(writes: int, creates: int) -> float:
    """Seconds the writes take at the bot's pace (the slower of its two budgets)."""
    per_minute = max(0, writes - BURST) * 60 / WRITES_PER_MINUTE
    per_hour = max(0, creates - CREATES_PER_HOUR) * 3600 / CREATES_PER_HOUR
    return max(per_minute, per_hour)


def _prs(svc: Service, n: int) -> str:
    """n open PRs, each adding one appendix paper to a top-100 section; the base text."""
    papers = _appendix_papers(FULL, 12)
    base = FULL
    for i in range(n):
        head = _add(base.replace(papers[i % len(papers)] + "\n", ""), papers[i % len(papers)],
                    i % 10)
        svc.add_pr(100 + i, base, head, f"{100 + i:x}".rjust(40, "e"))
    return base


async def _measure(svc: Service, deliver: tuple[str, dict]) -> dict[str, float]:
    gh = svc.gh
    scheduler = svc.client.app[RUNTIME].scheduler
    start, t0 = len(gh.calls), time.monotonic()
    await svc.deliver(*deliver)
    assert await scheduler.idle(timeout=3600)
    wall = time.monotonic() - t0
    calls = [c for c in gh.calls[start:] if "access_tokens" not in c.path]
    reads = sum(c.method == "GET" for c in calls)
    writes = len(calls) - reads
    creates = sum(c.operation in CREATING for c in calls)
    reviews = sum(c.method == "GET" and c.path.endswith("/files") for c in calls)
    return {"reads": reads, "writes": writes, "reviews": reviews, "wall": wall,
            "paced": wall + _paced(writes, creates)}


async def push_case(n: int) -> dict[str, float]:
    """n open PRs already reviewed; a merge moves the base: one pass re-reviews them all."""
    async with FakeGitHub(content_limits=False) as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        app = make_app(settings_for(gh, BOT_WRITES_PER_MINUTE="500"),
                       citations=OFFLINE_CITATIONS)
        async with TestClient(TestServer(app)) as client:
            svc = Service(gh, client)
            base = _prs(svc, n)
            gh.set_branch(OWNER, REPO, "master", BASE_SHA)
            backlog = load_payload("installation.created")
            backlog["installation"]["id"] = 1
            backlog["repositories"] = [{"id": 1, "name": REPO, "full_name": f"{OWNER}/{REPO}",
                                        "private": False}]
            await _measure(svc, ("installation", backlog))  # warm: every PR reviewed once
            tip = "c" * 40
            gh.set_file(OWNER, REPO, tip, "README.md", base.replace("(2016)", "(2016) ", 1))
            gh.set_branch(OWNER, REPO, "master", tip)
            return await _measure(svc, ("push", _push_payload(tip)))


async def backlog_case(n: int) -> dict[str, float]:
    """The App is installed on a repository with n open PRs, none reviewed yet."""
    async with FakeGitHub(content_limits=False) as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        app = make_app(settings_for(gh, BOT_WRITES_PER_MINUTE="500"),
                       citations=OFFLINE_CITATIONS)
        async with TestClient(TestServer(app)) as client:
            svc = Service(gh, client)
            _prs(svc, n)
            gh.set_branch(OWNER, REPO, "master", BASE_SHA)
            p = load_payload("installation.created")
            p["installation"]["id"] = 1
            p["repositories"] = [{"id": 1, "name": REPO, "full_name": f"{OWNER}/{REPO}",
                                  "private": False}]
            return await _measure(svc, ("installation", p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--push", type=int, default=50, help="open PRs a push re-reviews (0: skip)")
    ap.add_argument("--backlog", type=int, default=200, help="PRs of the backlog (0: skip)")
    args = ap.parse_args()
    os.environ.update(BOT_PASS_DELAY="0", BOT_BOARD_DELAY="0")
    rows = [(f"push, {args.push} open PRs", asyncio.run(push_case(args.push)))
            for _ in range(args.push > 0)]  # 0 skips a case
    rows += [(f"backlog, {args.backlog} PRs", asyncio.run(backlog_case(args.backlog)))
             for _ in range(args.backlog > 0)]
    print(f"{'case':<24} {'reviews':>7} {'reads':>6} {'writes':>6} {'reads/PR':>8} "
          f"{'writes/PR':>9} {'bot time':>9} {'at GitHub pace':>15}")
    for name, r in rows:
        n = args.push if name.startswith("push") else args.backlog
        print(f"{name:<24} {r['reviews']:>7.0f} {r['reads']:>6.0f} {r['writes']:>6.0f} "
              f"{r['reads'] / n:>8.1f} {r['writes'] / n:>9.1f} {r['wall']:>8.1f}s "
              f"{r['paced'] / 60:>13.1f}min")


if __name__ == "__main__":
    main()
