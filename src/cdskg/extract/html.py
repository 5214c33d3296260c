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
        #: the tables being read (nested ones inside): rows of cells of text
        self.tables: list[list[list[str]]] = []

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
        elif tag == "table":
            self.tables.append([])
        elif self.tables and tag == "tr":
            self.tables[-1].append([])
        elif self.tables and tag in _CELLS:
            if not self.tables[-1]:
                self.tables[-1].append([])
            self.tables[-1][-1].append("")
        elif tag == "br":
            self._break("\n")
        elif tag in _BLOCKS:
            self._break("\n\n")
            self.in_h1 = self.in_h1 or tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "table" and self.tables:
            self.parts.append("\n\n" + "\n\n".join(table_lines(self.tables.pop())) + "\n\n")
        elif tag in _BLOCKS:
            self._break("\n\n")
            if tag == "h1":
                self.in_h1 = False

    def _break(self, mark: str) -> None:
        """A line or paragraph break, in the cell being read if a table is."""
        if self.tables:
            rows = self.tables[-1]
            if rows and rows[-1]:
                rows[-1][-1] += mark
        else:
            self.parts.append(mark)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if self.skipping:
            return
        if self.in_h1:
            self.h1 += data
        if self.tables:
            rows = self.tables[-1]
            if rows and rows[-1]:
                rows[-1][-1] += data
            return
        self.parts.append(data)


_NUMBER_CELL = re.compile(r"[<>≤≥~]?\s*\d[\d.,]*\s*%?")
#: a header that numbers the rows ("STT", "TT", "Số TT")
_ROW_NUMBER = re.compile(r"(?i)^(?:stt|tt|số tt|số thứ tự|thứ tự|no\.?)$")
#: the unit a header puts on its column ("Tỷ lệ (%)", "Điểm số (điểm)")
_HEADER_UNIT = re.compile(r"\s*\((%|điểm|người|hồ sơ|tài khoản)\)\s*$")


def table_lines(rows: list[list[str]]) -> list[str]:
    """A table as a reader reads it: with a header row, each row a sentence of its label
    and each figure under its column's name ("Xã Hiệp Thạnh: Tỷ lệ hồ sơ trực tuyến 91,2%;
    Tỷ lệ thanh toán trực tuyến 45,1%."), the rows' numbers left out; else its rows, the
    cells apart."""
    if any("\n\n" in c.strip() for row in rows for c in row):
        # a table that lays out a page: its cells' paragraphs, in order
        return [p for row in rows for c in row for p in re.split(r"\n\s*\n", c) if p.strip()]
    cells = [[" ".join(c.split()) for c in row] for row in rows if any(c.strip() for c in row)]
    if not cells:
        return []
    header, body = cells[0], cells[1:]
    numeric = [sum(bool(_NUMBER_CELL.fullmatch(c)) for c in row) for row in cells]
    if not body or numeric[0] or not any(numeric[1:]):
        return [" | ".join(c for c in row if c) for row in cells]
    lines = []
    for row in body:
        label, figures = "", []
        for i, cell in enumerate(row):
            name = header[i] if i < len(header) else ""
            if not cell or _ROW_NUMBER.match(name):
                continue
            if not _NUMBER_CELL.fullmatch(cell):
                label = label or cell
                continue
            unit = _HEADER_UNIT.search(name)
            name = name[: unit.start()] if unit else name
            value = cell
            if unit and not cell.endswith("%"):
                value = f"{cell}%" if unit.group(1) == "%" else f"{cell} {unit.group(1)}"
            figures.append(f"{name} {value}".strip())
        if figures:
            lines.append(f"{label}: {'; '.join(figures)}." if label else f"{'; '.join(figures)}.")
    return lines


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
