"""The webhook service: verify, acknowledge within milliseconds, review in the background.

Routes: `POST /webhook` (and `POST /`), `GET /healthz`, `GET /metrics` (Prometheus). A delivery
without a valid `X-Hub-Signature-256` gets 401 and nothing else happens; a body that is not JSON
gets 400; a body over GitHub's 25 MB cap gets 413 before it is read; events the bot does not
handle get 200.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from gidgethub import routing, sansio

from bot import __version__, metrics
from bot.awesome.report import CHECK_NAME
from bot.citations.settings import CitationSettings
from bot.github.backlog import Scheduler
from bot.github.deliveries import Deliveries, MemoryDeliveries, QueueUnavailable
from bot.github.delivery import Refusal, read_delivery, safe_delivery_id
from bot.github.handler import Reviewer
from bot.github.jobs import JobRunner, resolve_job, review_job
from bot.github.journal import SqliteJournal
from bot.github.pull import PayloadError, pull_from_payload
from bot.github.queue import Job, WorkQueue
from bot.github.queue_events import QueueEvent, accept, queue_router
from bot.github.settings import MAX_BODY_BYTES, AuthMode, ServiceSettings
from bot.github.startup import NOT_CHECKED, RECHECK_EVERY, CredentialCheck, check_credentials
from bot.github.triage import QueueKeeper, QueueSettings
from bot.scale.settings import ScaleSettings

log = logging.getLogger("bot.webhook")



@dataclass
class Runtime:
    """What exists only while the app runs (made at start-up, inside the event loop)."""

    reviewer: Reviewer | None = None
    credentials: CredentialCheck = NOT_CHECKED
    remote: bool = False  # reviews run in worker processes (Redis mode)
    scheduler: Scheduler | None = None  # the maintainer's queue (in-process mode)
    relay: Callable[[str, list[Any]], Awaitable[int]] | None = None  # to workers (Redis mode)


SETTINGS = web.AppKey("settings", ServiceSettings)
QUEUE = web.AppKey("queue", WorkQueue)
RUNTIME = web.AppKey("runtime", Runtime)
DELIVERIES = web.AppKey("deliveries", Deliveries)
PROBE = web.AppKey("probe", Callable[[], Awaitable[bool]])
STARTED = web.AppKey("started", float)

PR_ACTIONS = ("opened", "reopened", "synchronize", "ready_for_review", "edited")
router = routing.Router()


def _map(value: Any) -> Mapping[str, Any]:
    """A JSON object, or an empty one when the payload has something else there."""
    return value if isinstance(value, Mapping) else {}


@router.register("pull_request")
async def _on_pull_request(event: sansio.Event, sink: list[Job | str],
                           settings: ServiceSettings) -> None:
    """Review a PR on open, reopen, push, ready-for-review, or a change of base branch."""
    action = event.data.get("action")
    if action not in PR_ACTIONS:
        sink.append(f"pull_request.{action} is not reviewed")
        return
    if action == "edited" and "base" not in _map(event.data.get("changes")):
        sink.append("pull_request.edited without a base change")
        return
    sink.append(review_job(pull_from_payload(event.data), event.delivery_id))


def _ours(app: Mapping[str, Any], settings: ServiceSettings) -> bool:
    """A check run or suite of this App (in token mode, any)."""
    return not settings.app_id or str(app.get("id", "")) == str(settings.app_id)


def _where(event: sansio.Event) -> tuple[str, str, int | None]:
    """Owner, repository and installation of a delivery."""
    repo = _map(event.data.get("repository"))
    owner, name = _map(repo.get("owner")).get("login"), repo.get("name")
    if not isinstance(owner, str) or not isinstance(name, str):
        raise PayloadError("the payload has no repository")
    inst = _map(event.data.get("installation")).get("id")
    return owner, name, inst if isinstance(inst, int) and not isinstance(inst, bool) else None


def _jobs_for(event: sansio.Event, prs: Any, sha: Any, number: int | None,
              new_run: bool, if_unreviewed: bool = False) -> list[Job]:
    """Review the PRs a check run or suite names; when it names none (a fork PR), find them."""
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{7,64}", sha):
        raise PayloadError("the payload's head_sha is not a commit id")
    if isinstance(prs, list) and prs:
        return [review_job(pull_from_payload({
            "pull_request": {"number": _map(pr).get("number"),
                             "head": _map(_map(pr).get("head")),
                             "base": _map(_map(pr).get("base"))},
            "repository": event.data.get("repository"),
            "installation": event.data.get("installation"),
        }), event.delivery_id, new_run=new_run, if_unreviewed=if_unreviewed) for pr in prs]
    owner, name, inst = _where(event)
    return [resolve_job(owner, name, inst, sha, event.delivery_id, number=number,
                        new_run=new_run, if_unreviewed=if_unreviewed)]


@router.register("check_run", action="rerequested")
async def _on_rerequest(event: sansio.Event, sink: list[Job | str],
                        settings: ServiceSettings) -> None:
    """Re-run the review when a maintainer asks for it on the check run: a new run, for the PR
    the run names, or the one in its `external_id` (GitHub lists no PR for a fork's run)."""
    run = _map(event.data.get("check_run"))
    if run.get("name") != CHECK_NAME or not _ours(_map(run.get("app")), settings):
        sink.append("check run of another app")
        return
    ext = run.get("external_id")
    number = int(ext) if isinstance(ext, str) and ext.isdigit() and len(ext) < 10 else None
    prs = [] if number is not None else run.get("pull_requests")
    sink.extend(_jobs_for(event, prs, run.get("head_sha"), number, True))


@router.register("check_suite", action="requested")
@router.register("check_suite", action="rerequested")
async def _on_suite(event: sansio.Event, sink: list[Job | str],
                    settings: ServiceSettings) -> None:
    """A push asks the App for checks (`requested`), or "Re-run all checks" (`rerequested`,
    a new check run): review the suite's PRs, found by commit when the suite lists none."""
    suite = _map(event.data.get("check_suite"))
    if not _ours(_map(suite.get("app")), settings):
        sink.append("check suite of another app")
        return
    rerun = event.data.get("action") == "rerequested"
    # `requested` comes with every push, next to pull_request.synchronize: a head already
    # reviewed is left alone.
    sink.extend(_jobs_for(event, suite.get("pull_requests"), suite.get("head_sha"), None,
                          rerun, if_unreviewed=not rerun))


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
    try:
        return await _take(request, settings, event, delivery)
    except QueueUnavailable as exc:
        log.warning("the job queue is unreachable: answered 503",
                    extra={"delivery": delivery, "reason": str(exc)})
        return _json(503, error="the job queue is unreachable; redeliver later")


async def _take(request: web.Request, settings: ServiceSettings, event: sansio.Event,
                delivery: str) -> web.Response:
    """Route a verified delivery and queue its reviews, once per delivery id."""
    deliveries = request.app[DELIVERIES]
    if await deliveries.seen(event.delivery_id):
        return _json(200, status="duplicate delivery ignored")
    if event.event == "ping":
        return _json(200, status="pong")
    if _sender_is_self(event.data, settings):
        return _json(200, status="ignored: the bot's own action")
    sink: list[Any] = []
    try:
        await router.dispatch(event, sink, settings)
        await queue_router.dispatch(event, sink, settings)
    except PayloadError as exc:
        return _json(400, error=str(exc))
    runtime = request.app[RUNTIME]
    reviewer = runtime.reviewer
    if queued := [x for x in sink if isinstance(x, QueueEvent)]:
        return await _queue_work(request, event.delivery_id, queued)
    jobs = [x for x in sink if isinstance(x, Job)]
    if not jobs:
        reason = next((x for x in sink if isinstance(x, str)), f"{event.event} is not handled")
        return _json(200, status=f"ignored: {reason}")
    queue = request.app[QUEUE]
    if reviewer is None and not runtime.remote:
        return _json(503, error="the service is starting")
    if not await deliveries.claim(event.delivery_id):  # a copy arrived while this one waited
        return _json(200, status="duplicate delivery ignored")
    for job in jobs:
        inst = job.task.get("installation_id", (job.task.get("pr") or {}).get("installation_id"))
        if settings.mode is AuthMode.APP and inst is None:
            await deliveries.release(event.delivery_id)
            return _json(400, error="the delivery names no App installation")
        try:
            queued = await queue.submit(job)
        except QueueUnavailable:
            await _release_quietly(deliveries, event.delivery_id)
            raise
        if not queued:
            await deliveries.release(event.delivery_id)  # so a redelivery is accepted
            log.warning("queue full", extra={"delivery": delivery, "pr": job.key})
            return _json(503, error="the review queue is full; redeliver later")
    log.info("queued", extra={"delivery": delivery, "pr": jobs[0].key, "head": jobs[0].head})
    return _json(202, status="queued")


async def _queue_work(request: web.Request, delivery: str,
                      items: list[QueueEvent]) -> web.Response:
    """Hand pushes, installations, `/recheck` and closed PRs to the maintainer's queue."""
    runtime = request.app[RUNTIME]
    if runtime.remote:
        return await _relay(request, delivery, items)
    if runtime.scheduler is None:
        return _json(503, error="the service is starting")
    if not await request.app[DELIVERIES].claim(delivery):
        return _json(200, status="duplicate delivery ignored")
    if not [accept(runtime.scheduler, item) for item in items].count(True):
        return _json(200, status="ignored: the bot knew nothing of this pull request")
    return _json(202, status="queued")


async def _relay(request: web.Request, delivery: str, items: list[QueueEvent]) -> web.Response:
    """Redis mode: hand the queue events to the workers (bot.scale.events)."""
    runtime, deliveries = request.app[RUNTIME], request.app[DELIVERIES]
    if runtime.relay is None:
        return _json(503, error="the service is starting")
    if not await deliveries.claim(delivery):
        return _json(200, status="duplicate delivery ignored")
    try:
        queued = await runtime.relay(delivery, items)
    except QueueUnavailable:
        await _release_quietly(deliveries, delivery)
        raise
    if not queued:
        return _json(200, status="ignored: a closed pull request (the Redis mode keeps no board)")
    return _json(202, status="queued")


async def _release_quietly(deliveries: Deliveries, delivery: str) -> None:
    """Release a claim when the store may be unreachable too."""
    try:
        await deliveries.release(delivery)
    except Exception as exc:
        log.warning("could not release the delivery", extra={"delivery": delivery,
                                                              "reason": type(exc).__name__})


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus' scrape: counters and gauges in its text format."""
    return web.Response(body=metrics.exposition(), headers={"Content-Type": metrics.CONTENT_TYPE})


async def healthz(request: web.Request) -> web.Response:
    """Liveness: version, uptime and queue depth; never a secret. 503 while the job queue
    (Redis) cannot be reached."""
    queue = request.app[QUEUE]
    probe = request.app.get(PROBE)
    if probe is not None and not await probe():
        return _json(503, status="the job queue is unreachable", version=__version__)
    return _json(200, status="ok" if queue.accepting else "stopping", version=__version__,
                 uptime_s=round(time.monotonic() - request.app[STARTED], 1),
                 queued=queue.depth, completed=queue.completed,
                 credentials=request.app[RUNTIME].credentials.as_json())


async def _recheck(runtime: Runtime, settings: ServiceSettings,
                   session: aiohttp.ClientSession, first: float) -> None:
    """Check the credentials again now and then, for /healthz."""
    await asyncio.sleep(first)
    while True:
        runtime.credentials = await check_credentials(settings, session)
        if runtime.credentials.ok is False:
            log.error("credentials refused", extra={"reason": runtime.credentials.detail})
        await asyncio.sleep(RECHECK_EVERY)


def make_app(settings: ServiceSettings, *, citations: CitationSettings | None = None,
             scale: ScaleSettings | None = None,
             credentials: CredentialCheck | None = None) -> web.Application:
    """The aiohttp application, with its session, reviewer and queue tied to its lifetime
    (with `scale`, Redis' queue instead: worker processes review; `credentials`: the
    start-up check, when it was made before)."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[DELIVERIES] = MemoryDeliveries()
    app[STARTED] = time.monotonic()
    journal = SqliteJournal(settings.journal) if settings.journal else None
    app[QUEUE] = queue = WorkQueue(workers=settings.workers, size=settings.queue_size,
                                   journal=journal, max_attempts=settings.max_attempts)
    app[RUNTIME] = runtime = Runtime(credentials=credentials or NOT_CHECKED)
    queue.run = JobRunner(lambda: runtime.reviewer, queue, app[DELIVERIES])

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=settings.http_timeout,
                                        connect=min(10.0, settings.http_timeout))
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                aiohttp.ClientSession(timeout=timeout) as cite_session:
            cite = citations or CitationSettings.from_env(os.environ,
                                                          budget=settings.citation_budget)
            reviewer = app[RUNTIME].reviewer = Reviewer(settings, session, citations=cite,
                                                        citation_session=cite_session)
            reviewer.queue = app[RUNTIME].scheduler = Scheduler(
                reviewer, app[QUEUE], QueueSettings.from_env(os.environ),
                QueueKeeper(settings.readme_path, settings.config_path))
            app[QUEUE].start()
            forget_depth = metrics.queue_depth_source(lambda: app[QUEUE].depth)
            checks = asyncio.ensure_future(_recheck(runtime, settings, session, RECHECK_EVERY))
            yield
            checks.cancel()
            forget_depth()
            await reviewer.queue.close()
            abandoned = await app[QUEUE].shutdown(settings.shutdown_grace)
            log.info("stopped", extra={"abandoned": abandoned})
            if journal is not None:
                journal.close()

    if scale is None:
        app.cleanup_ctx.append(lifecycle)
    else:
        from bot.scale.web import use_redis

        use_redis(app, scale)
    app.router.add_post("/webhook", webhook)
    app.router.add_post("/", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    return app
