"""`GET /metrics` after a real review, and log lines in logfmt and JSON."""

from __future__ import annotations

import json
import logging
import re
import shlex

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import logs, metrics
from tests.conftest import pr_texts
from tests.fakes.github_server import FakeGitHub
from tests.service_kit import Service, start_service

HEAD = "1" * 40


async def _scrape(svc: Service) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = await svc.client.get("/metrics")
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
    text = await resp.text()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def _sum(samples: dict, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels`."""
    return sum(v for (n, lbs), v in samples.items()
               if n == name and set(labels.items()) <= set(lbs))


async def test_metrics_move_after_a_review(aiohttp_client) -> None:
    async with FakeGitHub() as gh:
        svc = await start_service(aiohttp_client, gh)
        before = await _scrape(svc)
        base, head = pr_texts("072")
        svc.add_pr(72, base, head, HEAD)
        await svc.deliver("pull_request", svc.payload("pull_request.opened", 72, HEAD))
        await svc.settle()
        after = await _scrape(svc)
    p = metrics.PREFIX

    def moved(name: str, **labels: str) -> float:
        return _sum(after, name, **labels) - _sum(before, name, **labels)

    assert moved(f"{p}_reviews_total", outcome="published", conclusion="failure") == 1
    assert moved(f"{p}_review_duration_seconds_count") == 1
    assert moved(f"{p}_github_requests_total", method="GET", status="200") >= 3
    assert moved(f"{p}_github_requests_total", method="POST", status="201") >= 2
    assert moved(f"{p}_citation_cache_misses_total") >= 1  # 072 adds a paper to look up
    limit = _sum(after, f"{p}_github_rate_limit_remaining", resource="core")
    assert 0 < limit < 5000
    assert (f"{p}_queue_depth", (("queue", "memory"),)) in after
    assert _sum(after, f"{p}_queue_depth", queue="memory") == 0


def test_a_registered_gauge_source_is_read_at_scrape_and_removed() -> None:
    depth = [7]
    forget = metrics.queue_depth_source(lambda: depth[0], queue="redis")
    text = metrics.exposition().decode()
    assert re.search(r'^awesome_papers_queue_depth\{queue="redis"\} 7\.0$', text, re.M)
    depth[0] = 3
    assert 'queue="redis"} 3.0' in metrics.exposition().decode()
    forget()
    assert 'queue="redis"' not in metrics.exposition().decode()


def test_a_failing_source_does_not_break_the_scrape() -> None:
    forget = metrics.gauge_source("awesome_papers_test_broken", "Broken.", lambda: 1 / 0)
    try:
        assert b"awesome_papers_reviews_total" in metrics.exposition()
    finally:
        forget()


def _record(msg: str, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("bot.review", logging.INFO, __file__, 1, msg, None, None)
    for k, v in extra.items():
        setattr(rec, k, v)
    return rec


def test_logfmt_lines_quote_values_with_spaces_and_parse_back() -> None:
    rec = _record("review failed", reason='GitHub answered 422: "bad" = x', pr=68,
                  repo="o/r", conclusion=None)
    line = logs.LogfmtFormatter().format(rec)
    assert "\n" not in line
    # every token is key=value; shlex reads the quoted values back as they were
    pairs = dict(tok.split("=", 1) for tok in shlex.split(line))
    assert pairs["msg"] == "review failed" and pairs["pr"] == "68" and pairs["repo"] == "o/r"
    assert pairs["reason"] == 'GitHub answered 422: "bad" = x'
    assert pairs["level"] == "info" and pairs["logger"] == "bot.review"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", pairs["time"])


def test_json_lines_and_scrubbing_in_one_place() -> None:
    fmt = logs.JsonFormatter(["s3cr3t-value"])
    try:
        raise RuntimeError("boom s3cr3t-value")
    except RuntimeError:
        import sys
        rec = _record("token s3cr3t-value leaked", delivery="d-1", writes=2)
        rec.exc_info = sys.exc_info()
    doc = json.loads(fmt.format(rec))
    assert doc["msg"] == "token *** leaked" and doc["delivery"] == "d-1" and doc["writes"] == 2
    assert "RuntimeError: boom ***" in doc["exc"]
    assert "s3cr3t-value" not in json.dumps(doc)


def test_log_settings_from_the_environment() -> None:
    assert logs.log_settings({}) == (logs.LogFormat.LOGFMT, logging.INFO)
    assert logs.log_settings({"LOG_FORMAT": "JSON", "LOG_LEVEL": "debug"}) == (
        logs.LogFormat.JSON, logging.DEBUG)
    with pytest.raises(ValueError, match="LOG_FORMAT must be logfmt or json"):
        logs.log_settings({"LOG_FORMAT": "xml"})
    with pytest.raises(ValueError, match="LOG_LEVEL must be one of"):
        logs.log_settings({"LOG_LEVEL": "loud"})


async def test_the_review_log_line_counts_writes_github_accepted(aiohttp_client, caplog) -> None:
    """With every write refused (a read-only installation), the line says writes=0."""
    async with FakeGitHub(read_only_tokens=True) as gh:
        svc = await start_service(aiohttp_client, gh)
        base, head = pr_texts("068")
        svc.add_pr(68, base, head, HEAD)
        with caplog.at_level(logging.INFO, logger="bot.review"):
            await svc.deliver("pull_request", svc.payload("pull_request.opened", 68, HEAD))
            await svc.settle()
        tried = [c for c in gh.calls if c.method != "GET" and "access_tokens" not in c.path]
        accepted = [c for c in gh.calls if c.method != "GET" and 200 <= c.status < 300]
    [line] = [r for r in caplog.records if r.getMessage() == "review"]
    assert tried and all(c.status == 403 for c in tried)
    assert line.writes == len(accepted) == 1  # only the installation token was granted
    assert "writes=1 " in logs.LogfmtFormatter().format(line)
