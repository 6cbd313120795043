"""Recipe 7 of issue 12: a copied title with a soft hyphen, a zero-width character or a Cyrillic
letter is still a duplicate; look-alikes fold, ordinary text is untouched."""

from __future__ import annotations

import pytest

from bot.awesome.model import normalise_title
from bot.awesome.review import review
from bot.awesome.textnorm import fold, is_invisible
from tests.listkit import ADAM, BASE, GAN, LSTM, RESNET, SEQ2SEQ, WGAN, make_list

TITLE = "Deep residual learning for image recognition"
DISGUISES = {
    "soft hyphen": "Deep resid\u00adual learning for image recognition",
    "Cyrillic е": "D\u0435ep residual l\u0435arning for image recognition",
    "Cyrillic а, о, р": "Deep residual le\u0430rning f\u043er im\u0430ge rec\u043egniti\u043en",
    "Greek ο": "Deep residual learning f\u03bfr image rec\u03bfgnition",
    "zero-width space and joiner": "Deep\u200b resi\u200ddual learning for image recognition",
    "word joiner and BOM": "Deep re\u2060sidual learning for im\ufeffage recognition",
    "variation selector": "Deep residual\ufe0f learning for image recognition",
    "full-width letters": "Ｄｅｅｐ residual learning for image recognition",
    "bidi mark": "Deep residual \u200elearning for image recognition",
}


@pytest.mark.parametrize("kind", list(DISGUISES))
def test_a_disguised_copy_has_the_same_title_key(kind: str) -> None:
    assert normalise_title(DISGUISES[kind]) == normalise_title(TITLE), kind


@pytest.mark.parametrize("kind", list(DISGUISES))
def test_a_disguised_copy_is_reported_as_a_duplicate(kind: str) -> None:
    copy = f"- {DISGUISES[kind]} (2016), K. He et al. [[pdf]](https://example.org/resnet.pdf)"
    head = make_list(vision=[RESNET, GAN, copy], language=[ADAM, SEQ2SEQ], new=[WGAN],
                     old=[LSTM])
    r = review(BASE, head)
    assert "duplicate/entry" in {f.rule for f in r.findings}, kind


def test_ordinary_titles_are_untouched() -> None:
    for text in ("Schrödinger's cat", "ÆØÅ", "naïve Bayes — a “review”", "日本語", ""):
        assert fold(text) == text
    assert fold(TITLE) is TITLE  # ASCII: no work at all
    assert normalise_title("Schrödinger's cat") == "schrodinger s cat"
    assert normalise_title("Глубокое обучение") != normalise_title("Deep learning")


def test_invisible_means_shows_nothing() -> None:
    assert all(is_invisible(c) for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u202e")
    assert not any(is_invisible(c) for c in "a é-‐ \u00a0")


def test_the_precomputed_confusables_match_the_confusable_homoglyphs_package() -> None:
    from bot.awesome.confusables_ascii import PAIRS, derive

    assert derive() == PAIRS


def test_every_code_point_folds_as_the_package_and_unicode_categories_say() -> None:
    from bot.awesome.confusables_ascii import derive
    from bot.awesome.textnorm import _FOLDS

    pairs = derive()
    confusable = dict(zip(pairs[::2], pairs[1::2], strict=True))
    for cp in (*range(0x80, 0x20000), *range(0xE0000, 0xE1000)):
        char = chr(cp)
        want = confusable.get(char, None if is_invisible(char) else char)
        assert char.translate(_FOLDS) == (want or ""), hex(cp)
