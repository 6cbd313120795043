"""`python -m bot check [BASE] [HEAD]`: the review, on the command line.

BASE and HEAD are file paths or `REV:PATH` (read with `git show`); the defaults compare the
committed README with the working copy, which is what a contributor wants before opening a PR.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.awesome.diff import EntryChange
from bot.awesome.facts import NO_FACTS, Facts
from bot.awesome.findings import Severity
from bot.awesome.parse import MAX_README_BYTES, ReadmeError, decode_readme
from bot.awesome.profile import GUIDE_NAMES
from bot.awesome.report import Conclusion, Review
from bot.awesome.review import conclude, prepare

DEFAULT_CONFIG_PATH = ".github/awesome-papers.yml"
DEFAULT_LIST = "README.md"


class InputError(Exception):
    """An input that cannot be read; the message is one line for the user."""


def read_source(spec: str) -> bytes:
    """Read a file path, or `REV:PATH` from git."""
    path = Path(spec)
    if path.is_file():
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_README_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read {spec}: {exc.strerror or exc}") from None
        return data
    if ":" in spec and not path.exists():
        rev, _, rel = spec.partition(":")
        try:
            done = subprocess.run(["git", "show", f"{rev}:{rel}"], capture_output=True,
                                  timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InputError(f"cannot run git to read {spec}: {exc}") from None
        if done.returncode != 0:
            why = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"cannot read {spec} with git: {why[-1] if why else 'failed'}")
        return done.stdout
    if path.exists():
        raise InputError(f"{spec} is not a file")
    raise InputError(f"{spec} does not exist")


def read_guide(spec: str) -> str | None:
    """The contributing guide next to the base README (a file's folder, or `REV:` in git)."""
    for name in GUIDE_NAMES:
        if ":" in spec and not Path(spec).exists():
            rev, _, rel = spec.partition(":")
            folder = str(Path(rel).parent)
            candidate = f"{rev}:{name if folder == '.' else f'{folder}/{name}'}"
        else:
            path = Path(spec).parent / name
            if not path.is_file():
                continue
            candidate = str(path)
        try:
            return decode_readme(read_source(candidate))
        except (InputError, ReadmeError):
            continue
    return None


def _display_path(spec: str) -> str:
    """The README path to name in messages: PATH of `REV:PATH`, else the path given."""
    if ":" in spec and not Path(spec).exists():
        return spec.partition(":")[2] or spec
    return spec


def _decode(spec: str, data: bytes) -> str:
    """The README text, or an InputError naming the file."""
    try:
        return decode_readme(data)
    except ReadmeError as exc:
        raise InputError(f"{spec}: {exc}") from None


def _facts(args: argparse.Namespace, prepared: Any) -> Facts:
    """Citation counts and link checks, unless --offline."""
    if args.offline:
        return NO_FACTS
    from bot.citations.lookup import gather_facts_sync
    from bot.citations.settings import CitationSettings

    try:
        settings = CitationSettings.from_env(os.environ)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return gather_facts_sync(prepared.citation_entries(), settings,
                             check_links=not args.no_links,
                             link_entries=prepared.link_entries())


def _entry_json(change: EntryChange) -> dict[str, Any]:
    """One added / removed / moved / changed entry for --format json."""
    e = change.entry
    out: dict[str, Any] = {"section": change.section.title, "title": e.title, "year": e.year,
                           "line": e.start_line, "end_line": e.end_line, "raw": e.raw}
    if change.before_section is not None and change.before_section is not change.section:
        out["from_section"] = change.before_section.title
    if change.before is not None and change.before is not e:
        out["base_line"] = change.before.start_line
    return out


def review_json(r: Review, facts: Facts) -> dict[str, Any]:
    """The review as the JSON document `--format json` prints."""
    d = r.diff
    return {
        "conclusion": r.conclusion.value,
        "headline": r.headline,
        "added": [_entry_json(c) for c in d.added],
        "removed": [_entry_json(c) for c in d.removed],
        "moved": [_entry_json(c) for c in d.moved],
        "changed": [_entry_json(c) for c in d.changed],
        "findings": [{"rule": f.rule, "severity": f.severity.value, "line": f.line,
                      "end_line": f.end_line, "message": f.message, "suggestion": f.suggestion}
                     for f in r.findings],
        "labels": list(r.labels),
        "top100": None if r.top100_base is None else {"base": r.top100_base, "head": r.top100_head,
                                                "limit": r.limit},
        "citations": {k: {"count": c.count, "source": c.source, "url": c.url}
                      for k, c in facts.citations.items()},
        "lookups_unavailable": list(facts.unavailable),
        "summary_markdown": r.summary_markdown,
    }


_COLOURS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.NOTICE: "\x1b[36m"}
_VERDICT = {Conclusion.FAILURE: "\x1b[31m", Conclusion.NEUTRAL: "\x1b[33m",
            Conclusion.SUCCESS: "\x1b[32m"}


def _safe(text: str) -> str:
    """Text from the README without terminal control characters."""
    return "".join(ch if ch.isprintable() or ch == " " else "?" for ch in text)


