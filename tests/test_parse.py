"""The list model read from the list's real READMEs and its real messy lines."""

from __future__ import annotations

import pytest

from bot.awesome.canonical import canonical_line, house_style
from bot.awesome.model import DEFAULT_CRITERIA, Quirk, SectionKind, Threshold
from bot.awesome.parse import MAX_README_BYTES, ReadmeError, decode_readme, parse, slugify
from tests.conftest import MID_README, PRS, pr_texts, read


def test_old_readme_sections_and_counts(old_readme: str) -> None:
    al = parse(old_readme)
    top = al.sections_of_kind(SectionKind.TOP100)
    assert [s.title for s in top][:2] == [
        "Understanding / Generalization / Transfer", "Optimization / Training Techniques"]
    assert [len(al.in_section(s.index)) for s in top] == [6, 13, 13, 16, 11, 37, 6, 30, 11, 7]
    assert len(al.top100) == 150
    assert len(al.of_kind(SectionKind.NEW)) == 15
    assert len(al.of_kind(SectionKind.OLD)) == 8
    assert [s.title for s in al.sections_of_kind(SectionKind.APPENDIX)] == ["More than Top 100"]
    assert al.toc_marker is True


def test_old_readme_thresholds(old_readme: str) -> None:
    c = parse(old_readme).criteria
    assert c.source == "readme"
    assert (c.top_size, c.first_year, c.last_year, c.old_papers_before) == (100, 2012, 2016, 2012)
    assert [(t.year, t.citations, t.bold) for t in c.thresholds] == [
        (2016, 30, 60), (2015, 100, 200), (2014, 200, 400), (2013, 300, 600), (2012, 400, 800)]
    assert c.new_papers_rule == "< 6 months"


def test_final_readme_counts_more_papers_from_2016(final_readme: str) -> None:
    al = parse(final_readme)
    top = al.sections_of_kind(SectionKind.TOP100)
    assert top[-1].title == "More Papers from 2016"
    assert len(al.top100) == 100
    c = al.criteria
    assert [(t.year, t.citations) for t in c.thresholds] == [
        (2016, 60), (2015, 200), (2014, 400), (2013, 600), (2012, 800)]
    assert c.threshold_for(2016) == Threshold(2016, 60, None, "More Papers from 2016")
    assert c.old_papers_before == 2012
    appendix = al.sections_of_kind(SectionKind.APPENDIX)
    assert [s.title for s in appendix] == ["Appendix: More than Top 100"]


def test_section_kinds_of_final_readme(final_readme: str) -> None:
    kinds = {s.title: s.kind for s in parse(final_readme).sections}
    assert kinds["New papers"] is SectionKind.NEW
    assert kinds["Old Papers"] is SectionKind.OLD
    assert kinds["HW / SW / Dataset"] is SectionKind.RESOURCES
    assert kinds["Book / Survey / Review"] is SectionKind.RESOURCES
    assert kinds["Video Lectures / Tutorials / Blogs"] is SectionKind.RESOURCES
    assert kinds["Background"] is SectionKind.OTHER
    assert kinds["Contents"] is SectionKind.OTHER


def test_sections_have_levels_and_line_ranges(old_readme: str) -> None:
    al = parse(old_readme)
    lines = old_readme.split("\n")
    for s in al.sections:
        assert lines[s.start_line - 1].lstrip("#").strip() == s.title
        assert s.level == len(lines[s.start_line - 1]) - len(lines[s.start_line - 1].lstrip("#"))
        assert s.end_line >= s.start_line
    for a, b in zip(al.sections, al.sections[1:], strict=False):
        assert b.start_line == a.end_line + 1


def _dash_lines(text: str, al) -> set[int]:
    """1-based lines starting with '- ' that lie in paper sections."""
    lines = text.split("\n")
    out = set()
    for s in al.sections:
        if s.kind.holds_papers:
            out |= {n for n in range(s.start_line + 1, s.end_line + 1)
                    if lines[n - 1].startswith("- ")}
    return out


@pytest.mark.parametrize("path", ["old", "mid", "final"])
def test_every_entry_line_comes_back(path: str, old_readme: str, final_readme: str) -> None:
    text = {"old": old_readme, "mid": read(MID_README), "final": final_readme}[path]
    al = parse(text)
    lines = text.split("\n")
    assert {e.start_line for e in al.entries} == _dash_lines(text, al)
    for e in al.entries:
        assert e.raw.split("\n")[0] == lines[e.start_line - 1]


