"""The webhook service: verify, acknowledge within milliseconds, review in the background.

Routes: `POST /webhook` (and `POST /`), `GET /healthz`, `GET /metrics` (Prometheus). A delivery
without a valid `X-Hub-Signature-256` gets 401 and nothing else happens; a body that is not JSON
gets 400; a body over GitHub's 25 MB cap gets 413 before it is read; events the bot does not
handle get 200.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from cachetools import TTLCache
from gidgethub import routing, sansio

from bot import __version__, metrics
from bot.awesome.report import CHECK_NAME
from bot.citations.settings import CitationSettings
from bot.github.delivery import Refusal, read_delivery, safe_delivery_id
from bot.github.handler import Reviewer
from bot.github.pull import PayloadError, PullRef, pull_from_payload
from bot.github.queue import Job, WorkQueue
from bot.github.settings import MAX_BODY_BYTES, AuthMode, ServiceSettings

log = logging.getLogger("bot.webhook")



@dataclass
class Runtime:
    """What exists only while the app runs (made at start-up, inside the event loop)."""

    reviewer: Reviewer | None = None


SETTINGS = web.AppKey("settings", ServiceSettings)
QUEUE = web.AppKey("queue", WorkQueue)
RUNTIME = web.AppKey("runtime", Runtime)
SEEN = web.AppKey("seen", TTLCache)
STARTED = web.AppKey("started", float)

PR_ACTIONS = ("opened", "reopened", "synchronize", "ready_for_review", "edited")
router = routing.Router()


def _map(value: Any) -> Mapping[str, Any]:
    """A JSON object, or an empty one when the payload has something else there."""
    return value if isinstance(value, Mapping) else {}


@router.register("pull_request")
async def _on_pull_request(event: sansio.Event, sink: list[PullRef | str],
                           settings: ServiceSettings) -> None:
    """Review a PR on open, reopen, push, ready-for-review, or a change of base branch."""
    action = event.data.get("action")
    if action not in PR_ACTIONS:
        sink.append(f"pull_request.{action} is not reviewed")
        return
    if action == "edited" and "base" not in _map(event.data.get("changes")):
        sink.append("pull_request.edited without a base change")
        return
    sink.append(pull_from_payload(event.data))


@router.register("check_run", action="rerequested")
async def _on_rerequest(event: sansio.Event, sink: list[PullRef | str],
                        settings: ServiceSettings) -> None:
    """Re-run the review when a maintainer asks for it on the check run."""
    run = _map(event.data.get("check_run"))
    app_id = str(_map(run.get("app")).get("id", ""))
    if run.get("name") != CHECK_NAME or (settings.app_id and app_id != str(settings.app_id)):
        sink.append("check run of another app")
        return
    prs = run.get("pull_requests")
    if not isinstance(prs, list) or not prs:
        sink.append("the check run names no pull request")
        return
    pr = _map(prs[0])
    sink.append(pull_from_payload({
        "pull_request": {"number": pr.get("number"), "head": _map(pr.get("head")),
                         "base": _map(pr.get("base"))},
        "repository": event.data.get("repository"),
        "installation": event.data.get("installation"),
    }))


@dataclass(frozen=True, slots=True)
class RunSeen:
    """GitHub announced one of our check runs (we may never have seen its id: a lost reply)."""

    ref: PullRef
    run_id: int
    status: str


@router.register("check_run", action="created")
async def _on_check_created(event: sansio.Event, sink: list[Any],
                            settings: ServiceSettings) -> None:
    """Note our own check runs, so one whose creation reply was lost is completed too."""
    run = _map(event.data.get("check_run"))
    app_id = str(_map(run.get("app")).get("id", ""))
    run_id, head = run.get("id"), run.get("head_sha")
    if run.get("name") != CHECK_NAME or not settings.app_id or app_id != str(settings.app_id):
        sink.append("check run of another app")
        return
    if not isinstance(run_id, int) or not isinstance(head, str):
        sink.append("the check run has no id")
        return
    repo = _map(event.data.get("repository"))
    owner, name = _map(repo.get("owner")).get("login"), repo.get("name")
    if not isinstance(owner, str) or not isinstance(name, str):
        sink.append("the check run names no repository")
        return
    inst = _map(event.data.get("installation")).get("id")
    ref = PullRef(owner, name, 0, head, head, "", inst if isinstance(inst, int) else None)
    sink.append(RunSeen(ref, run_id, str(run.get("status"))))


def _json(code: int, **body: Any) -> web.Response:
    """A small JSON answer."""
    return web.json_response(body, status=code)


def _sender_is_self(data: Mapping[str, Any], settings: ServiceSettings) -> bool:
    """True for events the bot's own actions caused."""
    login = _map(data.get("sender")).get("login")
    return bool(settings.bot_login) and login == settings.bot_login