def review_text(r: Review, facts: Facts, *, colour: bool) -> str:
    """A terminal report: verdict, changes, findings with their fixes."""
    def paint(code: str, s: str) -> str:
        return f"{code}{s}\x1b[0m" if colour else s

    out = [paint(_VERDICT[r.conclusion], f"{r.conclusion.value.upper()}: {_safe(r.headline)}")]
    if r.top100_base is not None:
        out.append(f"top-{r.limit} sections: {r.top100_base} -> {r.top100_head} "
                   f"(limit {r.limit})")
    for label, changes in (("added", r.diff.added), ("moved", r.diff.moved),
                           ("removed", r.diff.removed), ("changed", r.diff.changed)):
        for c in changes:
            e = c.entry
            cite = facts.citation_for(e)
            count = f", {cite.count:,} citations ({cite.source}: {cite.url})" if cite else ""
            out.append(f"  {label:<8} line {e.start_line:>4}  {_safe(e.title or e.raw)[:90]} "
                       f"({e.year or '?'}) in {_safe(c.section.title)}{count}")
    for u in facts.unavailable:
        out.append(f"  lookups: {_safe(u)}")
    if r.findings:
        out.append("")
    for f in r.findings:
        at = f"{r.path}:{f.line}: " if f.line else ""
        out.append(f"{at}{paint(_COLOURS[f.severity], f.severity.value)} [{f.rule}] "
                   f"{_safe(f.message)}")
        if f.suggestion:
            out.append(f"    fix: {_safe(f.suggestion)}")
    if r.labels:
        out.append("")
        out.append("labels: " + ", ".join(r.labels))
    return "\n".join(out)


def _default_sources(args: argparse.Namespace) -> None:
    """Without files, compare the branch's base with the working copy, from anywhere in a clone."""
    if args.base is not None:
        args.head = args.head or DEFAULT_LIST
        return
    from bot.cli.gitbase import GitError, default_sources

    try:
        found = default_sources(DEFAULT_LIST, DEFAULT_CONFIG_PATH)
    except GitError as exc:
        raise InputError(str(exc)) from None
    args.base, args.head = found.base, found.head
    args.config = args.config or found.config
    print(f"check: {found.note}", file=sys.stderr)


def run_check(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    """Run the check; 0 success or neutral, 1 failure, 2 bad usage or unreadable input."""
    try:
        _default_sources(args)
        base = _decode(args.base, read_source(args.base))
        head = _decode(args.head, read_source(args.head))
        config_text = None
        config_path = args.config or (DEFAULT_CONFIG_PATH
                                      if Path(DEFAULT_CONFIG_PATH).is_file() else None)
        if config_path:
            config_text = _decode(config_path, read_source(config_path))
        prepared = prepare(base, head, config_text=config_text, path=_display_path(args.head),
                           guide_text=read_guide(args.base))
        facts = _facts(args, prepared)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    r = conclude(prepared, facts)
    if args.format == "json":
        stdout.write(json.dumps(review_json(r, facts), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "markdown":
        stdout.write(r.summary_markdown + "\n")
    else:
        colour = stdout.isatty() and "NO_COLOR" not in os.environ
        stdout.write(review_text(r, facts, colour=colour) + "\n")
    return 1 if r.conclusion is Conclusion.FAILURE else 0


CITATION_ENVIRONMENT = (
    ("SEMANTIC_SCHOLAR_API_URL", "Semantic Scholar's Graph API (default its public URL)"),
    ("SEMANTIC_SCHOLAR_API_KEY", "sent as x-api-key: higher rate limits"),
    ("OPENALEX_API_URL", "OpenAlex, asked for what Semantic Scholar does not know"),
    ("OPENALEX_API_KEY, OPENALEX_MAILTO", "OpenAlex key / polite-pool address"),
    ("OPENALEX_DISABLED", "1: no OpenAlex fallback"),
    ("CITATION_BUDGET", "seconds for all lookups and link checks (default 4)"),
    ("NO_COLOR", "set: no colours in the terminal report"),
)


def add_parser(sub: Any) -> None:
    """Register `check` on the command line."""
    from bot.cli.helptext import subcommand

    p = subcommand(
        sub, "check", summary="review a change to the list's README",
        description="Review the change from BASE to HEAD as the bot would review a pull "
        "request: what it adds, moves or removes, each finding with its fix, the labels "
        "and the conclusion.\n\nWithout BASE and HEAD, inside a clone of the list: BASE is "
        "README.md at the merge-base of your branch with the default branch (origin/HEAD, "
        "else main or master), HEAD is your working copy, from any directory of the "
        "clone.\n\nExit status: 0 success or warnings only, 1 the review fails, 2 bad usage "
        "or an input that cannot be read.",
        environment=CITATION_ENVIRONMENT,
        examples=(("on your branch, before opening a pull request", "awesome-papers-bot check"),
                  ("two files, without lookups", "python -m bot check base.md head.md --offline"),
                  ("what is staged against the last commit (the pre-commit hook)",
                   "python -m bot check HEAD:README.md :README.md --offline"),
                  ("the comment the bot would post", "python -m bot check --format markdown")))
    p.add_argument("base", nargs="?", default=None,
                   help="file path or REV:PATH (default: README.md at the branch's base)")
    p.add_argument("head", nargs="?", default=None,
                   help="file path or REV:PATH (default: README.md, the working copy)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--offline", action="store_true",
                   help="no citation lookups or link checks (citations are 'unverified')")
    p.add_argument("--no-links", action="store_true", help="skip link checks")
    p.add_argument("--config", metavar="FILE",
                   help=f"repository config (default: {DEFAULT_CONFIG_PATH} if present)")
    p.set_defaults(func=run_check)
