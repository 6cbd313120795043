"""The service against GitHub's documented behaviour (rules.md): rate limits, fork PRs, re-runs,
check suites, restarts, labels, lost replies, limits, revoked tokens and redeliveries."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import aiohttp
import pytest

from bot.awesome.report import MARKER
from bot.awesome.review import review as offline_review
from bot.github import publish
from bot.github.api import BotGitHubAPI, Pacer
from bot.github.pull import PullRef
from bot.github.webhook import QUEUE
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub, GitHubError
from tests.fakes.webhooks import payload_for
from tests.service_kit import OWNER, REPO, Service, readme_file, start_service

HEAD = "6" * 40
SECONDARY = ("You have exceeded a secondary rate limit. Please wait a few minutes before you "
             "try again.")


async def _deliver_opened(svc: Service, number: int = 68, pr: str = "068",
                          head_sha: str = HEAD, delivery: str | None = None) -> None:
    base, head = pr_texts(pr)
    if number not in svc.gh._repo(OWNER, REPO).pulls:
        svc.add_pr(number, base, head, head_sha)
    status, _ = await svc.deliver("pull_request", svc.payload("pull_request.opened", number,
                                                              head_sha), delivery=delivery)
    assert status == 202


async def _until(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _one_completed_run(gh: FakeGitHub, head: str = HEAD) -> dict:
    runs = [r for r in gh.check_runs(OWNER, REPO) if r["head_sha"] == head]
    assert [r["status"] for r in runs] == ["completed"], runs
    return runs[0]


# 1. A rate limit is a wait, not a refusal; the wait re-queues the job.

@pytest.mark.parametrize("route", ["/repos/*/issues/*/comments", "/repos/*/check-runs"])
async def test_a_secondary_limit_without_retry_after_waits_a_minute_in_the_queue(
        aiohttp_client, gh: FakeGitHub, route: str) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.inject(route, "POST", status=403, body={"message": SECONDARY,
                                              "documentation_url": "https://docs.github.com"})
    await _deliver_opened(svc)
    queue = svc.client.app[QUEUE]
    await _until(lambda: queue.deferred == 1 and queue.running == 0)
    [job] = queue.waiting()
    assert job.attempt == 2 and job.not_before >= time.time() + 55  # at least a minute
    assert queue.running == 0  # no worker holds the wait
    assert gh.count("POST", "*/statuses/*") == 0  # App mode never falls back to statuses
    assert not [r for r in gh.check_runs(OWNER, REPO) if r["status"] == "completed"]
    posts = gh.count("POST", route.replace("/repos/*", "/repos/*/*"))
    await asyncio.sleep(0.3)
    assert gh.count("POST", route.replace("/repos/*", "/repos/*/*")) == posts  # no hammering


async def test_a_rate_limited_pr_frees_the_worker_for_another_installation(
        aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, BOT_WORKERS="1", BOT_INLINE_WAIT="0")
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD)
    gh.add_repo("other", "papers", installation_id=2)
    gh.set_file("other", "papers", "a" * 40, "README.md", base)
    gh.set_file("other", "papers", "7" * 40, "README.md", head)
    gh.add_pull("other", "papers", 5, base_sha="a" * 40, head_sha="7" * 40,
                files=[readme_file(base, head)])
    gh.inject("/repos/*/pulls/68/files", "GET", status=403, headers={"retry-after": "2"})
    await _deliver_opened(svc, 68)
    await _until(lambda: svc.client.app[QUEUE].deferred == 1)
    other = payload_for("pull_request.opened", owner="other", repo="papers", number=5,
                        head_sha="7" * 40, base_sha="a" * 40, installation_id=2)
    assert (await svc.deliver("pull_request", other))[0] == 202
    await svc.settle()
    order = [c.path for c in gh.calls if c.method == "POST" and c.path.endswith("/comments")]
    assert order == ["/repos/other/papers/issues/5/comments",
                     f"/repos/{OWNER}/{REPO}/issues/68/comments"]


async def test_the_primary_limit_waits_until_reset_and_then_finishes_the_run(
        aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, BOT_RETRY_BUDGET="1")
    gh.inject("/repos/*/check-runs/*", "PATCH", status=403, headers={
        "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 2)},
        body={"message": "API rate limit exceeded for installation ID 1.",
              "documentation_url": "https://docs.github.com/rest"})
    await _deliver_opened(svc)
    await svc.settle()
    run = _one_completed_run(gh)
    assert run["conclusion"] == "neutral" and run["output"]["title"] != "Review could not finish"
    assert gh.count("POST", "*/statuses/*") == 0
    assert len(gh.comments(OWNER, REPO, 68)) == 1


async def test_a_permission_refusal_in_app_mode_is_noted_never_a_status(aiohttp_client,
                                                                        gh: FakeGitHub) -> None:
    gh.add_installation(1, OWNER, permissions={"checks": "read", "contents": "read",
                                                "issues": "write", "metadata": "read",
                                                "pull_requests": "write"})
    svc = await start_service(aiohttp_client, gh)
    await _deliver_opened(svc)
    await svc.settle()
    assert gh.count("POST", "*/check-runs", status=403) >= 1
    assert gh.count("POST", "*/statuses/*") == 0
    assert len(gh.comments(OWNER, REPO, 68)) == 1  # the rest is published


async def test_a_short_wait_is_slept_out_in_place_without_starting_over(
        aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, BOT_INLINE_WAIT="5")  # budget 5 s
    gh.inject("/repos/*/issues/*/comments", "POST", status=403, headers={"retry-after": "1"})
    await _deliver_opened(svc)
    await svc.settle()
    assert svc.client.app[QUEUE].deferred == 0
    assert gh.count("GET", "*/pulls/68/files") == 1  # not started over
    assert len(gh.comments(OWNER, REPO, 68)) == 1
    _one_completed_run(gh)


async def test_a_run_is_completed_when_github_keeps_limiting(aiohttp_client,
                                                             gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, BOT_MAX_ATTEMPTS="2", BOT_INLINE_WAIT="0")
    gh.inject("/repos/*/issues/*/comments", "POST", status=429, headers={"retry-after": "1"},
              times=None)
    await _deliver_opened(svc)
    await svc.settle()
    run = _one_completed_run(gh)
    assert (run["conclusion"], run["output"]["title"]) == ("neutral", "Review could not finish")


async def test_a_failure_reason_is_escaped_in_the_neutral_run(aiohttp_client,
                                                                gh: FakeGitHub) -> None:
    """Issue 12: text from an error (here GitHub's) cannot become HTML or a mention."""
    from tests.hostile_corpus import problems

    svc = await start_service(aiohttp_client, gh)
    hostile = "x https://e.example/`<img src=https://evil.example/px.png>` @octocat #12"
    gh.inject("/repos/*/issues/*/comments", "POST", status=422, times=None,
              body={"message": hostile, "documentation_url": "https://docs.github.com"})
    await _deliver_opened(svc)
    await svc.settle()
    run = _one_completed_run(gh)
    summary = run["output"]["summary"]
    assert run["output"]["title"] == "Review could not finish" and "422" in summary
    assert "evil.example" in summary and problems(summary) == []


# 2. Re-runs: fork PRs (no pull_requests), check suites.

def _rerequest(svc: Service, run: dict, *, external_id: str | None) -> dict:
    payload = svc.payload("check_run.rerequested", 68, run["head_sha"])
    payload["check_run"].update({"id": run["id"], "name": "awesome-papers",
                                 "head_sha": run["head_sha"], "pull_requests": [],
                                 "external_id": external_id, "status": "completed"})
    payload["check_run"]["app"]["id"] = svc.gh.app_id
    return payload


@pytest.mark.parametrize("external_id", [True, False])
async def test_rerun_on_a_fork_pr_reviews_it_again(aiohttp_client, gh: FakeGitHub,
                                                   external_id: bool) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    gh.set_file(OWNER, REPO, "a" * 40, "README.md", base)
    gh.set_file(OWNER, REPO, HEAD, "README.md", head)
    gh.add_pull(OWNER, REPO, 68, base_sha="a" * 40, head_sha=HEAD,
                files=[readme_file(base, head)], head_repo="forker/papers")
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD))
    await svc.settle()
    first = _one_completed_run(gh)
    assert first["external_id"] == "68"
    shown = gh._check_json(gh._repo(OWNER, REPO), first)
    assert shown["pull_requests"] == []  # GitHub lists no fork PR on a check run
    ext = "68" if external_id else ""
    status, _ = await svc.deliver("check_run", _rerequest(svc, first, external_id=ext))
    assert status == 202
    await svc.settle()
    runs = [r for r in gh.check_runs(OWNER, REPO) if r["head_sha"] == HEAD]
    assert len(runs) == 2 and all(r["status"] == "completed" for r in runs)  # a new run
    assert gh.count("GET", "*/commits/*/pulls") == (0 if external_id else 1)


