"""A running service against a fake GitHub: real servers on 127.0.0.1, real signed deliveries."""

from __future__ import annotations

import difflib
import json
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from bot.citations.settings import CitationSettings
from bot.github.settings import ServiceSettings
from bot.github.webhook import QUEUE, RUNTIME, make_app
from tests.fakes.github_server import FakeGitHub
from tests.fakes.webhooks import delivery_headers, encode, payload_for

SECRET = "It's a Secret to Everybody"
OWNER, REPO = "terryum", "awesome-deep-learning-papers"
BASE_SHA = "a" * 40


def patch_of(base: str, head: str) -> str:
    """The unified diff GitHub shows in a PR file's `patch` (no file headers)."""
    rows = list(difflib.unified_diff(base.split("\n"), head.split("\n"), n=3, lineterm=""))
    return "\n".join(rows[2:])


def readme_file(base: str, head: str) -> dict[str, Any]:
    """The README entry of a PR's file list."""
    return {"filename": "README.md", "status": "modified", "patch": patch_of(base, head)}


def settings_for(gh: FakeGitHub, **env: str) -> ServiceSettings:
    """App-mode settings pointing at the fake."""
    base = {"GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_APP_ID": str(gh.app_id),
            "GITHUB_PRIVATE_KEY": gh.private_key_pem, "GITHUB_API_URL": gh.url,
            "BOT_CHECK_LINKS": "0", "BOT_IN_PROGRESS_AFTER": "0", "BOT_LOGIN": gh.bot_login,
            "BOT_RETRY_BUDGET": "5", "BOT_INLINE_WAIT": "0",  # every rate limit re-queues
            "BOT_JOURNAL": f"{tempfile.mkdtemp(prefix='bot-journal-')}/jobs.sqlite3", **env}
    return ServiceSettings.from_env(base)


OFFLINE_CITATIONS = CitationSettings.from_env(
    {"SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
     "OPENALEX_API_URL": "http://127.0.0.1:9"}, budget=1.0)


@dataclass
class Service:
    """The bot's web app under test, and the fake GitHub it talks to."""

    gh: FakeGitHub
    client: TestClient

    def add_pr(self, number: int, base: str, head: str, head_sha: str,
               extra_files: list[dict[str, Any]] | None = None,
               labels: list[str] | None = None) -> None:
        """A PR whose README goes from `base` to `head`."""
        self.gh.set_file(OWNER, REPO, BASE_SHA, "README.md", base)
        self.gh.set_file(OWNER, REPO, head_sha, "README.md", head)
        files = [readme_file(base, head), *(extra_files or [])]
        self.gh.add_pull(OWNER, REPO, number, base_sha=BASE_SHA, head_sha=head_sha,
                         files=files, labels=labels or [])

    def push(self, number: int, base: str, head: str, head_sha: str) -> None:
        """A new head for the PR."""
        self.gh.set_file(OWNER, REPO, head_sha, "README.md", head)
        self.gh.push(OWNER, REPO, number, head_sha, files=[readme_file(base, head)])

    def payload(self, name: str, number: int, head_sha: str) -> dict[str, Any]:
        """A real example payload rewritten for this PR."""
        return payload_for(name, owner=OWNER, repo=REPO, number=number, head_sha=head_sha,
                           base_sha=BASE_SHA, installation_id=1)

    async def deliver(self, event: str, payload: dict[str, Any], *, delivery: str | None = None,
                      secret: str | None = SECRET, headers: dict[str, str] | None = None,
                      body: bytes | None = None) -> tuple[int, dict[str, Any]]:
        """POST a delivery signed as GitHub signs it; return status and JSON answer."""
        raw = body if body is not None else encode(payload)
        h = delivery_headers(event, raw, secret or "", delivery or str(uuid.uuid4()))
        if secret is None:
            h = {k: v for k, v in h.items() if not k.lower().startswith("x-hub-signature")}
        h.update(headers or {})
        resp = await self.client.post("/webhook", data=raw, headers=h)
        text = await resp.text()
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, {"text": text}

    async def settle(self) -> None:
        """Wait until every queued review has finished."""
        assert await self.client.app[QUEUE].join(timeout=60)  # a deadlock guard, not a target

    @property
    def reviewer(self):
        return self.client.app[RUNTIME].reviewer


async def start_service(aiohttp_client: Any, gh: FakeGitHub, **env: str) -> Service:
    """Start the bot's app in a test server."""
    if f"{OWNER}/{REPO}".lower() not in gh.repos:
        gh.add_repo(OWNER, REPO, installation_id=1)
    app = make_app(settings_for(gh, **env), citations=OFFLINE_CITATIONS)
    return Service(gh, await aiohttp_client(app))
