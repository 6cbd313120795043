"""Crafted and broken input: read fully, bounded before mistletoe, nothing silently skipped.

Timings live in benchmarks/bench_parse.py; these tests pin what is read.
"""

from __future__ import annotations

from bot.awesome.blocks import MAX_LINE, bound_line
from bot.awesome.config import RepoConfig
from bot.awesome.model import Shape
from bot.awesome.parse import MAX_README_BYTES, parse
from bot.awesome.review import review

ROW = "| 2023 | **Paper {i} on graphs** | KDD | [Link](https://arxiv.org/abs/2301.{i:05d}) | - |\n"
TABLE = "## Papers\n\n| Year | Title | Venue | Paper | Code |\n| -- | -- | -- | -- | -- |\n"


def test_bounded_line_keeps_structure_but_not_length() -> None:
    heading = "#### a" + " " * 40_000 + "b"
    assert bound_line(heading).startswith("#### a") and len(bound_line(heading)) < 20
    assert len(bound_line("[" * 85_000)) <= MAX_LINE + 2
    assert bound_line("* " * 500_000).count("*") <= 12
    row = "| a | " + "x" * 5_000 + " | b |"
    assert bound_line(row).endswith("|")
    assert bound_line("<details>") == "" and bound_line("<summary>More</summary>") == ""


def test_pathological_headings_and_brackets_are_read() -> None:
    text = ("## Papers\n- A paper on graphs (2020), B [[pdf]](https://a.org/a.pdf)\n"
            "#### a" + " " * 40_000 + "b\n## Contents\n" + "[" * 85_000 + "\n")
    al = parse(text)
    assert [s.title for s in al.sections] == ["Papers", "a" + " " * 40_000 + "b", "Contents"]
    assert len(al.entries) == 1


def test_a_megabyte_of_stars_is_no_entry_and_no_crash() -> None:
    al = parse("## Papers\n" + "* " * 500_000 + "\n")
    assert al.entries == ()


def test_hundred_thousand_character_item_is_one_entry() -> None:
    title = "word " * 20_000
    text = f"## Papers\n- {title}(2016), A. Author [[pdf]](https://x.org/p.pdf)\n" \
           "- Another paper here (2015), B. Author [[pdf]](https://y.org/q.pdf)\n"
    al = parse(text)
    assert [e.start_line for e in al.entries] == [2, 3]
    big = al.entries[0]
    assert big.title == title.strip() and big.year == 2016
    assert big.links[0].target == "https://x.org/p.pdf"


def test_two_megabyte_table_list_reads_every_row() -> None:
    body = "".join(ROW.format(i=i) for i in range(20_000))
    text = TABLE + body
    while len(text.encode()) > MAX_README_BYTES:
        body = body[: body.rfind("\n", 0, len(body) - 200) + 1]
        text = TABLE + body
    al = parse(text)
    assert len(al.entries) == body.count("\n") > 15_000
    assert all(e.shape is Shape.TABLE_ROW and e.year == 2023 for e in al.entries)


def test_ragged_table_rows_keep_their_cells() -> None:
    text = (TABLE + "| 2021 | **Short row** |\n"
            "| 2022 | **Long row** | ICML | [Link](https://a.org/x.pdf) | - | extra | more |\n"
            "| no pipes at the end\n")
    al = parse(text)
    short, long_, bare = al.entries
    assert (short.title, short.year, short.links) == ("Short row", 2021, ())
    assert long_.title == "Long row" and long_.links[0].target == "https://a.org/x.pdf"
    assert dict(long_.columns)["column 7"] == "more"
    assert bare.start_line == 7


def test_unclosed_details_still_reads_entries() -> None:
    text = ("## Papers\n<details>\n<summary>2021</summary>\n\n"
            "* **A paper in details** <br>\n*A. Author* <br>\nICML, 2021. "
            "[[Paper]](https://a.org/a.pdf)\n\n* **Second one** <br>\n*B. Author* <br>\n"
            "CVPR, 2020. [[Paper]](https://b.org/b.pdf)\n")
    al = parse(text)
    assert [(e.title, e.year) for e in al.entries] == [("A paper in details", 2021),
                                                       ("Second one", 2020)]


