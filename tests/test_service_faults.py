"""The service under GitHub's faults and a PR's hostile input: never lost, never twice, never
unescaped."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.awesome.report import MARKER
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub, GitHubError
from tests.service_kit import BASE_SHA, OWNER, REPO, SECRET, Service, start_service

HEAD = "3" * 40


async def _open(svc: Service, pr: str = "068", number: int = 68, head: str | None = None,
                base: str | None = None) -> None:
    b, h = pr_texts(pr)
    svc.add_pr(number, base if base is not None else b, head if head is not None else h, HEAD)
    status, _ = await svc.deliver("pull_request", svc.payload("pull_request.opened", number,
                                                              HEAD))
    assert status == 202
    await svc.settle()


def _published_once(gh: FakeGitHub, number: int = 68) -> None:
    assert len(gh.comments(OWNER, REPO, number)) == 1
    assert len(gh.reviews(OWNER, REPO, number)) <= 1
    runs = gh.check_runs(OWNER, REPO)
    assert len(runs) == 1 and runs[0]["status"] == "completed"


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried(aiohttp_client, gh: FakeGitHub, status: int) -> None:
    svc = await start_service(aiohttp_client, gh)
    fault = gh.inject("/repos/*/pulls/*/files", status=status, times=2)
    await _open(svc)
    assert fault.hits == 2
    _published_once(gh)


async def test_secondary_rate_limit_honours_retry_after(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    fault = gh.inject_secondary_rate_limit("/repos/*/issues/*/comments", "POST", status=403,
                                           retry_after=1)
    await _open(svc)
    assert fault.hits == 1
    posts = [c for c in gh.calls if c.method == "POST" and c.path.endswith("/comments")]
    assert len(posts) == 2 and posts[1].status == 201
    _published_once(gh)


async def test_429_is_retried(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.inject("/repos/*/check-runs", method="POST", status=429, headers={"retry-after": "1"})
    await _open(svc)
    _published_once(gh)


async def test_connection_reset_on_a_read(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.inject("/repos/*/contents/*", reset=True, times=2)
    await _open(svc)
    _published_once(gh)


async def test_reset_while_creating_the_comment_never_posts_twice(aiohttp_client,
                                                                   gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.inject("/repos/*/issues/*/comments", method="POST", reset=True, times=1)
    await _open(svc)
    _published_once(gh)


async def test_timeout_then_success(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, BOT_HTTP_TIMEOUT="1")
    gh.inject("/repos/*/pulls/*/files", delay=2.5, times=1)
    await _open(svc)
    _published_once(gh)


async def test_client_errors_are_not_retried(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.inject("/repos/*/issues/*/comments", method="POST", status=422, times=None,
              body={"message": "Validation Failed"})
    await _open(svc)
    posts = [c for c in gh.calls if c.method == "POST" and c.path.endswith("/comments")]
    assert len(posts) == 1
    [run] = gh.check_runs(OWNER, REPO)
    assert run["status"] == "completed"


async def test_github_down_leaves_a_neutral_check_not_in_progress(aiohttp_client,
                                                                   gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, BOT_RETRY_BUDGET="1", BOT_MAX_ATTEMPTS="1")
    gh.inject("/repos/*/issues/*/comments", status=503, times=None)
    await _open(svc)
    [run] = gh.check_runs(OWNER, REPO)
    assert (run["status"], run["conclusion"]) == ("completed", "neutral")
    assert "could not" in run["output"]["summary"].lower()


async def test_a_push_during_the_review_gets_the_newest_head_reviewed(
        aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD)
    newer = "4" * 40
    svc.push(68, base, head.replace("-  SQuAD", "- SQuAD"), newer)  # landed meanwhile
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD))
    await svc.settle()
    [comment] = gh.comments(OWNER, REPO, 68)
    assert f'"head":"{newer}"' in comment["body"]
    runs = {r["head_sha"]: r for r in gh.check_runs(OWNER, REPO)}
    assert runs[newer]["conclusion"] == "success"
    assert runs.get(HEAD, {"conclusion": "neutral"})["conclusion"] == "neutral"


async def test_late_delivery_of_an_older_push_loses_nothing(aiohttp_client,
                                                           gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD)
    newer = "4" * 40
    svc.push(68, base, head.replace("-  SQuAD", "- SQuAD"), newer)
    # GitHub does not promise order: the newer push's delivery arrives first.
    await svc.deliver("pull_request", svc.payload("pull_request.synchronize", 68, newer))
    await svc.deliver("pull_request", svc.payload("pull_request.synchronize", 68, HEAD))
    await svc.settle()
    [comment] = gh.comments(OWNER, REPO, 68)
    assert f'"head":"{newer}"' in comment["body"]
    newest = [r for r in gh.check_runs(OWNER, REPO) if r["head_sha"] == newer]
    assert [r["conclusion"] for r in newest] == ["success"]


@pytest.mark.parametrize("route", ["/repos/*/check-runs", "/repos/*/issues/*/labels",
                                   "/app/installations/*/access_tokens"])
async def test_reset_on_a_repeatable_post_is_retried(aiohttp_client, gh: FakeGitHub,
                                                      route: str) -> None:
    svc = await start_service(aiohttp_client, gh)
    fault = gh.inject(route, method="POST", reset=True, times=1)
    await _open(svc)
    assert fault.hits == 1
    _published_once(gh)


async def test_unexpected_answer_completes_the_check_run(aiohttp_client, gh: FakeGitHub,
                                                         caplog) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.inject("/repos/*/pulls/*/files", status=200, body=[1, 2, 3], times=None)
    await _open(svc)
    [run] = gh.check_runs(OWNER, REPO)
    assert (run["status"], run["conclusion"]) == ("completed", "neutral")
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)


# Hostile input

EVIL = ("- <img src=x onerror=alert(1)> @octocat | col ``` [x](javascript:alert(1)) "
        "**bold** (2016), @maintainers et al. [[pdf]](javascript:alert(1)) ````")


async def test_hostile_entry_is_escaped_everywhere(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    hostile = head.replace("-  SQuAD", EVIL + "\n-  SQuAD")
    await _open(svc, head=hostile, base=base)
    [comment] = gh.comments(OWNER, REPO, 68)
    body = comment["body"]
    assert "<img" not in body and "@octocat" not in body and "@maintainers" not in body
    assert "](javascript" not in body
    [run] = gh.check_runs(OWNER, REPO)
    for a in run["annotations"]:
        assert "@octocat" not in a["message"] and "@maintainers" not in a["message"]
    for review in gh.reviews(OWNER, REPO, 68):
        for c in review["comments"]:
            prose, _, block = c["body"].partition("suggestion\n")
            assert "<img" not in prose and "@octocat" not in prose
            if block:
                fence = c["body"].split("suggestion\n")[0].split("\n")[-1]
                assert block.rstrip().endswith(fence)  # the block closes where it should
                assert block.count(fence) == 1


async def test_huge_readme_is_bounded(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, _ = pr_texts("068")
    huge = base + "\n" + ("- x (2016), y [[pdf]](https://a.org/b.pdf)\n" * 250_000)
    await _open(svc, head=huge, base=base)
    [comment] = gh.comments(OWNER, REPO, 68)
    assert "readme/unreadable" in comment["body"] and "2 MB" in comment["body"]
    assert len(comment["body"]) < 65_536


async def test_twenty_thousand_entries_are_capped(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    gh.set_file(OWNER, REPO, BASE_SHA, ".github/awesome-papers.yml", "max_added_lines: 20000\n")
    base, _ = pr_texts("068")
    many = base.replace("### New papers\n", "### New papers\n" + "".join(
        f"-  Paper {i} (2017), A. B [[pdf]](https://arxiv.org/abs/1701.{i:05d})\n"
        for i in range(20_000)), 1)
    await _open(svc, head=many, base=base)
    [comment] = gh.comments(OWNER, REPO, 68)
    assert len(comment["body"]) < 65_536 and "more papers not shown" in comment["body"]
    [review] = gh.reviews(OWNER, REPO, 68)
    assert len(review["comments"]) <= 50
    [run] = gh.check_runs(OWNER, REPO)
    assert run["status"] == "completed" and len(run["annotations"]) == 150
    assert "more annotations not shown" in run["output"]["summary"]


async def test_a_change_over_the_line_cap_is_not_reviewed(aiohttp_client,
                                                         gh: FakeGitHub) -> None:
    """Issue 12: 2,001 added lines cost no reading; the PR fails with the reason, once."""
    svc = await start_service(aiohttp_client, gh)
    base, _ = pr_texts("068")
    many = base.replace("### New papers\n", "### New papers\n" + "".join(
        f"- Paper {i} (2017), A. B [[pdf]](https://arxiv.org/abs/1701.{i:05d})\n"
        for i in range(2_001)), 1)
    await _open(svc, head=many, base=base)
    [comment] = gh.comments(OWNER, REPO, 68)
    assert "readme/change-too-large" in comment["body"] and "2,001 lines" in comment["body"]
    [run] = gh.check_runs(OWNER, REPO)
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    assert "meets-criteria" not in gh.issue_labels(OWNER, REPO, 68)


async def test_long_line_and_deep_nesting(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    weird = head.replace("-  SQuAD", "- " + "a" * 100_000 + " (2016), B [[pdf]](https://x.org)\n"
                         + "".join("  " * i + "- nested\n" for i in range(500)) + "-  SQuAD")
    await _open(svc, head=weird, base=base)
    assert len(gh.comments(OWNER, REPO, 68)) == 1


async def test_own_actions_are_ignored(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD)
    payload = svc.payload("pull_request.opened", 68, HEAD)
    payload["sender"]["login"] = gh.bot_login
    status, body = await svc.deliver("pull_request", payload)
    assert status == 200 and "own action" in body["status"]
    assert gh.calls == []


async def test_secrets_never_logged(aiohttp_client, gh: FakeGitHub, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    svc = await start_service(aiohttp_client, gh, BOT_RETRY_BUDGET="1", BOT_MAX_ATTEMPTS="1")
    gh.inject("/repos/*/issues/*/comments", status=503, times=None)
    await _open(svc)
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD),
                      secret="wrong")
    text = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)
    token = next(t["token"] for t in gh.issued_tokens)
    for secret in (SECRET, gh.private_key_pem.splitlines()[1], token):
        assert secret not in text
    assert MARKER not in text


async def test_full_queue_answers_503_and_a_redelivery_is_accepted(aiohttp_client,
                                                                   gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, BOT_WORKERS="1", BOT_QUEUE_SIZE="1")
    base, head = pr_texts("068")
    for n in (1, 2, 3):
        svc.add_pr(n, base, head, str(n) * 40)
    gh.inject("/repos/*/pulls/1/files", delay=1.0, times=1)  # the one worker is busy
    codes = []
    for n in (1, 2, 3):
        await asyncio.sleep(0.05)
        code, _ = await svc.deliver("pull_request", svc.payload("pull_request.opened", n,
                                                                str(n) * 40),
                                    delivery=f"d-{n}")
        codes.append(code)
    assert codes == [202, 202, 503]
    await svc.settle()
    code, _ = await svc.deliver("pull_request", svc.payload("pull_request.opened", 3, "3" * 40),
                                delivery="d-3")  # GitHub keeps the id on a redelivery
    assert code == 202
    await svc.settle()
    assert all(len(gh.comments(OWNER, REPO, n)) == 1 for n in (1, 2, 3))


async def test_a_forged_summary_comment_is_not_trusted(aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD, labels=["help wanted"])
    forged = (f"{MARKER}\n<!-- awesome-papers-bot-state "
              '{"labels":["help wanted"],"reviewed_head":"' + HEAD + '","head":null} -->\nhi')
    gh.add_comment(OWNER, REPO, 68, forged, user="mallory")
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD))
    await svc.settle()
    comments = gh.comments(OWNER, REPO, 68)
    assert [c["body"] == forged for c in comments] == [True, False]  # untouched, and ours
    assert "help wanted" in gh.issue_labels(OWNER, REPO, 68)
    assert len(gh.reviews(OWNER, REPO, 68)) == 1  # the forged "already reviewed" was ignored


async def _orphan(gh: FakeGitHub, svc: Service) -> int:
    """A check run GitHub made for the bot whose creation reply never arrived (or that an
    earlier, killed process started)."""
    token = gh.installation_token(1)
    resp = await svc.client.session.post(
        f"{gh.url}/repos/{OWNER}/{REPO}/check-runs",
        json={"name": "awesome-papers", "head_sha": HEAD, "status": "in_progress"},
        headers={"Authorization": f"token {token}", "User-Agent": "test"})
    assert resp.status == 201
    return (await resp.json())["id"]


async def test_a_run_left_in_progress_is_found_on_github_and_completed(
        aiohttp_client, gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh, BOT_LOGIN=gh.bot_login)
    base, head = pr_texts("068")
    svc.add_pr(68, base, head, HEAD)
    orphan = await _orphan(gh, svc)
    await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD))
    await svc.settle()
    [run] = gh.check_runs(OWNER, REPO)
    assert run["id"] == orphan and run["status"] == "completed"
    assert gh.count("GET", "*/commits/*/check-runs") >= 1


async def test_a_lost_reply_to_creating_the_check_run_leaves_one_run(aiohttp_client,
                                                                    gh: FakeGitHub) -> None:
    svc = await start_service(aiohttp_client, gh)
    real = gh._op_checks_create

    async def create_then_fail(ctx):  # GitHub made the run, then answered 502
        await real(ctx)
        gh._op_checks_create = real  # type: ignore[method-assign]
        raise GitHubError(502, {"message": "Server Error"})

    gh._op_checks_create = create_then_fail  # type: ignore[method-assign]
    await _open(svc)
    _published_once(gh)
    assert gh.count("POST", "*/check-runs") == 1
