"""`python -m bot action` as a workflow runs it: a subprocess, a real event file, a fake GitHub."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.github.webhook import make_app
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.service_kit import OFFLINE_CITATIONS, OWNER, REPO, Service, settings_for

ROOT = Path(__file__).resolve().parent.parent
HEAD = "7" * 40


async def _action(gh: FakeGitHub, tmp: Path, payload: dict, **env: str) -> tuple[int, str]:
    """Run the action in a subprocess against the fake."""
    event = tmp / "event.json"
    event.write_text(json.dumps(payload))
    full = {**os.environ, "PYTHONPATH": str(ROOT), "GITHUB_EVENT_PATH": str(event),
            "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
            "GITHUB_TOKEN": gh.static_token, "GITHUB_API_URL": gh.url,
            "SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
            "OPENALEX_API_URL": "http://127.0.0.1:9", "CITATION_BUDGET": "1",
            "BOT_CHECK_LINKS": "0", **env}
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET"):
        full.pop(name, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "action", cwd=tmp, env=full,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


def _setup(gh: FakeGitHub, pr: str) -> Service:
    gh.add_repo(OWNER, REPO, installation_id=1)
    svc = Service(gh, None)  # type: ignore[arg-type]
    base, head = pr_texts(pr)
    svc.add_pr(int(pr), base, head, HEAD)
    return svc


def _published(gh: FakeGitHub, number: int) -> dict:
    """What a review left on the PR, without ids and timestamps."""
    [comment] = gh.comments(OWNER, REPO, number)
    return {
        "comment": comment["body"],
        "labels": sorted(gh.issue_labels(OWNER, REPO, number)),
        "review": [c["body"] for r in gh.reviews(OWNER, REPO, number) for c in r["comments"]],
        "conclusion": [r["conclusion"] for r in gh.check_runs(OWNER, REPO)],
    }


async def test_action_publishes_what_the_service_publishes(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh_action, FakeGitHub() as gh_service:
        svc = _setup(gh_action, "072")
        code, out = await _action(gh_action, tmp_path, svc.payload("pull_request.opened", 72,
                                                                   HEAD))
        assert code == 1, out  # the review fails: a required check would block the merge
        assert "awesome-papers: failure" in out and "Traceback" not in out

        service = _setup(gh_service, "072")
        app = make_app(settings_for(gh_service), citations=OFFLINE_CITATIONS)
        async with TestClient(TestServer(app)) as client:
            service.client = client
            await service.deliver("pull_request", service.payload("pull_request.opened", 72,
                                                                   HEAD))
            await service.settle()
        assert _published(gh_action, 72) == _published(gh_service, 72)
        assert gh_action.errors == [] and gh_service.errors == []


async def test_action_success_exits_0_and_fail_on_error_off(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        svc = _setup(gh, "072")
        code, out = await _action(gh, tmp_path, svc.payload("pull_request.opened", 72, HEAD),
                                  FAIL_ON_ERROR="false")
        assert code == 0, out


async def test_read_only_token_is_reported_not_a_crash(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        svc = _setup(gh, "068")
        gh.set_read_only(gh.static_token)
        code, out = await _action(gh, tmp_path, svc.payload("pull_request.opened", 68, HEAD))
        assert "Traceback" not in out
        assert "::warning::" in out and "permission" in out
        assert gh.comments(OWNER, REPO, 68) == [] and gh.check_runs(OWNER, REPO) == []
        assert code == 0  # the review itself is neutral


async def test_personal_token_falls_back_to_a_commit_status(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="pat") as gh:
        svc = _setup(gh, "068")
        code, out = await _action(gh, tmp_path, svc.payload("pull_request.opened", 68, HEAD))
        assert code == 0, out
        assert "checks: write" in out
        assert gh.check_runs(OWNER, REPO) == []
        assert [s["state"] for s in gh.statuses(OWNER, REPO, HEAD)][-1] == "success"


async def test_bad_event_file_exits_2(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        _setup(gh, "068")
        code, out = await _action(gh, tmp_path, {"action": "opened"})
        assert code == 2 and "::error::" in out and "Traceback" not in out
