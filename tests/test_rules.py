"""Each rule: the case it catches, and a near miss it must leave alone."""

from __future__ import annotations

from bot.awesome.facts import Facts, LinkCheck, LinkStatus
from bot.awesome.findings import Severity
from bot.awesome.report import Conclusion
from bot.awesome.review import review
from tests.conftest import UPSTREAM, read
from tests.listkit import (
    ADAM,
    BASE,
    BATCHNORM,
    GAN,
    GLOVE,
    LSTM,
    RESNET,
    SEQ2SEQ,
    WGAN,
    facts,
    line_of,
    make_list,
)

SMALL = "top_size: 4\n"
BN_OK = facts(arxiv_1502_03167=5000)


def rules_of(head: str, base: str = BASE, **kw) -> dict[str, list]:
    """Findings of a review grouped by rule id."""
    out: dict[str, list] = {}
    for f in review(base, head, **kw).findings:
        out.setdefault(f.rule, []).append(f)
    return out


# top100/over-limit

def test_over_limit_when_growing_past_the_limit() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM])
    found = rules_of(head, config_text=SMALL, facts=BN_OK)
    [f] = found["top100/over-limit"]
    assert f.severity is Severity.ERROR
    assert f.line == line_of(head, "Batch normalization")
    assert "5 entries (limit 4; 4 before)" in f.message
    assert "Generative adversarial nets" in f.message  # the oldest of the section, 2014


def test_swap_passes_over_limit() -> None:
    head = make_list(vision=[RESNET, BATCHNORM], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM], appendix=[GAN])
    found = rules_of(head, config_text=SMALL, facts=BN_OK)
    assert "top100/over-limit" not in found


def test_already_over_limit_may_not_grow() -> None:
    base = make_list(vision=[RESNET, GAN, GLOVE], language=[ADAM, SEQ2SEQ])
    same = make_list(vision=[RESNET, GAN, GLOVE], language=[SEQ2SEQ, ADAM])
    grow = make_list(vision=[RESNET, GAN, GLOVE, BATCHNORM], language=[ADAM, SEQ2SEQ])
    assert "top100/over-limit" not in rules_of(same, base, config_text=SMALL)
    [f] = rules_of(grow, base, config_text=SMALL, facts=BN_OK)["top100/over-limit"]
    assert "already over the limit with 5" in f.message


def test_over_limit_candidates_by_citations_relative_to_threshold() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM], language=[ADAM, SEQ2SEQ])
    counts = facts(arxiv_1502_03167=5000, arxiv_1512_03385=31,
                   title_generative_adversarial_nets=90000)
    [f] = rules_of(head, config_text=SMALL, facts=counts)["top100/over-limit"]
    hint = f.message.split("same PR:")[1]
    assert hint.index("Deep residual learning") < hint.index("Generative adversarial")
    assert "31 citations" in hint


# year/outside-window

def test_year_outside_window_points_to_the_right_section() -> None:
    head = make_list(vision=[RESNET, GAN, WGAN.replace("1701.07875v1", "1701.99999")],
                     language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM])
    [f] = rules_of(head)["year/outside-window"]
    assert '"New papers"' in f.message and "2017" in f.message
    old = make_list(vision=[RESNET, GAN, LSTM.replace("(1997)", "(2010)")],
                    language=[ADAM, SEQ2SEQ], new=[WGAN], old=[])
    [g] = rules_of(old)["year/outside-window"]
    assert '"Old Papers"' in g.message


def test_year_inside_window_is_fine() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM])
    assert "year/outside-window" not in rules_of(head, facts=BN_OK)


# discussion/*

