"""`/recheck` in a PR comment: its author or anyone with write access asks for a new review.

Reading the comment costs nothing: only a `/recheck` line alone, in a new comment on a pull
request, by a person, goes further. The answer is a reaction on the comment (`+1`, or
`confused` when the commenter may not ask), never a new comment. Whether the commenter may ask
is read from the payload where it can be (the PR's author, the repository's owner, a
non-member); only members and collaborators cost one permission look-up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

COMMAND = re.compile(r"^[ \t]*/recheck[ \t]*$", re.MULTILINE)
ASK_PERMISSION = frozenset({"MEMBER", "COLLABORATOR"})
WRITERS = frozenset({"admin", "maintain", "write"})


@dataclass(frozen=True, slots=True)
class RecheckAsk:
    """A `/recheck` comment on a pull request."""

    owner: str
    repo: str
    number: int
    installation_id: int | None
    comment_id: int
    login: str
    association: str
    pr_author: str

    @property
    def full_name(self) -> str:
        """`owner/repo`."""
        return f"{self.owner}/{self.repo}"


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def recheck_ask(payload: Mapping[str, Any]) -> RecheckAsk | str:
    """The ask in an `issue_comment` delivery, or why there is none (no API call)."""
    if payload.get("action") != "created":
        return f"issue_comment.{payload.get('action')} is not a request"
    issue, comment = _map(payload.get("issue")), _map(payload.get("comment"))
    body = comment.get("body")
    if not isinstance(body, str) or not COMMAND.search(body):
        return "the comment asks nothing of the bot"
    if not issue.get("pull_request"):
        return "/recheck on an issue, not a pull request"
    user = _map(comment.get("user"))
    if user.get("type") == "Bot":
        return "a bot's comment"
    repo = _map(payload.get("repository"))
    owner, name = _map(repo.get("owner")).get("login"), repo.get("name")
    number, cid, login = issue.get("number"), comment.get("id"), user.get("login")
    inst = _map(payload.get("installation")).get("id")
    if not (isinstance(owner, str) and isinstance(name, str) and isinstance(login, str)
            and isinstance(number, int) and isinstance(cid, int)):
        return "the comment lacks its repository, PR number or author"
    return RecheckAsk(owner, name, number, inst if isinstance(inst, int) else None, cid, login,
                      str(comment.get("author_association") or "NONE"),
                      str(_map(issue.get("user")).get("login") or ""))


async def may_recheck(gh: GitHubAPI, ask: RecheckAsk) -> bool:
    """The PR's author, the owner, or a member/collaborator with write access."""
    if ask.login == ask.pr_author or ask.association == "OWNER":
        return True
    if ask.association not in ASK_PERMISSION:
        return False
    try:
        data = await gh.getitem("/repos/{owner}/{repo}/collaborators/{username}/permission",
                                {"owner": ask.owner, "repo": ask.repo, "username": ask.login})
    except BadRequest as exc:
        if exc.status_code in (403, 404):
            return False
        raise
    return data.get("permission") in WRITERS or data.get("role_name") in WRITERS


async def react(gh: GitHubAPI, ask: RecheckAsk, content: str) -> None:
    """Answer the comment with a reaction (GitHub keeps one per person and kind: no doubles)."""
    await gh.post("/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
                  {"owner": ask.owner, "repo": ask.repo, "comment_id": ask.comment_id},
                  data={"content": content})
