"""`python -m bot triage OWNER/REPO`: the triage board from the command line, and the Action's
`schedule` / `workflow_dispatch` run that writes it to the board issue.

Every open PR into the default branch is reviewed as the bot would (against the branch as it is
now, with lookups), but nothing is posted on the PRs. Exit status: 0, or 2 for bad usage, a
missing token or a repository that cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

SEMAPHORE = 4  # PRs reviewed at once


async def collect(reviewer: Any, owner: str, repo: str) -> Any:
    """The board's input for one repository: every open PR reviewed, nothing published."""
    from bot.awesome.queue_view import CrossReview
    from bot.github.api import CallStats
    from bot.github.backlog import default_tip
    from bot.github.triage import QueueKeeper, open_pulls, ref_of

    gh = await reviewer.client_for(None, f"{owner}/{repo}", CallStats())
    branch, tip = await default_tip(gh, owner, repo)
    pulls = await open_pulls(gh, owner, repo, branch)
    keeper = QueueKeeper(reviewer.settings.readme_path, reviewer.settings.config_path)
    gate = asyncio.Semaphore(SEMAPHORE)

    async def one(data: Mapping[str, Any]) -> None:
        ref = ref_of(owner, repo, data, None, tip)
        if ref is None:
            return
        async with gate:
            done = await reviewer.judge(gh, ref)
        if done is not None and done.prepared is not None:
            keeper.reviewed(ref, done.prepared, done.facts, done.review, CrossReview())

    await asyncio.gather(*(one(d) for d in pulls))
    rq = keeper.repo(f"{owner}/{repo}")
    return keeper.queue_of(f"{owner}/{repo}", pulls), rq.board, gh


async def _run(settings: Any, owner: str, repo: str, *, publish: bool) -> tuple[Any, int | None]:
    """Collect the board; with `publish`, write it to the board issue (its number)."""
    import aiohttp

    from bot.awesome.triage import render_markdown
    from bot.citations.settings import CitationSettings
    from bot.github.handler import Reviewer
    from bot.github.triage import publish_board

    cite = CitationSettings.from_env(os.environ, budget=settings.citation_budget)
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session, \
            aiohttp.ClientSession(timeout=timeout) as cite_session:
        reviewer = Reviewer(settings, session, citations=cite, citation_session=cite_session)
        queue, wanted, gh = await collect(reviewer, owner, repo)
        number = None
        if publish and wanted:
            logins = frozenset({settings.bot_login}) if settings.bot_login else frozenset()
            number = await publish_board(gh, owner, repo,
                                         render_markdown(queue, datetime.now(UTC)),
                                         logins=logins)
        return queue, number


def _token_settings(env: Mapping[str, str]) -> Any:
    """Token-mode settings from GITHUB_TOKEN / INPUT_TOKEN; SettingsError without one."""
    from bot.github.settings import ServiceSettings, SettingsError

    token = env.get("INPUT_TOKEN") or env.get("GITHUB_TOKEN")
    if not token:
        raise SettingsError("no token: set GITHUB_TOKEN (read access to the repository)")
    merged = {k: v for k, v in env.items()
              if k not in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH")}
    return ServiceSettings.from_env({**merged, "GITHUB_TOKEN": token}, require_secret=False)


def run_triage(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Print the board for OWNER/REPO."""
    from gidgethub import GitHubException

    from bot.awesome.triage import render
    from bot.github.api import TransientError

    if args.repo.count("/") != 1 or not all(args.repo.split("/")):
        print(f"error: expected OWNER/REPO, not {args.repo[:100]!r}", file=sys.stderr)
        return 2
    owner, repo = args.repo.split("/")
    try:
        settings = _token_settings(os.environ)
        queue, _ = asyncio.run(_run(settings, owner, repo, publish=False))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (GitHubException, TransientError, OSError) as exc:
        print(f"error: cannot read {owner}/{repo} from GitHub: "
              f"{type(exc).__name__} {str(exc)[:200]}", file=sys.stderr)
        return 2
    out.write(render(queue, datetime.now(UTC), args.format) + "\n")
    return 0


def run_board_action(env: Mapping[str, str], out: TextIO) -> int:
    """The Action on `schedule` / `workflow_dispatch`: rewrite the board issue."""
    from gidgethub import GitHubException

    from bot.github.api import TransientError

    full = env.get("GITHUB_REPOSITORY", "")
    if full.count("/") != 1:
        out.write("::error::GITHUB_REPOSITORY is not OWNER/REPO\n")
        return 2
    owner, repo = full.split("/")
    try:
        settings = _token_settings(env)
        queue, number = asyncio.run(_run(settings, owner, repo, publish=True))
    except ValueError as exc:
        out.write(f"::error::{exc}\n")
        return 2
    except (GitHubException, TransientError, OSError) as exc:
        out.write(f"::error::awesome-papers could not update the board: "
                  f"{type(exc).__name__} {str(exc)[:200]}\n")
        return 1
    where = f"issue #{number}" if number else "not written (triage_board: false)"
    out.write(f"awesome-papers: triage board of {len(queue.pulls)} open PRs, {where}\n")
    return 0


def add_parser(sub: Any) -> None:
    """Register `triage` on the command line."""
    from bot.cli.helptext import subcommand

    p = subcommand(
        sub, "triage", summary="the triage board of a repository's open pull requests",
        description="Review every open pull request into the default branch of OWNER/REPO "
        "as the bot would (against the branch as it is now, with citation lookups), without "
        "posting anything, and print the board: papers, section, year, citations against the "
        "year's bar, verdict, conflicts with other open PRs, and age; ready-to-merge PRs "
        "first.\n\nExit status: 0, or 2 for bad usage, a missing token or a repository that "
        "cannot be read.",
        environment=(("GITHUB_TOKEN", "a token that may read the repository (required)"),
                     ("GITHUB_API_URL", "the API (default https://api.github.com)"),
                     ("README_PATH", "the list's file (default README.md)")),
        examples=(("the board in the terminal",
                   "GITHUB_TOKEN=... python -m bot triage terryum/awesome-deep-learning-papers"),
                  ("as JSON for a script",
                   "python -m bot triage OWNER/REPO --format json > board.json")))
    p.add_argument("repo", metavar="OWNER/REPO")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.set_defaults(func=run_triage)