def test_new_and_old_papers_need_discussion() -> None:
    new = "- Mask R-CNN (2017), K. He et al. [[pdf]](https://arxiv.org/pdf/1703.06870)"
    old = "- Deep belief nets (2006), G. Hinton et al. [[pdf]](http://x.org/dbn.pdf)"
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN, new],
                     old=[LSTM, old])
    found = rules_of(head)
    assert [f.severity for f in found["discussion/new-paper"]] == [Severity.NOTICE]
    assert [f.severity for f in found["discussion/old-paper"]] == [Severity.NOTICE]
    assert review(BASE, head).conclusion is Conclusion.SUCCESS


def test_editing_a_new_paper_needs_no_discussion() -> None:
    head = BASE.replace("M. Arjovsky et al.", "M. Arjovsky et al. *(Facebook)*")
    assert "discussion/new-paper" not in rules_of(head)


# citations/*

def test_below_threshold_with_counts() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM])
    [f] = rules_of(head, facts=facts(arxiv_1502_03167=50))["citations/below-threshold"]
    assert "50 citations" in f.message and "100+" in f.message
    assert "citations/below-threshold" not in rules_of(head,
                                                       facts=facts(arxiv_1502_03167=100))


def test_below_threshold_only_in_top100_sections() -> None:
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM],
                     appendix=[BATCHNORM])
    assert "citations/below-threshold" not in rules_of(head, facts=facts(arxiv_1502_03167=5))


def test_sparkles_unearned() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM + " :sparkles:"], language=[ADAM, SEQ2SEQ])
    [f] = rules_of(head, facts=facts(arxiv_1502_03167=150))["citations/sparkles-unearned"]
    assert f.severity is Severity.WARNING and "200" in f.message
    assert "citations/sparkles-unearned" not in rules_of(head,
                                                         facts=facts(arxiv_1502_03167=250))


def test_unverified_is_a_warning_never_an_error() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM])
    down = Facts(unavailable=("Semantic Scholar: connection refused",))
    r = review(BASE, head, facts=down)
    [f] = [f for f in r.findings if f.rule == "citations/unverified"]
    assert f.severity is Severity.WARNING and "connection refused" in f.message
    assert r.conclusion is Conclusion.NEUTRAL
    assert "citations/unverified" not in rules_of(head, facts=BN_OK)


def test_threshold_alternative_section_needs_no_count() -> None:
    toc = "## Contents\n* [More Papers from 2016](#more-papers-from-2016)\n*(More than Top 100)*\n"
    crit = ("## Awesome list criteria\n- **2016** :  +60 citations or \"More Papers from 2016\"\n"
            "- **2015** :  +200 citations\n")
    base = f"{crit}{toc}### More Papers from 2016\n{RESNET}\n"
    head = base + "- Layer Normalization (2016), J. Ba et al. [[pdf]](https://arxiv.org/pdf/1607.06450v1.pdf)\n"
    found = rules_of(head, base)
    assert "citations/unverified" not in found and "citations/below-threshold" not in found


# duplicate/entry

def test_duplicate_by_arxiv_id_names_the_line() -> None:
    dup = "- **Wasserstein GAN** (2017), M. Arjovsky et al. [[pdf]](https://arxiv.org/abs/1701.07875)"
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM], appendix=[dup])
    [f] = rules_of(head)["duplicate/entry"]
    assert f"line {line_of(head, '- Wasserstein GAN')}" in f.message


def test_duplicate_by_title() -> None:
    dup = "- Generative Adversarial Nets (2014), I. Goodfellow et al. [[pdf]](http://a.org/g.pdf)"
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM],
                     appendix=[dup])
    assert "duplicate/entry" in rules_of(head)


def test_different_paper_is_no_duplicate() -> None:
    other = "- Generative adversarial text to image synthesis (2016), S. Reed et al. " \
            "[[pdf]](https://arxiv.org/pdf/1605.05396)"
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM],
                     appendix=[other])
    assert "duplicate/entry" not in rules_of(head)


def test_existing_duplicates_on_base_are_not_reported() -> None:
    base = make_list(vision=[RESNET, GAN, GAN], language=[ADAM, SEQ2SEQ])
    head = make_list(vision=[RESNET, GAN, GAN], language=[ADAM, SEQ2SEQ, GLOVE])
    assert "duplicate/entry" not in rules_of(head, base, facts=facts(acl_D14_1162=9000))


