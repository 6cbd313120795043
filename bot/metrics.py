"""Prometheus metrics for the service (`GET /metrics`), and the small hooks that move them.

The service's modules call the hooks (`review_finished`, `github_answered`, `citation_cache`);
values read from elsewhere at scrape time (the queue depth, a Redis queue's length) are
registered with `gauge_source` and read only when Prometheus scrapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

PREFIX = "awesome_papers"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

REVIEWS = Counter(f"{PREFIX}_reviews", "Reviews finished, by outcome and conclusion.",
                  ("outcome", "conclusion"), registry=REGISTRY)
REVIEW_SECONDS = Histogram(f"{PREFIX}_review_duration_seconds",
                           "Time from the start of a review to its end (reads, lookups, "
                           "publishing).", registry=REGISTRY,
                           buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300))
GITHUB_CALLS = Counter(f"{PREFIX}_github_requests", "Requests to GitHub's API, by method and "
                       "answer status (`error` when no answer came).", ("method", "status"),
                       registry=REGISTRY)
RATE_LIMIT = Gauge(f"{PREFIX}_github_rate_limit_remaining", "Requests left in GitHub's rate "
                   "limit window, as its latest answer said (x-ratelimit-remaining).",
                   ("resource",), registry=REGISTRY)
CACHE_HITS = Counter(f"{PREFIX}_citation_cache_hits", "Citation lookups answered from the "
                     "cache.", registry=REGISTRY)
CACHE_MISSES = Counter(f"{PREFIX}_citation_cache_misses", "Citation lookups the cache could "
                       "not answer.", registry=REGISTRY)


class _Sources(Collector):
    """Gauges whose value is read from a callable at scrape time."""

    def __init__(self) -> None:
        self._sources: dict[str, tuple[str, dict[tuple[tuple[str, str], ...],
                                                  Callable[[], float]]]] = {}

    def add(self, name: str, doc: str, read: Callable[[], float],
            labels: Mapping[str, str]) -> Callable[[], None]:
        """Register one source; returns the function that removes it again."""
        _, by_labels = self._sources.setdefault(name, (doc, {}))
        key = tuple(sorted(labels.items()))
        by_labels[key] = read

        def remove() -> None:
            if by_labels.get(key) is read:
                del by_labels[key]
        return remove

    def describe(self) -> Iterable[GaugeMetricFamily]:
        """Nothing up front: the set of sources changes while the process runs."""
        return []

    def collect(self) -> Iterable[GaugeMetricFamily]:
        """One gauge family per name; a source that fails to answer is left out."""
        for name, (doc, by_labels) in list(self._sources.items()):
            names = sorted({k for key in by_labels for k, _ in key})
            family = GaugeMetricFamily(name, doc, labels=names)
            for key, read in list(by_labels.items()):
                try:
                    value = float(read())
                except Exception:  # a scrape must not fail because one source did
                    continue
                given = dict(key)
                family.add_metric([given.get(n, "") for n in names], value)
            yield family


_SOURCES = _Sources()
REGISTRY.register(_SOURCES)
QUEUE_DEPTH = f"{PREFIX}_queue_depth"


def gauge_source(name: str, doc: str, read: Callable[[], float],
                 **labels: str) -> Callable[[], None]:
    """Report `read()` as gauge `name` (with `labels`) at every scrape; returns an unregister.

    Registering again with the same name and labels replaces the earlier source.
    """
    return _SOURCES.add(name, doc, read, labels)


def queue_depth_source(read: Callable[[], float], queue: str = "memory") -> Callable[[], None]:
    """Report the number of reviews waiting in one queue (`memory`, `redis`, ...)."""
    return gauge_source(QUEUE_DEPTH, "Reviews waiting to start, by queue.", read, queue=queue)


def review_finished(outcome: str, conclusion: str | None, seconds: float) -> None:
    """Count one finished review and record how long it took."""
    REVIEWS.labels(outcome, conclusion or "none").inc()
    REVIEW_SECONDS.observe(max(0.0, seconds))


def github_answered(method: str, status: int | None, headers: Mapping[str, str]) -> None:
    """Count one request to GitHub (status None: no answer) and note its rate limit."""
    GITHUB_CALLS.labels(method, str(status) if status else "error").inc()
    remaining = headers.get("x-ratelimit-remaining")
    if remaining is not None:
        try:
            value = float(remaining)
        except ValueError:
            return
        RATE_LIMIT.labels(headers.get("x-ratelimit-resource", "core")).set(value)


def citation_cache(hit: bool) -> None:
    """Count one citation cache lookup."""
    (CACHE_HITS if hit else CACHE_MISSES).inc()


def exposition() -> bytes:
    """Every metric in Prometheus' text format."""
    return generate_latest(REGISTRY)
