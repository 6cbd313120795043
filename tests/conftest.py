"""Shared helpers: real fixture files, read from tests/fixtures only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

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
