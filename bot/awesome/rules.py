"""The list's criteria as small rules, each with a stable id, a severity and a helpful message.

Rules judge what a change adds, moves or edits, by the list's own profile (learned from the
base branch): the top-N limit, year window and citation thresholds only where the list declares
them; duplicates, links, house style and order everywhere. For a moved or edited entry, a finding
that the same rule also makes about the entry as it stood on the base branch is dropped: it is
not the contributor's doing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from bot.awesome.config import DEFAULT_CONFIG, RepoConfig
from bot.awesome.diff import ChangeKind, EntryChange, ListDiff
from bot.awesome.facts import Facts, LinkStatus
from bot.awesome.findings import Finding, Severity
from bot.awesome.model import AwesomeList, Entry, Quirk, Section, SectionKind, normalise_title
from bot.awesome.profile import (
    AUTHOR_EXAMPLES,
    LINK_EXAMPLES,
    NO_PROFILE,
    YEAR_EXAMPLES,
    Limits,
    Order,
    Profile,
    Style,
    author_count,
    features,
)
from bot.awesome.render import RELINKABLE, Aspect, first_author, restyle

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTICE


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule's id, default severity and one-line description (for docs and config)."""

    id: str
    severity: Severity
    summary: str


RULES: tuple[RuleSpec, ...] = (
    RuleSpec("top100/over-limit", E, "the change grows the top-100 sections past the limit"),
    RuleSpec("year/outside-window", E, "a top-100 entry's year is outside the list's window"),
    RuleSpec("discussion/new-paper", N, "an entry added to New Papers, accepted by discussion"),
    RuleSpec("discussion/old-paper", N, "an entry added to Old Papers, accepted by discussion"),
    RuleSpec("citations/below-threshold", E, "fewer citations than the year's threshold"),
    RuleSpec("citations/sparkles-unearned", W, "marked :sparkles: or bold below the bold bar"),
    RuleSpec("citations/unverified", W, "no citation count could be found"),
    RuleSpec("citations/mismatch", W, "the linked record's title is another paper's"),
    RuleSpec("duplicate/entry", E, "the paper is already on the list"),
    RuleSpec("duplicate/open-pr", W, "another open pull request proposes the same paper"),
    RuleSpec("top100/contested", W, "open pull requests together grow a full top 100 past it"),
    RuleSpec("criteria/changed", N, "the change edits the list's rules or which sections count"),
    RuleSpec("section/new-section", N, "the change adds a section heading (an error where the "
             "list forbids new sections)"),
    RuleSpec("section/renamed", W, "the change renames a section heading"),
    RuleSpec("section/removed", W, "the change removes a section heading"),
    RuleSpec("section/unknown", W, "a paper line outside any paper section"),
    RuleSpec("format/empty-link", W, "`[[pdf]]()` has no URL"),
    RuleSpec("format/missing-url", W, "a `[[pdf]]` tag without `(url)`"),
    RuleSpec("format/no-link", W, "the entry has no link"),
    RuleSpec("format/link-not-url", W, "a link target that is not an http(s) URL"),
    RuleSpec("format/space-before-url", W, "a space between `]]` and `(`"),
    RuleSpec("format/link-broken-across-lines", W, "a link split over two lines"),
    RuleSpec("format/missing-year", W, "no `(Year)` after the title"),
    RuleSpec("format/year-parentheses", W, "the year is not written as `(Year)`"),
    RuleSpec("format/comma-after-year", W, "no comma between `(Year)` and the authors"),
    RuleSpec("format/missing-author", W, "no author after the year"),
    RuleSpec("format/link-spacing", W, "a comma or no space before the link"),
    RuleSpec("format/trailing-characters", W, "characters after the last link"),
    RuleSpec("format/double-space", W, "`-  ` with two spaces after the dash"),
    RuleSpec("format/affiliation", W, "an affiliation note not written `*(Name)*` before the link"),
    RuleSpec("format/author-list", W, "more than two authors written out"),
    RuleSpec("format/house-style", W, "bold title where the section has none, or the reverse"),
    RuleSpec("format/link-form", W, "links written unlike the section's, e.g. `[pdf](url)`"),
    RuleSpec("format/year-form", W, "the year written unlike the section's, e.g. `(2016)`"),
    RuleSpec("format/author-form", W, "authors written unlike the section's, e.g. in italics"),
    RuleSpec("order/out-of-place", W, "an entry out of its section's year or title order"),
    RuleSpec("link/prefer-pdf", N, "an arXiv abstract link where the PDF link is preferred"),
    RuleSpec("link/dead", E, "a link answers 404 or 410"),
    RuleSpec("link/unreachable", W, "a link could not be reached"),
    RuleSpec("config/invalid", W, "the repository's config file could not be used"),
    RuleSpec("parse/unrecognized", W, "an added line holds a link or looks like an item, but "
             "was read as no entry"),
)
RULE_IDS = frozenset(r.id for r in RULES)
# Every id a config may name: the review's rules and those of the audit and the pipeline.
KNOWN_RULES = RULE_IDS | {"researchers/count", "readme/missing", "readme/empty",
                          "readme/unreadable", "readme/change-too-large"}

