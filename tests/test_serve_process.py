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
