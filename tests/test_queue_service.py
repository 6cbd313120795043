"""The maintainer's queue against the fake GitHub, on the list's real README (PR 72's base).

Several open PRs each add a paper that the real list keeps in its appendix (taken out of the base
first, so it is new). A merge (push) flips the others' verdicts; the same paper in two PRs is
flagged in both; PRs against a full top 100 are contested; installing reviews the backlog; one
board issue is edited in place; `/recheck` is answered with a reaction.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest

from bot.awesome.model import SectionKind
from bot.awesome.parse import parse
from bot.awesome.triage import BOARD_MARKER
from bot.github.webhook import RUNTIME
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.fakes.webhooks import load_payload
from tests.service_kit import BASE_SHA, OWNER, REPO, Service, start_service

FULL, _ = pr_texts("072")  # the real list with a full top 100
TIP = "c" * 40


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _appendix_papers(text: str, k: int) -> list[str]:
    """k one-line entries from the list's appendix (papers it has once, outside the top 100,
    of a year the top 100 takes)."""
    al = parse(text)
    lines = _lines(text)
    seen: dict[str, int] = {}
    for e in al.entries:
        for key in {*e.identifiers, e.title_key}:
            seen[key] = seen.get(key, 0) + 1
    out = [lines[e.start_line - 1] for e in al.entries
           if e.start_line == e.end_line and al.sections[e.section].kind is SectionKind.APPENDIX
           and e.arxiv_id and e.year and al.criteria.in_window(e.year)
           and all(seen[key] == 1 for key in {*e.identifiers, e.title_key})]
    assert len(out) >= k
    return out[:k]


def _without(text: str, drop: list[str]) -> str:
    return "\n".join(ln for ln in _lines(text) if ln not in drop)


def _add(text: str, paper: str, nth_section: int = 0) -> str:
    """The README with `paper` appended to its nth top-100 section."""
    al = parse(text)
    sec = al.sections_of_kind(SectionKind.TOP100)[nth_section]
    last = al.in_section(sec.index)[-1].end_line
    lines = _lines(text)
    return "\n".join([*lines[:last], paper, *lines[last:]])


def _drop_top_entry(text: str) -> str:
    """The README with its first one-line top-100 entry removed (99 of 100)."""
    al = parse(text)
    e = next(e for e in al.top100 if e.start_line == e.end_line)
    lines = _lines(text)
    return "\n".join(lines[: e.start_line - 1] + lines[e.start_line:])


@pytest.fixture
async def gh(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("BOT_BOARD_DELAY", "0")  # the queue's timers are read from the env
    monkeypatch.setenv("BOT_PASS_DELAY", "0")
    async with FakeGitHub() as fake:
        yield fake


async def _svc(aiohttp_client: Any, gh: FakeGitHub) -> Service:
    return await start_service(aiohttp_client, gh, BOT_WRITES_PER_MINUTE="500")


async def _settle(svc: Service) -> None:
    assert await svc.client.app[RUNTIME].scheduler.idle(timeout=60)


def _conclusion(gh: FakeGitHub, head: str) -> str | None:
    runs = [r for r in gh.check_runs(OWNER, REPO) if r["head_sha"] == head]
    return runs[-1]["conclusion"] if runs else None


def _summary(gh: FakeGitHub, number: int) -> str:
    [c] = [c for c in gh.comments(OWNER, REPO, number) if "awesome-papers-bot" in c["body"]]
    return c["body"]


def _push_payload(after: str) -> dict[str, Any]:
    p = load_payload("push")
    p["after"] = after
    p["repository"].update(name=REPO, full_name=f"{OWNER}/{REPO}", default_branch="master")
    p["repository"]["owner"].update(login=OWNER, name=OWNER)
    p["installation"] = {"id": 1}
    for c in p["commits"]:
        c.update(added=[], removed=[], modified=["README.md"])
    return p


async def _open(svc: Service, number: int, base: str, head: str) -> None:
    sha = f"{number:x}".rjust(40, "e")
    svc.add_pr(number, base, head, sha)
    await svc.deliver("pull_request", svc.payload("pull_request.opened", number, sha))


def _head(number: int) -> str:
    return f"{number:x}".rjust(40, "e")


async def test_merge_flips_the_others_and_twins_are_flagged_in_both(aiohttp_client: Any,
                                                                     gh: FakeGitHub) -> None:
    p1, p2 = _appendix_papers(FULL, 2)
    base = _drop_top_entry(_without(FULL, [p1, p2]))  # 99 of 100: room for one paper
    svc = await _svc(aiohttp_client, gh)
    await _open(svc, 11, base, _add(base, p1, 0))       # A: paper 1
    await _open(svc, 12, base, _add(base, p2, 1))       # B: paper 2
    await _open(svc, 13, base, _add(base, p1, 2))       # C: paper 1 again, elsewhere
    await _settle(svc)
    for n, twin in ((11, "#13"), (13, "#11")):
        body = _summary(gh, n)
        assert "duplicate/open-pr" in body and twin in body
        assert "duplicate" in gh.issue_labels(OWNER, REPO, n)
    for n in (11, 12, 13):  # 99 + 3 papers: contested, though each fits alone
        assert "top100-contested" in gh.issue_labels(OWNER, REPO, n)
        assert "over-100" not in gh.issue_labels(OWNER, REPO, n)
    assert _conclusion(gh, _head(12)) == "neutral"

    # PR 11 is merged: the list now holds 100, and paper 1 is on it.
    gh.set_pull_state(OWNER, REPO, 11, "closed")
    gh.set_file(OWNER, REPO, TIP, "README.md", _add(base, p1, 0))
    gh.set_branch(OWNER, REPO, "master", TIP)
    status, _ = await svc.deliver("push", _push_payload(TIP))
    assert status == 202
    await svc.deliver("pull_request", svc.payload("pull_request.closed", 11, _head(11)))
    await _settle(svc)
    assert "over-100" in gh.issue_labels(OWNER, REPO, 12)
    assert _conclusion(gh, _head(12)) == "failure"
    assert "duplicate/entry" in _summary(gh, 13)
    assert "duplicate/open-pr" not in _summary(gh, 13)  # PR 11 is no longer open
    assert "over-100" in gh.issue_labels(OWNER, REPO, 13)


async def test_a_burst_of_pushes_makes_one_pass(aiohttp_client: Any, gh: FakeGitHub) -> None:
    [p1] = _appendix_papers(FULL, 1)
    base = _without(FULL, [p1])
    os.environ["BOT_PASS_DELAY"] = "0.3"  # restored by the gh fixture's monkeypatch
    svc = await start_service(aiohttp_client, gh, BOT_WRITES_PER_MINUTE="500")
    await _open(svc, 5, base, _add(base, p1))
    await _settle(svc)
    gh.set_file(OWNER, REPO, TIP, "README.md", base)
    gh.set_branch(OWNER, REPO, "master", TIP)
    for _ in range(4):
        await svc.deliver("push", _push_payload(TIP))
    await _settle(svc)
    assert svc.client.app[RUNTIME].scheduler.passes_run == 1


async def test_three_prs_against_a_full_top_100_are_each_contested(aiohttp_client: Any,
                                                                  gh: FakeGitHub) -> None:
    papers = _appendix_papers(FULL, 3)
    base = _without(FULL, papers)  # still 100 in the top 100
    svc = await _svc(aiohttp_client, gh)
    for i, paper in enumerate(papers):
        await _open(svc, 21 + i, base, _add(base, paper, i))
    await _settle(svc)
    for n in (21, 22, 23):
        body = _summary(gh, n)
        assert "top100/contested" in body and "3 open pull requests" in body
        others = {f"#{m}" for m in (21, 22, 23) if m != n}
        assert all(o in body for o in others)
        assert "top100-contested" in gh.issue_labels(OWNER, REPO, n)


async def test_installing_reviews_the_backlog_oldest_first(aiohttp_client: Any,
                                                           gh: FakeGitHub) -> None:
    papers = _appendix_papers(FULL, 5)
    base = _without(FULL, papers)
    svc = await _svc(aiohttp_client, gh)
    for i, paper in enumerate(papers):
        svc.add_pr(31 + i, base, _add(base, paper, i), _head(31 + i))
    gh.set_branch(OWNER, REPO, "master", BASE_SHA)
    p = load_payload("installation.created")
    p["installation"]["id"] = 1
    p["repositories"] = [{"id": 1, "name": REPO, "full_name": f"{OWNER}/{REPO}",
                          "private": False}]
    status, _ = await svc.deliver("installation", p)
    assert status == 202
    await _settle(svc)
    for n in range(31, 36):
        assert _conclusion(gh, _head(n)) is not None
        assert len([c for c in gh.comments(OWNER, REPO, n) if BOARD_MARKER not in c["body"]]) == 1
    firsts = []
    for call in gh.calls:
        if call.method == "POST" and call.path.endswith("/check-runs"):
            sha = call.json["head_sha"]
            if sha not in firsts:
                firsts.append(sha)
    assert firsts == [_head(n) for n in range(31, 36)]


async def test_one_board_lists_each_open_pr_once_and_is_edited(aiohttp_client: Any,
                                                               gh: FakeGitHub) -> None:
    papers = _appendix_papers(FULL, 3)
    base = _without(FULL, papers)
    svc = await _svc(aiohttp_client, gh)
    for i, paper in enumerate(papers):
        await _open(svc, 41 + i, base, _add(base, paper, i))
    await _settle(svc)
    [board] = [i for i in gh.issues_of(OWNER, REPO) if i["body"].startswith(BOARD_MARKER)]
    for n in (41, 42, 43):
        assert board["body"].count(f"| #{n} ") == 1
    before = board["body"]
    # A new head for PR 42 that drops its paper: the board changes, in the same issue.
    svc.push(42, base, base + "\n", "f" * 40)
    await svc.deliver("pull_request", svc.payload("pull_request.synchronize", 42, "f" * 40))
    await _settle(svc)
    boards = [i for i in gh.issues_of(OWNER, REPO) if i["body"].startswith(BOARD_MARKER)]
    assert [b["number"] for b in boards] == [board["number"]]
    assert boards[0]["body"] != before
    assert len([c for c in gh.calls if c.method == "POST" and c.path.endswith("/issues")]) == 1
    assert any(c.method == "PATCH" and c.path.endswith(f"/issues/{board['number']}")
               for c in gh.calls)


async def test_board_creation_reply_lost_makes_no_second_board(aiohttp_client: Any,
                                                               gh: FakeGitHub) -> None:
    [p1] = _appendix_papers(FULL, 1)
    base = _without(FULL, [p1])
    svc = await _svc(aiohttp_client, gh)
    gh.inject(f"/repos/{OWNER}/{REPO}/issues", method="POST", reset=True, times=1)
    await _open(svc, 51, base, _add(base, p1))
    await _settle(svc)
    boards = [i for i in gh.issues_of(OWNER, REPO) if i["body"].startswith(BOARD_MARKER)]
    assert len(boards) <= 1
    svc.push(51, base, _add(base, p1, 1), "f" * 40)
    await svc.deliver("pull_request", svc.payload("pull_request.synchronize", 51, "f" * 40))
    await _settle(svc)
    boards = [i for i in gh.issues_of(OWNER, REPO) if i["body"].startswith(BOARD_MARKER)]
    assert len(boards) == 1


def _comment_payload(gh: FakeGitHub, number: int, body: str, login: str,
                     association: str) -> dict[str, Any]:
    made = gh.add_comment(OWNER, REPO, number, body, user=login)
    p = copy.deepcopy(load_payload("issue_comment.created"))
    p["issue"].update(number=number, pull_request={"url": f"{gh.url}/repos/{OWNER}/{REPO}/pulls/"
                                                          f"{number}"})
    p["issue"]["user"]["login"] = "octocat"
    p["comment"].update(id=made["id"], body=body, author_association=association)
    p["comment"]["user"].update(login=login, type="User")
    p["repository"].update(name=REPO, full_name=f"{OWNER}/{REPO}")
    p["repository"]["owner"]["login"] = OWNER
    p["installation"] = {"id": 1}
    return p


async def test_recheck_from_a_stranger_costs_one_reaction(aiohttp_client: Any,
                                                          gh: FakeGitHub) -> None:
    [p1] = _appendix_papers(FULL, 1)
    base = _without(FULL, [p1])
    svc = await _svc(aiohttp_client, gh)
    await _open(svc, 61, base, _add(base, p1))
    await _settle(svc)
    runs = len(gh.check_runs(OWNER, REPO))

    n = len(gh.calls)
    status, _ = await svc.deliver("issue_comment",
                                  _comment_payload(gh, 61, "Thanks, looks good!", "someone",
                                                   "NONE"))
    await _settle(svc)
    assert status == 200 and len(gh.calls) == n  # an ordinary comment costs nothing

    p = _comment_payload(gh, 61, "please\n/recheck\n", "stranger", "CONTRIBUTOR")
    await svc.deliver("issue_comment", p)
    await _settle(svc)
    new = gh.calls[n:]
    assert [(c.method, c.path.rsplit("/", 1)[-1]) for c in new] == [("POST", "reactions")]
    assert [r["content"] for r in gh.reactions_of(OWNER, REPO, p["comment"]["id"])] == [
        "confused"]
    assert len(gh.check_runs(OWNER, REPO)) == runs

    n = len(gh.calls)
    p = _comment_payload(gh, 61, "/recheck", "octocat", "CONTRIBUTOR")  # the PR's author
    await svc.deliver("issue_comment", p)
    await _settle(svc)
    assert [r["content"] for r in gh.reactions_of(OWNER, REPO, p["comment"]["id"])] == ["+1"]
    again = [(c.method, c.path) for c in gh.calls[n:]]
    assert (("GET", f"/repos/{OWNER}/{REPO}/pulls/61/files") in again
            and any(m == "PATCH" and "/check-runs/" in path for m, path in again))
    assert len([c for c in gh.comments(OWNER, REPO, 61) if "awesome-papers-bot" in c["body"]
                and c["user"]["type"] == "Bot"]) == 1


async def test_recheck_by_a_collaborator_asks_their_permission(aiohttp_client: Any,
                                                               gh: FakeGitHub) -> None:
    [p1] = _appendix_papers(FULL, 1)
    base = _without(FULL, [p1])
    svc = await _svc(aiohttp_client, gh)
    await _open(svc, 71, base, _add(base, p1))
    await _settle(svc)
    gh.set_permission(OWNER, REPO, "reader", "triage")
    gh.set_permission(OWNER, REPO, "writer", "maintain")
    reader = _comment_payload(gh, 71, "/recheck", "reader", "COLLABORATOR")
    writer = _comment_payload(gh, 71, "/recheck", "writer", "COLLABORATOR")
    await svc.deliver("issue_comment", reader)
    await svc.deliver("issue_comment", writer)
    await _settle(svc)
    assert [r["content"] for r in gh.reactions_of(OWNER, REPO, reader["comment"]["id"])] == [
        "confused"]
    assert [r["content"] for r in gh.reactions_of(OWNER, REPO, writer["comment"]["id"])] == [
        "+1"]

