"""`python -m bot triage OWNER/REPO` and the Action's scheduled board run, as subprocesses
against the fake GitHub, on the list's real README."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from bot.awesome.triage import BOARD_MARKER
from tests.fakes.github_server import FakeGitHub
from tests.service_kit import BASE_SHA, OWNER, REPO, Service
from tests.test_queue_service import FULL, _add, _appendix_papers, _head, _without

ROOT = Path(__file__).resolve().parent.parent


async def _bot(gh: FakeGitHub, tmp: Path, *args: str, **env: str) -> tuple[int, str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "GITHUB_TOKEN": gh.static_token,
            "GITHUB_API_URL": gh.url, "SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
            "OPENALEX_API_URL": "http://127.0.0.1:9", "CITATION_BUDGET": "1",
            "BOT_CHECK_LINKS": "0", **env}
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET"):
        full.pop(name, None)
    full = {k: v for k, v in full.items() if v != "<unset>"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=tmp, env=full,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


def _three_prs(gh: FakeGitHub) -> None:
    gh.add_repo(OWNER, REPO, installation_id=1)
    svc = Service(gh, None)  # type: ignore[arg-type]
    p1, p2 = _appendix_papers(FULL, 2)
    base = _without(FULL, [p1, p2])
    svc.add_pr(1, base, _add(base, p1, 0), _head(1))
    svc.add_pr(2, base, _add(base, p2, 1), _head(2))
    svc.add_pr(3, base, _add(base, p1, 2), _head(3))  # the same paper as PR 1
    svc.add_pr(4, base, base.replace("Deep Learning", "Deep learning", 1), _head(4))
    gh.set_branch(OWNER, REPO, "master", BASE_SHA)


async def test_triage_prints_the_board_and_posts_nothing(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        _three_prs(gh)
        code, out = await _bot(gh, tmp_path, "triage", f"{OWNER}/{REPO}", "--format", "json")
        assert code == 0, out
        board = json.loads(out)
        assert sorted(p["number"] for p in board["pulls"]) == [1, 2, 3, 4]
        by = {p["number"]: p for p in board["pulls"]}
        assert by[1]["conflicts"][0] == "same paper as #3"
        assert by[4]["papers"] == [] and board["top100"] == {"base": 100, "limit": 100}
        assert [c for c in gh.calls if c.method != "GET"] == []
        code, out = await _bot(gh, tmp_path, "triage", "not-a-repo")
        assert code == 2 and "OWNER/REPO" in out and "Traceback" not in out
        code, out = await _bot(gh, tmp_path, "triage", f"{OWNER}/{REPO}",
                               GITHUB_TOKEN="<unset>")
        assert code == 2 and "GITHUB_TOKEN" in out


async def test_scheduled_action_writes_one_board_and_edits_it(tmp_path: Path) -> None:
    async with FakeGitHub(static_token_kind="actions") as gh:
        _three_prs(gh)
        env = {"GITHUB_EVENT_NAME": "schedule", "GITHUB_REPOSITORY": f"{OWNER}/{REPO}"}
        code, out = await _bot(gh, tmp_path, "action", **env)
        assert code == 0, out
        [board] = gh.issues_of(OWNER, REPO)
        assert board["body"].startswith(BOARD_MARKER) and board["title"] == "Paper-list triage"
        gh.set_pull_state(OWNER, REPO, 2, "closed")
        code, out = await _bot(gh, tmp_path, "action", **{**env,
                                                          "GITHUB_EVENT_NAME":
                                                          "workflow_dispatch"})
        assert code == 0, out
        [again] = gh.issues_of(OWNER, REPO)
        assert again["number"] == board["number"] and "| #2 " not in again["body"]
        assert "| #2 " in board["body"]
