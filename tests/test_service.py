"""The webhook service end to end: signed deliveries in, a review on a fake GitHub out."""

from __future__ import annotations

import pytest

from bot.awesome.report import MARKER
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.service_kit import OWNER, REPO, SECRET, Service, start_service

HEAD1, HEAD2 = "1" * 40, "2" * 40


async def test_opened_publishes_check_comment_labels_and_review(svc: Service) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1)
    status, body = await svc.deliver("pull_request", svc.payload("pull_request.opened", 68,
                                                                 HEAD1))
    assert status == 202 and body["status"] == "queued"
    await svc.settle()
    gh = svc.gh
    [run] = gh.check_runs(OWNER, REPO)
    assert (run["head_sha"], run["status"], run["conclusion"]) == (HEAD1, "completed", "neutral")
    assert run["annotations"][0]["start_line"] == 250
    [comment] = gh.comments(OWNER, REPO, 68)
    assert comment["body"].startswith(MARKER) and "| added |" in comment["body"]
    assert set(gh.issue_labels(OWNER, REPO, 68)) == {"adds-paper", "format"}
    assert {lb["name"] for lb in gh.repo_labels(OWNER, REPO)} >= {"adds-paper", "format"}
    [review] = gh.reviews(OWNER, REPO, 68)
    assert review["commit_id"] == HEAD1
    [line] = review["comments"]
    assert line["line"] == 250 and "```suggestion\n- SQuAD: 100,000+" in line["body"]


async def test_failure_review_of_pr_072(svc: Service) -> None:
    base, head = pr_texts("072")
    svc.add_pr(72, base, head, HEAD1)
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 72, HEAD1))
    await svc.settle()
    [run] = svc.gh.check_runs(OWNER, REPO)
    assert run["conclusion"] == "failure"
    assert {"over-100", "duplicate", "adds-paper"} <= set(svc.gh.issue_labels(OWNER, REPO, 72))


async def test_synchronize_edits_the_same_comment_and_updates_labels(svc: Service) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1)
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD1))
    await svc.settle()
    fixed = head.replace("-  SQuAD", "- SQuAD")
    svc.push(68, base, fixed, HEAD2)
    await svc.deliver("pull_request", svc.payload("pull_request.synchronize", 68, HEAD2))
    await svc.settle()
    gh = svc.gh
    [comment] = gh.comments(OWNER, REPO, 68)
    assert "meets the list" in comment["body"] or "✅" in comment["body"]
    assert gh.count("PATCH", "*/issues/comments/*") == 1
    assert "format" not in gh.issue_labels(OWNER, REPO, 68)
    assert "meets-criteria" in gh.issue_labels(OWNER, REPO, 68)
    runs = gh.check_runs(OWNER, REPO)
    assert [r["head_sha"] for r in runs] == [HEAD1, HEAD2]
    assert runs[1]["conclusion"] == "success"
    assert len(gh.reviews(OWNER, REPO, 68)) == 1  # the fixed head has no line comments


async def test_same_delivery_twice_posts_nothing_twice(svc: Service) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1)
    payload = svc.payload("pull_request.opened", 68, HEAD1)
    assert (await svc.deliver("pull_request", payload, delivery="same-id"))[0] == 202
    await svc.settle()
    writes = len(svc.gh.writes())
    status, body = await svc.deliver("pull_request", payload, delivery="same-id")
    await svc.settle()
    assert status == 200 and "duplicate" in body["status"]
    assert len(svc.gh.writes()) == writes


async def test_same_head_reviewed_twice_leaves_what_one_review_leaves(svc: Service) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1)
    payload = svc.payload("pull_request.opened", 68, HEAD1)
    await svc.deliver("pull_request", payload)
    await svc.settle()
    await svc.deliver("pull_request", payload)  # a new delivery id, same head
    await svc.settle()
    gh = svc.gh
    assert len(gh.comments(OWNER, REPO, 68)) == 1
    assert len(gh.reviews(OWNER, REPO, 68)) == 1
    assert len(gh.check_runs(OWNER, REPO)) == 1
    assert gh.count("PATCH", "*/issues/comments/*") == 0  # unchanged body: not rewritten


async def test_hand_added_label_survives(svc: Service) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1, labels=["format", "help wanted"])
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD1))
    await svc.settle()
    fixed = head.replace("-  SQuAD", "- SQuAD")
    svc.push(68, base, fixed, HEAD2)
    await svc.deliver("pull_request", svc.payload("pull_request.synchronize", 68, HEAD2))
    await svc.settle()
    labels = set(svc.gh.issue_labels(OWNER, REPO, 68))
    assert {"format", "help wanted"} <= labels  # a maintainer put these on


@pytest.mark.parametrize("how", ["unsigned", "bad", "sha1-only"])
async def test_bad_signature_is_401_and_no_call(svc: Service, how: str) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1)
    payload = svc.payload("pull_request.opened", 68, HEAD1)
    if how == "unsigned":
        status, _ = await svc.deliver("pull_request", payload, secret=None)
    elif how == "bad":
        status, _ = await svc.deliver("pull_request", payload, secret="wrong secret")
    else:
        from tests.fakes.webhooks import encode, sign_sha1
        raw = encode(payload)
        status, _ = await svc.deliver("pull_request", payload, secret=None, body=raw,
                                      headers={"X-Hub-Signature": sign_sha1(SECRET, raw)})
    await svc.settle()
    assert status == 401
    assert svc.gh.calls == []


