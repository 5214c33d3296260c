"""Cleaning: drop page furniture and noise from normalised article text.

The rules are data (``mappings/noise.toml``); this module applies them and records every
drop with its reason and position, so the build report can say what was removed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Drop:
    """A span of the normalised text that cleaning removed."""

    start: int
    end: int
    reason: str
    text: str

    def as_dict(self) -> dict[str, object]:
        excerpt = self.text if len(self.text) <= 120 else self.text[:117] + "…"
        return {"start": self.start, "end": self.end, "reason": self.reason, "text": excerpt}


@dataclass(frozen=True)
class NoiseRules:
    tail: tuple[tuple[re.Pattern[str], str], ...]
    line: tuple[tuple[re.Pattern[str], str], ...]
    inline: tuple[tuple[re.Pattern[str], str], ...]
    #: patterns for a paragraph of one line that is an image caption
    caption: tuple[tuple[re.Pattern[str], str], ...] = ()
    #: reasons for the title repeated in the body and the caption under it; None: keep
    title_repeat: tuple[str, str, int] | None = None
    #: reason and longest line for a line printed twice in a row (alt text and caption)
    repeated_line: tuple[str, int] | None = None

    @classmethod
    def load(cls, path: Path) -> NoiseRules:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        flags = re.IGNORECASE | re.MULTILINE

        def pairs(kind: str) -> tuple[tuple[re.Pattern[str], str], ...]:
            return tuple((re.compile(r["pattern"], flags), r["reason"]) for r in data.get(kind, []))

        repeat = data.get("title_repeat")
        twice = data.get("repeated_line")
        return cls(
            pairs("tail"),
            pairs("line"),
            pairs("inline"),
            pairs("caption"),
            (repeat["reason"], repeat["caption_reason"], int(repeat.get("caption_max", 200)))
            if repeat
            else None,
            (twice["reason"], int(twice.get("max", 250))) if twice else None,
        )


@dataclass
class Cleaned:
    """The cleaned text and, per character, its offset in the normalised text."""

    text: str
    offsets: list[int]
    drops: list[Drop] = field(default_factory=list)


def clean(text: str, rules: NoiseRules) -> Cleaned:
    """Remove noise from ``text``; returns the rest with a map back into ``text``."""
    removed: list[Drop] = []
    lines = _lines(text)
    # tail markers: everything after the first one is gone
    for start, _end, line in lines:
        for pattern, reason in rules.tail:
            if pattern.search(line):
                removed.append(Drop(start, len(text), reason, text[start:]))
                text_limit = start
                break
        else:
            continue
        break
    else:
        text_limit = len(text)
    lines = [(s, e, ln) for s, e, ln in lines if s < text_limit]
    for s, e, ln in lines:
        for pattern, reason in rules.line:
            if pattern.search(ln):
                removed.append(Drop(s, e, reason, text[s:e]))
                break
    removed.extend(_captions(text, lines, rules, removed))
    # inline runs, outside what is already removed
    for pattern, reason in rules.inline:
        for m in pattern.finditer(text, 0, text_limit):
            if m.end() > m.start() and not _covered(removed, m.start(), m.end()):
                removed.append(Drop(m.start(), m.end(), reason, m.group(0)))
    # what is kept, span by span (a loop per character was a tenth of extraction)
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    n = len(text)
    for start, end in sorted((min(d.start, n), min(d.end, n)) for d in removed):
        if start > pos:
            out.append(text[pos:start])
            offsets.extend(range(pos, start))
        pos = max(pos, end)
    out.append(text[pos:])
    offsets.extend(range(pos, n))
    cleaned_text, offsets = _tidy("".join(out), offsets)
    offsets.append(len(text))
    removed.sort(key=lambda d: d.start)
    return Cleaned(cleaned_text, offsets, removed)


_SENTENCE_INSIDE = re.compile(r"[.!?…]\s+\S")
_DIGIT = re.compile(r"\d")


def _captions(
    text: str, lines: list[tuple[int, int, str]], rules: NoiseRules, removed: list[Drop]
) -> list[Drop]:
    """Image captions: the title repeated in the body with the one-sentence line under it,
    and one-line, one-sentence paragraphs that ``[[caption]]`` rules recognise."""
    drops: list[Drop] = []
    title_at = next((i for i, (_, _, ln) in enumerate(lines) if ln.strip()), None)
    if title_at is None:
        return drops

    def free(s: int, e: int) -> bool:
        return not _covered(removed, s, e) and not _covered(drops, s, e)

    def blank(i: int) -> bool:
        return i < 0 or i >= len(lines) or not lines[i][2].strip()

    title = lines[title_at][2].strip()
    for i in range(title_at + 1, len(lines)):
        s, e, ln = lines[i]
        if not ln.strip() or not free(s, e):
            continue
        if rules.title_repeat and ln.strip().rstrip(".") == title.rstrip("."):
            reason, caption_reason, longest = rules.title_repeat
            drops.append(Drop(s, e, reason, text[s:e]))
            if i + 1 < len(lines) and not blank(i + 1):
                s2, e2, nxt = lines[i + 1]
                one = nxt.strip()
                if len(one) <= longest and not _SENTENCE_INSIDE.search(one) and free(s2, e2):
                    drops.append(Drop(s2, e2, caption_reason, text[s2:e2]))
            continue
        if (
            rules.repeated_line
            and len(ln.strip()) <= rules.repeated_line[1]
            and not _DIGIT.search(ln)
        ):
            # an image's alt text printed above its caption: the same line twice in a row
            # (a paragraph with figures printed twice is the page's, not a caption)
            j = next((k for k in range(i + 1, min(i + 3, len(lines))) if not blank(k)), None)
            if j is not None and lines[j][2].strip() == ln.strip() and free(*lines[j][:2]):
                drops.append(Drop(s, e, rules.repeated_line[0], text[s:e]))
                drops.append(Drop(lines[j][0], lines[j][1], rules.repeated_line[0], lines[j][2]))
                continue
        if blank(i - 1) and blank(i + 1):
            for pattern, reason in rules.caption:
                if pattern.search(ln):
                    drops.append(Drop(s, e, reason, text[s:e]))
                    break
    return drops


def _lines(text: str) -> list[tuple[int, int, str]]:
    result = []
    pos = 0
    for line in text.split("\n"):
        result.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return result


def _covered(drops: list[Drop], start: int, end: int) -> bool:
    """True when the span overlaps something already dropped (first rule wins)."""
    return any(d.start < end and start < d.end for d in drops)


_SPACE_RUN = re.compile(r"[ ]{2,}|[ ]+(?=\n)|(?<=\n)[ ]+|\n{3,}")


def _tidy(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """Collapse the space and blank-line runs that removals leave behind."""
    out: list[str] = []
    new_offsets: list[int] = []
    pos = 0
    for m in _SPACE_RUN.finditer(text):
        out.append(text[pos : m.start()])
        new_offsets.extend(offsets[pos : m.start()])
        run = m.group(0)
        keep = (
            "\n\n"
            if run.startswith("\n")
            else (" " if run.startswith(" ") and "\n" not in run else "")
        )
        if keep:
            out.append(keep)
            new_offsets.extend(offsets[m.start() : m.start() + len(keep)])
        pos = m.end()
    out.append(text[pos:])
    new_offsets.extend(offsets[pos:])
    joined = "".join(out)
    lead = len(joined) - len(joined.lstrip())
    trail = len(joined.rstrip())
    return joined[lead:trail], new_offsets[lead:trail]
