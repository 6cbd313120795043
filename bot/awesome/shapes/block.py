"""Paragraph and HTML blocks holding entries: one entry per group of lines.

A block holds several entries when they follow each other line by line; a new entry starts
at a line opening with a numbered label (`**[12]**`, `[12]`) or a bold title, or after a
line that holds a link and does not end with a line break (`<br>` or `\\`).
"""

from __future__ import annotations

from bot.awesome.blocks import Node
from bot.awesome.fields import Source
from bot.awesome.model import Shape
from bot.awesome.shapes.common import ends_with_break, has_url, join, line_break


def _opens_entry(line: str) -> bool:
    """True for a line that starts an entry of its own."""
    s = line.lstrip()
    if s.startswith("**[") or (s.startswith("[") and s[1:2].isdigit()):
        return True
    return s.startswith("**") and not s.startswith("**)")


def groups(node: Node, lines: list[str]) -> list[tuple[int, int]]:
    """The (start, end) line groups of a block, one per entry it may hold."""
    out: list[tuple[int, int]] = []
    start = node.start
    for n in range(node.start + 1, node.end + 1):
        prev = lines[n - 2]
        if not lines[n - 1].strip():
            continue
        if not ends_with_break(prev) and (has_url(prev) or _opens_entry(lines[n - 1])):
            out.append((start, n - 1))
            start = n
    out.append((start, node.end))
    return [(a, b) for a, b in out if any(lines[k - 1].strip() for k in range(a, b + 1))]


def read_block(node: Node, lines: list[str], section: int) -> list[Source]:
    """Candidates for the line groups of a paragraph or HTML block."""
    out: list[Source] = []
    for a, b in groups(node, lines):
        while b > a and not lines[b - 1].strip():
            b -= 1
        own = lines[a - 1:b]
        out.append(Source(Shape.BLOCK, join(own), "\n".join(own), a, b, section, marker="",
                          indent=len(own[0]) - len(own[0].lstrip()), line_break=line_break(own)))
    return out
