"""The review engine on five real pull requests to the list, and on bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.awesome.diff import diff
from bot.awesome.findings import Severity
from bot.awesome.parse import parse
from bot.awesome.report import Conclusion, Review
from bot.awesome.review import review
from tests.conftest import FIXTURES, OLD_README, pr_texts, read

GOLDEN = FIXTURES / "golden" / "pr-072.json"


def _review(number: str) -> Review:
    base, head = pr_texts(number)
    return review(base, head)


def _rules(r: Review, severity: Severity | None = None) -> set[str]:
    return {f.rule for f in r.findings if severity is None or f.severity is severity}


def test_pr014_fixed_link_is_a_clean_change() -> None:
    r = _review("014")
    assert [c.entry.start_line for c in r.diff.changed] == [139]
    assert not (r.diff.added or r.diff.removed or r.diff.moved)
    assert _rules(r, Severity.ERROR) == set()
    assert r.diff.changed[0].entry.links[0].target.startswith("http://www.nature.com/")


def test_pr047_swap_keeps_100_and_reads_the_broken_link() -> None:
    r = _review("047")
    assert (r.top100_base, r.top100_head) == (100, 100)
    assert "top100/over-limit" not in _rules(r)
    [moved] = r.diff.moved
    assert moved.entry.title.lower().startswith("a character-level decoder")
    assert (moved.before_section.title, moved.section.title) == (
        "Natural Language Process", "Appendix: More than Top 100")
    ner = next(c.entry for c in r.diff.added if c.entry.title.startswith("Neural Architectures"))
    assert ner.links[0].target == "http://aclweb.org/anthology/N/N16/N16-1030.pdf"
    assert (ner.start_line, ner.end_line) == (152, 153)
    assert r.diff.added[0].section.title == "Natural Language Processing"
    assert "format/link-broken-across-lines" in _rules(r)
    assert r.conclusion is Conclusion.NEUTRAL


def test_pr061_new_paper_needs_discussion() -> None:
    r = _review("061")
    [added] = r.diff.added
    assert (added.entry.year, added.section.title) == (2017, "New papers")
    assert "discussion/new-paper" in _rules(r, Severity.NOTICE)
    assert "needs-discussion" in r.labels
    assert "format/house-style" in _rules(r)  # new papers are not bold
    assert _rules(r, Severity.ERROR) == set()


def test_pr068_double_space_gets_a_suggestion() -> None:
    r = _review("068")
    [f] = [f for f in r.findings if f.rule == "format/double-space"]
    assert f.line == 250 and f.suggestion.startswith("- SQuAD: 100,000+ Questions")
    [comment] = r.line_comments
    assert comment.line == 250 and "```suggestion\n- SQuAD" in comment.body
    assert "format" in r.labels


def test_pr072_over_limit_and_duplicate() -> None:
    r = _review("072")
    assert _rules(r, Severity.ERROR) == {"top100/over-limit", "duplicate/entry"}
    dup = next(f for f in r.findings if f.rule == "duplicate/entry")
    _base, head = pr_texts("072")
    twin_line = next(n for n, ln in enumerate(head.split("\n"), 1)
                     if "1611.03530" in ln and n != 70)
    assert f"line {twin_line}" in dup.message and '"New papers"' in dup.message
    assert r.conclusion is Conclusion.FAILURE
    assert (r.top100_base, r.top100_head, r.limit) == (100, 101, 100)
    assert {"over-100", "duplicate", "adds-paper"} <= set(r.labels)
    assert "meets-criteria" not in r.labels


def golden_of(r: Review) -> dict[str, object]:
    """What the golden file keeps: the summary, line comments and labels."""
    return {
        "summary_markdown": r.summary_markdown,
        "line_comments": [{"path": c.path, "line": c.line, "start_line": c.start_line,
                           "body": c.body} for c in r.line_comments],
        "labels": list(r.labels),
        "conclusion": r.conclusion.value,
    }


def test_pr072_golden() -> None:
    got = golden_of(_review("072"))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n")
    assert got == json.loads(GOLDEN.read_text())


# The diff on its own

def test_reordering_is_no_change() -> None:
    text = read(OLD_README)
    lines = text.split("\n")
    i = lines.index("### Understanding / Generalization / Transfer")
    lines[i + 1], lines[i + 2] = lines[i + 2], lines[i + 1]
    d = diff(parse(text), parse("\n".join(lines)))
    assert d.is_empty


def test_deleting_one_of_two_copies_removes_one_entry() -> None:
    text = read(OLD_README)
    dup = ("- Continuous deep q-learning with model-based acceleration (2016), S. Gu et al. "
           "[[pdf]](http://www.jmlr.org/proceedings/papers/v48/gu16.pdf)")
    assert text.count(dup) == 2
    d = diff(parse(text), parse(text.replace(dup + "\n", "", 1)))
    assert len(d.removed) == 1 and not (d.added or d.moved or d.changed)


def test_same_url_different_papers_are_not_confused() -> None:
    text = read(OLD_README)
    head = text.replace("- Long-term recurrent convolutional networks for visual recognition "
                        "and description (2015)", "- Long-term recurrent convolutional networks "
                        "for visual recognition and description (2016)")
    d = diff(parse(text), parse(head))
    assert [c.entry.title[:9] for c in d.changed] == ["Long-term"]


def test_changed_carries_base_and_head_lines() -> None:
    base, head = pr_texts("014")
    [c] = diff(parse(base), parse(head)).changed
    assert c.before is not None and c.before.start_line == 139 == c.entry.start_line


# Bad input: findings or a clear error, never a traceback

def test_readme_deleted_in_head() -> None:
    r = review(read(OLD_README), None)
    assert [f.rule for f in r.findings] == ["readme/missing"]
    assert r.conclusion is Conclusion.FAILURE


def test_readme_empty_in_head() -> None:
    r = review(read(OLD_README), "")
    assert "readme/empty" in _rules(r, Severity.ERROR)


def test_binary_readme() -> None:
    r = review(read(OLD_README), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    [f] = r.findings
    assert f.rule == "readme/unreadable" and "binary" in f.message


def test_five_megabyte_readme() -> None:
    big = read(OLD_README) * (5 * 1024 * 1024 // len(read(OLD_README)) + 1)
    r = review(read(OLD_README), big)
    [f] = r.findings
    assert f.rule == "readme/unreadable" and "2 MB" in f.message
    assert len(r.summary_markdown) < 2000


def test_config_not_yaml() -> None:
    base, head = pr_texts("068")
    r = review(base, head, config_text="rules: [unclosed\n\tbad: : :")
    assert any(f.rule == "config/invalid" and "YAML" in f.message for f in r.findings)


@pytest.mark.parametrize("number", ["014", "047", "061", "068", "072"])
def test_summary_is_escaped_and_bounded(number: str) -> None:
    r = _review(number)
    assert len(r.summary_markdown) < 65_536
    assert "<script" not in r.summary_markdown


def test_hostile_entry_text_is_escaped() -> None:
    base, head = pr_texts("072")
    evil = ("- <img src=x onerror=alert(1)> @octocat | pwn ``` [x](javascript:alert(1)) (2016), "
            "@maintainers et al. [[pdf]](javascript:alert(1))")
    r = review(base, head.replace("- **Understanding deep learning", evil + "\n- **Understanding"
                                  " deep learning"))
    s = r.summary_markdown
    assert "<img" not in s and "@octocat" not in s and "@maintainers" not in s
    assert "](javascript" not in s
    for c in r.line_comments:
        assert "<img" not in c.body.split("```")[0]
        assert "@octocat" not in c.body.split("suggestion")[0]


def test_golden_file_is_in_fixtures() -> None:
    assert Path(GOLDEN).is_file()


def test_code_spans_in_messages_stay_code_and_the_rest_is_escaped() -> None:
    from bot.awesome.escape import md_prose

    out = md_prose('Use `[[pdf]](url)` for "<b>@octocat</b>" | ``` and `` x ```')
    assert out.startswith("Use `[[pdf]](url)` for")
    assert "<b>" not in out and "@octocat" not in out and "\\|" in out
    assert "``` and" not in out  # an unmatched fence is escaped, not code


def test_reviews_against_one_base_read_it_once(monkeypatch) -> None:
    """A queue pass reviews every open PR against the same tip: the base is parsed once."""
    import uuid

    import bot.awesome.review as pipeline

    reads: list[str] = []
    real_parse = pipeline.parse
    monkeypatch.setattr(pipeline, "parse", lambda text, **kw: (reads.append(text),
                                                               real_parse(text, **kw))[1])
    base = f"# {uuid.uuid4().hex}\n\n## Papers\n- A paper (2020), B [[pdf]](https://a.org/a.pdf)\n"
    heads = [base + f"- Paper {i} (2021), C [[pdf]](https://b.org/{i}.pdf)\n" for i in range(3)]
    for h in heads:
        assert len(review(base, h).diff.added) == 1
    assert reads.count(base) == 1 and all(reads.count(h) == 1 for h in heads)
    sectioned = review(base, heads[0], config_text="sections: [Papers]\n")
    assert len(sectioned.diff.added) == 1 and reads.count(base) == 2  # other sections: read anew