async def webhook(request: web.Request) -> web.Response:
    """Verify a delivery, queue its review, and answer at once."""
    settings = request.app[SETTINGS]
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _json(413, error="the body is larger than GitHub's 25 MB payload cap")
    try:
        event = await read_delivery(request, settings.webhook_secret)
    except Refusal as exc:
        if exc.status == 401:
            log.warning("rejected delivery: bad or missing signature", extra={
                "delivery": safe_delivery_id(request.headers.get("X-GitHub-Delivery"))})
        return _json(exc.status, error=exc.message)
    delivery = event.delivery_id
    if not isinstance(event.data, dict):
        return _json(400, error="the JSON body must be an object")
    if not isinstance(event.data.get("action", ""), str):
        return _json(400, error="the payload's action is not a string")
    seen = request.app[SEEN]
    if event.delivery_id in seen:
        return _json(200, status="duplicate delivery ignored")
    if event.event == "ping":
        return _json(200, status="pong")
    own_run = event.event == "check_run" and event.data.get("action") == "created"
    if _sender_is_self(event.data, settings) and not own_run:
        return _json(200, status="ignored: the bot's own action")
    sink: list[Any] = []
    try:
        await router.dispatch(event, sink, settings)
    except PayloadError as exc:
        return _json(400, error=str(exc))
    reviewer = request.app[RUNTIME].reviewer
    for seen_run in (x for x in sink if isinstance(x, RunSeen)):
        if reviewer is not None:
            reviewer.run_announced(seen_run.ref, seen_run.run_id, seen_run.status)
        return _json(202, status="check run noted")
    refs = [x for x in sink if isinstance(x, PullRef)]
    if not refs:
        reason = next((x for x in sink if isinstance(x, str)), f"{event.event} is not handled")
        return _json(200, status=f"ignored: {reason}")
    queue = request.app[QUEUE]
    if reviewer is None:
        return _json(503, error="the service is starting")
    if event.delivery_id in seen:  # a copy of this delivery arrived while this one waited
        return _json(200, status="duplicate delivery ignored")
    seen[event.delivery_id] = True  # claimed before any await below
    for ref in refs:
        if settings.mode is AuthMode.APP and ref.installation_id is None:
            return _json(400, error="the delivery names no App installation")
        job = Job(ref.key, ref.head_sha, event.delivery_id,
                  lambda is_current, r=ref, d=event.delivery_id:
                  reviewer.review(r, delivery=d, is_current=is_current))
        if not await queue.submit(job):
            seen.pop(event.delivery_id, None)  # so a redelivery is accepted
            log.warning("queue full", extra={"delivery": delivery, "pr": ref.key})
            return _json(503, error="the review queue is full; redeliver later")
    log.info("queued", extra={"delivery": delivery, "pr": refs[0].key, "head": refs[0].head_sha})
    return _json(202, status="queued")


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus' scrape: counters and gauges in its text format."""
    return web.Response(body=metrics.exposition(), headers={"Content-Type": metrics.CONTENT_TYPE})


async def healthz(request: web.Request) -> web.Response:
    """Liveness: version, uptime and queue depth; never a secret."""
    queue = request.app[QUEUE]
    return _json(200, status="ok" if queue.accepting else "stopping", version=__version__,
                 uptime_s=round(time.monotonic() - request.app[STARTED], 1),
                 queued=queue.depth, completed=queue.completed)


def make_app(settings: ServiceSettings, *,
             citations: CitationSettings | None = None) -> web.Application:
    """The aiohttp application, with its session, reviewer and queue tied to its lifetime."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[SEEN] = TTLCache(maxsize=20_000, ttl=3 * 24 * 3600)
    app[STARTED] = time.monotonic()
    app[QUEUE] = WorkQueue(workers=settings.workers, size=settings.queue_size)
    app[RUNTIME] = Runtime()

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=settings.http_timeout,
                                        connect=min(10.0, settings.http_timeout))
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                aiohttp.ClientSession(timeout=timeout) as cite_session:
            cite = citations or CitationSettings.from_env(os.environ,
                                                          budget=settings.citation_budget)
            app[RUNTIME].reviewer = Reviewer(settings, session, citations=cite,
                                             citation_session=cite_session)
            app[QUEUE].start()
            forget_depth = metrics.queue_depth_source(lambda: app[QUEUE].depth)
            yield
            forget_depth()
            abandoned = await app[QUEUE].shutdown(settings.shutdown_grace)
            log.info("stopped", extra={"abandoned": abandoned})

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/webhook", webhook)
    app.router.add_post("/", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    return app