@pytest.mark.parametrize("number", PRS)
def test_pr_readmes_parse_completely(number: str) -> None:
    for text in pr_texts(number):
        al = parse(text)
        assert {e.start_line for e in al.entries} == _dash_lines(text, al)


def _one(line: str, heading: str = "### Reinforcement Learning"):
    """Parse one entry line inside a section the Contents block counts toward the top 100."""
    toc = f"## Contents\n* [X](#{slugify(heading.lstrip('#'))})\n*(More than Top 100)*\n"
    al = parse(f"{toc}{heading}\n{line}\n")
    assert len(al.entries) == 1, al.entries
    return al.entries[0]


def test_tidy_entry_fields() -> None:
    e = _one("- Distilling the knowledge in a neural network (2015), G. Hinton et al. "
             "[[pdf]](http://arxiv.org/pdf/1503.02531) :sparkles:")
    assert (e.title, e.year, e.authors) == (
        "Distilling the knowledge in a neural network", 2015, "G. Hinton et al.")
    assert [(lk.label, lk.target) for lk in e.links] == [("pdf", "http://arxiv.org/pdf/1503.02531")]
    assert e.sparkles and not e.bold
    assert e.arxiv_id == "1503.02531"
    assert e.quirks == frozenset()
    assert (e.start_line, e.end_line) == (5, 5)


@pytest.mark.parametrize(
    ("line", "field", "value", "quirk"),
    [
        ("- Semantic image segmentation with deep convolutional nets and fully connected CRFs, "
         "L. Chen et al. [[pdf]](https://arxiv.org/pdf/1412.7062)",
         "authors", "L. Chen et al.", Quirk.MISSING_YEAR),
        ("- Fast and accurate deep network learning by exponential linear units (ELUS) (2015), "
         "D. Clevert et al. [[pdf]]()", "title",
         "Fast and accurate deep network learning by exponential linear units (ELUS)",
         Quirk.EMPTY_LINK),
        ("- Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks "
         "(2015), S. Ren et al. [[pdf]] (http://papers.nips.cc/paper/5638-faster-r-cnn.pdf) "
         ":sparkles:", "sparkles", True, Quirk.SPACE_BEFORE_URL),
        ("- A Character-Level Decoder without Explicit Segmentation for Neural Machine "
         "Translation (2016), J. Chung et al. [[pdf]]", "year", 2016, Quirk.TAG_WITHOUT_URL),
        ("- An Empirical Exploration of Recurrent Network Architectures (2015), R. Jozefowicz "
         "et al. *Sutskever: Google* [[pdf]](http://www.jmlr.org/proceedings/papers/v37/j15.pdf)",
         "affiliations", ("Sutskever: Google",), Quirk.AFFILIATION_NO_PARENS),
        ("- Distributed representations of sentences and documents (2014), Q. Le and T. Mikolov "
         "*(Le, Mikolov: Google)* [[pdf]](http://arxiv.org/pdf/1405.4053) *(Google)* :sparkles:",
         "affiliations", ("Le, Mikolov: Google", "Google"), Quirk.AFFILIATION_AFTER_LINK),
        ("- Devise: A deep visual-semantic embedding model (2013), A. Frome et al., "
         "*(Mikolov: Google)* [[pdf]](http://papers.nips.cc/paper/5204-devise.pdf)",
         "authors", "A. Frome et al.", Quirk.COMMA_BEFORE_LINK),
        ("- Inside-outside net: Detecting objects in context (2016), S. Bell et al. "
         "[[pdf]](http://www.cv-foundation.org/Bell.pdf).", "title",
         "Inside-outside net: Detecting objects in context", Quirk.TRAILING_CHARS),
        ("- Playing atari with deep reinforcement learning (2013), V. Mnih et al. "
         "[[pdf]](http://arxiv.org/pdf/1312.5602.pdf))", "arxiv_id", "1312.5602",
         Quirk.TRAILING_CHARS),
        ("- Random search for hyper-parameter optimization (2012) J. Bergstra and Y. Bengio "
         "[[pdf]](http://www.jmlr.org/papers/volume13/bergstra12a/bergstra12a)", "authors",
         "J. Bergstra and Y. Bengio", Quirk.NO_COMMA_AFTER_YEAR),
        ("- Learning a Deep Convolutional Network for Image Super-Resolution (2014, C. Dong "
         "et al. [[pdf]](https://www.researchgate.net/x.pdf)", "year", 2014, Quirk.UNCLOSED_YEAR),
        ("- Beyond short snippents: Deep networks for video classification (2015) "
         "*(Vinyals: Google)* [[pdf]](http://www.cv-foundation.org/Ng.pdf)  :sparkles:",
         "authors", "", Quirk.MISSING_AUTHOR),
        ("- Theano: A Python framework for fast computation of mathematical expressions, "
         "R. Al-Rfou et al. *(Bengio)*", "authors", "R. Al-Rfou et al.", Quirk.NO_LINK),
        ("- Mastering the game of Go with deep neural networks and tree search (2016), D. Silver "
         "et al. *(DeepMind)* [[pdf]](Mastering the game of Go with deep neural networks and "
         "tree search) :sparkles:", "year", 2016, Quirk.LINK_NOT_URL),
        ("-  SQuAD: 100,000+ Questions for Machine Comprehension of Text (2016), Rajpurkar "
         "et al. [[pdf]](https://arxiv.org/pdf/1606.05250.pdf)", "title",
         "SQuAD: 100,000+ Questions for Machine Comprehension of Text", Quirk.DOUBLE_SPACE),
        ("- A Fast and Accurate Dependency Parser using Neural Networks. Chen and Manning.[[pdf]]"
         "(http://cs.stanford.edu/people/danqi/papers/emnlp2014.pdf)", "year", None,
         Quirk.NO_SPACE_BEFORE_LINK),
        ("- Colorful image colorization (2016), R. Zhang et al. [[pdf]](https://arxiv.org/pdf/"
         "1603.08511) ", "arxiv_id", "1603.08511", Quirk.TRAILING_WHITESPACE),
        ("- Learning deep architectures for AI (2009), Y. Bengio. [[pdf]](http://sanghv.com/"
         "learning%20deep%20architectures%20for%20AI%20(2009).pdf)", "links",
         None, None),
    ],
)
def test_real_variants(line: str, field: str, value: object, quirk: Quirk | None) -> None:
    e = _one(line)
    if value is not None or field != "links":
        assert getattr(e, field) == value
    if quirk is not None:
        assert quirk in e.quirks, e.quirks
    assert e.raw == line


