"""The fake GitHub honours GitHub's contract: shapes, refusals, auth, paging, caching, faults."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gidgethub import apps
from gidgethub.aiohttp import GitHubAPI

from tests.fakes.github_server import (
    REVIEW_DOCS,
    REVIEW_LINE_ERROR,
    FakeGitHub,
    diff_anchor,
    git_blob_sha,
    parse_patch,
    spec,
)
from tests.fakes.webhooks import (
    deliver,
    delivery_headers,
    encode,
    load_contract,
    load_payload,
    payload_for,
    payload_names,
    sign,
)

OWNER, REPO, NUM, INSTALL = "octo", "papers", 3, 7
BASE, HEAD = "a" * 40, "b" * 40
# Two hunks: RIGHT lines 1-4 and 21-23 are in the diff, LEFT lines 1-3 and 20-22.
PATCH = (
    "@@ -1,3 +1,4 @@\n # Papers\n \n+- new entry\n ## Section\n"
    "@@ -20,3 +21,3 @@\n context 20\n-- old\n+- replaced\n context 22"
)
README = "# Papers\n\n- new entry\n## Section\n" + "".join(f"line {i}\n" for i in range(5, 30))
TIMEOUT = aiohttp.ClientTimeout(total=10)


@pytest.fixture
async def gh() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub() as fake:
        fake.add_repo(OWNER, REPO, installation_id=INSTALL)
        fake.set_file(OWNER, REPO, HEAD, "README.md", README)
        fake.set_file(OWNER, REPO, BASE, "README.md", "# Papers\n")
        fake.set_file(OWNER, REPO, "master", "README.md", "# Papers\n")
        fake.add_pull(
            OWNER, REPO, NUM, base_sha=BASE, head_sha=HEAD, labels=["needs-review"],
            files=[{"filename": "README.md", "status": "modified", "patch": PATCH}],
        )
        yield fake
        assert not fake.errors, fake.errors[0]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as s:
        yield s


async def call(
    session: aiohttp.ClientSession,
    gh: FakeGitHub,
    method: str,
    path: str,
    *,
    token: str | None = "static",
    body: Any = None,
    headers: dict[str, str] | None = None,
    scheme: str = "token",
) -> tuple[int, Any, Any]:
    """One request; returns (status, parsed JSON or bytes, headers)."""
    sent = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token is not None:
        sent["Authorization"] = f"{scheme} {gh.static_token if token == 'static' else token}"
    sent.update(headers or {})
    async with session.request(
        method, gh.url + path, json=body, headers=sent
    ) as response:
        raw = await response.read()
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw
        return response.status, parsed, response.headers


def repo_path(rest: str) -> str:
    return f"/repos/{OWNER}/{REPO}{rest}"


def conforms(operation_id: str, status: int, body: Any) -> None:
    """Assert the body validates against the operation's documented response schema."""
    errors = list(spec().response_validator(operation_id, status).iter_errors(body))
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]]


# --- webhooks ------------------------------------------------------------------------------


