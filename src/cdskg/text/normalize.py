"""Normalisation of article text, keeping a map back to the original characters.

What changes, and why:

* NFC, so that "ủ" typed as "u" + two combining marks matches "ủ" typed precomposed;
* look-alikes of "Đ"/"đ" (Icelandic "Ð"/"ð", U+00D0/U+00F0, and "Ɖ"/"ɖ") become "Đ"/"đ":
  Vietnamese has no eth, so these are always typing or OCR slips;
* invisible characters (zero-width space/joiners, BOM, soft hyphen) are removed;
* every horizontal space (no-break, thin, ideographic …) becomes " ";
* dash variants become "-" only between digits (dates, ranges), and "–" elsewhere;
  slash look-alikes become "/";
* line ends become "\\n".

The two tone-mark placements ("Thủy"/"Thuỷ", "hòa"/"hoà") are left as written: matching
goes through :func:`cdskg.text.fold.fold`, which drops the marks, so both compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

_LOOKALIKES = {
    "\u00d0": "Đ",
    "\u00f0": "đ",
    "\u0189": "Đ",
    "\u0256": "đ",
    "\u2044": "/",
    "\u2215": "/",
    "\uff0f": "/",
}
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202c")
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


@dataclass(frozen=True)
class Normalized:
    """Normalised text and, for each of its characters, the offset in the source."""

    text: str
    #: ``source_offsets[i]`` is the source offset of ``text[i]``; one extra entry at the
    #: end holds the source length, so ``[start, end)`` spans map with the same list.
    source_offsets: tuple[int, ...]

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of :attr:`text` to the span of the source it came from."""
        if start == end:
            return self.source_offsets[start], self.source_offsets[start]
        last = self.source_offsets[end - 1]
        # the source end is where the next kept character starts
        nxt = self.source_offsets[end]
        return self.source_offsets[start], max(nxt, last + 1)


def _char_map(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    if ch in _LOOKALIKES:
        return _LOOKALIKES[ch]
    if ch == "\r":
        return ""
    if ch == "\t" or (ch != "\n" and unicodedata.category(ch) == "Zs"):
        return " "
    if ch in ("\u2028", "\u2029", "\x0b", "\x0c", "\x85"):
        return "\n"
    return ch


def normalize(source: str) -> Normalized:
    """Normalise ``source`` (see the module docstring).

    >>> n = normalize("C\u00d0S đạt 90,13\u00a0%")
    >>> n.text
    'CĐS đạt 90,13 %'
    >>> n.to_source(4, 7)
    (4, 7)
    """
    n = len(source)
    if unicodedata.is_normalized("NFC", source):
        out, offsets = _map_special(source)
    else:
        out, offsets = _map_clusters(source)
    text = "".join(out)
    text, offsets = _fix_dashes(text, offsets)
    offsets.append(n)
    return Normalized(text, tuple(offsets))


# Characters _char_map changes; in NFC text only these need attention.
_SPECIAL = re.compile(
    "["
    + re.escape(
        "".join(_LOOKALIKES)
        + "".join(_INVISIBLE)
        + "\r\t\u2028\u2029\x0b\x0c\x85"
        + "".join(chr(c) for c in range(0x80, 0x10000) if unicodedata.category(chr(c)) == "Zs")
    )
    + "]"
)


def _map_special(source: str) -> tuple[list[str], list[int]]:
    """The fast path for NFC input: copy runs, map the few special characters."""
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _SPECIAL.finditer(source):
        out.append(source[pos : m.start()])
        offsets.extend(range(pos, m.start()))
        replacement = _char_map(m.group())
        out.append(replacement)
        offsets.extend([m.start()] * len(replacement))
        pos = m.end()
    out.append(source[pos:])
    offsets.extend(range(pos, len(source)))
    return out, offsets


def _map_clusters(source: str) -> tuple[list[str], list[int]]:
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    n = len(source)
    while i < n:
        # A cluster is a base character and the combining marks after it; NFC works on it
        # as a whole and every resulting character maps back to the cluster's start.
        j = i + 1
        while j < n and unicodedata.combining(source[j]):
            j += 1
        cluster = "".join(_char_map(c) for c in source[i:j])
        if cluster:
            cluster = unicodedata.normalize("NFC", cluster)
            for c in cluster:
                out.append(c)
                offsets.append(i)
        i = j
    return out, offsets


def _fix_dashes(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    chars = list(text)
    for k, c in enumerate(chars):
        if c in _DASHES:
            between_digits = (
                0 < k < len(chars) - 1 and chars[k - 1].isdigit() and (chars[k + 1].isdigit())
            )
            chars[k] = "-" if between_digits else "–"
    return "".join(chars), offsets


# Tone marks on the "old style" vowel pairs, re-placed to the "new style" position.


def locate(offsets: tuple[int, ...], source_offset: int) -> int:
    """The index of the first normalised character at or after ``source_offset``."""
    return bisect_right(offsets, source_offset - 1)
