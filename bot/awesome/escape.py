"""Make text from a README or a pull request safe to show in GitHub markdown."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")
_MENTION = re.compile(r"@(?=[\w-])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def md(text: str, *, limit: int = 300) -> str:
    """Escape untrusted text for inline markdown: no mention, HTML, link, table or code break."""
    t = _CONTROL.sub("", text).replace("\r", " ").replace("\n", " ")
    if len(t) > limit:
        t = t[: limit - 1] + "…"
    t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    t = _MD_SPECIAL.sub(r"\\\1", t)
    t = t.replace(":", "&#58;") if re.search(r"(?i)javascript\s*:|data\s*:", t) else t
    return _MENTION.sub("@\u2060", t)


def plain(text: str, *, limit: int = 300) -> str:
    """Untrusted text for plain-text places (annotations, logs): one line, no mention pings."""
    t = _CONTROL.sub("", text).replace("\r", " ").replace("\n", " ")
    if len(t) > limit:
        t = t[: limit - 1] + "…"
    return _MENTION.sub("@\u2060", t)


def fence_for(content: str) -> str:
    """A backtick fence longer than any backtick run inside `content`."""
    runs = [len(m.group(0)) for m in re.finditer(r"`+", content)]
    return "`" * max(3, max(runs, default=0) + 1)


def suggestion_block(content: str) -> str:
    """A GitHub suggestion block that the content cannot close early."""
    fence = fence_for(content)
    return f"{fence}suggestion\n{content}\n{fence}"


_CODE_SPAN = re.compile(r"(?<!`)(`+)([^`\n]+?)\1(?!`)")


def md_prose(text: str, *, limit: int = 1500) -> str:
    """Like `md`, but `code spans` stay code: markdown, mentions and HTML do nothing inside
    them, so they need no escaping (for messages that quote markup such as `[[pdf]](url)`)."""
    t = text if len(text) <= limit else text[: limit - 1] + "…"
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(t):
        out.append(md(t[pos : m.start()], limit=limit))
        code = _CONTROL.sub("", m.group(2))
        out.append(f"{m.group(1)}{code}{m.group(1)}")
        pos = m.end()
    out.append(md(t[pos:], limit=limit))
    return "".join(out)
