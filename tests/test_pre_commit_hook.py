"""The pre-commit hook as pre-commit runs it: its `entry` plus `args`, in a git repository with
a bad entry staged; the console command is the one pyproject.toml installs."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from tests.test_check_git_base import PR, git

ROOT = Path(__file__).resolve().parent.parent


def _hook() -> dict:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return hook


def _argv(hook: dict) -> list[str]:
    """The hook's command line, its console command run from this source tree."""
    command, *rest = shlex.split(hook["entry"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, func = scripts[command].split(":")  # the installed command, as pip makes it
    launcher = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from {module} import {func}; "
                f"sys.exit({func}())")
    return [sys.executable, "-c", launcher, *rest, *hook.get("args", [])]


def test_the_hook_runs_only_for_the_list_file() -> None:
    hook = _hook()
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert re.search(hook["files"], "README.md")
    assert not re.search(hook["files"], "docs/README.md.bak")
    assert not re.search(hook["files"], "CONTRIBUTING.md")


def test_a_staged_bad_entry_fails_the_hook(tmp_path: Path) -> None:
    repo = tmp_path / "list"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text((PR / "base.md").read_text())
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "base")
    (repo / "README.md").write_text((PR / "head.md").read_text())
    git(repo, "add", "README.md")  # staged: a duplicate and a 101st paper
    (repo / "README.md").write_text((PR / "base.md").read_text())  # the working copy is clean
    hook = _hook()
    p = subprocess.run(_argv(hook), cwd=repo, capture_output=True, text=True, timeout=60,
                       check=False)
    assert p.returncode == 1, p.stderr
    assert "[duplicate/entry]" in p.stdout and p.stdout.startswith("FAILURE")
    assert re.search(r"^README\.md:\d+: error \[duplicate/entry\]", p.stdout, re.M)
    git(repo, "reset", "-q")  # unstaged: the index is the last commit again, the hook passes
    clean = subprocess.run(_argv(hook), cwd=repo, capture_output=True, text=True, timeout=60,
                           check=False)
    assert clean.returncode == 0 and "no paper changed" in clean.stdout