_QUIRK_RULES: dict[Quirk, tuple[str, str, bool]] = {
    Quirk.EMPTY_LINK: ("format/empty-link", "The link `[[pdf]]()` is empty: put the paper's "
                       "URL between the parentheses.", False),
    Quirk.TAG_WITHOUT_URL: ("format/missing-url", "The `[[pdf]]` tag has no `(url)` after it: "
                            "add the paper's URL.", False),
    Quirk.NO_LINK: ("format/no-link", "The entry has no link: add `[[pdf]](url)` pointing to "
                    "the paper.", False),
    Quirk.LINK_NOT_URL: ("format/link-not-url", "A link target is not a URL: use the paper's "
                         "http(s) address.", False),
    Quirk.SPACE_BEFORE_URL: ("format/space-before-url", "There is a space between `]]` and "
                             "`(`, so markdown does not make it a link: remove the space.", True),
    Quirk.LINK_BROKEN_ACROSS_LINES: ("format/link-broken-across-lines", "The link is split "
                                     "over two lines: keep the entry on one line.", True),
    Quirk.MISSING_YEAR: ("format/missing-year", "The entry has no year: write it as `(Year)` "
                         "right after the title.", False),
    Quirk.UNCLOSED_YEAR: ("format/year-parentheses", "The year's parenthesis is not closed: "
                          "write `(Year),`.", True),
    Quirk.MISSING_OPEN_PAREN: ("format/year-parentheses", "The year lacks its opening "
                               "parenthesis: write `(Year),`.", True),
    Quirk.NO_COMMA_AFTER_YEAR: ("format/comma-after-year", "Put a comma between `(Year)` and "
                                "the authors.", True),
    Quirk.MISSING_AUTHOR: ("format/missing-author", "The entry names no author: add the first "
                           "author, e.g. `A. Author et al.`.", False),
    Quirk.COMMA_BEFORE_LINK: ("format/link-spacing", "Drop the comma before the link.", True),
    Quirk.NO_SPACE_BEFORE_LINK: ("format/link-spacing", "Put one space before the link.", True),
    Quirk.TRAILING_CHARS: ("format/trailing-characters", "There are stray characters after "
                           "the link: remove them.", True),
    Quirk.DOUBLE_SPACE: ("format/double-space", "Use one space after the dash (`- Title`), "
                         "not two.", True),
    Quirk.AFFILIATION_NO_PARENS: ("format/affiliation", "Write the affiliation note as "
                                  "`*(Name)*`.", True),
    Quirk.AFFILIATION_AFTER_LINK: ("format/affiliation", "Put the affiliation note before the "
                                   "link.", True),
}


@dataclass(frozen=True, slots=True)
class Context:
    """Everything the rules look at; `profile` and `rule_changes` come from the base only."""

    base: AwesomeList
    head: AwesomeList
    diff: ListDiff
    facts: Facts
    config: RepoConfig
    profile: Profile = NO_PROFILE
    rule_changes: tuple[str, ...] = ()


def _where(section: Section) -> str:
    """A section's name for messages."""
    return f'"{section.title}"'


def _paper(entry: Entry) -> str:
    """A paper's short name for messages."""
    t = entry.title or entry.raw.lstrip("-*+ ").strip()
    return f'"{t[:120]}{"…" if len(t) > 120 else ""}"'


def _fits_alternative(section: Section, alternative: str | None) -> bool:
    """True when the list's 'or <section>' alternative to the threshold applies."""
    return bool(alternative) and normalise_title(section.title) == normalise_title(alternative)


