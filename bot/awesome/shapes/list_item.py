"""List items of any marker and depth as candidate entries.

A sub-list is its parent's details (authors, venue, extra links) unless most of its items are
entries themselves (their own title and link). An item whose last line ends with a line break
and has no link continues into the next item when that one starts right below it (an author
line that happens to begin with `* `).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from bot.awesome.blocks import Kind, Node
from bot.awesome.fields import Source, clean
from bot.awesome.model import Quirk, Shape
from bot.awesome.shapes.common import ends_with_break, has_url, is_navigation, join, line_break
from bot.awesome.shapes.table_row import read_table


@dataclass(frozen=True, slots=True)
class Parts:
    """An item's own lines, its sub-lists and its tables."""

    own: list[int]
    lists: list[Node]
    tables: list[Node]


def _parts(item: Node) -> Parts:
    """Split an item's lines into its own text, sub-lists and tables."""
    taken: set[int] = set()
    lists, tables = [], []
    for child in item.children:
        if child.kind is Kind.LIST:
            lists.append(child)
            taken.update(range(child.start, child.end + 1))
        elif child.kind is Kind.TABLE:
            tables.append(child)
            taken.update(range(child.start, child.end + 1))
        elif child.kind in (Kind.CODE, Kind.COMMENT):
            taken.update(range(child.start, child.end + 1))
    own = [n for n in range(item.start, item.end + 1) if n not in taken]
    return Parts(own, lists, tables)


def _strip_marker(line: str, marker: str) -> str:
    """A first line without its indentation and list marker."""
    s = line.lstrip(" \t")
    return s[len(marker):] if marker and s.startswith(marker) else s


def own_text(item: Node, lines: list[str], own: list[int]) -> str:
    """The item's own text, marker removed, lines joined."""
    parts = [_strip_marker(lines[n - 1], item.marker) if n == item.start else lines[n - 1]
             for n in own]
    return join(parts)


def _all_text(node: Node, lines: list[str]) -> str:
    """Every item's text under a list, joined (details of a parent entry)."""
    out = []
    for item in node.children:
        if item.kind is not Kind.ITEM:
            continue
        p = _parts(item)
        out.append(own_text(item, lines, p.own))
        out.extend(_all_text(sub, lines) for sub in p.lists)
    return " ".join(t for t in out if t)


def entry_like(text: str) -> bool:
    """An item that is a paper in its own right: a link and some title text."""
    return has_url(text) and len(clean(text)) > 8 and not is_navigation(text)


def _quirks(first: str, raw_lines: list[str]) -> frozenset[Quirk]:
    """What the first list's guide would say about the raw lines."""
    q: set[Quirk] = set()
    s = first.lstrip(" \t")
    if s[:1] in "-*+":
        gap = len(s[1:]) - len(s[1:].lstrip(" \t"))
        if gap >= 2:
            q.add(Quirk.DOUBLE_SPACE)
    if any(ln != ln.rstrip() for ln in raw_lines):
        q.add(Quirk.TRAILING_WHITESPACE)
    return frozenset(q)


def read_list(node: Node, lines: list[str], section: int) -> tuple[list[Source], list[Node]]:
    """Candidate entries of one list, and the navigation lists met (not entries)."""
    if is_navigation_list(node, lines):
        return [], [node]
    out: list[Source] = []
    nav: list[Node] = []
    items = [c for c in node.children if c.kind is Kind.ITEM]
    i = 0
    while i < len(items):
        item = items[i]
        p = _parts(item)
        text = own_text(item, lines, p.own)
        end = item.end
        j = i + 1
        while (j < len(items) and ends_with_break(lines[p.own[-1] - 1] if p.own else "")
               and not has_url(text) and items[j].start == end + 1
               and not _starts_title(own_text(items[j], lines, _parts(items[j]).own))):
            nxt = _parts(items[j])
            p = Parts(p.own + nxt.own, p.lists + nxt.lists,
                      p.tables + nxt.tables)
            text = join([text, own_text(items[j], lines, nxt.own)])
            end = items[j].end
            j += 1
        for t in p.tables:
            out.extend(read_table(t, lines, section))
        subs = [s for s in p.lists]
        sub_items = [c for s in subs for c in s.children if c.kind is Kind.ITEM]
        sub_texts = [own_text(c, lines, _parts(c).own) for c in sub_items]
        children_are_entries = bool(sub_items) and \
            sum(entry_like(t) for t in sub_texts) * 2 >= len(sub_items)
        if children_are_entries:
            if has_url(text):
                out.append(_source(item, lines, section, text, "", p.own[0], p.own[-1], p.own))
            for s in subs:
                o, n = read_list(s, lines, section)
                out.extend(o)
                nav.extend(n)
        elif not (text or sub_items):
            pass
        else:
            details = " ".join(_all_text(s, lines) for s in subs)
            out.append(_source(item, lines, section, text, details, item.start, end, p.own,
                               has_details=bool(sub_items)))
        i = j
    return out, nav


def _starts_title(text: str) -> bool:
    """True when an item's text opens with a title of its own (bold or a link)."""
    s = text.lstrip()
    return s.startswith(("**", "__", "[", "<a ", "<b>"))


def _source(item: Node, lines: list[str], section: int, text: str, details: str,
            start: int, end: int, own: list[int], *, has_details: bool = False) -> Source:
    """One candidate from an item's span."""
    end = max(start, end)
    raw_lines = lines[start - 1:end]
    own_lines = [lines[n - 1] for n in own]
    brk = "sub-item" if has_details else line_break(own_lines)
    quirks = _quirks(lines[start - 1], raw_lines)
    if any(a.rstrip().endswith("]]") and b.lstrip().startswith("(")
           for a, b in pairwise(own_lines)):
        quirks |= {Quirk.LINK_BROKEN_ACROSS_LINES}
    return Source(Shape.LIST_ITEM, text, "\n".join(raw_lines), start, end, section,
                  details=details, marker=item.marker, indent=item.indent, line_break=brk,
                  quirks=quirks)


def is_navigation_list(node: Node, lines: list[str]) -> bool:
    """True for a contents list: every item only in-page links (at any depth)."""
    items = [c for c in node.children if c.kind is Kind.ITEM]
    if not items:
        return False
    for item in items:
        p = _parts(item)
        text = own_text(item, lines, p.own)
        if text and not is_navigation(text):
            return False
        if not text and not p.lists and item.children:
            return False  # a code- or comment-only item is no contents line: report it
        if not all(is_navigation_list(s, lines) for s in p.lists):
            return False
    return True
