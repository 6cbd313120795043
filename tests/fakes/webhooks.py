"""Webhook deliveries the way GitHub makes them: signed bodies, the real header set, payloads.

The payloads are octokit/webhooks' real examples (tests/fixtures/github/webhooks, see SOURCES.md);
`payload_for` rewrites one so the repository, PR number, shas and installation agree with the
state a test put into FakeGitHub:

    payload = payload_for("pull_request.opened", owner="octo", repo="papers", number=3,
                          head_sha=head, base_sha=base, installation_id=7)
    result = await deliver(session, f"{bot_url}/webhook", "pull_request", payload, secret="s3")
    assert result.status == 200
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

WEBHOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "webhooks"
DELIVERY_CONTRACT = Path(__file__).resolve().parents[1] / "fixtures" / "github" / (
    "webhook-delivery.json"
)
USER_AGENT = "GitHub-Hookshot/044aadd"  # the docs' example value; only the prefix is promised
RESPOND_WITHIN = 10.0  # seconds on github.com before GitHub gives up ("timed out")
PAYLOAD_CAP = 25 * 1024 * 1024  # larger payloads are not delivered at all
_UNSET: Any = object()


def sign(secret: str, body: bytes) -> str:
    """X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body, keyed by the secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sign_sha1(secret: str, body: bytes) -> str:
    """The legacy X-Hub-Signature: "sha1=" + hex HMAC-SHA1."""
    return "sha1=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    """A payload as the bytes GitHub sends (compact UTF-8 JSON)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def load_payload(name: str) -> dict[str, Any]:
    """A real example payload by file stem, e.g. "pull_request.opened"."""
    stem = name.removesuffix(".json")
    return json.loads((WEBHOOKS / f"{stem}.json").read_text(encoding="utf-8"))


def payload_names() -> list[str]:
    """The stems of every stored example payload."""
    return sorted(p.stem for p in WEBHOOKS.glob("*.json"))


def delivery_headers(
    event: str,
    body: bytes,
    secret: str | None,
    delivery_id: str | None = None,
    *,
    hook_id: int = 292430182,
    target_type: str = "integration",
    target_id: int = 424242,
    user_agent: str = USER_AGENT,
) -> dict[str, str]:
    """The headers GitHub sends with a delivery (signatures only when there is a secret).

    GitHub documents no value list for X-GitHub-Hook-Installation-Target-Type; "integration"
    (a GitHub App hook, target id = app id) is a guess the bot must not depend on.
    """
    headers = {
        "Content-Type": "application/json",
        "User-Agent": user_agent,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-GitHub-Event": event,
        "X-GitHub-Hook-ID": str(hook_id),
        "X-GitHub-Hook-Installation-Target-ID": str(target_id),
        "X-GitHub-Hook-Installation-Target-Type": target_type,
    }
    if secret:
        headers["X-Hub-Signature"] = sign_sha1(secret, body)
        headers["X-Hub-Signature-256"] = sign(secret, body)
    return headers


@dataclass
class Delivery:
    """What happened to one delivery, judged the way GitHub judges it."""

    delivery_id: str
    status: int | None
    body: str
    elapsed: float
    timed_out: bool = False
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """GitHub counts any 2XX within the time limit as success."""
        return self.status is not None and 200 <= self.status < 300 and not self.timed_out