# Quirks that are wrong in any list; the others measure an entry against the contributing
# guide's one-line format and apply only in sections that keep it.
_ANY_SHAPE = frozenset({Quirk.EMPTY_LINK, Quirk.TAG_WITHOUT_URL, Quirk.NO_LINK,
                        Quirk.LINK_NOT_URL, Quirk.SPACE_BEFORE_URL,
                        Quirk.LINK_BROKEN_ACROSS_LINES})
_LINK_RULES = frozenset({"format/empty-link", "format/missing-url", "format/link-not-url",
                         "format/no-link"})
_URLISH = re.compile(r"https?://", re.IGNORECASE)


def _quirks(entry: Entry, style: Style) -> list[tuple[str, str, bool]]:
    """The entry's quirks that apply in its section: (rule, message, mechanical), one per rule."""
    out: dict[str, tuple[str, str, bool]] = {}
    for quirk in sorted(entry.quirks, key=lambda q: q.value):
        if quirk in _QUIRK_RULES and (style.guide or quirk in _ANY_SHAPE):
            rule = _QUIRK_RULES[quirk]
            out.setdefault(rule[0], rule)
    return list(out.values())


ALL_ASPECTS = frozenset(Aspect)


def _fix(entry: Entry, style: Style, quirks: list[tuple[str, str, bool]],
         cfg: RepoConfig) -> str | None:
    """The entry rewritten in its section's style, changing only what enabled rules ask.

    The guide's canonical line also mends every mechanical quirk at once, so it is offered only
    when none of those quirks' rules is switched off.
    """
    if cfg.rules and style.guide and not all(cfg.enabled(rule) for rule, _, mech in quirks
                                             if mech):
        return None
    return restyle(entry, style, ALL_ASPECTS if not cfg.rules
                   else frozenset(a for a in Aspect if cfg.enabled(a.value)))


def entry_findings(entry: Entry, al: AwesomeList, facts: Facts, profile: Profile,
                   cfg: RepoConfig = DEFAULT_CONFIG) -> list[Finding]:
    """What the rules say about one entry where it stands, by its section's house style."""
    section = al.sections[entry.section]
    style = profile.style_of(al, section)
    at = {"line": entry.start_line, "end_line": entry.end_line}
    quirks = _quirks(entry, style)
    fixed: list[str | None] = []

    def fix() -> str | None:  # rendered once, and only for an entry with a mechanical finding
        if not fixed:
            fixed.append(_fix(entry, style, quirks, cfg))
        return fixed[0]

    out = [Finding(rule, W, msg, suggestion=fix() if mech else None, title=rule, **at)
           for rule, msg, mech in quirks]
    said = {f.rule for f in out}

    def add(rule: str, message: str, severity: Severity = W, mechanical: bool = True) -> None:
        out.append(Finding(rule, severity, message, suggestion=fix() if mechanical else None,
                           title=rule, **at))

    if not said & _LINK_RULES and not any(lk.target for lk in entry.links) \
            and not _URLISH.search(entry.raw[:20_000]):
        add("format/no-link", "The entry has no link: add one that points to the paper.",
            mechanical=False)
    if not style.guide and entry.year is None and style.year_form is not None:
        add("format/missing-year", f"The entries of {_where(section)} give their year (as "
            f"`{YEAR_EXAMPLES[style.year_form]}`): add this paper's.", mechanical=False)
    feats = features(entry) if style.year_form or style.link_form or style.author_form \
        else None
    if feats and feats.year_form and style.year_form and feats.year_form is not style.year_form \
            and "format/year-parentheses" not in said:
        add("format/year-form", f"{_where(section)} writes years as "
            f"`{YEAR_EXAMPLES[style.year_form]}`; write this entry's year the same way.",
            mechanical=False)
    if feats and feats.link_form and style.link_form and feats.link_form is not style.link_form:
        add("format/link-form", f"{_where(section)} writes links as "
            f"`{LINK_EXAMPLES[style.link_form]}`; write this entry's links the same way.",
            mechanical=feats.link_form in RELINKABLE and style.link_form in RELINKABLE)
    if feats and feats.author_form and style.author_form \
            and feats.author_form is not style.author_form:
        add("format/author-form", f"{_where(section)} writes authors as "
            f"{AUTHOR_EXAMPLES[style.author_form]}; write this entry's the same way.",
            mechanical=False)
    many = author_count(entry.authors) > 2 and "et al" not in entry.authors
    if many and (style.guide or style.et_al is True):
        ask = "The guide asks for" if style.guide else f"{_where(section)} writes"
        add("format/author-list", f"{ask} the first author only when there are more than "
            f"two: write `{first_author(entry.authors)} et al.`.")
    if style.bold is not None and entry.bold != style.bold:
        kind = "bold titles" if style.bold else "plain titles (no bold)"
        add("format/house-style", f"{_where(section)} uses {kind}; write this entry the "
            "same way.")
    if style.guide and any(lk.target and re.search(r"arxiv\.org/abs/", lk.target, re.I)
                           for lk in entry.links):
        add("link/prefer-pdf", "The guide prefers a direct PDF link: use "
            "`arxiv.org/pdf/...` instead of the abstract page.", N)
    limits = profile.limits
    if limits is None:
        return out
    if section.kind is SectionKind.NEW:
        add("discussion/new-paper", f"{_paper(entry)} goes to {_where(section)}, which takes "
            f"recent papers ({limits.new_papers_rule}) by discussion: say in the PR why it is "
            "worth reading.", N, mechanical=False)
    elif section.kind is SectionKind.OLD:
        add("discussion/old-paper", f"{_paper(entry)} goes to {_where(section)}, which takes "
            f"papers from before {limits.old_papers_before} by discussion: say in the PR why it "
            "belongs.", N, mechanical=False)
    elif section.kind is SectionKind.TOP100 and entry.year is not None:
        out.extend(_top100_findings(entry, section, style, facts, limits, at))
    return out


