"""README lines -> the block tree mistletoe reads, as plain frozen data with line spans.

mistletoe sees a bounded copy of each line (see `bound_line`), so no crafted line can make its
block parser slow or recurse deeply: indentation and stacked container markers are capped,
runs of blanks inside a line are shortened and a line is cut after `MAX_LINE` characters.
Entries take their text from the original lines, so nothing of an entry is lost by this.
Lines that are only block-level HTML tags (`<details>`, `<summary>..</summary>`, `<div>`...)
are blank to mistletoe, so the markdown between them is read as markdown.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import re2

# mistletoe builds, at import, the set of every Unicode punctuation character by scanning all
# 1.1 million code points (about 0.3-0.4 s: most of a `check` run). The set only serves inline
# emphasis rules, and the bot parses blocks only (see `_blocks_only`), so the scan is limited
# to the Basic Multilingual Plane for the duration of the import.
_MAXUNICODE = sys.maxunicode
sys.maxunicode = 0xFFFF
try:
    from mistletoe import block_token, span_token
    from mistletoe.html_renderer import HtmlRenderer
finally:
    sys.maxunicode = _MAXUNICODE

MAX_LINE = 1000
MAX_INDENT = 64
MAX_CONTAINERS = 12
MAX_GAP = 8

_GAP = re2.compile(r"[ \t]{9,}")
_TAG = re2.compile(r"<[^<>\n]*>")
_TAG_ONLY = re2.compile(
    r"(?i)^\s*(?:</?(?:details|summary|div|p|center|section|ul|ol|li|br|hr|blockquote|h[1-6]"
    r"|table|thead|tbody|tr|td|th)\b[^<>]*>\s*)+$"
)
_SUMMARY = re2.compile(r"(?i)^\s*<summary\b[^<>]*>.*</summary>\s*$")


class Kind(StrEnum):
    """What kind of block a node is."""

    HEADING = "heading"
    LIST = "list"
    ITEM = "item"
    TABLE = "table"
    PARAGRAPH = "paragraph"
    HTML = "html"
    COMMENT = "comment"
    CODE = "code"
    QUOTE = "quote"
    BREAK = "break"


@dataclass(frozen=True, slots=True)
class Node:
    """One block with its 1-based line span; `children` for lists, items and quotes.

    `marker`/`indent` describe a list item; `level` a heading; `rows` a table's data-row
    lines (its header is `start`).
    """

    kind: Kind
    start: int
    end: int
    children: tuple[Node, ...] = ()
    marker: str = ""
    indent: int = 0
    level: int = 0
    rows: tuple[int, ...] = ()


def _container_cut(body: str) -> int:
    """Where the `MAX_CONTAINERS`-th stacked `>`/list marker at a line's start ends, else 0."""
    i, n, count = 0, len(body), 0
    while i < n and count < MAX_CONTAINERS:
        ch = body[i]
        if ch == ">":
            i += 1
        elif ch in "-*+" and i + 1 < n and body[i + 1] in " \t":
            i += 2
        elif ch.isdigit():
            j = i
            while j < n and j - i < 9 and body[j].isdigit():
                j += 1
            if j < n - 1 and body[j] in ".)" and body[j + 1] in " \t":
                i = j + 2
            else:
                return 0
        else:
            return 0
        count += 1
        while i < n and body[i] in " \t":
            i += 1
    return i if count >= MAX_CONTAINERS else 0


def is_tag_line(line: str) -> bool:
    """True for a line holding only block-level HTML tags (or one `<summary>` label)."""
    s = line.lstrip()
    return s.startswith("<") and bool(_TAG_ONLY.match(line) or _SUMMARY.match(line))


def bound_line(line: str) -> str:
    """The copy of a line that mistletoe reads (see the module docstring)."""
    if "<" in line and is_tag_line(line):
        return ""
    if len(line) <= 80 and "\t" not in line and "         " not in line:
        return line
    body = line.lstrip(" \t")
    lead = line[: len(line) - len(body)][:MAX_INDENT]
    if len(body) > MAX_LINE:
        body = body[:MAX_LINE] + (" |" if "|" in body[MAX_LINE:] else "")
    if "\t" in body or "         " in body:
        body = _GAP.sub(" " * MAX_GAP, body)
    if cut := _container_cut(body):
        body = body[:cut]
    return lead + body


