"""`python -m bot audit [README]`: the health of the whole list, as text, markdown or JSON.

`--fix` writes the mechanical format fixes back to the file; `--offline` skips citation lookups
(the counts left unchecked are one summary line); `--links` also checks every link. Progress goes
to standard error when it is a terminal. Exit status 1 when the audit finds errors, 2 for bad
input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bot.awesome.audit import Audit, apply_fixes, audit
from bot.awesome.config import load_config
from bot.awesome.escape import md
from bot.awesome.facts import NO_FACTS, Facts
from bot.awesome.findings import Severity
from bot.awesome.model import AwesomeList, Entry, SectionKind
from bot.awesome.parse import parse
from bot.awesome.profile import Profile, counted, profile_of
from bot.cli.check import (
    CITATION_ENVIRONMENT,
    DEFAULT_CONFIG_PATH,
    InputError,
    _decode,
    read_guide,
    read_source,
)
from bot.cli.progress import Progress

AUDIT_BUDGET = 30.0
_ICON = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.NOTICE: "ℹ️"}


UNVERIFIED = "citations/unverified"


def _unchecked_line(n: int) -> str:
    """The one line that stands for every count `--offline` left unchecked."""
    return (f"{n} top-100 paper{'s' if n != 1 else ''}: citation counts not checked "
            "(--offline); run without --offline to compare them with the thresholds.")


def _fold_offline(a: Audit) -> tuple[Audit, int]:
    """Without lookups, drop the per-paper `citations/unverified` warnings; count them."""
    kept = tuple(f for f in a.findings if f.rule != UNVERIFIED)
    return replace(a, findings=kept), len(a.findings) - len(kept)


def _wanted(al: AwesomeList, prof: Profile) -> list[Entry]:
    """The entries whose citation counts the list's thresholds need (none without any)."""
    if prof.limits is None or not prof.limits.thresholds:
        return []
    return [e for e in al.entries if al.sections[e.section].kind is SectionKind.TOP100]


def _facts(al: AwesomeList, args: argparse.Namespace, prof: Profile) -> Facts:
    """Counts for the top-N entries where the list sets thresholds; link checks with --links."""
    top = _wanted(al, prof)
    if args.offline or not (top or args.links):
        return NO_FACTS
    from bot.citations.lookup import gather_facts_sync
    from bot.citations.settings import CitationSettings

    try:
        budget = None if os.environ.get("CITATION_BUDGET") else AUDIT_BUDGET
        settings = CitationSettings.from_env(os.environ, budget=budget)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return gather_facts_sync(top, settings, check_links=args.links,
                             link_entries=al.entries if args.links else ())


def _top(a: Audit, strong: str = "") -> str:
    """`; top-100 sections: 150 (limit 100)`, or nothing for a list without a top N."""
    if a.limit is None:
        return ""
    return f"; top-{a.limit} sections: {strong}{a.top100}{strong} (limit {a.limit})"


def audit_markdown(a: Audit, path: str, unchecked: int = 0) -> str:
    """A report a maintainer can paste into an issue."""
    by_rule = Counter(f.rule for f in a.findings)
    out = [f"## awesome-papers audit of `{md(path)}`", "",
           f"{a.entries} entries{_top(a, '**')}. {a.count(Severity.ERROR)} errors, "
           f"{a.count(Severity.WARNING)} warnings, "
           f"{a.count(Severity.NOTICE)} notices.", "",
           *([_unchecked_line(unchecked), ""] if unchecked else []),
           "| rule | findings |", "|---|---|"]
    out += [f"| `{rule}` | {n} |" for rule, n in by_rule.most_common()]
    out += ["", "### Findings", ""]
    for f in a.findings[:1000]:
        at = f"line {f.line}: " if f.line else ""
        out.append(f"- {_ICON[f.severity]} `{f.rule}` {at}{md(f.message, limit=600)}")
    if len(a.findings) > 1000:
        out.append(f"- … and {len(a.findings) - 1000} more")
    return "\n".join(out)


def audit_text(a: Audit, path: str, unchecked: int = 0) -> str:
    """A terminal report."""
    out = [f"{path}: {a.entries} entries{_top(a)}; {a.count(Severity.ERROR)} errors, "
           f"{a.count(Severity.WARNING)} warnings"]
    if unchecked:
        out.append(f"{path}: {_unchecked_line(unchecked)}")
    for f in a.findings:
        at = f"{path}:{f.line}: " if f.line else f"{path}: "
        out.append(f"{at}{f.severity.value} [{f.rule}] {f.message}")
        if f.suggestion:
            out.append(f"    fix: {f.suggestion}")
    return "\n".join(out)