def _top100_findings(entry: Entry, section: Section, style: Style, facts: Facts,
                     limits: Limits, at: dict[str, int]) -> list[Finding]:
    """Year window and citation thresholds for an entry in a counted section, as declared."""
    year = entry.year
    assert year is not None
    if limits.window is not None and not limits.window[0] <= year <= limits.window[1]:
        first, last = limits.window
        scope = f"top {limits.top_size}" if limits.top_size else "list"
        where = "New papers" if year > last else "Old Papers"
        return [Finding("year/outside-window", E, f"{_paper(entry)} is from {year}, outside the "
                        f"{scope}'s window ({first}-{last}). Put it in "
                        f'"{where}" instead (by discussion).', title="year/outside-window",
                        **at)]
    th = limits.threshold_for(year)
    if th is None or _fits_alternative(section, th.alternative):
        return []
    cite = facts.citation_for(entry)
    if cite is None and (other := facts.mismatched.get(entry.key)) is not None:
        return [Finding("citations/mismatch", W, f"The link of {_paper(entry)} leads to a "
                        f"record titled \"{other.matched_title[:120] or 'without a title'}\" "
                        f"({other.source}), not to this paper, so its {other.count:,} citations "
                        "do not count for it. Link the paper itself.",
                        title="citations/mismatch", **at)]
    if cite is None:
        why = ("neither Semantic Scholar nor OpenAlex knows it (check the title and the link)"
               if entry.key in facts.not_found
               else "; ".join(facts.unavailable) if facts.unavailable
               else "lookups were switched off" if facts.offline
               else "no source knew this paper")
        return [Finding("citations/unverified", W, f"The citation count of {_paper(entry)} "
                        f"could not be checked: {why}. A {year} paper needs {th.citations}+ "
                        "citations; add the count to the PR description.",
                        title="citations/unverified", **at)]
    out = []
    if cite.count < th.citations:
        alt = (f', or it can go to "{th.alternative}"' if th.alternative else "")
        goal = f"the top {limits.top_size}" if limits.top_size else "the list"
        out.append(Finding("citations/below-threshold", E, f"{_paper(entry)} has {cite.count:,} "
                           f"citations ({cite.source}); a {year} paper needs {th.citations:,}+ "
                           f"to enter {goal}{alt}. Wait until it has more citations, or "
                           "propose it for the appendix.", title="citations/below-threshold",
                           **at))
    highlight = entry.sparkles or (entry.bold and style.bold is False)
    if th.bold is not None and highlight and cite.count < th.bold:
        out.append(Finding("citations/sparkles-unearned", W, f"{_paper(entry)} is highlighted "
                           f"but has {cite.count:,} citations; the list highlights {year} papers "
                           f"from {th.bold:,}. Remove the :sparkles: (or bold).",
                           title="citations/sparkles-unearned", **at))
    return out


