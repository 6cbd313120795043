"""Recipe 3 of issue 12: hostile titles, authors and headings never become HTML, links, live
@mentions or #references in anything the bot writes, rendered with cmark-gfm (GitHub's parser)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.awesome.audit import audit
from bot.awesome.escape import md, md_prose, plain
from bot.awesome.facts import Citation, Facts
from bot.awesome.parse import parse
from bot.awesome.queue_view import proposal_of
from bot.awesome.report import Review
from bot.awesome.review import review
from bot.awesome.triage import OpenPull, Queue
from bot.awesome.triage import render as render_board
from bot.cli.audit import audit_markdown
from bot.github.publish import BotState, comment_body
from tests.hostile_corpus import AUTHORS, HEADINGS, TITLES, plain_problems, problems, render
from tests.listkit import ADAM, BASE, GAN, LSTM, RESNET, SEQ2SEQ, WGAN, make_list

SOURCE_URL = "https://www.semanticscholar.org/paper/abc"
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def _entry(title: str, author: str, n: int, year: int = 2015) -> str:
    return f"- {title} ({year}), {author} [[pdf]](http://arxiv.org/pdf/1512.{n:05d})"


def _heads() -> list[tuple[str, str]]:
    """One head README per corpus item: a hostile title, author, or section heading."""
    out = []
    for i, t in enumerate(TITLES):
        out.append((f"title {i}", make_list(vision=[RESNET, GAN, _entry(t, "K. He", i)],
                                            language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM])))
    for i, a in enumerate(AUTHORS):
        out.append((f"author {i}", make_list(vision=[RESNET, GAN, _entry("Fine", a, 100 + i)],
                                             language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM])))
    for i, h in enumerate(HEADINGS):
        head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM])
        head = head.replace("### Language", f"### {h}\n{_entry('Fine', 'K. He', 200 + i)}\n\n"
                            "### Language")
        renamed = head.replace("### Vision", f"### {h} v")
        out.append((f"heading {i}", head))
        out.append((f"renamed heading {i}", renamed))
    return out


HEADS = _heads()


def _facts(head: str) -> Facts:
    """A count for every entry of the head, so citation rows and rules render too."""
    al = parse(head)
    return Facts(citations={e.key: Citation(7, "Semantic Scholar", SOURCE_URL) for e in al.entries})


def _check_review(r: Review, links: frozenset[str]) -> list[str]:
    """Everything the bot would post for one review, checked as GitHub would show it."""
    found = problems(r.summary_markdown, links=links)
    found += problems(comment_body(r, BotState(r.labels, None, "abc")), links=links, comments=2)
    for c in r.line_comments:
        found += problems(c.body, links=links)
    found += plain_problems(r.headline) + problems(r.headline)  # check-run title, status
    for a in r.annotations:
        found += plain_problems(a.message) + plain_problems(a.title)
    return found


@pytest.mark.parametrize(("name", "head"), HEADS, ids=[n for n, _ in HEADS])
def test_hostile_text_is_inert_in_every_place_the_bot_writes(name: str, head: str) -> None:
    offline = review(BASE, head)
    assert offline.findings, name  # the hostile entry was seen and talked about
    assert _check_review(offline, frozenset()) == [], name
    counted = review(BASE, head, facts=_facts(head))
    assert _check_review(counted, frozenset({SOURCE_URL})) == [], name


@pytest.mark.parametrize(("name", "head"), HEADS, ids=[n for n, _ in HEADS])
def test_hostile_text_is_inert_in_the_audit_table(name: str, head: str) -> None:
    report = audit_markdown(audit(parse(head), Facts()), "README.md")
    assert problems(report) == [], name


def test_hostile_pr_titles_and_papers_are_inert_on_the_triage_board() -> None:
    """The triage board (an issue body): PR titles, authors, paper titles and sections."""
    pulls, proposals = [], []
    for n, (_, head) in enumerate(HEADS, start=1):
        r = review(BASE, head)
        text = TITLES[n % len(TITLES)]
        pulls.append(OpenPull(n, text, AUTHORS[n % len(AUTHORS)], NOW - timedelta(days=n)))
        proposals.append(proposal_of(n, "a" * 40, r.diff, top100=(r.top100_base, r.top100_head),
                                     conclusion=r.conclusion))
    board = render_board(Queue("o/r", tuple(pulls), tuple(proposals), 100), NOW, "markdown")
    own = frozenset(f"#{n}" for n in range(1, len(HEADS) + 1))
    assert board.count("| #") == len(HEADS)
    assert problems(board, comments=1, refs=own) == []
    for line in render_board(Queue("o/r", tuple(pulls), tuple(proposals), 100), NOW,
                             "text").splitlines():
        assert plain_problems(line) == []


@pytest.mark.parametrize("text", TITLES + AUTHORS + HEADINGS)
def test_escapers_alone_are_inert_in_prose_tables_and_plain_text(text: str) -> None:
    assert problems(f"- {md(text)}") == []
    assert problems(f"| a | b |\n|---|---|\n| {md(text)} | x |") == []
    assert problems(md_prose(f'The paper "{text}" needs `[[pdf]](url)`.')) == []
    assert plain_problems(plain(text)) == []


def test_the_autolink_recipe_renders_raw_html_without_escaping() -> None:
    """The checker itself sees the attack: unescaped, the recipe is a live tracking pixel."""
    assert "tag <img>" in problems(TITLES[0])
    assert any("mention" in p for p in problems("x https://e.example/`y @octocat z`"))


def test_escaped_text_still_reads_as_written() -> None:
    html = render(md("Batch normalization: 50% of www.x.org <fast> & @me #3"))
    assert "Batch normalization: 50% of www.x.org &lt;fast&gt; &amp; @\u2060me #\u20603" in html
    code = render(md_prose("Use `[[pdf]](url)` here"))
    assert "<code>[[pdf]](url)</code>" in code
