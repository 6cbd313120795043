"""Resolving entries to lookup ids, and reading settings from the environment (pure, no I/O)."""

from __future__ import annotations

import pytest

from bot.awesome.model import Entry, Link
from bot.citations.resolve import (
    PaperRef,
    acl_id_from_url,
    arxiv_id_from_url,
    clean_title,
    doi_from_url,
    resolve,
    strip_arxiv_version,
)
from bot.citations.settings import (
    CLI_BUDGET,
    DEFAULT_OPENALEX_URL,
    DEFAULT_S2_URL,
    CitationSettings,
)
from tests.fakes.papers import entry


def _ref(e: Entry) -> PaperRef:
    ref = resolve(e)
    assert ref is not None
    return ref


# Link targets as they appear in the list's README versions (tests/fixtures/upstream).
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://arxiv.org/pdf/1503.02531", "1503.02531"),
        ("http://arxiv.org/pdf/1302.4389v4", "1302.4389"),
        ("https://arxiv.org/pdf/1501.00092v3.pdf", "1501.00092"),
        ("https://arxiv.org/abs/1702.03275", "1702.03275"),
        ("https://arxiv.org/abs/1512.03385v2", "1512.03385"),
        (
            "https://arxiv.org/pdf/1511.07289.pdf%5Cnhttp://arxiv.org/abs/1511.07289%5Cnhttp://arxiv.org/abs/1511.07289",
            "1511.07289",
        ),
        ("https://arxiv.org/abs/math.GT/0309136v1", "math.GT/0309136"),
        ("http://papers.nips.cc/paper/5850-training-very-deep-networks.pdf", None),
        ("http://www.jmlr.org/proceedings/papers/v37/ioffe15.pdf", None),
    ],
)
def test_arxiv_id_from_url_strips_the_version(url: str, expected: str | None) -> None:
    assert arxiv_id_from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "arxiv_id"),
    [
        ("http://arxiv.org/pdf/1512.03385", None),
        ("http://arxiv.org/pdf/1512.03385v1", None),
        ("https://arxiv.org/abs/1512.03385", None),
        ("https://arxiv.org/abs/1512.03385v3", None),
        ("https://arxiv.org/pdf/1512.03385v2.pdf", "1512.03385"),
        ("http://example.org/resnet.pdf", "1512.03385v2"),
    ],
)
def test_pdf_and_abs_links_with_and_without_version_give_one_s2_id(
    url: str, arxiv_id: str | None
) -> None:
    ref = _ref(entry("Deep residual learning", 2016, url, arxiv_id=arxiv_id))
    assert ref.s2_id == "ARXIV:1512.03385"
    assert ref.key == "ARXIV:1512.03385"
    assert ref.dois == ("10.48550/arxiv.1512.03385",)


def test_strip_arxiv_version() -> None:
    assert strip_arxiv_version("1512.03385v12") == "1512.03385"
    assert strip_arxiv_version("1512.03385") == "1512.03385"


def test_acl_id_from_anthology_links() -> None:
    assert acl_id_from_url("http://anthology.aclweb.org/D/D14/D14-1162.pdf") == "D14-1162"
    assert acl_id_from_url("https://aclanthology.org/2020.acl-main.1.pdf") == "2020.acl-main.1"
    assert acl_id_from_url("http://www.aclweb.org/anthology/N13-1#page=784") is None


def test_acl_link_resolves_to_acl_id_and_volume_link_to_url_id() -> None:
    glove = _ref(entry("Glove", 2014, "http://anthology.aclweb.org/D/D14/D14-1162.pdf"))
    assert glove.s2_id == "ACL:D14-1162"
    volume = _ref(
        entry("Linguistic regularities", 2013, "http://www.aclweb.org/anthology/N13-1#page=784")
    )
    assert volume.s2_id == "URL:http://www.aclweb.org/anthology/N13-1#page=784"


def test_doi_from_publisher_links_but_not_from_citeseer_ids() -> None:
    assert (
        doi_from_url("http://www.mitpressjournals.org/doi/pdfplus/10.1162/neco.1997.9.8.1735")
        == "10.1162/neco.1997.9.8.1735"
    )
    assert doi_from_url("https://doi.org/10.1038/nature14539") == "10.1038/nature14539"
    citeseer = "http://citeseerx.ist.psu.edu/viewdoc/download?doi=10.1.1.149.802&rep=rep1&type=pdf"
    assert doi_from_url(citeseer) is None
    ref = _ref(entry("Some citeseer paper", 2010, citeseer))
    assert ref.s2_id is None and ref.dois == ()


