"""The Redis mode under load and faults: 2 web and 3 worker processes against the fake GitHub.

    python benchmarks/load_scale.py            # chaos run (defaults below), then the table
    python benchmarks/load_scale.py --cpu      # throughput of 1 MB reviews, 1 vs 3 workers
    python benchmarks/load_scale.py --help

Chaos run: a redis-server of its own, the fake GitHub (tests/fakes/github_server.py, in this
process, with benchmarks/load_service.py's fault controller), two `python -m bot serve` and three
`python -m bot worker` processes with `REDIS_URL` set. 30 PRs (real upstream PRs 068 and 072,
over 3 installations) get 4 pushes each; every delivery goes to one web process at random and
20% are sent again, with the same X-GitHub-Delivery id, to the OTHER web process (half at once,
half after the last push). About 10% of GitHub's requests are faulted (500/502/503, 403 secondary
rate limit and 429 with retry-after, connection resets, delays). Mid-run one worker that is
running a job is SIGKILLed. After the queue in Redis drains, every PR is checked on the fake:
exactly one summary comment, at most one line-comment review and one check run per head, none
left in progress, and the newest head reviewed (not lost). Exit status 1 when any check fails.

CPU run: PRs whose README is about 1 MB (the real list plus synthetic entries), queued straight
into Redis, reviewed by 1 worker process and then by 3; reviews per second of each and the ratio.
This is not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load_service import (  # noqa: E402
    BASE_SHAS,
    FAULT_KINDS,
    FIXTURES,
    NOT_A_REVIEW,
    PR,
    Chaos,
    ChaosGitHub,
    payload_bytes,
    sha_of,
    variants_of,
)

from bot.awesome.report import CHECK_NAME, MARKER  # noqa: E402
from bot.github.jobs import review_job  # noqa: E402
from bot.github.publish import BotState  # noqa: E402
from bot.github.pull import PullRef  # noqa: E402
from bot.scale.queue import RedisQueue  # noqa: E402
from bot.scale.settings import ScaleSettings  # noqa: E402
from bot.scale.state import SharedState, connect  # noqa: E402
from tests.conftest import FINAL_README, pr_texts  # noqa: E402
from tests.fakes.webhooks import delivery_headers  # noqa: E402
from tests.redis_kit import RedisServer, free_port  # noqa: E402
from tests.service_kit import SECRET, readme_file  # noqa: E402

OWNER, REPO = "terryum", "awesome-deep-learning-papers"
JOB_LINE = re.compile(r"(\d+\.\d+):job\b")
ANCHOR = "### Appendix: More than Top 100\n"


# --- processes --------------------------------------------------------------------------------


def bot_env(gh: ChaosGitHub, redis_url: str, **more: str) -> dict[str, str]:
    """The environment of a web or worker process."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": redis_url,
            "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_APP_ID": str(gh.app_id),
            "GITHUB_PRIVATE_KEY": gh.private_key_pem, "GITHUB_API_URL": gh.url,
            "BOT_LOGIN": gh.bot_login, "BOT_CHECK_LINKS": "0", "BOT_IN_PROGRESS_AFTER": "0",
            "SEMANTIC_SCHOLAR_API_URL": "http://127.0.0.1:9/graph/v1",
            "OPENALEX_API_URL": "http://127.0.0.1:9", "CITATION_BUDGET": "1",
            "LOG_FORMAT": "json", **more}


