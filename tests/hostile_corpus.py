"""Hostile titles, authors and headings, and a checker that renders markdown with cmark-gfm.

`cmarkgfm` binds cmark-gfm, GitHub's own renderer, with GitHub's extensions (autolink, table,
strikethrough, tagfilter, tasklist). Raw HTML is let through (`CMARK_OPT_UNSAFE`) so any tag the
bot lets slip is visible; GitHub's sanitiser would keep `<img>`, `<details>` and `<summary>`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

TITLES = (
    "x https://e.example/`<img src=https://evil.example/px.png>`",
    "x https://e.example/`<details><summary>✅ All checks passed</summary>`",
    "x https://e.example/`y @octocat z`",
    "x www.e.example/`<img src=https://evil.example/w.png>`",
    "x a@b.example`<img src=https://evil.example/m.png>`",
    "x mailto:a@b.example`<img src=x>`",
    "x http://e.example/\\`<img src=x>`",
    "`` ` ``<img src=https://evil.example/q.png>",
    "<script>alert(1)</script> <img src=x onerror=alert(1)>",
    "</details></summary><details open>",
    "&lt;img src=x&gt; &#60;b&#62;",
    "[click me](https://evil.example/) ![px](https://evil.example/p.png)",
    "[ref]: https://evil.example/ and [^1]",
    "ping @octocat, @github/security-team and @@x",
    "fixes #1, GH-2, octo/repo#3 and octo/repo@abcdef1",
    "| cell | break |",
    "```` fence and ~~~ tilde",
    "*bold* _em_ ~~strike~~ $x^2$ $$y$$",
    "javascript:alert(1) data:text/html,<b>x</b>",
    "\u202egnp.exe\u200b\u2060\u00adhidden\x00nul",
    "<!-- comment --> -->",
    "line one\nline two\r\n### heading",
)
AUTHORS = (
    "@octocat",
    "K. He https://e.example/`<img src=https://evil.example/a.png>`",
    "A. B. and #7",
    "<b>bold</b> et al.",
)
HEADINGS = (
    "Vision https://e.example/`<img src=https://evil.example/h.png>`",
    "@octocat #5",
    "<details><summary>ok</summary>",
)

ALLOWED_TAGS = frozenset({"p", "ul", "ol", "li", "strong", "em", "code", "pre", "table", "thead",
                          "tbody", "tr", "th", "td", "h2", "h3", "h4", "sub", "br", "hr", "del",
                          "input"})
_MENTION = re.compile(r"(?<![\w`/])@[A-Za-z0-9]")
_REF = re.compile(r"(?<![\w&])#\d|\bGH-\d", re.IGNORECASE)


def render(markdown: str) -> str:
    """HTML as cmark-gfm with GitHub's extensions renders it, raw HTML kept."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class _Walk(HTMLParser):
    """Collects tags, links and the text GitHub's mention/reference filters would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.live_text: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag in ("code", "pre", "a"):
            self._code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre", "a"):
            self._code -= 1

    def handle_comment(self, data: str) -> None:
        self.tags.append("!--")

    def handle_data(self, data: str) -> None:
        if self._code <= 0:
            self.live_text.append(data)


def problems(markdown: str, *, links: frozenset[str] = frozenset(),
             comments: int = 0, refs: frozenset[str] = frozenset()) -> list[str]:
    """Everything unsafe in how GitHub would show `markdown`: foreign tags, links the bot did
    not make, live @mentions and #references in text (but the bot's own `refs`, like `#12`),
    extra HTML comments."""
    walk = _Walk()
    walk.feed(render(markdown))
    out = [f"tag <{t}>" for t in walk.tags if t not in ALLOWED_TAGS and t not in ("a", "!--")]
    out += [f"link {h}" for h in walk.links if h not in links]
    if walk.tags.count("!--") > comments:
        out.append("an HTML comment")
    for text in walk.live_text:
        out += [f"mention in {text!r}" for _ in _MENTION.finditer(text)]
        out += [f"reference in {text!r}" for m in _REF.finditer(text)
                if not any(text[m.start():].startswith(r) for r in refs)]
    return out


def plain_problems(text: str) -> list[str]:
    """Plain-text places (annotations, statuses): no live mention, one line."""
    out = [f"mention in {text!r}" for _ in _MENTION.finditer(text)]
    return out + (["a line break"] if "\n" in text or "\r" in text else [])