@pytest.mark.parametrize("action", ["requested", "rerequested"])
async def test_check_suite_events_review_the_suites_pull_requests(aiohttp_client,
                                                                  gh: FakeGitHub,
                                                                  action: str) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD)
    payload = svc.payload(f"check_suite.{action}", 68, HEAD)
    payload["check_suite"].update({"head_sha": HEAD, "pull_requests": [], "head_branch": None})
    payload["check_suite"]["app"]["id"] = gh.app_id
    status, _ = await svc.deliver("check_suite", payload)
    assert status == 202
    await svc.settle()
    _one_completed_run(gh)
    assert len(gh.comments(OWNER, REPO, 68)) == 1
    writes = len(gh.writes())
    status, _ = await svc.deliver("check_suite", payload)  # the same head again
    await svc.settle()
    runs = [r for r in gh.check_runs(OWNER, REPO) if r["head_sha"] == HEAD]
    if action == "requested":  # a push's suite: a head already reviewed is left alone
        assert len(runs) == 1 and len(gh.writes()) == writes
    else:  # "Re-run all checks": a new run
        assert len(runs) == 2 and all(r["status"] == "completed" for r in runs)


# 3. Existing runs are found on GitHub, not in memory; annotations are never sent twice.

async def test_a_restarted_service_finds_the_heads_run_and_sends_no_annotation_twice(
        aiohttp_client, gh: FakeGitHub) -> None:
    first = await start_service(aiohttp_client, gh)
    await _deliver_opened(first, 72, "072")
    await first.settle()
    expected = len(offline_review(*pr_texts("072")).annotations)
    second = await start_service(aiohttp_client, gh)  # a new process: nothing in memory
    await _deliver_opened(second, 72, "072")
    await second.settle()
    await _deliver_opened(second, 72, "072")  # and a redelivery in the same process
    await second.settle()
    run = _one_completed_run(gh)
    assert len(run["annotations"]) == expected
    assert len(gh.comments(OWNER, REPO, 72)) == 1 and len(gh.reviews(OWNER, REPO, 72)) == 1


