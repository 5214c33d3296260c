"""A saved web page as the text of its article: what a reader sees, one block a paragraph.

Users save the page of an article as often as they copy its text. The page's text is what
is read and cited then: tags dropped, character references decoded, each block (``p``,
``h1``–``h6``, ``li``, ``div``, table cells…) a paragraph of its own, scripts, styles and
forms left out. The first line is the headline (the page's ``h1``, else its ``title``); the
publication time of its ``<meta property="article:published_time">`` (or ``<time
datetime>``) follows as a dateline line ("date 2023-06-05"), which cleaning reads and drops
like the ones copied from pages; its canonical address is the page the article came from.
Offsets of evidence then count in this text, which is the article's text in the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

#: elements whose text is no part of the article
_SKIPPED = {"script", "style", "noscript", "template", "svg", "form", "select", "button", "head"}
#: elements that make a paragraph of their own
_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr",
    "figure", "figcaption", "pre", "address", "hr",
}  # fmt: skip
_CELLS = {"td", "th"}
_ISO = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")


def looks_like_html(text: str) -> bool:
    """Whether a file's text is a web page (a page saved with a ``.txt`` name too)."""
    head = text.lstrip()[:512].lower()
    return head.startswith(("<!doctype html", "<html")) or (
        head.startswith("<") and bool(re.search(r"<(?:body|p|div|h1|article)\b", head))
    )


@dataclass
class Page:
    text: str
    url: str | None = None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.in_title = self.in_h1 = False
        self.title = self.h1 = ""
        self.published: str | None = None
        self.url: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key in ("article:published_time", "datepublished", "pubdate", "date"):
                self.published = self.published or _iso(a.get("content", ""))
            elif key == "og:url":
                self.url = self.url or a.get("content") or None
            return
        if tag == "link" and "canonical" in a.get("rel", "").lower().split():
            self.url = a.get("href") or self.url
            return
        if tag == "time" and a.get("datetime"):
            self.published = self.published or _iso(a["datetime"])
        if tag == "title":
            self.in_title = True
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            self.in_h1 = self.in_h1 or tag == "h1"
        elif tag in _CELLS:
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            if tag == "h1":
                self.in_h1 = False

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if self.skipping:
            return
        if self.in_h1:
            self.h1 += data
        self.parts.append(data)


def _iso(value: str) -> str | None:
    m = _ISO.search(value)
    return m.group(0) if m else None


def page_text(html: str) -> Page:
    """The article's text of a web page (see the module docstring)."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    body = "".join(reader.parts).replace("\xa0", " ")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body)]
    paragraphs = [p for p in paragraphs if p]
    headline = " ".join((reader.h1 or reader.title).split())
    if headline and paragraphs and paragraphs[0] == headline:
        paragraphs = paragraphs[1:]
    lines = [headline] if headline else []
    if reader.published:
        lines.append(f"date {reader.published}")
    return Page("\n\n".join(lines + paragraphs) + "\n", reader.url)