@dataclass
class Proc:
    """One bot process and its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str = ""
    _read: int = 0
    started: dict[str, float] = field(default_factory=dict)  # arq job id -> first seen
    ended: set[str] = field(default_factory=set)

    def scan(self) -> None:
        """Follow the log: which jobs started and ended here."""
        data = self.log.read_bytes()
        new, self._read = data[self._read:], len(data)
        for raw in new.decode("utf-8", "replace").splitlines():
            msg = _msg(raw)
            m = JOB_LINE.search(msg)
            if not m:
                continue
            if "→" in msg:
                self.started.setdefault(m.group(1), time.monotonic())
            elif "←" in msg or "↻" in msg or "!" in msg:
                self.ended.add(m.group(1))

    @property
    def running(self) -> set[str]:
        return set(self.started) - self.ended

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for raw in self.log.read_text("utf-8", "replace").splitlines():
            try:
                out.append(json.loads(raw))
            except ValueError:
                continue
        return out


def _msg(raw: str) -> str:
    try:
        return str(json.loads(raw).get("msg", ""))
    except ValueError:
        return raw


def start(kind: str, name: str, env: dict[str, str], logs: Path) -> Proc:
    """`python -m bot serve|worker` with its log in a file."""
    log = logs / f"{name}.log"
    popen = subprocess.Popen([sys.executable, "-m", "bot", kind], env=env, cwd=ROOT,
                             stdout=log.open("wb"), stderr=subprocess.STDOUT)
    return Proc(name, popen, log)


def stop_all(procs: list[Proc]) -> None:
    for p in procs:
        if p.popen.poll() is None:
            p.popen.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.popen.wait(20)
        except subprocess.TimeoutExpired:
            p.popen.kill()


async def wait_healthy(session: aiohttp.ClientSession, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            async with session.get(f"{url}/healthz") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not start")
        await asyncio.sleep(0.1)


async def drained(redis: Any, queue_name: str) -> bool:
    """Nothing queued, deferred or running in Redis."""
    return not await redis.zcard(queue_name) and not await redis.keys("arq:in-progress:*")


# --- the chaos run ----------------------------------------------------------------------------


@dataclass
class Sent:
    delivery: str
    kind: str  # first | again-now | again-later | resent-after-503
    web: int
    pr: str
    head: str
    status: int | None = None
    answer: str = ""
    ms: float = 0.0


async def post(session: aiohttp.ClientSession, url: str, raw: bytes, rec: Sent) -> Sent:
    headers = delivery_headers("pull_request", raw, SECRET, rec.delivery)
    t0 = time.perf_counter()
    try:
        async with session.post(f"{url}/webhook", data=raw, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=10)) as r:
            rec.status = r.status
            body = await r.json(content_type=None)
            rec.answer = str(body.get("status") or body.get("error") or "")
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        rec.answer = type(exc).__name__
    rec.ms = (time.perf_counter() - t0) * 1000
    return rec


async def chaos_run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    variants = {f: variants_of(f) for f in FIXTURES}
    logs = Path(tempfile.mkdtemp(prefix="load_scale-"))
    procs: list[Proc] = []
    problems: list[str] = []
    with RedisServer(logs / "redis") as server:
        async with ChaosGitHub(latency=args.latency_ms / 1000, rate_limit=10**9) as gh:
            prs: list[PR] = []
            for i in range(args.installations):
                owner = OWNER if i == 0 else f"{OWNER}-{i + 1}"
                gh.add_repo(owner, REPO, installation_id=i + 1)
                for fixture in FIXTURES:
                    gh.set_file(owner, REPO, BASE_SHAS[fixture], "README.md",
                                pr_texts(fixture)[0])
            for n in range(1, args.prs + 1):
                i = (n - 1) % args.installations
                owner = OWNER if i == 0 else f"{OWNER}-{i + 1}"
                prs.append(PR(owner, REPO, n, i + 1, FIXTURES[(n - 1) % 2]))
            env = bot_env(gh, server.url, BOT_WRITES_PER_MINUTE=str(args.writes_per_minute),
                          BOT_RETRY_BUDGET="10", BOT_SHUTDOWN_GRACE="5")
            webs = []
            for w in range(2):
                port = free_port()
                p = start("serve", f"web{w + 1}", {**env, "PORT": str(port)}, logs)
                p.url = f"http://127.0.0.1:{port}"
                webs.append(p)
            workers = [start("worker", f"worker{w + 1}", env, logs) for w in range(3)]
            procs = webs + workers
            scale = ScaleSettings(server.url)
            redis = connect(scale)
            try:
                async with aiohttp.ClientSession() as session:
                    for p in webs:
                        await wait_healthy(session, p.url)
                    result = await _drive(args, rng, gh, prs, variants, session, webs,
                                          workers, redis, scale.queue_name)
            finally:
                stop_all(procs)
                await redis.aclose()
            problems += judge(args, gh, prs, variants, result, workers, webs)
    print(f"\nlogs: {logs}")
    for line in problems:
        print(f"PROBLEM {line}")
    return 1 if problems else 0


@dataclass
class Drive:
    sent: list[Sent]
    faults: dict[str, tuple[int, int]]
    killed: str
    killed_jobs: set[str]
    killed_at: float
    wall: float
    drained: bool


async def _drive(args: argparse.Namespace, rng: random.Random, gh: ChaosGitHub, prs: list[PR],
                 variants: dict[str, Any], session: aiohttp.ClientSession, webs: list[Proc],
                 workers: list[Proc], redis: Any, queue_name: str) -> Drive:
    sent: list[Sent] = []
    later: list[tuple[bytes, Sent]] = []
    tasks: list[asyncio.Task[Sent]] = []
    chaos = Chaos(gh, args.fault_rate, dict(FAULT_KINDS), random.Random(args.seed + 1))
    chaos_task = asyncio.ensure_future(chaos.run())
    killed, killed_jobs, killed_at = "", set(), 0.0
    t0 = time.monotonic()

    def send(raw: bytes, rec: Sent) -> None:
        sent.append(rec)
        tasks.append(asyncio.ensure_future(post(session, webs[rec.web].url, raw, rec)))

    for k in range(args.pushes):
        for pr in rng.sample(prs, len(prs)):
            v = variants[pr.fixture][k % 2]
            head = sha_of(pr.key, k)
            gh.set_file(pr.owner, pr.repo, head, "README.md", v.head)
            if k == 0:
                gh.add_pull(pr.owner, pr.repo, pr.number, base_sha=BASE_SHAS[pr.fixture],
                            head_sha=head, files=v.files)
            else:
                gh.push(pr.owner, pr.repo, pr.number, head, files=v.files)
            pr.heads.append(head)
            raw = payload_bytes(pr, k)
            web = rng.randrange(2)
            rec = Sent(sha_of("d", pr.key, k), "first", web, pr.key, head)
            send(raw, rec)
            if rng.random() < args.redeliver_rate:
                again = Sent(rec.delivery, "again-now", 1 - web, pr.key, head)
                if rng.random() < 0.5:
                    send(raw, again)
                else:
                    again.kind = "again-later"
                    later.append((raw, again))
            await asyncio.sleep(rng.uniform(0, 2 * args.gap / len(prs)))
        if k == args.pushes // 2 and not killed:
            killed, killed_jobs, killed_at = await _kill_one_busy(workers)
    await asyncio.gather(*tasks)
    for raw, rec in later:
        send(raw, rec)
    await asyncio.gather(*tasks)
    # GitHub does not retry a 503: a maintainer redelivers it, to either web process.
    for rec in [s for s in sent if s.status == 503]:
        pr = next(p for p in prs if p.key == rec.pr)
        k = pr.heads.index(rec.head)
        send(payload_bytes(pr, k), Sent(rec.delivery, "resent-after-503", rng.randrange(2),
                                        rec.pr, rec.head))
    await asyncio.gather(*tasks)
    deadline = time.monotonic() + args.drain_timeout
    while not await drained(redis, queue_name) and time.monotonic() < deadline:
        for w in workers:
            w.scan()
        await asyncio.sleep(0.2)
    faults = chaos.stop()
    await chaos_task
    is_drained = await drained(redis, queue_name)
    if not is_drained:  # say what is left, for the report
        now_ms = time.time() * 1000
        for job_id, score in await redis.zrange(queue_name, 0, -1, withscores=True):
            raw = await redis.get(f"arq:job:{job_id.decode()}")
            left = await redis.pttl(f"arq:in-progress:{job_id.decode()}")
            print(f"left in Redis: job {job_id.decode()} due in {(score - now_ms) / 1000:.0f} s, "
                  f"claim ttl {left} ms, {(raw or b'')[:200]!r}")
    for w in workers:
        w.scan()
    return Drive(sent, faults, killed, killed_jobs, killed_at, time.monotonic() - t0,
                 is_drained)


async def _kill_one_busy(workers: list[Proc]) -> tuple[str, set[str], float]:
    """SIGKILL the first worker seen running a job (within 20 s)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for w in workers:
            w.scan()
            if w.running and w.popen.poll() is None:
                running = set(w.running)
                w.popen.send_signal(signal.SIGKILL)
                w.popen.wait(5)
                return w.name, running, time.monotonic()
        await asyncio.sleep(0.02)
    return "", set(), 0.0


