"""A fake Semantic Scholar + OpenAlex + link-target server: a real aiohttp server on 127.0.0.1.

It answers in the shapes recorded from the real services (tests/fixtures/citations, see its
SOURCES.md) and refuses what they refuse: an unknown `fields`/`select`/filter name gets the
recorded 400, more than 500 batch ids or 100 OR-ed filter values a 400, a versioned
`ARXIV:1512.03385v2` id is unknown (null in a batch, 404 alone), an unknown title a 404 "Title
match not found", a wrong `x-api-key` a 403, a wrong OpenAlex `api_key` the recorded 401. It can
also answer 429 to the first N requests, fail with any status, add latency, and it counts every
request by route (`server.counts["s2.batch"]`), keeps the peak number of concurrent requests per
group (`server.peak["s2"]`, "openalex", "links") and records each request's headers.

Data-driven: tell it which papers exist and how often they are cited:

    async with CitationServer([FakePaper("Deep residual learning for image recognition", 2016,
                                         5000, arxiv="1512.03385")]) as server:
        settings = CitationSettings(s2_url=server.s2_url, openalex_url=server.openalex_url)

Routes: `POST /graph/v1/paper/batch`, `GET /graph/v1/paper/search/match`,
`GET /graph/v1/paper/{id}`, `GET /works`, `GET /works/{id}`, and link targets under `/links/`:
`ok`, `gone` (404), `removed` (410), `slow`, `redirect-loop`, `redirect/{n}` (n hops, then ok),
`no-head` (405 to HEAD, 200 to GET), `error` (503), `rate-limited` (429), `set-cookie`, `echo`.

Standalone, for an end-to-end run of the command line (from the repository root):

    python -m tests.fakes.citation_server --port 8931 \\
        --paper "ARXIV:1512.03385@2016=5000|Deep residual learning for image recognition" \\
        --paper "TITLE:How transferable are features in deep neural networks?@2014=3000" \\
        --latency 0.05

It prints `SEMANTIC_SCHOLAR_API_URL=...` and `OPENALEX_API_URL=...` lines (then `READY`) and
serves until interrupted; `--port 0` picks a free port (read it from those lines). Then:

    SEMANTIC_SCHOLAR_API_URL=http://127.0.0.1:8931/graph/v1 \\
    OPENALEX_API_URL=http://127.0.0.1:8931 LINK_CHECK_ALLOW_PRIVATE=1 \\
        python -m bot check ...

A paper spec is `KIND:VALUE[@YEAR]=COUNT[|TITLE]` with KIND one of ARXIV, DOI, ACL or TITLE (a
paper given by id without `|TITLE` gets the title "Paper <id>"); `--papers-json FILE` takes a
list of objects with FakePaper's fields for anything richer (`{"title": ..., "year": 2014,
"citations": 3000, "arxiv": "1412.6980", "in_s2": false}`). `--help` lists the failure switches.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import hashlib
import json
import re
import signal
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "citations"
S2_BATCH_LIMIT = 500
OPENALEX_OR_LIMIT = 100
OPENALEX_MAX_PER_PAGE = 200
S2_429_BODY = {
    "message": "Too Many Requests. Please wait and try again or apply for a key for higher rate "
    "limits. https://www.semanticscholar.org/product/api#api-key-form",
    "code": "429",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# Shapes and refusals, from the recorded bodies.
S2_PAPER_TEMPLATE: dict[str, Any] = _load("s2/test_get_papers_return_not_found.json")[1]
S2_FIELDS = frozenset(S2_PAPER_TEMPLATE) | {"citations", "references", "embedding", "tldr"}
S2_BAD_FIELDS = _load(
    "s2/test_bad_query_parameters.json"
)  # {"error": "Unrecognized ...: [unknown]"}
S2_NOT_FOUND = _load("s2/test_not_found_0.json")  # {"error": "Paper with id 0 not found"}
S2_MATCH = _load("s2/test_search_paper_match_title.json")  # {"data": [{paperId,title,matchScore}]}
OA_WORK_TEMPLATE: dict[str, Any] = _load("openalex/work_W2741809807_singleton.json")
OA_LIST = _load("openalex/openalexPro_pro_request_list_count_0.json")
OA_BAD_FILTER = _load("openalex/openalexPro_opt_filter_names_0.json")
OA_BAD_SELECT = _load("openalex/openalexPro_opt_select_fields_0.json")
OA_BAD_KEY = _load("openalex/openalexPro_pro_rate_limit_status_401_0.json")


def _valid_names(message: str) -> frozenset[str]:
    listed = message.split(": ", 1)[1]
    return frozenset(name.strip() for name in listed.split(","))


OA_FILTERS = _valid_names(OA_BAD_FILTER["message"])
OA_SELECT = _valid_names(OA_BAD_SELECT["message"])

_WORD = re.compile(r"[^\W_]+")
_ARXIV_URL = re.compile(
    r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.I
)
_ACL_URL = re.compile(r"(?:aclweb|aclanthology)\.org/.*?([A-Z]\d{2}-\d{4})")


def _words(title: str) -> list[str]:
    return _WORD.findall(title.casefold())


def _norm(title: str) -> str:
    return " ".join(_words(title))


def _bare_doi(doi: str) -> str:
    d = unquote(doi.strip())
    for prefix in ("https://doi.org/", "http://doi.org/", "doi.org/", "doi:"):
        if d.lower().startswith(prefix):
            d = d[len(prefix) :]
    return d.lower()


@dataclass
class FakePaper:
    """A paper the fake services know: its title, year, ids and citation counts."""

    title: str
    year: int | None
    citations: int
    arxiv: str | None = None
    doi: str | None = None
    acl: str | None = None
    openalex_citations: int | None = None
    in_s2: bool = True
    in_openalex: bool = True

    def _digest(self) -> str:
        seed = f"{self.title}|{self.arxiv}|{self.doi}|{self.acl}"
        return hashlib.sha1(seed.encode()).hexdigest()

    @property
    def paper_id(self) -> str:
        """A 40-hex Semantic Scholar paperId, stable for the paper."""
        return self._digest()

    @property
    def corpus_id(self) -> int:
        """A Semantic Scholar corpusId, stable for the paper."""
        return int(self._digest()[:8], 16) % 10**9

    @property
    def openalex_id(self) -> str:
        """An OpenAlex work URL, stable for the paper."""
        return f"https://openalex.org/W{int(self._digest()[8:16], 16) % 10**10}"

    @property
    def openalex_doi(self) -> str | None:
        """The DOI OpenAlex files the work under: the journal DOI, else arXiv's DataCite DOI."""
        if self.doi:
            return self.doi.lower()
        return f"10.48550/arxiv.{self.arxiv.lower()}" if self.arxiv else None


