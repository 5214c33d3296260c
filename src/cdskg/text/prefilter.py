"""Regular expressions that are not run on texts that cannot match them.

Python's ``re`` tries a pattern that opens with a set of words ("ngày|đến|từ …", then a
number) at every position of the text; extraction runs 28 such rules on every sentence
with a digit, a tenth of its time. A :class:`Prefiltered` pattern knows the words one of
which every match starts with (read from the pattern itself, never declared beside it)
and answers at once, with no match, for a text that holds none of them: the same matches
as the pattern, for less.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

try:  # Python 3.11+: the parser moved; the old names warn
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

#: zero-width items a match may open with: they consume nothing, so the first literal
#: after them is still where the match starts
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}


def _starts(items: list) -> set[str] | None:
    """The literal texts one of which every match of ``items`` starts with, or ``None``
    when the pattern may start otherwise (a class, a repeat, an empty alternative)."""
    i = 0
    while i < len(items) and items[i][0] in _ZERO_WIDTH:
        i += 1
    if i == len(items):
        return None
    op, arg = items[i]
    if op is _c.LITERAL:
        chars = []
        while i < len(items) and items[i][0] is _c.LITERAL:
            chars.append(chr(items[i][1]))
            i += 1
        return {"".join(chars)}
    if op is _c.BRANCH:
        found: set[str] = set()
        for alternative in arg[1]:
            starts = _starts(list(alternative))
            if starts is None:
                return None
            found |= starts
        return found
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = arg
        if add_flags or del_flags:
            return None  # a flag of its own: the case rule below would not hold
        return _starts(list(sub))
    return None


class Prefiltered:
    """A compiled pattern and the words its matches start with."""

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.ignore_case = bool(pattern.flags & re.IGNORECASE)
        starts = _starts(list(_p.parse(pattern.pattern, pattern.flags)))
        if starts is not None and self.ignore_case:
            starts = {s.lower() for s in starts}
        #: ``None``: no prefilter, the pattern runs on every text
        self.starts: tuple[str, ...] | None = tuple(sorted(starts)) if starts else None

    def finditer(self, text: str, lowered: str | None = None) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)``; ``lowered`` is ``text.lower()`` when the caller has
        it already (several patterns share it)."""
        starts = self.starts
        if starts is not None:
            haystack = text
            if self.ignore_case:
                haystack = lowered if lowered is not None else text.lower()
            if not any(s in haystack for s in starts):
                return iter(())
        return self.pattern.finditer(text)
