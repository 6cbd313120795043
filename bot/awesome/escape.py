"""Make text from a README or a pull request safe to show in GitHub markdown.

Escaping follows what cmark-gfm (GitHub's renderer) really does, not only the CommonMark spec:
its autolink extension reads a URL (`https://`, `www.`, `mailto:`, `a@b.c`) from the raw source,
escapes and entities included, so a backslash or a backtick that touches a URL is swallowed into
the link and what follows is parsed afresh. Untrusted text therefore never forms an autolink
(`:` after a scheme, `www.` and `@` are broken up), every markdown character is escaped, `<`, `>`
and `&` become entities, and GitHub's own post-filters (@mentions, #123 and GH-123 references,
which run on the rendered text) get a word joiner (U+2060) after the `@` or `#`.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>$^])")
_MENTION = re.compile(r"@(?=[\w-])")
_REF = re.compile(r"\\#(?=\w)")
_GH_REF = re.compile(r"(?i)\b(gh)-(?=\d)")
_SCHEME = re.compile(r":(?=\S)")
_WWW = re.compile(r"(?i)(www)\.")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e"
                      r"\u2028\u2029\u2060-\u206f\ufeff]")
JOINER = "\u2060"


def _one_line(text: str, limit: int) -> str:
    """Control, bidi and invisible characters dropped, one line, at most `limit` characters."""
    t = _CONTROL.sub("", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return t if len(t) <= limit else t[: limit - 1] + "…"


def md(text: str, *, limit: int = 300) -> str:
    """Escape untrusted text for inline markdown: no mention, reference, HTML, link, autolink,
    table or code break."""
    t = _one_line(text, limit)
    t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    t = _MD_SPECIAL.sub(r"\\\1", t)
    t = _SCHEME.sub("&#58;", t)
    t = _WWW.sub(r"\1&#46;", t)
    t = _GH_REF.sub(r"\1" + JOINER + "-", _REF.sub(r"\\#" + JOINER, t))
    return _MENTION.sub("@" + JOINER, t)


def plain(text: str, *, limit: int = 300) -> str:
    """Untrusted text for plain-text places (annotations, statuses): one line, no mention
    pings."""
    return _MENTION.sub("@" + JOINER, _one_line(text, limit))


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
    them, so they need no escaping (for messages that quote markup such as `[[pdf]](url)`).

    The text around a span is escaped by `md`, so no autolink there can swallow the span's
    opening backtick and turn its content into live markup.
    """
    t = _one_line(text, limit)
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(t):
        out.append(md(t[pos : m.start()], limit=limit))
        out.append(m.group(0))
        pos = m.end()
    out.append(md(t[pos:], limit=limit))
    return "".join(out)
