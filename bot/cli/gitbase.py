"""What `check` compares when given no files: the branch's base against the working copy.

In a clone, BASE is the list at the merge-base of HEAD with the default branch (`origin/HEAD`,
else `main`, else `master`), so a branch's commits and uncommitted edits are both reviewed; on
the default branch itself that is HEAD. Paths are taken from the clone's top, so it works from
any directory inside it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BRANCHES = ("origin/HEAD", "main", "master", "origin/main", "origin/master")


class GitError(Exception):
    """Git could not tell; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class Sources:
    """What to compare: BASE as `REV:PATH`, HEAD as a path, and how BASE was chosen."""

    base: str
    head: str
    config: str | None
    note: str


def _git(*args: str, cwd: Path | None = None) -> str | None:
    """Git's output, or None when the command fails."""
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=30,
                              cwd=cwd, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def default_branch(cwd: Path | None = None) -> str | None:
    """The first of origin/HEAD, main, master (local, then origin's) that exists."""
    for ref in DEFAULT_BRANCHES:
        if _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=cwd):
            return ref
    return None


def default_sources(list_path: str, config_path: str, cwd: Path | None = None) -> Sources:
    """BASE, HEAD and config for a `check` without file arguments."""
    here = Path(cwd or Path.cwd())
    top = _git("rev-parse", "--show-toplevel", cwd=here)
    if top is None:
        raise GitError("not inside a git clone: give the files to compare, "
                       "e.g. `check base.md head.md`")
    root = Path(top)
    head_path = root / list_path
    head = os.path.relpath(head_path, here)
    if _git("rev-parse", "--verify", "--quiet", "HEAD", cwd=root) is None:
        raise GitError(f"the clone has no commit yet: commit {list_path} first, or give the "
                       "files to compare")
    branch = default_branch(root)
    rev, note = "HEAD", f"comparing {head} with HEAD"
    if branch is not None:
        fork = _git("merge-base", branch, "HEAD", cwd=root)
        current = _git("rev-parse", "HEAD", cwd=root)
        if fork and fork != current:
            rev, note = fork, f"comparing {head} with {branch} at {fork[:7]} (the branch's base)"
    config = root / config_path
    return Sources(f"{rev}:{list_path}", head, str(config) if config.is_file() else None, note)
