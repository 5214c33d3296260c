"""Finding administrative units named in text and resolving them to unit IRIs."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from cdskg.extract.units import (
    DISTRICT_LEVELS,
    FORMER,
    POST2025,
    PRE2025,
    PROVINCE_LEVELS,
    WARD_LEVELS,
    AdminUnit,
    UnitTable,
    former_unit,
)
from cdskg.text.fold import fold

# Type word → the levels it can name. "thành phố" names a centrally-run city or a
# provincial city; "TP" is its abbreviation.
_TYPE_LEVELS: dict[str, frozenset[str]] = {
    "tinh": PROVINCE_LEVELS,
    "thanh pho": frozenset({"central-city", "provincial-city"}),
    "tp": frozenset({"central-city", "provincial-city"}),
    "quan": frozenset({"urban-district"}),
    "huyen": frozenset({"district"}),
    "thi xa": frozenset({"town"}),
    "phuong": frozenset({"ward"}),
    "xa": frozenset({"commune"}),
    "thi tran": frozenset({"township"}),
    "dac khu": frozenset({"special-zone"}),
}

_UPPER = "A-ZĐÀ-ỸÁẢẠÃẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴÂĂÊÔƠƯ"
_NAME_WORD = rf"(?:[{_UPPER}][\w]*|\d+)"
MENTION = re.compile(
    r"(?<!\w)((?i:tỉnh|thành phố|TP\.?|quận|huyện|thị xã|phường|xã|thị trấn|đặc khu))"
    rf"\s+({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})",
)
_NOT_NAMES = {"ubnd", "uy ban", "hdnd"}


@dataclass(frozen=True)
class UnitMention:
    start: int
    end: int
    type_word: str
    name: str
    candidates: tuple[AdminUnit, ...]


class Gazetteer:
    def __init__(self, table: UnitTable):
        self.table = table
        self._provinces = {
            fold(u.short): u for u in table.units.values() if u.level in PROVINCE_LEVELS
        }
        bare = sorted({k for k in self._provinces if len(k) > 3}, key=len, reverse=True)
        self._bare_province = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, bare)) + r")(?!\w)")

    def mentions(self, text: str) -> list[UnitMention]:
        """Typed mentions ("quận Bình Thủy", "TP. Cần Thơ") with their candidate units."""
        found: list[UnitMention] = []
        for m in MENTION.finditer(text):
            type_key = fold(m.group(1)).rstrip(".")
            levels = _TYPE_LEVELS.get(type_key)
            if levels is None:
                continue
            words = m.group(2).split()
            # the longest run of name words that names a unit of that type
            for n in range(len(words), 0, -1):
                name = " ".join(words[:n])
                cands = tuple(
                    u for u in self.table.by_short.get(fold(name), []) if u.level in levels
                )
                if levels & WARD_LEVELS:
                    # a ward of that name may have been merged away in this locality
                    # while others of the same name live on elsewhere
                    cands += self._former(levels, name)
                if cands:
                    end = m.start(2) + len(name)
                    found.append(UnitMention(m.start(), end, m.group(1), name, cands))
                    break
        return found

    def _former(self, levels: frozenset[str], name: str) -> tuple[AdminUnit, ...]:
        level = next(iter(levels))
        prefix = {"ward": "phuong", "commune": "xa", "township": "thitran"}.get(level)
        if prefix is None:
            return ()
        key = prefix + fold(name).replace(" ", "")
        return tuple(former_unit(u, level, name) for u in self.table.former.get(key, []))

    def bare_provinces(self, text: str) -> list[UnitMention]:
        """Province names written without a type word ("Cà Mau đã triển khai …")."""
        folded = fold(text)
        result = []
        for m in self._bare_province.finditer(folded):
            key = m.group(1)
            if not all(w[:1].isupper() for w in text[m.start() : m.end()].split()):
                continue  # "nâng cao bằng" is not Cao Bằng
            cands = tuple(u for u in self.table.by_short.get(key, []) if u.level in PROVINCE_LEVELS)
            if cands:
                result.append(UnitMention(m.start(), m.end(), "", text[m.start() : m.end()], cands))
        return result

    def resolve(
        self, mention: UnitMention, context: list[AdminUnit], snapshot: str
    ) -> AdminUnit | None:
        """Pick the candidate that fits the snapshot and the units around it."""
        cands = list(mention.candidates)
        eras = {snapshot, FORMER} if snapshot == PRE2025 else {snapshot}
        in_snapshot = [u for u in cands if u.snapshot in eras]
        # district-level units only exist before the reform
        cands = in_snapshot or [u for u in cands if u.snapshot != POST2025] or cands
        if len(cands) == 1:
            return cands[0]
        context_iris = {u.iri for u in context}
        for unit in cands:
            if any(a.iri in context_iris for a in self._ancestors(unit)):
                return unit
        for unit in cands:
            # a unit whose descendant is in context (e.g. the city of a mentioned ward)
            if any(any(a.iri == unit.iri for a in self._ancestors(c)) for c in context):
                return unit
        return None

    def ancestor_at(self, unit: AdminUnit, level: str) -> AdminUnit | None:
        """The ancestor of ``unit`` at ``level`` ("province" means either province level)."""
        levels = PROVINCE_LEVELS if level == "province" else frozenset({level})
        for anc in self._ancestors(unit):
            if anc.level in levels:
                return anc
        return None

    def _ancestors(self, unit: AdminUnit) -> list[AdminUnit]:
        if unit.parent is None:
            return []
        parent = self.table.units[unit.parent]
        return [parent, *self.table.ancestors(parent)]

    def main_locality(self, title: str, text: str, snapshot: str) -> AdminUnit | None:
        """The unit the article is mostly about: most mentioned, title counting thrice."""
        units = self.resolve_all(text, snapshot)
        title_units = self.resolve_all(title, snapshot, context=[u for _, u in units])
        seen = {u.iri: u for _, u in units + title_units}
        counts: Counter[str] = Counter()
        for _, u in units:
            counts[u.iri] += 1
        for _, u in title_units:
            counts[u.iri] += 3
        if not counts:
            return None
        rank = {"province": 0, "central-city": 0}

        def score(iri: str) -> tuple[int, int]:
            unit = seen[iri]
            specific = 0 if unit.level in rank else (1 if unit.level in DISTRICT_LEVELS else 2)
            return counts[iri], -specific if unit.level in WARD_LEVELS else specific

        return seen[max(counts, key=score)]

    def resolve_all(
        self, text: str, snapshot: str, context: list[AdminUnit] | None = None
    ) -> list[tuple[UnitMention, AdminUnit]]:
        """Every mention in ``text`` that resolves, ambiguous ones against the others."""
        mentions = self.mentions(text)
        typed_spans = [(m.start, m.end) for m in mentions]
        for bare in self.bare_provinces(text):
            if not any(s <= bare.start < e for s, e in typed_spans):
                mentions.append(bare)
        mentions.sort(key=lambda m: m.start)
        resolved: list[tuple[UnitMention, AdminUnit]] = []
        ctx = list(context or [])
        # unambiguous first, then the rest against them
        for m in mentions:
            if len({u.iri for u in m.candidates if u.snapshot != POST2025}) == 1:
                unit = self.resolve(m, ctx, snapshot)
                if unit:
                    ctx.append(unit)
        for m in mentions:
            unit = self.resolve(m, ctx, snapshot)
            if unit is not None:
                resolved.append((m, unit))
                if unit not in ctx:
                    ctx.append(unit)
        return resolved


def snapshot_for(date_iso: str | None) -> str:
    """The unit snapshot in force on a date (ISO), pre-reform when unknown."""
    if date_iso and date_iso >= "2025-07-01":
        return POST2025
    return PRE2025


__all__ = ["Gazetteer", "UnitMention", "snapshot_for"]
_ = _NOT_NAMES
