"""What the recognisers share: joining an entry's lines, and telling entry-like text."""

from __future__ import annotations

from bot.awesome.inline import find_links

BREAKS = ("<br>", "<br/>", "<br />", "<BR>")


def ends_with_break(line: str) -> bool:
    """True when a line ends with an explicit line break (`<br>` or a trailing backslash)."""
    s = line.rstrip()
    return s.endswith(BREAKS) or (s.endswith("\\") and not s.endswith("\\\\"))


def join(parts: list[str]) -> str:
    """Continuation lines joined as one text; a link split after `]]` is rejoined."""
    text = ""
    for p in parts:
        p = p.strip()
        if not p:
            continue
        if text.endswith("\\") and not text.endswith("\\\\"):
            text = text[:-1].rstrip()
        if text.endswith("]]") and p.startswith("("):
            text += p
        else:
            text = f"{text} {p}" if text else p
    return text


def line_break(lines: list[str]) -> str:
    """How a multi-line entry breaks its lines."""
    if len(lines) < 2:
        return ""
    firsts = [ln.rstrip() for ln in lines[:-1] if ln.strip()]
    if any(ln.endswith(BREAKS) for ln in firsts):
        return "<br>"
    if any(ln.endswith("\\") for ln in firsts):
        return "\\"
    return "newline"


def has_url(text: str) -> bool:
    """True when text holds a link to somewhere (not an image, not an in-page anchor)."""
    if "http" not in text and "](" not in text and "href" not in text:
        return False
    return any(f.target and not f.image and not f.target.startswith("#")
               for f in find_links(text))


def is_navigation(text: str) -> bool:
    """True for text that is only in-page links (a contents entry) or only images (badges)."""
    links = find_links(text)
    if not links:
        return False
    if all(f.image for f in links):
        return True
    if not all(f.target and f.target.startswith("#") for f in links):
        return False
    rest = text
    for f in reversed(links):
        rest = rest[:f.start] + rest[f.end:]
    return len(rest.strip(" -*+:.|\t")) <= 40
