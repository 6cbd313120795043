"""The pure part of the maintainer's queue: rebasing a PR onto the list as it is now, PRs
against each other, the board, and reading `/recheck` (no I/O anywhere)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.awesome.config import load_config
from bot.awesome.queue_view import (
    CONTESTED,
    DUPLICATE_OPEN_PR,
    CrossReview,
    Paper,
    Proposal,
    cross_review,
    proposal_of,
    with_conflict_note,
)
from bot.awesome.rebase import rebase
from bot.awesome.report import Conclusion
from bot.awesome.review import prepare, review
from bot.awesome.triage import BOARD_MARKER, OpenPull, Queue, Verdict, render, rows_of
from bot.github.recheck import RecheckAsk, recheck_ask
from tests.listkit import ADAM, BASE, BATCHNORM, GLOVE, RESNET, make_list

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def _paper(title: str, key: str, top: bool = True) -> Paper:
    return Paper(title, "Vision", 2015, 10, frozenset({key}), top)


def _prop(n: int, *papers: Paper, growth: int = 1,
          conclusion: Conclusion | None = Conclusion.SUCCESS) -> Proposal:
    return Proposal(n, "a" * 40, papers, growth, conclusion)


# --- rebase ---------------------------------------------------------------------------------

def test_rebase_keeps_both_papers_appended_to_one_section() -> None:
    ancestor = make_list(vision=[RESNET])
    tip = make_list(vision=[RESNET, ADAM])      # another PR merged ADAM here
    head = make_list(vision=[RESNET, GLOVE])    # this PR appends GLOVE at the same place
    r = rebase(ancestor, tip, head)
    lines = r.text.split("\n")
    assert ADAM in lines and GLOVE in lines and lines.index(ADAM) < lines.index(GLOVE)
    glove = lines.index(GLOVE) + 1
    assert r.line_in_head(glove) == head.split("\n").index(GLOVE) + 1
    assert r.line_in_head(lines.index(ADAM) + 1) is None  # the tip's line is not the head's


def test_rebase_of_an_unmoved_base_is_the_head() -> None:
    head = make_list(vision=[RESNET, GLOVE])
    r = rebase(BASE, BASE, head)
    assert r.text == head and r.line_in_head(5) == 5


def test_a_paper_merged_meanwhile_shows_as_a_duplicate() -> None:
    ancestor = make_list(vision=[RESNET])
    tip = make_list(vision=[RESNET, GLOVE])
    head = make_list(vision=[RESNET, GLOVE])    # the same line, proposed by this PR too
    r = rebase(ancestor, tip, head)
    rv = review(tip, r.text)
    assert "duplicate/entry" in {f.rule for f in rv.findings}


# --- PRs against each other ---------------------------------------------------------------------

def test_the_same_paper_in_two_prs_is_named_in_both() -> None:
    gan = _paper("GAN", "arxiv:1406.2661")
    a, b = _prop(1, gan), _prop(2, _paper("GAN again", "arxiv:1406.2661"))
    for me, other in ((a, b), (b, a)):
        cross = cross_review(me, [other], base_top100=10, limit=100)
        [f] = cross.findings
        assert f.rule == DUPLICATE_OPEN_PR and f"#{other.number}" in f.message
        assert cross.conflicts == (other.number,)


def test_prs_that_fit_alone_but_not_together_are_contested() -> None:
    props = [_prop(n, _paper(f"P{n}", f"k{n}")) for n in (1, 2, 3)]
    for me in props:
        cross = cross_review(me, props, base_top100=99, limit=100)
        [f] = cross.findings
        assert f.rule == CONTESTED and "3 open pull requests" in f.message
        assert "2 papers moved out" in f.message
    assert cross_review(props[0], props[:2], base_top100=98, limit=100).findings == ()


def test_no_contest_on_a_list_without_a_top_100_or_when_switched_off() -> None:
    props = [_prop(n, _paper(f"P{n}", f"k{n}")) for n in (1, 2)]
    assert cross_review(props[0], props, base_top100=100, limit=100,
                        has_top100=False).findings == ()
    off = load_config("rules: {top100/contested: off, duplicate/open-pr: off}")
    dup = [_prop(1, _paper("X", "k")), _prop(2, _paper("X", "k"))]
    assert cross_review(dup[0], dup, base_top100=100, limit=100, config=off).findings == ()


def test_cross_findings_reach_labels_conclusion_and_summary() -> None:
    p = prepare(BASE, make_list(vision=[RESNET, BATCHNORM]))
    me = proposal_of(7, "b" * 40, p.diff, top100=(len(p.base.top100), len(p.head.top100)))
    other = _prop(9, Paper("BN", "Vision", 2015, 3, me.papers[0].keys, True))
    cross = cross_review(me, [other], base_top100=len(p.base.top100), limit=100)
    from bot.awesome.review import conclude
    rv = with_conflict_note(conclude(p, extra=cross.findings), cross)
    assert "duplicate" in rv.labels and "meets-criteria" not in rv.labels
    assert "#9" in rv.summary_markdown and "duplicate/open-pr" in rv.summary_markdown
    assert with_conflict_note(rv, CrossReview()) is rv


# --- the board --------------------------------------------------------------------------------

def _queue() -> Queue:
    pulls = tuple(OpenPull(n, f"Add paper {n} <script>", f"user{n}", NOW - timedelta(days=d))
                  for n, d in ((1, 30), (2, 10), (3, 400), (4, 2)))
    props = (
        _prop(1, _paper("Ready one", "k1")),
        _prop(2, _paper("Twin", "kt")),
        _prop(3, _paper("Twin", "kt"), conclusion=Conclusion.NEUTRAL),
        _prop(4, _paper("Failing", "k4"), conclusion=Conclusion.FAILURE),
        _prop(99, _paper("Closed meanwhile", "k99")),  # not in the open list
    )
    return Queue("o/r", pulls, props, base_top100=90, limit=100)


def test_board_puts_ready_prs_first_and_lists_each_open_pr_once() -> None:
    rows = rows_of(_queue(), NOW)
    assert [r.pull.number for r in rows] == [1, 3, 2, 4]
    assert rows[0].verdict is Verdict.READY
    assert rows[2].verdict is Verdict.LOOK and rows[2].conflicts == ("same paper as #3",)
    md = render(_queue(), NOW, "markdown")
    assert md.startswith(BOARD_MARKER)
    assert all(md.count(f"| #{n} ") == 1 for n in (1, 2, 3, 4)) and "#99" not in md
    assert "<script>" not in md and "400 d" in md


def test_board_text_and_json() -> None:
    text = render(_queue(), NOW, "text")
    assert text.splitlines()[0] == "Paper-list triage: o/r"
    data = json.loads(render(_queue(), NOW, "json"))
    assert [p["number"] for p in data["pulls"]] == [1, 3, 2, 4]
    assert data["pulls"][2]["conflicts"] == ["same paper as #3"]
    assert data["top100"] == {"base": 90, "limit": 100}


def test_triage_board_config_key() -> None:
    assert load_config(None).triage_board is True
    assert load_config("triage_board: false").triage_board is False
    bad = load_config("triage_board: sometimes")
    assert bad.triage_board is True and "`triage_board` must be true or false" in bad.errors


# --- /recheck ---------------------------------------------------------------------------------

def _comment(body: str, *, on_pr: bool = True, action: str = "created",
             user_type: str = "User") -> dict:
    return {"action": action, "installation": {"id": 5},
            "repository": {"name": "r", "owner": {"login": "o"}},
            "issue": {"number": 3, "user": {"login": "author"},
                      **({"pull_request": {"url": "x"}} if on_pr else {})},
            "comment": {"id": 77, "body": body, "author_association": "NONE",
                        "user": {"login": "someone", "type": user_type}}}


def test_recheck_must_be_alone_on_a_line_of_a_new_pr_comment() -> None:
    ask = recheck_ask(_comment("Thanks!\n  /recheck  \n"))
    assert isinstance(ask, RecheckAsk) and (ask.number, ask.comment_id) == (3, 77)
    assert ask.pr_author == "author" and ask.installation_id == 5
    for payload in (_comment("please /recheck this"), _comment("/rechecked"),
                    _comment("/recheck", on_pr=False), _comment("/recheck", action="edited"),
                    _comment("/recheck", user_type="Bot")):
        assert isinstance(recheck_ask(payload), str)


# --- which deliveries start queue work (no API call) -------------------------------------------

async def test_only_a_push_that_changes_the_list_on_the_default_branch_starts_a_pass() -> None:
    from gidgethub import sansio

    from bot.github.backlog import PassJob, Reason
    from bot.github.queue_events import queue_router
    from bot.github.settings import ServiceSettings
    from tests.fakes.webhooks import load_payload

    settings = ServiceSettings.from_env({"GITHUB_TOKEN": "t"}, require_secret=False)

    async def sink_of(**change: object) -> list[object]:
        p = load_payload("push")
        p.update(change)
        out: list[object] = []
        await queue_router.dispatch(sansio.Event(p, event="push", delivery_id="d"), out,
                                    settings)
        return out

    [job] = await sink_of()
    assert isinstance(job, PassJob) and job.reason is Reason.BASE_MOVED
    assert job.branch == "master" and job.tip == load_payload("push")["after"]
    assert isinstance((await sink_of(ref="refs/heads/feature"))[0], str)
    assert isinstance((await sink_of(deleted=True))[0], str)
    other = [dict(c, added=["docs/x.md"], modified=[], removed=[])
             for c in load_payload("push")["commits"]]
    assert isinstance((await sink_of(commits=other))[0], str)
