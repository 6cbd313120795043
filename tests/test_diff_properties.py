"""Property tests of the diff on the real README: order does not matter, copies are counted."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.awesome.diff import diff
from bot.awesome.parse import parse
from tests.conftest import OLD_README, read

TEXT = read(OLD_README)
LINES = TEXT.split("\n")
BASE = parse(TEXT)
SINGLE = [e for e in BASE.entries if e.start_line == e.end_line]


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reordering_within_sections_is_no_change(rnd) -> None:
    lines = list(LINES)
    for s in BASE.sections:
        rows = [e.start_line for e in BASE.in_section(s.index) if e.start_line == e.end_line]
        texts = [lines[n - 1] for n in rows]
        rnd.shuffle(texts)
        for n, t in zip(rows, texts, strict=True):
            lines[n - 1] = t
    assert diff(BASE, parse("\n".join(lines))).is_empty


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(0, len(SINGLE) - 1), min_size=1, max_size=10))
def test_deleting_k_lines_removes_k_entries(picked: set[int]) -> None:
    drop = {SINGLE[i].start_line for i in picked}
    head = "\n".join(ln for n, ln in enumerate(LINES, 1) if n not in drop)
    d = diff(BASE, parse(head))
    assert len(d.removed) == len(drop)
    assert not (d.added or d.moved or d.changed)
    # identical copies are interchangeable: compare what was removed, not which copy
    assert sorted(c.entry.raw for c in d.removed) == sorted(LINES[n - 1] for n in drop)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(SINGLE) - 1), st.integers(0, len(SINGLE) - 1))
def test_moving_a_line_to_another_section_is_a_move(src: int, dst: int) -> None:
    a, b = SINGLE[src], SINGLE[dst]
    if a.section == b.section:
        return
    lines = list(LINES)
    moved = lines[a.start_line - 1]
    lines.insert(b.start_line, moved)  # after b, in b's section
    del lines[a.start_line - 1 if a.start_line < b.start_line else a.start_line]
    d = diff(BASE, parse("\n".join(lines)))
    assert [c.entry.raw for c in d.moved] == [moved]
    assert not (d.added or d.removed)
