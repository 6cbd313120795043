"""Fold text that looks alike into one form, so a copied title cannot dodge duplicate detection.

Three steps: NFKC (full-width, ligatures, mathematical letters), invisible characters dropped
(format characters such as the soft hyphen, zero-width spaces and joiners, bidi controls, and the
other default-ignorable code points such as variation selectors), and Unicode's confusables
(Cyrillic `е`, Greek `ο`, ... as listed in confusables.txt, via the confusable-homoglyphs
package) mapped to the ASCII letter or digit they imitate. Pure ASCII text is returned as is.
"""

from __future__ import annotations

import unicodedata
from functools import cache

_IGNORABLE = frozenset((0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,
                        *range(0x180B, 0x1810), *range(0xFE00, 0xFE10),
                        *range(0xE0100, 0xE01F0)))
"""Default-ignorable code points that are not format (Cf) characters."""


def _rank(glyph: str) -> tuple[bool, bool, str]:
    """Prefer a lower-case letter, then a digit, then an upper-case letter."""
    return (not glyph.isalpha(), not glyph.islower(), glyph)


@cache
def _table() -> dict[int, str | None]:
    """Invisible character -> None; confusable character -> the ASCII letter or digit it
    imitates (built once: one pass over the code points, one over confusables.txt)."""
    from confusable_homoglyphs.confusables import confusables_data

    planes = (range(0x80, 0x20000), range(0xE0000, 0xE1000))  # where invisible ones live
    table: dict[int, str | None] = dict.fromkeys(
        (cp for plane in planes for cp in plane if is_invisible(chr(cp))), None)
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_like = [g["c"] for g in glyphs
                      if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()]
        if ascii_like:
            table[ord(char)] = min(ascii_like, key=_rank)
    return table


def is_invisible(char: str) -> bool:
    """True for a character that shows nothing (format characters, default ignorables)."""
    return unicodedata.category(char) == "Cf" or ord(char) in _IGNORABLE


def fold(text: str) -> str:
    """`text` with look-alikes folded to ASCII and invisible characters removed."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_table())
