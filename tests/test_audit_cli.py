"""`audit` as a maintainer runs it: one line for the counts --offline leaves unchecked, messages
about the list (not a pull request), and progress only on a terminal."""

from __future__ import annotations

import io
import json
import re

from bot.__main__ import build_parser
from bot.awesome.audit import audit
from bot.awesome.facts import Facts
from bot.awesome.parse import parse
from bot.cli.audit import run_audit
from tests.conftest import OLD_README, read
from tests.test_audit import _audit

PR_WORDS = re.compile(r"\bPR\b|pull request|this change", re.IGNORECASE)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(*argv: str, stderr: io.StringIO) -> tuple[int, str]:
    args = build_parser().parse_args(["audit", *argv])
    out = io.StringIO()
    return run_audit(args, out, stderr), out.getvalue()


def test_offline_unchecked_counts_are_one_summary_line() -> None:
    p = _audit(str(OLD_README), "--offline")
    assert "citations/unverified" not in p.stdout
    [line] = [x for x in p.stdout.splitlines() if "not checked" in x]
    n = int(re.search(r": (\d+) top-100 papers: citation counts not checked", line).group(1))
    assert n > 100
    doc = json.loads(_audit(str(OLD_README), "--offline", "--format", "json").stdout)
    assert doc["citations_not_checked"] == n
    assert not any(f["rule"] == "citations/unverified" for f in doc["findings"])
    md = _audit(str(OLD_README), "--offline", "--format", "markdown").stdout
    assert f"{n} top-100 papers: citation counts not checked" in md
    assert "`citations/unverified`" not in md


def test_audit_messages_speak_of_the_list() -> None:
    al = parse(read(OLD_README))
    down = Facts(unavailable=("Semantic Scholar answered 503",))
    result = audit(al, down, links=False)
    unverified = [f for f in result.findings if f.rule == "citations/unverified"]
    assert len(unverified) > 100  # the providers were down: each paper says so
    assert "check the count by hand" in unverified[0].message
    assert [f.message for f in result.findings if PR_WORDS.search(f.message)] == []


def test_progress_goes_to_a_terminal_only() -> None:
    tty = _Terminal()
    code, out = _run(str(OLD_README), "--offline", stderr=tty)
    assert code == 1 and out.startswith(str(OLD_README))
    shown = tty.getvalue()
    assert f"audit: reading {OLD_README}" in shown and "audit: judging 187 entries" in shown
    assert shown.endswith("\r\x1b[K")  # the status line is cleared before the report
    pipe = io.StringIO()
    _run(str(OLD_README), "--offline", stderr=pipe)
    assert pipe.getvalue() == ""
