"""Pieces of the GitHub adapter that need no server: payloads, diffs, state, settings, queue."""

from __future__ import annotations

import asyncio
import copy
import json
import logging

import pytest

from bot.github.publish import BotState
from bot.github.pull import PayloadError, added_lines, pull_from_payload
from bot.github.queue import Job, WorkQueue
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


async def test_queue_runs_only_the_newest_head_of_a_burst() -> None:
    ran: list[str] = []
    gate = asyncio.Event()

    def job(key: str, head: str) -> Job:
        async def run(is_current) -> None:
            if head == "h0":
                await gate.wait()
            ran.append(f"{key}@{head}")
        return Job(key, head, f"d-{head}", run)

    q = WorkQueue(workers=2, size=10)
    q.start()
    assert await q.submit(job("pr1", "h0"))
    await asyncio.sleep(0.01)  # h0 is running
    for h in ("h1", "h2", "h3"):
        assert await q.submit(job("pr1", h))
    assert await q.submit(job("pr2", "x1"))
    await asyncio.sleep(0.01)
    assert ran == ["pr2@x1"]  # another PR runs meanwhile; pr1's newer heads wait
    gate.set()
    assert await q.join(timeout=2)
    assert ran == ["pr2@x1", "pr1@h0", "pr1@h3"]
    assert q.dropped == 2
    await q.shutdown(1)


async def test_queue_is_bounded() -> None:
    q = WorkQueue(workers=1, size=2)  # not started: nothing drains
    async def run(is_current) -> None:
        return None
    assert await q.submit(Job("a", "1", "d1", run))
    assert await q.submit(Job("b", "1", "d2", run))
    assert not await q.submit(Job("c", "1", "d3", run))
    assert await q.submit(Job("a", "2", "d4", run))  # replaces a's waiting job


def test_retry_delay_reads_githubs_rate_limit_headers() -> None:
    import time as _time

    from bot.github.api import _retry_delay

    assert _retry_delay(403, {"retry-after": "7"}, b"") == 7.0
    reset = str(int(_time.time()) + 30)
    delay = _retry_delay(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}, b"")
    assert delay is not None and 29 <= delay <= 32
    assert _retry_delay(403, {}, b'{"message": "You have exceeded a secondary rate limit"}') \
        == 60.0
    assert _retry_delay(429, {}, b"") == 60.0
    assert _retry_delay(403, {"x-ratelimit-remaining": "12"}, b'{"message": "Forbidden"}') \
        is None  # a plain permission error is not retried
    assert _retry_delay(404, {"retry-after": "1"}, b"") is None
