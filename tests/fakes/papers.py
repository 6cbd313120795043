"""Papers and entries for citation tests: real titles, ids and links from the list's README.

The titles, years and links are copied from tests/fixtures/upstream/versions/2018-10-19_1a0a9df.md
(and the 2017 versions for the versioned and ACL links); the citation counts are invented.
"""

from __future__ import annotations

from bot.awesome.facts import Citation, Facts, LinkCheck
from bot.awesome.model import Entry, Link
from tests.fakes.citation_server import FakePaper

RESNET = FakePaper("Deep residual learning for image recognition", 2015, 5000, arxiv="1512.03385")
ADAM = FakePaper("Adam: A method for stochastic optimization", 2014, 4000, arxiv="1412.6980")
BATCHNORM = FakePaper(
    "Batch normalization: Accelerating deep network training by reducing internal covariate shift",
    2015,
    3500,
    arxiv="1502.03167",
)
DISTILL = FakePaper("Distilling the knowledge in a neural network", 2015, 1200, arxiv="1503.02531")
TRANSFERABLE = FakePaper("How transferable are features in deep neural networks?", 2014, 1500)
VERY_DEEP = FakePaper("Training very deep networks", 2015, 700)
GLOVE = FakePaper("Glove: Global vectors for word representation", 2014, 6000, acl="D14-1162")
LSTM = FakePaper("Long short-term memory", 1997, 9000, doi="10.1162/neco.1997.9.8.1735")
FOOLED = FakePaper(
    "Deep neural networks are easily fooled: High confidence predictions for unrecognizable images",
    2015,
    900,
    arxiv="1412.1897",
)

CLASSICS = (RESNET, ADAM, BATCHNORM, DISTILL, TRANSFERABLE, VERY_DEEP, GLOVE, LSTM, FOOLED)


def entry(
    title: str,
    year: int | None,
    *urls: str,
    line: int = 1,
    arxiv_id: str | None = None,
    doi: str | None = None,
    acl_id: str | None = None,
) -> Entry:
    """An Entry as the parser would build it for `- **title** (year), A. Author [[pdf]](url)`."""
    links = tuple(Link("pdf" if i == 0 else f"link{i}", url) for i, url in enumerate(urls))
    raw = f"- **{title}** ({year}), A. Author " + " ".join(f"[[pdf]]({u})" for u in urls)
    return Entry(
        raw=raw,
        start_line=line,
        end_line=line,
        section=0,
        title=title,
        year=year,
        links=links,
        arxiv_id=arxiv_id,
        doi=doi,
        acl_id=acl_id,
    )


def arxiv_entry(paper: FakePaper, *, line: int = 1, style: str = "pdf") -> Entry:
    """An entry linking the paper's arXiv pdf (or abs) page, arxiv_id filled as the parser does."""
    assert paper.arxiv
    url = f"http://arxiv.org/{style}/{paper.arxiv}"
    return entry(paper.title, paper.year, url, line=line, arxiv_id=paper.arxiv)


def nips_entry(paper: FakePaper, *, line: int = 1) -> Entry:
    """A title-only entry: a papers.nips.cc link gives no identifier."""
    slug = paper.title.lower().replace(" ", "-").strip("?")
    return entry(paper.title, paper.year, f"http://papers.nips.cc/paper/5347-{slug}.pdf", line=line)


def synthetic(n: int, *, start: int = 1000) -> list[FakePaper]:
    """`n` distinct arXiv papers with made-up ids and counts."""
    return [
        FakePaper(f"Synthetic paper number {i}", 2015, 100 + i, arxiv=f"1601.{start + i:05d}")
        for i in range(n)
    ]


def citation_of(facts: Facts, e: Entry) -> Citation:
    """The entry's citation, failing the test when there is none."""
    found = facts.citation_for(e)
    assert found is not None, f"no citation for {e.key}; unavailable: {facts.unavailable}"
    return found


def link_of(facts: Facts, url: str) -> LinkCheck:
    """The URL's link check, failing the test when it was not checked."""
    found = facts.link(url)
    assert found is not None, f"{url} was not checked; unavailable: {facts.unavailable}"
    return found