def test_entry_doi_wins_over_links_and_is_lower_cased() -> None:
    ref = _ref(
        entry(
            "Long short-term memory",
            1997,
            "http://example.org/lstm.pdf",
            doi="10.1162/NECO.1997.9.8.1735",
        )
    )
    assert ref.s2_id == "DOI:10.1162/neco.1997.9.8.1735"
    assert ref.dois == ("10.1162/neco.1997.9.8.1735",)


@pytest.mark.parametrize(
    "url",
    [
        "http://papers.nips.cc/paper/5850-training-very-deep-networks.pdf",
        "http://www.cv-foundation.org/openaccess/content_cvpr_2015/papers/Szegedy_Going_Deeper_With_2015_CVPR_paper.pdf",
        "http://www.jmlr.org/papers/volume15/srivastava14a/srivastava14a.pdf",
    ],
)
def test_venue_links_without_ids_fall_back_to_the_title(url: str) -> None:
    ref = _ref(entry("**Training very deep networks**", 2015, url))
    assert ref.s2_id is None
    assert ref.key == "TITLE:training very deep networks@2015"
    assert ref.title == "Training very deep networks"
    assert ref.year == 2015


def test_entry_without_title_or_id_is_not_looked_up() -> None:
    assert resolve(entry("", None, "http://papers.nips.cc/paper/1-x.pdf")) is None
    no_links = Entry(raw="- ???", start_line=3, end_line=3, section=0)
    assert resolve(no_links) is None


def test_non_url_link_targets_are_ignored() -> None:
    e = Entry(
        raw="",
        start_line=1,
        end_line=1,
        section=0,
        title="Dropout",
        year=2014,
        links=(Link("pdf", None), Link("pdf", "arxiv.org/pdf/1207.0580")),
    )
    assert _ref(e).s2_id is None


def test_clean_title_for_queries() -> None:
    assert clean_title("**Long short-term memory**") == "Long short term memory"
    assert clean_title("  Faster R-CNN:\n towards  real-time ") == "Faster R CNN: towards real time"


# --- settings ------------------------------------------------------------------------------


def test_settings_defaults_from_an_empty_environment() -> None:
    s = CitationSettings.from_env({})
    assert s.s2_url == DEFAULT_S2_URL == "https://api.semanticscholar.org/graph/v1"
    assert s.openalex_url == DEFAULT_OPENALEX_URL == "https://api.openalex.org"
    assert s.s2_api_key is None and s.openalex_api_key is None and s.openalex_mailto is None
    assert s.budget == CLI_BUDGET
    assert s.count_ttl >= 3600 > s.unknown_ttl
    assert "x-api-key" not in s.s2_headers
    assert s.openalex_params == {}
    assert s.use_openalex and not s.link_allow_private


def test_settings_read_every_variable_and_hide_keys_from_repr() -> None:
    env = {
        "SEMANTIC_SCHOLAR_API_KEY": "s2-secret",
        "SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1/",
        "OPENALEX_API_URL": "http://127.0.0.1:9",
        "OPENALEX_API_KEY": "oa-secret",
        "OPENALEX_MAILTO": "bot@example.org",
        "CITATION_BUDGET": "7.5",
        "CITATION_CACHE_HOURS": "2",
        "CITATION_UNKNOWN_CACHE_MINUTES": "5",
        "LINK_CHECK_ALLOW_PRIVATE": "1",
    }
    s = CitationSettings.from_env(env)
    assert s.s2_url == "http://127.0.0.1:9/graph/v1"
    assert s.s2_headers["x-api-key"] == "s2-secret"
    assert s.openalex_params == {"api_key": "oa-secret", "mailto": "bot@example.org"}
    assert (s.budget, s.count_ttl, s.unknown_ttl) == (7.5, 7200.0, 300.0)
    assert s.link_allow_private
    assert "secret" not in repr(s)


def test_settings_budget_argument_wins_and_bad_numbers_are_refused() -> None:
    assert CitationSettings.from_env({"CITATION_BUDGET": "9"}, budget=20.0).budget == 20.0
    with pytest.raises(ValueError, match="CITATION_BUDGET"):
        CitationSettings.from_env({"CITATION_BUDGET": "soon"})
    with pytest.raises(ValueError, match="CITATION_CACHE_HOURS"):
        CitationSettings.from_env({"CITATION_CACHE_HOURS": "-1"})
