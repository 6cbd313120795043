"""The whole list's health, not one change: every entry judged as it stands.

Reuses the review's rules (the list's declared limits, house style, links) on every entry, adds
the list-wide checks (the top-N count where there is one, duplicates across sections, the
Distinguished Researchers counts), applies the config's `rules:` like the review does, and can
write the mechanical format fixes back, one entry's own lines at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.awesome.config import DEFAULT_CONFIG, RepoConfig
from bot.awesome.facts import Facts
from bot.awesome.findings import Finding, Severity
from bot.awesome.model import AwesomeList, Entry, SectionKind
from bot.awesome.profile import Profile, profile_of
from bot.awesome.rules import _link_findings, _paper, _strong_keys, entry_findings, same_paper

FIXABLE_PREFIX = "format/"


@dataclass(frozen=True, slots=True)
class Audit:
    """Findings about the whole list, worst first within each line."""

    findings: tuple[Finding, ...]
    top100: int | None
    limit: int | None
    entries: int

    def count(self, severity: Severity) -> int:
        """How many findings of one severity."""
        return sum(f.severity is severity for f in self.findings)


def _duplicates(al: AwesomeList) -> Iterable[Finding]:
    """Every later copy of a paper already listed, naming where the first one is."""
    first: dict[str, Entry] = {}
    for e in al.entries:
        twin = next((first[k] for k in _strong_keys(e) if k in first
                     and same_paper(e, first[k])), None)
        if twin is not None:
            sec = al.sections[twin.section]
            yield Finding("duplicate/entry", Severity.ERROR, f"{_paper(e)} is listed twice: "
                          f"first at line {twin.start_line} (in \"{sec.title}\"). Remove one "
                          "copy.", line=e.start_line, end_line=e.end_line,
                          title="duplicate/entry")
            continue
        for k in _strong_keys(e):
            first.setdefault(k, e)


def _top100(al: AwesomeList, limit: int | None) -> Iterable[Finding]:
    """The top-N sections against the limit, where the list has one."""
    n = len(al.top100)
    if limit is not None and n > limit:
        yield Finding("top100/over-limit", Severity.ERROR, f"The top-100 sections hold {n} "
                      f"entries, {n - limit} over the limit of {limit}. Move the weakest to "
                      "the appendix.", title="top100/over-limit")


def _surname(name: str) -> str:
    """A researcher's family name, as the list writes it in affiliation notes."""
    return name.split()[-1] if name.split() else name


def _researchers(al: AwesomeList) -> Iterable[Finding]:
    """Researchers whose :sparkles: no longer matches their paper count.

    The list counts top-100 papers (+3 to be listed, +6 for :sparkles:). An entry names only
    its first author and an affiliation note such as `*(Hinton)*`, so the count found here is a
    lower bound: it can show that a researcher has earned :sparkles:, never that one has not.
    """
    counted = [e for e in al.entries if al.sections[e.section].kind is SectionKind.TOP100]
    for r in al.researchers:
        name = _surname(r.name)
        if len(name) < 3 or r.sparkles:
            continue
        pat = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
        n = sum(1 for e in counted
                if pat.search(e.authors) or any(pat.search(a) for a in e.affiliations))
        if n >= 6:
            yield Finding("researchers/count", Severity.WARNING, f"{r.name} has at least {n} "
                          "top-100 papers on the list (+6 earns :sparkles:): add :sparkles:.",
                          line=r.line, end_line=r.line, title="researchers/count")


# The review's advice to a contributor, and what it means for a maintainer auditing the list.
_FOR_THE_LIST = (("add the count to the PR description",
                  "check the count by hand, then keep the entry or move it to the appendix"),)


def _about_the_list(f: Finding) -> Finding:
    """The finding worded for the list as it stands, not for a pull request."""
    message = f.message
    for pr_advice, list_advice in _FOR_THE_LIST:
        message = message.replace(pr_advice, list_advice)
    return f if message == f.message else replace(f, message=message)


def audit(al: AwesomeList, facts: Facts, *, links: bool = False,
          config: RepoConfig = DEFAULT_CONFIG, profile: Profile | None = None,
          text: str | None = None, guide: str | None = None) -> Audit:
    """Judge every entry of the list as it stands, by its own profile and the config's rules."""
    prof = profile if profile is not None else profile_of(al, config, text, guide)
    limit = prof.top_size
    found: list[Finding] = [*_top100(al, limit), *_duplicates(al), *_researchers(al)]
    for e in al.entries:
        found.extend(entry_findings(e, al, facts, prof, config))
        if links:
            found.extend(_link_findings(e, facts))
    for e in al.strays:
        found.append(Finding("section/unknown", Severity.WARNING, f"{_paper(e)} is outside any "
                             "paper section.", line=e.start_line, end_line=e.end_line,
                             title="section/unknown"))
    kept = []
    for f in found:
        sev = config.severity_of(f.rule, f.severity)
        if sev is not None and not f.rule.startswith("discussion/"):
            f = _about_the_list(f)
            kept.append(f if sev is f.severity else replace(f, severity=sev))
    kept.sort(key=lambda f: (f.line or 0, f.severity.rank, f.rule))
    return Audit(tuple(kept), None if limit is None else len(al.top100), limit,
                 len(al.entries))


def apply_fixes(text: str, findings: Iterable[Finding]) -> tuple[str, int]:
    """The README with every mechanical format fix applied, and how many entries changed.

    `findings` are the audit's, switched-off rules already dropped; each suggestion rewrites
    only its own entry's lines.
    """
    lines = text.split("\n")
    fixes: dict[tuple[int, int], str] = {}
    for f in findings:
        if f.rule.startswith(FIXABLE_PREFIX) and f.suggestion and f.line:
            fixes.setdefault((f.line, f.end_line or f.line), f.suggestion)
    fixes = {k: v for k, v in fixes.items() if v != "\n".join(lines[k[0] - 1:k[1]])}
    by_start = {start: (end, new) for (start, end), new in fixes.items()}
    out: list[str] = []
    n = 1
    while n <= len(lines):
        if n in by_start:
            end, new = by_start[n]
            out.append(new)
            n = end + 1
        else:
            out.append(lines[n - 1])
            n += 1
    return "\n".join(out), len(fixes)
