"""gather_facts: citation counts and link checks for entries, fetched within one time budget.

The order of asking, for each distinct paper (entries are deduped by `resolve(entry).key`):

1. the cache (a hit costs no request);
2. a lookup of the same paper already in flight in another review (its future is awaited);
3. Semantic Scholar: one `POST /paper/batch` for every paper with an id, and, at the same time,
   `GET /paper/search/match` for title-only papers (a few at a time);
4. OpenAlex for what Semantic Scholar did not answer (unknown id, no exact title, or failure):
   DOIs (a journal DOI, or arXiv's 10.48550 DataCite DOI) in one call, then title searches.

A count is accepted only for the identifier asked, or for a title that normalises equal to the
entry's; and in the end only when the record's title is the entry's (`resolve.same_title`): a
record found by a borrowed DOI goes to `Facts.mismatched`, with no count. A paper ends as a
Citation, as NOT_FOUND (every source answered, none knows it), or as Unverified (a source failed);
Facts carries only the Citations, and `Facts.unavailable` says in one line per source why some
counts are missing. Nothing here raises; everything ends by the budget.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import MappingProxyType

import aiohttp

from bot.awesome.facts import Citation, Facts
from bot.awesome.model import Entry
from bot.citations.cache import NOT_FOUND, CitationCache, Missing, Outcome, Unverified
from bot.citations.http import Deadline, JsonSource, SourceError, seconds_text, without_urls
from bot.citations.links import LinkChecker, LinkReport, link_session
from bot.citations.openalex import OpenAlex
from bot.citations.resolve import PaperRef, resolve, same_title
from bot.citations.semantic_scholar import BATCH_LIMIT, SemanticScholar
from bot.citations.settings import CitationSettings
from bot.scrub import remember, scrub

log = logging.getLogger(__name__)

HARD_GRACE = 0.5
"""Seconds past the budget after which gather_facts stops waiting, whatever is still running."""


def api_session(settings: CitationSettings) -> aiohttp.ClientSession:
    """A session for the citation APIs: no cookie jar, no default credentials."""
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(),
        connector=aiohttp.TCPConnector(limit=32),
        headers={"User-Agent": settings.user_agent},
    )


@dataclass(slots=True)
class LookupStats:
    """What a run did: papers asked, cache hits, lookups shared with another review."""

    papers: int = 0
    cache_hits: int = 0
    shared: int = 0

    def describe(self, sources: Sequence[JsonSource]) -> str:
        """One log line: papers, cache hits, shared lookups and requests per source and route."""
        asked = ", ".join(f"{s.name} {dict(s.requests)}" for s in sources if s.requests)
        return (
            f"{self.papers} papers, {self.cache_hits} from cache, {self.shared} shared; "
            f"requests: {asked or 'none'}"
        )


class CitationRun:
    """One review's citation lookups; results accumulate so a hard stop still keeps them."""

    def __init__(
        self,
        refs: Sequence[PaperRef],
        settings: CitationSettings,
        session: aiohttp.ClientSession,
        cache: CitationCache,
        deadline: Deadline,
    ) -> None:
        self.refs = {ref.key: ref for ref in refs}
        self.settings = settings
        self.cache = cache
        self.deadline = deadline
        s2_deadline = deadline.share(settings.s2_share) if settings.use_openalex else deadline
        self.s2 = SemanticScholar(session, settings, s2_deadline)
        self.openalex = OpenAlex(session, settings, deadline) if settings.use_openalex else None
        self.results: dict[str, Outcome] = {}
        self._failed: dict[str, set[str]] = {}
        self._answered: set[str] = set()
        self._claimed: dict[str, asyncio.Future[Outcome]] = {}
        self.stats = LookupStats(papers=len(self.refs))

    # --- the run -------------------------------------------------------------------------

    async def run(self) -> None:
        """Fill `results` for every ref: from cache, from another run, or from the sources."""
        waits: dict[str, asyncio.Future[Outcome]] = {}
        loop = asyncio.get_running_loop()
        for key in self.refs:
            hit = self.cache.get(key)
            if hit is not None:
                self.results[key] = hit
                self.stats.cache_hits += 1
            elif (fut := self.cache.inflight.get(key)) is not None and not fut.done():
                waits[key] = fut
            else:
                self._claimed[key] = self.cache.inflight[key] = loop.create_future()
        try:
            if self._claimed:
                await self._ask_sources([self.refs[k] for k in self._claimed])
        finally:
            self._settle()
        for key, fut in waits.items():
            self.stats.shared += 1
            try:
                async with asyncio.timeout(self.deadline.remaining()):
                    self.results[key] = await asyncio.shield(fut)
            except TimeoutError:
                budget = seconds_text(self.settings.budget)
                self.results[key] = Unverified(
                    (f"Citation lookup: another review's lookup outlasted the {budget} budget",)
                )

    def _settle(self) -> None:
        """Give every claimed paper an outcome, cache it, and wake whoever waits on it."""
        for key, fut in self._claimed.items():
            outcome = self.results.get(key)
            if outcome is None:
                if key in self._failed:
                    outcome = Unverified(self._reasons(self._failed[key]))
                elif key in self._answered:
                    outcome = NOT_FOUND
                else:  # never got its turn: the budget ran out, or the run was stopped
                    outcome = Unverified((self._budget_reason(),))
                self.results[key] = outcome
            self.cache.put(key, outcome)
            if not fut.done():
                fut.set_result(outcome)
            if self.cache.inflight.get(key) is fut:
                del self.cache.inflight[key]
        self._claimed = {}

    def _budget_reason(self) -> str:
        return f"Citation lookup: the {seconds_text(self.settings.budget)} budget ran out"

    async def _ask_sources(self, refs: list[PaperRef]) -> None:
        with_id = [r for r in refs if r.s2_id]
        titled = [r for r in refs if not r.s2_id and r.title]
        leftovers: list[PaperRef] = []
        await asyncio.gather(
            self._s2_batches(with_id, leftovers), self._s2_titles(titled, leftovers)
        )
        if self.openalex is not None and leftovers:
            await self._openalex(leftovers)
        else:
            self._answered.update(r.key for r in leftovers if r.key not in self._failed)

    # --- Semantic Scholar ----------------------------------------------------------------

    async def _s2_batches(self, refs: list[PaperRef], leftovers: list[PaperRef]) -> None:
        for start in range(0, len(refs), BATCH_LIMIT):
            chunk = refs[start : start + BATCH_LIMIT]
            try:
                answers = await self.s2.batch([r.s2_id or "" for r in chunk])
            except SourceError:
                self._mark_failed(chunk, self.s2)
                leftovers.extend(chunk)
                continue
            for ref, citation in zip(chunk, answers, strict=True):
                self._take(ref, citation, leftovers)

    async def _s2_titles(self, refs: list[PaperRef], leftovers: list[PaperRef]) -> None:
        async def one(ref: PaperRef) -> None:
            try:
                citation = await self.s2.match_title(ref.title, ref.year)
            except SourceError:
                self._mark_failed([ref], self.s2)
                leftovers.append(ref)
                return
            self._take(ref, citation, leftovers)

        await _bounded(self.settings.title_concurrency, one, refs)

    # --- OpenAlex ------------------------------------------------------------------------

    async def _openalex(self, refs: list[PaperRef]) -> None:
        assert self.openalex is not None
        by_doi = [r for r in refs if r.dois]
        rest = [r for r in refs if not r.dois]
        if by_doi:
            dois = [d for r in by_doi for d in r.dois]
            try:
                found = await self.openalex.by_dois(dois)
            except SourceError:
                self._mark_failed(by_doi, self.openalex)
                found = None
            if found is not None:
                for ref in by_doi:
                    hit = next((found[d] for d in ref.dois if d in found), None)
                    if hit is not None:
                        self._accept(ref, hit)
                    elif ref.title:
                        rest.append(ref)
                    else:
                        self._answered.add(ref.key)

        async def one(ref: PaperRef) -> None:
            assert self.openalex is not None
            try:
                hit = await self.openalex.search_title(ref.title, ref.year)
            except SourceError:
                self._mark_failed([ref], self.openalex)
                return
            if hit is not None:
                self._accept(ref, hit)
            else:
                self._answered.add(ref.key)

        await _bounded(self.settings.openalex_concurrency, one, [r for r in rest if r.title])

    # --- bookkeeping ---------------------------------------------------------------------

    def _take(self, ref: PaperRef, citation: Citation | None, leftovers: list[PaperRef]) -> None:
        if citation is not None:
            self._accept(ref, citation)
        else:
            leftovers.append(ref)

    def _accept(self, ref: PaperRef, citation: Citation) -> None:
        self.results[ref.key] = citation
        self._failed.pop(ref.key, None)

    def _mark_failed(self, refs: Sequence[PaperRef], source: JsonSource) -> None:
        for ref in refs:
            self._failed.setdefault(ref.key, set()).add(source.name)

    def _reasons(self, sources: set[str]) -> tuple[str, ...]:
        reasons = [s.problem.describe() for s in self.sources if s.problem and s.name in sources]
        return tuple(reasons) or (self._budget_reason(),)

    @property
    def sources(self) -> list[JsonSource]:
        """The sources this run may ask, primary first."""
        return [self.s2] + ([self.openalex] if self.openalex is not None else [])

    def unavailable(self) -> list[str]:
        """One line per source that failed, then reasons inherited from shared lookups."""
        lines = [s.problem.describe() for s in self.sources if s.problem is not None]
        for outcome in self.results.values():
            if isinstance(outcome, Unverified):
                lines.extend(outcome.reasons)
        return list(dict.fromkeys(lines))

    def citations(self) -> dict[str, Citation]:
        """Citations by lookup key."""
        return {k: v for k, v in self.results.items() if isinstance(v, Citation)}

    def not_found(self) -> set[str]:
        """Lookup keys every source asked answered "unknown" (not a failure)."""
        return {k for k, v in self.results.items() if isinstance(v, Missing)}

    @property
    def offline(self) -> bool:
        """True when papers were to be looked up, none got a count and every source failed."""
        if not self.refs or self.citations():
            return False
        asked = [s for s in self.sources if s.requests or s.problem]
        return bool(asked) and all(s.problem is not None for s in asked)