_MISTLETOE = threading.Lock()


@contextmanager
def _blocks_only() -> Iterator[None]:
    """Let mistletoe read blocks but skip inline parsing, which the reader does itself.

    mistletoe keeps its token types in module globals, so one parse at a time (the service
    parses in worker threads).
    """
    with _MISTLETOE, HtmlRenderer():
        saved = span_token._token_types[:]
        span_token._token_types[:] = [span_token.RawText]
        try:
            yield
        finally:
            span_token._token_types[:] = saved


def read_blocks(lines: list[str]) -> tuple[Node, ...]:
    """The document's top-level blocks, from mistletoe's tree over the bounded lines."""
    proxy = [bound_line(ln.replace("\x00", "\ufffd")) + "\n" for ln in lines]
    with _blocks_only():
        doc = block_token.Document(proxy)
    return _nodes(list(doc.children or ()), len(lines), lines, 0)


def _trim(lines: list[str], start: int, end: int) -> int:
    """`end` moved back over blank lines, not before `start`."""
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _nodes(tokens: list, parent_end: int, lines: list[str], depth: int) -> tuple[Node, ...]:
    """Nodes for sibling tokens, each ending where the next begins."""
    out: list[Node] = []
    starts = [getattr(t, "line_number", None) for t in tokens]
    following = [parent_end + 1] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        following[i] = starts[i] if starts[i] is not None else following[i + 1]
    for i, tok in enumerate(tokens):
        start = starts[i]
        if start is None:
            continue
        end = _trim(lines, start, min(following[i + 1] - 1, parent_end))
        node = _node(tok, start, end, lines, depth)
        if node is not None:
            out.append(node)
    return tuple(out)


def _node(tok: object, start: int, end: int, lines: list[str], depth: int) -> Node | None:
    """One token as a node."""
    if isinstance(tok, block_token.Heading | block_token.SetextHeading):
        return Node(Kind.HEADING, start, start, level=tok.level)
    if isinstance(tok, block_token.List):
        return Node(Kind.LIST, start, end, _nodes(list(tok.children or ()), end, lines, depth + 1))
    if isinstance(tok, block_token.ListItem):
        leader = (getattr(tok, "leader", "") or "").strip()
        indent = len(lines[start - 1]) - len(lines[start - 1].lstrip(" \t"))
        kids = _nodes(list(tok.children or ()), end, lines, depth + 1)
        return Node(Kind.ITEM, start, end, kids, marker=leader, indent=indent)
    if isinstance(tok, block_token.Table):
        rows = tuple(r.line_number for r in (tok.children or ())
                     if getattr(r, "line_number", None))
        return Node(Kind.TABLE, start, end, rows=rows)
    if isinstance(tok, block_token.Quote):
        return Node(Kind.QUOTE, start, end, _nodes(list(tok.children or ()), end, lines,
                                                   depth + 1))
    if isinstance(tok, block_token.CodeFence | block_token.BlockCode):
        return Node(Kind.CODE, start, end)
    if isinstance(tok, block_token.HtmlBlock):
        first = lines[start - 1].lstrip()
        kind = Kind.COMMENT if first.startswith(("<!--", "<?", "<!", "<pre", "<script",
                                                 "<style", "<textarea")) else Kind.HTML
        return Node(kind, start, end)
    if isinstance(tok, block_token.ThematicBreak):
        return Node(Kind.BREAK, start, start)
    if isinstance(tok, block_token.Paragraph):
        return Node(Kind.PARAGRAPH, start, end)
    return None


def walk(nodes: tuple[Node, ...]) -> Iterator[Node]:
    """Every node, depth first, in source order."""
    stack = list(reversed(nodes))
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def heading_title(line: str) -> str:
    """An ATX heading's text without its `#` marks (or a setext heading's line), linear time."""
    s = line.strip()
    if s.startswith("#"):
        s = s.lstrip("#")
        t = s.rstrip()
        if t.endswith("#"):
            u = t.rstrip("#")
            if not u or u[-1] in " \t":
                t = u
        return t.strip()
    return s
