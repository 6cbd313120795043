"""A linear-time reader of the inline markdown an entry's fields come from: links and emphasis.

CommonMark leaves `[[pdf]] (url)` and `[[pdf]]()` as text, yet contributors wrote them, so links
are found by matching brackets in one pass (a stack, no regex), tolerant of those variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.awesome.model import LinkForm

_TRAIL = ".,;:!?)]*_"


@dataclass(frozen=True, slots=True)
class Found:
    """One link found in text: its label, target, form, span, and whether it is an image."""

    label: str
    target: str | None
    form: LinkForm
    start: int
    end: int
    image: bool = False
    spaced: bool = False


_BRACKETS = {"[": re.compile(r"[\[\]]"), "(": re.compile(r"[()]")}  # one character class


def matches(text: str, open_ch: str, close_ch: str) -> dict[int, int]:
    """Position of each opening bracket -> its matching closing bracket, in one pass."""
    out: dict[int, int] = {}
    stack: list[int] = []
    if open_ch not in text:
        return out
    for m in _BRACKETS[open_ch].finditer(text):
        i = m.start()
        if _escaped(text, i):
            continue
        if text[i] == open_ch:
            stack.append(i)
        elif stack:
            out[stack.pop()] = i
    return out


def _escaped(text: str, i: int) -> bool:
    """True when the character at `i` follows an odd run of backslashes (`\\[` is text)."""
    j = i
    while j > 0 and text[j - 1] == "\\":
        j -= 1
    return (i - j) % 2 == 1


def _target(text: str, i: int, parens: dict[int, int]) -> tuple[str | None, int, bool]:
    """The `(target)` at or after `i` (spaces allowed): target, end, whether spaced."""
    j = i
    while j < len(text) and j - i < 4 and text[j] in " \t":
        j += 1
    if j >= len(text) or text[j] != "(":
        return None, i, False
    close = parens.get(j)
    if close is None:
        stop = text.find(" ", j, j + 2048)
        stop = min(len(text), j + 2048) if stop < 0 else stop
        return text[j + 1:stop].strip(), stop, j > i
    return text[j + 1:close].strip(), close + 1, j > i


def find_links(text: str) -> tuple[Found, ...]:
    """Every link of `text` in order: `[[l]](u)`, `[[l](u)]`, `[l](u)`, images, `<a href>`, URLs.

    Short texts are cached: the reader asks about the same text more than once.
    """
    return _cached(text) if len(text) < 2048 else _cached_long(text)


@lru_cache(maxsize=4096)
def _cached(text: str) -> tuple[Found, ...]:
    """`_find`, remembered."""
    return _find(text)


@lru_cache(maxsize=4)
def _cached_long(text: str) -> tuple[Found, ...]:
    """`_find` for the few long texts being read now (at most four kept)."""
    return _find(text)


def _find(text: str) -> tuple[Found, ...]:
    """See `find_links`."""
    if "[" not in text and "http" not in text:
        return ()
    squares = matches(text, "[", "]")
    parens = matches(text, "(", ")")
    out: list[Found] = []
    covered = 0
    i = text.find("[")
    while i >= 0:
        found = _at(text, i, squares, parens) if i >= covered else None
        if found is not None:
            out.append(found)
            covered = found.end
            i = text.find("[", found.end)
        else:
            i = text.find("[", i + 1)
    if "http" in text:
        out.extend(_bare(text, out))
        out.sort(key=lambda f: f.start)
    return tuple(out)


def _at(text: str, i: int, squares: dict[int, int],
        parens: dict[int, int]) -> Found | None:
    """The link that starts with the `[` at `i`, if one does."""
    close = squares.get(i)
    if close is None:
        return None
    image = i > 0 and text[i - 1] == "!"
    start = i - 1 if image else i
    inner_close = squares.get(i + 1)
    if inner_close is not None and inner_close + 1 == close:        # [[label]]...
        label = text[i + 2:inner_close]
        target, end, spaced = _target(text, close + 1, parens)
        if target is None:
            return Found(label.strip(), None, LinkForm.DOUBLE, start, close + 1)
        return Found(label.strip(), target, LinkForm.DOUBLE, start, end, spaced=spaced)
    if inner_close is not None and text.startswith("(", inner_close + 1):   # [[label](url)]
        p = parens.get(inner_close + 1)
        if p is not None and p + 1 == close:
            label = text[i + 2:inner_close]
            target = text[inner_close + 2:p].strip()
            if i + 1 < len(text) and text[i + 1] == "[":
                return Found(label.strip(), target, LinkForm.INNER, start, close + 1)
    if text.startswith("(", close + 1):                               # [label](url)
        p = parens.get(close + 1)
        if p is not None:
            label = text[i + 1:close].strip()
            target = text[close + 2:p].strip()
            if label.startswith("![") or image:
                image = True
            return Found(label, target, LinkForm.PLAIN, start, p + 1, image=image)
    return None


_URL = re.compile(r"https?://[^\s<>\"']+")  # one greedy class: linear, no backtracking


def _bare(text: str, links: list[Found]) -> list[Found]:
    """URLs written out (`https://...`, `<https://...>`, `<a href="...">`) outside other links."""
    out: list[Found] = []
    spans = [(f.start, f.end) for f in links]
    k = 0
    for m in _URL.finditer(text):
        i = m.start()
        while k < len(spans) and spans[k][1] <= i:
            k += 1
        if k < len(spans) and spans[k][0] <= i < spans[k][1]:
            continue
        url = m.group(0).rstrip(_TRAIL)
        if len(url) <= 10:
            continue
        before = text[max(0, i - 7):i].lower()
        label = _anchor_text(text, m.end()) if before.endswith(("href=", 'href="')) else ""
        out.append(Found(label, url, LinkForm.BARE, i, i + len(url), image="src=" in before))
    return out


def _anchor_text(text: str, pos: int) -> str:
    """The text of an `<a ...>text</a>` whose href ends at `pos`."""
    gt = text.find(">", pos, pos + 400)
    if gt < 0:
        return ""
    end = text.find("</a>", gt, gt + 1000)
    return text[gt + 1:end].strip() if end > 0 else ""


def emphasis(text: str, mark: str) -> list[tuple[int, int]]:
    """Spans (start, end) of `mark`-delimited runs (`**` or `*`), paired left to right."""
    out: list[tuple[int, int]] = []
    n = len(mark)
    i = text.find(mark)
    while i >= 0:
        if n == 1 and (text.startswith("**", i) or (i > 0 and text[i - 1] in "*\\")):
            i = text.find(mark, i + 2 if text.startswith("**", i) else i + 1)
            continue
        j = text.find(mark, i + n)
        while n == 1 and j >= 0 and (text.startswith("**", j) or text[j - 1] == "\\"):
            j = text.find(mark, j + (2 if text.startswith("**", j) else 1))
        if j < 0:
            break
        if j > i + n:
            out.append((i, j + n))
        i = text.find(mark, j + n)
    return out