def test_signature_matches_githubs_test_vector() -> None:
    vector = load_contract()["signature"]["test_vector"]
    assert vector["secret"] == "It's a Secret to Everybody"
    got = sign(vector["secret"], vector["payload"].encode())
    assert got == vector["X-Hub-Signature-256"]
    assert got == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_delivery_headers_are_the_real_set() -> None:
    body = encode(load_payload("ping"))
    headers = delivery_headers("ping", body, "s3cret", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert headers["X-GitHub-Event"] == "ping"
    assert headers["X-GitHub-Delivery"] == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert headers["User-Agent"].startswith("GitHub-Hookshot/")
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Hub-Signature-256"] == sign("s3cret", body)
    expected_sha1 = hmac.new(b"s3cret", body, hashlib.sha1).hexdigest()
    assert headers["X-Hub-Signature"] == f"sha1={expected_sha1}"
    for name in ("X-GitHub-Hook-ID", "X-GitHub-Hook-Installation-Target-Type",
                 "X-GitHub-Hook-Installation-Target-ID"):
        assert headers[name]
    unsigned = delivery_headers("ping", body, None)
    assert "X-Hub-Signature-256" not in unsigned
    assert len(unsigned["X-GitHub-Delivery"]) == 36


def test_every_stored_payload_loads() -> None:
    names = payload_names()
    assert "pull_request.opened" in names and "check_run.rerequested" in names
    for name in names:
        assert isinstance(load_payload(name), dict)


def test_payload_for_rewrites_consistently() -> None:
    p = payload_for(
        "pull_request.opened", owner=OWNER, repo=REPO, number=NUM, head_sha=HEAD,
        base_sha=BASE, installation_id=INSTALL, sender="alice", api_url="http://127.0.0.1:9",
    )
    pr = p["pull_request"]
    assert p["number"] == pr["number"] == NUM
    assert p["repository"]["full_name"] == f"{OWNER}/{REPO}"
    assert p["repository"]["name"] == REPO and p["repository"]["owner"]["login"] == OWNER
    assert pr["head"]["sha"] == HEAD and pr["base"]["sha"] == BASE and pr["base"]["ref"] == "master"
    assert pr["head"]["repo"]["full_name"] == f"{OWNER}/{REPO}"
    assert p["installation"]["id"] == INSTALL
    assert p["sender"]["login"] == "alice" == pr["user"]["login"]
    assert pr["url"] == f"http://127.0.0.1:9/repos/{OWNER}/{REPO}/pulls/{NUM}"
    assert pr["statuses_url"].endswith(f"/statuses/{HEAD}")
    assert p["repository"]["has_discussions"] is False
    text = json.dumps(p)
    assert "Codertocat/Hello-World" not in text and "ec26c3e57ca3a959" not in text


def test_payload_for_fork_and_check_run_and_installation() -> None:
    fork = payload_for("pull_request.synchronize", owner=OWNER, repo=REPO, number=NUM,
                       head_sha=HEAD, base_sha=BASE, installation_id=INSTALL,
                       head_repo="mallory/papers", before="c" * 40)
    assert fork["pull_request"]["head"]["repo"]["full_name"] == "mallory/papers"
    assert fork["pull_request"]["head"]["repo"]["fork"] is True
    assert fork["after"] == HEAD and fork["before"] == "c" * 40
    run = payload_for("check_run.rerequested", owner=OWNER, repo=REPO, number=NUM,
                      head_sha=HEAD, base_sha=BASE, installation_id=INSTALL)
    assert run["check_run"]["head_sha"] == HEAD
    assert all(pr["number"] == NUM for pr in run["check_run"]["pull_requests"])
    inst = payload_for("installation.created", owner=OWNER, repo=REPO, installation_id=INSTALL)
    assert inst["installation"]["id"] == INSTALL
    assert isinstance(inst["installation"]["created_at"], str)
    assert inst["installation"]["app_slug"]


async def test_deliver_signs_and_reports_like_github() -> None:
    seen: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append((dict(request.headers), body))
        if request.headers.get("X-GitHub-Event") == "slow":
            await asyncio.sleep(1)
        good = hmac.compare_digest(request.headers["X-Hub-Signature-256"], sign("s", body))
        return web.Response(status=200 if good else 401)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with aiohttp.ClientSession() as s:
            ok = await deliver(s, url, "ping", load_payload("ping"), secret="s")
            bad = await deliver(s, url, "ping", load_payload("ping"), secret="wrong")
            slow = await deliver(s, url, "slow", b"{}", secret="s", timeout=0.2)
    finally:
        await runner.cleanup()
    assert ok.ok and ok.status == 200
    assert bad.status == 401 and not bad.ok
    assert slow.timed_out and not slow.ok
    assert seen[0][0]["X-GitHub-Event"] == "ping"
    assert json.loads(seen[0][1]) == load_payload("ping")


# --- diffs ---------------------------------------------------------------------------------


def test_patch_anchors_follow_the_unified_diff() -> None:
    right = {row.new for row in parse_patch(PATCH) if row.kind in "+ "}
    left = {row.old for row in parse_patch(PATCH) if row.kind in "- "}
    assert right == {1, 2, 3, 4, 21, 22, 23}
    assert left == {1, 2, 3, 20, 21, 22}
    assert diff_anchor(PATCH, "RIGHT", 10) is None
    row = diff_anchor(PATCH, "RIGHT", 22)
    assert row is not None and row.kind == "+" and row.position == 8 and row.hunk == 1
    assert git_blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


# --- auth ----------------------------------------------------------------------------------


async def test_repos_routes_need_a_valid_token(gh: FakeGitHub, session: aiohttp.ClientSession
                                               ) -> None:
    status, body, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token=None)
    assert status == 401 and body["message"] == "Requires authentication"
    status, body, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token="ghs_nope")
    assert status == 401 and body["message"] == "Bad credentials" and body["documentation_url"]
    status, body, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"))
    assert status == 200 and body["head"]["sha"] == HEAD
    status, _, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), scheme="Bearer")
    assert status == 200
    other = gh.add_repo("someone", "else", installation_id=99)
    token = gh.installation_token(INSTALL)
    status, _, _ = await call(session, gh, "GET", f"/repos/{other.full_name}/labels/x",
                              token=token)
    assert status == 404
    assert [c.auth for c in gh.calls[:2]] == ["none", "invalid"]


async def test_access_tokens_require_the_apps_jwt(gh: FakeGitHub, session: aiohttp.ClientSession
                                                  ) -> None:
    path = f"/app/installations/{INSTALL}/access_tokens"
    stranger = rsa.generate_private_key(65537, 2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    now = time.time()
    refused = {
        "no auth": None,
        "static token": gh.static_token,
        "foreign key": gh.app_jwt(key_pem=stranger),
        "wrong iss": gh.app_jwt(iss="1"),
        "expired": gh.app_jwt(iat=now - 1200, exp=now - 600),
        "exp too far": gh.app_jwt(exp=now + 3600),
        "garbage": "a.b.c",
    }
    for why, credential in refused.items():
        status, body, _ = await call(session, gh, "POST", path, token=credential, scheme="Bearer")
        assert status == 401, why
        assert body["message"], why
    assert gh.tokens_issued == 0

    status, body, _ = await call(session, gh, "POST", path, token=gh.app_jwt(), scheme="Bearer")
    assert status == 201
    conforms("apps/create-installation-access-token", 201, body)
    assert body["token"].startswith("ghs_")
    expires = time.mktime(time.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert 3500 < expires - time.time() <= 3601
    assert gh.tokens_issued == 1 and gh.issued_tokens[0]["installation_id"] == INSTALL
    status, _, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token=body["token"])
    assert status == 200
    status, _, _ = await call(session, gh, "POST", "/app/installations/12345/access_tokens",
                              token=gh.app_jwt(), scheme="Bearer")
    assert status == 404

    gh.expire_tokens()
    status, body, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"),
                                 token=gh.issued_tokens[0]["token"])
    assert status == 401 and body["message"] == "Bad credentials"


async def test_gidgethub_can_get_an_installation_token(gh: FakeGitHub,
                                                       session: aiohttp.ClientSession) -> None:
    api = GitHubAPI(session, "fake-test", base_url=gh.url)
    answer = await apps.get_installation_access_token(
        api, installation_id=str(INSTALL), app_id=str(gh.app_id), private_key=gh.private_key_pem
    )
    api = GitHubAPI(session, "fake-test", oauth_token=answer["token"], base_url=gh.url)
    pull = await api.getitem(f"/repos/{OWNER}/{REPO}/pulls/{NUM}")
    assert pull["number"] == NUM and gh.tokens_issued == 1


