"""Shared helpers: real fixture files, read from tests/fixtures only."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from tests.fakes.github_server import FakeGitHub
    from tests.service_kit import Service

# CI replays the same examples on every run (a red CI is then reproducible, never a dice roll);
# locally hypothesis explores new ones each time and keeps what it found in .hypothesis/.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
UPSTREAM = FIXTURES / "upstream"
OLD_README = UPSTREAM / "versions" / "2017-02-14_f6fa7dc.md"
MID_README = UPSTREAM / "versions" / "2017-02-14_a932417.md"
FINAL_README = UPSTREAM / "versions" / "2018-10-19_1a0a9df.md"
PRS = ("014", "047", "061", "068", "072")


def read(path: Path) -> str:
    """A fixture file's text."""
    return path.read_text(encoding="utf-8")


def pr_texts(number: str) -> tuple[str, str]:
    """Base and head README of one real upstream pull request."""
    d = UPSTREAM / "prs" / number
    return read(d / "base.md"), read(d / "head.md")


@pytest.fixture(scope="session")
def old_readme() -> str:
    return read(OLD_README)


@pytest.fixture(scope="session")
def final_readme() -> str:
    return read(FINAL_README)


@pytest.fixture
def redis_url(tmp_path: Path):
    """A real redis-server of this test's own, on a free port in a temporary directory."""
    from tests.redis_kit import RedisServer

    with RedisServer(tmp_path / "redis") as server:
        yield server.url


@pytest.fixture
async def gh() -> AsyncIterator[FakeGitHub]:
    """A fake GitHub on 127.0.0.1 that must not have failed by the end of the test (modules
    that need it otherwise define their own)."""
    from tests.fakes.github_server import FakeGitHub

    async with FakeGitHub() as fake:
        yield fake
        assert fake.errors == []


@pytest.fixture
async def svc(aiohttp_client: Any, gh: FakeGitHub) -> Service:
    """The bot's app in a test server, against `gh`."""
    from tests.service_kit import start_service

    return await start_service(aiohttp_client, gh)
