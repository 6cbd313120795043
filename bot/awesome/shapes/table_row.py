"""GFM table rows as candidate entries, one per data row, columns named by the header."""

from __future__ import annotations

from bot.awesome.blocks import Node
from bot.awesome.fields import Source, clean
from bot.awesome.model import Shape


def split_row(line: str) -> list[str]:
    """A row's cells: split on `|` outside code spans and not escaped, outer pipes dropped."""
    if "\\" not in line and "`" not in line:
        cells = line.split("|")
        return _trim_outer(line, cells)
    cells: list[str] = []
    cur: list[str] = []
    code = False
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch == "\\" and i + 1 < n:
            cur.append(line[i:i + 2])
            i += 2
            continue
        if ch == "`":
            code = not code
        if ch == "|" and not code:
            cells.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur))
    return _trim_outer(line, cells)


def _trim_outer(line: str, cells: list[str]) -> list[str]:
    """Cells without the empty ones the outer pipes leave, stripped."""
    s = line.strip()
    if s.startswith("|") and cells and not cells[0].strip():
        cells = cells[1:]
    if s.endswith("|") and cells and not cells[-1].strip():
        cells = cells[:-1]
    return [c.strip() for c in cells]


def read_table(node: Node, lines: list[str], section: int) -> list[Source]:
    """Candidates for every data row of a table (ragged rows keep what cells they have)."""
    header = [clean(h) for h in split_row(lines[node.start - 1])]
    indent = len(lines[node.start - 1]) - len(lines[node.start - 1].lstrip(" \t"))
    out: list[Source] = []
    for n in node.rows:
        raw = lines[n - 1]
        cells = split_row(raw)
        names = header + [f"column {k + 1}" for k in range(len(header), len(cells))]
        cols = tuple(zip(names, cells, strict=False))
        text = " | ".join(cells)
        out.append(Source(Shape.TABLE_ROW, text, raw, n, n, section, columns=cols,
                          marker="|", indent=indent))
    return out
