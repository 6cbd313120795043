"""Load and chaos test of the webhook service: many signed deliveries, faults in GitHub, and a
check that every pull request still ends with exactly one up-to-date review.

    python benchmarks/load_service.py          # 500 deliveries, 100 PRs, 50 in flight, 10% faults
    python benchmarks/load_service.py --quick  # 100 deliveries, 20 PRs
    python benchmarks/load_service.py --help

Everything runs in this process and talks only to 127.0.0.1: the fake GitHub
(tests/fakes/github_server.py, a small latency on every request, no primary rate limit) and the
real service app (`bot.github.webhook.make_app`) on a real port. The PRs are the real upstream
PRs 068 and 072 (alternating), spread over a few App installations (the bot paces writes per
installation, at most BOT_WRITES_PER_MINUTE=500). Each PR gets an `opened` delivery, then
`synchronize` bursts push new heads to random PRs several times in quick succession, and some
deliveries are redelivered with the same X-GitHub-Delivery id, at once or later. While the
reviews run, a controller keeps about `--fault-rate` of GitHub's requests faulted (500/502/503,
403 secondary rate limit and 429 with retry-after: 1, connection resets, delays), on the routes
being called. After every delivery is answered and the queue has drained, the final state on the
fake GitHub is checked PR by PR and a table is printed (definitions below it). The exit status is
1 when any duplicate or lost review is found (the offending PRs are listed), else 0.
This is not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import hashlib
import json
import logging
import random
import resource
import sys
import time
import traceback
import tracemalloc
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.awesome.report import CHECK_NAME, MARKER  # noqa: E402
from bot.awesome.review import review as offline_review  # noqa: E402
from bot.github.publish import BotState  # noqa: E402
from bot.github.pull import added_lines  # noqa: E402
from bot.github.webhook import QUEUE, RUNTIME, make_app  # noqa: E402
from tests.conftest import pr_texts  # noqa: E402
from tests.fakes.github_server import FakeGitHub, Fault  # noqa: E402
from tests.fakes.webhooks import delivery_headers, encode, payload_for  # noqa: E402
from tests.service_kit import OFFLINE_CITATIONS, SECRET, readme_file, settings_for  # noqa: E402

OWNER, REPO = "terryum", "awesome-deep-learning-papers"
FIXTURES = ("068", "072")
BASE_SHAS = {"068": "a" * 40, "072": "b" * 40}
ACK_TIMEOUT = 10.0  # GitHub gives up on a delivery after 10 s
# Titles the bot gives a check run that does not carry a review of the head.
NOT_A_REVIEW = frozenset({"Superseded by a newer push", "Review could not finish",
                          "Review abandoned", "Reviewing the list's README"})

# Route globs (fnmatch: `*` also matches `/`) and methods of the calls a review makes; a fault is
# armed on the route of a call just seen, so faults follow the traffic.
ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/app/installations/*/access_tokens"),
    ("GET", "/repos/*/pulls/*/files"),
    ("GET", "/repos/*/pulls/*[0-9]"),
    ("POST", "/repos/*/pulls/*/reviews"),
    ("GET", "/repos/*/contents/*"),
    ("GET", "/repos/*/issues/*/comments"),
    ("POST", "/repos/*/issues/*/comments"),
    ("PATCH", "/repos/*/issues/comments/*"),
    ("GET", "/repos/*/issues/*/labels"),
    ("POST", "/repos/*/issues/*/labels"),
    ("DELETE", "/repos/*/issues/*/labels/*"),
    ("GET", "/repos/*/labels/*"),
    ("POST", "/repos/*/labels"),
    ("POST", "/repos/*/check-runs"),
    ("PATCH", "/repos/*/check-runs/*"),
    ("GET", "/repos/*/commits/*/check-runs"),
)
FAULT_KINDS = {  # kind -> weight
    "500": 1.0, "502": 1.5, "503": 1.5, "403-secondary": 1.5, "403-primary": 0.5, "429": 1.0,
    "reset": 1.5, "delay": 1.0,
}
# Not in the default mix: the write is done, then the connection drops before the answer.
EXTRA_KINDS = {"lost-reply": 1.5}


def route_of(method: str, path: str) -> tuple[str, str] | None:
    """The route glob of one call, None for a call no review makes."""
    for m, glob in ROUTES:
        if m == method and fnmatch.fnmatchcase(path, glob):
            return m, glob
    return None


def sha_of(*parts: object) -> str:
    """A commit id made from the parts."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the values, 0 when there are none."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))]


# --- the pull requests ------------------------------------------------------------------------


@dataclass
class Variant:
    """One version of a PR's README and what the offline review says about it."""

    head: str
    files: list[dict[str, Any]]
    line_comments: int


