"""Recipe 4 of issue 12: a paper cannot borrow another paper's citations through a link that
names the famous paper's DOI or arXiv id; the record's title must be the entry's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.awesome.facts import Citation, Facts
from bot.awesome.parse import parse
from bot.awesome.review import review
from bot.citations import CitationSettings, gather_facts
from bot.citations.resolve import same_title
from tests.fakes.citation_server import CitationServer, FakePaper
from tests.fakes.papers import ADAM, BATCHNORM, CLASSICS, LSTM, RESNET, entry
from tests.listkit import BASE, GAN, SEQ2SEQ, WGAN, make_list
from tests.listkit import LSTM as LSTM_LINE
from tests.listkit import RESNET as RESNET_LINE

README = Path(__file__).resolve().parents[1] / "README.md"
SMALL = FakePaper("A small paper nobody cites", 2015, 3, doi="10.9999/small.2015.1")


@pytest.fixture
async def server() -> AsyncIterator[CitationServer]:
    async with CitationServer([*CLASSICS, SMALL]) as s:
        yield s


def _settings(server: CitationServer) -> CitationSettings:
    return CitationSettings(s2_url=server.s2_url, openalex_url=server.openalex_url, budget=3.0,
                            backoff_base=0.05, backoff_cap=0.2)


async def test_a_borrowed_doi_gives_no_count_and_is_reported(server: CitationServer) -> None:
    borrowed = entry(SMALL.title, 2015, f"https://attacker.example/doi/{LSTM.doi}", line=1)
    honest = entry(LSTM.title, 1997, f"https://doi.org/{LSTM.doi}", line=2)
    facts = await gather_facts([borrowed, honest], _settings(server), check_links=False)
    assert facts.citation_for(borrowed) is None
    assert facts.mismatched[borrowed.key].count == LSTM.citations
    assert facts.mismatched[borrowed.key].matched_title == LSTM.title
    assert facts.citation_for(honest) is not None  # the same record still counts for its paper


async def test_a_borrowed_arxiv_id_gives_no_count(server: CitationServer) -> None:
    borrowed = entry("My own small idea", 2015, f"http://arxiv.org/pdf/{RESNET.arxiv}",
                     arxiv_id=RESNET.arxiv)
    facts = await gather_facts([borrowed], _settings(server), check_links=False)
    assert facts.citation_for(borrowed) is None and borrowed.key in facts.mismatched


async def test_a_shortened_subtitle_still_matches(server: CitationServer) -> None:
    short = entry("Batch normalization", 2015, f"http://arxiv.org/pdf/{BATCHNORM.arxiv}",
                  arxiv_id=BATCHNORM.arxiv)
    same = entry(ADAM.title.upper(), 2014, f"http://arxiv.org/pdf/{ADAM.arxiv}",
                 arxiv_id=ADAM.arxiv, line=2)
    facts = await gather_facts([short, same], _settings(server), check_links=False)
    assert facts.citation_for(short) is not None and facts.citation_for(same) is not None


def test_title_matching_rules() -> None:
    assert same_title("Deep residual learning for image recognition",
                      "Deep Residual Learning for Image Recognition.")
    assert same_title("**Adam**: a method for stochastic optimization",
                      "Adam: A Method for Stochastic Optimization")
    assert not same_title("Deep residual", "Deep residual learning for image recognition")
    assert not same_title("Glove", "GloVe: Global vectors for word representation")
    assert not same_title("", "Anything")
    assert not same_title("Something", "")


def test_the_review_reports_the_mismatch_and_judges_without_the_count() -> None:
    line = ("- A small paper nobody cites (2015), A. Nobody "
            f"[[pdf]](https://attacker.example/doi/{LSTM.doi})")
    head = make_list(vision=[RESNET_LINE, GAN, line], language=[SEQ2SEQ], new=[WGAN],
                     old=[LSTM_LINE])
    added = next(e for e in parse(head).entries if "nobody cites" in e.title)
    record = Citation(20_000, "Semantic Scholar", "https://www.semanticscholar.org/paper/x",
                      matched_title=LSTM.title)
    r = review(BASE, head, facts=Facts(mismatched={added.key: record}))
    rules = {f.rule for f in r.findings}
    assert "citations/mismatch" in rules
    assert "meets-criteria" not in r.labels
    found = next(f for f in r.findings if f.rule == "citations/mismatch")
    assert "Long short-term memory" in found.message and "20,000" in found.message
    assert "citations/mismatch" in README.read_text(encoding="utf-8")