# section/*

GUIDE = read(UPSTREAM / "Contributing.md")  # "you are *not* allowed to add ... the sections"


def test_new_section_is_a_notice_unless_the_guide_forbids_it_and_rename_a_warning() -> None:
    head = BASE.replace("### More than Top 100", "### Robotics\n" + BATCHNORM +
                        "\n\n### More than Top 100")
    [f] = rules_of(head, guide_text=GUIDE)["section/new-section"]
    assert f.severity is Severity.ERROR and '"Robotics"' in f.message
    [g] = rules_of(head)["section/new-section"]
    assert g.severity is Severity.NOTICE and "does not allow" not in g.message
    strict = "rules:\n  section/new-section: error\n"
    [h] = rules_of(head, config_text=strict)["section/new-section"]
    assert h.severity is Severity.ERROR
    renamed = BASE.replace("### Language", "### Language Processing")
    found = rules_of(renamed)
    assert "section/new-section" not in found
    [g] = found["section/renamed"]
    assert '"Language" to "Language Processing"' in g.message


def test_entry_outside_paper_sections() -> None:
    head = BASE.replace("CC0", "CC0\n\n" + BATCHNORM)
    [f] = rules_of(head)["section/unknown"]
    assert '"License"' in f.message
    assert "section/unknown" not in rules_of(BASE.replace("CC0", "CC0 and more prose"))


# format/* and link/*

def test_double_space_with_suggestion() -> None:
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM],
                     appendix=["-  " + BATCHNORM[2:]])
    [f] = rules_of(head)["format/double-space"]
    assert f.suggestion == BATCHNORM
    assert "format/double-space" not in rules_of(
        make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM],
                  appendix=[BATCHNORM]))


def test_format_findings_carry_mechanical_fixes_only() -> None:
    cases = {
        "format/space-before-url": (BATCHNORM.replace("]](", "]] ("), True),
        "format/empty-link": (BATCHNORM.split("[[pdf]]")[0] + "[[pdf]]()", False),
        "format/trailing-characters": (BATCHNORM + ").", True),
        "format/comma-after-year": (BATCHNORM.replace("(2015),", "(2015)"), True),
        "format/link-spacing": (BATCHNORM.replace(" [[pdf]]", ", [[pdf]]"), True),
        "format/missing-year": (BATCHNORM.replace(" (2015)", ""), False),
        "format/missing-author": (BATCHNORM.replace(", S. Ioffe and C. Szegedy", ""), False),
        "format/link-not-url": (BATCHNORM.replace("http://arxiv.org/pdf/1502.03167",
                                                  "Batch normalization paper"), False),
        "format/affiliation": (BATCHNORM.replace(" [[pdf]]", " *Szegedy: Google* [[pdf]]"), True),
        "format/author-list": (BATCHNORM.replace("S. Ioffe and C. Szegedy",
                                                 "S. Ioffe, C. Szegedy and A. Third"), True),
        "link/prefer-pdf": (BATCHNORM.replace("arxiv.org/pdf/", "arxiv.org/abs/"), True),
    }
    for rule, (line, mechanical) in cases.items():
        head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN],
                         old=[LSTM], appendix=[line])
        found = rules_of(head)
        assert rule in found, (rule, sorted(found))
        f = found[rule][0]
        assert (f.suggestion is not None) is mechanical, rule
        if mechanical:
            assert f.suggestion.startswith("- Batch normalization"), f.suggestion
            assert "[[pdf]](http://arxiv.org/pdf/1502.03167)" in f.suggestion or \
                rule == "format/link-not-url"


