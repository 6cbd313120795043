"""Property tests: the parser never raises and never loses a `- ` line of a paper section."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.awesome.parse import ReadmeError, parse
from tests.conftest import OLD_README, read

REAL_LINES = [ln for ln in read(OLD_README).split("\n") if ln.startswith("- ")]
_ALPHABET = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
_SNIPPETS = st.sampled_from(
    ["[[pdf]]", "]]", "[[", "(", ")", "**", "*", "*(Google)*", ":sparkles:", " ", "  ", ",",
     "(2015)", "(2015", "2015)", "(Book, 2015)", "http://", "https://arxiv.org/abs/1512.03385v2",
     "\t", "`", "```", "<!--", "-->", "#", "> ", "|", "\\", "~~~", "<div>", "- ", "* * *"]
)
PREAMBLE = "## Contents\n* [V](#vision)\n*(More than Top 100)*\n### Vision\n"


@st.composite
def mutated_line(draw) -> str:
    """A real entry line with a few of its characters replaced, inserted or deleted."""
    body = draw(st.sampled_from(REAL_LINES))[2:]
    for _ in range(draw(st.integers(0, 6))):
        pos = draw(st.integers(0, len(body)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "snippet"]))
        if op == "delete":
            body = body[:pos] + body[pos + draw(st.integers(1, 8)):]
        elif op == "snippet":
            body = body[:pos] + draw(_SNIPPETS) + body[pos:]
        else:
            text = draw(st.text(_ALPHABET, min_size=1, max_size=4))
            cut = pos + (1 if op == "replace" else 0)
            body = body[:pos] + text + body[cut:]
    return "- " + body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated_line(), min_size=1, max_size=12),
       st.lists(st.sampled_from(["", "<!-- note -->", "*(2015)*"]), max_size=3))
def test_every_dash_line_is_an_entry_or_reported(lines: list[str], extras: list[str]) -> None:
    body = list(lines)
    for i, extra in enumerate(extras):
        if extra:
            body.insert(min(i * 2, len(body)), "")
            body.insert(min(i * 2 + 1, len(body)), extra)
            body.insert(min(i * 2 + 2, len(body)), "")
    text = PREAMBLE + "\n".join(body) + "\n"
    al = parse(text)
    first = PREAMBLE.count("\n") + 1
    expected = [first + i for i, ln in enumerate(body) if ln.startswith("- ")]
    starts = [e.start_line for e in al.entries]
    assert set(starts) <= set(expected)  # no entry starts anywhere else
    reported = {u.line for u in al.unrecognized}
    assert [n for n in expected if n not in starts and n not in reported] == []
    for e in al.entries:
        assert e.raw.split("\n")[0] == body[e.start_line - first]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text: str) -> None:
    try:
        al = parse(text)
    except ReadmeError as exc:
        assert str(exc)
        return
    for e in al.entries:
        assert 1 <= e.start_line <= e.end_line <= max(al.line_count, 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(mutated_line(), st.text(_ALPHABET, max_size=80),
                          st.sampled_from(["### Vision", "## Contents", "```", "<!--", "-->",
                                           "* * *", "*(More than Top 100)*", ""])),
                max_size=40))
def test_markdown_shaped_noise_never_raises(lines: list[str]) -> None:
    al = parse("\n".join(lines))
    assert all(s.start_line <= s.end_line for s in al.sections)


def test_a_code_only_item_is_reported_not_taken_for_contents() -> None:
    """`- ```…` opens a code block inside the item: no entry, so the line must be reported."""
    line = "- ```**Title** (2016), A. Author [[pdf]](https://x.example/a.pdf)"
    al = parse(PREAMBLE + line + "\n")
    assert al.entries == ()
    assert [u.line for u in al.unrecognized] == [PREAMBLE.count("\n") + 1]
