"""A fake GitHub REST API for integration tests: a real aiohttp server on 127.0.0.1.

It serves the operations in GitHub's own OpenAPI description of the routes the bot uses
(tests/fixtures/github/openapi-subset.json, see its SOURCES.md), answers in the shapes of that
description's schemas and examples, and refuses what it refuses: every JSON request body is
validated with `jsonschema` against the operation's `requestBody` schema (OpenAPI `nullable`
translated), plus the limits GitHub documents or was observed to enforce (rules.md): comment
bodies <= 65536 chars, check-run `summary`/`text` <= 65535 UTF-8 bytes, <= 50 annotations per
request (each update appends), annotation title <= 255 chars and message <= 64 KB, label name
<= 50 and description <= 100 chars, <= 1000 statuses per sha+context, review comments must
anchor on a line of the file's diff, content creation (comments, reviews, issues) at most 80 a
minute and 500 an hour per installation (then 403 naming the secondary rate limit). A check run
lists only same-repository PRs in `pull_requests` (a fork PR's is empty); its commit's PRs come
from `GET /repos/{o}/{r}/commits/{sha}/pulls`, its runs from `.../commits/{ref}/check-runs`
(check_name, app_id, status, filter). `GET /app` wants the App's JWT; `revoke_tokens()` makes
live installation tokens answer 401. `python -m tests.fakes.github_server` serves a demo.

    async with FakeGitHub() as gh:
        gh.add_repo("octo", "papers", installation_id=7)
        gh.set_file("octo", "papers", "b" * 40, "README.md", "# Papers\n")
        gh.add_pull("octo", "papers", 3, base_sha="a" * 40, head_sha="b" * 40,
                    files=[{"filename": "README.md", "status": "modified",
                            "patch": "@@ -1 +1,2 @@\n # Papers\n+- new\n"}])
        token = gh.installation_token(7)         # or the real flow with gh.app_jwt()
        ...                                       # point the bot at gh.url
        assert gh.reviews("octo", "papers", 3)

Authentication is GitHub's: `POST /app/installations/{id}/access_tokens` and
`GET /repos/{o}/{r}/installation` want `Authorization: Bearer <RS256 JWT>` signed with
`gh.private_key_pem` and `iss == str(gh.app_id)`; every /repos route wants an installation token
or `gh.static_token` (`token X` or `Bearer X`). Every call is recorded in `gh.calls`; faults
(any status, latency, connection resets) are injected with `gh.inject(...)`.

Options: `read_only_tokens` (every write 403, like a fork PR's token), `latency` (seconds added
to every request), `rate_limit` (primary limit per token; 403 with remaining 0 beyond it),
`token_ttl`, `allow_position` (accept the deprecated review-comment `position`),
`static_token_kind` ("pat": a user's token that cannot write check runs; "actions": a
GITHUB_TOKEN-like bot token), `private_key` (share one RSA key between instances for speed).
Synchronous tests can use `with FakeGitHub() as gh:` (serves from a background thread).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import fnmatch
import functools
import hashlib
import itertools
import json
import math
import re
import secrets
import threading
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote, urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
SPEC_FILE = FIXTURES / "openapi-subset.json"
SPEC_URI = "urn:fake-github:openapi-subset"
API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
HTML = "https://github.com"

# Limits (rules.md; "observed" ones come from real API error bodies).
CONTENT_JSON_MAX = 1024 * 1024  # contents: over 1 MB -> content "" / encoding "none"
CONTENT_RAW_MAX = 100 * 1024 * 1024
COMMENT_BODY_MAX = 65536  # observed
CHECK_TEXT_MAX = 65535
ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_TITLE_MAX = 255
ANNOTATION_TEXT_MAX_BYTES = 64 * 1024
LABEL_NAME_MAX = 50  # observed
LABEL_DESCRIPTION_MAX = 100
STATUSES_PER_CONTEXT = 1000
PR_FILES_MAX = 3000
PER_PAGE_DEFAULT = 30
PER_PAGE_MAX = 100
TOKEN_TTL = 3600
JWT_MAX_TTL = 600
CLOCK_SKEW = 60
ACTIONS_APP_ID = 15368  # GitHub Actions' app id on github.com
CONTENT_PER_MINUTE = 80  # content-creating requests (rules.md 2)
CONTENT_PER_HOUR = 500
CONTENT_BLOCKED = (
    "You have exceeded a secondary rate limit and have been temporarily blocked from content "
    "creation. Please retry your request again later. If you reach out to GitHub Support for "
    "help, please include the request ID {request_id}."
)
CONTENT_CREATING = frozenset({"issues/create-comment", "pulls/create-review", "issues/create"})
RATE_LIMITS = {"installation": 5000, "pat": 5000, "actions": 1000, "anonymous": 60}

DOCS = "https://docs.github.com/rest"
REVIEW_DOCS = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
REVIEW_LINE_ERROR = (
    "Pull request review thread line must be part of the diff and "
    "Pull request review thread diff hunk can't be blank"
)
SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)
SECONDARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
PRIMARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-rate-limits"
)
NO_USER_AGENT = (
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent "
    "header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api"
    "#user-agent-required). Check https://developer.github.com for other possible causes."
)
RAW_MEDIA_TYPES = (
    "application/vnd.github.raw",
    "application/vnd.github.v3.raw",
    "application/vnd.github.raw+json",
)
DEFAULT_PERMISSIONS: dict[str, str] = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "write",
}
# Non-GET operation -> permissions of which any one at "write" allows it.
WRITE_NEEDS: dict[str, tuple[str, ...]] = {
    "pulls/create-review": ("pull_requests",),
    "pulls/dismiss-review": ("pull_requests",),
    "issues/create-comment": ("issues", "pull_requests"),
    "issues/update-comment": ("issues", "pull_requests"),
    "issues/add-labels": ("issues", "pull_requests"),
    "issues/remove-label": ("issues", "pull_requests"),
    "issues/create-label": ("issues", "pull_requests"),
    "checks/create": ("checks",),
    "checks/update": ("checks",),
    "repos/create-commit-status": ("statuses",),
    "issues/create": ("issues",),
    "issues/update": ("issues", "pull_requests"),
    "reactions/create-for-issue-comment": ("issues", "pull_requests"),
}
FAULT_MESSAGES = {
    500: "Server Error",
    502: "Server Error",
    503: "No server is currently available to service your request. Sorry about that. "
    "Please try resubmitting your request and contact us if the problem persists.",
    504: "We couldn't respond to your request in time. Sorry about that. "
    "Please try resubmitting your request and contact us if the problem persists.",
}
TOO_LONG = f"Body is too long (maximum is {COMMENT_BODY_MAX} characters)"
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_PARAM = re.compile(r"\{([^}]+)\}")


# --- the OpenAPI description --------------------------------------------------------------


def openapi_to_jsonschema(node: Any) -> Any:
    """Translate OpenAPI 3.0 schema dialect to JSON Schema 2020-12 (`nullable` -> null type)."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: openapi_to_jsonschema(value) for key, value in node.items()}
    if out.pop("nullable", None) is True:
        if "type" in out:
            kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*kinds, "null"] if "null" not in kinds else kinds
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


_FORMATS = FormatChecker(())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if isinstance(value, str):
        if "T" not in value.upper():
            raise ValueError("not a date-time")
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


@dataclass(frozen=True)
class Operation:
    """One operation of the description: method, path template, operationId, body schema."""

    method: str
    template: str
    operation_id: str
    docs_url: str
    regex: re.Pattern[str]
    body_pointer: str | None
    body_required: bool


class Spec:
    """The loaded OpenAPI subset with JSON Schema validators for bodies and responses."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.schema_doc = openapi_to_jsonschema(doc)
        resource = DRAFT202012.create_resource(self.schema_doc)
        self.registry: Registry = Registry().with_resource(SPEC_URI, resource)
        self.operations: list[Operation] = []
        for template, item in doc["paths"].items():
            for method, op in item.items():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                body = op.get("requestBody")
                pointer = None
                if body and "application/json" in body.get("content", {}):
                    pointer = _pointer(
                        "paths", template, method, "requestBody", "content",
                        "application/json", "schema",
                    )
                self.operations.append(
                    Operation(
                        method=method.upper(),
                        template=template,
                        operation_id=op["operationId"],
                        docs_url=op.get("externalDocs", {}).get("url", DOCS),
                        regex=_template_regex(template),
                        body_pointer=pointer,
                        body_required=bool(body and body.get("required")),
                    )
                )
        self._validators: dict[str, Draft202012Validator] = {}

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator for the schema at this JSON pointer of the description."""
        if pointer not in self._validators:
            self._validators[pointer] = Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{pointer}"},
                registry=self.registry,
                format_checker=_FORMATS,
            )
        return self._validators[pointer]

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId."""
        return next(op for op in self.operations if op.operation_id == operation_id)

    def response_validator(
        self, operation_id: str, status: int, media: str = "application/json"
    ) -> Draft202012Validator:
        """A validator for the documented response body of an operation and status."""
        op = self.operation(operation_id)
        response = self.doc["paths"][op.template][op.method.lower()]["responses"][str(status)]
        pointer = _pointer("paths", op.template, op.method.lower(), "responses", str(status))
        if "$ref" in response:
            pointer = response["$ref"][1:]
        return self.validator(f"{pointer}{_pointer('content', media, 'schema')}")

    def example(self, name: str) -> Any:
        """A deep copy of components/examples/<name>/value."""
        return copy.deepcopy(self.doc["components"]["examples"][name]["value"])

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], bool]:
        """The operation for method+path, its path params, and whether the path exists at all."""
        path_known = False
        for op in self.operations:
            m = op.regex.fullmatch(path)
            if m is None:
                continue
            path_known = True
            if op.method == method:
                return op, {k: unquote(v) for k, v in m.groupdict().items()}, True
        return None, {}, path_known


def _template_regex(template: str) -> re.Pattern[str]:
    out, pos = "", 0
    for m in _PARAM.finditer(template):
        out += re.escape(template[pos : m.start()])
        name = m.group(1)
        out += f"(?P<{name}>.+)" if name == "path" else f"(?P<{name}>[^/]+)"
        pos = m.end()
    return re.compile(out + re.escape(template[pos:]))


@functools.cache
def spec() -> Spec:
    """The OpenAPI subset, loaded once."""
    return Spec(json.loads(SPEC_FILE.read_text(encoding="utf-8")))


# --- diffs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified-diff patch with its diff position and old/new line numbers."""

    position: int
    hunk: int
    kind: str  # "+", "-" or " "
    old: int | None
    new: int | None


def parse_patch(patch: str) -> list[DiffLine]:
    """The commentable lines of a GitHub `patch` (positions count on across hunk headers)."""
    return list(_parse_patch(patch))


@functools.lru_cache(maxsize=64)
def _parse_patch(patch: str) -> tuple[DiffLine, ...]:
    """parse_patch, remembered (a review's comments all anchor in the same few patches)."""
    out: list[DiffLine] = []
    position, hunk, old, new = 0, -1, 0, 0
    rows = patch.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    for text in rows:
        m = _HUNK.match(text)
        if m:
            hunk += 1
            if hunk > 0:
                position += 1
            old, new = int(m.group(1)), int(m.group(3))
            continue
        if hunk < 0:
            continue
        position += 1
        if text.startswith("\\"):
            continue
        kind = text[:1] if text[:1] in "+-" and text else " "
        if kind == "+":
            out.append(DiffLine(position, hunk, "+", None, new))
            new += 1
        elif kind == "-":
            out.append(DiffLine(position, hunk, "-", old, None))
            old += 1
        else:
            out.append(DiffLine(position, hunk, " ", old, new))
            old += 1
            new += 1
    return tuple(out)


def diff_anchor(patch: str | None, side: str, line: int) -> DiffLine | None:
    """The diff line a review comment at (side, line) targets, or None if not in the diff."""
    if not patch:
        return None
    for row in _parse_patch(patch):
        if side == "RIGHT" and row.kind in "+ " and row.new == line:
            return row
        if side == "LEFT" and row.kind in "- " and row.old == line:
            return row
    return None