async def test_pr_not_touching_the_list_reads_its_files_and_the_config_only(
        svc: Service) -> None:
    svc.gh.set_file(OWNER, REPO, "a" * 40, "README.md", "# x\n")
    svc.gh.add_pull(OWNER, REPO, 5, base_sha="a" * 40, head_sha=HEAD1,
                    files=[{"filename": "docs/other.md", "status": "modified",
                            "patch": "@@ -1 +1 @@\n-a\n+b"}])
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 5, HEAD1))
    await svc.settle()
    repo_calls = [c for c in svc.gh.calls if c.path.startswith("/repos/")]
    # a markdown file may hold the list when the base config's `files:` says so: one read
    assert [c.path for c in repo_calls] == [
        f"/repos/{OWNER}/{REPO}/pulls/5/files",
        f"/repos/{OWNER}/{REPO}/contents/.github/awesome-papers.yml"]
    assert svc.gh.writes() == [c for c in svc.gh.writes() if "access_tokens" in c.path]


async def test_token_mode_uses_a_commit_status(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, GITHUB_APP_ID="", GITHUB_PRIVATE_KEY="",
                              GITHUB_TOKEN=gh.static_token)
    base, head = pr_texts("072")
    svc.add_pr(72, base, head, HEAD1)
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 72, HEAD1))
    await svc.settle()
    assert gh.check_runs(OWNER, REPO) == []
    states = [s["state"] for s in gh.statuses(OWNER, REPO, HEAD1)]
    assert states[-1] == "failure"
    assert len(gh.comments(OWNER, REPO, 72)) == 1


async def test_installation_token_requested_once(svc: Service) -> None:
    base, head = pr_texts("068")
    for n in (1, 2, 3):
        svc.add_pr(n, base, head, str(n) * 40)
    for n in (1, 2, 3):
        await svc.deliver("pull_request", svc.payload("pull_request.opened", n, str(n) * 40))
    await svc.settle()
    assert svc.gh.tokens_issued == 1
    assert len(svc.gh.check_runs(OWNER, REPO)) == 3


async def test_ping_unhandled_and_malformed(svc: Service) -> None:
    from tests.fakes.webhooks import load_payload
    assert (await svc.deliver("ping", load_payload("ping")))[0] == 200
    status, body = await svc.deliver("pull_request",
                                     svc.payload("pull_request.closed", 68, HEAD1))
    assert status == 200 and body["status"].startswith("ignored")
    status, _ = await svc.deliver("pull_request", {}, body=b"{not json")
    assert status == 400
    status, _ = await svc.deliver("pull_request", {}, body=b"[1, 2]")
    assert status == 400
    status, _ = await svc.deliver("pull_request", {}, body=b"{}",
                                  headers={"Content-Type": "text/plain"})
    assert status == 400
    assert svc.gh.calls == []


async def test_oversized_body_is_413_before_reading(svc: Service) -> None:
    resp = await svc.client.post("/webhook", data=b"x" * 10,
                                 headers={"Content-Length": str(26 * 1024 * 1024),
                                          "Content-Type": "application/json"})
    assert resp.status == 413


async def test_healthz_has_no_secrets(svc: Service) -> None:
    resp = await svc.client.get("/healthz")
    text = await resp.text()
    assert resp.status == 200 and '"version"' in text and '"uptime_s"' in text
    assert SECRET not in text and "PRIVATE KEY" not in text


async def test_edited_only_when_the_base_changes(svc: Service) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1)
    payload = svc.payload("pull_request.opened", 68, HEAD1)
    payload["action"] = "edited"
    payload["changes"] = {"title": {"from": "old"}}
    status, body = await svc.deliver("pull_request", payload)
    assert status == 200 and "base" in body["status"]
    payload["changes"] = {"base": {"ref": {"from": "develop"}}}
    assert (await svc.deliver("pull_request", payload))[0] == 202
    await svc.settle()
    assert len(svc.gh.check_runs(OWNER, REPO)) == 1


async def test_check_run_rerequested_reviews_again(svc: Service) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1)
    payload = svc.payload("check_run.rerequested", 68, HEAD1)
    payload["check_run"]["name"] = "awesome-papers"
    payload["check_run"]["app"]["id"] = svc.gh.app_id
    payload["check_run"]["pull_requests"] = [{
        "number": 68, "head": {"sha": HEAD1, "ref": "patch-1"},
        "base": {"sha": "a" * 40, "ref": "master"}}]
    assert (await svc.deliver("check_run", payload))[0] == 202
    await svc.settle()
    assert len(svc.gh.check_runs(OWNER, REPO)) == 1


async def test_config_is_read_from_the_base_branch_only(svc: Service) -> None:
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD1)
    cfg = ".github/awesome-papers.yml"
    svc.gh.set_file(OWNER, REPO, "a" * 40, cfg, "rules:\n  format/double-space: error\n")
    svc.gh.set_file(OWNER, REPO, HEAD1, cfg, "rules:\n  format/*: off\n")  # the PR's attempt
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD1))
    await svc.settle()
    [run] = svc.gh.check_runs(OWNER, REPO)
    assert run["conclusion"] == "failure"
    reads = [c for c in svc.gh.calls if c.path.endswith("awesome-papers.yml")]
    assert reads and all(c.query.get("ref") == "a" * 40 for c in reads)
