"""The list's own rules: declared limits only, house style and order learned per section, the
config's switches, and rules that only the base branch can set (issue 12, point 1)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.awesome.audit import apply_fixes, audit
from bot.awesome.config import load_config
from bot.awesome.facts import NO_FACTS, Citation, Facts
from bot.awesome.findings import Severity
from bot.awesome.parse import parse
from bot.awesome.report import Conclusion
from bot.awesome.review import prepare, review
from bot.cli.check import review_json
from tests.conftest import FINAL_README, FIXTURES, pr_texts, read
from tests.listkit import BASE, BATCHNORM, CRITERIA, GAN, RESNET, make_list

LISTS = FIXTURES / "lists"
LIST_PRS = sorted(LISTS.glob("*/pr-*"))
DECLARED = ("top100/", "year/", "citations/below-threshold", "discussion/")


def rules(r: object) -> set[str]:
    return {f.rule for f in r.findings}  # type: ignore[attr-defined]


def zero_citations(base: str, head: str) -> Facts:
    """Facts that give every entry of the head 3 citations: any threshold would fail them."""
    p = prepare(base, head)
    return Facts(citations={e.key: Citation(3, "OpenAlex", "https://openalex.org/W1")
                            for e in p.head.entries})


# Limits only where the list declares them


@pytest.mark.parametrize("pr", LIST_PRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_list_that_declares_no_rules_gets_none_of_the_first_lists(pr: Path) -> None:
    base, head = read(pr / "base.md"), read(pr / "head.md")
    r = review(base, head, facts=zero_citations(base, head))
    assert not [f.rule for f in r.findings if f.rule.startswith(DECLARED)]
    assert (r.top100_base, r.top100_head, r.limit) == (None, None, None)
    doc = review_json(r, NO_FACTS)
    assert doc["top100"] is None
    assert "Top-100" not in r.summary_markdown and "Criteria from" not in r.summary_markdown
    assert "declares no top-N limit" in r.summary_markdown
    assert "over-100" not in r.labels and "below-citation-threshold" not in r.labels


def test_without_a_criteria_block_a_2018_paper_is_fine_and_config_can_declare_a_window() -> None:
    no_rules = BASE.replace(CRITERIA, "## About\n\nPapers we like.\n")
    late = "- Deep learning scaling is predictable (2018), J. Hestness et al. " \
           "[[pdf]](https://arxiv.org/pdf/1712.00409)"
    head = no_rules.replace(RESNET, RESNET + "\n" + late)
    r = review(no_rules, head)
    assert not rules(r) & {"year/outside-window", "top100/over-limit"}
    assert r.limit is None and "meets-criteria" in r.labels
    declared = review(no_rules, head, config_text="years: {first: 2012, last: 2016}\n")
    [f] = [f for f in declared.findings if f.rule == "year/outside-window"]
    assert "2018" in f.message and "2012-2016" in f.message
    assert "Criteria from .github/awesome-papers.yml: 2012–2016" in declared.summary_markdown


def test_first_list_summary_names_its_own_criteria() -> None:
    r = review(*pr_texts("072"))
    assert "Criteria from the README: top 100, 2012–2016; 2016: 60+" in r.summary_markdown
    assert "Top-100 sections: **100 → 101**" in r.summary_markdown


def test_config_switches_declared_rules_off() -> None:
    base, head = pr_texts("072")
    assert "top100/over-limit" in rules(review(base, head))
    off = review(base, head, config_text="top_size: off\nyears: off\nthresholds: off\n")
    assert not [f.rule for f in off.findings if f.rule.startswith(DECLARED)]
    assert off.limit is None and review_json(off, NO_FACTS)["top100"] is None
    only_limit = review(base, head, config_text="thresholds: off\n")
    assert only_limit.limit == 100 and "top100/over-limit" in rules(only_limit)
    assert prepare(base, head, config_text="thresholds: off\n").citation_entries() == ()


# Issue 12, point 1: the rules come from the base only


def _criteria_edit(text: str) -> str:
    return text.replace("**top 100 deep learning papers** published from 2012 to 2016",
                        "**top 101 deep learning papers** published from 2012 to 2018")


LATE = ("- **Deep learning scaling is predictable, empirically** (2018), J. Hestness et al. "
        "[[pdf]](https://arxiv.org/pdf/1712.00409)")


def test_a_pr_cannot_widen_the_limit_and_window_it_is_judged_by() -> None:
    base = read(FINAL_README)
    anchor = "### Optimization / Training Techniques\n"
    plain = base.replace(anchor, anchor + LATE + "\n")
    loosened = _criteria_edit(plain)
    assert loosened != plain
    judged = review(base, plain)
    r = review(base, loosened)
    assert rules(r) - {"criteria/changed"} == rules(judged)
    assert {"year/outside-window", "top100/over-limit"} <= rules(r)
    assert r.conclusion is Conclusion.FAILURE and "meets-criteria" not in r.labels
    [f] = [f for f in r.findings if f.rule == "criteria/changed"]
    assert f.severity is Severity.NOTICE
    assert "top 100 → top 101" in f.message and "years 2012–2016 → 2012–2018" in f.message
    assert "criteria-changed" in r.labels
    assert (r.top100_base, r.top100_head, r.limit) == (100, 101, 100)
    assert "This change would edit the list's rules" in r.summary_markdown
    assert "top 100 → top 101" in r.summary_markdown


def test_moving_a_contents_line_below_the_marker_does_not_recount_sections() -> None:
    base = read(FINAL_README)
    line = "* [Speech / Other Domain](#speech--other-domain)\n"
    moved = base.replace(line, "").replace("*(More than Top 100)*\n",
                                           "*(More than Top 100)*\n\n" + line)
    assert moved != base
    r = review(base, moved)
    assert (r.top100_base, r.top100_head) == (100, 100)
    [f] = [f for f in r.findings if f.rule == "criteria/changed"]
    assert '"Speech / Other Domain" would no longer count toward the top 100' in f.message
    assert "criteria-changed" in r.labels
    plus = moved.replace("### Optimization / Training Techniques\n",
                         "### Optimization / Training Techniques\n" + BATCHNORM + "\n")
    assert "top100/over-limit" in rules(review(base, plus))


def test_the_readme_without_rule_edits_gets_no_criteria_notice() -> None:
    for n in ("014", "047", "061", "068", "072"):
        assert "criteria/changed" not in rules(review(*pr_texts(n)))


# New sections


def test_a_new_section_is_a_notice_on_a_list_that_adds_sections() -> None:
    base, head = pr_texts_of("yueliu1999__Awesome-Deep-Graph-Clustering", 30)
    r = review(base, head)
    [f] = [f for f in r.findings if f.rule == "section/new-section"]
    assert f.severity is Severity.NOTICE
    assert r.conclusion is not Conclusion.FAILURE


def pr_texts_of(repo: str, n: int) -> tuple[str, str]:
    d = LISTS / repo / f"pr-{n}"
    return read(d / "base.md"), read(d / "head.md")


# Order


def _sorted_list(*lines: str) -> str:
    return "# Papers\n\n## Vision\n\n" + "\n".join(lines) + "\n\n## License\n\nCC0\n"


ENTRIES = [f"- Paper number {y} about vision ({y}), A. Author [[pdf]](https://x.org/{y}.pdf)"
           for y in (2021, 2019, 2018, 2016)]


def test_an_addition_out_of_a_sections_year_order_is_told_where_it_belongs() -> None:
    base = _sorted_list(*ENTRIES)
    new = "- A new paper on vision (2020), B. Author [[pdf]](https://x.org/new.pdf)"
    wrong = _sorted_list(*ENTRIES, new)
    [f] = [f for f in review(base, wrong).findings if f.rule == "order/out-of-place"]
    assert f.severity is Severity.WARNING
    assert "sorted by year, newest first" in f.message
    assert "belongs before line 6" in f.message and "2019" in f.message
    right = _sorted_list(ENTRIES[0], new, *ENTRIES[1:])
    assert "order/out-of-place" not in rules(review(base, right))
    unsorted = _sorted_list(ENTRIES[1], ENTRIES[0], *ENTRIES[2:])
    assert "order/out-of-place" not in rules(review(unsorted, unsorted.replace(
        ENTRIES[3], ENTRIES[3] + "\n" + new)))


# House style learned per section, and suggestions in it


def test_link_form_is_learned_and_the_fix_keeps_the_rest_of_the_entry() -> None:
    single = [e.replace("[[pdf]](", "[pdf](") for e in ENTRIES]
    base = _sorted_list(*single)
    new = "- A paper in another form (2016), B. Author [[pdf]](https://x.org/n.pdf)"
    [f] = [f for f in review(base, _sorted_list(*single, new)).findings
           if f.rule == "format/link-form"]
    assert "`[pdf](url)`" in f.message
    assert f.suggestion == new.replace("[[pdf]](", "[pdf](")
    assert "format/link-form" not in rules(review(BASE, make_list(vision=[RESNET, BATCHNORM])))


def test_fix_never_touches_what_a_switched_off_rule_leaves_alone(tmp_path: Path) -> None:
    bold = "- **" + BATCHNORM[2:].replace(" (2015)", "** (2015)")
    text = make_list(vision=[RESNET, GAN, "-  " + bold[2:]], language=[])
    found = audit(parse(text), NO_FACTS).findings
    assert {"format/house-style", "format/double-space"} <= {f.rule for f in found}
    fixed, n = apply_fixes(text, found)
    assert n == 1 and BATCHNORM in fixed
    cfg = load_config("rules:\n  format/house-style: off\n")
    kept = audit(parse(text), NO_FACTS, config=cfg)
    assert "format/house-style" not in {f.rule for f in kept.findings}
    fixed, n = apply_fixes(text, kept.findings)
    assert "**Batch normalization" in fixed  # the bold it was told to leave alone
    everything_off = audit(parse(text), NO_FACTS, config=load_config("rules:\n  format/*: off\n"))
    assert not [f for f in everything_off.findings if f.rule.startswith("format/")]
    assert apply_fixes(text, everything_off.findings) == (text, 0)


def test_fix_keeps_the_lines_of_a_multi_line_entry() -> None:
    single = [e.replace("[[pdf]](", "[pdf](") for e in ENTRIES]
    two_lines = ("- A paper written on two lines (2016), B. Author\n"
                 "  [[pdf]](https://x.org/two.pdf) [[code]](https://x.org/code)")
    text = _sorted_list(*single, two_lines)
    result = audit(parse(text), NO_FACTS)
    [f] = [f for f in result.findings if f.rule == "format/link-form"]
    assert f.suggestion == two_lines.replace("[[pdf]](", "[pdf](").replace("[[code]](",
                                                                            "[code](")
    fixed, n = apply_fixes(text, result.findings)
    assert n == 1 and len(fixed.split("\n")) == len(text.split("\n"))


# Config


@pytest.mark.parametrize(("text", "why"), [
    ("years: {first: 2018, last: 2012}\n", "inverted"),
    ("labels:\n  adds-paper: ''\n", "label `adds-paper` needs a non-empty name"),
    ("files: []\n", "`files` must be a list"),
    ("sections: [1, 2]\n", "`sections` must be a list"),
    ("top_size: 0\n", "whole number"),
    ("a: &a [x, x]\nb: *a\n", "aliases"),
    ("rules:\n  format/double-spcae: off\n", "unknown rule `format/double-spcae`"),
    ("rules:\n  nonsense/*: off\n", "unknown rule `nonsense/*`"),
    ("max_added_lines: 0\n", "`max_added_lines` must be a whole number from 1"),
    ("max_added_lines: lots\n", "`max_added_lines` must be a whole number"),
])
def test_config_errors_are_one_line(text: str, why: str) -> None:
    errors = load_config(text).errors
    assert any(why in e for e in errors), errors
    assert all("\n" not in e for e in errors)


def test_a_yaml_alias_bomb_is_refused_at_once() -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(9))
    started = time.perf_counter()
    cfg = load_config(bomb)
    assert time.perf_counter() - started < 1.0
    assert cfg.errors and "aliases" in cfg.errors[0]


def test_known_rules_and_families_are_accepted() -> None:
    cfg = load_config("rules:\n  format/*: off\n  researchers/count: notice\n"
                      "  criteria/changed: warning\n  parse/unrecognized: error\n")
    assert cfg.errors == ()


def test_files_globs_say_which_files_hold_the_list() -> None:
    cfg = load_config("files: ['README.md', 'papers/*.md']\n")
    assert cfg.holds_list("papers/vision.md") and cfg.holds_list("README.md")
    assert not cfg.holds_list("docs/notes.md")
    assert load_config(None).holds_list("README.md")


def test_sections_config_says_which_sections_hold_entries() -> None:
    text = make_list(vision=[RESNET], language=[BATCHNORM])
    al = parse(text)
    assert any(al.sections[e.section].title == "Language" for e in al.entries)
    r = review(text, text.replace(BATCHNORM, BATCHNORM.replace("(2015)", "(2014)")),
               config_text="sections: [Vision]\n")
    assert not r.diff.changed  # Language holds no entries under this config
