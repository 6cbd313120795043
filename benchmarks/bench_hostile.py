"""Time `check` on 1 MB hostile READMEs, and /healthz while the service reviews the worst one.

    python benchmarks/bench_hostile.py              # every family, then the service
    python benchmarks/bench_hostile.py --quick      # 256 KB inputs, fewer random seeds
    python benchmarks/bench_hostile.py --no-service

Each family is one recipe of issue 12 (or random structure), grown to about 1 MB and added to
the top-100 section of a small list. A change adding more than `max_added_lines` (2,000) lines
is not reviewed (`readme/change-too-large`), so two more tables time what is read in full: the
recipes cut at the cap, and the cap's worth of long lines filling 1 MB.
`check BASE HEAD --offline --format json` runs in a fresh
process (so a slow family cannot hold up the others; the time shown is measured inside it, start
of the process excluded; past --timeout it is killed). Then the real service (bot.github.webhook
on 127.0.0.1, a fake GitHub behind it) reviews a PR whose head is the slowest family's README
while /healthz is asked every 10 ms: its latencies are printed as p50 / p99 / max.
This is not part of the test run; targets (issue 12): worst `check` < 2 s, /healthz p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.awesome.config import MAX_ADDED_LINES  # noqa: E402
from tests.hostile_corpus import AUTHORS, HEADINGS, TITLES  # noqa: E402
from tests.listkit import BASE  # noqa: E402

ANCHOR = "### Vision\n"
ALIAS_BOMB = "\n".join(
    ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f'l{i}: &{chr(98 + i)} [{",".join(["*" + chr(97 + i)] * 9)}]' for i in range(8)]
) + "\n"


@dataclass(frozen=True)
class Head:
    """One input: the head README, a config text (or None), and which table it belongs to."""

    text: str
    config: str | None
    kind: str  # full: the recipe at `size`; cap: cut at the cap; wide: `cap` lines of `size`


def _fill(unit: Callable[[int], str], size: int) -> str:
    """Units joined until `size` characters."""
    out: list[str] = []
    total = i = 0
    while total < size:
        piece = unit(i)
        out.append(piece)
        total += len(piece)
        i += 1
    return "".join(out)


def _random_markdown(seed: int, size: int, words_per_line: tuple[int, int] = (1, 25)) -> str:
    """Random structure: headings, nested and mixed lists, links, tables, fences, HTML, quotes."""
    rng = random.Random(seed)
    words = ["deep", "net", "(2015)", "[[pdf]](http://x.org/p.pdf)", "[a](b)", "**b**", "`c`",
             "<img src=x>", "|", "[", "]", "(", ")", "*", "_", "#", "@me", "https://e.x/`y`",
             "\\", "~~", "&amp;", "\u00ad", "\u0435"]

    def line(i: int) -> str:
        kind = rng.randrange(10)
        text = " ".join(rng.choice(words) for _ in range(rng.randrange(*words_per_line)))
        if kind == 0:
            return "#" * rng.randrange(1, 7) + " " + text + "\n"
        if kind in (1, 2, 3):
            return "  " * rng.randrange(0, 12) + rng.choice("-*+") + " " + text + "\n"
        if kind == 4:
            return f"{rng.randrange(1, 99)}. {text}\n"
        if kind == 5:
            return "| " + " | ".join(text.split()[:4]) + " |\n"
        if kind == 6:
            return rng.choice(["```\n", "~~~\n", "> ", "<details>\n", "\n"])
        return text + "\n"

    return _fill(line, size)


def _at_cap(body: str, cap: int) -> str:
    """`body` cut after its first `cap` non-blank lines (what one review reads in full)."""
    out: list[str] = []
    n = 0
    for ln in body.splitlines(keepends=True):
        n += bool(ln.strip())
        if n > cap:
            break
        out.append(ln)
    return "".join(out)


def families(size: int, seeds: int, cap: int = MAX_ADDED_LINES) -> dict[str, Head]:
    """name -> head README (and config): each recipe grown to `size`, then the same recipe
    cut at `cap` added lines, and `cap` long lines filling `size` (reviewed in full)."""
    entry = "- a{} (2016), A [[pdf]](http://x/)\n"
    heading_unit = "#### a" + " " * 40_000 + "b\n"
    titles = [t.replace("\x00", "") for t in TITLES]  # NUL makes the file binary: refused
    long = max(40, size // cap - 40)  # characters of filler per line for `cap` lines of `size`
    bodies = {
        "heading + 40k spaces": _fill(lambda i: heading_unit, size),
        "entry + 85k spaces": _fill(lambda i: "- a" + " " * 85_000 + entry[3:].format(i), size),
        "identical entries": _fill(lambda i: entry.format(""), size),
        "entries sharing one link": _fill(lambda i: entry.format(i), size),
        "`* ` x 500,000": "* " * (size // 2) + "\n",
        "nested lists": _fill(lambda i: "  " * (i % 400) + f"- n{i} (2015), B [[pdf]](http://y/{i})\n",
                              size),
        "hostile titles": _fill(
            lambda i: f"- {titles[i % len(titles)]} {i} (2015), {AUTHORS[i % len(AUTHORS)]} "
                      f"[[pdf]](https://arxiv.org/pdf/1601.{i % 99999:05d})\n", size),
        "hostile headings": _fill(
            lambda i: f"### {HEADINGS[i % len(HEADINGS)]} {i}\n- t{i} (2015), A [[pdf]](http://z/{i})\n",
            size),
    }
    for seed in range(seeds):
        bodies[f"random structure #{seed}"] = _random_markdown(seed, size)
    heads: dict[str, Head] = {}
    for name, body in bodies.items():
        heads[name] = Head(BASE.replace(ANCHOR, ANCHOR + body, 1), None, "full")
        if body.count("\n") > cap:
            heads[f"{name}, first {cap:,} lines"] = Head(
                BASE.replace(ANCHOR, ANCHOR + _at_cap(body, cap), 1), None, "cap")
    contents = "## Table of Contents\n"
    heads["`[` x 1M under Contents"] = Head(
        BASE.replace(contents, contents + "[" * size + "\n", 1), None, "full")
    heads["YAML alias bomb config"] = Head(BASE.replace(ANCHOR, ANCHOR + entry.format(1), 1),
                                           ALIAS_BOMB, "full")
    filler = "x" * long
    wide = {
        f"{cap:,} long entries sharing one link":
            _fill(lambda i: f"- a{i} {filler} (2016), A [[pdf]](http://x/)\n", size),
        f"{cap:,} long hostile titles": _fill(
            lambda i: f"- {titles[i % len(titles)]} {i} {filler} (2015), "
                      f"{AUTHORS[i % len(AUTHORS)]} [[pdf]](https://arxiv.org/pdf/1601.{i:05d})\n",
            size),
    }
    for seed in range(seeds):
        wide[f"{cap:,} long lines of random structure #{seed}"] = _random_markdown(
            seed, size, (long // 8, long // 5))
    for name, body in wide.items():
        heads[name] = Head(BASE.replace(ANCHOR, ANCHOR + _at_cap(body, cap), 1), None, "wide")
    return heads


def one(base: str, head: str, config: str | None) -> None:
    """In the child: run `check` in-process and print its seconds and outcome."""
    import contextlib
    import io

    from bot.__main__ import main

    args = ["check", base, head, "--offline", "--format", "json"]
    if config:
        args += ["--config", config]
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        try:
            status = main(args)
        except SystemExit as exc:
            status = exc.code
    took = time.perf_counter() - started
    try:
        doc = json.loads(out.getvalue())
        rules = {f["rule"] for f in doc["findings"]}
        outcome = ("not reviewed: too large" if "readme/change-too-large" in rules
                   else f"{doc['conclusion']}, {len(doc['added'])} added")
    except (ValueError, KeyError):
        outcome = f"exit {status}"
    print(json.dumps({"seconds": took, "outcome": outcome}))


def time_check(tmp: Path, name: str, head: Head, timeout: float) -> tuple[float, str]:
    """Seconds `check` took on this head (inf when killed at the timeout), and its outcome."""
    slug = "".join(c if c.isalnum() else "-" for c in name)
    base_path, head_path = tmp / "base.md", tmp / f"{slug}.md"
    base_path.write_text(BASE, encoding="utf-8")
    head_path.write_text(head.text, encoding="utf-8")
    args = [sys.executable, __file__, "--one", str(base_path), str(head_path)]
    if head.config is not None:
        cfg = tmp / f"{slug}.yml"
        cfg.write_text(head.config, encoding="utf-8")
        args.append(str(cfg))
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return float("inf"), "killed"
    try:
        got = json.loads(done.stdout.strip().splitlines()[-1])
        return float(got["seconds"]), str(got["outcome"])
    except (ValueError, IndexError, KeyError):
        print(f"  {name}: check failed: {done.stderr.strip()[-300:]}", file=sys.stderr)
        return float("nan"), "crashed"


async def healthz_during_review(head: str, seconds: float) -> dict[str, float]:
    """Latencies of /healthz (asked every 10 ms) while the service reviews `head`."""
    import aiohttp
    from aiohttp import web

    from bot.github.webhook import QUEUE, make_app
    from tests.fakes.github_server import FakeGitHub
    from tests.fakes.webhooks import delivery_headers, encode, payload_for
    from tests.service_kit import (
        OFFLINE_CITATIONS,
        OWNER,
        REPO,
        SECRET,
        readme_file,
        settings_for,
    )

    head_sha, base_sha = "1" * 40, "a" * 40
    async with FakeGitHub() as gh:
        gh.add_repo(OWNER, REPO, installation_id=1)
        gh.set_file(OWNER, REPO, base_sha, "README.md", BASE)
        gh.set_file(OWNER, REPO, head_sha, "README.md", head)
        gh.add_pull(OWNER, REPO, 1, base_sha=base_sha, head_sha=head_sha,
                    files=[readme_file(BASE, head)])
        app = make_app(settings_for(gh, BOT_RETRY_BUDGET="5"), citations=OFFLINE_CITATIONS)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}"
        latencies: list[float] = []
        async with aiohttp.ClientSession() as http:
            for _ in range(20):  # warm up (and start the review pool) before measuring
                async with http.get(f"{url}/healthz") as resp:
                    await resp.read()
            payload = payload_for("pull_request.opened", owner=OWNER, repo=REPO, number=1,
                                  head_sha=head_sha, base_sha=base_sha, installation_id=1)
            body = encode(payload)
            started = time.monotonic()
            async with http.post(f"{url}/webhook", data=body,
                                 headers=delivery_headers("pull_request", body, SECRET)) as resp:
                assert resp.status == 202, await resp.text()
            while time.monotonic() - started < seconds:
                sent = time.perf_counter()
                async with http.get(f"{url}/healthz") as resp:
                    await resp.read()
                latencies.append(time.perf_counter() - sent)
                runs = gh.check_runs(OWNER, REPO)
                if runs and runs[0]["status"] == "completed":
                    break
                await asyncio.sleep(0.01)
            took = time.monotonic() - started
        await app[QUEUE].join(timeout=seconds)
        await runner.cleanup()
        runs = gh.check_runs(OWNER, REPO)
    latencies.sort()
    return {"review_s": took, "n": len(latencies),
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "max_ms": 1000 * latencies[-1],
            "conclusion": runs[0].get("conclusion") if runs else "none"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="256 KB inputs, 2 random seeds")
    p.add_argument("--size", type=int, default=1_000_000, help="characters per input")
    p.add_argument("--seeds", type=int, default=5, help="random-structure inputs")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds before a check is killed")
    p.add_argument("--no-service", action="store_true", help="skip the /healthz measurement")
    p.add_argument("--one", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        one(args.one[0], args.one[1], args.one[2] if len(args.one) > 2 else None)
        return 0
    size, seeds = (256_000, 2) if args.quick else (args.size, args.seeds)
    heads = families(size, seeds)
    results: dict[str, float] = {}
    titles = {"full": f"each recipe grown to {size / 1e6:.2f} MB",
              "cap": f"the same recipes cut at {MAX_ADDED_LINES:,} added lines (reviewed in full)",
              "wide": f"{MAX_ADDED_LINES:,} long added lines filling {size / 1e6:.2f} MB "
                      "(reviewed in full)"}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, title in titles.items():
            print(f"\n{title}:\n")
            print("| family | bytes | check (s) | outcome |")
            print("|---|---:|---:|---|")
            for name, head in heads.items():
                if head.kind != kind:
                    continue
                secs, outcome = time_check(Path(tmp), name, head, args.timeout)
                results[name] = secs
                shown = f"> {args.timeout:g}" if secs == float("inf") else f"{secs:.2f}"
                print(f"| {name} | {len(head.text.encode()):,} | {shown} | {outcome} |",
                      flush=True)
    worst = max(results, key=lambda k: results[k] if results[k] == results[k] else -1)
    print(f"\nworst: {worst} ({results[worst]:.2f} s); target < 2 s")
    if not args.no_service:
        got = asyncio.run(healthz_during_review(heads[worst].text, max(60.0, args.timeout)))
        print(f"\n/healthz while the service reviews \"{worst}\" (review {got['review_s']:.1f} s, "
              f"check run {got['conclusion']}):")
        print("| requests | p50 (ms) | p99 (ms) | max (ms) |")
        print("|---:|---:|---:|---:|")
        print(f"| {got['n']} | {got['p50_ms']:.1f} | {got['p99_ms']:.1f} | {got['max_ms']:.1f} |")
        print("target: p99 < 100 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