def test_unrecognized_lines_are_kept_and_reported() -> None:
    base = ("## Papers\n- A paper on graphs (2020), B [[pdf]](https://a.org/a.pdf)\n"
            "- Another paper (2019), C [[pdf]](https://b.org/b.pdf)\n")
    head = base + "\nSee also https://c.org/list for more papers.\n"
    al = parse(head)
    assert [(u.line, u.reason) for u in al.unrecognized] == [(5, "holds a link")]
    r = review(base, head)
    [f] = [f for f in r.findings if f.rule == "parse/unrecognized"]
    assert f.line == 5 and "Line 5" in f.message
    assert "no paper changed" not in r.headline
    quiet = review(base, base + "\nJust some words.\n")
    assert "no paper changed" in quiet.headline
    assert not [f for f in quiet.findings if f.rule == "parse/unrecognized"]


def test_five_thousand_identical_lines_are_duplicates_once_each() -> None:
    base = "## Papers\n- A paper on graphs (2020), B [[pdf]](https://a.org/a.pdf)\n"
    head = base + "- Same paper on many graphs (2021), C [[pdf]](https://b.org/b.pdf)\n" * 5_000
    r = review(base, head, config=RepoConfig(max_added_lines=5_000))
    dups = [f for f in r.findings if f.rule == "duplicate/entry"]
    assert len(dups) == 4_999 and dups[0].line == 4 and "line 3" in dups[0].message


def test_two_thousand_entries_sharing_one_link_are_duplicates_of_the_first() -> None:
    """Recipe 2: entries that share a link are found by key in one pass (they were compared
    pairwise: 18,000 took 89 s)."""
    base = "## Papers\n- A paper on graphs (2020), B [[pdf]](https://a.org/a.pdf)\n"
    head = base + "".join(f"- Paper number {i} (2021), C [[pdf]](https://arxiv.org/abs/1701."
                          f"00001)\n" for i in range(2_000))
    dups = [f for f in review(base, head).findings if f.rule == "duplicate/entry"]
    assert len(dups) == 1_999 and [f.line for f in dups] == list(range(4, 2_003))
    assert all("at line 3" in f.message for f in dups)


def _papers(n: int, start: int = 0) -> str:
    return "".join(f"- Paper {i} on graphs (2021), C [[pdf]](https://b.org/{i}.pdf)\n"
                   for i in range(start, start + n))


def test_a_change_over_the_line_cap_fails_without_being_read(monkeypatch) -> None:
    import bot.awesome.review as pipeline

    reads: list[int] = []
    real_parse = pipeline.parse
    monkeypatch.setattr(pipeline, "parse", lambda text, **kw: (reads.append(len(text)),
                                                               real_parse(text, **kw))[1])
    base = "## Papers\n" + _papers(3)
    r = review(base, base + _papers(2_001, start=3))
    [f] = r.findings
    assert f.rule == "readme/change-too-large" and "adds 2,001 lines" in f.message
    assert r.conclusion.value == "failure" and "not reviewed" in r.headline
    assert not r.diff.added and "meets-criteria" not in r.labels
    assert len(base + _papers(2_001, start=3)) not in reads  # the head was never read
    assert "readme/change-too-large" in r.summary_markdown


def test_the_line_cap_counts_only_new_lines() -> None:
    base = "## Papers\n" + _papers(3_000)
    at_cap = review(base, base + _papers(2_000, start=3_000))
    assert len(at_cap.diff.added) == 2_000
    lines = base.splitlines()
    shuffled = "\n".join(lines[:1] + [" " + ln for ln in reversed(lines[1:])]) + "\n"
    moved = review(base, shuffled)  # every line moved and re-indented, none new
    assert not any(f.rule == "readme/change-too-large" for f in moved.findings)
    raised = review(base, base + _papers(2_001, start=3_000),
                    config=RepoConfig(max_added_lines=2_001))
    assert len(raised.diff.added) == 2_001


def test_first_list_lines_with_crafted_runs_read_in_bounded_work() -> None:
    # Each of these was quadratic in the first list's line reader (issue 12); now read in full.
    spaced = parse("## P\n- a" + " " * 85_000 + "b (2016), A [[pdf]](http://x/)\n").entries
    assert spaced[0].year == 2016 and spaced[0].links[0].target == "http://x/"
    unclosed = parse("## P\n- T (2016), A " + "[[a]](" * 20_000 + "\n").entries
    assert len(unclosed) == 1 and all(len(lk.target or "") <= 2048 for lk in unclosed[0].links)
    notes = parse("## P\n- T (2016), A " + "*(" * 20_000 + " [[pdf]](http://x.org)\n").entries
    assert notes[0].links[-1].target == "http://x.org"