def git_blob_sha(data: bytes) -> str:
    """The git blob sha of these bytes (what GitHub reports as a file's `sha`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# --- records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request the fake received and what it answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int
    auth: str  # installation | static | jwt | none | invalid | expired
    operation: str | None = None
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    injected: bool = False
    started: float = 0.0
    elapsed: float = 0.0


@dataclass
class Fault:
    """An injected fault: matching requests get this status/latency/reset `times` times."""

    path_glob: str
    method: str | None = None
    status: int | None = None
    times: int | None = 1  # None = every matching request
    delay: float = 0.0
    reset: bool = False
    headers: dict[str, str] | None = None
    body: Any = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault is still armed for method+path."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path, self.path_glob)


@dataclass
class Token:
    """An access token the fake accepts."""

    value: str
    kind: Literal["installation", "pat", "actions"]
    login: str
    user_type: str
    permissions: dict[str, str]
    installation_id: int | None = None
    repositories: frozenset[str] | None = None  # full names; None = all the installation's
    read_only: bool = False
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class Installation:
    """An installation of the app on one account."""

    id: int
    account: str
    account_type: str
    permissions: dict[str, str]
    created_at: str


@dataclass
class Pull:
    """A pull request and its head history (sha -> files)."""

    number: int
    id: int
    title: str
    body: str | None
    user: str
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    head_repo: str
    files: list[dict[str, Any]]
    history: dict[str, list[dict[str, Any]]]
    labels: list[str]
    created_at: str
    updated_at: str
    state: str = "open"
    draft: bool = False


@dataclass
class Repo:
    """A repository's state."""

    owner: str
    name: str
    id: int
    installation_id: int | None
    default_branch: str
    private: bool
    owner_type: str
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    comment_issue: dict[int, int] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    compares: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    # the maintainer's queue: issues that are not PRs, branches, reactions, collaborators
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    reactions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> permission
    merge_bases: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        """owner/name."""
        return f"{self.owner}/{self.name}"


class GitHubError(Exception):
    """An error answer: raise it anywhere inside a handler."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Reply:
    """A handler's answer before the common headers are added."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"


@dataclass
class _Ctx:
    request: web.Request
    op: Operation
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    token: Token | None
    claims: dict[str, Any] | None
    repo: Repo | None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def _error(status: int, message: str, docs: str = DOCS, **extra: Any) -> GitHubError:
    return GitHubError(
        status, {"message": message, "documentation_url": docs, "status": str(status), **extra}
    )


def _not_found(docs: str = DOCS) -> GitHubError:
    return _error(404, "Not Found", docs)


def _validation_failed(docs: str, *errors: dict[str, Any]) -> GitHubError:
    return _error(422, "Validation Failed", docs, errors=list(errors))


def _unprocessable(docs: str, *errors: str) -> GitHubError:
    return GitHubError(
        422, {"message": "Unprocessable Entity", "errors": list(errors), "documentation_url": docs}
    )


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    prefix = f"For '{where}', " if where else ""
    inst = error.instance
    if error.validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        name = missing.group(1) if missing else error.message
        return f'{prefix}"{name}" wasn\'t supplied.'
    if error.validator == "maxItems":
        return f"{prefix}{len(inst)} items were given; the maximum is {error.validator_value}."
    if error.validator == "maxLength":
        return f"{prefix}is too long ({len(inst)} characters; maximum is {error.validator_value})."
    shown = json.dumps(inst)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    if error.validator == "enum":
        return f"{prefix}{shown} is not a member of enum."
    if error.validator == "type":
        return f"{prefix}{shown} is not a {error.validator_value}."
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return f"{prefix}{message}"


# --- the fake ----------------------------------------------------------------------------