async def _bounded(
    limit: int, job: Callable[[PaperRef], Awaitable[None]], refs: Sequence[PaperRef]
) -> None:
    """Run `job` for every ref, at most `limit` at a time."""
    gate = asyncio.Semaphore(max(1, limit))

    async def gated(ref: PaperRef) -> None:
        async with gate:
            await job(ref)

    await asyncio.gather(*(gated(r) for r in refs))


def urls_of(entries: Sequence[Entry]) -> list[str]:
    """Every distinct http(s) link target of the entries, in order."""
    return list(
        dict.fromkeys(lk.target for e in entries for lk in e.links if lk.is_url and lk.target)
    )


async def gather_facts(
    entries: Sequence[Entry],
    settings: CitationSettings,
    *,
    session: aiohttp.ClientSession | None = None,
    cache: CitationCache | None = None,
    check_links: bool = True,
    link_entries: Sequence[Entry] | None = None,
) -> Facts:
    """Citation counts for `entries` and link checks for `link_entries` (default: the same).

    `session` is used for the citation APIs only and must carry no credentials of its own; link
    checks always use a private session. Never raises (bar cancellation); returns by about
    `settings.budget` seconds, with `Facts.unavailable` saying what could not be verified.
    """
    deadline = Deadline(settings.budget)
    remember(settings.s2_api_key, settings.openalex_api_key)
    cache = cache if cache is not None else CitationCache.from_settings(settings)
    wanted: dict[str, PaperRef] = {}
    for entry in entries:
        if (ref := resolve(entry)) is not None:
            wanted[entry.key] = ref
    urls = urls_of(link_entries if link_entries is not None else entries) if check_links else []
    refs = list({ref.key: ref for ref in wanted.values()}.values())
    problems: list[str] = []
    run: CitationRun | None = None
    report = LinkReport()
    try:
        async with AsyncExitStack() as stack:
            jobs: list[Awaitable[None]] = []
            if refs:
                api = session
                if api is None:
                    api = await stack.enter_async_context(api_session(settings))
                run = CitationRun(refs, settings, api, cache, deadline)
                jobs.append(_guarded(run.run(), "Citation lookup", problems))
            if urls:
                link_http = await stack.enter_async_context(link_session(settings))
                checker = LinkChecker(link_http, settings, deadline, cache=cache)
                report = checker.report
                jobs.append(_guarded(checker.check_all(urls), "Link check", problems))
            try:
                async with asyncio.timeout(settings.budget + HARD_GRACE):
                    await asyncio.gather(*jobs)
            except TimeoutError:
                budget = seconds_text(settings.budget)
                problems.append(f"Stopped waiting for outside facts after the {budget} budget")
    except Exception as exc:  # a bug or an aiohttp surprise must not sink the review
        log.exception("gathering facts failed")
        problems.append(f"Citation lookup: internal error ({type(exc).__name__})")
    citations = run.citations() if run is not None else {}
    found = {key: citations[ref.key] for key, ref in wanted.items() if ref.key in citations}
    by_entry, mismatched = _by_title(found, {e.key: e for e in entries})
    missing = run.not_found() if run is not None else set()
    not_found = frozenset(key for key, ref in wanted.items() if ref.key in missing)
    unchecked = [u for u in urls if u not in report.checks]
    if unchecked:
        problems.append(
            f"Link check: {len(unchecked)} of {len(urls)} links not checked within the "
            f"{seconds_text(settings.budget)} budget"
        )
    if run is not None:
        log.info("citation lookup: %s", run.stats.describe(run.sources))
    lines = (run.unavailable() if run is not None else []) + problems
    return Facts(
        citations=MappingProxyType(by_entry),
        links=MappingProxyType(dict(report.checks)),
        unavailable=tuple(dict.fromkeys(scrub(without_urls(line)) for line in lines)),
        offline=run.offline if run is not None else False,
        not_found=not_found,
        mismatched=MappingProxyType(mismatched),
    )


def _by_title(
    found: dict[str, Citation], entries: dict[str, Entry]
) -> tuple[dict[str, Citation], dict[str, Citation]]:
    """Counts split into those whose record has the entry's title and those that do not."""
    kept: dict[str, Citation] = {}
    mismatched: dict[str, Citation] = {}
    for key, cite in found.items():
        entry = entries[key]
        mine = same_title(entry.title, cite.matched_title)
        (kept if mine else mismatched)[key] = cite
    return kept, mismatched


async def _guarded(job: Awaitable[object], what: str, sink: list[str]) -> None:
    """Await a job; an unexpected exception becomes one line in `sink` instead of a crash."""
    try:
        await job
    except Exception as exc:
        log.exception("%s failed", what)
        sink.append(f"{what}: internal error ({type(exc).__name__})")


def gather_facts_sync(
    entries: Sequence[Entry],
    settings: CitationSettings,
    *,
    cache: CitationCache | None = None,
    check_links: bool = True,
    link_entries: Sequence[Entry] | None = None,
) -> Facts:
    """gather_facts in a fresh event loop, for the command line (not from inside a loop)."""
    return asyncio.run(
        gather_facts(
            entries, settings, cache=cache, check_links=check_links, link_entries=link_entries
        )
    )
