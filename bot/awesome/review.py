"""The one pipeline every door calls: README texts (+ facts, + config) -> Review.

`prepare` parses and diffs and says which facts are needed; an adapter fetches them; `conclude`
applies the rules and renders. `review` does both for callers that already hold the facts.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field

from cachetools import LRUCache, cached

from bot.awesome.config import DEFAULT_CONFIG, RepoConfig, load_config
from bot.awesome.diff import ListDiff, diff
from bot.awesome.facts import NO_FACTS, Facts
from bot.awesome.findings import Finding, Severity
from bot.awesome.model import AwesomeList, Entry, SectionKind
from bot.awesome.parse import ReadmeError, check_size, decode_readme, parse
from bot.awesome.profile import Profile, counted, pin_structure, profile_of, rule_changes
from bot.awesome.report import (
    Review,
    annotations_of,
    conclusion_of,
    headline_of,
    labels_of,
    line_comments_of,
    render_summary,
)
from bot.awesome.rules import Context, changes_needing_facts, run_rules

EMPTY = parse("")


@dataclass(frozen=True, slots=True)
class Prepared:
    """Both versions parsed and diffed, plus anything that stopped them being read.

    `head` carries the base's structure (criteria, which sections count); `rule_changes` says
    what the head's own text would have changed of it.
    """

    base: AwesomeList
    head: AwesomeList
    diff: ListDiff
    config: RepoConfig
    path: str
    problems: tuple[Finding, ...] = ()
    profile: Profile = field(default_factory=Profile)
    rule_changes: tuple[str, ...] = ()

    def citation_entries(self) -> tuple[Entry, ...]:
        """Entries whose citation counts the rules need: none where the list sets no
        thresholds."""
        limits = self.profile.limits
        if self.problems or limits is None or not limits.thresholds:
            return ()
        wanted = [c.entry for c in changes_needing_facts(self.diff)
                  if c.section.kind is SectionKind.TOP100]
        limit = limits.top_size
        if limit is not None and len(self.head.top100) > max(limit, len(self.base.top100)):
            for c in self.diff.added + self.diff.moved:
                if c.section.kind is SectionKind.TOP100:
                    wanted.extend(self.head.in_section(c.entry.section))
        return tuple(dict.fromkeys(wanted))  # each entry once, in order

    def link_entries(self) -> tuple[Entry, ...]:
        """Entries whose links should be checked: added, and edited ones."""
        if self.problems:
            return ()
        return tuple(c.entry for c in self.diff.added + self.diff.changed)


def _decoded(text: str | bytes | None) -> str | None:
    """The text of one side (bytes decoded as a README; raises ReadmeError)."""
    if isinstance(text, str):
        check_size(text)
        return text
    return decode_readme(text) if text is not None else None


def new_line_count(base: str | None, head: str) -> int:
    """How many non-blank lines of `head` the base does not have (counted with multiplicity,
    indentation ignored), in one pass over each."""
    have = Counter(ln.strip() for ln in base.splitlines()) if base else Counter()
    n = 0
    for ln in head.splitlines():
        s = ln.strip()
        if not s:
            continue
        if have[s] > 0:
            have[s] -= 1
        else:
            n += 1
    return n


def _too_large(base: str | None, head: str | None, path: str, cfg: RepoConfig) -> Finding | None:
    """A finding when the change adds more lines than one review reads (`max_added_lines`)."""
    if head is None:
        return None
    n = new_line_count(base, head)
    if n <= cfg.max_added_lines:
        return None
    return Finding("readme/change-too-large", Severity.ERROR,
                   f"this change adds {n:,} lines to {path}; the bot reviews up to "
                   f"{cfg.max_added_lines:,} added lines at a time, so none of it was reviewed. "
                   "Split it into smaller pull requests, or a maintainer can raise "
                   "`max_added_lines` in the repository config.", title=path)


def _read(text: str | None, which: str, path: str,
          cfg: RepoConfig = DEFAULT_CONFIG) -> tuple[AwesomeList, Finding | None]:
    """Parse one side, turning unreadable input into a finding."""
    if text is None:
        if which == "base":
            return EMPTY, None
        return EMPTY, Finding("readme/missing", Severity.ERROR, f"{path} does not exist in this "
                              "change (deleted or moved); the list needs it.", title=path)
    try:
        al = (_parse_base(text, cfg.sections, cfg.top100_sections) if which == "base"
              else parse(text, sections=cfg.sections, top100=cfg.top100_sections))
    except ReadmeError as exc:
        return EMPTY, _unreadable(path, which, exc)
    if which == "head" and not text.strip():
        return al, Finding("readme/empty", Severity.ERROR, f"{path} is empty in this change; "
                           "the list would be gone.", title=path)
    return al, None


@cached(LRUCache(maxsize=4), lock=threading.Lock(),
        key=lambda text, sections, top100: (
            hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), sections, top100))
def _parse_base(text: str, sections: tuple[str, ...] | None,
                top100: tuple[str, ...] | None) -> AwesomeList:
    """The base's list, kept for the next reviews against the same base: a queue pass reviews
    every open PR against one tip (the list is immutable, so sharing it is safe)."""
    return parse(text, sections=sections, top100=top100)


def _unreadable(path: str, which: str, exc: ReadmeError) -> Finding:
    """The finding for a side that cannot be read at all."""
    return Finding("readme/unreadable", Severity.ERROR, f"{path} ({which}) cannot be read: {exc}.",
                   title=path)


def prepare(base: str | bytes | None, head: str | bytes | None, *,
            config_text: str | None = None, config: RepoConfig | None = None,
            path: str = "README.md", guide_text: str | None = None) -> Prepared:
    """Parse both versions, apply the repository config, and diff them.

    The list's rules and structure come from the base (README, config, contributing guide
    `guide_text`) only: the head is read with them, whatever its own text says.
    """
    cfg = config if config is not None else load_config(config_text)
    texts: dict[str, str | None] = {}
    errors: dict[str, Finding] = {}
    for which, text in (("base", base), ("head", head)):
        try:
            texts[which] = _decoded(text)
        except ReadmeError as exc:
            texts[which], errors[which] = None, _unreadable(path, which, exc)
    if "head" not in errors and (big := _too_large(texts["base"], texts["head"], path, cfg)):
        errors["head"] = big
    b, b_err = _read(texts["base"], "base", path, cfg) if "base" not in errors else (EMPTY, None)
    h, h_err = _read(texts["head"], "head", path, cfg) if "head" not in errors else (EMPTY, None)
    problems = tuple(f for f in (errors.get("base", b_err), errors.get("head", h_err))
                     if f is not None)
    prof = profile_of(b, cfg, texts["base"], guide_text)
    b, h = counted(b, prof), counted(h, prof)
    changes = rule_changes(b, h) if not problems else ()
    h = pin_structure(h, b) if base is not None and not problems else h
    return Prepared(b, h, ListDiff() if problems else diff(b, h), cfg, path, problems, prof,
                    changes)


def conclude(p: Prepared, facts: Facts = NO_FACTS, *,
             commentable: frozenset[int] | None = None, extra: tuple[Finding, ...] = ()) -> Review:
    """Apply the rules to a prepared change and render the review (`extra`: findings made
    outside the rules, such as conflicts with other open pull requests)."""
    findings = p.problems or run_rules(Context(p.base, p.head, p.diff, facts, p.config,
                                               p.profile, p.rule_changes)) + extra
    limit = p.profile.top_size
    counts = (None if limit is None or p.problems
              else (len(p.base.top100), len(p.head.top100), limit))
    conclusion = conclusion_of(findings)
    headline = headline_of(findings, p.diff)
    summary = render_summary(findings=findings, diff=p.diff, head=p.head, facts=facts,
                             conclusion=conclusion, headline=headline, counts=counts,
                             profile=p.profile, rule_changes=p.rule_changes)
    if commentable is None:
        commentable = frozenset(
            n for c in p.diff.added + p.diff.moved + p.diff.changed for n in c.entry.lines)
    return Review(
        conclusion=conclusion, headline=headline, summary_markdown=summary, findings=findings,
        line_comments=line_comments_of(findings, p.path, commentable),
        labels=labels_of(findings, p.diff, p.config), annotations=annotations_of(findings, p.path),
        diff=p.diff, top100_base=counts[0] if counts else None,
        top100_head=counts[1] if counts else None, limit=limit, path=p.path,
    )


def review(base: str | bytes | None, head: str | bytes | None, *, facts: Facts = NO_FACTS,
           config_text: str | None = None, config: RepoConfig | None = None,
           path: str = "README.md", commentable: frozenset[int] | None = None,
           guide_text: str | None = None) -> Review:
    """The whole pipeline for callers that already hold the facts."""
    return conclude(prepare(base, head, config_text=config_text, config=config, path=path,
                            guide_text=guide_text), facts, commentable=commentable)


__all__ = ["DEFAULT_CONFIG", "Prepared", "Review", "conclude", "prepare", "review"]
