"""Real lists of every format family: every counted item is an entry; every PR's additions found.

Counts and added items are those taken by hand in tests/fixtures/lists (INDEX.md, SOURCES.txt).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.awesome.diff import diff
from bot.awesome.model import LinkForm, SectionKind, Shape, TitleForm, YearForm
from bot.awesome.parse import parse
from bot.awesome.review import review

LISTS = Path(__file__).parent / "fixtures" / "lists"
A = LISTS / "jason718__awesome-self-supervised-learning"
B = LISTS / "thunlp__PLMpapers"
C = LISTS / "yueliu1999__Awesome-Deep-Graph-Clustering"
D = LISTS / "ChanganVR__awesome-embodied-vision"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _outside_fences(lines: list[str]) -> list[int]:
    """1-based numbers of lines outside fenced code."""
    out, fenced = [], False
    for n, ln in enumerate(lines, start=1):
        if ln.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            out.append(n)
    return out


def test_family_a_nested_bullets_every_counted_item() -> None:
    text = _text(A / "README.md")
    al = parse(text)
    lines = text.split("\n")
    first = next(n for n, ln in enumerate(lines, 1) if ln == "## Theory")
    in_range = [e for e in al.entries if e.start_line > first]
    assert len(in_range) == 305          # 289 papers + 16 talks, theses, blogs
    assert all(not lines[e.start_line - 1].startswith(("    -", "  -   ")) or e.title
               for e in in_range)
    sub = next(e for e in al.entries if e.title.startswith("A Theoretical Analysis of Contr"))
    assert sub.style.line_break == "sub-item" and sub.authors.startswith("Sanjeev Arora")
    assert sub.year == 2019 and sub.links[0].label == "pdf"
    assert sub.venue == "ICML"


def test_family_b_numbered_every_item() -> None:
    text = _text(B / "README.md")
    al = parse(text)
    lines = text.split("\n")
    numbered = {n for n, ln in enumerate(lines, 1) if ln[:1].isdigit() and ". " in ln[:5]}
    assert len(numbered) == 127
    assert numbered <= {e.start_line for e in al.entries}
    survey = next(e for e in al.entries if e.title.startswith("Pre-Trained Models: Past"))
    assert survey.shape is Shape.BLOCK
    bert = next(e for e in al.entries if e.title == "Semi-supervised Sequence Learning")
    assert (bert.year, bert.venue, bert.arxiv_id) == (2015, "NIPS", "1511.01432")
    assert bert.authors == "Andrew M. Dai, Quoc V. Le"
    assert bert.style.link is LinkForm.INNER and bert.style.title is TitleForm.BOLD
    assert bert.style.marker == "1."


def test_family_c_tables_every_row() -> None:
    text = _text(C / "README.md")
    al = parse(text)
    lines = text.split("\n")
    rows: set[int] = set()
    for n, ln in enumerate(lines, 1):
        cells = [c.strip() for c in ln.split("|")]
        if ln.startswith("|") and cells[1:3] == ["Year", "Title"] and set(lines[n]) <= set("|-: "):
            k = n + 2
            while k <= len(lines) and lines[k - 1].startswith("|"):
                rows.add(k)
                k += 1
    assert len(rows) == 213
    assert rows <= {e.start_line for e in al.entries}
    row = next(e for e in al.entries if e.start_line == min(rows))
    assert row.shape is Shape.TABLE_ROW and row.style.year is YearForm.COLUMN
    assert row.title.startswith("Beyond the Academic Monoculture")
    assert row.year == 2026 and row.venue == "arXiv"
    assert dict(row.columns)["Year"] == "2026"


def test_family_d_multiline_every_entry() -> None:
    text = _text(D / "README.md")
    al = parse(text)
    lines = text.split("\n")
    titled = {n for n in _outside_fences(lines) if lines[n - 1].startswith("* **")}
    assert len(titled) == 204
    assert {e.start_line for e in al.entries} == titled
    broken = next(e for e in al.entries if e.title.startswith("Learning Semantic-Agnostic"))
    assert broken.end_line == broken.start_line + 2       # `* Hongcheng Wang*` line joined
    assert broken.year == 2023 and broken.arxiv_id == "2304.10773"
    e = next(e for e in al.entries if e.title == "Cognitive Mapping and Planning for Visual "
             "Navigation")
    assert (e.year, e.venue, e.style.line_break) == (2017, "CVPR", "<br>")
    assert e.authors.startswith("Saurabh Gupta")
    assert e.style.year is YearForm.VENUE_COMMA


def test_navigation_and_badges_are_not_entries() -> None:
    for path in (A, B, C, D):
        al = parse(_text(path / "README.md"))
        assert not any(lk.target and lk.target.startswith("#") for e in al.entries
                       for lk in e.links)
        assert not any("shields.io" in (lk.target or "") for e in al.entries for lk in e.links)


ADDED = {
    (A, 130): ["Ponder: Point Cloud Pre-training via Neural Rendering",
               "PonderV2: Pave the Way for 3D Foundation Model with A Universal Pre-training "
               "Paradigm",
               "UniPAD: A Universal Pre-training Paradigm for Autonomous Driving",
               "Point Cloud Matters: Rethinking the Impact of Different Observation Spaces on "
               "Robot Learning"],
    (A, 117): ["Mitigating embedding and class assignment mismatch in unsupervised image "
               "classification", "Improving Unsupervised Image Clustering With Robust Learning",
               "FedX: Unsupervised Federated Learning with Cross Knowledge Distillation"],
    (A, 136): ["Towards evolution of Deep Neural Networks through contrastive Self-Supervised "
               "learning"],
    (B, 10): ["A Structural Probe for Finding Syntax in Word Representations",
              "Assessing BERT’s Syntactic Abilities",
              "What do you learn from context? Probing for sentence structure in contextualized "
              "word representations"],
    (B, 11): ["Can You Tell Me How to Get Past Sesame Street? Sentence-Level Pretraining Beyond "
              "Language Modeling"],
    (B, 13): ["BERT is Not an Interlingua and the Bias of Tokenization",
              "What BERT is not: Lessons from a new suite of psycholinguistic diagnostics for "
              "language models", "How Language-Neutral is Multilingual BERT?"],
    (C, 30): ["Contrastive Hierarchical Clustering (CHC)"],
    (C, 28): ["Contrastive Deep Nonnegative Matrix Factorization for Community Detection "
              "(CDNMF)"] * 2,
    (C, 17): ["CONGREGATE: Contrastive Graph Clustering in Curvature Spaces",
              "Beyond The Evidence Lower Bound: Dual Variational Graph Auto-Encoders For Node "
              "Clustering", "GC-Flow: A Graph-Based Flow Network for Effective Clustering"],
    (D, 33): ["Comparison of Model-Free and Model-Based Learning-Informed Planning for "
              "PointGoal Navigation", "Simultaneous Mapping and Target Driven Navigation",
              "Learning View and Target Invariant Visual Servoing for Navigation"],
    (D, 29): ["Good Time to Ask: A Learning Framework for Asking for Help in Embodied Visual "
              "Navigation"],
    (D, 13): ["End-to-end Active Object Tracking via Reinforcement Learning",
              "End-to-end Active Object Tracking and Its Real-world Deployment via "
              "Reinforcement Learning",
              "AD-VAT: An Asymmetric Dueling mechanism for learning Visual Active Tracking",
              "AD-VAT+: An Asymmetric Dueling Mechanism for Learning and Understanding Visual "
              "Active Tracking",
              "Pose-Assisted Multi-Camera Collaboration for Active Object Tracking",
              "Towards Distraction-Robust Active Visual Tracking",
              "UnrealCV: Virtual Worlds for Computer Vision"],
}


@pytest.mark.parametrize(("path", "number"), sorted(ADDED, key=str))
def test_pr_additions_found_exactly(path: Path, number: int) -> None:
    pr = path / f"pr-{number}"
    base, head = _text(pr / "base.md"), _text(pr / "head.md")
    d = diff(parse(base), parse(head))
    assert [c.entry.title for c in d.added] == ADDED[(path, number)]
    assert not d.removed
    assert all(c.entry.links for c in d.added)
    assert not [u for u in parse(head).unrecognized
                if u.text not in {b.text for b in parse(base).unrecognized}]


@pytest.mark.parametrize(("path", "number"), sorted(ADDED, key=str))
def test_no_first_list_rule_on_lists_that_declare_none(path: Path, number: int) -> None:
    pr = path / f"pr-{number}"
    r = review(_text(pr / "base.md"), _text(pr / "head.md"))
    assert not [f.rule for f in r.findings
                if f.rule.startswith(("top100/", "year/", "citations/below"))]
    assert parse(_text(pr / "head.md")).sections_of_kind(SectionKind.TOP100) == ()


def test_duplicate_rows_in_two_tables_share_keys() -> None:
    al = parse(_text(C / "pr-28" / "head.md"))
    twins = [e for e in al.entries if e.title.endswith("(CDNMF)")]
    assert len(twins) == 2 and twins[0].section != twins[1].section
    assert twins[0].identifiers[0] == twins[1].identifiers[0] == "arxiv:2311.02357"


def test_outline_of_a_list_without_top_n() -> None:
    from bot.awesome.outline import outline

    text = outline(parse(_text(C / "README.md")))
    assert "declares no top N" in text and "count toward the top" not in text
    assert "read as no entry, first at line" in text


def test_one_paper_added_to_two_tables_is_one_duplicate() -> None:
    pr = C / "pr-28"
    r = review(_text(pr / "base.md"), _text(pr / "head.md"))
    dups = [f for f in r.findings if f.rule == "duplicate/entry"]
    assert [(f.line, "line 60" in f.message) for f in dups] == [(129, True)]


def test_config_sections_decide_before_entries_are_read() -> None:
    text = ("## Notes\n- Read the guide before adding a paper\n- Keep one paper per line\n"
            "## Papers\n- A paper on graphs (2020), B [[pdf]](https://a.org/a.pdf)\n")
    plain = parse(text)
    assert [e.title for e in plain.entries] == ["A paper on graphs"]
    chosen = parse(text, sections=["Notes"])
    assert [s.kind for s in chosen.sections] == [SectionKind.PAPERS, SectionKind.OTHER]
    assert [e.start_line for e in chosen.entries] == [2, 3]
    assert [e.start_line for e in chosen.strays] == [5]  # said as section/unknown
    top = parse(text, top100=["papers"])
    assert [e.title for e in top.top100] == ["A paper on graphs"]