def _link_findings(entry: Entry, facts: Facts) -> list[Finding]:
    """Dead and unreachable links from the link checks handed in."""
    out = []
    for link in entry.links:
        check = facts.link(link.target)
        if check is None:
            continue
        at = {"line": entry.start_line, "end_line": entry.end_line}
        detail = f" ({check.detail})" if check.detail else ""
        if check.status is LinkStatus.DEAD:
            out.append(Finding("link/dead", E, f"The [[{link.label}]] link answers "
                               f"{check.http_status or 'not found'}{detail}: replace it with a "
                               "working URL.", title="link/dead", **at))
        elif check.status is LinkStatus.UNREACHABLE:
            out.append(Finding("link/unreachable", W, f"The [[{link.label}]] link could not be "
                               f"reached{detail}. Check that it opens.",
                               title="link/unreachable", **at))
    return out


def _touched_findings(ctx: Context) -> Iterable[Finding]:
    """Entry rules for added, moved and changed entries, minus what the base already had."""
    for change in ctx.diff.touched:
        found = entry_findings(change.entry, ctx.head, ctx.facts, ctx.profile, ctx.config)
        found += _link_findings(change.entry, ctx.facts)
        if change.before is not None:
            before = {f.rule for f in entry_findings(change.before, ctx.base, ctx.facts,
                                                     ctx.profile, ctx.config)}
            before |= {f.rule for f in _link_findings(change.before, ctx.facts)}
            found = [f for f in found if f.rule not in before]
        yield from found


def _top100_limit(ctx: Context) -> Iterable[Finding]:
    """The top-N sections may not grow past the limit, nor grow further when already over."""
    limit = ctx.profile.top_size
    if limit is None:
        return
    before, after = len(ctx.base.top100), len(ctx.head.top100)
    if after <= limit or after <= before:
        return
    entering = [c for c in ctx.diff.added + ctx.diff.moved
                if c.section.kind is SectionKind.TOP100
                and (c.before_section is None or c.before_section.kind is not SectionKind.TOP100)]
    anchor = entering[0] if entering else None
    over = f"{after} entries (limit {limit}" + (f"; {before} before)" if before != after else ")")
    already = (f" The list was already over the limit with {before}; a change may not grow it "
               "further." if before > limit else "")
    hint = ""
    if anchor is not None:
        names = weakest(ctx.head, anchor.entry, ctx.facts, ctx.profile.limits)
        if names:
            hint = (f" To keep {limit}, move one of these out of {_where(anchor.section)} "
                    "(to the appendix) in the same PR: " + "; ".join(names) + ".")
    yield Finding(
        "top100/over-limit", E,
        f"This change brings the top-100 sections to {over}.{already} Each paper added to the "
        f"top 100 needs another moved out or removed.{hint}",
        line=anchor.entry.start_line if anchor else None,
        end_line=anchor.entry.end_line if anchor else None, title="top100/over-limit",
    )


def weakest(al: AwesomeList, added: Entry, facts: Facts, limits: Limits | None,
            n: int = 3) -> list[str]:
    """Up to `n` entries of the same section to move out: fewest citations per threshold, else
    the oldest."""
    pool = [e for e in al.in_section(added.section) if e.start_line != added.start_line]

    def score(e: Entry) -> tuple[int, float, int]:
        cite = facts.citation_for(e)
        th = limits.threshold_for(e.year) if limits else None
        if cite is not None and th is not None and th.citations:
            return (0, cite.count / th.citations, e.year or 0)
        return (1, float(e.year or 0), e.start_line)

    ranked = sorted(pool, key=score)[:n]
    out = []
    for e in ranked:
        cite = facts.citation_for(e)
        count = f", {cite.count:,} citations" if cite else ""
        out.append(f"{_paper(e)} ({e.year or 'no year'}{count}, line {e.start_line})")
    return out


_TWINS_PER_KEY = 8


