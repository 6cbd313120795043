"""A pull request as the bot needs it, read from a webhook payload or from GitHub."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

RAW = "application/vnd.github.raw"
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True, slots=True)
class PullRef:
    """Which pull request, at which commits, in which installation."""

    owner: str
    repo: str
    number: int
    head_sha: str
    base_sha: str
    base_ref: str
    installation_id: int | None = None
    tip: str | None = None  # judge against this base-branch commit, the PR's change merged in

    @property
    def full_name(self) -> str:
        """`owner/repo`."""
        return f"{self.owner}/{self.repo}"

    @property
    def key(self) -> str:
        """One key per pull request, for ordering and de-duplication."""
        return f"{self.owner}/{self.repo}#{self.number}"

    def vars(self, **more: object) -> dict[str, Any]:
        """URL template variables."""
        return {"owner": self.owner, "repo": self.repo, "number": self.number, **more}


class PayloadError(ValueError):
    """A delivery that lacks what the bot needs."""


def _get(d: Any, *path: str) -> Any:
    """A nested value, or a PayloadError naming what is missing."""
    cur = d
    for p in path:
        if not isinstance(cur, Mapping) or p not in cur:
            raise PayloadError(f"the payload has no {'.'.join(path)}")
        cur = cur[p]
    return cur


def pull_from_payload(payload: Mapping[str, Any]) -> PullRef:
    """The pull request of a `pull_request` delivery."""
    pr = _get(payload, "pull_request")
    owner = _get(payload, "repository", "owner", "login")
    repo = _get(payload, "repository", "name")
    number = _get(pr, "number")
    head, base = _get(pr, "head", "sha"), _get(pr, "base", "sha")
    base_ref = _get(pr, "base", "ref")
    inst = payload.get("installation")
    inst_id = inst.get("id") if isinstance(inst, Mapping) else None
    if not isinstance(pr, Mapping):
        raise PayloadError("the payload's pull_request is not an object")
    for name, value in (("owner", owner), ("repo", repo), ("head sha", head),
                        ("base sha", base), ("base ref", base_ref)):
        if not isinstance(value, str) or not value or len(value) > 255:
            raise PayloadError(f"the payload's {name} is not a valid name")
    if not re.fullmatch(r"[0-9a-f]{7,64}", head) or not re.fullmatch(r"[0-9a-f]{7,64}", base):
        raise PayloadError("the payload's commit ids are not hexadecimal")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise PayloadError("the payload's pull request number is not a number")
    if inst_id is not None and (not isinstance(inst_id, int) or isinstance(inst_id, bool)):
        raise PayloadError("the payload's installation id is not a number")
    return PullRef(owner, repo, number, head, base, base_ref, inst_id)


async def pull_from_api(gh: GitHubAPI, owner: str, repo: str, number: int,
                        installation_id: int | None) -> PullRef:
    """The pull request as GitHub has it now."""
    data = await gh.getitem("/repos/{owner}/{repo}/pulls/{number}",
                            {"owner": owner, "repo": repo, "number": number})
    return PullRef(owner, repo, number, data["head"]["sha"], data["base"]["sha"],
                   data["base"]["ref"], installation_id)


async def merge_base(gh: GitHubAPI, pr: PullRef) -> str:
    """The commit the PR's head branched from: its list is what the PR changes, even when the
    base branch moved on since. The base commit itself when GitHub cannot compare the two."""
    try:
        data = await gh.getitem("/repos/{owner}/{repo}/compare/{base}...{head}{?per_page}",
                                pr.vars(base=pr.base_sha, head=pr.head_sha, per_page=1))
    except BadRequest as exc:
        if exc.status_code in (404, 422):
            return pr.base_sha
        raise
    fork = data.get("merge_base_commit") if isinstance(data, Mapping) else None
    sha = fork.get("sha") if isinstance(fork, Mapping) else None
    return sha if isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{7,64}", sha) else pr.base_sha


async def changed_files(gh: GitHubAPI, pr: PullRef) -> list[dict[str, Any]]:
    """All files of the pull request (paginated)."""
    return [f async for f in gh.getiter("/repos/{owner}/{repo}/pulls/{number}/files{?per_page}",
                                        pr.vars(per_page=100))]


async def read_file(gh: GitHubAPI, pr: PullRef, path: str, ref: str) -> str | bytes | None:
    """A file's text at a commit (raw media type, any size); None when it does not exist."""
    try:
        data = await gh.getitem("/repos/{owner}/{repo}/contents/{+path}{?ref}",
                                pr.vars(path=path, ref=ref), accept=RAW)
    except BadRequest as exc:
        if exc.status_code == 404:
            return None
        raise
    except UnicodeDecodeError:
        return b"\x00"  # not text: the review reports it as unreadable
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping) and data.get("encoding") == "base64":
        return base64.b64decode(str(data.get("content", "")))
    return b"\x00"  # neither text nor a file: reported as unreadable


def added_lines(patch: str | None) -> frozenset[int]:
    """Head lines a unified diff adds: the only lines a review comment may target."""
    if not patch:
        return frozenset()
    out: set[int] = set()
    line = 0
    for row in patch.split("\n"):
        if m := _HUNK.match(row):
            line = int(m.group(1))
            continue
        if row.startswith("+"):
            out.add(line)
            line += 1
        elif row.startswith("-") or row.startswith("\\"):
            continue
        else:
            line += 1
    return frozenset(out)
