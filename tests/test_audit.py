"""`python -m bot audit` on the real 2017-02-14 README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.awesome.audit import apply_fixes, audit
from bot.awesome.facts import NO_FACTS
from bot.awesome.parse import parse
from tests.conftest import OLD_README, read

ROOT = Path(__file__).resolve().parent.parent


def _audit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", "audit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_audit_finds_the_known_problems() -> None:
    p = _audit(str(OLD_README), "--offline", "--format", "json")
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    assert doc["top100"] == {"count": 150, "limit": 100}
    rules: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        rules.setdefault(f["rule"], []).append(f)
    assert any("150 entries" in f["message"] for f in rules["top100/over-limit"])
    text = read(OLD_README).split("\n")
    dup_lines = [f["line"] for f in rules["duplicate/entry"]]
    assert any(text[n - 1].startswith("- Continuous deep q-learning") for n in dup_lines)
    years = {int(m) for f in rules["year/outside-window"]
             for m in f["message"].split(" is from ")[1][:4].split()}
    assert years == {2010, 2011, 2017}
    empty = rules["format/empty-link"][0]
    assert text[empty["line"] - 1].endswith("[[pdf]]()")
    spaced = rules["format/space-before-url"][0]
    assert "[[pdf]] (" in text[spaced["line"] - 1]
    assert spaced["suggestion"] and "[[pdf]](http" in spaced["suggestion"]


def test_fix_output_parses_and_differs_only_in_fixed_lines(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    original = read(OLD_README)
    target.write_text(original)
    p = _audit(str(target), "--offline", "--fix", "--format", "json")
    fixed = target.read_text()
    assert "fixed" in p.stderr
    suggested = {f["line"]: f["suggestion"] for f in json.loads(p.stdout)["findings"]
                 if f["rule"].startswith("format/") and f["suggestion"]}
    before, after = original.split("\n"), fixed.split("\n")
    assert len(before) == len(after)  # no multi-line entries in this README
    changed = {n for n, (a, b) in enumerate(zip(before, after, strict=True), 1) if a != b}
    assert changed == set(suggested)
    for n in changed:
        assert after[n - 1] == suggested[n]
    again = parse(fixed)
    assert len(again.entries) == len(parse(original).entries)
    left = audit(again, NO_FACTS)
    assert not [f for f in left.findings if f.rule.startswith("format/") and f.suggestion]


def test_apply_fixes_joins_a_broken_link() -> None:
    text = ("## Contents\n* [V](#v)\n*(More than Top 100)*\n### V\n"
            "- A paper title (2015), B. Author [[pdf]]\n (http://a.org/a.pdf)\n- Next\n")
    result = audit(parse(text), NO_FACTS)
    fixed, n = apply_fixes(text, result.findings)
    assert n == 1
    assert "- A paper title (2015), B. Author [[pdf]](http://a.org/a.pdf)\n- Next" in fixed


def test_markdown_report_is_escaped(tmp_path: Path) -> None:
    evil = tmp_path / "README.md"
    evil.write_text("## Contents\n* [V](#v)\n*(More than Top 100)*\n### V\n"
                    "- <b>@octocat</b> (2010), X [[pdf]](http://a.org/a.pdf)\n")
    p = _audit(str(evil), "--offline", "--format", "markdown")
    assert "<b>" not in p.stdout and "@octocat" not in p.stdout
    assert p.stdout.startswith("## awesome-papers audit")


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    p = _audit(str(tmp_path / "missing.md"), "--offline")
    assert p.returncode == 2 and p.stderr.startswith("error:") and "Traceback" not in p.stderr


def test_researcher_who_earned_sparkles() -> None:
    result = audit(parse(read(OLD_README)), NO_FACTS)
    found = [f.message for f in result.findings if f.rule == "researchers/count"]
    assert found == ["Tomas Mikolov has at least 7 top-100 papers on the list (+6 earns "
                     ":sparkles:): add :sparkles:."]


def test_audit_applies_the_configs_rules_and_fix_leaves_off_rules_alone(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    original = read(OLD_README)
    target.write_text(original)
    cfg = tmp_path / "c.yml"
    cfg.write_text("rules:\n  format/*: off\n  duplicate/entry: warning\n")
    p = _audit(str(target), "--offline", "--fix", "--config", str(cfg), "--format", "json")
    doc = json.loads(p.stdout)
    assert not [f for f in doc["findings"] if f["rule"].startswith("format/")]
    assert {f["severity"] for f in doc["findings"] if f["rule"] == "duplicate/entry"} == \
        {"warning"}
    assert target.read_text() == original and "fixed 0 entries" in p.stderr


def test_audit_json_of_a_list_without_a_top_n() -> None:
    readme = ROOT / "tests/fixtures/lists/thunlp__PLMpapers/README.md"
    doc = json.loads(_audit(str(readme), "--offline", "--format", "json").stdout)
    assert doc["top100"] is None and isinstance(doc["entries"], int)
    assert not [f for f in doc["findings"] if f["rule"].startswith(("top100/", "year/"))]