@dataclass
class PR:
    """One pull request of the run and its pushes."""

    owner: str
    repo: str
    number: int
    installation: int
    fixture: str
    heads: list[str] = field(default_factory=list)  # in push order; the last is the newest
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def key(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"


def variants_of(fixture: str) -> list[Variant]:
    """The README heads the PR's pushes cycle through: the real head, then a real-looking edit."""
    base, head = pr_texts(fixture)
    edited = (head.replace("-  SQuAD", "- SQuAD") if fixture == "068"
              else head.replace("(2016), C. Zhang et al.", "(2016), C. Zhang et al. ", 1))
    out = []
    for text in (head, edited):
        f = readme_file(base, text)
        n = len(offline_review(base, text, commentable=added_lines(f["patch"])).line_comments)
        out.append(Variant(text, [f], n))
    return out


# --- deliveries -------------------------------------------------------------------------------


@dataclass
class Sent:
    """One POST to /webhook and its answer."""

    delivery: str
    kind: str  # opened | synchronize | redelivery
    pr: str
    head: str
    status: int | None = None
    answer: str = ""
    latency_ms: float = 0.0
    error: str | None = None


class Load:
    """Sends the deliveries: at most `concurrency` in flight."""

    def __init__(self, session: aiohttp.ClientSession, url: str, concurrency: int,
                 jitter: float = 0.0, rng: random.Random | None = None) -> None:
        self.session = session
        self.url = url
        self.jitter = jitter
        self.rng = rng or random.Random(0)
        self.sem = asyncio.Semaphore(concurrency)
        self.sent: list[Sent] = []
        self.bodies: dict[str, tuple[str, bytes, Sent]] = {}  # delivery id -> event, raw, first
        self.tasks: set[asyncio.Task[Sent]] = set()
        self.in_flight = 0
        self.peak_in_flight = 0

    async def _post(self, event: str, raw: bytes, rec: Sent) -> Sent:
        headers = delivery_headers(event, raw, SECRET, rec.delivery)
        if self.jitter:  # GitHub sends each delivery on its own: no order is promised
            await asyncio.sleep(self.rng.uniform(0, self.jitter))
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        started = time.perf_counter()
        try:
            async with self.session.post(self.url, data=raw, headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=ACK_TIMEOUT)) as r:
                text = await r.text()
                rec.status = r.status
                try:
                    rec.answer = str(json.loads(text).get("status") or json.loads(text))
                except (ValueError, AttributeError):
                    rec.answer = text[:80]
        except (TimeoutError, aiohttp.ClientError) as exc:
            rec.error = type(exc).__name__
        finally:
            rec.latency_ms = (time.perf_counter() - started) * 1000
            self.in_flight -= 1
            self.sem.release()
        return rec

    async def send(self, event: str, raw: bytes, rec: Sent) -> asyncio.Task[Sent]:
        """Start one delivery once a slot is free; the task ends with its answer."""
        await self.sem.acquire()
        self.sent.append(rec)
        self.bodies.setdefault(rec.delivery, (event, raw, rec))
        task = asyncio.ensure_future(self._post(event, raw, rec))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def redeliver(self, delivery: str) -> asyncio.Task[Sent]:
        """Send a delivery again with the same id and body, as GitHub's "Redeliver" does."""
        event, raw, first = self.bodies[delivery]
        return await self.send(event, raw, Sent(delivery, "redelivery", first.pr, first.head))

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))


def payload_bytes(pr: PR, k: int) -> bytes:
    """The real example payload of the PR's k-th head (0: `opened`), encoded as GitHub sends it."""
    return encode(payload_for("pull_request.opened" if k == 0 else "pull_request.synchronize",
                              owner=pr.owner, repo=pr.repo, number=pr.number,
                              head_sha=sha_of(pr.key, k), base_sha=BASE_SHAS[pr.fixture],
                              installation_id=pr.installation,
                              before=sha_of(pr.key, k - 1) if k else None))


# --- faults -----------------------------------------------------------------------------------


def ctx_json(raw: bytes) -> Any:
    """A request body as JSON, None when it is not."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


class ChaosGitHub(FakeGitHub):
    """The fake GitHub, plus one fault its `inject` has not: a write that GitHub did but whose
    answer never arrives (the connection drops after the fake acted)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.lost_replies: list[Fault] = []
        self.lost: list[tuple[str, str, dict[str, str], Any]] = []  # method, path, query, json

    async def _handle(self, request: web.Request, raw: bytes, info: dict[str, Any]) -> Any:
        reply = await super()._handle(request, raw, info)
        fault = next((f for f in self.lost_replies if f.matches(request.method, request.path)),
                     None)
        if fault is not None and 200 <= reply.status < 300:
            fault.hits += 1
            self.lost.append((request.method, request.path, dict(request.query.items()),
                              ctx_json(raw)))
            if request.transport is not None:
                request.transport.abort()
        return reply


