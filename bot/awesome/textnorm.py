"""Fold text that looks alike into one form, so a copied title cannot dodge duplicate detection.

Three steps: NFKC (full-width, ligatures, mathematical letters), invisible characters dropped
(format characters such as the soft hyphen, zero-width spaces and joiners, bidi controls, and the
other default-ignorable code points such as variation selectors), and Unicode's confusables
(Cyrillic `е`, Greek `ο`, ... as listed in confusables.txt, via the confusable-homoglyphs
package, precomputed in confusables_ascii) mapped to the ASCII letter or digit they imitate.
Pure ASCII text is returned as is.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_IGNORABLE = frozenset((0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,
                        *range(0x180B, 0x1810), *range(0xFE00, 0xFE10),
                        *range(0xE0100, 0xE01F0)))
"""Default-ignorable code points that are not format (Cf) characters."""


class _Folds(dict[int, str | None]):
    """Code point -> its fold, worked out on first sight: confusable -> the ASCII letter or digit
    it imitates (precomputed from confusables.txt), invisible -> None, otherwise itself."""

    def __missing__(self, cp: int) -> str | None:
        char = chr(cp)
        fold_to = _confusables().get(char) or (None if is_invisible(char) else char)
        self[cp] = fold_to
        return fold_to


@cache
def _confusables() -> dict[str, str]:
    """Confusable character -> ASCII character, from the precomputed pairs."""
    from bot.awesome.confusables_ascii import PAIRS

    return dict(zip(PAIRS[::2], PAIRS[1::2], strict=True))


_FOLDS = _Folds()


def is_invisible(char: str) -> bool:
    """True for a character that shows nothing (format characters, default ignorables)."""
    return unicodedata.category(char) == "Cf" or ord(char) in _IGNORABLE


def fold(text: str) -> str:
    """`text` with look-alikes folded to ASCII and invisible characters removed."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_FOLDS)