def test_url_with_parentheses_is_one_link() -> None:
    e = _one("- Learning deep architectures for AI (2009), Y. Bengio. [[pdf]](http://x.org/"
             "for%20AI%20(2009).pdf)")
    assert [lk.target for lk in e.links] == ["http://x.org/for%20AI%20(2009).pdf"]
    assert Quirk.TRAILING_CHARS not in e.quirks


def test_link_broken_across_two_lines() -> None:
    al = parse("### Natural Language Processing\n"
               "- **Neural Architectures for Named Entity Recognition** (2016), G. Lample et al. "
               "[[pdf]]\n (http://aclweb.org/anthology/N/N16/N16-1030.pdf)\n"
               "- Next (2015), A. B [[pdf]](http://x.org/a.pdf)\n")
    e = al.entries[0]
    assert (e.start_line, e.end_line) == (2, 3)
    assert e.links[0].target == "http://aclweb.org/anthology/N/N16/N16-1030.pdf"
    assert e.acl_id == "N16-1030"
    assert e.bold and e.title == "Neural Architectures for Named Entity Recognition"
    assert Quirk.LINK_BROKEN_ACROSS_LINES in e.quirks
    assert Quirk.SPACE_BEFORE_URL not in e.quirks
    assert al.entries[1].start_line == 4


@pytest.mark.parametrize(
    ("line", "year_text", "year"),
    [
        ("- Automatic speech recognition - A deep learning approach (Book, 2015), D. Yu and "
         "L. Deng. [[html]](http://www.springer.com/us/book/9781447157786)", "Book, 2015", 2015),
        ("- Neural Network and Deep Learning (Book, Jan 2017), Michael Nielsen. "
         "[[html]](http://neuralnetworksanddeeplearning.com/index.html)", "Book, Jan 2017", 2017),
    ],
)
def test_qualified_years(line: str, year_text: str, year: int) -> None:
    e = _one(line, "### Book / Survey / Review")
    assert (e.year_text, e.year) == (year_text, year)


