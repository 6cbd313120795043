"""`check` with no files inside a clone: the branch's base against the working copy, from any
directory; real git repositories in a temporary directory."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.test_check_cli import ROOT, run

PR = ROOT / "tests/fixtures/upstream/prs/072"  # adds one paper and a duplicate: a failure
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=x"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def _repo(path: Path, branch: str) -> Path:
    """A clone-like repository whose `branch` holds the base README and a docs/ folder."""
    path.mkdir()
    git(path, "init", "-q", "-b", branch)
    (path / "README.md").write_text((PR / "base.md").read_text())
    (path / "docs").mkdir()
    (path / "docs" / "CONTRIBUTING.md").write_text("contributing\n")
    git(path, "add", ".")
    git(path, "commit", "-qm", "base")
    return path


def _commit_head_on_a_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "add-paper")
    (repo / "README.md").write_text((PR / "head.md").read_text())
    git(repo, "commit", "-qam", "add a paper")


def test_a_committed_change_on_a_branch_is_reviewed_from_a_subdirectory(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "list", "main")
    _commit_head_on_a_branch(repo)
    p = run("--offline", "--format", "json", cwd=repo / "docs")
    assert p.returncode == 1, p.stderr  # the branch's commit is what is reviewed
    doc = json.loads(p.stdout)
    assert len(doc["added"]) >= 1 and "duplicate/entry" in {f["rule"] for f in doc["findings"]}
    base = git(repo, "merge-base", "main", "HEAD")
    assert f"with main at {base[:7]}" in p.stderr
    text = run("--offline", cwd=repo / "docs")
    assert "../README.md:" in text.stdout  # lines are named from where you are


def test_origin_head_wins_over_local_branch_names(tmp_path: Path) -> None:
    upstream = _repo(tmp_path / "upstream", "trunk")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    _commit_head_on_a_branch(clone)
    p = run("--offline", "--format", "json", cwd=clone)
    assert p.returncode == 1 and "with origin/HEAD at" in p.stderr


def test_on_the_default_branch_it_compares_with_head(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "list", "master")
    p = run("--offline", cwd=repo)
    assert p.returncode == 0 and "no paper changed" in p.stdout
    assert "with HEAD" in p.stderr


def test_outside_a_clone_it_says_what_to_do(tmp_path: Path) -> None:
    p = run("--offline", cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.startswith("error: not inside a git clone")
