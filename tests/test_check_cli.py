"""`python -m bot check` as a contributor runs it: a real process, real files, real git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """Run the command line in a subprocess with the source tree on the path."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", "check", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_failure_exits_1_with_readable_text() -> None:
    p = run(str(EX / "pr-072/base.md"), str(EX / "pr-072/head.md"), "--offline")
    assert p.returncode == 1, p.stderr
    assert p.stdout.startswith("FAILURE: 2 errors, 1 warning (1 paper added)")
    assert "[top100/over-limit]" in p.stdout and "[duplicate/entry]" in p.stdout
    assert "\x1b[" not in p.stdout
    assert p.stderr == ""


def test_neutral_exits_0() -> None:
    p = run(str(EX / "pr-047/base.md"), str(EX / "pr-047/head.md"), "--offline")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("NEUTRAL")


def test_json_output_shape() -> None:
    p = run(str(EX / "pr-047/base.md"), str(EX / "pr-047/head.md"), "--offline",
            "--format", "json")
    doc = json.loads(p.stdout)
    assert {"added", "removed", "moved", "changed", "findings", "labels", "conclusion",
            "top100", "summary_markdown"} <= doc.keys()
    assert doc["top100"] == {"base": 100, "head": 100, "limit": 100}
    assert doc["moved"][0]["section"] == "Appendix: More than Top 100"
    assert doc["moved"][0]["from_section"] == "Natural Language Process"
    first = doc["added"][0]
    assert {"section", "title", "year", "line"} <= first.keys()
    f = doc["findings"][0]
    assert {"rule", "severity", "line", "message", "suggestion"} <= f.keys()


def test_markdown_output_is_the_summary() -> None:
    p = run(str(EX / "pr-072/base.md"), str(EX / "pr-072/head.md"), "--offline",
            "--format", "markdown")
    assert p.stdout.startswith("### ❌ awesome-papers:")
    assert "| added |" in p.stdout


def test_defaults_read_committed_and_working_copy(tmp_path: Path) -> None:
    src = ROOT / "tests/fixtures/upstream/prs/068"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "README.md").write_text((src / "base.md").read_text())
    subprocess.run([*git, "add", "README.md"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=tmp_path, check=True)
    (tmp_path / "README.md").write_text((src / "head.md").read_text())
    p = run("--offline", "--format", "json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert [f["rule"] for f in doc["findings"]] == ["format/double-space"]
    p2 = run("HEAD:README.md", "HEAD:README.md", "--offline", cwd=tmp_path)
    assert p2.returncode == 0 and "no paper changed" in p2.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.md", "README.md"], "error: nope.md does not exist"),
        (["HEAD~99:README.md", "README.md"], "error: cannot read HEAD~99:README.md with git"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(args: list[str], message: str,
                                                tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "README.md").write_text("# x\n")
    p = run(*args, "--offline", cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.startswith(message) and p.stderr.count("\n") == 1
    assert "Traceback" not in p.stderr


def test_invalid_utf8_and_binary_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"# list\n\xff\xfe\n")
    p = run(str(EX / "pr-072/base.md"), str(bad), "--offline")
    assert p.returncode == 2 and "not valid UTF-8" in p.stderr and "Traceback" not in p.stderr
    png = tmp_path / "img.md"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    p = run(str(EX / "pr-072/base.md"), str(png), "--offline")
    assert p.returncode == 2 and "binary" in p.stderr


def test_bad_usage_exits_2() -> None:
    p = run("--format", "xml")
    assert p.returncode == 2 and "invalid choice" in p.stderr


def test_config_file_option(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yml"
    cfg.write_text("rules:\n  top100/over-limit: off\n  duplicate/entry: warning\n")
    p = run(str(EX / "pr-072/base.md"), str(EX / "pr-072/head.md"), "--offline",
            "--config", str(cfg))
    assert p.returncode == 0, p.stdout
    bad = tmp_path / "bad.yml"
    bad.write_text("rules: [unclosed\n")
    p = run(str(EX / "pr-072/base.md"), str(EX / "pr-072/head.md"), "--offline",
            "--config", str(bad), "--format", "json")
    assert any(f["rule"] == "config/invalid" for f in json.loads(p.stdout)["findings"])


def test_json_top100_is_null_for_a_list_without_one_and_the_guide_is_read(
        tmp_path: Path) -> None:
    pr = ROOT / "tests/fixtures/lists/jason718__awesome-self-supervised-learning/pr-130"
    p = run(str(pr / "base.md"), str(pr / "head.md"), "--offline", "--format", "json")
    doc = json.loads(p.stdout)
    assert doc["top100"] is None
    assert not [f for f in doc["findings"] if f["rule"].startswith(("top100/", "year/"))]
    assert "top-100" not in run(str(pr / "base.md"), str(pr / "head.md"), "--offline").stdout
    base = tmp_path / "README.md"
    base.write_text((pr / "base.md").read_text())
    (tmp_path / "CONTRIBUTING.md").write_text("Please do not add new sections.\n")
    p = run(str(base), str(pr / "head.md"), "--offline", "--format", "json")
    [f] = [f for f in json.loads(p.stdout)["findings"] if f["rule"] == "section/new-section"]
    assert f["severity"] == "error" and p.returncode == 1