@dataclass
class Chaos:
    """Keeps about `rate` of the fake's requests faulted, on the routes in use."""

    gh: ChaosGitHub
    rate: float
    kinds: dict[str, float]
    rng: random.Random
    armed: list[tuple[str, str, str, Fault]] = field(default_factory=list)  # kind, method, glob
    _seen: int = 0
    _credit: float = 0.0
    running: bool = True

    def arm(self, method: str, glob: str) -> None:
        kind = self.rng.choices(list(self.kinds), weights=list(self.kinds.values()))[0]
        gh = self.gh
        if kind in ("500", "502", "503"):
            fault = gh.inject(glob, method, status=int(kind), times=1)
        elif kind == "403-secondary":
            fault = gh.inject_secondary_rate_limit(glob, method, status=403,
                                                   retry_after=self.rng.choice((1, 2)))
        elif kind == "429":
            fault = gh.inject_secondary_rate_limit(glob, method, status=429,
                                                   retry_after=self.rng.choice((1, 2)))
        elif kind == "403-primary":
            fault = gh.inject(glob, method, status=403, times=1, headers={
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(int(time.time()) + self.rng.choice((1, 2)))},
                body={"message": "API rate limit exceeded for installation ID 1.",
                      "documentation_url": "https://docs.github.com/rest"})
        elif kind == "reset" or (kind == "lost-reply" and method == "GET"):
            kind = "reset"
            fault = gh.inject(glob, method, reset=True, times=1)
        elif kind == "lost-reply":
            fault = Fault(glob, method)
            gh.lost_replies.append(fault)
        else:
            fault = gh.inject(glob, method, delay=round(self.rng.uniform(0.2, 1.5), 2), times=1)
        self.armed.append((kind, method, glob, fault))

    async def run(self) -> None:
        while self.running:
            await asyncio.sleep(0.02)
            new = self.gh.calls[self._seen:]
            self._seen += len(new)
            # Every request counts, faulted ones too: faults / all requests ~ rate.
            routes = [r for c in new if (r := route_of(c.method, c.path)) is not None]
            self._credit += self.rate * len(routes)
            while self._credit >= 1 and routes:
                self._credit -= 1
                self.arm(*self.rng.choice(routes))

    def stop(self) -> dict[str, tuple[int, int]]:
        """Disarm what is left; per kind: (armed, hit)."""
        self.running = False
        self.gh.clear_faults()
        self.gh.lost_replies.clear()
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for kind, _, _, fault in self.armed:
            out[kind][0] += 1
            out[kind][1] += fault.hits
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}


# --- what the bot logged ----------------------------------------------------------------------