# 4. Labels.

async def test_a_label_name_over_50_characters_is_a_config_error_not_a_failed_review(
        aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.set_file(OWNER, REPO, "a" * 40, ".github/awesome-papers.yml",
                f"labels:\n  adds-paper: {'x' * 60}\n")
    await _deliver_opened(svc)
    await svc.settle()
    [comment] = gh.comments(OWNER, REPO, 68)
    assert "50 characters" in comment["body"]
    assert "adds-paper" in gh.issue_labels(OWNER, REPO, 68)  # the default name instead
    assert _one_completed_run(gh)["conclusion"] != "neutral" or "config" in comment["body"]


async def test_labels_are_compared_without_case(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD, labels=["Adds-Paper", "FORMAT"])
    await _deliver_opened(svc)
    await svc.settle()
    assert gh.count("POST", "*/issues/68/labels") == 0
    assert sorted(gh.issue_labels(OWNER, REPO, 68)) == ["Adds-Paper", "FORMAT"]


async def test_a_refused_label_is_skipped_and_an_existing_one_is_fine(aiohttp_client,
                                                                      gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    real = gh._op_issues_create_label

    async def create(ctx):
        if ctx.body["name"] == "format":
            raise GitHubError(422, {"message": "Validation Failed", "errors": [
                {"resource": "Label", "code": "invalid", "field": "color"}]})
        await real(ctx)  # created, then GitHub says it exists (a race with another review)
        raise GitHubError(422, {"message": "Validation Failed", "errors": [
            {"resource": "Label", "code": "already_exists", "field": "name"}]})

    gh._op_issues_create_label = create  # type: ignore[method-assign]
    await _deliver_opened(svc)
    await svc.settle()
    assert gh.issue_labels(OWNER, REPO, 68) == ["adds-paper"]
    assert len(gh.comments(OWNER, REPO, 68)) == 1
    _one_completed_run(gh)


# 5. A comment or review that landed before a 5xx is not posted again.

@pytest.mark.parametrize("op", ["_op_issues_create_comment", "_op_pulls_create_review"])
async def test_a_write_that_landed_before_a_502_is_not_sent_twice(aiohttp_client,
                                                                  gh: FakeGitHub,
                                                                  op: str) -> None:
    svc = await start_service(aiohttp_client, gh)
    real = getattr(gh, op)

    async def landed_then_502(ctx):
        await real(ctx)
        setattr(gh, op, real)
        raise GitHubError(502, {"message": "Server Error"})

    setattr(gh, op, landed_then_502)
    await _deliver_opened(svc)
    await svc.settle()
    assert len(gh.comments(OWNER, REPO, 68)) == 1
    assert len(gh.reviews(OWNER, REPO, 68)) == 1
    _one_completed_run(gh)


# 6. Whole comment and check-run output within GitHub's limits.

async def test_comment_and_check_output_stay_within_limits_with_a_visible_note(
        gh: FakeGitHub) -> None:
    gh.add_repo(OWNER, REPO, installation_id=1)
    base, head = pr_texts("068")
    gh.set_file(OWNER, REPO, HEAD, "README.md", head)
    gh.add_pull(OWNER, REPO, 68, base_sha="a" * 40, head_sha=HEAD)
    huge = dataclasses.replace(offline_review(base, head), summary_markdown="é🙂" * 40_000)
    state = publish.BotState(("adds-paper", "format", "x" * 50), HEAD, HEAD)
    body = publish.comment_body(huge, state)
    assert len(body) <= 65_536 and body.startswith(MARKER) and state.render() in body
    assert body.endswith(publish.TRUNCATION_NOTE)
    pr = PullRef(OWNER, REPO, 68, HEAD, "a" * 40, "master", 1)
    async with aiohttp.ClientSession() as session:
        api = BotGitHubAPI(session, token=gh.installation_token(1), base_url=gh.url,
                           pacer=Pacer(4, 600))
        await api.post("/repos/{owner}/{repo}/issues/{number}/comments", pr.vars(),
                       data={"body": body})
        await publish.finish_check(api, pr, None, conclusion="neutral", title="t",
                                   summary=huge.summary_markdown)
    [run] = gh.check_runs(OWNER, REPO)
    assert len(run["output"]["summary"].encode()) <= 65_535
    assert run["output"]["summary"].endswith(publish.TRUNCATION_NOTE)


# 7. A revoked installation token: dropped, a fresh one, once.

async def test_a_revoked_token_is_dropped_and_the_review_retried_with_a_fresh_one(
        aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    await _deliver_opened(svc)
    await svc.settle()
    gh.revoke_tokens(1)
    svc.push(68, *pr_texts("068"), "8" * 40)
    await svc.deliver("pull_request", svc.payload("pull_request.synchronize", 68, "8" * 40))
    await svc.settle()
    assert gh.tokens_issued == 2
    assert _one_completed_run(gh, "8" * 40)["conclusion"] == "neutral"
    assert gh.count(status=401) == 1


# 8. A delivery whose review failed can be redelivered (same X-GitHub-Delivery).

async def test_a_failed_delivery_can_be_redelivered(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.inject("/repos/*/pulls/*/files", "GET", status=200, body=[1, 2, 3])  # unusable answer
    await _deliver_opened(svc, delivery="d-redeliver")
    await svc.settle()
    assert gh.comments(OWNER, REPO, 68) == []
    status, body = await svc.deliver("pull_request", svc.payload("pull_request.opened", 68,
                                                                 HEAD), delivery="d-redeliver")
    assert (status, body["status"]) == (202, "queued")
    await svc.settle()
    assert len(gh.comments(OWNER, REPO, 68)) == 1
    status, body = await svc.deliver("pull_request", svc.payload("pull_request.opened", 68,
                                                                 HEAD), delivery="d-redeliver")
    assert "duplicate" in body["status"]  # reviewed now: a third copy is ignored
