"""Fuzzing the webhook: validly signed deliveries of mutated real payloads never get a 500 and
never leave an unhandled exception in the logs."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.github.webhook import QUEUE, make_app
from tests.fakes.github_server import FakeGitHub
from tests.fakes.webhooks import delivery_headers, load_payload
from tests.service_kit import OFFLINE_CITATIONS, OWNER, REPO, SECRET, settings_for

NAMES = ["pull_request.opened", "pull_request.synchronize", "pull_request.edited.derived",
         "check_run.rerequested", "check_run.created", "ping", "pull_request.closed"]
PAYLOADS = {n: load_payload(n) for n in NAMES}


class Errors(logging.Handler):
    """Collects log records that carry an exception or are errors."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Live:
    """The bot's app on a real port in its own thread, with a fake GitHub behind it."""

    def __init__(self) -> None:
        self.gh = FakeGitHub()
        self.gh.start_in_thread()
        self.gh.add_repo(OWNER, REPO, installation_id=1)
        self.loop = asyncio.new_event_loop()
        self.app = make_app(settings_for(self.gh, BOT_RETRY_BUDGET="1"),
                            citations=OFFLINE_CITATIONS)
        self.runner = web.AppRunner(self.app)
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            self.loop.run_until_complete(site.start())
            self.port = self.runner.addresses[0][1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(10)

    def post(self, event: str, body: bytes) -> int:
        """A delivery signed with the right secret; returns the HTTP status."""
        headers = delivery_headers(event, body, SECRET, str(uuid.uuid4()))
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/webhook", data=body,
                                     headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def drain(self) -> None:
        """Wait for queued reviews to finish."""
        fut = asyncio.run_coroutine_threadsafe(self.app[QUEUE].join(30), self.loop)
        assert fut.result(40)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.gh.stop_thread()


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[Live, Errors]]:
    errors = Errors()
    logging.getLogger().addHandler(errors)
    service = Live()
    try:
        yield service, errors
    finally:
        service.close()
        logging.getLogger().removeHandler(errors)


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON value."""
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            out += _paths(v, (*prefix, i))
    return out


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=3),
    max_leaves=6,
)


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    """A real payload with some values replaced or removed, or raw garbage."""
    name = draw(st.sampled_from(NAMES))
    event = name.split(".")[0]
    if draw(st.integers(0, 9)) == 0:
        return event, draw(st.binary(max_size=200))
    data = copy.deepcopy(PAYLOADS[name])
    paths = _paths(data)[1:]
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            if draw(st.booleans()) and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue
    return event, json.dumps(data).encode()


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutated())
def test_mutated_payloads_never_500(live: tuple[Live, Errors], case: tuple[str, bytes]) -> None:
    service, _ = live
    event, body = case
    assert service.post(event, body) in (200, 202, 400, 503)


def test_no_unhandled_exception_in_logs(live: tuple[Live, Errors]) -> None:
    service, errors = live
    service.drain()
    bad = [r for r in errors.records if r.exc_info or r.name.startswith("aiohttp")]
    assert bad == [], [r.getMessage() for r in bad]