async def test_token_permissions_and_scoping(gh: FakeGitHub, session: aiohttp.ClientSession
                                             ) -> None:
    path = f"/app/installations/{INSTALL}/access_tokens"
    status, body, _ = await call(session, gh, "POST", path, token=gh.app_jwt(), scheme="Bearer",
                                 body={"permissions": {"administration": "write"}})
    assert status == 422
    status, body, _ = await call(session, gh, "POST", path, token=gh.app_jwt(), scheme="Bearer",
                                 body={"permissions": {"issues": "read"}, "repositories": [REPO]})
    assert status == 201 and body["repositories"][0]["full_name"] == f"{OWNER}/{REPO}"
    status, body, _ = await call(session, gh, "POST", repo_path(f"/issues/{NUM}/comments"),
                                 token=body["token"], body={"body": "hi"})
    assert status == 403 and body["message"] == "Resource not accessible by integration"


async def test_read_only_tokens_get_403_on_every_write(gh: FakeGitHub,
                                                        session: aiohttp.ClientSession) -> None:
    token = gh.installation_token(INSTALL, read_only=True)
    status, _, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}/files"), token=token)
    assert status == 200
    writes = [
        ("POST", repo_path(f"/issues/{NUM}/comments"), {"body": "hi"}),
        ("POST", repo_path(f"/pulls/{NUM}/reviews"), {"event": "COMMENT", "body": "x"}),
        ("POST", repo_path(f"/issues/{NUM}/labels"), {"labels": ["x"]}),
        ("POST", repo_path("/check-runs"), {"name": "c", "head_sha": HEAD}),
        ("POST", repo_path(f"/statuses/{HEAD}"), {"state": "success"}),
    ]
    for method, path, body in writes:
        status, answer, _ = await call(session, gh, method, path, token=token, body=body)
        assert status == 403, path
        assert answer["message"] == "Resource not accessible by integration"
    assert gh.comments(OWNER, REPO, NUM) == [] and gh.check_runs(OWNER, REPO) == []
    gh.read_only_tokens = True
    status, _, _ = await call(session, gh, "POST", repo_path(f"/issues/{NUM}/comments"),
                              token=gh.installation_token(INSTALL), body={"body": "hi"})
    assert status == 403


async def test_installation_lookup_and_rate_limit(gh: FakeGitHub, session: aiohttp.ClientSession
                                                  ) -> None:
    status, _, _ = await call(session, gh, "GET", repo_path("/installation"))
    assert status == 401
    status, body, _ = await call(session, gh, "GET", repo_path("/installation"),
                                 token=gh.app_jwt(), scheme="Bearer")
    assert status == 200 and body["id"] == INSTALL and body["app_id"] == gh.app_id
    conforms("apps/get-repo-installation", 200, body)
    token = gh.installation_token(INSTALL)
    status, body, headers = await call(session, gh, "GET", "/rate_limit", token=token)
    assert status == 200 and body["resources"]["core"]["used"] == 0
    conforms("rate-limit/get", 200, body)
    await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token=token)
    status, body, headers = await call(session, gh, "GET", "/rate_limit", token=token)
    assert body["rate"]["used"] == 1 and body["rate"]["remaining"] == 4999
    assert headers["x-ratelimit-limit"] == "5000" and headers["x-ratelimit-resource"] == "core"

    gh.rate_limit = 2
    statuses = [(await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token=token))[0]
                for _ in range(2)]
    _, body, headers = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token=token)
    assert statuses == [200, 403] and headers["x-ratelimit-remaining"] == "0"
    assert body["message"].startswith("API rate limit exceeded")


# --- shapes --------------------------------------------------------------------------------


async def test_answers_validate_against_the_description(gh: FakeGitHub,
                                                        session: aiohttp.ClientSession) -> None:
    token = gh.installation_token(INSTALL)

    async def ok(op: str, method: str, path: str, want: int, body: Any = None) -> Any:
        status, answer, _ = await call(session, gh, method, path, token=token, body=body)
        assert status == want, (op, answer)
        conforms(op, want, answer)
        return answer

    await ok("pulls/get", "GET", repo_path(f"/pulls/{NUM}"), 200)
    await ok("pulls/list-files", "GET", repo_path(f"/pulls/{NUM}/files"), 200)
    await ok("repos/compare-commits-with-basehead", "GET", repo_path(f"/compare/{BASE}...{HEAD}"),
             200)
    comment = await ok("issues/create-comment", "POST", repo_path(f"/issues/{NUM}/comments"), 201,
                       {"body": "first"})
    await ok("issues/update-comment", "PATCH", repo_path(f"/issues/comments/{comment['id']}"), 200,
             {"body": "edited"})
    await ok("issues/list-comments", "GET", repo_path(f"/issues/{NUM}/comments"), 200)
    review = await ok("pulls/create-review", "POST", repo_path(f"/pulls/{NUM}/reviews"), 200,
                      {"event": "COMMENT", "body": "r",
                       "comments": [{"path": "README.md", "line": 3, "body": "c"}]})
    await ok("pulls/list-reviews", "GET", repo_path(f"/pulls/{NUM}/reviews"), 200)
    await ok("pulls/dismiss-review", "PUT",
             repo_path(f"/pulls/{NUM}/reviews/{review['id']}/dismissals"), 200, {"message": "m"})
    await ok("issues/create-label", "POST", repo_path("/labels"), 201,
             {"name": "paper", "color": "0e8a16", "description": "A paper"})
    await ok("issues/get-label", "GET", repo_path("/labels/paper"), 200)
    await ok("issues/add-labels", "POST", repo_path(f"/issues/{NUM}/labels"), 200,
             {"labels": ["paper"]})
    await ok("issues/list-labels-on-issue", "GET", repo_path(f"/issues/{NUM}/labels"), 200)
    await ok("issues/remove-label", "DELETE", repo_path(f"/issues/{NUM}/labels/paper"), 200)
    run = await ok("checks/create", "POST", repo_path("/check-runs"), 201,
                   {"name": "awesome", "head_sha": HEAD, "status": "in_progress"})
    await ok("checks/update", "PATCH", repo_path(f"/check-runs/{run['id']}"), 200,
             {"conclusion": "success", "output": {"title": "t", "summary": "s"}})
    await ok("repos/create-commit-status", "POST", repo_path(f"/statuses/{HEAD}"), 201,
             {"state": "success", "context": "awesome"})
    await ok("repos/get-content", "GET", repo_path("/contents/README.md"), 200)
    gh.set_file(OWNER, REPO, "master", "docs/sub/a.md", "a")
    listing = await ok("repos/get-content", "GET", repo_path("/contents/docs"), 200)
    assert [(x["name"], x["type"]) for x in listing] == [("sub", "dir")]


