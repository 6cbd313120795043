"""The learned house style and order on real lists of other formats (tests/fixtures/lists):
findings and fixes in each list's own style, multi-line entries kept line for line."""

from __future__ import annotations

from bot.awesome.audit import apply_fixes, audit
from bot.awesome.config import load_config
from bot.awesome.facts import NO_FACTS
from bot.awesome.parse import parse
from bot.awesome.review import review
from tests.conftest import FIXTURES, read

LISTS = FIXTURES / "lists"
EMBODIED = read(LISTS / "ChanganVR__awesome-embodied-vision" / "README.md")
PLM = read(LISTS / "thunlp__PLMpapers" / "README.md")
GRAPH = read(LISTS / "yueliu1999__Awesome-Deep-Graph-Clustering" / "README.md")


def _insert_after(text: str, anchor: str, new: str) -> str:
    """`text` with `new` inserted as whole lines after the line that starts with `anchor`."""
    lines = text.split("\n")
    i = next(n for n, ln in enumerate(lines) if ln.startswith(anchor))
    return "\n".join([*lines[: i + 1], *new.split("\n"), *lines[i + 1 :]])


def test_a_table_sorted_newest_first_says_where_an_old_row_belongs() -> None:
    anchor = "| 2025 | **Scalable Attribute-Missing Graph Clustering"
    row = ("| 2015 | **A Much Older Graph Clustering Paper**  | KDD | "
           "[link](https://x.org/old.pdf) | - |")
    head = _insert_after(GRAPH, anchor, row)
    [f] = [f for f in review(GRAPH, head).findings if f.rule == "order/out-of-place"]
    assert "sorted by year, newest first" in f.message
    assert '"A Much Older Graph Clustering Paper" (2015) belongs' in f.message
    in_place = _insert_after(GRAPH, anchor, row.replace("2015", "2025"))
    assert "order/out-of-place" not in {x.rule for x in review(GRAPH, in_place).findings}


def test_a_numbered_list_keeps_its_own_link_form_in_the_fix() -> None:
    anchor = "14. **MASS: Masked Sequence to Sequence Pre-training"
    entry = ("15. **A New Pre-trained Model**. *Ann Author, Bo Author*. ACL 2020. "
             "[pdf](https://x.org/new.pdf)")
    head = _insert_after(PLM, anchor, entry)
    r = review(PLM, head)
    [f] = [f for f in r.findings if f.rule == "format/link-form"]
    assert "`[[pdf](url)]`" in f.message
    assert f.suggestion == entry.replace("[pdf](https://x.org/new.pdf)",
                                         "[[pdf](https://x.org/new.pdf)]")
    assert not [x for x in r.findings if x.rule.startswith(("format/year", "format/author"))]


def test_a_multi_line_entry_is_fixed_in_place_never_joined() -> None:
    anchor = "CVPR, 2017. [[Paper]](https://arxiv.org/abs/1702.03920)"
    entry = ("\n* **A New Navigation Paper** <br>\n*Ann Author, Bo Author* <br>\n"
             "CVPR, 2021. [Paper](https://x.org/nav.pdf) [Code](https://x.org/code)")
    head = _insert_after(EMBODIED, anchor, entry)
    r = review(EMBODIED, head)
    [f] = [f for f in r.findings if f.rule == "format/link-form"]
    assert f.suggestion is not None and f.suggestion.count("\n") == 2
    assert f.suggestion.endswith("[[Paper]](https://x.org/nav.pdf) [[Code]](https://x.org/code)")
    assert f.suggestion.startswith("* **A New Navigation Paper** <br>")
    result = audit(parse(head), NO_FACTS)
    fixed, n = apply_fixes(head, result.findings)
    assert n >= 1 and len(fixed.split("\n")) == len(head.split("\n"))
    assert "CVPR, 2021. [[Paper]](https://x.org/nav.pdf)" in fixed
    off = audit(parse(head), NO_FACTS, config=load_config("rules:\n  format/link-form: off\n"))
    assert apply_fixes(head, off.findings)[0].count("[Paper](https://x.org/nav.pdf)") == 1
