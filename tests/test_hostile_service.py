"""Recipes 6 and 7 of issue 12 against the running service: bounded memory for unsigned bodies
and for cached READMEs, SHA-1 refused, deep JSON a 400, the unsigned delivery header never logged
raw, and the base README read at the merge base."""

from __future__ import annotations

import logging
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from bot.github.api import BotGitHubAPI, CallStats, Pacer
from bot.github.handler import Reviewer
from bot.github.pull import PullRef, read_file
from tests.fakes.github_server import FakeGitHub
from tests.fakes.webhooks import encode, sign_sha1
from tests.listkit import BASE, GAN, LSTM, RESNET, SEQ2SEQ, WGAN, make_list
from tests.service_kit import OWNER, REPO, SECRET, Service, readme_file, start_service

HEAD = "c" * 40


@pytest.fixture
async def gh() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub() as fake:
        yield fake


@pytest.fixture
async def svc(aiohttp_client: Any, gh: FakeGitHub) -> Service:
    return await start_service(aiohttp_client, gh)


def _ping() -> bytes:
    return encode({"zen": "Keep it logically awesome.", "hook_id": 1})


async def test_a_sha1_digest_in_the_sha256_header_is_refused(svc: Service) -> None:
    body = _ping()
    headers = {"X-Hub-Signature-256": sign_sha1(SECRET, body), "X-Hub-Signature": ""}
    status, _ = await svc.deliver("ping", {}, body=body, secret=None, headers=headers)
    assert status == 401
    only_sha1 = {"X-Hub-Signature": sign_sha1(SECRET, body)}
    status, _ = await svc.deliver("ping", {}, body=body, secret=None, headers=only_sha1)
    assert status == 401
    status, answer = await svc.deliver("ping", {}, body=body)
    assert (status, answer["status"]) == (200, "pong")  # the real signature still works


async def test_a_deeply_nested_signed_body_is_a_400(svc: Service) -> None:
    body = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, answer = await svc.deliver("pull_request", {}, body=body)
    assert status == 400 and "nested" in answer["error"]


async def test_the_unsigned_delivery_header_is_never_logged_raw(
        svc: Service, caplog: pytest.LogCaptureFixture) -> None:
    forged = "x outcome=published conclusion=success"
    with caplog.at_level(logging.INFO):
        status, _ = await svc.deliver("ping", {}, body=_ping(), delivery=forged)
        assert status == 400
        status, _ = await svc.deliver("ping", {}, body=_ping(), delivery=forged, secret="wrong")
        assert status == 401
    values = [str(getattr(r, "delivery", "")) for r in caplog.records]
    assert values and all("outcome" not in v and "\n" not in v for v in values)
    assert all("outcome=published" not in r.getMessage() for r in caplog.records)


def _chunks(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


@pytest.mark.parametrize("signed", [False, True])
async def test_a_25_mb_unverified_body_is_never_buffered(svc: Service, signed: bool) -> None:
    """Recipe 6b: 25 MB streamed without Content-Length; memory stays near the 1 MB cap."""
    headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": str(uuid.uuid4()),
               "Content-Type": "application/json"}
    if signed:
        headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    tracemalloc.start()
    try:
        async def body() -> AsyncIterator[bytes]:
            for chunk in _chunks(25 * 1024 * 1024):
                yield chunk

        try:
            resp = await svc.client.post("/webhook", data=body(), headers=headers)
            status = resp.status
        except aiohttp.ClientError:
            status = 0  # the server answered and closed while the client still sent
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status in (401, 413, 0)
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


async def test_the_etag_cache_keeps_no_readme_past_the_2_mb_limit(svc: Service,
                                                                 gh: FakeGitHub) -> None:
    """Recipe 6a: eight 20 MB READMEs fetched; the cache keeps none of them."""
    reviewer: Reviewer = svc.reviewer
    gh.add_repo(OWNER, "big", installation_id=1)
    async with aiohttp.ClientSession() as http:
        api = BotGitHubAPI(http, token=gh.installation_token(1), base_url=gh.url,
                           pacer=Pacer(4, 600), cache=reviewer.etags, stats=CallStats())
        for i in range(8):
            sha = f"{i + 1:x}" * 40
            gh.set_file(OWNER, "big", sha, "README.md", "- x\n" * (5 * 1024 * 1024))
            pr = PullRef(OWNER, "big", 1, sha, sha, "master", 1)
            text = await read_file(api, pr, "README.md", sha)
            assert text is not None and len(text) == 20 * 1024 * 1024
            del text
        small = PullRef(OWNER, "big", 1, "9" * 40, "9" * 40, "master", 1)
        gh.set_file(OWNER, "big", "9" * 40, "README.md", BASE)
        assert await read_file(api, small, "README.md", "9" * 40) == BASE
    kept = sum(len(v[2]) for v in reviewer.etags.values() if isinstance(v[2], str))
    assert kept < 2 * 1024 * 1024
    assert any(v[2] == BASE for v in reviewer.etags.values())  # small answers still cached


async def test_the_base_readme_is_read_at_the_merge_base(svc: Service, gh: FakeGitHub) -> None:
    """Recipe 7: a PR behind its base does not seem to remove papers merged since it branched."""
    merged_since = ("- Adam: A method for stochastic optimization (2014), D. Kingma and J. Ba "
                    "[[pdf]](http://arxiv.org/pdf/1412.6980)")
    fork_point = make_list(vision=[RESNET, GAN], language=[SEQ2SEQ], new=[WGAN], old=[LSTM])
    tip = fork_point.replace(SEQ2SEQ, f"{merged_since}\n{SEQ2SEQ}")
    new = "- A new paper (2016), A. Author [[pdf]](http://arxiv.org/pdf/1601.00001)"
    head = fork_point.replace(GAN, f"{GAN}\n{new}")
    fork_sha, tip_sha = "f" * 40, "e" * 40
    gh.set_file(OWNER, REPO, fork_sha, "README.md", fork_point)
    gh.set_file(OWNER, REPO, tip_sha, "README.md", tip)
    gh.set_file(OWNER, REPO, HEAD, "README.md", head)
    files = [readme_file(fork_point, head)]
    gh.add_pull(OWNER, REPO, 9, base_sha=tip_sha, head_sha=HEAD, files=files)
    gh.set_compare(OWNER, REPO, tip_sha, HEAD, files, merge_base=fork_sha)
    payload = svc.payload("pull_request.opened", 9, HEAD)
    payload["pull_request"]["base"]["sha"] = tip_sha
    status, _ = await svc.deliver("pull_request", payload)
    assert status == 202
    await svc.settle()
    [comment] = gh.comments(OWNER, REPO, 9)
    assert "removed" not in comment["body"].split("**Findings**")[0]
    assert "Adam" not in comment["body"]
    assert "removes-paper" not in gh.issue_labels(OWNER, REPO, 9)
    assert "adds-paper" in gh.issue_labels(OWNER, REPO, 9)