class FakeGitHub:
    """The fake GitHub; tests set its state with the helper methods and read the observables."""

    def __init__(
        self,
        *,
        app_id: int = 424242,
        app_slug: str = "awesome-papers",
        static_user: str = "maintainer",
        static_token_kind: Literal["pat", "actions"] = "pat",
        read_only_tokens: bool = False,
        latency: float = 0.0,
        rate_limit: int | None = None,
        token_ttl: float = TOKEN_TTL,
        allow_position: bool = False,
        private_key: rsa.RSAPrivateKey | None = None,
        content_limits: bool = True,
    ) -> None:
        self.app_id = app_id
        self.app_slug = app_slug
        self.bot_login = f"{app_slug}[bot]"
        key = private_key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._private_key = key
        self.private_key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        self.public_key_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self.read_only_tokens = read_only_tokens
        self.latency = latency
        self.rate_limit = rate_limit
        self.content_limits = content_limits
        self._content: dict[str, list[float]] = {}
        self.token_ttl = token_ttl
        self.allow_position = allow_position
        self.static_token_kind = static_token_kind
        prefix = "ghp_" if static_token_kind == "pat" else "ghs_"
        self.static_token = prefix + secrets.token_hex(18)
        static_login = static_user if static_token_kind == "pat" else "github-actions[bot]"
        self._tokens: dict[str, Token] = {
            self.static_token: Token(
                value=self.static_token,
                kind=static_token_kind,
                login=static_login,
                user_type="User" if static_token_kind == "pat" else "Bot",
                permissions=dict(DEFAULT_PERMISSIONS, contents="write"),
            )
        }
        self.issued_tokens: list[dict[str, Any]] = []
        self.rerequested: list[int] = []
        self.implicit_labels: list[tuple[str, str, str]] = []
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.errors: list[str] = []
        self.peak_concurrency = 0
        self._active = 0
        self.installations: dict[int, Installation] = {}
        self.repos: dict[str, Repo] = {}
        self._usage: dict[str, list[float]] = {}
        self._ids = {
            kind: itertools.count(base)
            for kind, base in {
                "repo": 100001, "pull": 200001, "comment": 1000001, "review": 2000001,
                "check": 3000001, "status": 4000001, "label": 5000001, "user": 9001,
                "suite": 6000001,
            }.items()
        }
        self._user_ids: dict[str, int] = {}
        self.manifest_codes: dict[str, tuple[dict[str, Any], float]] = {}
        self.created_apps: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application (one catch-all route; routing follows the description)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeGitHub:
        """Listen on host:port (0 = any free port)."""
        self._runner = web.AppRunner(
            self.app(), shutdown_timeout=0.2, handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._host, self._port = host, self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGitHub:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> FakeGitHub:
        """Serve from a background thread's event loop (for synchronous tests)."""
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start(host, port))
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-github", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake GitHub did not start")
        return self

    def stop_thread(self) -> None:
        """Stop a server started with start_in_thread()."""
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> FakeGitHub:
        return self.start_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop_thread()

    @property
    def url(self) -> str:
        """The API base URL, like http://127.0.0.1:PORT."""
        return f"http://{self._host}:{self._port}"

    # --- setup helpers -------------------------------------------------------------------

    def add_installation(
        self,
        installation_id: int,
        account: str,
        *,
        account_type: str = "User",
        permissions: dict[str, str] | None = None,
    ) -> Installation:
        """Install the app on an account (add_repo does this implicitly)."""
        inst = Installation(
            installation_id, account, account_type, dict(permissions or DEFAULT_PERMISSIONS), _now()
        )
        self.installations[installation_id] = inst
        return inst

    def add_repo(
        self,
        owner: str,
        repo: str,
        *,
        installation_id: int | None = 1,
        default_branch: str = "master",
        private: bool = False,
        owner_type: str = "User",
    ) -> Repo:
        """A repository; installation_id=None means the app is not installed on it."""
        if installation_id is not None and installation_id not in self.installations:
            self.add_installation(installation_id, owner, account_type=owner_type)
        r = Repo(
            owner, repo, next(self._ids["repo"]), installation_id, default_branch, private,
            owner_type,
        )
        self.repos[r.full_name.lower()] = r
        return r

    def set_file(
        self, owner: str, repo: str, ref: str, path: str, content: str | bytes
    ) -> str:
        """Put a file at a ref (sha or branch name); returns its git blob sha."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        self._repo(owner, repo).files.setdefault(ref, {})[path.strip("/")] = data
        return git_blob_sha(data)

    def add_pull(
        self,
        owner: str,
        repo: str,
        number: int,
        *,
        base_ref: str = "master",
        base_sha: str,
        head_sha: str,
        files: Iterable[dict[str, Any]] = (),
        labels: Iterable[str] = (),
        user: str = "octocat",
        title: str = "Add a paper",
        body: str | None = "Adds a paper to the list.",
        head_ref: str = "patch-1",
        head_repo: str | None = None,
        draft: bool = False,
    ) -> Pull:
        """An open pull request; head_repo 'fork-owner/name' makes it a fork PR."""
        r = self._repo(owner, repo)
        normalized = [self._file_entry(f) for f in files]
        for name in labels:
            self._ensure_label(r, name, implicit=False)
        now = _now()
        pull = Pull(
            number=number,
            id=next(self._ids["pull"]),
            title=title,
            body=body,
            user=user,
            base_ref=base_ref,
            base_sha=base_sha,
            head_ref=head_ref,
            head_sha=head_sha,
            head_repo=head_repo or r.full_name,
            files=normalized,
            history={head_sha: normalized},
            labels=[self._label_name(r, n) for n in dict.fromkeys(labels)],
            created_at=now,
            updated_at=now,
            draft=draft,
        )
        r.pulls[number] = pull
        r.reviews.setdefault(number, [])
        return pull

    def push(
        self,
        owner: str,
        repo: str,
        number: int,
        new_head_sha: str,
        files: Iterable[dict[str, Any]] | None = None,
    ) -> Pull:
        """Move a PR's head to a new commit (files=None keeps the file list)."""
        pull = self._pull(self._repo(owner, repo), number)
        if files is not None:
            pull.files = [self._file_entry(f) for f in files]
        pull.head_sha = new_head_sha
        pull.history[new_head_sha] = pull.files
        pull.updated_at = _now()
        return pull

    def set_pull_state(self, owner: str, repo: str, number: int, state: str) -> None:
        """Open or close a PR."""
        self._pull(self._repo(owner, repo), number).state = state

    def add_label(
        self,
        owner: str,
        repo: str,
        name: str,
        color: str = "ededed",
        description: str | None = None,
    ) -> dict[str, Any]:
        """A repository label."""
        r = self._repo(owner, repo)
        label = self._label_json(r, name, color, description)
        r.labels[name.casefold()] = label
        return copy.deepcopy(label)

    def add_comment(
        self,
        owner: str,
        repo: str,
        number: int,
        body: str,
        *,
        user: str | None = None,
        user_type: str | None = None,
    ) -> dict[str, Any]:
        """Seed an issue comment; user=None means the app's bot user."""
        r = self._repo(owner, repo)
        login = user or self.bot_login
        kind = user_type or ("Bot" if login.endswith("[bot]") else "User")
        return copy.deepcopy(self._new_comment(r, number, body, login, kind))

    def set_compare(
        self, owner: str, repo: str, base: str, head: str, files: Iterable[dict[str, Any]],
        merge_base: str | None = None,
    ) -> None:
        """What GET /compare/{base}...{head} lists (PR base...head pairs work without this), and
        the commit the head branched from when the base moved on since (`merge_base`)."""
        r = self._repo(owner, repo)
        r.compares[(base, head)] = [self._file_entry(f) for f in files]
        if merge_base is not None:
            r.merge_bases[(base, head)] = merge_base

    # --- tokens --------------------------------------------------------------------------

    def app_jwt(
        self,
        *,
        iss: str | int | None = None,
        iat: float | None = None,
        exp: float | None = None,
        key_pem: str | None = None,
    ) -> str:
        """An app JWT the way GitHub wants it (override claims/key to make bad ones)."""
        now = int(time.time())
        claims = {
            "iat": int(iat if iat is not None else now - CLOCK_SKEW),
            "exp": int(exp if exp is not None else now + JWT_MAX_TTL - CLOCK_SKEW),
            "iss": str(self.app_id) if iss is None else iss,
        }
        return jwt.encode(claims, key_pem or self.private_key_pem, algorithm="RS256")

    def installation_token(
        self,
        installation_id: int = 1,
        *,
        read_only: bool = False,
        permissions: dict[str, str] | None = None,
        ttl: float | None = None,
    ) -> str:
        """Mint an installation token directly, without the JWT exchange (not counted)."""
        return self._mint(installation_id, permissions, None, read_only, ttl).value

    def set_read_only(self, token: str, read_only: bool = True) -> None:
        """Make one token read-only, like a fork PR's token."""
        self._tokens[token].read_only = read_only

    def expire_tokens(self) -> None:
        """Expire every installation token now (the next use gets 401)."""
        for token in self._tokens.values():
            if token.kind == "installation":
                token.expires_at = time.time() - 1

    def revoke_tokens(self, installation_id: int | None = None) -> None:
        """Revoke installation tokens before they expire (the App was reinstalled, or
        `DELETE /installation/token`): their next use gets 401 Bad credentials."""
        for token in self._tokens.values():
            if token.kind == "installation" and installation_id in (None,
                                                                    token.installation_id):
                token.revoked = True

    @property
    def tokens_issued(self) -> int:
        """How many tokens POST /app/installations/{id}/access_tokens issued."""
        return len(self.issued_tokens)

    # --- faults --------------------------------------------------------------------------

    def inject(
        self,
        path_glob: str,
        method: str | None = None,
        *,
        status: int | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        reset: bool = False,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> Fault:
        """Fault the next `times` matching requests (None = all): status, delay and/or reset."""
        fault = Fault(path_glob, method, status, times, delay, reset, headers, body)
        self.faults.append(fault)
        return fault

    def inject_secondary_rate_limit(
        self,
        path_glob: str = "*",
        method: str | None = None,
        *,
        status: int = 403,
        retry_after: int | None = 1,
        times: int | None = 1,
    ) -> Fault:
        """A secondary-rate-limit answer (403 or 429), with retry-after unless None."""
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        return self.inject(path_glob, method, status=status, times=times, headers=headers)

    def clear_faults(self) -> None:
        """Disarm every injected fault."""
        self.faults.clear()

    # --- observables ---------------------------------------------------------------------

    def count(
        self, method: str | None = None, path_glob: str | None = None, *, status: int | None = None
    ) -> int:
        """How many recorded calls match."""
        return sum(
            1
            for c in self.calls
            if (method is None or c.method == method.upper())
            and (path_glob is None or fnmatch.fnmatchcase(c.path, path_glob))
            and (status is None or c.status == status)
        )

    def writes(self) -> list[Call]:
        """Recorded non-GET calls."""
        return [c for c in self.calls if c.method not in ("GET", "HEAD")]

    def reads(self) -> list[Call]:
        """Recorded GET calls."""
        return [c for c in self.calls if c.method in ("GET", "HEAD")]

    def comments(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        """The issue comments on a PR, oldest first."""
        r = self._repo(owner, repo)
        return [
            copy.deepcopy(c) for cid, c in r.comments.items() if r.comment_issue[cid] == number
        ]

    def reviews(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        """Stored reviews (with their `comments`), oldest first."""
        return copy.deepcopy(self._repo(owner, repo).reviews.get(number, []))

    def check_runs(self, owner: str, repo: str) -> list[dict[str, Any]]:
        """Check runs: id, name, head_sha, status, conclusion, output, annotations (all)."""
        runs = copy.deepcopy(list(self._repo(owner, repo).check_runs.values()))
        for run in runs:
            run["annotations"] = run["output"]["annotations"]
        return runs

    def statuses(self, owner: str, repo: str, sha: str) -> list[dict[str, Any]]:
        """Commit statuses on a sha, oldest first."""
        return copy.deepcopy(self._repo(owner, repo).statuses.get(sha, []))

    def issue_labels(self, owner: str, repo: str, number: int) -> list[str]:
        """Names of the labels on a PR."""
        return list(self._pull(self._repo(owner, repo), number).labels)

    def repo_labels(self, owner: str, repo: str) -> list[dict[str, Any]]:
        """The repository's labels."""
        return copy.deepcopy(list(self._repo(owner, repo).labels.values()))

    # --- internals: lookup ---------------------------------------------------------------

    def _repo(self, owner: str, repo: str) -> Repo:
        try:
            return self.repos[f"{owner}/{repo}".lower()]
        except KeyError:
            raise KeyError(f"no repo {owner}/{repo}; call add_repo first") from None

    @staticmethod
    def _pull(repo: Repo, number: int) -> Pull:
        try:
            return repo.pulls[number]
        except KeyError:
            raise KeyError(f"no pull #{number} in {repo.full_name}") from None

    def _file_entry(self, f: dict[str, Any]) -> dict[str, Any]:
        entry = dict(f)
        if "filename" not in entry:
            raise ValueError("a PR file needs a filename")
        entry.setdefault("status", "modified")
        patch = entry.get("patch")
        if patch is not None:
            rows = parse_patch(patch)
            entry.setdefault("additions", sum(1 for x in rows if x.kind == "+"))
            entry.setdefault("deletions", sum(1 for x in rows if x.kind == "-"))
        entry.setdefault("additions", 0)
        entry.setdefault("deletions", 0)
        entry.setdefault("changes", entry["additions"] + entry["deletions"])
        return entry

    def _known_shas(self, repo: Repo) -> set[str]:
        shas = set(repo.files)
        for pull in repo.pulls.values():
            shas.update(pull.history)
            shas.add(pull.base_sha)
        return shas

    def _label_name(self, repo: Repo, name: str) -> str:
        return repo.labels[name.casefold()]["name"] if name.casefold() in repo.labels else name

    def _ensure_label(self, repo: Repo, name: str, *, implicit: bool) -> dict[str, Any]:
        key = name.casefold()
        if key not in repo.labels:
            repo.labels[key] = self._label_json(repo, name, "ededed", None)
            if implicit:
                self.implicit_labels.append((repo.owner, repo.name, name))
        return repo.labels[key]

    # --- internals: JSON shapes ----------------------------------------------------------

    def _user_json(self, login: str, user_type: str | None = None) -> dict[str, Any]:
        kind = user_type or ("Bot" if login.endswith("[bot]") else "User")
        if login not in self._user_ids:
            self._user_ids[login] = next(self._ids["user"])
        uid = self._user_ids[login]
        api = f"{self.url}/users/{quote(login)}"
        html = f"{HTML}/apps/{login[:-5]}" if kind == "Bot" else f"{HTML}/{login}"
        return {
            "login": login,
            "id": uid,
            "node_id": _node_id("User", uid),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": html,
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": kind,
            "site_admin": False,
        }

    def _rewrite(self, obj: Any, replacements: dict[str, str]) -> Any:
        if isinstance(obj, dict):
            return {k: self._rewrite(v, replacements) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._rewrite(v, replacements) for v in obj]
        if isinstance(obj, str):
            for old, new in replacements.items():
                obj = obj.replace(old, new)
        return obj

    def _repo_json(self, full_name: str) -> dict[str, Any]:
        owner, name = full_name.split("/", 1)
        known = self.repos.get(full_name.lower())
        template = spec().example("pull-request")["base"]["repo"]
        out = self._rewrite(
            template,
            {
                "https://api.github.com/repos/octocat/Hello-World": f"{self.url}/repos/{full_name}",
                "https://github.com/octocat/Hello-World": f"{HTML}/{full_name}",
                "git:github.com/octocat/Hello-World": f"git:github.com/{full_name}",
                "git@github.com:octocat/Hello-World": f"git@github.com:{full_name}",
                "https://svn.github.com/octocat/Hello-World": f"https://svn.github.com/{full_name}",
                "https://api.github.com": self.url,
            },
        )
        digest = hashlib.sha1(full_name.encode()).hexdigest()
        rid = known.id if known else 700000 + int(digest[:5], 16)
        out.update(
            id=rid,
            node_id=_node_id("Repository", rid),
            name=name,
            full_name=full_name,
            owner=self._user_json(owner, known.owner_type if known else "User"),
            private=known.private if known else False,
            fork=known is None,
            default_branch=known.default_branch if known else "master",
            description=None,
            homepage=None,
            mirror_url=None,
        )
        return out

    def _app_json(self) -> dict[str, Any]:
        app = spec().example("check-run")["app"]
        app.update(
            id=self.app_id,
            slug=self.app_slug,
            node_id=_node_id("Integration", self.app_id),
            name=self.app_slug.replace("-", " ").title(),
            html_url=f"{HTML}/apps/{self.app_slug}",
            description="Reviews pull requests to curated paper lists.",
            external_url="https://example.invalid/awesome-papers-bot",
            permissions=dict(DEFAULT_PERMISSIONS),
            events=["check_run", "pull_request"],
        )
        return app

    def _label_json(
        self, repo: Repo, name: str, color: str, description: str | None
    ) -> dict[str, Any]:
        lid = next(self._ids["label"])
        return {
            "id": lid,
            "node_id": _node_id("Label", lid),
            "url": f"{self.url}/repos/{repo.full_name}/labels/{quote(name, safe='')}",
            "name": name,
            "description": description,
            "color": color,
            "default": False,
        }

    def _association(self, repo: Repo, login: str) -> str:
        if login.lower() == repo.owner.lower():
            return "OWNER"
        if login == self.static_user_login():
            return "COLLABORATOR"
        return "CONTRIBUTOR" if not login.endswith("[bot]") else "NONE"

    def static_user_login(self) -> str:
        """The login the static token acts as."""
        return self._tokens[self.static_token].login

    def _pull_json(self, repo: Repo, pull: Pull) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        html = f"{HTML}/{repo.full_name}"
        n = pull.number
        out = spec().example("pull-request")
        head_owner = pull.head_repo.split("/", 1)[0]
        out.update(
            url=f"{api}/pulls/{n}",
            id=pull.id,
            node_id=_node_id("PullRequest", pull.id),
            html_url=f"{html}/pull/{n}",
            diff_url=f"{html}/pull/{n}.diff",
            patch_url=f"{html}/pull/{n}.patch",
            issue_url=f"{api}/issues/{n}",
            commits_url=f"{api}/pulls/{n}/commits",
            review_comments_url=f"{api}/pulls/{n}/comments",
            review_comment_url=f"{api}/pulls/comments{{/number}}",
            comments_url=f"{api}/issues/{n}/comments",
            statuses_url=f"{api}/statuses/{pull.head_sha}",
            number=n,
            state=pull.state,
            locked=False,
            title=pull.title,
            user=self._user_json(pull.user),
            body=pull.body,
            labels=[copy.deepcopy(repo.labels[x.casefold()]) for x in pull.labels],
            milestone=None,
            active_lock_reason=None,
            created_at=pull.created_at,
            updated_at=pull.updated_at,
            closed_at=None if pull.state == "open" else pull.updated_at,
            merged_at=None,
            merge_commit_sha=None,
            assignee=None,
            assignees=[],
            requested_reviewers=[],
            requested_teams=[],
            head={
                "label": f"{head_owner}:{pull.head_ref}",
                "ref": pull.head_ref,
                "sha": pull.head_sha,
                "user": self._user_json(head_owner),
                "repo": self._repo_json(pull.head_repo),
            },
            base={
                "label": f"{repo.owner}:{pull.base_ref}",
                "ref": pull.base_ref,
                "sha": pull.base_sha,
                "user": self._user_json(repo.owner, repo.owner_type),
                "repo": self._repo_json(repo.full_name),
            },
            _links={
                "self": {"href": f"{api}/pulls/{n}"},
                "html": {"href": f"{html}/pull/{n}"},
                "issue": {"href": f"{api}/issues/{n}"},
                "comments": {"href": f"{api}/issues/{n}/comments"},
                "review_comments": {"href": f"{api}/pulls/{n}/comments"},
                "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                "commits": {"href": f"{api}/pulls/{n}/commits"},
                "statuses": {"href": f"{api}/statuses/{pull.head_sha}"},
            },
            author_association=self._association(repo, pull.user),
            auto_merge=None,
            draft=pull.draft,
            merged=False,
            mergeable=True,
            rebaseable=True,
            mergeable_state="clean",
            merged_by=None,
            comments=sum(1 for i in repo.comment_issue.values() if i == n),
            review_comments=sum(len(r["comments"]) for r in repo.reviews.get(n, [])),
            maintainer_can_modify=False,
            commits=len(pull.history),
            additions=sum(f["additions"] for f in pull.files),
            deletions=sum(f["deletions"] for f in pull.files),
            changed_files=len(pull.files),
        )
        return out

    def _diff_entry_json(self, repo: Repo, sha: str, f: dict[str, Any]) -> dict[str, Any]:
        name = f["filename"]
        data = repo.files.get(sha, {}).get(name)
        blob = git_blob_sha(data) if data is not None else hashlib.sha1(
            f"{name}\0{f.get('patch', '')}".encode()
        ).hexdigest()
        path = quote(name)
        out = {
            "sha": f.get("sha", blob),
            "filename": name,
            "status": f["status"],
            "additions": f["additions"],
            "deletions": f["deletions"],
            "changes": f["changes"],
            "blob_url": f"{HTML}/{repo.full_name}/blob/{sha}/{path}",
            "raw_url": f"{HTML}/{repo.full_name}/raw/{sha}/{path}",
            "contents_url": f"{self.url}/repos/{repo.full_name}/contents/{path}?ref={sha}",
        }
        if f.get("patch") is not None:
            out["patch"] = f["patch"]
        if f.get("previous_filename"):
            out["previous_filename"] = f["previous_filename"]
        return out

    def _comment_json(self, repo: Repo, cid: int, number: int, body: str, login: str,
                      user_type: str, when: str) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        return {
            "id": cid,
            "node_id": _node_id("IssueComment", cid),
            "url": f"{api}/issues/comments/{cid}",
            "html_url": f"{HTML}/{repo.full_name}/pull/{number}#issuecomment-{cid}",
            "body": body,
            "user": self._user_json(login, user_type),
            "created_at": when,
            "updated_at": when,
            "issue_url": f"{api}/issues/{number}",
            "author_association": self._association(repo, login),
            "performed_via_github_app": self._app_json() if login == self.bot_login else None,
            "reactions": {
                "url": f"{api}/issues/comments/{cid}/reactions",
                "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "confused": 0, "heart": 0,
                "hooray": 0, "eyes": 0, "rocket": 0,
            },
        }

    def _new_comment(self, repo: Repo, number: int, body: str, login: str, user_type: str
                     ) -> dict[str, Any]:
        cid = next(self._ids["comment"])
        comment = self._comment_json(repo, cid, number, body, login, user_type, _now())
        repo.comments[cid] = comment
        repo.comment_issue[cid] = number
        return comment

    def _review_json(self, review: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in review.items() if k != "comments"}

    def _check_json(self, repo: Repo, run: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        out = run["output"]
        prs = [
            {
                "id": p.id,
                "number": p.number,
                "url": f"{api}/pulls/{p.number}",
                "head": {
                    "ref": p.head_ref, "sha": p.head_sha,
                    "repo": {"id": repo.id, "url": api, "name": repo.name},
                },
                "base": {
                    "ref": p.base_ref, "sha": p.base_sha,
                    "repo": {"id": repo.id, "url": api, "name": repo.name},
                },
            }
            # Like GitHub: PRs from forks are not listed on a check run.
            for p in repo.pulls.values()
            if p.state == "open" and p.head_sha == run["head_sha"]
            and p.head_repo.lower() == repo.full_name.lower()
        ]
        return {
            "id": run["id"],
            "head_sha": run["head_sha"],
            "node_id": _node_id("CheckRun", run["id"]),
            "external_id": run["external_id"],
            "url": f"{api}/check-runs/{run['id']}",
            "html_url": f"{HTML}/{repo.full_name}/runs/{run['id']}",
            "details_url": run["details_url"],
            "status": run["status"],
            "conclusion": run["conclusion"],
            "started_at": run["started_at"],
            "completed_at": run["completed_at"],
            "output": {
                "title": out.get("title"),
                "summary": out.get("summary"),
                "text": out.get("text"),
                "annotations_count": len(out.get("annotations", [])),
                "annotations_url": f"{api}/check-runs/{run['id']}/annotations",
            },
            "name": run["name"],
            "check_suite": {"id": run["check_suite_id"]},
            "app": self._app_json() if run.get("app_id", self.app_id) == self.app_id
            else dict(self._app_json(), id=run["app_id"], slug="github-actions"),
            "pull_requests": prs,
        }

    def _installation_json(self, inst: Installation) -> dict[str, Any]:
        out = spec().example("installation")
        account = self._user_json(inst.account, inst.account_type)
        out.update(
            id=inst.id,
            account=account,
            repository_selection="selected",
            access_tokens_url=f"{self.url}/app/installations/{inst.id}/access_tokens",
            repositories_url=f"{self.url}/installation/repositories",
            html_url=f"{HTML}/settings/installations/{inst.id}",
            app_id=self.app_id,
            app_slug=self.app_slug,
            target_id=account["id"],
            target_type=inst.account_type,
            permissions=dict(inst.permissions),
            events=["check_run", "pull_request"],
            created_at=inst.created_at,
            updated_at=inst.created_at,
            single_file_name=None,
            has_multiple_single_files=False,
            single_file_paths=[],
            suspended_at=None,
            suspended_by=None,
        )
        return out

    # --- internals: tokens and rate limits -----------------------------------------------

    def _mint(
        self,
        installation_id: int,
        permissions: dict[str, str] | None,
        repositories: frozenset[str] | None,
        read_only: bool,
        ttl: float | None,
    ) -> Token:
        if installation_id not in self.installations:
            raise KeyError(f"no installation {installation_id}")
        inst = self.installations[installation_id]
        token = Token(
            value="ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36],
            kind="installation",
            login=self.bot_login,
            user_type="Bot",
            permissions=dict(permissions or inst.permissions),
            installation_id=installation_id,
            repositories=repositories,
            read_only=read_only,
            expires_at=time.time() + (self.token_ttl if ttl is None else ttl),
        )
        self._tokens[token.value] = token
        return token

    def _verify_jwt(self, credential: str) -> dict[str, Any]:
        docs = "https://docs.github.com/rest"
        try:
            claims = jwt.decode(
                credential,
                self.public_key_pem,
                algorithms=["RS256"],
                options={
                    "verify_exp": False, "verify_iat": False, "verify_nbf": False,
                    "verify_iss": False, "verify_aud": False, "verify_sub": False,
                    "verify_jti": False,
                },
            )
        except jwt.PyJWTError:
            raise _error(401, "A JSON web token could not be decoded", docs) from None
        now = time.time()
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(iat, int | float) or iat > now + CLOCK_SKEW:
            raise _error(
                401,
                "'Issued at' claim ('iat') must be an Integer representing the time that the "
                "assertion was issued",
                docs,
            )
        if not isinstance(exp, int | float) or exp <= now:
            raise _error(
                401,
                "'Expiration time' claim ('exp') must be a numeric value representing the future "
                "time at which the assertion expires",
                docs,
            )
        if exp > now + JWT_MAX_TTL + CLOCK_SKEW:  # documented: at most 10 minutes ahead
            raise _error(401, "'Expiration time' claim ('exp') is too far in the future", docs)
        if str(claims.get("iss")) != str(self.app_id):
            raise _error(401, "A JSON web token could not be decoded", docs)
        return claims

    def _credential(self, request: web.Request) -> tuple[str, str | None]:
        header = request.headers.get("Authorization", "").strip()
        if not header:
            return "", None
        scheme, _, value = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not value.strip():
            return scheme.lower(), None
        return scheme.lower(), value.strip()

    def _identity(self, token: Token | None, jwt_claims: dict[str, Any] | None) -> str:
        if token is not None:
            return token.value
        return "app" if jwt_claims is not None else "anonymous"

    def _limit_for(self, token: Token | None, jwt_claims: dict[str, Any] | None) -> int:
        if self.rate_limit is not None:
            return self.rate_limit
        if token is not None:
            return RATE_LIMITS[token.kind]
        return RATE_LIMITS["installation"] if jwt_claims is not None else RATE_LIMITS["anonymous"]

    def _usage_for(self, identity: str) -> list[float]:
        usage = self._usage.setdefault(identity, [0, time.time() + 3600])
        if time.time() >= usage[1]:
            usage[:] = [0, time.time() + 3600]
        return usage

    def _rate_headers(self, identity: str, limit: int) -> dict[str, str]:
        used, reset = self._usage_for(identity)
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - int(used))),
            "x-ratelimit-used": str(int(used)),
            "x-ratelimit-reset": str(int(reset)),
            "x-ratelimit-resource": "core",
        }

    # --- internals: dispatch -------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        self._active += 1
        self.peak_concurrency = max(self.peak_concurrency, self._active)
        raw = b""
        info: dict[str, Any] = {"auth": "none", "operation": None, "token": None}
        status, injected = 0, False
        try:
            raw = await request.read()
            if self.latency:
                await asyncio.sleep(self.latency)
            fault = next((f for f in self.faults if f.matches(request.method, request.path)), None)
            reply: Reply | None = None
            if fault is not None:
                fault.hits += 1
                injected = fault.status is not None or fault.reset
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                if fault.reset:
                    # Drop the connection mid-request; aiohttp then ignores the reply written
                    # below ("premature client disconnection") and the client sees a reset.
                    if request.transport is not None:
                        request.transport.abort()
                    return web.Response(status=204)
                if fault.status is not None:
                    reply = self._fault_reply(request, fault)
            if reply is None:
                try:
                    reply = await self._handle(request, raw, info)
                except GitHubError as exc:
                    reply = Reply(exc.status, exc.body, dict(exc.headers))
                except Exception:  # a bug in the fake: answer 500 and keep the trace
                    self.errors.append(traceback.format_exc())
                    reply = Reply(500, {"message": "fake GitHub crashed; see FakeGitHub.errors"})
            response = self._respond(request, reply, info)
            status = response.status
            return response
        except asyncio.CancelledError:
            status = 499  # the client went away (e.g. its timeout fired)
            raise
        finally:
            self._active -= 1
            self.calls.append(
                Call(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query.items()),
                    json=_json_or_none(raw),
                    status=status,
                    auth=info["auth"],
                    operation=info["operation"],
                    token=info["token"],
                    headers=dict(request.headers.items()),
                    injected=injected,
                    started=started,
                    elapsed=time.monotonic() - started,
                )
            )

    def _fault_reply(self, request: web.Request, fault: Fault) -> Reply:
        status = fault.status or 500
        headers = dict(fault.headers or {})
        if fault.body is not None:
            if isinstance(fault.body, bytes | str):
                raw = fault.body.encode() if isinstance(fault.body, str) else fault.body
                return Reply(status, raw=raw, headers=headers, content_type="text/html")
            return Reply(status, copy.deepcopy(fault.body), headers)
        if status in (403, 429):
            message = SECONDARY_RATE_LIMIT_MESSAGE.format(request_id=_request_id())
            return Reply(status, {"message": message, "documentation_url":
                                  SECONDARY_RATE_LIMIT_DOCS}, headers)
        message = FAULT_MESSAGES.get(status) or HTTPStatus(status).phrase
        return Reply(status, {"message": message, "documentation_url": DOCS}, headers)

    def _respond(self, request: web.Request, reply: Reply, info: dict[str, Any]) -> web.Response:
        headers = {
            "X-GitHub-Request-Id": _request_id(),
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": request.headers.get(
                "X-GitHub-Api-Version", "2022-11-28"
            ),
            "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
            "Access-Control-Expose-Headers": "ETag, Link, Location, Retry-After, "
            "X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, "
            "X-RateLimit-Resource, X-RateLimit-Reset",
        }
        identity, limit = info.get("identity", "anonymous"), info.get("limit", 60)
        headers.update(self._rate_headers(identity, limit))
        headers.update(reply.headers)
        if reply.raw is not None:
            payload = reply.raw
        elif reply.body is None:
            payload = b""
        else:
            payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        if request.method == "GET" and reply.status == 200:
            seed = hashlib.sha256(payload)
            seed.update(request.headers.get("Accept", "").encode())
            seed.update(identity.encode())
            etag = f'W/"{seed.hexdigest()}"'
            headers["ETag"] = etag
            headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
            if _etag_matches(request.headers.get("If-None-Match"), etag):
                if info.get("counted"):  # a 304 does not count against the primary limit
                    self._usage_for(identity)[0] -= 1
                    headers.update(self._rate_headers(identity, limit))
                return web.Response(status=304, headers=headers)
        if reply.status == 204 or (reply.body is None and reply.raw is None):
            return web.Response(status=reply.status, headers=headers)
        headers["Content-Type"] = reply.content_type
        return web.Response(status=reply.status, body=payload, headers=headers)

    async def _handle(self, request: web.Request, raw: bytes, info: dict[str, Any]) -> Reply:
        if MANIFEST_FORM.fullmatch(request.path):
            return await self._manifest_form(request)
        if not request.headers.get("User-Agent"):
            return Reply(403, raw=NO_USER_AGENT.encode(), content_type="text/plain; charset=utf-8")
        version = request.headers.get("X-GitHub-Api-Version")
        if version is not None and version not in API_VERSIONS:
            raise _error(
                400, f"API version '{version}' is not supported.",
                "https://docs.github.com/rest/overview/api-versions",
            )
        # Match on the raw path so an encoded "/" or "%" inside a label name stays in the param.
        op, params, _ = spec().match(request.method, request.rel_url.raw_path)
        if op is None:
            raise _not_found()
        info["operation"] = op.operation_id
        token, claims = self._authenticate(request, op, info)
        identity = self._identity(token, claims)
        limit = self._limit_for(token, claims)
        info.update(identity=identity, limit=limit)
        if op.operation_id != "rate-limit/get":
            usage = self._usage_for(identity)
            if usage[0] >= limit:
                who = (
                    f"installation ID {token.installation_id}"
                    if token is not None and token.installation_id is not None
                    else "this token"
                )
                raise _error(403, f"API rate limit exceeded for {who}.", PRIMARY_RATE_LIMIT_DOCS)
            usage[0] += 1
            info["counted"] = True
        repo = None
        if "owner" in params and "repo" in params:
            repo = self._authorize_repo(params["owner"], params["repo"], token, claims, op)
        if request.method != "GET" and token is not None:
            self._check_write(token, op)
            self._pace_content(token, op)
        body = self._parse_body(raw, op)
        ctx = _Ctx(request, op, params, dict(request.query.items()), body, token, claims, repo)
        handler: Callable[[_Ctx], Awaitable[Reply]] = getattr(
            self, "_op_" + re.sub(r"\W", "_", op.operation_id)
        )
        return await handler(ctx)

    def _authenticate(
        self, request: web.Request, op: Operation, info: dict[str, Any]
    ) -> tuple[Token | None, dict[str, Any] | None]:
        scheme, credential = self._credential(request)
        if op.operation_id == "apps/create-from-manifest":  # the code is the credential
            return None, None
        needs_jwt = op.operation_id.startswith("apps/")
        if credential is None:
            if scheme:
                info["auth"] = "invalid"
                raise _error(401, "Bad credentials", op.docs_url)
            if op.operation_id == "rate-limit/get":
                return None, None
            raise _error(401, "Requires authentication", op.docs_url)
        token = self._tokens.get(credential)
        if token is not None:
            info["token"] = token.value
            info["auth"] = "installation" if token.kind == "installation" else "static"
            if token.revoked or (token.expires_at is not None and token.expires_at <= time.time()):
                info["auth"] = "expired"
                raise _error(401, "Bad credentials", op.docs_url)
            if needs_jwt:
                raise _error(401, "A JSON web token could not be decoded", op.docs_url)
            return token, None
        if scheme == "bearer" and credential.count(".") == 2:
            info["auth"] = "jwt"
            claims = self._verify_jwt(credential)
            if not needs_jwt:
                raise _error(401, "Bad credentials", op.docs_url)
            return None, claims
        info["auth"] = "invalid"
        if needs_jwt:
            raise _error(401, "A JSON web token could not be decoded", op.docs_url)
        raise _error(401, "Bad credentials", op.docs_url)

    def _authorize_repo(
        self,
        owner: str,
        name: str,
        token: Token | None,
        claims: dict[str, Any] | None,
        op: Operation,
    ) -> Repo:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise _not_found(op.docs_url)
        if token is not None and token.kind == "installation":
            if repo.installation_id != token.installation_id:
                raise _not_found(op.docs_url)
            if token.repositories is not None and repo.full_name.lower() not in token.repositories:
                raise _not_found(op.docs_url)
        return repo

    def _check_write(self, token: Token, op: Operation) -> None:
        integration = "integration" if token.kind != "pat" else "personal access token"
        denied = _error(403, f"Resource not accessible by {integration}", op.docs_url)
        if token.read_only or self.read_only_tokens:
            raise denied
        if op.operation_id.startswith("checks/") and token.kind == "pat":
            raise _error(403, "You must authenticate via a GitHub App.", op.docs_url)
        needs = WRITE_NEEDS.get(op.operation_id)
        if needs and not any(token.permissions.get(p) == "write" for p in needs):
            raise denied

    def _pace_content(self, token: Token, op: Operation) -> None:
        """GitHub's content-creation limit: 80 a minute, 500 an hour (403, secondary)."""
        if not self.content_limits or op.operation_id not in CONTENT_CREATING:
            return
        who = str(token.installation_id or token.login)
        now = time.time()
        stamps = [t for t in self._content.get(who, []) if t > now - 3600]
        self._content[who] = stamps
        if len(stamps) >= CONTENT_PER_HOUR or sum(t > now - 60 for t in stamps) >= (
            CONTENT_PER_MINUTE
        ):
            raise _error(403, CONTENT_BLOCKED.format(request_id=_request_id()),
                         SECONDARY_RATE_LIMIT_DOCS)
        stamps.append(now)

    def _parse_body(self, raw: bytes, op: Operation) -> Any:
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise _error(400, "Problems parsing JSON", op.docs_url) from None
        if op.body_pointer is None:
            return body
        if body is None and not op.body_required:
            return None
        instance = {} if body is None else body
        error = best_match(spec().validator(op.body_pointer).iter_errors(instance))
        if error is not None:
            raise _error(422, f"Invalid request.\n\n{_describe(error)}", op.docs_url)
        return body

    # --- pagination ----------------------------------------------------------------------

    def _paginate(self, ctx: _Ctx, items: list[Any]) -> Reply:
        per_page = _int(ctx.query.get("per_page"), PER_PAGE_DEFAULT)
        per_page = min(max(per_page, 1), PER_PAGE_MAX)
        page = max(_int(ctx.query.get("page"), 1), 1)
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(n: int, rel: str) -> str:
            query = dict(ctx.query, page=str(n))
            if "per_page" in ctx.query:
                query["per_page"] = str(per_page)
            return f'<{self.url}{ctx.request.rel_url.raw_path}?{urlencode(query)}>; rel="{rel}"'

        if page > 1:
            links.append(link(min(page - 1, last), "prev"))
        if page < last:
            links.append(link(page + 1, "next"))
            links.append(link(last, "last"))
        if page > 1:
            links.append(link(1, "first"))
        headers = {"Link": ", ".join(links)} if links else {}
        return Reply(200, chunk, headers)

    # --- operations ----------------------------------------------------------------------

    def _ctx_pull(self, ctx: _Ctx, key: str = "pull_number") -> Pull:
        assert ctx.repo is not None
        number = _int(ctx.params[key], -1)
        if number not in ctx.repo.pulls:
            raise _not_found(ctx.op.docs_url)
        return ctx.repo.pulls[number]

    async def _op_pulls_get(self, ctx: _Ctx) -> Reply:
        assert ctx.repo is not None
        return Reply(200, self._pull_json(ctx.repo, self._ctx_pull(ctx)))

    async def _op_pulls_list_files(self, ctx: _Ctx) -> Reply:
        assert ctx.repo is not None
        pull = self._ctx_pull(ctx)
        entries = [self._diff_entry_json(ctx.repo, pull.head_sha, f) for f in pull.files]
        return self._paginate(ctx, entries[:PR_FILES_MAX])

    async def _op_repos_get_content(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        ref = ctx.query.get("ref") or repo.default_branch
        if ref not in repo.files:
            raise _error(404, f"No commit found for the ref {ref}", ctx.op.docs_url)
        tree = repo.files[ref]
        path = ctx.params["path"].strip("/")
        api = f"{self.url}/repos/{repo.full_name}"
        accept = ctx.request.headers.get("Accept", "")
        if path in tree:
            data = tree[path]
            if any(media in accept for media in RAW_MEDIA_TYPES):
                if len(data) > CONTENT_RAW_MAX:
                    raise _error(403, "This API returns blobs up to 100 MB in size.",
                                 ctx.op.docs_url, errors=[{"resource": "Blob", "field": "data",
                                                           "code": "too_large"}])
                return Reply(200, raw=data, content_type="application/vnd.github.raw",
                             headers={"X-GitHub-Media-Type": "github.v3; param=raw"})
            return Reply(200, self._content_json(repo, ref, path, data, with_content=True))
        prefix = path + "/"
        children = sorted({p[len(prefix):].split("/", 1)[0] for p in tree if p.startswith(prefix)})
        if not children:
            raise _not_found(ctx.op.docs_url)
        listing = []
        for child in children:
            child_path = prefix + child
            if child_path in tree:
                listing.append(self._content_json(repo, ref, child_path, tree[child_path],
                                                  with_content=False))
            else:
                listing.append({
                    "type": "dir", "size": 0, "name": child, "path": child_path,
                    "sha": hashlib.sha1(f"tree {child_path}".encode()).hexdigest(),
                    "url": f"{api}/contents/{quote(child_path)}?ref={quote(ref)}",
                    "git_url": None, "html_url": f"{HTML}/{repo.full_name}/tree/{ref}/{child_path}",
                    "download_url": None,
                    "_links": {"self": f"{api}/contents/{quote(child_path)}?ref={quote(ref)}",
                               "git": None, "html": None},
                })
        return Reply(200, listing)

    def _content_json(self, repo: Repo, ref: str, path: str, data: bytes, *, with_content: bool
                      ) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        sha = git_blob_sha(data)
        qpath = quote(path)
        out: dict[str, Any] = {
            "type": "file",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": f"{api}/contents/{qpath}?ref={quote(ref)}",
            "git_url": f"{api}/git/blobs/{sha}",
            "html_url": f"{HTML}/{repo.full_name}/blob/{ref}/{qpath}",
            "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{qpath}",
            "_links": {
                "self": f"{api}/contents/{qpath}?ref={quote(ref)}",
                "git": f"{api}/git/blobs/{sha}",
                "html": f"{HTML}/{repo.full_name}/blob/{ref}/{qpath}",
            },
        }
        if with_content:
            if len(data) > CONTENT_JSON_MAX:
                out.update(encoding="none", content="")
            else:
                encoded = base64.b64encode(data).decode()
                lines = [encoded[i : i + 60] for i in range(0, len(encoded), 60)]
                out.update(encoding="base64", content="".join(line + "\n" for line in lines))
            out = {"type": out.pop("type"), "encoding": out.pop("encoding"), **out}
        return out

    async def _op_repos_compare_commits_with_basehead(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        base, sep, head = ctx.params["basehead"].partition("...")
        if not sep:
            base, sep, head = ctx.params["basehead"].partition("..")
        files = repo.compares.get((base, head))
        if files is None:
            files = next(
                (p.history[head] for p in repo.pulls.values()
                 if p.base_sha == base and head in p.history),
                None,
            )
        fork = repo.merge_bases.get((base, head), base)
        if files is None:  # tip...head of a PR that branched before the tip: the PR's base
            pull = next((p for p in repo.pulls.values() if head in p.history), None)
            if pull is not None and base in repo.branches.values():
                files = pull.history[head]
                fork = repo.merge_bases.get((base, head), pull.base_sha)
        if files is None or not sep:
            raise _not_found(ctx.op.docs_url)
        out = spec().example("commit-comparison")
        commit = self._rewrite(
            out["base_commit"],
            {"https://api.github.com/repos/octocat/Hello-World": f"{self.url}/repos/"
             f"{repo.full_name}", "https://github.com/octocat/Hello-World":
             f"{HTML}/{repo.full_name}", "https://api.github.com": self.url},
        )

        def at(sha: str) -> dict[str, Any]:
            c = copy.deepcopy(commit)
            c.update(sha=sha, node_id=_node_id("Commit", int(sha[:6], 16) if _hex(sha) else 0),
                     url=f"{self.url}/repos/{repo.full_name}/commits/{sha}",
                     html_url=f"{HTML}/{repo.full_name}/commit/{sha}",
                     comments_url=f"{self.url}/repos/{repo.full_name}/commits/{sha}/comments")
            return c

        html = f"{HTML}/{repo.full_name}/compare/{base}...{head}"
        behind = {"status": "diverged", "behind_by": 1} if fork != base else {}
        out.update(
            url=f"{self.url}/repos/{repo.full_name}/compare/{base}...{head}",
            html_url=html, permalink_url=html, diff_url=html + ".diff", patch_url=html + ".patch",
            base_commit=at(base), merge_base_commit=at(fork), status="ahead", ahead_by=1,
            behind_by=0, total_commits=1, commits=[at(head)],
            files=[self._diff_entry_json(repo, head, f) for f in files][:300],
        )
        out.update(behind)
        return Reply(200, out)

    async def _op_pulls_list_reviews(self, ctx: _Ctx) -> Reply:
        assert ctx.repo is not None
        pull = self._ctx_pull(ctx)
        reviews = [self._review_json(r) for r in ctx.repo.reviews.get(pull.number, [])]
        return self._paginate(ctx, reviews)

    async def _op_pulls_create_review(self, ctx: _Ctx) -> Reply:
        repo, token = ctx.repo, ctx.token
        assert repo is not None and token is not None
        pull = self._ctx_pull(ctx)
        body = ctx.body or {}
        docs = REVIEW_DOCS
        event = body.get("event")
        text = body.get("body")
        if event in ("REQUEST_CHANGES", "COMMENT") and not text:
            raise _unprocessable(docs, f"Review body is required when event is {event}")
        if text is not None and len(text) > COMMENT_BODY_MAX:
            raise _unprocessable(docs, TOO_LONG)
        if event in ("APPROVE", "REQUEST_CHANGES") and token.login == pull.user:
            verb = "approve" if event == "APPROVE" else "request changes on"
            raise _unprocessable(docs, f"Can not {verb} your own pull request")
        commit_id = body.get("commit_id") or pull.head_sha
        if commit_id not in pull.history:
            raise _unprocessable(docs, f"No commit found for SHA: {commit_id}")
        files = {f["filename"]: f for f in pull.history[commit_id]}
        stored_comments = []
        for comment in body.get("comments") or []:
            stored_comments.append(self._check_review_comment(comment, files, docs))
        if event is None and any(
            r["state"] == "PENDING" and r["user"]["login"] == token.login
            for r in repo.reviews[pull.number]
        ):
            raise _unprocessable(docs, "User can only have one pending review per pull request")
        rid = next(self._ids["review"])
        api = f"{self.url}/repos/{repo.full_name}"
        html = f"{HTML}/{repo.full_name}/pull/{pull.number}#pullrequestreview-{rid}"
        state = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED",
                 "COMMENT": "COMMENTED", None: "PENDING"}[event]
        review: dict[str, Any] = {
            "id": rid,
            "node_id": _node_id("PullRequestReview", rid),
            "user": self._user_json(token.login, token.user_type),
            "body": text or "",
            "state": state,
            "html_url": html,
            "pull_request_url": f"{api}/pulls/{pull.number}",
            "_links": {
                "html": {"href": html},
                "pull_request": {"href": f"{api}/pulls/{pull.number}"},
            },
            "commit_id": commit_id,
            "author_association": self._association(repo, token.login),
        }
        if state != "PENDING":
            review["submitted_at"] = _now()
        review["comments"] = stored_comments
        repo.reviews[pull.number].append(review)
        return Reply(200, self._review_json(review))

    def _check_review_comment(
        self, comment: dict[str, Any], files: dict[str, dict[str, Any]], docs: str
    ) -> dict[str, Any]:
        path = comment["path"]
        if path not in files:
            raise _unprocessable(docs, "Path could not be resolved")
        patch = files[path].get("patch")
        if len(comment.get("body", "")) > COMMENT_BODY_MAX:
            raise _unprocessable(docs, TOO_LONG)
        if "position" in comment:
            if not self.allow_position:
                raise _unprocessable(
                    docs, "position is deprecated (closing down); use line and side "
                    "(this fake refuses it unless allow_position=True)"
                )
            rows = {r.position: r for r in parse_patch(patch or "")}
            if comment["position"] not in rows:
                raise _unprocessable(docs, REVIEW_LINE_ERROR)
            return dict(comment)
        side = comment.get("side", "RIGHT")
        start_side = comment.get("start_side", side)
        if side not in ("LEFT", "RIGHT") or start_side not in ("LEFT", "RIGHT"):
            raise _unprocessable(docs, "side must be LEFT or RIGHT")
        if "line" not in comment:
            raise _unprocessable(docs, REVIEW_LINE_ERROR)
        end = diff_anchor(patch, side, comment["line"])
        if end is None:
            raise _unprocessable(docs, REVIEW_LINE_ERROR)
        if "start_line" in comment:
            start = diff_anchor(patch, start_side, comment["start_line"])
            if start is None:
                raise _unprocessable(docs, REVIEW_LINE_ERROR)
            if start.position >= end.position:
                raise _unprocessable(
                    docs, "pull_request_review_thread.start_line must precede the end line."
                )
            if start.hunk != end.hunk:
                raise _unprocessable(docs, REVIEW_LINE_ERROR)
        return dict(comment, side=side, **({"start_side": start_side}
                                           if "start_line" in comment else {}))

    async def _op_pulls_dismiss_review(self, ctx: _Ctx) -> Reply:
        assert ctx.repo is not None
        pull = self._ctx_pull(ctx)
        rid = _int(ctx.params["review_id"], -1)
        review = next((r for r in ctx.repo.reviews[pull.number] if r["id"] == rid), None)
        if review is None:
            raise _not_found(ctx.op.docs_url)
        if review["state"] == "PENDING":
            raise _unprocessable(ctx.op.docs_url, "Can not dismiss a pending review")
        review["state"] = "DISMISSED"
        return Reply(200, self._review_json(review))

    def _ctx_issue(self, ctx: _Ctx) -> int:
        assert ctx.repo is not None
        number = _int(ctx.params["issue_number"], -1)
        if number not in ctx.repo.pulls:
            raise _not_found(ctx.op.docs_url)
        return number

    async def _op_issues_list_comments(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        number = self._ctx_issue(ctx)
        since = ctx.query.get("since")
        items = [
            copy.deepcopy(c) for cid, c in repo.comments.items()
            if repo.comment_issue[cid] == number and (since is None or c["updated_at"] >= since)
        ]
        return self._paginate(ctx, items)

    def _check_comment_body(self, ctx: _Ctx) -> str:
        body = ctx.body["body"]
        if len(body) > COMMENT_BODY_MAX:
            raise _validation_failed(ctx.op.docs_url, {
                "resource": "IssueComment", "code": "unprocessable", "field": "data",
                "message": f"Body is too long (maximum is {COMMENT_BODY_MAX} characters)",
            })
        return body

    async def _op_issues_create_comment(self, ctx: _Ctx) -> Reply:
        repo, token = ctx.repo, ctx.token
        assert repo is not None and token is not None
        number = self._ctx_issue(ctx)
        body = self._check_comment_body(ctx)
        comment = self._new_comment(repo, number, body, token.login, token.user_type)
        return Reply(201, copy.deepcopy(comment), {"Location": comment["url"]})

    async def _op_issues_update_comment(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        cid = _int(ctx.params["comment_id"], -1)
        if cid not in repo.comments:
            raise _not_found(ctx.op.docs_url)
        body = self._check_comment_body(ctx)
        repo.comments[cid].update(body=body, updated_at=_now())
        return Reply(200, copy.deepcopy(repo.comments[cid]))

    async def _op_issues_list_labels_on_issue(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        pull = repo.pulls[self._ctx_issue(ctx)]
        return self._paginate(ctx, [copy.deepcopy(repo.labels[n.casefold()]) for n in pull.labels])

    async def _op_issues_add_labels(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        pull = repo.pulls[self._ctx_issue(ctx)]
        names = [x if isinstance(x, str) else x["name"] for x in (ctx.body or {}).get("labels", [])]
        for name in names:
            if len(name) > LABEL_NAME_MAX or not name.strip():
                raise _validation_failed(ctx.op.docs_url, {
                    "value": name, "resource": "Label", "field": "name", "code": "invalid",
                })
        for name in names:
            label = self._ensure_label(repo, name, implicit=True)
            if label["name"].casefold() not in {n.casefold() for n in pull.labels}:
                pull.labels.append(label["name"])
        return Reply(200, [copy.deepcopy(repo.labels[n.casefold()]) for n in pull.labels])

    async def _op_issues_remove_label(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        pull = repo.pulls[self._ctx_issue(ctx)]
        name = ctx.params["name"].casefold()
        kept = [n for n in pull.labels if n.casefold() != name]
        if len(kept) == len(pull.labels):
            raise _error(404, "Label does not exist", ctx.op.docs_url)
        pull.labels = kept
        return Reply(200, [copy.deepcopy(repo.labels[n.casefold()]) for n in pull.labels])

    async def _op_issues_get_label(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        label = repo.labels.get(ctx.params["name"].casefold())
        if label is None:
            raise _not_found(ctx.op.docs_url)
        return Reply(200, copy.deepcopy(label))

    async def _op_issues_create_label(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        body = ctx.body
        name, color = body["name"], body.get("color", "ededed")
        description = body.get("description")
        problems = []
        if len(name) > LABEL_NAME_MAX:
            problems.append({"resource": "Label", "code": "custom", "field": "name",
                             "message": f"name is too long (maximum is {LABEL_NAME_MAX} "
                             "characters)"})
        if description is not None and len(description) > LABEL_DESCRIPTION_MAX:
            problems.append({"resource": "Label", "code": "custom", "field": "description",
                             "message": "description is too long (maximum is "
                             f"{LABEL_DESCRIPTION_MAX} characters)"})
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            problems.append({"resource": "Label", "code": "invalid", "field": "color"})
        if name.casefold() in repo.labels:
            problems.append({"resource": "Label", "code": "already_exists", "field": "name"})
        if problems:
            raise _validation_failed(ctx.op.docs_url, *problems)
        label = self._label_json(repo, name, color.lower(), description)
        repo.labels[name.casefold()] = label
        return Reply(201, copy.deepcopy(label), {"Location": label["url"]})

    def _check_output(self, ctx: _Ctx, output: dict[str, Any]) -> None:
        docs = ctx.op.docs_url
        for key in ("summary", "text"):  # observed: GitHub counts the UTF-8 bytes
            if len((output.get(key) or "").encode("utf-8")) > CHECK_TEXT_MAX:
                raise _validation_failed(docs, {
                    "resource": "CheckRun", "code": "custom", "field": key,
                    "message": f"{key} exceeds a maximum bytesize of {CHECK_TEXT_MAX}"})
        for i, a in enumerate(output.get("annotations") or []):
            field_name = f"output/annotations/{i}"
            if len(a.get("title", "")) > ANNOTATION_TITLE_MAX:
                raise _error(422, f"Invalid request.\n\nFor '{field_name}/title', is too long "
                             f"(maximum is {ANNOTATION_TITLE_MAX} characters).", docs)
            for key in ("message", "raw_details"):
                if len(a.get(key, "").encode("utf-8")) > ANNOTATION_TEXT_MAX_BYTES:
                    raise _error(422, f"Invalid request.\n\nFor '{field_name}/{key}', is too "
                                 f"large (maximum is {ANNOTATION_TEXT_MAX_BYTES} bytes).", docs)
            if a["end_line"] < a["start_line"]:
                raise _error(422, f"Invalid request.\n\nFor '{field_name}', end_line must be "
                             "greater than or equal to start_line.", docs)
            if ("start_column" in a or "end_column" in a) and a["start_line"] != a["end_line"]:
                raise _error(422, f"Invalid request.\n\nFor '{field_name}', start_column and "
                             "end_column are only supported on the same line.", docs)

    @staticmethod
    def _settle(run: dict[str, Any], body: dict[str, Any], docs: str) -> None:
        if body.get("conclusion") == "stale":
            raise _error(422, "Invalid request.\n\nOnly GitHub can set a conclusion of stale.",
                         docs)
        for key in ("name", "details_url", "external_id", "started_at", "completed_at",
                    "status", "conclusion"):
            if key in body:
                run[key] = body[key]
        if "conclusion" in body:
            run["status"] = "completed"
        if run["status"] == "completed" or body.get("completed_at"):
            if run["conclusion"] is None:
                raise _error(422, "Invalid request.\n\n\"conclusion\" wasn't supplied. It is "
                             "required when status is completed or completed_at is set.", docs)
            run["status"] = "completed"
            run["completed_at"] = run["completed_at"] or _now()

    async def _op_checks_create(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        body = ctx.body
        if body["head_sha"] not in self._known_shas(repo):
            raise _error(422, f"No commit found for SHA: {body['head_sha']}", ctx.op.docs_url)
        output = body.get("output") or {}
        self._check_output(ctx, output)
        cid = next(self._ids["check"])
        run: dict[str, Any] = {
            "id": cid, "name": body["name"], "head_sha": body["head_sha"], "status": "queued",
            "conclusion": None, "details_url": None, "external_id": "",
            "started_at": _now(), "completed_at": None, "check_suite_id": next(self._ids["suite"]),
            "app_id": self.app_id if ctx.token is None or ctx.token.kind == "installation"
            else ACTIONS_APP_ID,
            "actions": body.get("actions", []),
            "output": {"title": None, "summary": None, "text": None, "annotations": [],
                       "images": []},
        }
        self._settle(run, body, ctx.op.docs_url)
        self._merge_output(run, output)
        repo.check_runs[cid] = run
        return Reply(201, self._check_json(repo, run))

    @staticmethod
    def _merge_output(run: dict[str, Any], output: dict[str, Any]) -> None:
        for key in ("title", "summary", "text"):
            if key in output:
                run["output"][key] = output[key]
        run["output"]["annotations"].extend(copy.deepcopy(output.get("annotations") or []))
        run["output"]["images"].extend(copy.deepcopy(output.get("images") or []))

    async def _op_checks_update(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        run = repo.check_runs.get(_int(ctx.params["check_run_id"], -1))
        if run is None:
            raise _not_found(ctx.op.docs_url)
        body = ctx.body
        output = body.get("output") or {}
        self._check_output(ctx, output)
        updated = copy.deepcopy(run)
        self._settle(updated, body, ctx.op.docs_url)
        self._merge_output(updated, output)
        if "actions" in body:
            updated["actions"] = body["actions"]
        run.clear()
        run.update(updated)
        return Reply(200, self._check_json(repo, run))

    async def _op_repos_create_commit_status(self, ctx: _Ctx) -> Reply:
        repo, token = ctx.repo, ctx.token
        assert repo is not None and token is not None
        sha = ctx.params["sha"]
        if sha not in self._known_shas(repo):
            raise _error(422, f"No commit found for SHA: {sha}", ctx.op.docs_url)
        body = ctx.body
        context = body.get("context") or "default"
        existing = repo.statuses.setdefault(sha, [])
        if sum(1 for s in existing if s["context"].casefold() == context.casefold()) >= (
            STATUSES_PER_CONTEXT
        ):
            raise _validation_failed(ctx.op.docs_url, {
                "resource": "Status", "code": "custom", "field": "context",
                "message": "This SHA and context has reached the maximum number of statuses.",
            })
        sid = next(self._ids["status"])
        now = _now()
        creator = self._user_json(token.login, token.user_type)
        status = {
            "url": f"{self.url}/repos/{repo.full_name}/statuses/{sha}",
            "avatar_url": creator["avatar_url"],
            "id": sid,
            "node_id": _node_id("StatusContext", sid),
            "state": body["state"],
            "description": body.get("description"),
            "target_url": body.get("target_url"),
            "context": context,
            "created_at": now,
            "updated_at": now,
            "creator": creator,
        }
        existing.append(status)
        return Reply(201, copy.deepcopy(status), {"Location": status["url"]})

    async def _op_apps_create_installation_access_token(self, ctx: _Ctx) -> Reply:
        iid = _int(ctx.params["installation_id"], -1)
        inst = self.installations.get(iid)
        if inst is None:
            raise _not_found(ctx.op.docs_url)
        body = ctx.body or {}
        levels = {"read": 1, "write": 2, "admin": 3}
        wanted = body.get("permissions")
        if wanted is not None:
            for name, level in wanted.items():
                if levels.get(level, 9) > levels.get(inst.permissions.get(name, ""), 0):
                    raise _error(422, "The permissions requested are not granted to this "
                                 "installation.", ctx.op.docs_url)
        names = body.get("repositories")
        ids = body.get("repository_ids")
        scoped: set[str] | None = None
        if names is not None or ids is not None:
            mine = {r.full_name.lower(): r for r in self.repos.values() if r.installation_id == iid}
            by_name = {r.name.lower(): k for k, r in mine.items()}
            by_id = {r.id: k for k, r in mine.items()}
            scoped = set()
            for n in names or []:
                if n.lower() not in by_name:
                    raise _error(422, "There is at least one repository that does not exist or "
                                 "is not accessible to the parent installation.", ctx.op.docs_url)
                scoped.add(by_name[n.lower()])
            for i in ids or []:
                if i not in by_id:
                    raise _error(422, "There is at least one repository that does not exist or "
                                 "is not accessible to the parent installation.", ctx.op.docs_url)
                scoped.add(by_id[i])
        token = self._mint(iid, wanted, frozenset(scoped) if scoped is not None else None,
                           False, None)
        assert token.expires_at is not None
        answer: dict[str, Any] = {
            "token": token.value,
            "expires_at": _iso(token.expires_at),
            "permissions": dict(token.permissions),
            "repository_selection": "selected",
        }
        if scoped is not None:
            answer["repositories"] = [self._repo_json(self.repos[k].full_name)
                                      for k in sorted(scoped)]
        self.issued_tokens.append({
            "token": token.value, "installation_id": iid, "expires_at": answer["expires_at"],
            "permissions": dict(token.permissions),
        })
        return Reply(201, answer)

    async def _op_apps_get_repo_installation(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        if repo.installation_id is None:
            raise _not_found(ctx.op.docs_url)
        return Reply(200, self._installation_json(self.installations[repo.installation_id]))

    async def _op_checks_get(self, ctx: _Ctx) -> Reply:
        assert ctx.repo is not None
        run = ctx.repo.check_runs.get(_int(ctx.params["check_run_id"], -1))
        if run is None:
            raise _not_found(ctx.op.docs_url)
        return Reply(200, self._check_json(ctx.repo, run))

    async def _op_checks_list_annotations(self, ctx: _Ctx) -> Reply:
        assert ctx.repo is not None
        run = ctx.repo.check_runs.get(_int(ctx.params["check_run_id"], -1))
        if run is None:
            raise _not_found(ctx.op.docs_url)
        items = [dict(a, blob_href=f"{HTML}/{ctx.repo.full_name}/blob/{run['head_sha']}/"
                      f"{a['path']}") for a in run["output"]["annotations"]]
        return self._paginate(ctx, copy.deepcopy(items))

    async def _op_checks_list_for_ref(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        ref, q = ctx.params["ref"], ctx.query
        sha = ref
        if not _hex(ref):  # a branch: its head is the newest PR head on it, if any
            heads = [p.head_sha for p in repo.pulls.values() if p.head_ref == ref]
            sha = heads[-1] if heads else ref
        runs = [r for r in repo.check_runs.values() if r["head_sha"] == sha]
        if "check_name" in q:
            runs = [r for r in runs if r["name"] == q["check_name"]]
        if "status" in q:
            runs = [r for r in runs if r["status"] == q["status"]]
        if "app_id" in q:
            runs = [r for r in runs if str(r.get("app_id", self.app_id)) == q["app_id"]]
        runs.sort(key=lambda r: r["id"], reverse=True)
        if q.get("filter", "latest") == "latest":  # the newest run of each name
            newest: dict[str, dict[str, Any]] = {}
            for r in runs:
                newest.setdefault(r["name"], r)
            runs = list(newest.values())
        reply = self._paginate(ctx, [self._check_json(repo, r) for r in runs])
        reply.body = {"total_count": len(runs), "check_runs": reply.body}
        return reply

    async def _op_checks_rerequest_run(self, ctx: _Ctx) -> Reply:
        assert ctx.repo is not None
        run = ctx.repo.check_runs.get(_int(ctx.params["check_run_id"], -1))
        if run is None:
            raise _not_found(ctx.op.docs_url)
        if run["status"] != "completed" or run.get("app_id", self.app_id) != self.app_id:
            raise _error(403, "This check run is not rerequestable or does not belong to the "
                         "authenticated GitHub App.", ctx.op.docs_url)
        self.rerequested.append(run["id"])
        return Reply(201, {})

    async def _op_repos_list_pull_requests_associated_with_commit(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        sha = ctx.params["commit_sha"]
        pulls = [p for p in repo.pulls.values() if sha in p.history]
        return self._paginate(ctx, [self._pull_json(repo, p) for p in pulls])

    async def _op_apps_get_authenticated(self, ctx: _Ctx) -> Reply:
        if ctx.claims is None:
            raise _error(401, "A JSON web token could not be decoded", ctx.op.docs_url)
        out = spec().example("integration")
        out.update(self._app_json())
        out["installations_count"] = len(self.installations)
        return Reply(200, out)

    async def _op_rate_limit_get(self, ctx: _Ctx) -> Reply:
        identity = self._identity(ctx.token, ctx.claims)
        limit = self._limit_for(ctx.token, ctx.claims)
        used, reset = self._usage_for(identity)
        core = {"limit": limit, "used": int(used), "remaining": max(0, limit - int(used)),
                "reset": int(reset)}
        out = spec().example("rate-limit-overview")
        for name, res in out["resources"].items():
            if name != "core":
                res.update(used=0, remaining=res["limit"], reset=int(reset))
        out["resources"]["core"] = dict(core)
        out["rate"] = dict(core)
        return Reply(200, out)


    # --- the maintainer's queue: open-PR lists, issues, reactions, branches -----------------
    # Shapes from openapi-subset.json (pulls/list, issues/*, reactions/create-for-issue-comment,
    # repos/get, repos/get-branch, repos/get-collaborator-permission-level).

    def set_branch(self, owner: str, repo: str, name: str, sha: str) -> None:
        """Point a branch at a commit (what GET /branches/{branch} answers)."""
        self._repo(owner, repo).branches[name] = sha

    def set_permission(self, owner: str, repo: str, login: str, permission: str) -> None:
        """Make `login` a collaborator with admin|maintain|write|triage|read."""
        self._repo(owner, repo).collaborators[login] = permission

    def issues_of(self, owner: str, repo: str) -> list[dict[str, Any]]:
        """The repository's issues that are not pull requests."""
        return [copy.deepcopy(i) for i in self._repo(owner, repo).issues.values()]

    def reactions_of(self, owner: str, repo: str, comment_id: int) -> list[dict[str, Any]]:
        """Reactions on one issue comment."""
        return copy.deepcopy(self._repo(owner, repo).reactions.get(comment_id, []))

    def _sorted(self, ctx: _Ctx, items: list[Any], default_dir: str = "desc") -> list[Any]:
        key = "updated_at" if ctx.query.get("sort") == "updated" else "created_at"
        direction = ctx.query.get("direction") or default_dir
        return sorted(items, key=lambda x: (x[key], x["number"]), reverse=direction == "desc")

    def _state_ok(self, ctx: _Ctx, state: str) -> bool:
        wanted = ctx.query.get("state") or "open"
        if wanted not in ("open", "closed", "all"):
            raise _validation_failed(ctx.op.docs_url, {"resource": "Issue", "field": "state",
                                                       "code": "invalid"})
        return wanted == "all" or wanted == state

    async def _op_pulls_list(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        simple = set(spec().doc["components"]["schemas"]["pull-request-simple"]["properties"])
        base = ctx.query.get("base")
        items = [
            {k: v for k, v in self._pull_json(repo, p).items() if k in simple}
            for p in repo.pulls.values()
            if self._state_ok(ctx, p.state) and (base is None or p.base_ref == base)
        ]
        # GitHub: direction defaults to desc for sort=created (the default sort)
        default_dir = "asc" if ctx.query.get("sort") not in (None, "created") else "desc"
        return self._paginate(ctx, self._sorted(ctx, items, default_dir))

    def _issue_json(self, repo: Repo, number: int, title: str, body: str | None, login: str,
                    state: str, created: str, updated: str) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        out = spec().example("issue")
        out.update(
            id=700000000 + number, node_id=_node_id("Issue", number),
            url=f"{api}/issues/{number}", repository_url=api,
            labels_url=f"{api}/issues/{number}/labels{{/name}}",
            comments_url=f"{api}/issues/{number}/comments",
            events_url=f"{api}/issues/{number}/events",
            html_url=f"{HTML}/{repo.full_name}/issues/{number}", number=number, state=state,
            title=title, body=body, user=self._user_json(login), labels=[], assignee=None,
            assignees=[], milestone=None, locked=False, comments=0, closed_at=None,
            created_at=created, updated_at=updated, closed_by=None,
            author_association=self._association(repo, login), state_reason=None,
        )
        out.pop("pull_request", None)
        out.pop("repository", None)
        return out

    def _pull_as_issue(self, repo: Repo, p: Pull) -> dict[str, Any]:
        out = self._issue_json(repo, p.number, p.title, p.body, p.user, p.state, p.created_at,
                               p.updated_at)
        api = f"{self.url}/repos/{repo.full_name}"
        out["pull_request"] = {"url": f"{api}/pulls/{p.number}", "merged_at": None,
                               "html_url": f"{HTML}/{repo.full_name}/pull/{p.number}",
                               "diff_url": f"{HTML}/{repo.full_name}/pull/{p.number}.diff",
                               "patch_url": f"{HTML}/{repo.full_name}/pull/{p.number}.patch"}
        out["html_url"] = out["pull_request"]["html_url"]
        return out

    def _next_issue_number(self, repo: Repo) -> int:
        return max([0, *repo.pulls, *repo.issues]) + 1

    async def _op_issues_list_for_repo(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        items = [copy.deepcopy(i) for i in repo.issues.values()]
        items += [self._pull_as_issue(repo, p) for p in repo.pulls.values()]
        creator = ctx.query.get("creator")
        items = [i for i in items if self._state_ok(ctx, i["state"])
                 and (creator is None or i["user"]["login"].lower() == creator.lower())]
        return self._paginate(ctx, self._sorted(ctx, items))

    async def _op_issues_create(self, ctx: _Ctx) -> Reply:
        repo, token = ctx.repo, ctx.token
        assert repo is not None and token is not None
        body = ctx.body.get("body")
        if body is not None and len(body) > COMMENT_BODY_MAX:
            raise _validation_failed(ctx.op.docs_url, {
                "resource": "Issue", "code": "custom", "field": "body",
                "message": f"body is too long (maximum is {COMMENT_BODY_MAX} characters)"})
        number, now = self._next_issue_number(repo), _now()
        issue = self._issue_json(repo, number, str(ctx.body["title"]), body, token.login,
                                 "open", now, now)
        issue["user"] = self._user_json(token.login, token.user_type)
        repo.issues[number] = issue
        return Reply(201, copy.deepcopy(issue), {"Location": issue["url"]})

    def _ctx_any_issue(self, ctx: _Ctx) -> dict[str, Any]:
        repo = ctx.repo
        assert repo is not None
        number = _int(ctx.params["issue_number"], -1)
        if number in repo.issues:
            return repo.issues[number]
        if number in repo.pulls:
            return self._pull_as_issue(repo, repo.pulls[number])
        raise _not_found(ctx.op.docs_url)

    async def _op_issues_get(self, ctx: _Ctx) -> Reply:
        return Reply(200, copy.deepcopy(self._ctx_any_issue(ctx)))

    async def _op_issues_update(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        issue = self._ctx_any_issue(ctx)
        if "pull_request" in issue:
            raise _error(403, "Editing pull requests through this fake is not modelled",
                         ctx.op.docs_url)
        body = ctx.body or {}
        if body.get("body") is not None and len(body["body"]) > COMMENT_BODY_MAX:
            raise _validation_failed(ctx.op.docs_url, {
                "resource": "Issue", "code": "custom", "field": "body",
                "message": f"body is too long (maximum is {COMMENT_BODY_MAX} characters)"})
        for key in ("title", "body", "state"):
            if body.get(key) is not None:
                issue[key] = body[key]
        issue["updated_at"] = _now()
        return Reply(200, copy.deepcopy(issue))

    async def _op_reactions_create_for_issue_comment(self, ctx: _Ctx) -> Reply:
        repo, token = ctx.repo, ctx.token
        assert repo is not None and token is not None
        cid = _int(ctx.params["comment_id"], -1)
        if cid not in repo.comments:
            raise _not_found(ctx.op.docs_url)
        content = ctx.body["content"]
        mine = repo.reactions.setdefault(cid, [])
        for r in mine:
            if r["user"]["login"] == token.login and r["content"] == content:
                return Reply(200, copy.deepcopy(r))  # "Reaction exists"
        reaction = spec().example("reaction")
        rid = 8000000 + sum(len(v) for v in repo.reactions.values()) + 1
        reaction.update(id=rid, node_id=_node_id("Reaction", rid), content=content,
                        user=self._user_json(token.login, token.user_type), created_at=_now())
        mine.append(reaction)
        return Reply(201, copy.deepcopy(reaction))

    async def _op_repos_get(self, ctx: _Ctx) -> Reply:
        assert ctx.repo is not None
        return Reply(200, self._repo_json(ctx.repo.full_name))

    async def _op_repos_get_branch(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        name = ctx.params["branch"]
        if name not in repo.branches:
            raise _error(404, "Branch not found", ctx.op.docs_url)
        out = spec().example("branch-get")
        out["name"] = name
        out["commit"]["sha"] = repo.branches[name]
        out["commit"]["url"] = f"{self.url}/repos/{repo.full_name}/commits/{repo.branches[name]}"
        return Reply(200, out)

    async def _op_repos_get_collaborator_permission_level(self, ctx: _Ctx) -> Reply:
        repo = ctx.repo
        assert repo is not None
        login = ctx.params["username"]
        permission = "admin" if login.lower() == repo.owner.lower() else (
            repo.collaborators.get(login))
        if permission is None:
            raise _not_found(ctx.op.docs_url)  # not a collaborator
        legacy = {"maintain": "write", "triage": "read"}.get(permission, permission)
        return Reply(200, {"permission": legacy, "role_name": permission,
                           "user": self._user_json(login)})

    # --- GitHub App manifest flow (docs.github.com "Registering a GitHub App from a manifest") --
    # The browser POSTs the form field `manifest` (JSON) to github.com's /settings/apps/new
    # (or /organizations/ORG/settings/apps/new) with `?state=`; GitHub creates the App and
    # redirects to the manifest's `redirect_url` with `?code=...&state=...`; the code is
    # exchanged once, within an hour, with POST /app-manifests/{code}/conversions (no auth).
    # The created App is this fake's own App (same id and key), so its tokens work here.

    async def _manifest_form(self, request: web.Request) -> Reply:
        if request.method != "POST":
            return Reply(405, raw=b"Method Not Allowed", content_type="text/plain")
        form = await request.post()
        try:
            manifest = json.loads(str(form.get("manifest", "")))
        except ValueError:
            manifest = None
        missing = [] if isinstance(manifest, dict) else ["manifest"]
        if isinstance(manifest, dict):
            missing = [k for k in ("url", "redirect_url") if not manifest.get(k)]
            hook = manifest.get("hook_attributes")
            if not isinstance(hook, dict) or not hook.get("url"):
                missing.append("hook_attributes.url")
        if missing:
            text = f"Invalid GitHub App configuration: {', '.join(missing)} required"
            return Reply(422, raw=text.encode(), content_type="text/html; charset=utf-8")
        assert isinstance(manifest, dict)
        code = secrets.token_hex(10)
        self.manifest_codes[code] = (manifest, time.time() + 3600)
        query = {"code": code, **({"state": request.query["state"]}
                                  if "state" in request.query else {})}
        target = f"{manifest['redirect_url']}?{urlencode(query)}"
        return Reply(302, raw=b"", headers={"Location": target}, content_type="text/html")

    async def _op_apps_create_from_manifest(self, ctx: _Ctx) -> Reply:
        manifest, expires = self.manifest_codes.pop(ctx.params["code"], (None, 0.0))
        if manifest is None or expires < time.time():
            raise _not_found(ctx.op.docs_url)
        out = spec().example("integration-from-manifest")
        out.update(id=self.app_id, slug=self.app_slug, name=manifest.get("name", self.app_slug),
                   description=manifest.get("description", ""),
                   external_url=manifest["url"], html_url=f"{HTML}/apps/{self.app_slug}",
                   permissions=dict(manifest.get("default_permissions") or {}),
                   events=list(manifest.get("default_events") or []),
                   webhook_secret=secrets.token_hex(20), pem=self.private_key_pem,
                   client_id=f"Iv1.{secrets.token_hex(8)}", client_secret=secrets.token_hex(20))
        self.created_apps.append({"manifest": manifest, "app": out})
        return Reply(201, out)


MANIFEST_FORM = re.compile(r"/settings/apps/new|/organizations/[^/]+/settings/apps/new")


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _hex(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-fA-F]{6,}", value))


def _request_id() -> str:
    return uuid.uuid4().hex[:20].upper()


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False

    def bare(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    return any(t.strip() == "*" or bare(t) == bare(etag) for t in header.split(","))



def _demo(gh: FakeGitHub, owner: str, repo: str) -> str:
    """One installed repository with one open PR (real upstream PR 068); its head sha."""
    import difflib

    upstream = Path(__file__).resolve().parents[1] / "fixtures" / "upstream" / "prs" / "068"
    base = (upstream / "base.md").read_text(encoding="utf-8")
    head = (upstream / "head.md").read_text(encoding="utf-8")
    base_sha, head_sha = "a" * 40, "b" * 40
    gh.add_repo(owner, repo, installation_id=1)
    gh.set_file(owner, repo, base_sha, "README.md", base)
    gh.set_file(owner, repo, head_sha, "README.md", head)
    rows = list(difflib.unified_diff(base.split("\n"), head.split("\n"), lineterm=""))
    gh.add_pull(owner, repo, 68, base_sha=base_sha, head_sha=head_sha, files=[
        {"filename": "README.md", "status": "modified", "patch": "\n".join(rows[2:])}])
    return head_sha


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.fakes.github_server`: serve the fake for a person to run the bot
    against; prints the settings `python -m bot serve` needs."""
    import argparse
    import os
    import tempfile

    p = argparse.ArgumentParser(prog="python -m tests.fakes.github_server",
                                description=main.__doc__)
    p.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    p.add_argument("--repo", default="octo/papers", help="demo repository (owner/name)")
    p.add_argument("--rate-limit", type=int, default=None,
                   help="primary limit per token (403 with x-ratelimit-remaining: 0 beyond it)")
    args = p.parse_args(argv)
    owner, _, repo = args.repo.partition("/")
    gh = FakeGitHub(rate_limit=args.rate_limit)

    async def serve() -> None:
        await gh.start(port=args.port)
        head = _demo(gh, owner, repo or "papers")
        fd, key_path = tempfile.mkstemp(prefix="fake-github-app-", suffix=".pem")
        with os.fdopen(fd, "w") as f:
            f.write(gh.private_key_pem)
        print(f"fake GitHub at {gh.url} (Ctrl-C stops it); for `python -m bot serve`:")
        print(f"  GITHUB_API_URL={gh.url} GITHUB_APP_ID={gh.app_id} "
              f"GITHUB_PRIVATE_KEY_PATH={key_path} BOT_LOGIN={gh.bot_login}")
        print(f"  demo: {owner}/{repo} PR #68 at head {head}, installation 1", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0

__all__ = [
    "Call",
    "DiffLine",
    "FakeGitHub",
    "Fault",
    "GitHubError",
    "Spec",
    "diff_anchor",
    "git_blob_sha",
    "openapi_to_jsonschema",
    "parse_patch",
    "spec",
]



if __name__ == "__main__":
    raise SystemExit(main())