class Collect(logging.Handler):
    """Keeps the bot's log records (nothing is printed)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Result:
    rows: list[tuple[str, str]]
    problems: list[str]
    notes: list[str]


async def run(args: argparse.Namespace) -> Result:
    rng = random.Random(args.seed)
    variants = {f: variants_of(f) for f in FIXTURES}
    collect = Collect()
    for name in ("bot", "aiohttp.server", "aiohttp.web"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [collect]
        lg.setLevel(logging.INFO)
        lg.propagate = False
    if args.tracemalloc:
        tracemalloc.start()

    # The run writes faster than GitHub's content-creation limit on purpose (to load the
    # service), so the fake's limit is off here; tests cover it.
    async with ChaosGitHub(latency=args.latency_ms / 1000, rate_limit=10**9,
                           content_limits=False) as gh:
        installs = max(1, min(args.installations, args.prs))
        prs: list[PR] = []
        for i in range(installs):
            owner = OWNER if i == 0 else f"{OWNER}-{i + 1}"
            gh.add_repo(owner, REPO, installation_id=i + 1)
            for fixture in FIXTURES:
                base, _ = pr_texts(fixture)
                gh.set_file(owner, REPO, BASE_SHAS[fixture], "README.md", base)
        for n in range(1, args.prs + 1):
            i = (n - 1) % installs
            owner = OWNER if i == 0 else f"{OWNER}-{i + 1}"
            pr = PR(owner, REPO, n, i + 1, FIXTURES[(n - 1) % 2])
            prs.append(pr)

        env = {"BOT_WORKERS": str(args.workers), "BOT_QUEUE_SIZE": str(args.queue_size),
               "BOT_WRITES_PER_MINUTE": str(args.writes_per_minute),
               "BOT_CONCURRENT_REQUESTS": str(args.concurrent_requests),
               "BOT_RETRY_BUDGET": str(args.retry_budget),
               "BOT_INLINE_WAIT": str(args.inline_wait),
               "BOT_IN_PROGRESS_AFTER": str(args.in_progress_after),
               "BOT_CHECK_LINKS": "0", "BOT_SHUTDOWN_GRACE": "2"}
        app = make_app(settings_for(gh, **env), citations=OFFLINE_CITATIONS)
        arrivals: list[tuple[float, float, str, int]] = []  # handler start, end, id, status

        @web.middleware
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            t0 = time.perf_counter()
            resp = await handler(request)
            arrivals.append((t0, time.perf_counter(),
                             request.headers.get("X-GitHub-Delivery", "-"), resp.status))
            return resp

        app.middlewares.append(record)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/webhook"

        # Count what every review job ended as.
        reviewer = app[RUNTIME].reviewer
        assert reviewer is not None
        outcomes: Counter[str] = Counter()
        retries = [0]  # requests the bot's client retried (transient answers, resets, limits)
        jobs: dict[str, list[tuple[str, str, list[str]]]] = defaultdict(list)
        original = reviewer.review_once

        async def counted(ref: Any, **kw: Any) -> Any:
            try:
                result = await original(ref, **kw)
            except BaseException as exc:
                outcomes["crashed"] += 1
                jobs[ref.key].append((ref.head_sha, f"crashed: {exc!r}", []))
                raise
            outcomes[result.outcome.value] += 1
            retries[0] += result.stats.retries
            jobs[ref.key].append((ref.head_sha, result.outcome.value, list(result.problems)))
            return result

        reviewer.review_once = counted  # type: ignore[method-assign]

        # The plan, and every payload, before the clock starts.
        n_redeliver = min(round(args.deliveries * args.redeliver_rate),
                          max(0, args.deliveries - args.prs))
        n_sync = max(0, args.deliveries - args.prs - n_redeliver)
        bursts: list[list[int]] = []  # per push: 1 when it is also redelivered at once
        left = n_sync
        while left > 0:
            size = min(left, rng.randint(2, 5))
            bursts.append([0] * size)
            left -= size
        slots = [(b, j) for b, burst in enumerate(bursts) for j in range(len(burst))]
        for b, j in rng.sample(slots, min(n_redeliver // 2, len(slots))):
            bursts[b][j] = 1
        n_immediate = sum(map(sum, bursts))
        spread = args.burst_window if args.burst_window is not None else max(0.5, n_sync / 37)
        plan = [(steps, rng.choice(prs), rng.uniform(0, spread)) for steps in bursts]
        pushes = Counter({pr.key: 1 for pr in prs})
        for steps, pr, _ in plan:
            pushes[pr.key] += len(steps)
        payloads = {(pr.key, k): payload_bytes(pr, k) for pr in prs
                    for k in range(pushes[pr.key])}

        chaos = Chaos(gh, args.fault_rate, args.fault_kinds, random.Random(args.seed + 1))
        chaos_task = asyncio.ensure_future(chaos.run())
        lags: list[float] = []

        async def watch_loop() -> None:
            while True:
                t = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append((time.perf_counter() - t - 0.01) * 1000)

        lag_task = asyncio.ensure_future(watch_loop())
        queue = app[QUEUE]
        started = time.monotonic()
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            load = Load(session, url, args.concurrency, jitter=args.jitter_ms / 1000,
                        rng=random.Random(args.seed + 2))

            # 1. `opened` for every PR.
            for pr in prs:
                v = variants[pr.fixture][0]
                head = sha_of(pr.key, 0)
                gh.set_file(pr.owner, pr.repo, head, "README.md", v.head)
                gh.add_pull(pr.owner, pr.repo, pr.number, base_sha=BASE_SHAS[pr.fixture],
                            head_sha=head, files=v.files)
                pr.heads.append(head)
                await load.send("pull_request", payloads[pr.key, 0],
                                Sent(sha_of("d", pr.key, 0), "opened", pr.key, head))
            await load.drain()

            # 2. `synchronize` bursts (some pushes' deliveries sent twice at once), then late
            #    redeliveries of random earlier deliveries.
            async def burst(steps: list[int], pr: PR, at: float) -> None:
                await asyncio.sleep(at)
                async with pr.lock:
                    for twice in steps:
                        k = len(pr.heads)
                        v = variants[pr.fixture][k % 2]
                        head = sha_of(pr.key, k)
                        gh.set_file(pr.owner, pr.repo, head, "README.md", v.head)
                        gh.push(pr.owner, pr.repo, pr.number, head, files=v.files)
                        pr.heads.append(head)
                        rec = Sent(sha_of("d", pr.key, k), "synchronize", pr.key, head)
                        task = await load.send("pull_request", payloads[pr.key, k], rec)
                        if twice:
                            await load.redeliver(rec.delivery)
                        if args.ordered:
                            await task
                        await asyncio.sleep(rng.uniform(0.002, 0.03))

            await asyncio.gather(*(burst(*item) for item in plan))
            await load.drain()
            firsts = [s.delivery for s in load.sent if s.kind != "redelivery"]
            for d in rng.sample(firsts, min(n_redeliver - n_immediate, len(firsts))):
                await load.redeliver(d)
            await load.drain()
            acked_at = time.monotonic()

            # 3. GitHub does not retry a 503; a maintainer presses "Redeliver" once the queue
            #    has room. One round, after the queue drained.
            rejected = [s for s in load.sent if s.status == 503]
            redone: list[Sent] = []
            if rejected:
                await queue.join(timeout=args.drain_timeout)
                before = len(load.sent)
                for d in dict.fromkeys(s.delivery for s in rejected):
                    await load.redeliver(d)
                await load.drain()
                redone = load.sent[before:]

            drained = await queue.join(timeout=max(1.0, args.drain_timeout
                                                   - (time.monotonic() - acked_at)))
            drained_at = time.monotonic()
        faults = chaos.stop()
        await chaos_task
        lag_task.cancel()
        wall = drained_at - started
        depth_left, running_left = queue.depth, queue.running
        deferred = queue.deferred
        traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else 0
        await runner.cleanup()

        return judge(args, gh, prs, variants, load, redone, outcomes, jobs, faults, arrivals,
                     collect, lags, retries=retries[0], wall=wall,
                     ack_wall=acked_at - started, drained=drained,
                     left=(depth_left, running_left), traced_peak=traced_peak,
                     deferred=deferred)


def judge(args: argparse.Namespace, gh: ChaosGitHub, prs: list[PR],
          variants: dict[str, list[Variant]], load: Load, redone: list[Sent],
          outcomes: Counter[str], jobs: dict[str, list[tuple[str, str, list[str]]]],
          faults: dict[str, tuple[int, int]],
          arrivals: list[tuple[float, float, str, int]],
          collect: Collect, lags: list[float], *, retries: int, wall: float,
          ack_wall: float, drained: bool, left: tuple[int, int], traced_peak: int,
          deferred: int) -> Result:
    """Check the final state on the fake GitHub and build the table."""
    problems: list[str] = []
    notes: list[str] = []
    sent = load.sent
    statuses = Counter(s.status for s in sent)
    acked = [s for s in sent if s.status is not None and 200 <= s.status < 300]
    no_answer = [s for s in sent if s.status is None]
    other = {k: v for k, v in statuses.items() if k is not None and not 200 <= k < 300
             and k != 503}
    latencies = [s.latency_ms for s in sent if s.status is not None]
    handler_ms = [(end - start) * 1000 for start, end, _, _ in arrivals]
    resent = {id(s) for s in redone}
    redeliveries = [s for s in sent if s.kind == "redelivery" and id(s) not in resent]
    sends = Counter(s.delivery for s in sent)
    queued = Counter(s.delivery for s in sent if s.status == 202)
    repeated_ids = [d for d, n in sends.items() if n > 1]
    requeued = [d for d in repeated_ids if queued[d] > 1]

    # Deliveries reaching the queue after a delivery for a newer head of the same PR.
    order = {d: i for i, (_, _, d, st) in enumerate(sorted(arrivals, key=lambda a: a[1]))
             if st == 202}
    late_arrivals = 0
    late_prs: set[str] = set()
    heads_of = {p.key: p.heads for p in prs}
    by_pr: dict[str, list[Sent]] = defaultdict(list)
    for s in sent:
        if s.kind != "redelivery" and s.status == 202:
            by_pr[s.pr].append(s)
    for key, items in by_pr.items():
        newest_seen = -1
        for s in sorted(items, key=lambda x: order.get(x.delivery, -1)):
            idx = heads_of[key].index(s.head)
            if idx < newest_seen:
                late_arrivals += 1
                late_prs.add(key)
            newest_seen = max(newest_seen, idx)

    # The final state, PR by PR.
    dup_summary: list[str] = []
    dup_review: list[str] = []
    dup_check: list[str] = []
    lost: dict[str, str] = {}
    in_progress_left = 0
    in_progress_prs: list[str] = []
    runs_by_repo: dict[str, list[dict[str, Any]]] = {}
    line_reviews = 0
    for pr in prs:
        full = f"{pr.owner}/{pr.repo}"
        if full not in runs_by_repo:
            runs_by_repo[full] = [r for r in gh.check_runs(pr.owner, pr.repo)
                                  if r["name"] == CHECK_NAME]
            in_progress_left += sum(1 for r in runs_by_repo[full] if r["status"] != "completed")
        runs = [r for r in runs_by_repo[full] if r["head_sha"] in set(pr.heads)]
        newest = pr.heads[-1]
        if any(r["status"] != "completed" for r in runs):
            in_progress_prs.append(pr.key)
        summaries = [c for c in gh.comments(pr.owner, pr.repo, pr.number)
                     if (c.get("body") or "").startswith(MARKER)
                     and (c.get("user") or {}).get("login") == gh.bot_login]
        if len(summaries) > 1:
            dup_summary.append(f"{pr.key}: {len(summaries)} summary comments; faults met: "
                               f"{', '.join(faults_met(pr, gh, runs_by_repo)) or 'none'}")
        reviews = gh.reviews(pr.owner, pr.repo, pr.number)
        line_reviews += len(reviews)
        for sha, n in Counter(r["commit_id"] for r in reviews).items():
            if n > 1:
                dup_review.append(f"{pr.key}: {n} reviews on head {sha[:8]}; faults met: "
                                  f"{', '.join(faults_met(pr, gh, runs_by_repo)) or 'none'}")
        for sha, n in Counter(r["head_sha"] for r in runs).items():
            if n > 1:
                states = [f"{r['status']}/{(r['output'] or {}).get('title')}" for r in runs
                          if r["head_sha"] == sha]
                dup_check.append(f"{pr.key}: {n} check runs on head #{pr.heads.index(sha)} "
                                 f"{states}; faults met: "
                                 f"{', '.join(faults_met(pr, gh, runs_by_repo)) or 'none'}")
        why = []
        if not summaries:
            why.append("no summary comment")
        else:
            state = BotState.parse(summaries[0]["body"])
            if state.head != newest:
                stale = pr.heads.index(state.head) if state.head in pr.heads else None
                why.append(f"summary names head #{stale} of {len(pr.heads) - 1} "
                           f"({(state.head or 'none')[:8]}), not the newest")
        done = [r for r in runs if r["head_sha"] == newest and r["status"] == "completed"
                and (r["output"] or {}).get("title") not in NOT_A_REVIEW]
        if not done:
            titles = [f"{r['status']}/{(r['output'] or {}).get('title')}" for r in runs
                      if r["head_sha"] == newest]
            why.append(f"no completed review check run on the newest head ({titles or 'none'})")
        v = variants[pr.fixture][(len(pr.heads) - 1) % 2]
        if v.line_comments and not any(r["commit_id"] == newest for r in reviews):
            why.append(f"no line-comment review on the newest head ({v.line_comments} expected)")
        if why:
            lost[pr.key] = "; ".join(why)

    dup_total = len(dup_summary) + len(dup_review) + len(dup_check)
    statuses_written = sum(1 for c in gh.calls if c.method == "POST" and "/statuses/" in c.path)
    limited = sum(1 for c in gh.calls if c.status in (403, 429))
    published = [(k, h) for k, items in jobs.items() for h, o, _ in items if o == "published"]
    calls = gh.calls
    injected_calls = sum(1 for c in calls if c.injected)
    armed = sum(a for a, _ in faults.values())
    hit = sum(h for _, h in faults.values())
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    failed_reasons = Counter(p for items in jobs.values() for _, o, ps in items if o == "failed"
                             for p in ps)

    rows = [
        ("deliveries sent", f"{len(sent)} ({sum(1 for s in sent if s.kind == 'opened')} "
         f"opened, {sum(1 for s in sent if s.kind == 'synchronize')} synchronize, "
         f"{len(redeliveries)} redeliveries"
         f"{f', {len(redone)} re-sent after 503' if redone else ''})"),
        ("acknowledged (2xx)", f"{len(acked)} ({statuses.get(202, 0)} queued 202, "
         f"{statuses.get(200, 0)} 200: "
         f"{sum(1 for s in acked if 'duplicate' in s.answer)} duplicate delivery ignored)"),
        ("rejected (503)", str(statuses.get(503, 0))),
        ("other statuses / no answer", f"{dict(other) or 0} / {len(no_answer)}"),
        ("ack latency p50 / p99 / max", f"{pct(latencies, .5):.1f} / {pct(latencies, .99):.1f}"
         f" / {max(latencies, default=0):.1f} ms"),
        ("handler time p50 / p99 / max", f"{pct(handler_ms, .5):.1f} / {pct(handler_ms, .99):.1f}"
         f" / {max(handler_ms, default=0):.1f} ms"),
        ("event loop lag p50 / p99 / max", f"{pct(lags, .5):.1f} / {pct(lags, .99):.1f} / "
         f"{max(lags, default=0):.1f} ms"),
        ("deliveries in flight (peak)", f"{load.peak_in_flight} (limit {args.concurrency})"),
        ("late arrivals (out of order)", f"{late_arrivals} deliveries on {len(late_prs)} PRs"),
        ("delivery ids queued twice", f"{len(requeued)} of {len(repeated_ids)} ids sent more "
         "than once (must be 0)"),
        ("review jobs run", f"{sum(outcomes.values())} ("
         + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) + ")"),
        ("reviews published", f"{len(published)} on {len({k for k, _ in published})} PRs; "
         f"{line_reviews} line-comment reviews"),
        ("duplicates", f"{dup_total} ({len(dup_summary)} summary, {len(dup_review)} review, "
         f"{len(dup_check)} check run) (must be 0)"),
        ("lost reviews", f"{len(lost)} of {len(prs)} PRs (must be 0)"),
        ("check runs left in progress", f"{in_progress_left} (must be 0)"),
        ("commit status writes", f"{statuses_written} (App mode: must be 0)"),
        ("rate-limit answers", f"{limited} 403/429 rate limits met; {deferred} jobs re-queued "
         f"for later (waits up to {args.inline_wait:g} s slept out in place)"),
        ("queue drained", f"{'yes' if drained else 'NO'} (left: {left[0]} waiting, "
         f"{left[1]} running)"),
        ("GitHub API calls", f"{len(calls)} ({len(gh.reads())} reads, {len(gh.writes())} "
         f"writes); {retries} retried by the bot; peak concurrency {gh.peak_concurrency}"),
        ("injected faults hit", f"{hit} of {armed} armed ({100 * hit / max(1, len(calls)):.1f}%"
         f" of calls; {injected_calls} answered with an error/reset): "
         + ", ".join(f"{k} {h}/{a}" for k, (a, h) in faults.items())),
        ("peak memory", f"ru_maxrss {rss_kb / 1024:.0f} MiB"
         + (f"; tracemalloc peak {traced_peak / 2**20:.1f} MiB" if args.tracemalloc else "")),
        ("wall time", f"{wall:.1f} s (all acknowledged after {ack_wall:.1f} s)"),
    ]

    if requeued:
        problems.append("redeliveries with an already-queued X-GitHub-Delivery id were queued "
                        "again: " + ", ".join(sorted(d[:8] for d in requeued)))
    for line in dup_summary + dup_review + dup_check:
        problems.append(f"duplicate: {line}")
    for key, why in sorted(lost.items(), key=lambda kv: int(kv[0].rsplit("#", 1)[1])):
        pr = next(p for p in prs if p.key == key)
        met = ", ".join(faults_met(pr, gh, runs_by_repo))
        why += f"; faults met: {met or 'none'}"
        trail = ", ".join(f"#{pr.heads.index(h)}:{o}" + (f" ({'; '.join(ps)})" if ps else "")
                          for h, o, ps in jobs.get(key, []))
        acks = ", ".join(f"#{pr.heads.index(s.head)}:{s.status}" for s in sent
                         if s.pr == key and s.kind != "redelivery")
        flag = " [late arrival]" if key in late_prs else ""
        problems.append(f"lost: {key}{flag}: {why}. heads pushed {len(pr.heads)}; deliveries "
                        f"(head:status) {acks}; jobs (head:outcome) {trail or 'none'}")
    if not drained:
        problems.append(f"the queue did not drain within {args.drain_timeout:g} s")
    if in_progress_left:
        problems.append(f"{in_progress_left} check runs left in progress")
    if statuses_written:
        problems.append(f"{statuses_written} commit statuses written in App mode")
    if gh.errors:
        problems.append(f"the fake GitHub crashed {len(gh.errors)} times: "
                        f"{gh.errors[0].splitlines()[-1]}")
    if failed_reasons:
        notes.append("failed jobs' reasons: " + "; ".join(
            f"{r} x{n}" for r, n in failed_reasons.most_common(8)))
    deferrals = Counter(str(getattr(r, "reason", "?"))[:80] for r in collect.records
                        if r.getMessage() == "deferred")
    if deferrals:
        notes.append("why jobs were re-queued: " + "; ".join(
            f"{r} x{n}" for r, n in deferrals.most_common(6)))
    crashed = [r for r in collect.records if r.levelno >= logging.ERROR]
    if crashed:
        first = crashed[0]
        trace = ""
        if first.exc_info:
            trace = " | ".join(ln.strip() for ln in traceback.format_exception(
                *first.exc_info)[-4:])
        kinds = dict(Counter(r.getMessage() for r in crashed))
        notes.append(f"{len(crashed)} error log records ({kinds}), the first: "
                     f"{first.getMessage()[:120]} {trace[:900]}")
    if in_progress_left:
        notes.append(f"{in_progress_left} check runs were left in progress, on "
                     f"{', '.join(in_progress_prs)}")
    return Result(rows, problems, notes)


def faults_met(pr: PR, gh: ChaosGitHub, runs_by_repo: dict[str, list[dict[str, Any]]]
               ) -> list[str]:
    """The injected faults that calls about one PR met (its pulls/issues routes, its heads'
    contents and check runs), in order."""
    root = f"/repos/{pr.owner}/{pr.repo}"
    heads = set(pr.heads)
    runs = {f"{root}/check-runs/{r['id']}" for r in runs_by_repo[f"{pr.owner}/{pr.repo}"]
            if r["head_sha"] in heads}
    own = (f"{root}/pulls/{pr.number}", f"{root}/issues/{pr.number}")

    def about(path: str, query: dict[str, str], body: Any) -> bool:
        return path.startswith(root) and (
            path in own or path.startswith((own[0] + "/", own[1] + "/")) or path in runs
            or query.get("ref") in heads
            or (path == f"{root}/check-runs" and isinstance(body, dict)
                and body.get("head_sha") in heads))

    out = [f"{c.method} {c.path.split('/', 4)[-1]} {'reset' if c.status in (0, 204) else c.status}"
           for c in gh.calls if c.injected and about(c.path, c.query, c.json)]
    out += [f"{m} {path.split('/', 4)[-1]} lost-reply" for m, path, q, body in gh.lost
            if about(path, q, body)]
    return out


DEFINITIONS = """\
definitions:
  deliveries sent       POSTs to /webhook, each signed (X-Hub-Signature-256) with the real
                        header set and a real octokit example payload; a redelivery repeats an
                        earlier delivery's body and X-GitHub-Delivery id (half at once, half
                        after all bursts)
  ack latency           client-side time from sending the POST to reading the answer (the
                        service, the fake GitHub and this client share one process and its GIL)
  handler time          server-side time inside the /webhook handler (a middleware's clock)
  event loop lag        how late a 10 ms sleep wakes up on the shared event loop
  late arrivals         202-queued deliveries that reached the queue after a delivery for a newer
                        head of the same PR (GitHub promises no order; `--ordered` waits for each
                        answer before the PR's next push)
  delivery ids queued   X-GitHub-Delivery ids answered 202 ("queued") more than once; every
    twice               other answer to a repeated id must be 200 "duplicate delivery ignored"
  review jobs run       Reviewer.review_once calls (attempts) and how they ended (published /
                        superseded / deferred: re-queued after a rate limit / failed /
                        not-readme / crashed)
  reviews published     jobs that ended "published" (summary comment + labels + line comments +
                        check run written for their head); line-comment reviews = reviews stored
                        on the fake
  duplicates            PRs with more than one bot summary comment (body starts with the marker,
                        author the App's bot), plus (PR, head sha) pairs with more than one
                        line-comment review, plus (PR, head sha) pairs with more than one
                        `awesome-papers` check run
  lost reviews          PRs that do not end with: a bot summary comment whose hidden state note
                        `<!-- awesome-papers-bot-state {...,"head":"<sha>"} -->` names the PR's
                        newest pushed head, a completed `awesome-papers` check run on that head
                        carrying a review (not "Superseded"/"could not finish"/"abandoned"), and,
                        when the offline review of that head has line comments, a line-comment
                        review on that head
  API calls             every request the fake GitHub answered (reads = GET, writes = the rest),
                        retries and injected answers included
  injected faults hit   armed faults (one request each, on the route of a call just seen) that a
                        request met; 403/429 secondary limits carry retry-after: 1 or 2, a
                        403-primary has x-ratelimit-remaining: 0 and a reset 1-2 s ahead
                        (GitHub's own shapes); resets drop the connection
                        before the fake acts, delays are 0.2-1.5 s and then answered normally,
                        lost-reply (opt-in) drops the connection after the fake did the write
  peak memory           of this whole process: service, fake GitHub and load generator together
  wall time             first delivery sent -> queue drained"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--deliveries", type=int, default=500)
    p.add_argument("--prs", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=50, help="deliveries in flight at most")
    p.add_argument("--fault-rate", type=float, default=0.10,
                   help="share of GitHub requests to fault (default 0.10)")
    p.add_argument("--fault-kinds", default=",".join(FAULT_KINDS),
                   help=f"comma-separated, of {','.join(FAULT_KINDS | EXTRA_KINDS)} "
                        "(lost-reply: the write is done, the answer lost; not by default)")
    p.add_argument("--quick", action="store_true", help="100 deliveries on 20 PRs")
    p.add_argument("--ordered", action="store_true",
                   help="wait for each delivery's answer before the same PR's next push")
    p.add_argument("--jitter-ms", type=float, default=20.0,
                   help="each delivery leaves after a random 0..N ms (GitHub promises no order)")
    p.add_argument("--installations", type=int, default=4,
                   help="App installations (one repository each) the PRs are spread over")
    p.add_argument("--latency-ms", type=float, default=7.0, help="fake GitHub latency per request")
    p.add_argument("--burst-window", type=float, default=None,
                   help="seconds over which the synchronize bursts start (default: one per "
                        "37 synchronize deliveries, 10 s for 370)")
    p.add_argument("--redeliver-rate", type=float, default=0.06)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--queue-size", type=int, default=200)
    p.add_argument("--writes-per-minute", type=int, default=500)
    p.add_argument("--concurrent-requests", type=int, default=4)
    p.add_argument("--retry-budget", type=float, default=30.0)
    p.add_argument("--in-progress-after", type=float, default=0.0)
    p.add_argument("--inline-wait", type=float, default=5.0,
                   help="BOT_INLINE_WAIT: 0 re-queues the job on every rate limit")
    p.add_argument("--drain-timeout", type=float, default=120.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tracemalloc", action="store_true",
                   help="also trace Python allocations for a peak (about 3x slower)")
    args = p.parse_args(argv)
    if args.quick:
        args.deliveries, args.prs = 100, 20
    kinds = [k.strip() for k in args.fault_kinds.split(",") if k.strip()]
    known = FAULT_KINDS | EXTRA_KINDS
    unknown = set(kinds) - set(known)
    if unknown:
        p.error(f"unknown fault kinds: {', '.join(sorted(unknown))}")
    args.fault_kinds = {k: known[k] for k in kinds}
    if args.prs < 1 or args.deliveries < args.prs:
        p.error("--deliveries must be at least --prs (every PR is opened once)")
    if not args.fault_kinds:
        args.fault_rate = 0.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    print(f"load_service: {args.deliveries} deliveries, {args.prs} PRs (068/072), "
          f"{args.concurrency} in flight, fault rate {args.fault_rate:.0%} "
          f"({','.join(args.fault_kinds) or 'none'}), {args.installations} installations, "
          f"{'ordered' if args.ordered else 'unordered'} deliveries (jitter "
          f"{args.jitter_ms:g} ms), seed {args.seed}")
    print(f"service: BOT_WORKERS={args.workers} BOT_QUEUE_SIZE={args.queue_size} "
          f"BOT_WRITES_PER_MINUTE={args.writes_per_minute} "
          f"BOT_CONCURRENT_REQUESTS={args.concurrent_requests} "
          f"BOT_RETRY_BUDGET={args.retry_budget:g} BOT_INLINE_WAIT={args.inline_wait:g} "
          f"BOT_IN_PROGRESS_AFTER="
          f"{args.in_progress_after:g}; fake GitHub latency {args.latency_ms:g} ms")
    width = max(len(k) for k, _ in result.rows)
    print(f"{'metric':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for k, v in result.rows:
        print(f"{k:<{width}}  {v}")
    print()
    print(DEFINITIONS)
    for note in result.notes:
        print(f"note: {note}")
    if result.problems:
        print(f"\nFAILED: {len(result.problems)} problem(s)")
        for p in result.problems:
            print(f"  - {p}")
        return 1
    print("\nOK: no duplicates, no lost reviews")
    return 0


if __name__ == "__main__":
    sys.exit(main())