async def test_pull_and_files(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    _, pull, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"))
    assert pull["base"]["sha"] == BASE and pull["base"]["ref"] == "master"
    assert pull["labels"][0]["name"] == "needs-review" and pull["user"]["login"] == "octocat"
    _, files, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}/files"))
    assert files[0]["patch"] == PATCH and files[0]["additions"] == 2
    assert files[0]["deletions"] == 1
    assert files[0]["sha"] == git_blob_sha(README.encode())
    gh.push(OWNER, REPO, NUM, "c" * 40)
    _, pull, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"))
    assert pull["head"]["sha"] == "c" * 40 and pull["commits"] == 2
    status, body, _ = await call(session, gh, "GET", repo_path("/pulls/999"))
    assert status == 404 and body["message"] == "Not Found"


async def test_contents_base64_raw_large_and_missing(gh: FakeGitHub,
                                                     session: aiohttp.ClientSession) -> None:
    status, body, _ = await call(session, gh, "GET", repo_path(f"/contents/README.md?ref={HEAD}"))
    assert status == 200 and body["encoding"] == "base64"
    assert all(len(line) <= 60 for line in body["content"].splitlines())
    assert base64.b64decode(body["content"]).decode() == README
    assert body["sha"] == git_blob_sha(README.encode()) and body["size"] == len(README.encode())
    status, raw, _ = await call(
        session, gh, "GET", repo_path(f"/contents/README.md?ref={HEAD}"),
        headers={"Accept": "application/vnd.github.raw+json"},
    )
    assert status == 200 and raw == README.encode()
    _, default, _ = await call(session, gh, "GET", repo_path("/contents/README.md"))
    assert base64.b64decode(default["content"]) == b"# Papers\n"

    big = b"x" * (1024 * 1024 + 1)
    gh.set_file(OWNER, REPO, HEAD, "docs/big.md", big)
    _, body, _ = await call(session, gh, "GET", repo_path(f"/contents/docs/big.md?ref={HEAD}"))
    assert body["encoding"] == "none" and body["content"] == "" and body["size"] == len(big)
    _, raw, _ = await call(session, gh, "GET", repo_path(f"/contents/docs/big.md?ref={HEAD}"),
                           headers={"Accept": "application/vnd.github.raw"})
    assert raw == big
    _, listing, _ = await call(session, gh, "GET", repo_path(f"/contents/docs?ref={HEAD}"))
    assert [entry["name"] for entry in listing] == ["big.md"]
    status, body, _ = await call(session, gh, "GET", repo_path(f"/contents/nope.md?ref={HEAD}"))
    assert status == 404 and body["message"] == "Not Found"
    status, body, _ = await call(session, gh, "GET", repo_path("/contents/README.md?ref=zzz"))
    assert status == 404 and "No commit found" in body["message"]


# --- reviews -------------------------------------------------------------------------------


