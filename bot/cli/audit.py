"""`python -m bot audit [README]`: the health of the whole list, as text, markdown or JSON.

`--fix` writes the mechanical format fixes back to the file; `--offline` skips citation lookups;
`--links` also checks every link. Exit status 1 when the audit finds errors, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from bot.awesome.audit import Audit, apply_fixes, audit
from bot.awesome.config import apply_config, load_config
from bot.awesome.escape import md
from bot.awesome.facts import NO_FACTS, Facts
from bot.awesome.findings import Severity
from bot.awesome.model import AwesomeList, SectionKind
from bot.awesome.parse import parse
from bot.awesome.profile import Profile, profile_of
from bot.cli.check import DEFAULT_CONFIG_PATH, InputError, _decode, read_guide, read_source

AUDIT_BUDGET = 30.0
_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.NOTICE: "ℹ️"}


def _facts(al: AwesomeList, args: argparse.Namespace, prof: Profile) -> Facts:
    """Counts for the top-N entries where the list sets thresholds; link checks with --links."""
    if args.offline or (not args.links and (prof.limits is None or not prof.limits.thresholds)):
        return NO_FACTS
    from bot.citations.lookup import gather_facts_sync
    from bot.citations.settings import CitationSettings

    try:
        budget = None if os.environ.get("CITATION_BUDGET") else AUDIT_BUDGET
        settings = CitationSettings.from_env(os.environ, budget=budget)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    top = [e for e in al.entries if al.sections[e.section].kind is SectionKind.TOP100
           and prof.limits is not None and prof.limits.thresholds]
    return gather_facts_sync(top, settings, check_links=args.links,
                             link_entries=al.entries if args.links else ())


def _top(a: Audit, strong: str = "") -> str:
    """`; top-100 sections: 150 (limit 100)`, or nothing for a list without a top N."""
    if a.limit is None:
        return ""
    return f"; top-{a.limit} sections: {strong}{a.top100}{strong} (limit {a.limit})"


def audit_markdown(a: Audit, path: str) -> str:
    """A report a maintainer can paste into an issue."""
    by_rule = Counter(f.rule for f in a.findings)
    out = [f"## awesome-papers audit of `{md(path)}`", "",
           f"{a.entries} entries{_top(a, '**')}. {a.count(Severity.ERROR)} errors, "
           f"{a.count(Severity.WARNING)} warnings, "
           f"{a.count(Severity.NOTICE)} notices.", "",
           "| rule | findings |", "|---|---|"]
    out += [f"| `{rule}` | {n} |" for rule, n in by_rule.most_common()]
    out += ["", "### Findings", ""]
    for f in a.findings[:1000]:
        at = f"line {f.line}: " if f.line else ""
        out.append(f"- {_ICON[f.severity]} `{f.rule}` {at}{md(f.message, limit=600)}")
    if len(a.findings) > 1000:
        out.append(f"- … and {len(a.findings) - 1000} more")
    return "\n".join(out)


def audit_text(a: Audit, path: str) -> str:
    """A terminal report."""
    out = [f"{path}: {a.entries} entries{_top(a)}; {a.count(Severity.ERROR)} errors, "
           f"{a.count(Severity.WARNING)} warnings"]
    for f in a.findings:
        at = f"{path}:{f.line}: " if f.line else f"{path}: "
        out.append(f"{at}{f.severity.value} [{f.rule}] {f.message}")
        if f.suggestion:
            out.append(f"    fix: {f.suggestion}")
    return "\n".join(out)


def audit_json(a: Audit) -> dict[str, Any]:
    """The audit as JSON."""
    top = None if a.limit is None else {"count": a.top100, "limit": a.limit}
    return {"entries": a.entries, "top100": top,
            "findings": [{"rule": f.rule, "severity": f.severity.value, "line": f.line,
                          "end_line": f.end_line, "message": f.message,
                          "suggestion": f.suggestion} for f in a.findings]}


def run_audit(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    """Audit one README; 1 when it has errors, 2 when it cannot be read."""
    try:
        text = _decode(args.readme, read_source(args.readme))
        config_path = args.config or (DEFAULT_CONFIG_PATH
                                      if Path(DEFAULT_CONFIG_PATH).is_file() else None)
        cfg = load_config(_decode(config_path, read_source(config_path))
                          if config_path else None)
        al = apply_config(parse(text), cfg)
        prof = profile_of(al, cfg, text, read_guide(args.readme))
        facts = _facts(al, args, prof)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = audit(al, facts, links=args.links, config=cfg, profile=prof)
    if args.fix:
        fixed, n = apply_fixes(text, result.findings)
        if n:
            Path(args.readme).write_text(fixed, encoding="utf-8")
        print(f"fixed {n} entr{'y' if n == 1 else 'ies'} in {args.readme}", file=sys.stderr)
    if args.format == "json":
        stdout.write(json.dumps(audit_json(result), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "markdown":
        stdout.write(audit_markdown(result, args.readme) + "\n")
    else:
        stdout.write(audit_text(result, args.readme) + "\n")
    return 1 if result.count(Severity.ERROR) else 0


def add_parser(sub: Any) -> None:
    """Register `audit` on the command line."""
    p = sub.add_parser("audit", help="audit the whole list as it stands")
    p.add_argument("readme", nargs="?", default="README.md")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--offline", action="store_true", help="no citation lookups")
    p.add_argument("--links", action="store_true", help="also check every link")
    p.add_argument("--fix", action="store_true", help="write mechanical format fixes back")
    p.add_argument("--config", metavar="FILE")
    p.set_defaults(func=run_audit)