def judge(args: argparse.Namespace, gh: ChaosGitHub, prs: list[PR], variants: dict[str, Any],
          d: Drive, workers: list[Proc], webs: list[Proc]) -> list[str]:
    problems: list[str] = []
    statuses = Counter(s.status for s in d.sent)
    queued = Counter(s.delivery for s in d.sent if s.status == 202)
    twice = [k for k, n in queued.items() if n > 1]
    kinds = Counter(s.kind for s in d.sent)
    lost: list[str] = []
    dup_summary = dup_review = dup_check = 0
    in_progress = 0
    open_runs: list[str] = []
    for pr in prs:
        runs = [r for r in gh.check_runs(pr.owner, pr.repo)
                if r["name"] == CHECK_NAME and r["head_sha"] in set(pr.heads)]
        for r in runs:
            if r["status"] != "completed":
                in_progress += 1
                open_runs.append(f"{pr.key} head #{pr.heads.index(r['head_sha'])} of "
                                 f"{len(pr.heads) - 1} (run {r['id']})")
        summaries = [c for c in gh.comments(pr.owner, pr.repo, pr.number)
                     if (c.get("body") or "").startswith(MARKER)]
        dup_summary += max(0, len(summaries) - 1)
        reviews = gh.reviews(pr.owner, pr.repo, pr.number)
        dup_review += sum(n - 1 for n in Counter(r["commit_id"] for r in reviews).values())
        dup_check += sum(n - 1 for n in Counter(r["head_sha"] for r in runs).values())
        newest = pr.heads[-1]
        why = []
        if not summaries or BotState.parse(summaries[0]["body"]).head != newest:
            why.append("summary does not name the newest head")
        if not any(r["head_sha"] == newest and r["status"] == "completed"
                   and (r["output"] or {}).get("title") not in NOT_A_REVIEW for r in runs):
            why.append("no completed review check run on the newest head")
        v = variants[pr.fixture][(len(pr.heads) - 1) % 2]
        if v.line_comments and not any(r["commit_id"] == newest for r in reviews):
            why.append("no line-comment review on the newest head")
        if why:
            lost.append(f"{pr.key}: {'; '.join(why)}")
    outcomes: Counter[str] = Counter()
    for w in workers:
        for line in w.lines():
            if line.get("msg") == "review" and line.get("outcome"):
                outcomes[str(line["outcome"])] += 1
    pickup = [min((w.started[j] for w in workers if j in w.started and w.name != d.killed),
                  default=None) for j in d.killed_jobs]
    taken = [p - d.killed_at for p in pickup if p is not None]
    hit = sum(h for _, h in d.faults.values())
    calls = len(gh.calls)
    rows = [
        ("processes", "2 web (`python -m bot serve`), 3 workers (`python -m bot worker`), "
                      "1 redis-server"),
        ("PRs x pushes", f"{len(prs)} x {args.pushes} over {args.installations} installations"),
        ("deliveries sent", f"{len(d.sent)} ({kinds['first']} first, {kinds['again-now']} "
                            f"again at once and {kinds['again-later']} again later to the "
                            f"other web process, {kinds['resent-after-503']} re-sent after "
                            "a 503)"),
        ("answers", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(),
                                                            key=lambda kv: kv[0] or 0))),
        ("delivery ids queued twice", f"{len(twice)} (must be 0)"),
        ("ack latency p50 / max", _p50_max([s.ms for s in d.sent if s.status])),
        ("review jobs run", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))),
        ("worker SIGKILLed", f"{d.killed or 'none'} with {len(d.killed_jobs)} job(s) running; "
                             + (f"taken up by another worker after "
                                f"{', '.join(f'{t:.1f}' for t in sorted(taken))} s"
                                if taken else "no job of it was seen again")),
        ("lost reviews", f"{len(lost)} of {len(prs)} PRs (must be 0)"),
        ("duplicates", f"{dup_summary} summary comments, {dup_review} reviews, {dup_check} "
                       "check runs (must be 0)"),
        ("check runs left in progress", f"{in_progress} (must be 0)"),
        ("queue drained", "yes" if d.drained else "NO"),
        ("GitHub API calls", f"{calls} ({len(gh.reads())} reads, {len(gh.writes())} writes)"),
        ("injected faults hit", f"{hit} ({100 * hit / max(1, calls):.1f}% of calls): "
                                + ", ".join(f"{k} {h}" for k, (_, h) in d.faults.items())),
        ("wall time", f"{d.wall:.1f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"\n{'what':<{width}}  result")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    problems += [f"lost: {x}" for x in lost]
    if twice:
        problems.append(f"{len(twice)} delivery ids were queued twice")
    if dup_summary or dup_review or dup_check:
        problems.append("duplicates found")
    if in_progress:
        problems.append(f"{in_progress} check runs left in progress: {', '.join(open_runs)}")
    if not d.drained:
        problems.append("the queue did not drain")
    if d.killed and d.killed_jobs and (not taken or max(taken) > 60):
        problems.append("the killed worker's job was not taken up within 60 s")
    if gh.errors:
        problems.append(f"the fake GitHub crashed {len(gh.errors)} times")
    for p in workers + webs:
        errors = [ln for ln in p.lines() if ln.get("level") == "error"]
        if errors:
            problems.append(f"{p.name}: {len(errors)} error lines, first: "
                            f"{errors[0].get('msg')} {str(errors[0].get('exc', ''))[-300:]}")
    return problems


def _p50_max(values: list[float]) -> str:
    if not values:
        return "-"
    s = sorted(values)
    return f"{s[len(s) // 2]:.1f} / {s[-1]:.1f} ms"


# --- the CPU run ------------------------------------------------------------------------------


def _children_cpu() -> float:
    """CPU seconds (user + system) of the child processes that have ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _own_cpu() -> float:
    """CPU seconds of this process (the fake GitHub and the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def big_list(target: int) -> str:
    """The real README with synthetic entries added to its appendix, about `target` bytes."""
    text = FINAL_README.read_text(encoding="utf-8")
    i, rows = 0, []
    size = len(text.encode())
    while size < target:
        row = (f"- Synthetic study {i} of deep networks at scale (2015), A. Author et al. "
               f"[[pdf]](https://arxiv.org/pdf/1509.{i:05d})\n")
        rows.append(row)
        size += len(row.encode())
        i += 1
    return text.replace(ANCHOR, ANCHOR + "".join(rows), 1)


async def cpu_run(args: argparse.Namespace) -> int:
    logs = Path(tempfile.mkdtemp(prefix="load_scale_cpu-"))
    base = big_list(args.list_bytes)
    rows = []
    with RedisServer(logs / "redis") as server:
        async with ChaosGitHub(rate_limit=10**9) as gh:
            gh.add_repo(OWNER, REPO, installation_id=1)
            gh.set_file(OWNER, REPO, "a" * 40, "README.md", base)
            # One job at a time per process: a review's parse holds the GIL, so a worker with
            # several jobs would take them all and run them on one core.
            env = bot_env(gh, server.url, BOT_WRITES_PER_MINUTE="500", BOT_WORKERS="1")
            scale = ScaleSettings(server.url)
            number = 0
            for n_workers in args.worker_counts:
                workers = [start("worker", f"cpu{n_workers}-{w + 1}", env, logs)
                           for w in range(n_workers)]
                queue = RedisQueue(SharedState(connect(scale)), scale)
                heads = []
                for _ in range(args.reviews):
                    number += 1
                    added = (f"- A new paper number {number} (2016), B. Writer et al. "
                             f"[[pdf]](https://arxiv.org/pdf/1601.{number:05d})\n")
                    head = base.replace(ANCHOR, ANCHOR + added, 1)
                    sha = sha_of("cpu", number)
                    gh.set_file(OWNER, REPO, sha, "README.md", head)
                    gh.add_pull(OWNER, REPO, number, base_sha="a" * 40, head_sha=sha,
                                files=[readme_file(base, head)])
                    heads.append(PullRef(OWNER, REPO, number, sha, "a" * 40, "master", 1))
                await asyncio.sleep(3)  # let the workers start and connect
                cpu0, own0 = _children_cpu(), _own_cpu()
                t0 = time.monotonic()
                for ref in heads:
                    await queue.submit(review_job(ref, f"cpu-{ref.number}"))
                want = {r.head_sha for r in heads}
                while True:
                    done = {r["head_sha"] for r in gh.check_runs(OWNER, REPO)
                            if r["status"] == "completed" and r["head_sha"] in want}
                    if done == want or time.monotonic() - t0 > args.drain_timeout:
                        break
                    await asyncio.sleep(0.05)
                took = time.monotonic() - t0
                own = _own_cpu() - own0
                await queue.shutdown(0)
                stop_all([Proc("", w.popen, w.log) for w in workers])
                rows.append((n_workers, len(done), took, _children_cpu() - cpu0, own))
    size_mb = len(base.encode()) / 2**20
    print(f"\n{args.reviews} reviews of a {size_mb:.2f} MB list per run, "
          f"{os.cpu_count()} CPUs on this machine, load average "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    print(f"{'workers':>7}  {'reviews':>7}  {'seconds':>7}  {'reviews/s':>9}  "
          f"{'worker CPU s':>12}  {'cores used':>10}  {'fake GitHub CPU s':>17}")
    rates = []
    for n, done, took, cpu, own in rows:
        rates.append(done / took)
        print(f"{n:>7}  {done:>7}  {took:>7.1f}  {done / took:>9.2f}  {cpu:>12.1f}  "
              f"{cpu / took:>10.2f}  {own:>17.1f}")
    if len(rates) == 2:
        print(f"ratio {args.worker_counts[1]} vs {args.worker_counts[0]} workers: "
              f"{rates[1] / rates[0]:.2f}x")
    return 0 if all(done == args.reviews for _, done, *_ in rows) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cpu", action="store_true", help="the CPU throughput run instead")
    p.add_argument("--prs", type=int, default=30)
    p.add_argument("--pushes", type=int, default=4)
    p.add_argument("--installations", type=int, default=3)
    p.add_argument("--redeliver-rate", type=float, default=0.2)
    p.add_argument("--fault-rate", type=float, default=0.12,
                   help="faults armed per call seen (about 10%% of calls then meet one)")
    p.add_argument("--gap", type=float, default=2.0, help="seconds per round of pushes")
    p.add_argument("--latency-ms", type=float, default=5.0)
    p.add_argument("--writes-per-minute", type=int, default=500)
    p.add_argument("--drain-timeout", type=float, default=300.0)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--reviews", type=int, default=12, help="CPU run: reviews per worker count")
    p.add_argument("--list-bytes", type=int, default=1_000_000)
    p.add_argument("--worker-counts", type=int, nargs=2, default=[1, 3])
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return asyncio.run(cpu_run(args) if args.cpu else chaos_run(args))


if __name__ == "__main__":
    sys.exit(main())