def _duplicates(ctx: Context) -> Iterable[Finding]:
    """An added paper that is already on the list, by identifier or normalised title.

    One pass over the list builds, for each key, its first few entries (and its first few
    entries not added by this change); a thousand copies of one line cost no more than one.
    """
    added = {c.entry.start_line for c in ctx.diff.added}
    index: dict[str, list[Entry]] = {}
    kept: dict[str, list[Entry]] = {}
    for e in ctx.head.entries:
        for k in _strong_keys(e):
            first = index.setdefault(k, [])
            if len(first) < _TWINS_PER_KEY:
                first.append(e)
            if e.start_line not in added:
                old = kept.setdefault(k, [])
                if len(old) < _TWINS_PER_KEY:
                    old.append(e)
    for change in ctx.diff.added:
        e = change.entry
        twin: Entry | None = None
        for k in _strong_keys(e):
            for o in (*index.get(k, ()), *kept.get(k, ())):
                if (o.start_line != e.start_line and same_paper(e, o)
                        and not (o.start_line in added and o.start_line > e.start_line)
                        and (twin is None or o.start_line < twin.start_line)):
                    twin = o
        if twin is None:
            continue
        sec = ctx.head.sections[twin.section]
        yield Finding("duplicate/entry", E, f"{_paper(e)} is already on the list at line "
                      f"{twin.start_line} (in {_where(sec)}). Remove this line, or move the "
                      "existing one instead of adding a second copy.", line=e.start_line,
                      end_line=e.end_line, title="duplicate/entry")


def _strong_keys(e: Entry) -> list[str]:
    """Identity keys good enough to call two lines the same paper: ids, or a long title.

    Short titles ("Deep learning") name different works too often to count alone.
    """
    keys = [k for k in e.identifiers if not k.startswith("url:")]
    if e.title_key and len(e.title_key) >= 26:
        keys.append(e.title_key)
    return keys


def same_paper(a: Entry, b: Entry) -> bool:
    """False when two entries sharing a title have different arXiv ids or DOIs."""
    return not ((a.arxiv_id and b.arxiv_id and a.arxiv_id != b.arxiv_id)
                or (a.doi and b.doi and a.doi.lower() != b.doi.lower()))


def _sections(ctx: Context) -> Iterable[Finding]:
    """Headings added, renamed or removed, and paper lines outside paper sections."""
    for sc in ctx.diff.sections:
        s = sc.section
        if sc.kind is ChangeKind.ADDED:
            forbidden = ctx.profile.new_sections is E
            yield Finding("section/new-section", ctx.profile.new_sections,
                          f"This change adds the heading {_where(s)}; " + (
                              "the contributing guide does not allow new sections. Put the "
                              "entries in an existing section." if forbidden else
                              "a maintainer may want to check its name and place."),
                          line=s.start_line, end_line=s.start_line, title="section/new-section")
        elif sc.kind is ChangeKind.CHANGED and sc.before is not None:
            yield Finding("section/renamed", W, f"This change renames the heading "
                          f"{_where(sc.before)} to {_where(s)}; sections are the maintainers' "
                          "to change. Keep the old heading, or explain why in the PR.",
                          line=s.start_line, end_line=s.start_line, title="section/renamed")
        elif sc.kind is ChangeKind.REMOVED:
            yield Finding("section/removed", W, f"This change removes the heading {_where(s)} "
                          f"(line {s.start_line} on the base branch).", title="section/removed")
    for e in ctx.diff.strays_added:
        sec = ctx.head.sections[e.section]
        yield Finding("section/unknown", W, f"{_paper(e)} is in {_where(sec)}, which is not a "
                      "paper section. Move it into the section it belongs to.",
                      line=e.start_line, end_line=e.end_line, title="section/unknown")


def _config(ctx: Context) -> Iterable[Finding]:
    """A config file that could not be used, said once per problem."""
    for err in ctx.config.errors:
        yield Finding("config/invalid", W, f".github/awesome-papers.yml was ignored in part: "
                      f"{err}. The README's own criteria apply there.", title="config/invalid")


def _criteria_changed(ctx: Context) -> Iterable[Finding]:
    """A change that edits the list's own rules or which sections count: judged by the base's."""
    if ctx.rule_changes:
        yield Finding("criteria/changed", N, "This change edits the list's rules: "
                      + "; ".join(ctx.rule_changes) + ". It is reviewed by the rules on the base "
                      "branch; a change of the rules is for the maintainers to make on its own.",
                      title="criteria/changed")


