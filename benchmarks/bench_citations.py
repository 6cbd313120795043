"""Citation lookups for 100 real list entries against the fake services with 50 ms per request.

Run from the repository root:  python benchmarks/bench_citations.py [--latency 0.05] [--n 100]

The entries are the first N paper lines of the list's README (tests/fixtures/upstream, 2018-10-19):
arXiv links resolve to ids (one batch call), papers.nips.cc / cv-foundation / jmlr links are
title-only (one title match each); every tenth paper is unknown to Semantic Scholar so OpenAlex
answers it. Prints requests per route and wall time per scenario; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.awesome.model import Entry, Link  # noqa: E402
from bot.citations import CitationCache, CitationSettings, gather_facts, resolve  # noqa: E402
from bot.citations.resolve import arxiv_id_from_url  # noqa: E402
from tests.fakes.citation_server import CitationServer, FakePaper  # noqa: E402

README = ROOT / "tests" / "fixtures" / "upstream" / "versions" / "2018-10-19_1a0a9df.md"
LINE = re.compile(
    r"^- (?:\*\*)?(?P<title>.+?)(?:\*\*)? \((?P<year>\d{4})\).*?\[\[[^\]]*\]\]\((?P<url>[^)\s]+)\)"
)
ROUTES = ("s2.batch", "s2.match", "s2.paper", "openalex.work", "openalex.works")


def real_entries(n: int) -> list[Entry]:
    """The first `n` paper lines of the README with a year and a link."""
    entries: list[Entry] = []
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        m = LINE.match(line)
        if not m:
            continue
        url = m.group("url")
        entries.append(
            Entry(
                raw=line,
                start_line=number,
                end_line=number,
                section=0,
                title=m.group("title"),
                year=int(m.group("year")),
                links=(Link("pdf", url),),
                arxiv_id=arxiv_id_from_url(url),
            )
        )
        if len(entries) == n:
            break
    return entries


def fake_papers(entries: list[Entry]) -> list[FakePaper]:
    """One known paper per entry; every tenth is missing from Semantic Scholar."""
    return [
        FakePaper(
            title=e.title,
            year=e.year,
            citations=100 + i,
            arxiv=e.arxiv_id,
            in_s2=i % 10 != 9,
        )
        for i, e in enumerate(entries)
    ]


async def naive(server: CitationServer, entries: list[Entry]) -> float:
    """The baseline: one request per paper, one after another (GET by id, else title match)."""
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        for e in entries:
            if e.arxiv_id:
                url, params = f"{server.s2_url}/paper/ARXIV:{e.arxiv_id}", {}
            else:
                url, params = f"{server.s2_url}/paper/search/match", {"query": e.title}
            async with http.get(url, params={**params, "fields": "citationCount"}) as resp:
                await resp.read()
    return time.monotonic() - started


def row(name: str, wall: float, server: CitationServer, found: int | str) -> str:
    counts = [str(server.counts.get(r, 0)) for r in ROUTES]
    return f"| {name} | {wall:.2f} s | " + " | ".join(counts) + f" | {server.calls()} | {found} |"


async def main(latency: float, n: int) -> None:
    entries = real_entries(n)
    refs = [resolve(e) for e in entries]
    with_id = sum(1 for r in refs if r and r.s2_id)
    print(
        f"{len(entries)} entries: {with_id} with an id, {len(entries) - with_id} title-only; "
        f"fake latency {latency * 1000:.0f} ms per request\n"
    )
    print("| scenario | wall | " + " | ".join(ROUTES) + " | total | counts found |")
    print("|---|---|" + "---|" * (len(ROUTES) + 2))
    async with CitationServer(fake_papers(entries), latency=latency) as server:
        base = CitationSettings(s2_url=server.s2_url, openalex_url=server.openalex_url, budget=30.0)
        for concurrency in (1, 3, 8):
            server.reset()
            settings = replace(base, title_concurrency=concurrency)
            started = time.monotonic()
            facts = await gather_facts(entries, settings, check_links=False)
            wall = time.monotonic() - started
            print(row(f"cold, title_concurrency={concurrency}", wall, server, len(facts.citations)))

        cache = CitationCache()
        settings = replace(base, title_concurrency=3)
        server.reset()
        started = time.monotonic()
        await gather_facts(entries, settings, cache=cache, check_links=False)
        print(row("cold, filling a cache", time.monotonic() - started, server, "-"))
        server.reset()
        started = time.monotonic()
        facts = await gather_facts(entries, settings, cache=cache, check_links=False)
        print(
            row(
                "warm, same cache (2nd review)",
                time.monotonic() - started,
                server,
                len(facts.citations),
            )
        )

        server.reset()
        started = time.monotonic()
        results = await asyncio.gather(
            *(
                gather_facts(entries, settings, cache=CitationCache(), check_links=False)
                for _ in range(2)
            )
        )
        print(
            row(
                "2 reviews at once, separate caches",
                time.monotonic() - started,
                server,
                "/".join(str(len(f.citations)) for f in results),
            )
        )
        server.reset()
        shared = CitationCache()
        started = time.monotonic()
        results = await asyncio.gather(
            *(gather_facts(entries, settings, cache=shared, check_links=False) for _ in range(2))
        )
        print(
            row(
                "2 reviews at once, one cache (dedupe)",
                time.monotonic() - started,
                server,
                "/".join(str(len(f.citations)) for f in results),
            )
        )

        server.reset()
        server.s2_rate_limit_first = 3
        started = time.monotonic()
        facts = await gather_facts(entries, replace(settings, budget=4.0), check_links=False)
        print(
            row(
                "cold, first 3 S2 calls get 429, 4 s budget",
                time.monotonic() - started,
                server,
                len(facts.citations),
            )
        )

        server.reset()
        server.s2_rate_limit_first = 0
        wall = await naive(server, entries)
        print(row("naive: one S2 GET per paper, serial", wall, server, "-"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.latency, args.n))