@dataclass
class Recorded:
    """One request the fake received."""

    route: str
    method: str
    path_qs: str
    headers: dict[str, str]
    body: str = ""


@dataclass
class CitationServer:
    """The fake; every option may be changed while it runs."""

    papers: list[FakePaper] = field(default_factory=list)
    s2_api_key: str | None = None
    s2_require_key: bool = False
    openalex_api_key: str | None = None
    s2_rate_limit_first: int = 0
    openalex_rate_limit_first: int = 0
    s2_status: int | None = None
    openalex_status: int | None = None
    retry_after: str | None = None
    latency: float = 0.0
    slow_link_seconds: float = 3.0
    counts: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    _active: Counter[str] = field(default_factory=Counter, repr=False)
    requests: list[Recorded] = field(default_factory=list)
    _runner: web.AppRunner | None = field(default=None, repr=False)
    _port: int = 0
    _host: str = "127.0.0.1"

    # --- lifecycle -----------------------------------------------------------------------

    def __post_init__(self) -> None:
        self.papers = list(self.papers)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> CitationServer:
        """Listen on host:port (0 = any free port)."""
        self._runner = web.AppRunner(
            self.app(), shutdown_timeout=0.2, handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._host = host
        return self

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> CitationServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://{self._host}:{self._port}"

    @property
    def s2_url(self) -> str:
        """What SEMANTIC_SCHOLAR_API_URL should be."""
        return f"{self.url}/graph/v1"

    @property
    def openalex_url(self) -> str:
        """What OPENALEX_API_URL should be."""
        return self.url

    def link(self, name: str) -> str:
        """The URL of a link target (`ok`, `gone`, `slow`, `redirect-loop`, ...)."""
        return f"{self.url}/links/{name}"

    def env(self) -> dict[str, str]:
        """Environment variables that point the bot at this server."""
        return {"SEMANTIC_SCHOLAR_API_URL": self.s2_url, "OPENALEX_API_URL": self.openalex_url}

    def calls(self, prefix: str = "") -> int:
        """How many requests reached routes whose name starts with `prefix` ("s2.", "openalex.")."""
        return sum(n for route, n in self.counts.items() if route.startswith(prefix))

    def reset(self) -> None:
        """Forget counts, peaks and recorded requests."""
        self.counts.clear()
        self.peak.clear()
        self.requests.clear()

    def add(self, *papers: FakePaper) -> None:
        """Make more papers known."""
        self.papers.extend(papers)

    # --- the app -------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application with every route."""
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_post("/graph/v1/paper/batch", self._s2_batch, name="s2.batch")
        r.add_get("/graph/v1/paper/search/match", self._s2_match, name="s2.match")
        r.add_get("/graph/v1/paper/{paper_id:.+}", self._s2_paper, name="s2.paper")
        r.add_get("/works", self._oa_works, name="openalex.works")
        r.add_get("/works/{work_id:.+}", self._oa_work, name="openalex.work")
        r.add_route("*", "/links/ok", self._link_ok, name="links.ok")
        r.add_route("*", "/links/gone", self._status(404), name="links.gone")
        r.add_route("*", "/links/removed", self._status(410), name="links.removed")
        r.add_route("*", "/links/error", self._status(503), name="links.error")
        r.add_route("*", "/links/rate-limited", self._status(429), name="links.rate-limited")
        r.add_route("*", "/links/slow", self._link_slow, name="links.slow")
        r.add_route("*", "/links/redirect-loop", self._link_loop, name="links.redirect-loop")
        r.add_route("*", "/links/redirect/{n:\\d+}", self._link_redirect, name="links.redirect")
        r.add_route("*", "/links/no-head", self._link_no_head, name="links.no-head")
        r.add_route("*", "/links/set-cookie", self._link_cookie, name="links.set-cookie")
        r.add_route("*", "/links/echo", self._link_ok, name="links.echo")
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.name or "unrouted"
        body = await request.text() if request.can_read_body else ""
        self.counts[route] += 1
        self.requests.append(
            Recorded(route, request.method, request.path_qs, dict(request.headers), body)
        )
        group = route.split(".", 1)[0]
        self._active[group] += 1
        self.peak[group] = max(self.peak[group], self._active[group])
        try:
            if group in ("s2", "openalex") and self.latency:
                await asyncio.sleep(self.latency)
            refused = (
                self._s2_refusal(request)
                if group == "s2"
                else self._oa_refusal(request)
                if group == "openalex"
                else None
            )
            return refused if refused is not None else await handler(request)
        finally:
            self._active[group] -= 1

    def _s2_refusal(self, request: web.Request) -> web.Response | None:
        key = request.headers.get("x-api-key")
        if (key is not None and key != self.s2_api_key) or (self.s2_require_key and key is None):
            return web.json_response({"message": "Forbidden"}, status=403)
        if self.s2_rate_limit_first > 0:
            self.s2_rate_limit_first -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else None
            return web.json_response(S2_429_BODY, status=429, headers=headers)
        if self.s2_status is not None:
            return web.json_response({"message": "Internal server error"}, status=self.s2_status)
        return None

    def _oa_refusal(self, request: web.Request) -> web.Response | None:
        key = request.query.get("api_key")
        if self.openalex_api_key is not None and key is not None and key != self.openalex_api_key:
            return web.json_response(OA_BAD_KEY, status=401)
        if self.openalex_rate_limit_first > 0:
            self.openalex_rate_limit_first -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else None
            body = {"error": "Rate limit exceeded", "message": "Too many requests"}
            return web.json_response(body, status=429, headers=headers)
        if self.openalex_status is not None:
            return web.json_response({"error": "Server error"}, status=self.openalex_status)
        return None

    # --- Semantic Scholar ----------------------------------------------------------------

    def s2_find(self, paper_id: str) -> FakePaper | None:
        """The paper an S2 id names, as the real resolver would; versioned arXiv ids are unknown."""
        kind, _, value = paper_id.partition(":")
        kind = kind.upper() if value else ""
        known = [p for p in self.papers if p.in_s2]
        if kind == "ARXIV":
            return next((p for p in known if p.arxiv and p.arxiv.lower() == value.lower()), None)
        if kind == "DOI" or (not kind and paper_id.startswith("10.")):
            doi = _bare_doi(value if kind else paper_id)
            return next((p for p in known if p.doi and p.doi.lower() == doi), None)
        if kind == "ACL":
            return next((p for p in known if p.acl and p.acl.upper() == value.upper()), None)
        if kind == "CORPUSID":
            return next((p for p in known if str(p.corpus_id) == value), None)
        if kind == "URL":
            if m := _ARXIV_URL.search(value):
                return self.s2_find(f"ARXIV:{m.group(1)}")
            if m := _ACL_URL.search(value):
                return self.s2_find(f"ACL:{m.group(1)}")
            return next((p for p in known if p.paper_id in value), None)
        return next((p for p in known if p.paper_id == paper_id), None)

    @staticmethod
    def _s2_fields(request: web.Request) -> list[str] | web.Response:
        raw = request.query.get("fields")
        if raw is None:
            return ["title"]
        wanted = [f.strip() for f in raw.split(",") if f.strip()]
        bad = [f for f in wanted if f.split(".")[0] not in S2_FIELDS]
        if bad:
            error = S2_BAD_FIELDS["error"].replace("[unknown]", f"[{', '.join(bad)}]")
            return web.json_response({"error": error}, status=400)
        return wanted

    @staticmethod
    def s2_paper(paper: FakePaper, wanted: Iterable[str]) -> dict[str, Any]:
        """A paper object with `paperId` and the wanted fields, in the recorded key order."""
        external: dict[str, Any] = {}
        if paper.arxiv:
            external["ArXiv"] = paper.arxiv
        if paper.doi:
            external["DOI"] = paper.doi
        if paper.acl:
            external["ACL"] = paper.acl
        external["CorpusId"] = paper.corpus_id
        values = {
            "paperId": paper.paper_id,
            "externalIds": external,
            "corpusId": paper.corpus_id,
            "url": f"https://www.semanticscholar.org/paper/{paper.paper_id}",
            "title": paper.title,
            "year": paper.year,
            "citationCount": paper.citations,
            "publicationDate": f"{paper.year}-01-01" if paper.year else None,
        }
        wanted_set = set(wanted) | {"paperId"}
        order = [*S2_PAPER_TEMPLATE, *sorted(S2_FIELDS - set(S2_PAPER_TEMPLATE))]
        return {k: values.get(k) for k in order if k in wanted_set}

    async def _s2_batch(self, request: web.Request) -> web.Response:
        wanted = self._s2_fields(request)
        if isinstance(wanted, web.Response):
            return wanted
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "Unable to parse request body"}, status=400)
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return web.json_response({"error": "Request body must have a list of ids"}, status=400)
        if len(ids) > S2_BATCH_LIMIT:
            error = f"Cannot process more than {S2_BATCH_LIMIT} paper ids at a time"
            return web.json_response({"error": error}, status=400)
        found = [self.s2_find(i) for i in ids]
        return web.json_response([self.s2_paper(p, wanted) if p else None for p in found])

    async def _s2_match(self, request: web.Request) -> web.Response:
        wanted = self._s2_fields(request)
        if isinstance(wanted, web.Response):
            return wanted
        query = request.query.get("query", "")
        if not query.strip():
            return web.json_response({"error": "Missing required parameter: 'query'"}, status=400)
        years = _year_range(request.query.get("year"))
        words = set(_words(query))
        best: tuple[float, FakePaper] | None = None
        for paper in self.papers:
            if not paper.in_s2 or (years and (paper.year is None or paper.year not in years)):
                continue
            theirs = set(_words(paper.title))
            score = len(words & theirs) / max(1, len(words | theirs))
            if _norm(paper.title) == _norm(query):
                score = 2.0
            if score >= 0.5 and (best is None or score > best[0]):
                best = (score, paper)
        if best is None:
            return web.json_response({"error": "Title match not found"}, status=404)
        paper_json = self.s2_paper(best[1], wanted)
        score_key = next(iter(S2_MATCH["data"][0].keys() - {"paperId", "title"}))
        paper_json[score_key] = round(best[0] * 60, 5)
        return web.json_response({"data": [paper_json]})

    async def _s2_paper(self, request: web.Request) -> web.Response:
        wanted = self._s2_fields(request)
        if isinstance(wanted, web.Response):
            return wanted
        paper_id = request.match_info["paper_id"]
        paper = self.s2_find(paper_id)
        if paper is None:
            error = S2_NOT_FOUND["error"].replace("id 0", f"id {paper_id}")
            return web.json_response({"error": error}, status=404)
        return web.json_response(self.s2_paper(paper, wanted))

    # --- OpenAlex ------------------------------------------------------------------------

    def oa_work(self, paper: FakePaper) -> dict[str, Any]:
        """A Work object for a paper, on the recorded W2741809807 template."""
        work = copy.deepcopy(OA_WORK_TEMPLATE)
        doi = paper.openalex_doi
        count = (
            paper.openalex_citations if paper.openalex_citations is not None else paper.citations
        )
        work.update(
            id=paper.openalex_id,
            doi=f"https://doi.org/{doi}" if doi else None,
            title=paper.title,
            display_name=paper.title,
            publication_year=paper.year,
            publication_date=f"{paper.year}-01-01" if paper.year else None,
            ids={
                "openalex": paper.openalex_id,
                **({"doi": f"https://doi.org/{doi}"} if doi else {}),
            },
            cited_by_count=count,
            counts_by_year=[],
            referenced_works=[],
            related_works=[],
        )
        return work

    @staticmethod
    def _select(request: web.Request) -> list[str] | web.Response | None:
        raw = request.query.get("select")
        if raw is None:
            return None
        wanted = [s.strip() for s in raw.split(",") if s.strip()]
        for name in wanted:
            if name not in OA_SELECT:
                message = OA_BAD_SELECT["message"].replace("DOESNTEXIST", name, 1)
                return web.json_response({**OA_BAD_SELECT, "message": message}, status=400)
        return wanted

    @staticmethod
    def _shape(work: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
        return work if select is None else {k: work.get(k) for k in select}

    def _oa_known(self) -> list[FakePaper]:
        return [p for p in self.papers if p.in_openalex]

    async def _oa_work(self, request: web.Request) -> web.Response:
        select = self._select(request)
        if isinstance(select, web.Response):
            return select
        work_id = request.match_info["work_id"]
        paper: FakePaper | None = None
        if re.fullmatch(r"W\d+", work_id, re.I):
            url = f"https://openalex.org/{work_id.upper()}"
            paper = next((p for p in self._oa_known() if p.openalex_id == url), None)
        elif work_id.lower().startswith(("doi:", "https://doi.org/", "http://doi.org/", "10.")):
            doi = _bare_doi(work_id)
            paper = next((p for p in self._oa_known() if p.openalex_doi == doi), None)
        if paper is None:
            message = f"The work {work_id} does not exist."
            return web.json_response({"error": "Not Found", "message": message}, status=404)
        return web.json_response(self._shape(self.oa_work(paper), select))

    async def _oa_works(self, request: web.Request) -> web.Response:
        select = self._select(request)
        if isinstance(select, web.Response):
            return select
        per_page_raw = request.query.get("per_page", request.query.get("per-page", "25"))
        if not per_page_raw.isdigit() or not 1 <= int(per_page_raw) <= OPENALEX_MAX_PER_PAGE:
            message = f"per-page parameter must be between 1 and {OPENALEX_MAX_PER_PAGE}"
            error = {"error": "Invalid query parameters error.", "message": message}
            return web.json_response(error, status=400)
        per_page = int(per_page_raw)
        papers = self._oa_known()
        scores: dict[int, float] = {}
        for clause in filter(None, request.query.get("filter", "").split(",")):
            given, _, value = clause.partition(":")
            name = given.strip().lower().replace("-", "_")
            if name not in OA_FILTERS:
                message = OA_BAD_FILTER["message"].replace("DOESNTEXIST", given.strip(), 1)
                return web.json_response({**OA_BAD_FILTER, "message": message}, status=400)
            values = value.split("|")
            if len(values) > OPENALEX_OR_LIMIT:
                message = (
                    f"Maximum number of values exceeded for {name}. "
                    f"Decrease values to {OPENALEX_OR_LIMIT} or below."
                )
                error = {"error": "Invalid query parameters error.", "message": message}
                return web.json_response(error, status=400)
            keep = _OA_FILTERS_MODELLED.get(name)
            if keep is None:
                error = {"error": "Not modelled", "message": f"fake: filter {name} not modelled"}
                return web.json_response(error, status=501)
            papers = [p for p in papers if keep(p, values)]
        if search := request.query.get("search", "").strip():
            words = set(_words(search))
            ranked = []
            for p in papers:
                theirs = set(_words(p.title))
                if overlap := len(words & theirs):
                    scores[id(p)] = overlap / len(words | theirs) * 100
                    ranked.append(p)
            papers = sorted(ranked, key=lambda p: -scores[id(p)])
        results = []
        for p in papers[:per_page]:
            work = self.oa_work(p)
            if search:
                work["relevance_score"] = scores[id(p)]
            results.append(self._shape(work, select))
        meta = {**OA_LIST["meta"], "count": len(papers), "page": 1, "per_page": per_page}
        return web.json_response({"meta": meta, "results": results, "group_by": []})

    # --- link targets --------------------------------------------------------------------

    async def _link_ok(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    @staticmethod
    def _status(status: int) -> Handler:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=status, text=f"HTTP {status}")

        return handler

    async def _link_slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.slow_link_seconds)
        return web.Response(text="finally")

    async def _link_loop(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/links/redirect-loop")

    async def _link_redirect(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/links/redirect/{n - 1}" if n > 1 else "/links/ok")

    async def _link_no_head(self, request: web.Request) -> web.Response:
        if request.method == "HEAD":
            return web.Response(status=405, headers={"Allow": "GET"})
        return web.Response(text="GET only")

    async def _link_cookie(self, request: web.Request) -> web.Response:
        response = web.HTTPFound("/links/echo")
        response.set_cookie("session", "secret-session-id")
        raise response


def _year_range(raw: str | None) -> range | None:
    """S2's `year` parameter: 2019, 2016-2020, 2010-, -2015."""
    if not raw:
        return None
    lo, sep, hi = raw.partition("-")
    if not sep:
        return range(int(lo), int(lo) + 1)
    return range(int(lo) if lo else 0, (int(hi) if hi else 9999) + 1)


def _year_match(paper: FakePaper, values: list[str]) -> bool:
    if paper.year is None:
        return False
    for v in values:
        v = v.strip()
        if v.startswith(">") and paper.year > int(v[1:]):
            return True
        if v.startswith("<") and paper.year < int(v[1:]):
            return True
        lo, sep, hi = v.partition("-")
        if sep and lo.isdigit() and hi.isdigit() and int(lo) <= paper.year <= int(hi):
            return True
        if v.isdigit() and paper.year == int(v):
            return True
    return False


def _title_match(paper: FakePaper, values: list[str]) -> bool:
    return any(set(_words(v)) <= set(_words(paper.title)) for v in values)


_OA_FILTERS_MODELLED: dict[str, Callable[[FakePaper, list[str]], bool]] = {
    "doi": lambda p, vs: (
        p.openalex_doi is not None and p.openalex_doi in {_bare_doi(v) for v in vs}
    ),
    "publication_year": _year_match,
    "openalex": lambda p, vs: p.openalex_id.rsplit("/", 1)[1] in {v.upper() for v in vs},
    "title.search": _title_match,
    "display_name.search": _title_match,
}


# --- standalone --------------------------------------------------------------------------


def parse_paper(spec: str) -> FakePaper:
    """A FakePaper from `KIND:VALUE[@YEAR]=COUNT[|TITLE]` (KIND: ARXIV, DOI, ACL, TITLE)."""
    spec, _, named = spec.partition("|")
    ident, sep, count = spec.rpartition("=")
    if not sep or not count.strip().isdigit():
        raise ValueError(f"paper spec {spec!r}: expected KIND:VALUE[@YEAR]=COUNT")
    year: int | None = None
    if m := re.search(r"@(\d{4})$", ident):
        year, ident = int(m.group(1)), ident[: m.start()]
    kind, colon, value = ident.partition(":")
    kind = kind.strip().upper()
    value = value.strip()
    if not colon or not value or kind not in {"ARXIV", "DOI", "ACL", "TITLE"}:
        raise ValueError(f"paper spec {spec!r}: KIND must be ARXIV, DOI, ACL or TITLE")
    title = value if kind == "TITLE" else named.strip() or f"Paper {kind}:{value}"
    return FakePaper(
        title=title,
        year=year,
        citations=int(count),
        arxiv=value if kind == "ARXIV" else None,
        doi=value if kind == "DOI" else None,
        acl=value if kind == "ACL" else None,
    )


def _papers_json(path: str) -> list[FakePaper]:
    names = {f.name for f in fields(FakePaper)}
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return [FakePaper(**{k: v for k, v in item.items() if k in names}) for item in raw]


def build_arg_parser() -> argparse.ArgumentParser:
    """Options of the standalone fake."""
    p = argparse.ArgumentParser(
        prog="python -m tests.fakes.citation_server",
        description="Fake Semantic Scholar + OpenAlex + link targets on 127.0.0.1.",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--paper", action="append", default=[],
                   metavar="KIND:VALUE[@YEAR]=COUNT[|TITLE]")
    p.add_argument("--papers-json", metavar="FILE", help="a JSON list of FakePaper objects")
    p.add_argument("--latency", type=float, default=0.0, help="seconds added to each API call")
    p.add_argument("--s2-api-key", help="the only x-api-key accepted (others get 403)")
    p.add_argument("--s2-require-key", action="store_true", help="403 without x-api-key")
    p.add_argument("--openalex-api-key", help="the only api_key accepted (others get 401)")
    p.add_argument("--s2-rate-limit-first", type=int, default=0, metavar="N")
    p.add_argument("--openalex-rate-limit-first", type=int, default=0, metavar="N")
    p.add_argument("--s2-status", type=int, help="answer every S2 call with this status")
    p.add_argument("--openalex-status", type=int, help="answer every OpenAlex call so")
    return p


async def serve(args: argparse.Namespace) -> None:
    """Run until SIGINT/SIGTERM, printing where to point the bot."""
    papers = [parse_paper(s) for s in args.paper]
    if args.papers_json:
        papers.extend(_papers_json(args.papers_json))
    server = CitationServer(
        papers,
        s2_api_key=args.s2_api_key,
        s2_require_key=args.s2_require_key,
        openalex_api_key=args.openalex_api_key,
        s2_rate_limit_first=args.s2_rate_limit_first,
        openalex_rate_limit_first=args.openalex_rate_limit_first,
        s2_status=args.s2_status,
        openalex_status=args.openalex_status,
        latency=args.latency,
    )
    await server.start(args.host, args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    for name, value in server.env().items():
        print(f"{name}={value}")
    print(f"LINKS_URL={server.url}/links")
    print("READY", flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()
        print(f"requests: {dict(server.counts)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m tests.fakes.citation_server`."""
    args = build_arg_parser().parse_args(argv)
    try:
        asyncio.run(serve(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
