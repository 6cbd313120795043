"""AwesomeList x AwesomeList -> ListDiff: which papers a change adds, removes, moves or edits.

Entries are matched by identity, not by line: first the very same text in the same section,
then identifier and title together, then the title alone, then an identifier alone. Copies are
counted, so deleting one of two identical lines removes exactly one entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.awesome.model import AwesomeList, Entry, Section


class ChangeKind(StrEnum):
    """How one paper differs between base and head."""

    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One paper's change; `entry` is the head entry (the base one for removals)."""

    kind: ChangeKind
    entry: Entry
    before: Entry | None
    section: Section
    before_section: Section | None


@dataclass(frozen=True, slots=True)
class SectionChange:
    """A heading the change adds, removes or renames."""

    kind: ChangeKind
    section: Section
    before: Section | None = None


@dataclass(frozen=True, slots=True)
class ListDiff:
    """Everything a change did to the list."""

    added: tuple[EntryChange, ...] = ()
    removed: tuple[EntryChange, ...] = ()
    moved: tuple[EntryChange, ...] = ()
    changed: tuple[EntryChange, ...] = ()
    sections: tuple[SectionChange, ...] = ()
    strays_added: tuple[Entry, ...] = ()

    @property
    def touched(self) -> tuple[EntryChange, ...]:
        """Added, moved and changed entries: what the contributor is answerable for."""
        return self.added + self.moved + self.changed

    @property
    def is_empty(self) -> bool:
        """True when no entry and no heading changed."""
        return not (self.added or self.removed or self.moved or self.changed or self.sections)


def map_sections(base: AwesomeList, head: AwesomeList) -> dict[int, int]:
    """Base section index -> head section index: same title, else a rename in place."""
    by_title: dict[str, list[int]] = defaultdict(list)
    for s in head.sections:
        by_title[s.title.strip().casefold()].append(s.index)
    mapping: dict[int, int] = {}
    used: set[int] = set()
    for s in base.sections:
        candidates = [i for i in by_title.get(s.title.strip().casefold(), []) if i not in used]
        if candidates:
            mapping[s.index] = candidates[0]
            used.add(candidates[0])
    # A heading whose neighbours both map, with exactly one unmapped head heading between
    # their images at the same level, was renamed.
    for s in base.sections:
        if s.index in mapping:
            continue
        prev = mapping.get(s.index - 1, -1) if s.index > 0 else -1
        nxt = mapping.get(s.index + 1, len(head.sections))
        between = [i for i in range(prev + 1, nxt) if i not in used]
        if len(between) == 1 and head.sections[between[0]].level == s.level:
            mapping[s.index] = between[0]
            used.add(between[0])
    return mapping


def _pair(pending_head: list[Entry], pool: dict[str, list[Entry]],
          keys: Callable[[Entry], Iterable[str]], accept: Callable[[Entry, Entry], bool],
          prefer: Callable[[Entry, Entry], bool]) -> list[tuple[Entry, Entry]]:
    """Match head entries to remaining base entries sharing a key; consume both.

    `pending_head` is updated in place to the entries still unmatched.
    """
    pairs: list[tuple[Entry, Entry]] = []
    rest: list[Entry] = []
    taken: set[int] = set()
    for h in pending_head:
        candidates = [b for k in keys(h) for b in pool.get(k, ())
                      if id(b) not in taken and accept(h, b)]
        if not candidates:
            rest.append(h)
            continue
        best = next((b for b in candidates if prefer(h, b)), candidates[0])
        pairs.append((h, best))
        taken.add(id(best))
    pending_head[:] = rest
    if taken:
        for k, entries in pool.items():
            if any(id(b) in taken for b in entries):
                pool[k] = [b for b in entries if id(b) not in taken]
    return pairs


def diff(base: AwesomeList, head: AwesomeList) -> ListDiff:
    """Compare two parsed READMEs."""
    smap = map_sections(base, head)

    def same_section(h: Entry, b: Entry) -> bool:
        return smap.get(b.section) == h.section

    pool: dict[str, list[Entry]] = defaultdict(list)
    for b in base.entries:
        for k in {*b.identifiers, b.title_key, b.raw}:
            if k:
                pool[k].append(b)
    pending = list(head.entries)
    always: Callable[[Entry, Entry], bool] = lambda h, b: True  # noqa: E731

    exact = _pair(pending, pool, lambda e: [e.raw], same_section, always)
    both = _pair(pending, pool, lambda e: e.identifiers,
                 lambda h, b: bool(h.title_key) and h.title_key == b.title_key, same_section)
    titled = _pair(pending, pool, lambda e: [e.title_key] if e.title_key else [], always,
                   same_section)
    by_id = _pair(pending, pool, lambda e: e.identifiers, always, same_section)

    moved: list[EntryChange] = []
    changed: list[EntryChange] = []
    for h, b in both + titled + by_id + exact:
        section, before_section = head.sections[h.section], base.sections[b.section]
        if not same_section(h, b):
            moved.append(EntryChange(ChangeKind.MOVED, h, b, section, before_section))
        elif h.raw != b.raw:
            changed.append(EntryChange(ChangeKind.CHANGED, h, b, section, before_section))
    matched_base = {id(b) for _, b in both + titled + by_id + exact}
    removed = [
        EntryChange(ChangeKind.REMOVED, b, b, base.sections[b.section], base.sections[b.section])
        for b in base.entries if id(b) not in matched_base
    ]
    added = [EntryChange(ChangeKind.ADDED, h, None, head.sections[h.section], None)
             for h in pending]
    return ListDiff(
        added=tuple(added),
        removed=tuple(removed),
        moved=tuple(sorted(moved, key=lambda c: c.entry.start_line)),
        changed=tuple(sorted(changed, key=lambda c: c.entry.start_line)),
        sections=_section_changes(base, head, smap),
        strays_added=_new_strays(base, head),
    )


def _section_changes(base: AwesomeList, head: AwesomeList,
                     smap: dict[int, int]) -> tuple[SectionChange, ...]:
    """Headings added, removed or renamed."""
    out: list[SectionChange] = []
    images = set(smap.values())
    for s in head.sections:
        if s.index not in images:
            out.append(SectionChange(ChangeKind.ADDED, s))
    for b in base.sections:
        if b.index not in smap:
            out.append(SectionChange(ChangeKind.REMOVED, b))
        elif head.sections[smap[b.index]].title != b.title:
            out.append(SectionChange(ChangeKind.CHANGED, head.sections[smap[b.index]], b))
    return tuple(out)


def _new_strays(base: AwesomeList, head: AwesomeList) -> tuple[Entry, ...]:
    """Paper-like lines outside paper sections that the base did not have."""
    seen: dict[str, int] = defaultdict(int)
    for e in base.strays:
        seen[e.raw] += 1
    out = []
    for e in head.strays:
        if seen[e.raw]:
            seen[e.raw] -= 1
        else:
            out.append(e)
    return tuple(out)
