"""Pieces of the GitHub adapter that need no server: payloads, diffs, state, settings, queue."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time

import pytest

from bot.github.api import RateLimited, rate_limit_wait
from bot.github.handler import backoff
from bot.github.journal import SqliteJournal
from bot.github.publish import BotState
from bot.github.pull import PayloadError, added_lines, pull_from_payload
from bot.github.queue import Attempt, Job, RetryLater, WorkQueue
from bot.github.settings import AuthMode, ServiceSettings, SettingsError
from bot.logs import KeyValueFormatter
from tests.conftest import FIXTURES

OPENED = json.loads((FIXTURES / "github/webhooks/pull_request.opened.json").read_text())


def test_pull_from_real_payload() -> None:
    pr = pull_from_payload(OPENED)
    assert (pr.owner, pr.repo, pr.number) == ("Codertocat", "Hello-World", 2)
    assert pr.head_sha == OPENED["pull_request"]["head"]["sha"]
    assert pr.installation_id == 1 and pr.base_ref == "master"


@pytest.mark.parametrize(("path", "value", "message"), [
    (("pull_request", "number"), "2", "number"),
    (("pull_request", "head", "sha"), "not-a-sha; rm -rf /", "hexadecimal"),
    (("repository", "name"), "", "repo"),
    (("installation", "id"), "1", "installation"),
])
def test_bad_payloads_are_refused_clearly(path: tuple[str, ...], value: object,
                                          message: str) -> None:
    data = copy.deepcopy(OPENED)
    node = data
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    with pytest.raises(PayloadError, match=message):
        pull_from_payload(data)
    del data["pull_request"]
    with pytest.raises(PayloadError, match="pull_request"):
        pull_from_payload(data)


def test_added_lines_from_a_unified_diff() -> None:
    patch = ("@@ -68,3 +68,4 @@ x\n ctx68\n ctx69\n+added70\n ctx71\n"
             "@@ -100,2 +101,2 @@\n-old\n+new102\n ctx\n\\ No newline at end of file")
    assert added_lines(patch) == frozenset({70, 101})
    assert added_lines(None) == frozenset()


def test_bot_state_round_trip_and_cannot_close_the_comment() -> None:
    state = BotState(("adds-paper", "x-->y"), "abc123", "abc123")
    text = state.render()
    assert text.count("-->") == 1 and text.endswith("-->")
    assert BotState.parse(f"<!-- awesome-papers-bot -->\n{text}\nsummary") == state
    assert BotState.parse("no state here") == BotState()
    assert BotState.parse("<!-- awesome-papers-bot-state {bad json} -->") == BotState()


def test_settings_refuse_to_start_without_a_secret() -> None:
    with pytest.raises(SettingsError, match="GITHUB_WEBHOOK_SECRET"):
        ServiceSettings.from_env({"GITHUB_TOKEN": "t"})
    with pytest.raises(SettingsError, match="GITHUB_APP_ID"):
        ServiceSettings.from_env({"GITHUB_WEBHOOK_SECRET": "s"})
    with pytest.raises(SettingsError, match="PEM"):
        ServiceSettings.from_env({"GITHUB_WEBHOOK_SECRET": "s", "GITHUB_APP_ID": "1",
                                  "GITHUB_PRIVATE_KEY": "nope"})
    with pytest.raises(SettingsError, match="PORT"):
        ServiceSettings.from_env({"GITHUB_WEBHOOK_SECRET": "s", "GITHUB_TOKEN": "t",
                                  "PORT": "http"})
    s = ServiceSettings.from_env({"GITHUB_WEBHOOK_SECRET": "s3cr3t", "GITHUB_TOKEN": "tok3n",
                                  "GITHUB_API_URL": "http://127.0.0.1:1/"})
    assert s.mode is AuthMode.TOKEN and s.api_url == "http://127.0.0.1:1"
    assert "s3cr3t" not in repr(s) and "tok3n" not in repr(s)


def test_log_lines_scrub_secrets() -> None:
    fmt = KeyValueFormatter(["s3cr3t-value"])
    rec = logging.LogRecord("bot", logging.INFO, __file__, 1, "token s3cr3t-value leaked",
                            None, None)
    rec.delivery = "d-1"
    line = fmt.format(rec)
    assert "s3cr3t-value" not in line and "***" in line and "delivery=d-1" in line


def _queue(run, **kw) -> WorkQueue:
    """A queue whose jobs run `run(attempt)`."""
    return WorkQueue(run=run, **kw)


async def test_queue_runs_only_the_newest_head_of_a_burst() -> None:
    ran: list[str] = []
    gate = asyncio.Event()

    async def run(attempt: Attempt) -> None:
        job = attempt.job
        if job.head == "h0":
            await gate.wait()
        ran.append(f"{job.key}@{job.head}")

    q = _queue(run, workers=2, size=10)
    q.start()
    assert await q.submit(Job("pr1", "h0", "d-h0"))
    await asyncio.sleep(0.01)  # h0 is running
    for h in ("h1", "h2", "h3"):
        assert await q.submit(Job("pr1", h, f"d-{h}"))
    assert await q.submit(Job("pr2", "x1", "d-x1"))
    await asyncio.sleep(0.01)
    assert ran == ["pr2@x1"]  # another PR runs meanwhile; pr1's newer heads wait
    gate.set()
    assert await q.join(timeout=2)
    assert ran == ["pr2@x1", "pr1@h0", "pr1@h3"]
    assert q.dropped == 2
    await q.shutdown(1)


async def test_a_worker_cancelled_as_it_is_woken_stops() -> None:
    """Shutdown hung when a worker was cancelled at the instant the queue woke it (Python
    3.11's wait_for swallowed the cancellation; the load test met it under many re-queues)."""
    async def run(attempt: Attempt) -> None:
        raise RetryLater(10.0, "held", count=False)

    q = _queue(run, workers=1, size=10)
    q.start()
    await q.submit(Job("pr", "1", "d"))
    await asyncio.sleep(0.05)  # ran once, re-queued: the worker waits with a 10 s timeout
    [worker] = q._tasks
    async with q.cond:
        q.cond.notify_all()
    worker.cancel()  # woken and cancelled at the same instant
    await asyncio.sleep(0.05)
    assert worker.done()


async def test_queue_is_bounded() -> None:
    q = WorkQueue(workers=1, size=2)  # not started: nothing drains
    assert await q.submit(Job("a", "1", "d1"))
    assert await q.submit(Job("b", "1", "d2"))
    assert not await q.submit(Job("c", "1", "d3"))
    assert await q.submit(Job("a", "2", "d4"))  # replaces a's waiting job


async def test_a_job_asking_to_wait_is_requeued_and_frees_its_worker() -> None:
    ran: list[tuple[str, int]] = []

    async def run(attempt: Attempt) -> None:
        ran.append((attempt.job.key, attempt.job.attempt))
        if attempt.job.key == "slow" and attempt.job.attempt == 1:
            raise RetryLater(0.3, "rate limited")

    q = _queue(run, workers=1, size=10)
    q.start()
    assert await q.submit(Job("slow", "1", "d1"))
    await asyncio.sleep(0.05)
    [waiting] = q.waiting()
    assert waiting.attempt == 2 and waiting.not_before > time.time() + 0.1
    assert q.running == 0  # the only worker is free
    assert await q.submit(Job("other", "1", "d2"))
    await asyncio.sleep(0.05)
    assert ran == [("slow", 1), ("other", 1)]  # ran while "slow" waits
    assert await q.join(timeout=2)
    assert ran[-1] == ("slow", 2)
    await q.shutdown(1)


async def test_a_superseded_requeued_job_still_runs_once_to_clean_up() -> None:
    seen: list[tuple[str, bool]] = []

    async def run(attempt: Attempt) -> None:
        seen.append((attempt.job.head, attempt.is_current()))
        if attempt.job.head == "h1" and attempt.job.attempt == 1:
            raise RetryLater(0.2)

    q = _queue(run, workers=1, size=10)
    q.start()
    assert await q.submit(Job("pr", "h1", "d1"))
    await asyncio.sleep(0.05)
    assert await q.submit(Job("pr", "h2", "d2"))  # a newer head while h1 waits
    assert await q.join(timeout=2)
    assert ("h1", False) in seen and ("h2", True) in seen
    await q.shutdown(1)


async def test_the_journal_gives_a_new_process_the_jobs_left(tmp_path) -> None:
    path = tmp_path / "jobs.sqlite3"
    first = WorkQueue(workers=1, size=10, journal=SqliteJournal(path))
    assert await first.submit(Job("pr", "h1", "d1", {"kind": "review", "n": 1}))
    # the process dies here: nothing ran
    ran: list[Job] = []

    async def run(attempt: Attempt) -> None:
        ran.append(attempt.job)

    second = _queue(run, workers=1, size=10, journal=SqliteJournal(path))
    assert second.start() == 1
    assert await second.join(timeout=2)
    assert [(j.key, j.head, dict(j.task)) for j in ran] == [("pr", "h1",
                                                             {"kind": "review", "n": 1})]
    assert SqliteJournal(path).pending() == []  # done: gone from the journal
    await second.shutdown(1)


def test_rate_limits_are_told_from_refusals_as_github_documents() -> None:
    now = int(time.time())
    assert rate_limit_wait(403, {"retry-after": "7"}, b"") == (True, 7.0)
    limited, wait = rate_limit_wait(
        403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(now + 30)},
        b'{"message": "API rate limit exceeded for installation ID 1."}')
    assert limited and wait is not None and 29 <= wait <= 32
    assert rate_limit_wait(403, {"x-ratelimit-remaining": "12"}, b'{"message": "You have '
                           b'exceeded a secondary rate limit. Please wait."}') == (True, None)
    assert rate_limit_wait(403, {}, b'{"message": "You have exceeded a secondary rate limit '
                           b'and have been temporarily blocked from content creation."}') \
        == (True, None)
    assert rate_limit_wait(429, {}, b"") == (True, None)
    assert rate_limit_wait(403, {"x-ratelimit-remaining": "4999"}, b'{"message": "Resource '
                           b'not accessible by integration"}') == (False, None)
    assert rate_limit_wait(404, {"retry-after": "1"}, b"") == (False, None)
    assert backoff(RateLimited(None), 1) >= 60 and backoff(RateLimited(None), 3) >= 240
    waits = [backoff(RateLimited(2.0), 5) for _ in range(200)]
    assert all(2.0 <= w <= 4.0 for w in waits)  # never before GitHub's time
    assert max(waits) - min(waits) > 1.0  # spread: the jobs a hold stopped do not all return


async def test_waiting_for_another_jobs_rate_limit_costs_no_attempt() -> None:
    seen: list[tuple[int, bool]] = []

    async def run(attempt: Attempt) -> None:
        seen.append((attempt.job.attempt, attempt.last))
        if len(seen) == 1:
            raise RetryLater(0.05, "the installation waits", count=False)
        if len(seen) == 2:
            raise RetryLater(0.05, "GitHub said wait")

    q = _queue(run, workers=1, size=10, max_attempts=2)
    q.start()
    assert await q.submit(Job("pr", "h", "d"))
    assert await q.join(timeout=2)
    assert seen == [(1, False), (1, False), (2, True)]  # the uncounted wait kept attempt 1
    await q.shutdown(1)