def test_author_list_suggestion_keeps_first_author() -> None:
    line = BATCHNORM.replace("S. Ioffe and C. Szegedy", "S. Ioffe, C. Szegedy and A. Third")
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], appendix=[line])
    [f] = rules_of(head)["format/author-list"]
    assert "(2015), S. Ioffe et al. [[pdf]]" in f.suggestion
    two = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], appendix=[BATCHNORM])
    assert "format/author-list" not in rules_of(two)


def test_house_style_bold() -> None:
    bold = "- **Batch normalization** (2015), S. Ioffe et al. [[pdf]](http://arxiv.org/pdf/1502.03167)"
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ],
                     appendix=[GLOVE, SEQ2SEQ.replace("(2014)", "(2013)"), bold])
    [f] = rules_of(head)["format/house-style"]
    assert f.suggestion.startswith("- Batch normalization (2015)")
    plain = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ],
                      appendix=[GLOVE, bold.replace("**", "")])
    assert "format/house-style" not in rules_of(plain)


def test_format_problem_already_on_base_is_not_reported() -> None:
    messy = BATCHNORM.replace("]](", "]] (")
    base = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], appendix=[messy])
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ],
                     appendix=[messy + " :sparkles:"])
    found = rules_of(head, base)
    assert "format/space-before-url" not in found


def test_dead_and_unreachable_links() -> None:
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], appendix=[BATCHNORM])
    url = "http://arxiv.org/pdf/1502.03167"
    dead = Facts(links={url: LinkCheck(url, LinkStatus.DEAD, 404)})
    [f] = rules_of(head, facts=dead)["link/dead"]
    assert f.severity is Severity.ERROR and "404" in f.message
    slow = Facts(links={url: LinkCheck(url, LinkStatus.UNREACHABLE, None, "timed out")})
    [g] = rules_of(head, facts=slow)["link/unreachable"]
    assert g.severity is Severity.WARNING
    ok = Facts(links={url: LinkCheck(url, LinkStatus.OK, 200)})
    assert not {"link/dead", "link/unreachable"} & set(rules_of(head, facts=ok))


# configuration

def test_config_switches_rules_off_and_changes_severity() -> None:
    head = make_list(vision=[RESNET, GAN], language=[ADAM, SEQ2SEQ], new=[WGAN], old=[LSTM],
                     appendix=["-  " + BATCHNORM[2:]])
    off = "rules:\n  format/double-space: off\n"
    assert "format/double-space" not in rules_of(head, config_text=off)
    found = rules_of(head, config_text="rules:\n  format/*: error\n")
    assert found["format/double-space"][0].severity is Severity.ERROR


def test_config_overrides_readme_thresholds_and_labels() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM])
    cfg = "thresholds:\n  2015: 6000\nlabels:\n  adds-paper: 'new paper'\n"
    r = review(BASE, head, facts=BN_OK, config_text=cfg)
    assert [f.rule for f in r.findings if f.severity is Severity.ERROR] == \
        ["citations/below-threshold"]
    assert "new paper" in r.labels and "adds-paper" not in r.labels


def test_bad_config_is_a_finding_not_a_crash() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM])
    for text, why in [("top_size: [1, 2\n", "not valid YAML"), ("- a\n- b\n", "mapping"),
                      ("top_size: many\nfoo: 1\n", "whole number"),
                      ("rules:\n  format/x: loud\n", "one of error")]:
        r = review(BASE, head, facts=BN_OK, config_text=text)
        messages = [f.message for f in r.findings if f.rule == "config/invalid"]
        assert any(why in m for m in messages), (text, messages)
        assert r.conclusion is Conclusion.NEUTRAL


def test_unverified_says_when_no_source_knows_the_paper() -> None:
    head = make_list(vision=[RESNET, GAN, BATCHNORM], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM])
    unknown = Facts(not_found=frozenset({"arxiv:1502.03167"}),
                    unavailable=("OpenAlex: rate limited",))
    [f] = rules_of(head, facts=unknown)["citations/unverified"]
    assert "neither Semantic Scholar nor OpenAlex knows it" in f.message