async def test_review_comment_outside_the_diff_is_refused_whole(
    gh: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    token = gh.installation_token(INSTALL)
    review = {
        "event": "COMMENT",
        "body": "Some notes",
        "comments": [
            {"path": "README.md", "line": 3, "side": "RIGHT", "body": "fine"},
            {"path": "README.md", "line": 10, "side": "RIGHT", "body": "not in the diff"},
        ],
    }
    status, body, _ = await call(session, gh, "POST", repo_path(f"/pulls/{NUM}/reviews"),
                                 token=token, body=review)
    assert status == 422
    assert body == {"message": "Unprocessable Entity", "errors": [REVIEW_LINE_ERROR],
                    "documentation_url": REVIEW_DOCS}
    assert gh.reviews(OWNER, REPO, NUM) == []
    bad_anchors = [
        {"path": "README.md", "line": 4, "side": "LEFT", "body": "LEFT 4 is not shown"},
        {"path": "README.md", "start_line": 3, "line": 21, "body": "spans two hunks"},
        {"path": "README.md", "start_line": 23, "line": 22, "body": "backwards"},
        {"path": "OTHER.md", "line": 1, "body": "no such file"},
        {"path": "README.md", "position": 3, "body": "deprecated"},
        {"path": "README.md", "body": "no line at all"},
    ]
    for comment in bad_anchors:
        status, _, _ = await call(session, gh, "POST", repo_path(f"/pulls/{NUM}/reviews"),
                                  token=token, body={"event": "COMMENT", "body": "b",
                                                     "comments": [comment]})
        assert status == 422, comment
    assert gh.reviews(OWNER, REPO, NUM) == []
    assert gh.count("POST", "*/reviews", status=422) == 7


async def test_review_on_the_diff_is_stored(gh: FakeGitHub, session: aiohttp.ClientSession
                                            ) -> None:
    token = gh.installation_token(INSTALL)
    comments = [
        {"path": "README.md", "line": 3, "body": "added line"},
        {"path": "README.md", "start_line": 21, "line": 23, "side": "RIGHT", "body": "range"},
        {"path": "README.md", "line": 21, "side": "LEFT", "body": "removed line"},
    ]
    status, body, _ = await call(session, gh, "POST", repo_path(f"/pulls/{NUM}/reviews"),
                                 token=token, body={"event": "REQUEST_CHANGES",
                                                    "body": "Please fix", "comments": comments})
    assert status == 200 and body["state"] == "CHANGES_REQUESTED" and "comments" not in body
    (stored,) = gh.reviews(OWNER, REPO, NUM)
    assert stored["commit_id"] == HEAD
    assert stored["user"] == {**stored["user"], "login": gh.bot_login, "type": "Bot"}
    assert [c["body"] for c in stored["comments"]] == ["added line", "range", "removed line"]
    assert stored["comments"][0]["side"] == "RIGHT"

    status, body, _ = await call(session, gh, "POST", repo_path(f"/pulls/{NUM}/reviews"),
                                 token=token, body={"event": "COMMENT"})
    assert status == 422  # COMMENT needs a body
    gh.push(OWNER, REPO, NUM, "c" * 40, files=[{"filename": "OTHER.md", "status": "added",
                                                "patch": "@@ -0,0 +1 @@\n+hello"}])
    old = {"commit_id": HEAD, "event": "COMMENT", "body": "late",
           "comments": [{"path": "README.md", "line": 3, "body": "on the old head"}]}
    status, body, _ = await call(session, gh, "POST", repo_path(f"/pulls/{NUM}/reviews"),
                                 token=token, body=old)
    assert status == 200 and body["commit_id"] == HEAD
    status, _, _ = await call(session, gh, "POST", repo_path(f"/pulls/{NUM}/reviews"), token=token,
                              body={"event": "COMMENT", "body": "x", "comments": [
                                  {"path": "README.md", "line": 3, "body": "gone at new head"}]})
    assert status == 422


async def test_position_is_allowed_when_asked(session: aiohttp.ClientSession) -> None:
    async with FakeGitHub(allow_position=True) as gh:
        gh.add_repo(OWNER, REPO, installation_id=INSTALL)
        gh.add_pull(OWNER, REPO, NUM, base_sha=BASE, head_sha=HEAD,
                    files=[{"filename": "README.md", "patch": PATCH}])
        for position, want in ((3, 200), (5, 422), (99, 422)):
            status, _, _ = await call(session, gh, "POST", repo_path(f"/pulls/{NUM}/reviews"),
                                      body={"event": "COMMENT", "body": "b", "comments": [
                                          {"path": "README.md", "position": position,
                                           "body": "p"}]})
            assert status == want, position


# --- bodies, limits, labels, checks, statuses ------------------------------------------------


async def test_body_schema_violations_are_422(gh: FakeGitHub, session: aiohttp.ClientSession
                                              ) -> None:
    cases = [
        ("POST", repo_path(f"/issues/{NUM}/comments"), {"bdy": "typo"}, '"body" wasn\'t supplied'),
        ("POST", repo_path(f"/issues/{NUM}/comments"), None, '"body" wasn\'t supplied'),
        ("POST", repo_path(f"/issues/{NUM}/comments"), {"body": 5}, "is not a string"),
        ("POST", repo_path(f"/statuses/{HEAD}"), {"state": "green"}, "not a member of enum"),
        ("POST", repo_path(f"/issues/{NUM}/labels"), ["bare", "list"], "Invalid request"),
        ("POST", repo_path(f"/issues/{NUM}/labels"), {"labels": []}, "Invalid request"),
        ("POST", repo_path("/check-runs"), {"name": "x"}, '"head_sha" wasn\'t supplied'),
        ("POST", repo_path("/check-runs"),
         {"name": "x", "head_sha": HEAD, "output": {"title": "t"}},
         "For 'output', \"summary\" wasn't supplied"),
        ("POST", repo_path("/check-runs"),
         {"name": "x", "head_sha": HEAD, "started_at": "yesterday"}, "started_at"),
        ("POST", repo_path(f"/pulls/{NUM}/reviews"), {"event": "LGTM"}, "not a member of enum"),
    ]
    token = gh.installation_token(INSTALL)
    for method, path, body, needle in cases:
        status, answer, _ = await call(session, gh, method, path, token=token, body=body)
        assert status == 422, (path, body, answer)
        assert answer["message"].startswith("Invalid request.\n\n"), answer
        assert needle in answer["message"], answer["message"]
        assert answer["documentation_url"].startswith("https://docs.github.com/")
    async with session.post(gh.url + repo_path(f"/issues/{NUM}/comments"), data=b"{not json",
                            headers={"Authorization": f"token {gh.static_token}"}) as response:
        assert response.status == 400
        assert (await response.json())["message"] == "Problems parsing JSON"
    assert gh.comments(OWNER, REPO, NUM) == [] and gh.statuses(OWNER, REPO, HEAD) == []


async def test_comment_length_limit_and_update(gh: FakeGitHub, session: aiohttp.ClientSession
                                               ) -> None:
    token = gh.installation_token(INSTALL)
    path = repo_path(f"/issues/{NUM}/comments")
    status, body, _ = await call(session, gh, "POST", path, token=token, body={"body": "x" * 65537})
    assert status == 422 and body["errors"][0]["code"] == "unprocessable"
    status, body, _ = await call(session, gh, "POST", path, token=token, body={"body": "x" * 65536})
    assert status == 201 and body["user"]["login"] == gh.bot_login
    assert body["user"]["type"] == "Bot"
    assert body["html_url"].endswith(f"#issuecomment-{body['id']}")
    edit = repo_path(f"/issues/comments/{body['id']}")
    status, edited, _ = await call(session, gh, "PATCH", edit, token=token, body={"body": "short"})
    assert status == 200 and edited["body"] == "short"
    status, _, _ = await call(session, gh, "PATCH", repo_path("/issues/comments/1"), token=token,
                              body={"body": "x"})
    assert status == 404
    assert [c["body"] for c in gh.comments(OWNER, REPO, NUM)] == ["short"]


async def test_labels(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    status, body, _ = await call(session, gh, "GET", repo_path("/labels/missing"))
    assert status == 404
    status, body, _ = await call(session, gh, "POST", repo_path("/labels"),
                                 body={"name": "needs-review"})
    assert status == 422 and body["errors"][0]["code"] == "already_exists"
    status, body, _ = await call(session, gh, "POST", repo_path("/labels"), body={"name": "x" * 51})
    assert status == 422 and "maximum is 50" in body["errors"][0]["message"]
    status, body, _ = await call(session, gh, "POST", repo_path("/labels"),
                                 body={"name": "ok", "description": "d" * 101})
    assert status == 422
    status, body, _ = await call(session, gh, "POST", repo_path(f"/issues/{NUM}/labels"),
                                 body={"labels": ["brand-new", {"name": "needs-review"}]})
    assert status == 200 and [x["name"] for x in body] == ["needs-review", "brand-new"]
    assert gh.implicit_labels == [(OWNER, REPO, "brand-new")]
    assert gh.issue_labels(OWNER, REPO, NUM) == ["needs-review", "brand-new"]
    status, body, _ = await call(session, gh, "DELETE",
                                 repo_path(f"/issues/{NUM}/labels/needs-review"))
    assert status == 200 and [x["name"] for x in body] == ["brand-new"]
    status, body, _ = await call(session, gh, "DELETE",
                                 repo_path(f"/issues/{NUM}/labels/needs-review"))
    assert status == 404 and body["message"] == "Label does not exist"
    gh.add_label(OWNER, REPO, "with space", color="ff0000")
    status, body, _ = await call(session, gh, "GET", repo_path("/labels/with%20space"))
    assert status == 200 and body["color"] == "ff0000"
    gh.add_label(OWNER, REPO, "area/50%", description="a slash and a percent")
    status, body, _ = await call(session, gh, "GET", repo_path("/labels/area%2F50%25"))
    assert status == 200 and body["name"] == "area/50%"
    assert body["url"].endswith("/labels/area%2F50%25")
    assert {x["name"] for x in gh.repo_labels(OWNER, REPO)} >= {"brand-new", "with space"}


async def test_check_runs_limits_and_appending(gh: FakeGitHub, session: aiohttp.ClientSession
                                               ) -> None:
    token = gh.installation_token(INSTALL)

    def notes(n: int, start: int = 1) -> list[dict[str, Any]]:
        return [{"path": "README.md", "start_line": i, "end_line": i,
                 "annotation_level": "warning", "message": f"note {i}"}
                for i in range(start, start + n)]

    output = {"title": "Review", "summary": "s", "annotations": notes(51)}
    status, body, _ = await call(session, gh, "POST", repo_path("/check-runs"), token=token,
                                 body={"name": "awesome", "head_sha": HEAD, "output": output})
    assert status == 422 and "maximum is 50" in body["message"]
    assert gh.check_runs(OWNER, REPO) == []
    status, body, _ = await call(session, gh, "POST", repo_path("/check-runs"), token=token,
                                 body={"name": "awesome", "head_sha": HEAD, "status": "completed"})
    assert status == 422  # completed needs a conclusion
    status, run, _ = await call(session, gh, "POST", repo_path("/check-runs"), token=token,
                                body={"name": "awesome", "head_sha": HEAD, "status": "in_progress",
                                      "output": dict(output, annotations=notes(50))})
    assert status == 201 and run["output"]["annotations_count"] == 50
    assert run["pull_requests"][0]["number"] == NUM
    path = repo_path(f"/check-runs/{run['id']}")
    status, body, _ = await call(session, gh, "PATCH", path, token=token,
                                 body={"output": {"summary": "s" * 65536}})
    assert status == 422
    status, body, _ = await call(session, gh, "PATCH", path, token=token,
                                 body={"output": {"title": "t", "summary": "s",
                                                  "annotations": notes(51, 51)}})
    assert status == 422
    status, body, _ = await call(session, gh, "PATCH", path, token=token,
                                 body={"conclusion": "failure",
                                       "output": {"title": "Done", "summary": "2 problems",
                                                  "annotations": notes(50, 51)}})
    assert status == 200 and body["status"] == "completed" and body["completed_at"]
    assert body["output"]["annotations_count"] == 100
    (stored,) = gh.check_runs(OWNER, REPO)
    assert stored["head_sha"] == HEAD and stored["conclusion"] == "failure"
    assert len(stored["output"]["annotations"]) == 100
    assert stored["output"]["summary"] == "2 problems"
    status, body, _ = await call(session, gh, "POST", repo_path("/check-runs"),
                                 body={"name": "pat", "head_sha": HEAD})
    assert status == 403 and body["message"] == "You must authenticate via a GitHub App."
    status, _, _ = await call(session, gh, "POST", repo_path("/check-runs"), token=token,
                              body={"name": "unknown", "head_sha": "f" * 40})
    assert status == 422
    status, _, _ = await call(session, gh, "PATCH", repo_path("/check-runs/1"), token=token,
                              body={"status": "in_progress"})
    assert status == 404
    big_title = notes(1)[0] | {"title": "t" * 256}
    status, _, _ = await call(session, gh, "PATCH", path, token=token, body={"output": {
        "title": "t", "summary": "s", "annotations": [big_title]}})
    assert status == 422


async def test_statuses(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    status, body, _ = await call(session, gh, "POST", repo_path(f"/statuses/{HEAD}"),
                                 body={"state": "pending", "description": None})
    assert status == 201 and body["context"] == "default" and body["creator"]["login"]
    status, _, _ = await call(session, gh, "POST", repo_path(f"/statuses/{'9' * 40}"),
                              body={"state": "success"})
    assert status == 422
    assert [s["state"] for s in gh.statuses(OWNER, REPO, HEAD)] == ["pending"]


# --- paging, caching, recording -------------------------------------------------------------


async def test_pagination_link_headers(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    files = [{"filename": f"f{i:02}.md", "status": "added", "patch": "@@ -0,0 +1 @@\n+x"}
             for i in range(65)]
    gh.push(OWNER, REPO, NUM, "d" * 40, files=files)
    path = repo_path(f"/pulls/{NUM}/files")
    _, page1, headers = await call(session, gh, "GET", path)
    assert len(page1) == 30
    link = headers["Link"]
    assert f'<{gh.url}{path}?page=2>; rel="next"' in link
    assert f'<{gh.url}{path}?page=3>; rel="last"' in link
    _, page3, headers = await call(session, gh, "GET", path + "?page=3")
    assert len(page3) == 5 and 'rel="next"' not in headers["Link"]
    assert 'rel="prev"' in headers["Link"] and 'rel="first"' in headers["Link"]
    _, everything, headers = await call(session, gh, "GET", path + "?per_page=500")
    assert len(everything) == 65 and "Link" not in headers
    _, page2, headers = await call(session, gh, "GET", path + "?per_page=50&page=2")
    assert len(page2) == 15 and 'per_page=50&page=1>; rel="prev"' in headers["Link"]

    api = GitHubAPI(session, "fake-test", oauth_token=gh.static_token, base_url=gh.url)
    names = [f["filename"] async for f in api.getiter(path)]
    assert names == [f["filename"] for f in files]


async def test_etag_and_304(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    path = repo_path(f"/pulls/{NUM}")
    status, _, headers = await call(session, gh, "GET", path)
    etag = headers["ETag"]
    assert status == 200 and etag.startswith('W/"')
    used = int(headers["x-ratelimit-used"])
    status, body, headers = await call(session, gh, "GET", path, headers={"If-None-Match": etag})
    assert status == 304 and body is None and headers["ETag"] == etag
    assert int(headers["x-ratelimit-used"]) == used  # a 304 is free
    gh.push(OWNER, REPO, NUM, "e" * 40)
    status, _, _ = await call(session, gh, "GET", path, headers={"If-None-Match": etag})
    assert status == 200

    cache: dict[str, Any] = {}
    api = GitHubAPI(session, "fake-test", oauth_token=gh.static_token, base_url=gh.url, cache=cache)
    first = await api.getitem(path)
    second = await api.getitem(path)
    assert first == second and gh.calls[-1].status == 304


async def test_calls_are_recorded(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    token = gh.installation_token(INSTALL)
    await call(session, gh, "GET", repo_path(f"/pulls/{NUM}/files?per_page=5"), token=token)
    await call(session, gh, "POST", repo_path(f"/issues/{NUM}/comments"), token=token,
               body={"body": "hello"})
    first, second = gh.calls
    assert (first.method, first.path, first.query, first.status) == (
        "GET", repo_path(f"/pulls/{NUM}/files"), {"per_page": "5"}, 200)
    assert first.json is None and first.auth == "installation" and first.token == token
    assert first.operation == "pulls/list-files"
    assert second.json == {"body": "hello"} and second.status == 201
    assert gh.count() == 2 and gh.count("POST") == 1 and gh.count(path_glob="*/comments") == 1
    assert gh.writes() == [second] and gh.reads() == [first]
    status, body, _ = await call(session, gh, "GET", "/nope/nothing")
    assert status == 404 and body["message"] == "Not Found"
    status, _, _ = await call(session, gh, "DELETE", repo_path(f"/pulls/{NUM}"))
    assert status == 404
    async with session.get(gh.url + "/rate_limit", skip_auto_headers=["User-Agent"]) as response:
        assert response.status == 403
    status, _, _ = await call(session, gh, "GET", "/rate_limit",
                              headers={"X-GitHub-Api-Version": "1999-01-01"})
    assert status == 400
    status, _, _ = await call(session, gh, "GET", "/rate_limit",
                              headers={"X-GitHub-Api-Version": "2026-03-10"})
    assert status == 200


# --- faults --------------------------------------------------------------------------------


async def test_fault_injection(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    path = repo_path(f"/pulls/{NUM}")
    fault = gh.inject("*/pulls/*", "GET", status=502, times=2)
    statuses = [(await call(session, gh, "GET", path))[0] for _ in range(3)]
    assert statuses == [502, 502, 200] and fault.hits == 2
    assert [c.injected for c in gh.calls] == [True, True, False]

    gh.inject_secondary_rate_limit("*/comments", "POST", retry_after=1)
    status, body, headers = await call(session, gh, "POST", repo_path(f"/issues/{NUM}/comments"),
                                       body={"body": "x"})
    assert status == 403 and headers["retry-after"] == "1"
    assert body["message"].startswith("You have exceeded a secondary rate limit")
    assert gh.comments(OWNER, REPO, NUM) == []
    gh.inject("*", status=429, body={"message": "slow down"}, headers={"retry-after": "2"})
    status, body, headers = await call(session, gh, "GET", path)
    assert (status, body["message"], headers["retry-after"]) == (429, "slow down", "2")

    gh.inject(path, delay=1.0)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with session.get(gh.url + path, timeout=aiohttp.ClientTimeout(total=0.2)):
            pass
    assert time.monotonic() - started < 1.0

    # aiohttp's client silently retries an idempotent request once after a disconnect,
    # so a GET needs two resets in a row to surface; a POST fails on the first.
    gh.inject(path, "GET", reset=True, times=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(session, gh, "GET", path)
    assert [(c.injected, c.status) for c in gh.calls[-2:]] == [(True, 0), (True, 0)]
    gh.inject("*/comments", "POST", reset=True)
    with pytest.raises(aiohttp.ClientConnectionError):
        await call(session, gh, "POST", repo_path(f"/issues/{NUM}/comments"), body={"body": "x"})
    assert gh.comments(OWNER, REPO, NUM) == []
    status, _, _ = await call(session, gh, "GET", path)
    assert status == 200

    gh.inject("*/files", status=500, times=None)
    for _ in range(3):
        assert (await call(session, gh, "GET", path + "/files"))[0] == 500
    gh.clear_faults()
    assert (await call(session, gh, "GET", path + "/files"))[0] == 200


async def test_global_latency_and_peak_concurrency(session: aiohttp.ClientSession) -> None:
    async with FakeGitHub(latency=0.05) as gh:
        gh.add_repo(OWNER, REPO)
        started = time.monotonic()
        await asyncio.gather(*(call(session, gh, "GET", "/rate_limit") for _ in range(5)))
        assert 0.05 <= time.monotonic() - started < 2
        assert gh.peak_concurrency >= 2


def test_sync_server_in_a_thread() -> None:
    with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO)
        request = urllib.request.Request(
            gh.url + "/rate_limit", headers={"Authorization": f"token {gh.static_token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert json.loads(response.read())["rate"]["limit"] == 5000
    assert gh.count("GET", "/rate_limit") == 1


async def test_app_jwt_claims(gh: FakeGitHub) -> None:
    claims = jwt.decode(gh.app_jwt(), gh.public_key_pem, algorithms=["RS256"])
    assert claims["iss"] == str(gh.app_id) and claims["exp"] - claims["iat"] <= 600


# --- rules.md for the real-GitHub issue ------------------------------------------------------


async def _run(session: aiohttp.ClientSession, gh: FakeGitHub, token: str, sha: str = HEAD,
               name: str = "awesome-papers", **more: Any) -> dict[str, Any]:
    status, run, _ = await call(session, gh, "POST", repo_path("/check-runs"), token=token,
                                body={"name": name, "head_sha": sha, **more})
    assert status == 201, run
    return run


async def test_check_runs_of_a_commit_filter_by_name_app_and_status(
        gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    token = gh.installation_token(INSTALL)
    first = await _run(session, gh, token, status="completed", conclusion="success",
                       external_id=str(NUM))
    second = await _run(session, gh, token, status="in_progress")
    await _run(session, gh, token, name="other")
    path = repo_path(f"/commits/{HEAD}/check-runs")
    status, body, _ = await call(session, gh, "GET", path + "?check_name=awesome-papers"
                                 f"&app_id={gh.app_id}&filter=all", token=token)
    assert status == 200 and body["total_count"] == 2
    conforms("checks/list-for-ref", 200, body)
    assert [r["id"] for r in body["check_runs"]] == [second["id"], first["id"]]
    assert body["check_runs"][1]["external_id"] == str(NUM)
    _, latest, _ = await call(session, gh, "GET", path + "?check_name=awesome-papers",
                              token=token)
    assert [r["id"] for r in latest["check_runs"]] == [second["id"]]  # filter=latest
    _, done, _ = await call(session, gh, "GET", path + "?status=completed&filter=all",
                            token=token)
    assert [r["id"] for r in done["check_runs"]] == [first["id"]]
    _, other_app, _ = await call(session, gh, "GET", path + "?app_id=15368&filter=all",
                                 token=token)
    assert other_app["total_count"] == 0


async def test_a_fork_prs_run_lists_no_pull_request_but_the_commit_names_it(
        gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    fork_head = "c" * 40
    gh.add_pull(OWNER, REPO, 4, base_sha=BASE, head_sha=fork_head, head_repo="forker/papers",
                files=[{"filename": "README.md", "status": "modified", "patch": PATCH}])
    token = gh.installation_token(INSTALL)
    run = await _run(session, gh, token, sha=fork_head)
    assert run["pull_requests"] == []
    status, pulls, _ = await call(session, gh, "GET", repo_path(f"/commits/{fork_head}/pulls"),
                                  token=token)
    assert status == 200 and [p["number"] for p in pulls] == [4]
    assert pulls[0]["head"]["sha"] == fork_head


async def test_summary_limit_counts_bytes(gh: FakeGitHub,
                                          session: aiohttp.ClientSession) -> None:
    token = gh.installation_token(INSTALL)
    status, body, _ = await call(session, gh, "POST", repo_path("/check-runs"), token=token,
                                 body={"name": "x", "head_sha": HEAD, "output": {
                                     "title": "t", "summary": "é" * 40_000}})
    assert status == 422 and "bytesize of 65535" in json.dumps(body)
    await _run(session, gh, token, output={"title": "t", "summary": "é" * 30_000})


async def test_get_app_wants_the_jwt(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    status, body, _ = await call(session, gh, "GET", "/app", token=gh.app_jwt(),
                                 scheme="Bearer")
    assert status == 200 and body["id"] == gh.app_id and body["slug"] == gh.app_slug
    conforms("apps/get-authenticated", 200, body)
    status, _, _ = await call(session, gh, "GET", "/app", token=gh.app_jwt(iss="1"),
                              scheme="Bearer")
    assert status == 401
    status, _, _ = await call(session, gh, "GET", "/app", token=gh.installation_token(INSTALL))
    assert status == 401


async def test_a_revoked_token_gets_401(gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    token = gh.installation_token(INSTALL)
    assert (await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token=token))[0] == 200
    gh.revoke_tokens(INSTALL)
    status, body, _ = await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token=token)
    assert (status, body["message"]) == (401, "Bad credentials")
    fresh = gh.installation_token(INSTALL)
    assert (await call(session, gh, "GET", repo_path(f"/pulls/{NUM}"), token=fresh))[0] == 200


async def test_content_creation_is_limited_to_80_a_minute(gh: FakeGitHub,
                                                          session: aiohttp.ClientSession) -> None:
    token = gh.installation_token(INSTALL)
    for i in range(80):
        status, _, _ = await call(session, gh, "POST", repo_path(f"/issues/{NUM}/comments"),
                                  token=token, body={"body": f"c{i}"})
        assert status == 201
    status, body, headers = await call(session, gh, "POST",
                                       repo_path(f"/issues/{NUM}/comments"), token=token,
                                       body={"body": "one more"})
    assert status == 403 and "secondary rate limit" in body["message"]
    assert "content creation" in body["message"] and headers["x-ratelimit-remaining"] != "0"
    status, _, _ = await call(session, gh, "POST", repo_path(f"/issues/{NUM}/labels"),
                              token=token, body={"labels": ["x"]})
    assert status == 200  # other writes are not content creation


async def test_a_rate_limit_fault_is_githubs_403_with_retry_after(
        gh: FakeGitHub, session: aiohttp.ClientSession) -> None:
    gh.inject_secondary_rate_limit(repo_path("/issues/*/comments"), "POST", retry_after=2)
    status, body, headers = await call(session, gh, "POST",
                                       repo_path(f"/issues/{NUM}/comments"),
                                       token=gh.installation_token(INSTALL), body={"body": "x"})
    assert (status, headers["retry-after"]) == (403, "2")
    assert "secondary rate limit" in body["message"]


def test_the_fake_runs_as_a_module() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.github_server", "--port", "0"],
                            cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("fake GitHub at http://127.0.0.1:")
        url = first.split()[3]
        settings = proc.stdout.readline()
        assert f"GITHUB_API_URL={url}" in settings and "GITHUB_APP_ID=" in settings
        with urllib.request.urlopen(f"{url}/rate_limit", timeout=10) as r:
            assert r.status == 200
    finally:
        proc.terminate()
        proc.wait(10)