def test_adjacent_links_and_labels() -> None:
    e = _one("- Adversarially learned inference (2016), V. Dumoulin et al. "
             "[[web]](https://ishmaelbelghazi.github.io/ALI/)[[pdf]](https://arxiv.org/pdf/"
             "1606.00704v1)")
    assert [lk.label for lk in e.links] == ["web", "pdf"]
    assert e.arxiv_id == "1606.00704"
    assert e.pdf_url == "https://arxiv.org/pdf/1606.00704v1"


def test_identifiers_from_links() -> None:
    assert _one("- A (2015), B [[pdf]](https://arxiv.org/abs/1702.03275v3)").arxiv_id == \
        "1702.03275"
    assert _one("- A (2015), B [[pdf]](https://arxiv.org/pdf/1501.00092v3.pdf)").arxiv_id == \
        "1501.00092"
    e = _one("- Long short-term memory (1997), S. Hochreiter [[pdf]](http://www.mitpressjournals"
             ".org/doi/pdfplus/10.1162/neco.1997.9.8.1735)")
    assert e.doi == "10.1162/neco.1997.9.8.1735"
    assert _one("- G (2014), J. P [[pdf]](http://anthology.aclweb.org/D/D14/D14-1162.pdf)"
                ).acl_id == "D14-1162"
    plain = _one("- A (2015), B [[pdf]](http://papers.nips.cc/paper/5423-gan.pdf)")
    assert (plain.arxiv_id, plain.doi, plain.acl_id) == (None, None, None)


def test_blank_lines_and_html_comments_inside_sections(final_readme: str) -> None:
    al = parse(final_readme)
    for e in al.entries:
        assert "<!--" not in e.raw
    text = ("### Reinforcement Learning\n- A (2015), B [[pdf]](http://a.org/a.pdf)\n\n"
            "<!-- hidden\n- Not an entry (2015), C [[pdf]](http://c.org)\n-->\n"
            "- D (2014), E [[pdf]](http://d.org/d.pdf)\n")
    assert [e.title for e in parse(text).entries] == ["A", "D"]


def test_researchers(old_readme: str) -> None:
    rs = parse(old_readme).researchers
    assert len(rs) == 31
    first = rs[0]
    assert (first.name, first.affiliation, first.sparkles) == ("Chirstian Szegedy", "Google", True)
    assert first.profile and first.profile.startswith("https://scholar.google.ca/")
    mikolov = next(r for r in rs if r.name == "Tomas Mikolov")
    assert (mikolov.affiliation, mikolov.sparkles) == ("Facebook", False)


def test_criteria_defaults_without_block() -> None:
    # Issue 10: a list that declares no top N holds entries, but no top-100 section.
    al = parse("# My list\n\n### Vision\n- A (2015), B [[pdf]](http://a.org/a.pdf)\n")
    assert al.criteria == DEFAULT_CRITERIA
    assert al.sections[1].kind is SectionKind.PAPERS
    assert al.top100 == () and len(al.entries) == 1


def test_fallback_kinds_without_toc_marker() -> None:
    text = ("## Contents\n* [Vision](#vision)\n* [New Papers](#new-papers)\n"
            "### Vision\n- A (2015), B [[pdf]](http://a.org/a.pdf)\n"
            "### New Papers\n- C (2017), D [[pdf]](http://c.org/c.pdf)\n")
    kinds = [s.kind for s in parse(text).sections]
    # Issue 10: without the `(More than Top 100)` marker or a criteria block nothing is top 100.
    assert kinds == [SectionKind.OTHER, SectionKind.PAPERS, SectionKind.PAPERS]


def test_stray_entry_outside_paper_sections() -> None:
    al = parse("## Background\nText.\n- A paper (2015), B [[pdf]](http://a.org/a.pdf)\n")
    assert al.entries == ()
    assert [e.title for e in al.strays] == ["A paper"]


def test_slugify_matches_github_anchors() -> None:
    assert slugify("Image: Segmentation / Object Detection") == (
        "image-segmentation--object-detection")
    assert slugify("Visual QnA / Captioning / Video / Etc") == "visual-qna--captioning--video--etc"


