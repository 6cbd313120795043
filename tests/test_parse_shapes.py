"""Any entry of any list, rewritten into another list's shape inside that list, reads back the same.

A property test over the real fixture lists (families A-D, and the first list): the reader
must not depend on which list an entry's shape came from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.awesome.model import Entry, SectionKind, normalise_title
from bot.awesome.parse import parse
from tests.conftest import OLD_README, read

LISTS = Path(__file__).parent / "fixtures" / "lists"
TEXTS = {
    "A": (LISTS / "jason718__awesome-self-supervised-learning" / "README.md").read_text(),
    "B": (LISTS / "thunlp__PLMpapers" / "README.md").read_text(),
    "C": (LISTS / "yueliu1999__Awesome-Deep-Graph-Clustering" / "README.md").read_text(),
    "D": (LISTS / "ChanganVR__awesome-embodied-vision" / "README.md").read_text(),
    "F": read(OLD_README),
}
PARSED = {k: parse(v) for k, v in TEXTS.items()}


def _fits(e: Entry) -> bool:
    """An entry whose title and links survive every shape's syntax."""
    return bool(e.year is not None and 8 <= len(e.title) <= 200
            and not set(e.title) & set("*_|[]<>`\\#") and not e.title.endswith(".")
            and e.links and all(lk.target and lk.target.startswith("http")
                                and not set(lk.target) & set(" ()|<>") for lk in e.links))


POOL = [e for al in PARSED.values() for e in al.entries if _fits(e)]


def _a(e: Entry) -> list[str]:
    links = " ".join(f"[[{lk.label}]]({lk.target})" for lk in e.links)
    return [f"- {e.title}", f"  {links}", f"  - A. Author, B. Author *Venue {e.year}*"]


def _b(e: Entry) -> list[str]:
    links = " ".join(f"[[{lk.label}]({lk.target})]" for lk in e.links)
    return [f"7. **{e.title}**. *A. Author, B. Author*. Venue {e.year}. {links}"]


def _c(e: Entry) -> list[str]:
    links = " ".join(f"[Link]({lk.target})" for lk in e.links)
    return [f"| {e.year} | **{e.title}** | Venue | {links} | - |"]


def _d(e: Entry) -> list[str]:
    links = " ".join(f"[[{lk.label}]]({lk.target})" for lk in e.links)
    return ["", f"* **{e.title}** <br>", "*A. Author, B. Author* <br>",
            f"Venue, {e.year}. {links}", ""]


def _f(e: Entry) -> list[str]:
    links = " ".join(f"[[{lk.label}]]({lk.target})" for lk in e.links)
    return [f"- {e.title} ({e.year}), A. Author et al. {links}"]


SHAPES: dict[str, Callable[[Entry], list[str]]] = {"A": _a, "B": _b, "C": _c, "D": _d, "F": _f}


def _anchor(family: str) -> int:
    """The line after which a new entry goes: the end of an entry of the list's own shape."""
    al = PARSED[family]
    kinds = (SectionKind.TOP100,) if family == "F" else (SectionKind.PAPERS,)
    return next(e.end_line for e in al.entries[5:] if al.sections[e.section].kind in kinds)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(POOL), st.sampled_from(sorted(SHAPES)))
def test_entry_in_any_shape_reads_back_the_same(entry: Entry, family: str) -> None:
    lines = TEXTS[family].split("\n")
    at = _anchor(family)
    new = SHAPES[family](entry)
    text = "\n".join(lines[:at] + new + lines[at:])
    start = at + 1 + next(i for i, ln in enumerate(new) if ln)
    al = parse(text)
    [got] = [e for e in al.entries if e.start_line == start]
    assert normalise_title(got.title) == normalise_title(entry.title)
    assert got.year == entry.year
    assert [lk.target for lk in got.links] == [lk.target for lk in entry.links]


def test_pool_covers_every_family() -> None:
    sources = {k: sum(_fits(e) for e in al.entries) for k, al in PARSED.items()}
    assert all(n >= 20 for n in sources.values()), sources


def test_escaped_brackets_in_a_label_keep_the_link() -> None:
    """`[[\\[pdf\\]](url)]`: escaped brackets are text, so the link and the year still read."""
    e = next(x for x in POOL if x.links)
    url = e.links[0].target
    line = f"7. **A Study of Escaped Labels**. *A. Author*. Venue 2016. [[\\[pdf\\]]({url})]"
    lines = TEXTS["B"].split("\n")
    at = _anchor("B")
    al = parse("\n".join([*lines[:at], line, *lines[at:]]))
    [got] = [x for x in al.entries if x.start_line == at + 1]
    assert (got.year, [lk.target for lk in got.links]) == (2016, [url])


def test_escaped_label_in_the_first_lists_form_keeps_its_links() -> None:
    """`[[\\[pdf\\]]](url)` in a one-line `- Title (Year), Author` entry: both links are read."""
    line = ("- A Study of Escaped Labels (2016), A. Author et al. "
            "[[\\[pdf\\]]](https://x.example/a.pdf) [[\\[code\\]]](https://x.example/c)")
    lines = TEXTS["F"].split("\n")
    at = _anchor("F")
    al = parse("\n".join([*lines[:at], line, *lines[at:]]))
    [got] = [x for x in al.entries if x.start_line == at + 1]
    assert (got.year, [lk.target for lk in got.links]) == \
        (2016, ["https://x.example/a.pdf", "https://x.example/c"])
