"""An entry rewritten in its section's learned style, touching only what the enabled rules ask.

Sections that keep the contributing guide's one-line format get the guide's canonical line.
Every other shape is edited in place, line by line: a multi-line entry keeps its lines.
"""

from __future__ import annotations

import re
from dataclasses import replace
from enum import StrEnum

from bot.awesome.canonical import canonical_line
from bot.awesome.model import Entry, LinkForm, Quirk
from bot.awesome.profile import Style, author_count


class Aspect(StrEnum):
    """One thing a rewrite may change; each belongs to one rule."""

    BOLD = "format/house-style"
    LINK_FORM = "format/link-form"
    ET_AL = "format/author-list"
    JOIN_LINK = "format/link-broken-across-lines"


_DOUBLE = re.compile(r"\[\[([^\[\]\n]{1,300})\]\][ \t]{0,3}\(([^()\s]{0,2000})\)")
_WRAPPED = re.compile(r"\[\[([^\[\]\n]{1,300})\]\(([^()\s]{0,2000})\)\]")
_SINGLE = re.compile(r"(?<!\[)\[([^\[\]\n]{1,300})\]\(([^()\s]{0,2000})\)(?!\])")
RELINKABLE = frozenset({LinkForm.DOUBLE, LinkForm.INNER, LinkForm.PLAIN})
_FIRST_AUTHOR = re.compile(r",|\band\b|&")
_WRITE = {LinkForm.DOUBLE: "[[{0}]]({1})", LinkForm.INNER: "[[{0}]({1})]",
          LinkForm.PLAIN: "[{0}]({1})"}


def first_author(authors: str) -> str:
    """The first author, for `A. Author et al.`."""
    return _FIRST_AUTHOR.split(authors)[0].strip()


def _relink(line: str, form: LinkForm, title: str) -> str:
    """Every labelled link of a line written in `form` (a link whose text is the title stays)."""
    if form not in _WRITE:
        return line

    def sub(m: re.Match[str]) -> str:
        if m.group(1).strip() == title.strip():
            return m.group(0)
        return _WRITE[form].format(m.group(1), m.group(2))

    for pat in (_DOUBLE, _WRAPPED, _SINGLE):
        line = pat.sub(sub, line)
    return line


def _rebold(line: str, title: str, bold: bool) -> str:
    """The title made bold or plain, where the line holds it."""
    if not title:
        return line
    if bold and f"**{title}**" not in line and title in line:
        return line.replace(title, f"**{title}**", 1)
    if not bold and f"**{title}**" in line:
        return line.replace(f"**{title}**", title, 1)
    return line


def restyle(entry: Entry, style: Style, aspects: frozenset[Aspect]) -> str | None:
    """The entry in its section's style for the aspects given; None when nothing changes."""
    abbreviate = (Aspect.ET_AL in aspects and style.et_al is not False
                  and author_count(entry.authors) > 2 and "et al" not in entry.authors)
    if style.guide:
        bold = style.bold if Aspect.BOLD in aspects and style.bold is not None else entry.bold
        authors = f"{first_author(entry.authors)} et al." if abbreviate else None
        e = entry if authors is None else _with_authors(entry, authors)
        line = canonical_line(e, bold=bold)
        return line if line and line != entry.raw else None
    lines = entry.raw.split("\n")
    if Aspect.JOIN_LINK in aspects and Quirk.LINK_BROKEN_ACROSS_LINES in entry.quirks:
        lines = _join_broken_links(lines)
    out = []
    for ln in lines:
        if Aspect.BOLD in aspects and style.bold is not None and style.bold != entry.bold:
            ln = _rebold(ln, entry.title, style.bold)
        if Aspect.LINK_FORM in aspects and style.link_form is not None:
            ln = _relink(ln, style.link_form, entry.title)
        if abbreviate and entry.authors and entry.authors in ln:
            ln = ln.replace(entry.authors, f"{first_author(entry.authors)} et al.", 1)
        out.append(ln)
    text = "\n".join(out)
    return text if text != entry.raw else None


def _join_broken_links(lines: list[str]) -> list[str]:
    """A link split after its `]` onto the next line, put back together; other lines kept."""
    out: list[str] = []
    for ln in lines:
        if out and out[-1].rstrip().endswith("]") and ln.lstrip().startswith("("):
            out[-1] = out[-1].rstrip() + ln.strip()
        else:
            out.append(ln)
    return out


def _with_authors(entry: Entry, authors: str) -> Entry:
    """The entry with other authors."""
    return replace(entry, authors=authors)