def test_canonical_rendering() -> None:
    e = _one("- Devise: A deep visual-semantic embedding model (2013), A. Frome et al., "
             "*(Mikolov: Google)* [[pdf]](http://papers.nips.cc/paper/5204.pdf)")
    assert canonical_line(e, bold=False) == (
        "- Devise: A deep visual-semantic embedding model (2013), A. Frome et al. "
        "*(Mikolov: Google)* [[pdf]](http://papers.nips.cc/paper/5204.pdf)")
    assert canonical_line(e, bold=True).startswith("- **Devise: A deep")
    sq = _one("-  SQuAD (2016), Rajpurkar et al. [[pdf]] (https://arxiv.org/pdf/1606.05250.pdf) ")
    assert canonical_line(sq, bold=False) == (
        "- SQuAD (2016), Rajpurkar et al. [[pdf]](https://arxiv.org/pdf/1606.05250.pdf)")
    assert canonical_line(_one("- No year, A. B [[pdf]](http://a.org)"), bold=False) is None


def test_canonical_line_reparses_to_same_fields(old_readme: str) -> None:
    al = parse(old_readme)
    for e in al.entries:
        line = canonical_line(e, bold=e.bold)
        if line is None:
            continue
        again = _one(line)
        assert (again.title, again.year, again.links, again.sparkles) == (
            e.title, e.year, e.links, e.sparkles), line


def test_house_style(final_readme: str, old_readme: str) -> None:
    final = parse(final_readme)
    top = final.sections_of_kind(SectionKind.TOP100)[0].index
    assert house_style(final.bold_count(top), len(final.in_section(top))) is True
    old = parse(old_readme)
    first = old.sections_of_kind(SectionKind.TOP100)[0].index
    assert house_style(old.bold_count(first), len(old.in_section(first))) is False
    assert house_style(1, 2) is None and house_style(1, 1) is None


# Bad input: a clear error or an empty model, never a traceback.

def test_empty_file_is_an_empty_model() -> None:
    al = parse("")
    assert (al.sections, al.entries, al.criteria) == ((), (), DEFAULT_CRITERIA)


def test_not_markdown_is_an_empty_model() -> None:
    al = parse("{\"json\": true, \"list\": [1, 2, 3]}\n\x01\x02 random \t bytes")
    assert al.entries == () and al.sections == ()


def test_five_megabyte_file_is_refused_clearly() -> None:
    big = "- A (2015), B [[pdf]](http://a.org)\n" * (5 * 1024 * 1024 // 36 + 1)
    with pytest.raises(ReadmeError, match=r"larger than 2 MB"):
        parse(big)
    with pytest.raises(ReadmeError, match=r"5\.0 MB"):
        decode_readme(big.encode())
    assert len(big.encode()) > MAX_README_BYTES


def test_invalid_utf8_is_refused_clearly() -> None:
    with pytest.raises(ReadmeError, match=r"not valid UTF-8 \(byte 3"):
        decode_readme(b"abc\xff\xfe def")


def test_binary_file_is_refused_clearly() -> None:
    with pytest.raises(ReadmeError, match="binary"):
        decode_readme(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert parse("abc\x00def").entries == ()


def test_windows_line_endings_keep_line_numbers(old_readme: str) -> None:
    a = parse(old_readme)
    b = parse(old_readme.replace("\n", "\r\n"))
    assert [(e.start_line, e.title) for e in a.entries] == [(e.start_line, e.title)
                                                           for e in b.entries]


def test_deep_nesting_does_not_crash() -> None:
    line = "- A (2015), B [[pdf]](http://a.org/a.pdf)\n"
    text = "### Vision\n" + "".join("  " * i + line for i in range(300)) + ">" * 2000 + "\n"
    al = parse(text)
    # Issue 10: a sub-item with its own title and link is an entry itself; nesting is bounded
    # before mistletoe sees it, so deep items are read too (as code or items), never lost.
    assert al.entries[0].raw == line.rstrip("\n")
    assert al.entries[0].title == "A"
    read_lines = {n for e in al.entries for n in e.lines} | {u.line for u in al.unrecognized}
    assert read_lines >= set(range(2, 302))


def test_parsing_in_threads_at_once(old_readme: str, final_readme: str) -> None:
    import sys
    from concurrent.futures import ThreadPoolExecutor

    texts = [old_readme, final_readme] * 20
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(8) as pool:
            counts = list(pool.map(lambda t: len(parse(t).top100), texts))
    finally:
        sys.setswitchinterval(interval)
    assert counts == [150, 100] * 20
