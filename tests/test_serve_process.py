"""`python -m bot serve` as a process: refuses to start without a secret, and on SIGTERM stops
accepting, abandons in-flight work cleanly (no check run left in progress) and exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.fakes.webhooks import delivery_headers, encode
from tests.service_kit import OWNER, REPO, SECRET, Service

ROOT = Path(__file__).resolve().parent.parent
HEAD = "5" * 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refuses_to_start_without_a_secret() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    p = subprocess.run([sys.executable, "-m", "bot", "serve"], env={**env, "PYTHONPATH":
                       str(ROOT), "GITHUB_TOKEN": "t"}, capture_output=True, text=True,
                       timeout=30, check=False)
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "GITHUB_WEBHOOK_SECRET" in p.stderr


async def test_sigterm_abandons_in_flight_work_and_exits_0() -> None:
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        svc = Service(gh, None)  # type: ignore[arg-type]
        base, head = pr_texts("068")
        svc.add_pr(68, base, head, HEAD)
        gh.inject("/repos/*/contents/*", delay=20, times=None)  # a review that hangs
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PORT": str(port),
               "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_APP_ID": str(gh.app_id),
               "GITHUB_PRIVATE_KEY": gh.private_key_pem, "GITHUB_API_URL": gh.url,
               "BOT_IN_PROGRESS_AFTER": "0", "BOT_SHUTDOWN_GRACE": "1",
               "BOT_HTTP_TIMEOUT": "60", "BOT_CHECK_LINKS": "0",
               "SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
               "OPENALEX_API_URL": "http://127.0.0.1:9"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", env=env, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as http:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        async with http.get(f"{url}/healthz") as r:
                            if r.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    assert time.monotonic() < deadline, "service did not start"
                    await asyncio.sleep(0.1)
                body = encode(svc.payload("pull_request.opened", 68, HEAD))
                async with http.post(f"{url}/webhook", data=body,
                                     headers=delivery_headers("pull_request", body,
                                                              SECRET)) as r:
                    assert r.status == 202
            deadline = time.monotonic() + 20
            while not gh.check_runs(OWNER, REPO):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
            assert gh.check_runs(OWNER, REPO)[0]["status"] == "in_progress"
            proc.send_signal(signal.SIGTERM)
            out, _ = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
        assert proc.returncode == 0, out.decode()[-2000:]
        [run] = gh.check_runs(OWNER, REPO)
        assert (run["status"], run["conclusion"]) == ("completed", "neutral")
        assert "abandoned" in run["output"]["title"].lower()
        text = out.decode()
        assert SECRET not in text and "PRIVATE KEY" not in text


def _env(gh: FakeGitHub, port: int, **more: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PORT": str(port),
            "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_APP_ID": str(gh.app_id),
            "GITHUB_PRIVATE_KEY": gh.private_key_pem, "GITHUB_API_URL": gh.url,
            "BOT_IN_PROGRESS_AFTER": "0", "BOT_HTTP_TIMEOUT": "60", "BOT_CHECK_LINKS": "0",
            "BOT_LOGIN": gh.bot_login, "LOG_FORMAT": "logfmt",
            "SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
            "OPENALEX_API_URL": "http://127.0.0.1:9", **more}


async def _start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def _healthy(http: aiohttp.ClientSession, url: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        try:
            async with http.get(f"{url}/healthz") as r:
                if r.status == 200:
                    return await r.json()
        except aiohttp.ClientError:
            pass
        assert time.monotonic() < deadline, "service did not start"
        await asyncio.sleep(0.1)


async def test_refused_credentials_stop_the_service_with_one_line() -> None:
    async with FakeGitHub() as gh:
        env = _env(gh, _free_port(), GITHUB_APP_ID=str(gh.app_id + 1))  # the wrong App
        proc = await _start(env)
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
    lines = out.decode().strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: GitHub refused the App id") and "401" in lines[0]
    assert gh.count("GET", "/app") == 1


async def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        async with FakeGitHub() as gh:
            proc = await _start(_env(gh, port))
            out, _ = await asyncio.wait_for(proc.communicate(), 30)
    lines = out.decode().strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, lines
    assert f"port {port}" in lines[0]
    assert gh.calls == []  # nothing was asked of GitHub


async def test_start_up_line_and_healthz_report_the_credential_check() -> None:
    async with FakeGitHub() as gh:
        port = _free_port()
        proc = await _start(_env(gh, port, BOT_JOURNAL=""))
        try:
            async with aiohttp.ClientSession() as http:
                health = await _healthy(http, f"http://127.0.0.1:{port}")
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert health["credentials"]["ok"] is True
    assert "accepted" in health["credentials"]["detail"]
    started = [ln for ln in out.decode().splitlines() if "msg=started" in ln]
    assert len(started) == 1
    for part in (f"port={port}", "mode=app", f"api_url={gh.url}", "readme=README.md",
                 "version="):
        assert part in started[0]


async def test_sigkill_mid_review_then_restart_leaves_one_run_and_one_comment(
        tmp_path: Path) -> None:
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        svc = Service(gh, None)  # type: ignore[arg-type]
        svc.add_pr(68, *pr_texts("068"), HEAD)
        gh.inject("/repos/*/contents/*", delay=60, times=None)  # the review hangs
        port = _free_port()
        env = _env(gh, port, BOT_JOURNAL=str(tmp_path / "jobs.sqlite3"))
        url = f"http://127.0.0.1:{port}"
        proc = await _start(env)
        try:
            async with aiohttp.ClientSession() as http:
                await _healthy(http, url)
                body = encode(svc.payload("pull_request.opened", 68, HEAD))
                async with http.post(f"{url}/webhook", data=body, headers=delivery_headers(
                        "pull_request", body, SECRET)) as r:
                    assert r.status == 202
                deadline = time.monotonic() + 20
                while not gh.check_runs(OWNER, REPO):
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.1)
                proc.kill()  # SIGKILL: no clean-up of any kind
                await proc.wait()
                assert gh.check_runs(OWNER, REPO)[0]["status"] == "in_progress"
                gh.clear_faults()
                proc = await _start(env)  # the same journal: the job is taken back
                await _healthy(http, url)
                deadline = time.monotonic() + 30
                while any(r["status"] != "completed" for r in gh.check_runs(OWNER, REPO)) \
                        or not gh.comments(OWNER, REPO, 68):
                    assert time.monotonic() < deadline, gh.check_runs(OWNER, REPO)
                    await asyncio.sleep(0.1)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.communicate(), 30)
        [run] = gh.check_runs(OWNER, REPO)
        assert run["status"] == "completed" and run["conclusion"] == "neutral"
        assert run["output"]["title"] not in ("Review abandoned", "Review could not finish")
        assert len(gh.comments(OWNER, REPO, 68)) == 1
