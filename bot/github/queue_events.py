"""Deliveries that start queue work: a push to the default branch, an installation, a
`/recheck` comment, a closed PR. Each becomes plain data in the sink; nothing here calls GitHub.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gidgethub import routing, sansio

from bot.github.backlog import PassJob, Reason, Scheduler
from bot.github.pull import PullRef
from bot.github.recheck import RecheckAsk, recheck_ask
from bot.github.settings import ServiceSettings
from bot.github.triage import repo_ref

MAX_PUSH_COMMITS = 20  # a push payload lists at most 20 commits; more may hide a README change
queue_router = routing.Router()


@dataclass(frozen=True, slots=True)
class Closed:
    """A pull request was closed or merged."""

    ref: PullRef


QueueEvent = PassJob | RecheckAsk | Closed


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _inst(data: Mapping[str, Any]) -> int | None:
    inst = _map(data.get("installation")).get("id")
    return inst if isinstance(inst, int) and not isinstance(inst, bool) else None


def _touches(commits: Any, paths: tuple[str, ...]) -> bool:
    """True when a commit of the push adds, changes or removes one of `paths` (or may)."""
    if not isinstance(commits, list) or not commits or len(commits) >= MAX_PUSH_COMMITS:
        return True
    for c in commits:
        c = _map(c)
        for kind in ("added", "modified", "removed"):
            files = c.get(kind)
            if isinstance(files, list) and any(f in paths for f in files):
                return True
    return False


@queue_router.register("push")
async def _on_push(event: sansio.Event, sink: list[Any], settings: ServiceSettings) -> None:
    """The list moved on the default branch: re-review the open PRs."""
    data = event.data
    repo = _map(data.get("repository"))
    branch = repo.get("default_branch")
    owner = _map(repo.get("owner")).get("login") or _map(repo.get("owner")).get("name")
    name, after = repo.get("name"), data.get("after")
    if not all(isinstance(x, str) and x for x in (branch, owner, name, after)):
        sink.append("the push names no repository or branch")
        return
    if data.get("ref") != f"refs/heads/{branch}" or data.get("deleted"):
        sink.append("a push to another branch")
        return
    if not _touches(data.get("commits"), (settings.readme_path, settings.config_path)):
        sink.append("the push does not change the list")
        return
    sink.append(PassJob(owner, name, _inst(data), Reason.BASE_MOVED, branch, after))


def _backlog(data: Mapping[str, Any], key: str, sink: list[Any]) -> None:
    """One backlog pass per repository the App was just given."""
    repos = data.get(key)
    for r in repos if isinstance(repos, list) else ():
        full = _map(r).get("full_name")
        if isinstance(full, str) and full.count("/") == 1:
            owner, name = full.split("/")
            sink.append(PassJob(owner, name, _inst(data), Reason.BACKLOG))
    if not any(isinstance(x, PassJob) for x in sink):
        sink.append("the installation names no repository")


@queue_router.register("installation", action="created")
async def _on_install(event: sansio.Event, sink: list[Any], settings: ServiceSettings) -> None:
    """Installed: review the waiting PRs of every repository."""
    _backlog(event.data, "repositories", sink)


@queue_router.register("installation_repositories", action="added")
async def _on_added(event: sansio.Event, sink: list[Any], settings: ServiceSettings) -> None:
    """Repositories added to the installation: review their waiting PRs."""
    _backlog(event.data, "repositories_added", sink)


@queue_router.register("issue_comment")
async def _on_comment(event: sansio.Event, sink: list[Any], settings: ServiceSettings) -> None:
    """`/recheck` on a PR; any other comment costs nothing."""
    ask = recheck_ask(event.data)
    sink.append(ask)


@queue_router.register("pull_request", action="closed")
async def _on_closed(event: sansio.Event, sink: list[Any], settings: ServiceSettings) -> None:
    """A PR left the queue."""
    data = event.data
    repo = _map(data.get("repository"))
    owner, name = _map(repo.get("owner")).get("login"), repo.get("name")
    number = _map(data.get("pull_request")).get("number")
    if isinstance(owner, str) and isinstance(name, str) and isinstance(number, int):
        ref = repo_ref(owner, name, _inst(data))
        sink.append(Closed(PullRef(owner, name, number, "", "", "", ref.installation_id)))


def accept(scheduler: Scheduler, item: QueueEvent) -> bool:
    """Hand one queue event to the scheduler (all work happens after the reply); False when
    there is nothing to do."""
    if isinstance(item, PassJob):
        scheduler.pass_soon(item, 0.0 if item.reason is Reason.BACKLOG else None)
    elif isinstance(item, RecheckAsk):
        scheduler.spawn(scheduler.recheck(item))
    else:
        return scheduler.closed(item.ref)
    return True