def audit_json(a: Audit, unchecked: int = 0) -> dict[str, Any]:
    """The audit as JSON; `citations_not_checked` counts the papers `--offline` left out."""
    top = None if a.limit is None else {"count": a.top100, "limit": a.limit}
    return {"entries": a.entries, "top100": top,
            "citations_not_checked": unchecked,
            "findings": [{"rule": f.rule, "severity": f.severity.value, "line": f.line,
                          "end_line": f.end_line, "message": f.message,
                          "suggestion": f.suggestion} for f in a.findings]}


def run_audit(args: argparse.Namespace, stdout: TextIO = sys.stdout,
              stderr: TextIO | None = None) -> int:
    """Audit one README; 1 when it has errors, 2 when it cannot be read."""
    err = stderr or sys.stderr
    try:
        with Progress(err) as progress:
            progress.step(f"audit: reading {args.readme}")
            text = _decode(args.readme, read_source(args.readme))
            config_path = args.config or (DEFAULT_CONFIG_PATH
                                          if Path(DEFAULT_CONFIG_PATH).is_file() else None)
            cfg = load_config(_decode(config_path, read_source(config_path))
                              if config_path else None)
            al = parse(text, sections=cfg.sections, top100=cfg.top100_sections)
            prof = profile_of(al, cfg, text, read_guide(args.readme))
            al = counted(al, prof)
            if not args.offline and (_wanted(al, prof) or args.links):
                progress.step(f"audit: looking up the citations of {len(_wanted(al, prof))} "
                              f"papers{' and checking links' if args.links else ''}")
            facts = _facts(al, args, prof)
            progress.step(f"audit: judging {len(al.entries)} entries")
            result = audit(al, facts, links=args.links, config=cfg, profile=prof)
    except InputError as exc:
        print(f"error: {exc}", file=err)
        return 2
    unchecked = 0
    if args.offline:
        result, unchecked = _fold_offline(result)
    if args.fix:
        fixed, n = apply_fixes(text, result.findings)
        if n:
            Path(args.readme).write_text(fixed, encoding="utf-8")
        print(f"fixed {n} entr{'y' if n == 1 else 'ies'} in {args.readme}", file=sys.stderr)
    if args.format == "json":
        stdout.write(json.dumps(audit_json(result, unchecked), indent=2, ensure_ascii=False)
                     + "\n")
    elif args.format == "markdown":
        stdout.write(audit_markdown(result, args.readme, unchecked) + "\n")
    else:
        stdout.write(audit_text(result, args.readme, unchecked) + "\n")
    return 1 if result.count(Severity.ERROR) else 0


def add_parser(sub: Any) -> None:
    """Register `audit` on the command line."""
    from bot.cli.helptext import subcommand

    p = subcommand(
        sub, "audit", summary="audit the whole list as it stands",
        description="Judge every entry of the list as it stands, not a change: the top-100 "
        "count against the limit, duplicates across sections, years outside the window, "
        "entries below their year's citation threshold (with lookups), format problems with "
        "their fixes, dead links (--links), and Distinguished Researchers who have earned "
        ":sparkles:. On a terminal, progress goes to standard error.\n\nExit status: 0 no "
        "errors, 1 errors found, 2 bad usage or a file that cannot be read.",
        environment=(*CITATION_ENVIRONMENT[:-1],),
        examples=(("the list in this directory, with citation lookups", "python -m bot audit"),
                  ("quick, without lookups, as an issue body",
                   "python -m bot audit README.md --offline --format markdown > audit.md"),
                  ("write the mechanical format fixes back", "python -m bot audit --offline --fix"),
                  ("every link too (slow)", "python -m bot audit --links")))
    p.add_argument("readme", nargs="?", default="README.md",
                   help="the list's file, or REV:PATH (default: README.md)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--offline", action="store_true",
                   help="no citation lookups: unchecked counts are one summary line")
    p.add_argument("--links", action="store_true", help="also check every link")
    p.add_argument("--fix", action="store_true", help="write mechanical format fixes back")
    p.add_argument("--config", metavar="FILE",
                   help=f"repository config (default: {DEFAULT_CONFIG_PATH} if present)")
    p.set_defaults(func=run_audit)
