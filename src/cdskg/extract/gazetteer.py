"""Finding administrative units named in text and resolving them to unit IRIs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdskg.extract.units import (
    DISTRICT_LEVELS,
    FORMER,
    FORMER_TYPES,
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
    "tx": frozenset({"town"}),
    "phuong": frozenset({"ward"}),
    "xa": frozenset({"commune"}),
    "thi tran": frozenset({"township"}),
    "dac khu": frozenset({"special-zone"}),
}
_TIERS = (PROVINCE_LEVELS, DISTRICT_LEVELS, WARD_LEVELS)
# A party committee named with its unit ("Huyện ủy Chi Lăng", "Thị ủy Bến Cát") names that
# unit: committee word (folded) → the type word it stands for.
COMMITTEES = {
    "tinh uy": "tinh",
    "thanh uy": "thanh pho",
    "huyen uy": "huyen",
    "quan uy": "quan",
    "thi uy": "thi xa",
    "dang uy xa": "xa",
    "dang uy phuong": "phuong",
}

_UPPER = "A-ZĐÀ-ỸÁẢẠÃẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴÂĂÊÔƠƯ"
_NAME_WORD = rf"(?:[{_UPPER}][\w]*|\d+)"
#: the next name of a list after a typed mention: ", Hiệp An", " và Hiệp An"
_LISTED_NAME = re.compile(
    rf"(?:\s*,\s*|\s+(?:và|cùng|với)\s+)({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})"
)
#: a type word (any case: "huyện", "Huyện", "HUYỆN"), a committee word, or "TP." glued to
#: the name ("TP.Hồ Chí Minh"), then up to four capitalised name words
MENTION = re.compile(
    r"(?<!\w)((?i:đảng [uủ]y xã|đảng [uủ]y phường|đảng uỷ xã|đảng uỷ phường|tỉnh ủy|tỉnh uỷ|"
    r"thành ủy|thành uỷ|huyện ủy|huyện uỷ|quận ủy|quận uỷ|thị ủy|thị uỷ|"
    r"tỉnh|thành phố|quận|huyện|thị xã|phường|xã|thị trấn|đặc khu)\s+"
    r"|(?i:TP|TX)\.\s*|(?i:TP|TX)\s+)"
    rf"({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})",
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
    """Unit mentions in text and their resolution to units of the table.

    ``aliases`` maps other names of a province ("TP.HCM", "Thừa Thiên Huế", "Thủ đô") to
    its short name in the table; they are found like bare province names.
    ``not_a_place_before``: words after which a bare province name names something else
    ("Đoàn TNCS Hồ Chí Minh", "tư tưởng Hồ Chí Minh").
    """

    def __init__(
        self,
        table: UnitTable,
        aliases: dict[str, str] | None = None,
        not_a_place_before: re.Pattern[str] | None = None,
    ):
        self.table = table
        self._provinces = {
            fold(u.short): u for u in table.units.values() if u.level in PROVINCE_LEVELS
        }
        self._aliases = {fold(k): fold(v) for k, v in (aliases or {}).items()}
        self._not_a_place_before = not_a_place_before
        bare = sorted(
            {k for k in self._provinces if len(k) > 3} | set(self._aliases), key=len, reverse=True
        )
        # "Bà Rịa - Vũng Tàu" is also written "Bà Rịa-Vũng Tàu", "Bà Rịa – Vũng Tàu"
        alternatives = "|".join(re.escape(k).replace(r"\ \-\ ", r"\s*[-–]\s*") for k in bare)
        self._bare_province = re.compile(r"(?<!\w)(" + alternatives + r")(?!\w)")
        self._predecessors: dict[str, list[str]] = {}
        #: the mentions of texts scanned lately: the locality of an article reads its whole
        #: text twice or three times, with other context units each time
        self._scanned: dict[str, tuple[UnitMention, ...]] = {}
        for old, news in table.successors.items():
            if table.units[old].level in PROVINCE_LEVELS:
                for new in news:
                    self._predecessors.setdefault(new, []).append(old)

    def mentions(self, text: str) -> list[UnitMention]:
        """Typed mentions ("quận Bình Thủy", "TP. Cần Thơ") with their candidate units; the
        names a list gives after one type word ("hai xã Hiệp Thạnh và Hiệp An", "các phường
        Tân Định, Đa Kao") are of that type too."""
        found: list[UnitMention] = []
        for m in MENTION.finditer(text):
            type_key = fold(m.group(1)).strip().rstrip(".")
            type_key = COMMITTEES.get(type_key, type_key)
            levels = _TYPE_LEVELS.get(type_key)
            if levels is None:
                continue
            mention = self._typed(m.start(), m.start(2), m.group(2), m.group(1), type_key, levels)
            # "tỉnh A, B": a list of provinces names them bare, read apart
            listed = not levels & PROVINCE_LEVELS
            while mention is not None:
                found.append(mention)
                more = _LISTED_NAME.match(text, mention.end) if listed else None
                if more is None:
                    break
                mention = self._typed(
                    more.start(1), more.start(1), more.group(1), "", type_key, levels
                )
        return found

    def _typed(
        self, start: int, name_at: int, name_words: str, type_word: str, type_key: str,
        levels: frozenset[str],
    ) -> UnitMention | None:  # fmt: skip
        """The mention of the longest run of ``name_words`` that names a unit of ``levels``."""
        words = name_words.split()
        # the longest run of name words that names a unit of that type
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n])
            key = fold(name)
            if key.isdigit():
                # a numbered unit keeps its type word in the table ("Phường 5", "Quận 3")
                key = f"{type_key} {key}"
            named = self.table.by_short.get(key, [])
            cands = tuple(u for u in named if u.level in levels)
            if not cands:
                # a unit upgraded since ("thị xã Phú Mỹ", now a city; "xã" now "phường")
                # still has its name within its tier
                tier = next((t for t in _TIERS if levels <= t), frozenset())
                cands = tuple(u for u in named if u.level in tier)
            # the name as written, diacritics included, over its folded twins
            # ("Phú Mỹ" is not "Phù Mỹ")
            exact = tuple(u for u in cands if u.short.lower() == name.lower())
            cands = exact or cands
            if levels & (WARD_LEVELS | DISTRICT_LEVELS):
                # a ward or a district of that name may have been merged away in this
                # locality while others of the same name live on elsewhere
                cands += self._former(levels, name)
            if cands:
                end = name_at + len(name)
                return UnitMention(start, end, type_word.strip(), name, cands)
        return None

    def _former(self, levels: frozenset[str], name: str) -> tuple[AdminUnit, ...]:
        found: list[AdminUnit] = []
        for level in sorted(levels):
            prefix = FORMER_TYPES.get(level)
            if prefix is not None:
                key = prefix + fold(name).replace(" ", "")
                found += (former_unit(u, level, name) for u in self.table.former.get(key, []))
        return tuple(found)

    def bare_provinces(self, text: str) -> list[UnitMention]:
        """Province names written without a type word ("Cà Mau đã triển khai …")."""
        folded = fold(text)
        result = []
        for m in self._bare_province.finditer(folded):
            key = m.group(1)
            key = self._aliases.get(key) or re.sub(r"\s*[-–]\s*", " - ", key)
            key = self._aliases.get(key, key)
            if not text[m.start()].isupper():
                continue  # "nâng cao bằng" is not Cao Bằng; "Bến tre" is Bến Tre
            if text[m.start() - 1 : m.start()] == "-" or text[m.end() : m.end() + 1] == "-":
                continue  # part of a compound name ("Vĩnh Sơn-cho")
            if self._not_a_place_before is not None and self._not_a_place_before.search(
                text[max(0, m.start() - 30) : m.start()]
            ):
                continue  # "Đoàn TNCS Hồ Chí Minh": a person's name in an organisation's
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
        context_iris = self._across_eras(context)
        for unit in cands:
            if any(a.iri in context_iris for a in self._ancestors(unit)):
                return unit
        for unit in cands:
            # a unit whose descendant is in context (e.g. the city of a mentioned ward)
            scope = self._across_eras([unit])
            if any(any(a.iri in scope for a in self._ancestors(c)) for c in context):
                return unit
        return None

    def _across_eras(self, units: list[AdminUnit]) -> set[str]:
        """The IRIs of ``units`` and of the provinces that preceded or succeeded them across
        the 2025 reform: a province named in a 2025 article places a ward of its old area."""
        iris = set()
        for u in units:
            iris.add(u.iri)
            if u.level in PROVINCE_LEVELS:
                iris.update(self.table.successors.get(u.iri, ()))
                iris.update(self._predecessors.get(u.iri, ()))
        return iris

    def is_within(self, unit: AdminUnit, other: AdminUnit) -> bool:
        """True when ``unit`` is ``other`` or lies inside it (across the reform for provinces)."""
        scope = self._across_eras([other])
        return unit.iri in scope or any(a.iri in scope for a in self._ancestors(unit))

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

    def _scan(self, text: str) -> tuple[UnitMention, ...]:
        mentions = self.mentions(text)
        typed_spans = [(m.start, m.end) for m in mentions]
        for bare in self.bare_provinces(text):
            if not any(s <= bare.start < e for s, e in typed_spans):
                mentions.append(bare)
        mentions.sort(key=lambda m: m.start)
        return tuple(mentions)

    def resolve_all(
        self, text: str, snapshot: str, context: list[AdminUnit] | None = None
    ) -> list[tuple[UnitMention, AdminUnit]]:
        """Every mention in ``text`` that resolves, ambiguous ones against the others."""
        mentions = self._scanned.get(text)
        if mentions is None:
            mentions = self._scanned[text] = self._scan(text)
            if len(self._scanned) > 512:
                self._scanned.clear()
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


__all__ = ["COMMITTEES", "Gazetteer", "UnitMention", "snapshot_for"]
_ = _NOT_NAMES
