"""The contributing guide's entry format: `- Title (Year), A. Author et al. [[pdf]](url)`."""

from __future__ import annotations

import re

from bot.awesome.model import Entry


def _authors(text: str) -> str:
    """Authors without a stray trailing full stop or comma (`et al.` keeps its stop)."""
    a = text.strip().rstrip(",").strip()
    if a.endswith(".") and not a.endswith("al.") and not re.search(r"\b[A-Z]\.$", a):
        a = a[:-1].rstrip()
    return a


def pdf_link(url: str) -> str:
    """The direct-PDF form of an arXiv abstract link; other URLs unchanged."""
    return re.sub(r"^(https?://(?:www\.)?arxiv\.org/)abs/", r"\1pdf/", url, flags=re.I)


def house_style(bold: int, total: int) -> bool | None:
    """Whether a section's titles are bold, from how many of `total` are: None when fewer than
    two or tied."""
    if total < 2 or bold * 2 == total:
        return None
    return bold * 2 > total


def canonical_line(entry: Entry, *, bold: bool) -> str | None:
    """The entry written in the guide's format, or None when it lacks a title or a year."""
    if not entry.title or entry.year is None:
        return None
    title = f"**{entry.title}**" if bold else entry.title
    parts = [f"- {title} ({entry.year_text or entry.year})"]
    authors = _authors(entry.authors)
    if authors:
        parts[0] += f", {authors}"
    parts.extend(f"*({a})*" for a in entry.affiliations)
    for link in entry.links:
        tag = f"[[{link.label}]]"
        parts.append(tag if link.target is None else f"{tag}({pdf_link(link.target)})")
    if entry.sparkles:
        parts.append(":sparkles:")
    return " ".join(parts)