def _order_key(order: Order, e: Entry) -> tuple[int, str] | None:
    """What a section is sorted by, for one entry (None when the entry lacks it)."""
    if order in (Order.YEAR_UP, Order.YEAR_DOWN):
        return None if e.year is None else (e.year, "")
    title = normalise_title(e.title)
    return (0, title) if title else None


def _in_order(order: Order, a: tuple[int, str], b: tuple[int, str]) -> bool:
    """True when key `a` may come before key `b`."""
    return a >= b if order is Order.YEAR_DOWN else a <= b


MAX_ORDER_FINDINGS = 10  # per section: past that, the section is simply not in order


def _out_of_order(ctx: Context) -> Iterable[Finding]:
    """An entry added to (or moved into) a sorted section at a place its order does not allow.

    Each section's keys are computed once; an entry is checked against its neighbours only.
    """
    by_section: dict[int, list[EntryChange]] = {}
    for change in ctx.diff.added + ctx.diff.moved:
        by_section.setdefault(change.entry.section, []).append(change)
    for index, changes in by_section.items():
        section = ctx.head.sections[index]
        order = ctx.profile.style_of(ctx.head, section).order
        if order is Order.NONE:
            continue
        keyed = [(o, k) for o in ctx.head.in_section(index)
                 if (k := _order_key(order, o)) is not None]
        at = {id(o): i for i, (o, _) in enumerate(keyed)}
        told = 0
        for change in changes:
            e = change.entry
            i = at.get(id(e))
            if i is None or told >= MAX_ORDER_FINDINGS:
                continue
            key = keyed[i][1]
            if (i == 0 or _in_order(order, keyed[i - 1][1], key)) and \
                    (i + 1 == len(keyed) or _in_order(order, key, keyed[i + 1][1])):
                continue
            told += 1
            spot = next((o for o, k in keyed if o is not e and not _in_order(order, k, key)),
                        None)
            where = (f"before line {spot.start_line} ({_paper(spot)}"
                     f"{f', {spot.year}' if spot.year else ''})" if spot is not None
                     else "at the end of the section")
            what = f"{e.year}" if order is not Order.TITLE else "its title"
            yield Finding("order/out-of-place", W, f"{_where(section)} is sorted "
                          f"{order.value}; {_paper(e)} ({what}) belongs {where}.",
                          line=e.start_line, end_line=e.end_line, title="order/out-of-place")


def _unrecognized(ctx: Context) -> Iterable[Finding]:
    """Added or edited lines that hold a link or look like an item, yet became no entry."""
    seen = Counter(u.text for u in ctx.base.unrecognized)
    runs: list[list[int]] = []
    for u in ctx.head.unrecognized:
        if seen[u.text]:
            seen[u.text] -= 1
        elif runs and runs[-1][-1] == u.line - 1:
            runs[-1].append(u.line)
        else:
            runs.append([u.line])
    for run in runs:
        where = f"Line {run[0]}" if len(run) == 1 else f"Lines {run[0]}-{run[-1]}"
        yield Finding("parse/unrecognized", W, f"{where} {'holds' if len(run) == 1 else 'hold'} "
                      "a link or looks like a list item, but the bot could not read it as an "
                      "entry, so it was not checked. Write it like the entries around it, or "
                      "ask a maintainer to check it by hand.", line=run[0], end_line=run[-1],
                      title="parse/unrecognized")


CHECKS: tuple[Callable[[Context], Iterable[Finding]], ...] = (
    _config, _criteria_changed, _top100_limit, _duplicates, _sections, _touched_findings,
    _out_of_order, _unrecognized,
)


def run_rules(ctx: Context) -> tuple[Finding, ...]:
    """All findings, with the config's severities applied and switched-off rules dropped."""
    out: list[Finding] = []
    seen: set[tuple[str, int | None, str]] = set()
    for check in CHECKS:
        for f in check(ctx):
            sev = ctx.config.severity_of(f.rule, f.severity)
            if sev is None or (f.rule, f.line, f.message) in seen:
                continue
            seen.add((f.rule, f.line, f.message))
            out.append(f if sev is f.severity else replace(f, severity=sev))
    return tuple(sorted(out, key=lambda f: (f.line or 0, f.severity.rank, f.rule)))


def changes_needing_facts(diff: ListDiff) -> tuple[EntryChange, ...]:
    """The changes whose entries need citation counts and link checks."""
    return diff.added + diff.moved + diff.changed
