"""Reading article files: decoding, size limits, title, and what cannot be read."""

from __future__ import annotations

import csv
import functools
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cdskg.errors import InputError
from cdskg.extract.html import looks_like_html, page_text

#: File name endings read when a folder is given.
ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm")
DEFAULT_MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class SourceArticle:
    """An article file as read from disk: decoded, nothing else changed, but for a saved
    web page, whose text is the page's article text (:mod:`cdskg.extract.html`)."""

    path: Path
    name: str  # the file name, recorded on the article as dcterms:source
    text: str
    content_hash: str  # sha256 of the raw bytes
    #: the page the article was taken from, when a sources listing beside it gives one
    #: (:func:`source_urls`); its site names the publisher
    url: str | None = None


#: a listing of where the articles of a folder come from: tab-separated, with a header that
#: has the columns ``file`` and ``url`` (other columns are not read)
SOURCES_GLOB = "SOURCES*.tsv"


@functools.lru_cache(maxsize=64)
def source_urls(folder: Path) -> dict[str, str]:
    """File name → source URL, from the ``SOURCES*.tsv`` listings of ``folder``; a listing
    without ``file`` and ``url`` columns is ignored (it may be someone else's table)."""
    urls: dict[str, str] = {}
    for listing in sorted(folder.glob(SOURCES_GLOB)):
        try:
            with listing.open(encoding="utf-8", newline="") as fh:
                rows = csv.DictReader(fh, delimiter="\t")
                if not rows.fieldnames or not {"file", "url"} <= set(rows.fieldnames):
                    continue
                for row in rows:
                    if row.get("file") and row.get("url"):
                        urls[row["file"].strip()] = row["url"].strip()
        except (OSError, UnicodeDecodeError, csv.Error):
            continue  # a listing is a help, never a reason to refuse the articles
    return urls


def collect(paths: Iterable[Path]) -> Iterator[Path]:
    """The article files named by ``paths`` (files as given, folders walked, sorted)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in ARTICLE_SUFFIXES:
                    yield child
        elif path.exists():
            yield path
        else:
            raise InputError(f"{path}: no such file or folder; give article files or folders")


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\r\f") or c == "\ufffd")
    return controls > max(2, len(text) // 100)


def decode(raw: bytes, where: str) -> str:
    """Decode UTF-8 (or UTF-16 with a BOM); refuse binary and other encodings."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{where}: starts with a UTF-16 BOM but is not UTF-16 ({exc})"
            ) from exc
        if _looks_binary(text):
            raise InputError(f"{where}: looks binary (control characters); give a text file")
        return text
    if b"\x00" in raw[:8192]:
        raise InputError(f"{where}: looks binary (NUL bytes); give a UTF-8 text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{where}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start});"
            " convert the file to UTF-8, e.g. `iconv -f WINDOWS-1258 -t UTF-8`"
        ) from exc
    if _looks_binary(text):
        raise InputError(f"{where}: looks binary (control characters); give a text file")
    return text


def read_article(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceArticle:
    """Read one article file; raises :class:`InputError` naming the file and the reason."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path}: {size:,} bytes is over the limit of {max_bytes:,};"
                " split the file or raise --max-bytes"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    text = decode(raw, str(path))
    page_url = None
    if path.suffix.lower() in (".html", ".htm") or looks_like_html(text):
        # a saved web page: its article's text, as a reader sees it (cdskg.extract.html)
        page = page_text(text)
        text, page_url = page.text, page.url
    if not text.strip():
        raise InputError(f"{path}: is empty; an article needs a title line and a body")
    url = source_urls(path.parent).get(path.name) or page_url
    return SourceArticle(path, path.name, text, hashlib.sha256(raw).hexdigest(), url)


def title_of(text: str) -> tuple[str, int]:
    """The first non-empty line and its start offset."""
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            return line.strip(), pos + lead
        pos += len(line) + 1
    return "", 0
