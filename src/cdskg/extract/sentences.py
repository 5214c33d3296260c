"""Sentences of an article's cleaned text, with their offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: a sentence ends at its full stop, unless the stop closes an abbreviation ("TP.") or the
#: number of a list item that opens a line ("1. Đà Nẵng: 0,7143 điểm")
_SENTENCE_END = re.compile(
    r"(?<=[.!?…;])(?<!TP\.)(?<!Tp\.)(?<!TS\.)(?<!ThS\.)"
    r"(?<!^\d\.)(?<!^\d\d\.)(?<!\n\d\.)(?<!\n\d\d\.)"
    r"[\"”’)]*\s+(?=[\"“*(–-]?\s*[A-ZĐÀ-Ỹ0-9])|\n+",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of the cleaned text, with their offsets."""
    result = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        chunk = text[pos : m.start()]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            result.append(Sentence(pos + lead, m.start(), chunk.strip()))
        pos = m.end()
    tail = text[pos:]
    if tail.strip():
        lead = len(tail) - len(tail.lstrip())
        result.append(Sentence(pos + lead, pos + lead + len(tail.strip()), tail.strip()))
    return result
