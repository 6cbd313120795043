"""Worker processes (`python -m bot worker`) under faults, with a real redis-server and the fake
GitHub: a worker SIGKILLed mid-review loses nothing; a worker started while Redis is down waits
with backoff and reviews once Redis is back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.awesome.report import MARKER
from bot.github.jobs import review_job
from bot.github.pull import PullRef
from bot.scale.queue import RedisQueue
from bot.scale.settings import ScaleSettings
from bot.scale.state import SharedState, connect
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.redis_kit import RedisServer, free_port
from tests.service_kit import BASE_SHA, OWNER, REPO, SECRET, Service

ROOT = Path(__file__).resolve().parent.parent
HEAD = "7" * 40
LEASE = 3.0


def worker_env(gh: FakeGitHub, redis_url: str) -> dict[str, str]:
    """The environment of a worker process pointed at the fake GitHub and the test's Redis."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": redis_url,
            "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_APP_ID": str(gh.app_id),
            "GITHUB_PRIVATE_KEY": gh.private_key_pem, "GITHUB_API_URL": gh.url,
            "BOT_IN_PROGRESS_AFTER": "0", "BOT_CHECK_LINKS": "0", "BOT_LOGIN": gh.bot_login,
            "BOT_JOB_LEASE": str(LEASE), "BOT_SHUTDOWN_GRACE": "1", "BOT_HTTP_TIMEOUT": "60",
            "SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
            "OPENALEX_API_URL": "http://127.0.0.1:9", "CITATION_BUDGET": "1"}


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """One worker process, its log in a file."""
    return subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env, cwd=ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def until(what: Callable[[], bool], timeout: float, why: str) -> float:
    """Wait for `what`; the seconds it took."""
    started = time.monotonic()
    while not what():
        assert time.monotonic() - started < timeout, why
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()


async def test_a_worker_killed_mid_review_loses_nothing(redis_url: str, tmp_path: Path) -> None:
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        base, head = pr_texts("068")
        Service(gh, None).add_pr(68, base, head, HEAD)  # type: ignore[arg-type]
        gh.inject("/repos/*/contents/*", delay=30, times=2)  # the first review hangs
        env = worker_env(gh, redis_url)
        first = start_worker(env, tmp_path / "w1.log")
        second = None
        scale = ScaleSettings(redis_url)
        queue = RedisQueue(SharedState(connect(scale)), scale)
        try:
            ref = PullRef(OWNER, REPO, 68, HEAD, BASE_SHA, "master", 1)
            assert await queue.submit(review_job(ref, "d-1"))
            await until(lambda: bool(gh.check_runs(OWNER, REPO)), 30, "no review started")
            assert gh.check_runs(OWNER, REPO)[0]["status"] == "in_progress"
            second = start_worker(env, tmp_path / "w2.log")
            first.send_signal(signal.SIGKILL)
            first.wait(5)
            gh.clear_faults()
            took = await until(lambda: any(r["status"] == "completed"
                                           for r in gh.check_runs(OWNER, REPO)), 60,
                               "the killed worker's job was not taken up")
            assert took < 60
            assert await queue.join(20)
            [run] = gh.check_runs(OWNER, REPO)  # the same run, completed: none left behind
            assert (run["status"], run["conclusion"]) == ("completed", "neutral")
            [comment] = gh.comments(OWNER, REPO, 68)
            assert comment["body"].startswith(MARKER)
            assert len(gh.reviews(OWNER, REPO, 68)) == 1
        finally:
            stop(first, *([second] if second else []))
            await queue.shutdown(0)
        assert gh.errors == []


async def test_a_worker_waits_for_redis_with_backoff_and_then_reviews(tmp_path: Path) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        base, head = pr_texts("068")
        Service(gh, None).add_pr(68, base, head, HEAD)  # type: ignore[arg-type]
        log = tmp_path / "w.log"
        worker = start_worker(worker_env(gh, url), log)
        try:
            await until(lambda: log.read_text().count("Redis is unreachable") >= 2, 30,
                        "the worker did not report the outage")
            assert worker.poll() is None  # still there, waiting
            lines = [ln for ln in log.read_text().splitlines() if "unreachable" in ln]
            assert all("Traceback" not in ln for ln in log.read_text().splitlines())
            assert "retrying in" in lines[0]
            with RedisServer(tmp_path / "redis", port=port):
                scale = ScaleSettings(url)
                queue = RedisQueue(SharedState(connect(scale)), scale)
                ref = PullRef(OWNER, REPO, 68, HEAD, BASE_SHA, "master", 1)
                assert await queue.submit(review_job(ref, "d-1"))
                await until(lambda: any(r["status"] == "completed"
                                        for r in gh.check_runs(OWNER, REPO)), 60,
                            "no review after Redis came back")
                await queue.shutdown(0)
        finally:
            stop(worker)
        assert worker.returncode == 0
