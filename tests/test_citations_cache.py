"""The lookup cache: counts for hours, unknowns for minutes, failures never, bounded in size."""

from __future__ import annotations

from bot.awesome.facts import Citation, LinkCheck, LinkStatus
from bot.citations.cache import NOT_FOUND, CitationCache, Unverified
from bot.citations.settings import CitationSettings


class Clock:
    """A hand-moved clock for TTLs."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


RESNET = Citation(
    5000, "Semantic Scholar", "https://www.semanticscholar.org/paper/x", "ResNet", 2015
)


def test_counts_outlive_unknowns() -> None:
    clock = Clock()
    cache = CitationCache(count_ttl=6 * 3600, unknown_ttl=20 * 60, timer=clock)
    cache.put("ARXIV:1512.03385", RESNET)
    cache.put("TITLE:nobody knows@2015", NOT_FOUND)
    clock.now = 19 * 60
    assert cache.get("ARXIV:1512.03385") == RESNET
    assert cache.get("TITLE:nobody knows@2015") is NOT_FOUND
    clock.now = 21 * 60
    assert cache.get("TITLE:nobody knows@2015") is None
    assert cache.get("ARXIV:1512.03385") == RESNET
    clock.now = 6 * 3600 + 1
    assert cache.get("ARXIV:1512.03385") is None
    assert (cache.hits, cache.misses) == (3, 2)


def test_failures_are_never_cached() -> None:
    cache = CitationCache()
    cache.put("ARXIV:1512.03385", Unverified(("Semantic Scholar: rate limited",)))
    assert cache.get("ARXIV:1512.03385") is None
    assert len(cache) == 0


def test_a_count_replaces_an_earlier_unknown() -> None:
    cache = CitationCache()
    cache.put("DOI:10.1/x", NOT_FOUND)
    cache.put("DOI:10.1/x", RESNET)
    assert cache.get("DOI:10.1/x") == RESNET
    assert len(cache) == 1


def test_size_is_bounded() -> None:
    cache = CitationCache(maxsize=10)
    for i in range(50):
        cache.put(f"ARXIV:1601.{i:05d}", RESNET)
    assert len(cache) == 10


def test_only_definite_link_results_are_kept() -> None:
    cache = CitationCache()
    ok = LinkCheck("https://arxiv.org/abs/1512.03385", LinkStatus.OK, 200)
    dead = LinkCheck("http://example.org/gone", LinkStatus.DEAD, 404)
    flaky = LinkCheck("http://example.org/flaky", LinkStatus.UNREACHABLE, 503)
    for check in (ok, dead, flaky):
        cache.put_link(check)
    assert cache.get_link(ok.url) == ok
    assert cache.get_link(dead.url) == dead
    assert cache.get_link(flaky.url) is None


def test_from_settings_uses_the_configured_size_and_ttls() -> None:
    clock = Clock()
    settings = CitationSettings(count_ttl=10.0, unknown_ttl=1.0, cache_size=3)
    cache = CitationCache.from_settings(settings, timer=clock)
    for i in range(5):
        cache.put(f"k{i}", RESNET)
    cache.put("missing", NOT_FOUND)
    assert len(cache) == 4  # three counts (bounded) and one unknown
    clock.now = 2.0
    assert cache.get("missing") is None
    assert cache.get("k4") == RESNET
    clock.now = 11.0
    assert cache.get("k4") is None