async def deliver(
    session: aiohttp.ClientSession,
    url: str,
    event: str,
    payload: dict[str, Any] | bytes,
    *,
    secret: str | None,
    delivery_id: str | None = None,
    timeout: float = RESPOND_WITHIN,
    **header_options: Any,
) -> Delivery:
    """POST one delivery; like GitHub, give up after `timeout` seconds and never retry."""
    body = payload if isinstance(payload, bytes) else encode(payload)
    headers = delivery_headers(event, body, secret, delivery_id, **header_options)
    started = time.monotonic()
    guid = headers["X-GitHub-Delivery"]
    try:
        async with session.post(
            url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            text = await response.text()
            return Delivery(guid, response.status, text, time.monotonic() - started,
                            headers=dict(response.headers))
    except TimeoutError:
        return Delivery(guid, None, "", time.monotonic() - started, timed_out=True,
                        error="timed out")
    except aiohttp.ClientError as exc:
        return Delivery(guid, None, "", time.monotonic() - started, error=repr(exc))


# --- payload rewriting --------------------------------------------------------------------


def _replace_strings(obj: Any, pairs: list[tuple[re.Pattern[str] | str, str]]) -> Any:
    if isinstance(obj, dict):
        return {k: _replace_strings(v, pairs) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_replace_strings(v, pairs) for v in obj]
    if isinstance(obj, str):
        for old, new in pairs:
            obj = old.sub(new, obj) if isinstance(old, re.Pattern) else obj.replace(old, new)
    return obj


def _rename_user(user: dict[str, Any] | None, login: str) -> dict[str, Any] | None:
    if not isinstance(user, dict) or "login" not in user:
        return user
    old = user["login"]
    out = _replace_strings(user, [(f"/{old}/", f"/{login}/"), (re.compile(rf"/{re.escape(old)}$"),
                                                                f"/{login}")])
    out["login"] = login
    return out


def _iso(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _normalize_repo(repo: dict[str, Any] | None) -> None:
    if isinstance(repo, dict) and "full_name" in repo:
        repo.setdefault("has_discussions", False)


def _old_pr(payload: dict[str, Any]) -> dict[str, Any] | None:
    if isinstance(payload.get("pull_request"), dict):
        return payload["pull_request"]
    for key in ("check_run", "check_suite"):
        prs = (payload.get(key) or {}).get("pull_requests") or []
        if prs:
            return prs[0]
    return None


def payload_for(
    name: str,
    *,
    owner: str,
    repo: str,
    number: int | None = None,
    head_sha: str | None = None,
    base_sha: str | None = None,
    installation_id: int | None = None,
    sender: str = "octocat",
    author: str | None = None,
    base_ref: str = "master",
    head_ref: str | None = None,
    head_repo: str | None = None,
    before: str | None = None,
    title: str | None = None,
    body: Any = _UNSET,
    api_url: str | None = None,
    repo_id: int | None = None,
) -> dict[str, Any]:
    """A real example payload rewritten to describe owner/repo#number at head_sha over base_sha.

    Rewrites repository.{name,full_name,owner.login} and every URL naming the old repository,
    number / pull_request.number, pull_request.{head,base}.{sha,ref,label,repo},
    pull_request.user (author, default sender), sender, installation.id, synchronize's
    `after` (and `before` if given), and check_run/check_suite head_sha and pull_requests.
    api_url replaces https://api.github.com in every URL (so links lead to the fake). Like
    GitHub's current schemas, installation timestamps become ISO strings, installation gets
    app_slug and repositories get has_discussions. head_repo="fork-owner/name" makes a fork PR.
    """
    payload = copy.deepcopy(load_payload(name))
    old_repo = payload.get("repository") or {}
    old_full = old_repo.get("full_name")
    full = f"{owner}/{repo}"
    old_pr = _old_pr(payload)
    old_number = payload.get("number") or (old_pr or {}).get("number")
    old_head = (old_pr or {}).get("head", {}).get("sha")
    old_head = old_head or (payload.get("check_run") or {}).get("head_sha")
    old_head = old_head or (payload.get("check_suite") or {}).get("head_sha")
    old_base = (old_pr or {}).get("base", {}).get("sha")

    pairs: list[tuple[re.Pattern[str] | str, str]] = []
    if old_full:
        for prefix in ("/repos/", "github.com/", "github.com:"):
            pairs.append((f"{prefix}{old_full}", f"{prefix}{full}"))
    if number is not None and old_number is not None:
        pairs.append(
            (re.compile(rf"/(pulls|pull|issues)/{old_number}(?=$|[/.#?])"), rf"/\g<1>/{number}")
        )
    if head_sha and old_head:
        pairs.append((old_head, head_sha))
    if base_sha and old_base:
        pairs.append((old_base, base_sha))
    if api_url:
        pairs.append(("https://api.github.com", api_url.rstrip("/")))
    payload = _replace_strings(payload, pairs)

    repository = payload.get("repository")
    if isinstance(repository, dict):
        repository.update(name=repo, full_name=full)
        repository["owner"] = _rename_user(repository.get("owner"), owner)
        if repo_id is not None:
            repository["id"] = repo_id
        _normalize_repo(repository)
    payload["sender"] = _rename_user(payload.get("sender"), sender)
    if "number" in payload and number is not None:
        payload["number"] = number

    pr = payload.get("pull_request")
    if isinstance(pr, dict):
        if number is not None:
            pr["number"] = number
        pr["user"] = _rename_user(pr.get("user"), author or sender)
        if title is not None:
            pr["title"] = title
        if body is not _UNSET:
            pr["body"] = body
        base = pr["base"]
        base.update(ref=base_ref, label=f"{owner}:{base_ref}")
        if base_sha:
            base["sha"] = base_sha
        base["user"] = _rename_user(base.get("user"), owner)
        if isinstance(repository, dict):
            base["repo"] = copy.deepcopy(repository)
        head = pr["head"]
        ref = head_ref or head.get("ref", "patch-1")
        if head_sha:
            head["sha"] = head_sha
        if head_repo and head_repo.lower() != full.lower():
            fork_owner, fork_name = head_repo.split("/", 1)
            fork = _replace_strings(copy.deepcopy(base["repo"]), [(f"/{full}", f"/{head_repo}"),
                                                                 (f":{full}", f":{head_repo}")])
            fork.update(name=fork_name, full_name=head_repo, fork=True)
            fork["owner"] = _rename_user(fork.get("owner"), fork_owner)
            fork["id"] = int(hashlib.sha1(head_repo.encode()).hexdigest()[:7], 16)
            head.update(repo=fork, ref=ref, label=f"{fork_owner}:{ref}")
            head["user"] = _rename_user(head.get("user"), fork_owner)
        else:
            head.update(repo=copy.deepcopy(base["repo"]), ref=ref, label=f"{owner}:{ref}")
            head["user"] = _rename_user(head.get("user"), owner)
        _normalize_repo(base.get("repo"))
        _normalize_repo(head.get("repo"))
    if payload.get("action") == "synchronize" and head_sha:
        payload["after"] = head_sha
        if before is not None:
            payload["before"] = before

    for key in ("check_run", "check_suite"):
        obj = payload.get(key)
        if not isinstance(obj, dict):
            continue
        if head_sha:
            obj["head_sha"] = head_sha
            if key == "check_suite":
                obj["after"] = head_sha
        suite = obj.get("check_suite")
        if isinstance(suite, dict) and head_sha:
            suite["head_sha"] = head_sha
            suite["after"] = head_sha
        for prs in (obj.get("pull_requests"), (suite or {}).get("pull_requests")):
            for item in prs or []:
                if number is not None:
                    item["number"] = number
                if head_sha:
                    item["head"]["sha"] = head_sha
                if base_sha:
                    item["base"]["sha"] = base_sha
                item["base"]["ref"] = base_ref
                for side in ("head", "base"):
                    item[side]["repo"]["name"] = repo
        app = obj.get("app")
        if isinstance(app, dict):
            app.setdefault("permissions", {"checks": "write", "metadata": "read"})
            app.setdefault("events", [])

    installation = payload.get("installation")
    if installation_id is not None:
        if not isinstance(installation, dict):
            installation = payload["installation"] = {}
        installation["id"] = installation_id
        installation.setdefault(
            "node_id", f"MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{installation_id}"
        )
    if isinstance(installation, dict):
        for stamp in ("created_at", "updated_at"):
            if stamp in installation:
                installation[stamp] = _iso(installation[stamp])
        if "account" in installation:
            installation.setdefault("app_slug", "awesome-papers")
    return payload


def load_contract() -> dict[str, Any]:
    """tests/fixtures/github/webhook-delivery.json (headers, signature test vector, limits)."""
    return json.loads(DELIVERY_CONTRACT.read_text(encoding="utf-8"))
