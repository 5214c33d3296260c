"""Vietnam's administrative units, before and after the 1 July 2025 reform.

The data comes from the ``vietnamadminunits`` package (MIT), which ships the statistics
office's codes for the pre-2025 three-level system (province / district / ward) and the
post-2025 two-level system (province / ward), plus the conversion tables between them.
Nothing is typed by hand here: this module only reads that data and mints IRIs for it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from cdskg.rdf import iri
from cdskg.text.fold import fold

PRE2025 = "pre2025"
POST2025 = "2025"
#: The day the two-level system took effect.
REFORM_DATE = "2025-07-01"

#: Vietnamese type word (folded) → level notation (a concept in the unit-level scheme).
LEVEL_BY_TYPE = {
    "tinh": "province",
    "thanh pho trung uong": "central-city",
    "quan": "urban-district",
    "huyen": "district",
    "thi xa": "town",
    "thanh pho": "provincial-city",
    "phuong": "ward",
    "xa": "commune",
    "thi tran": "township",
    "dac khu": "special-zone",
}

#: Level notation → ontology class local name.
CLASS_BY_LEVEL = {
    "country": "Country",
    "province": "Province",
    "central-city": "CentralCity",
    "urban-district": "UrbanDistrict",
    "district": "District",
    "town": "Town",
    "provincial-city": "ProvincialCity",
    "ward": "Ward",
    "commune": "Commune",
    "township": "Township",
    "special-zone": "SpecialZone",
    "hamlet": "Hamlet",
}

#: The snapshot value of the country: it is the same unit before and after the reform.
ALL_SNAPSHOTS = "all"
#: ISO 3166-1 alpha-2 code of the country, its skos:notation.
COUNTRY_CODE = "VN"

PROVINCE_LEVELS = frozenset({"province", "central-city"})
DISTRICT_LEVELS = frozenset({"urban-district", "district", "town", "provincial-city"})
WARD_LEVELS = frozenset({"ward", "commune", "township", "special-zone"})


@dataclass(frozen=True)
class AdminUnit:
    """One administrative unit as it existed in one snapshot."""

    iri: str
    code: str
    level: str
    name: str  # full name with its type word: "Quận Bình Thủy"
    short: str  # without the type word: "Bình Thủy"
    snapshot: str
    parent: str | None = None  # IRI of the parent unit in the same snapshot
    key: str = ""  # the package's own key, used to link snapshots


#: The country, the unit of national figures ("cả nước", "DTI quốc gia"). It is not in the
#: statistics office's tables (not in :func:`load_units`, so the gazetteer never matches its
#: name as a unit: the ``national`` phrases of ``[locality]`` find it), has no parent (the
#: provinces keep none) and is valid in every snapshot.
COUNTRY = AdminUnit(
    iri.country(COUNTRY_CODE), COUNTRY_CODE, "country", "Việt Nam", "Việt Nam", ALL_SNAPSHOTS
)
#: Its English name (the reference graph labels it in both languages).
COUNTRY_NAME_EN = "Viet Nam"


@dataclass
class UnitTable:
    """All units of both snapshots, with name indexes for the gazetteer."""

    units: dict[str, AdminUnit] = field(default_factory=dict)
    #: folded short name → units with that name (any level, any snapshot)
    by_short: dict[str, list[AdminUnit]] = field(default_factory=dict)
    #: unit IRI → IRIs of its successors after the reform
    successors: dict[str, list[str]] = field(default_factory=dict)
    #: folded, space-free "type+name" of a unit merged away before the data's snapshot
    #: (e.g. "phuongthongnhat") → the pre-2025 units that absorbed one of that name
    former: dict[str, list[AdminUnit]] = field(default_factory=dict)

    def add(self, unit: AdminUnit) -> None:
        if unit.iri in self.units:
            return
        self.units[unit.iri] = unit
        self.by_short.setdefault(fold(unit.short), []).append(unit)

    def children(self, parent_iri: str) -> Iterator[AdminUnit]:
        return (u for u in self.units.values() if u.parent == parent_iri)

    def ancestors(self, unit: AdminUnit) -> Iterator[AdminUnit]:
        current = unit
        while current.parent is not None:
            current = self.units[current.parent]
            yield current


#: level → the folded type word that opens the key of a unit of that level merged away
#: ("phuongthongnhat", "huyenyendung")
FORMER_TYPES = {
    "ward": "phuong",
    "commune": "xa",
    "township": "thitran",
    "district": "huyen",
    "town": "thixa",
    "urban-district": "quan",
    "provincial-city": "thanhpho",
}
_FORMER_PREFIXES = tuple(FORMER_TYPES[level] for level in ("ward", "commune", "township"))
_FORMER_DISTRICT_PREFIXES = tuple(
    FORMER_TYPES[level] for level in ("district", "town", "urban-district", "provincial-city")
)
FORMER = "former"


def former_unit(absorbed_by: AdminUnit, level: str, name: str) -> AdminUnit:
    """A unit merged away before the data's snapshot, named as an article names it.

    The package keeps only its folded name as an alias of the unit that absorbed it, so
    the label comes from the article's own spelling and the IRI from its successor.
    """
    type_word = {
        "ward": "Phường",
        "commune": "Xã",
        "township": "Thị trấn",
        "district": "Huyện",
        "town": "Thị xã",
        "urban-district": "Quận",
        "provincial-city": "Thành phố",
    }[level]
    return AdminUnit(
        iri.unit(FORMER, level, f"{absorbed_by.code}-{iri.slug(name)}"),
        "",
        level,
        f"{type_word} {name}",
        name,
        FORMER,
        absorbed_by.parent,
        absorbed_by.iri,  # the key of a former unit is the unit that absorbed it
    )


def _data_path(name: str) -> str:
    # find_spec locates the package without importing it: its __init__ pulls in pandas
    # and takes seconds, and only its data files are needed here
    spec = find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the vietnamadminunits package is not installed; run make install")
    return str(Path(next(iter(spec.submodule_search_locations))) / "data" / name)


def _province_level(full_name: str) -> str:
    return "central-city" if full_name.startswith("Thành phố") else "province"


def _type_level(type_word: str | None, default: str) -> str:
    if not type_word:
        return default
    return LEVEL_BY_TYPE.get(fold(type_word), default)


def _province(
    table: UnitTable,
    made: dict[str, AdminUnit],
    snapshot: str,
    code: str,
    name: str,
    short: str,
    key: str,
) -> AdminUnit:
    """A row's province, made at its first row (the data has a row per ward)."""
    unit = made.get(code)
    if unit is None:
        level = _province_level(name)
        unit = made[code] = AdminUnit(
            iri.unit(snapshot, "province", code), code, level, name, short, snapshot, None, key
        )
        table.add(unit)
    return unit


@cache
def load_units() -> UnitTable:
    """Read every unit of both snapshots. Cached: the data does not change at run time."""
    table = UnitTable()
    db = sqlite3.connect(f"file:{_data_path('dataset.db')}?mode=ro", uri=True)
    try:
        legacy_province_by_key: dict[str, str] = {}
        legacy_ward_by_key: dict[str, str] = {}
        legacy_provinces: dict[str, AdminUnit] = {}
        districts: dict[str, AdminUnit] = {}
        new_provinces: dict[str, AdminUnit] = {}
        for row in db.execute(
            "SELECT province, provinceShort, provinceCode, provinceKey,"
            " district, districtShort, districtType, districtCode, districtKey,"
            " ward, wardShort, wardType, wardCode, wardKey, wardAlias, districtAlias"
            " FROM admin_units_legacy"
        ):
            (p_name, p_short, p_code, p_key, d_name, d_short, d_type, d_code, d_key) = row[:9]
            (w_name, w_short, w_type, w_code, w_key, w_alias, d_alias) = row[9:]
            # one row per ward: its province and district are made once, at their first row
            province = _province(table, legacy_provinces, PRE2025, p_code, p_name, p_short, p_key)
            legacy_province_by_key[p_key] = province.iri
            district = districts.get(d_code)
            if district is None:
                district = districts[d_code] = AdminUnit(
                    iri.unit(PRE2025, "district", d_code),
                    d_code,
                    _type_level(d_type, "district"),
                    d_name,
                    d_short,
                    PRE2025,
                    province.iri,
                    d_key,
                )
                table.add(district)
                # districts merged into this one before the data's snapshot ("huyện Yên Dũng"
                # into Bắc Giang city, 2025-01): articles of 2021-2024 still name them
                own = fold(d_short).replace(" ", "").replace("-", "")
                for alias in json.loads(d_alias or "[]"):
                    prefix = next((t for t in _FORMER_DISTRICT_PREFIXES if alias.startswith(t)), "")
                    # "thixabencat" for Thành phố Bến Cát is the same district upgraded, named
                    # as it is today; only another name is a district merged into this one
                    if prefix and alias != d_key and alias[len(prefix) :] != own:
                        table.former.setdefault(alias, []).append(district)
            if w_code and w_name:
                ward = AdminUnit(
                    iri.unit(PRE2025, "ward", w_code),
                    w_code,
                    _type_level(w_type, "commune"),
                    w_name,
                    w_short,
                    PRE2025,
                    district.iri,
                    w_key,
                )
                table.add(ward)
                legacy_ward_by_key[f"{p_key}_{d_key}_{w_key}"] = ward.iri
                for alias in json.loads(w_alias or "[]"):
                    if alias.startswith(_FORMER_PREFIXES) and alias != w_key:
                        table.former.setdefault(alias, []).append(ward)
        new_province_by_key: dict[str, str] = {}
        new_ward_by_key: dict[tuple[str, str], str] = {}
        for p_name, p_short, p_code, p_key, w_name, w_short, w_type, w_code, w_key in db.execute(
            "SELECT province, provinceShort, provinceCode, provinceKey,"
            " ward, wardShort, wardType, wardCode, wardKey FROM admin_units"
        ):
            province = _province(table, new_provinces, POST2025, p_code, p_name, p_short, p_key)
            new_province_by_key[p_key] = province.iri
            ward = AdminUnit(
                iri.unit(POST2025, "ward", w_code),
                w_code,
                _type_level(w_type, "commune"),
                w_name,
                w_short,
                POST2025,
                province.iri,
                w_key,
            )
            table.add(ward)
            new_ward_by_key[(p_key, w_key)] = ward.iri
    finally:
        db.close()

    with open(_data_path("converter_2025.json"), encoding="utf-8") as fh:
        converter = json.load(fh)
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        for old_key in old_keys:
            if old_key in legacy_province_by_key and new_key in new_province_by_key:
                table.successors.setdefault(legacy_province_by_key[old_key], []).append(
                    new_province_by_key[new_key]
                )
    for p_key, wards in converter.get("DICT_PROVINCE_WARD_NO_DIVIDED", {}).items():
        for new_w_key, old_full_keys in wards.items():
            new_iri = new_ward_by_key.get((p_key, new_w_key))
            for old_full in old_full_keys:
                old_iri = legacy_ward_by_key.get(old_full)
                if new_iri and old_iri:
                    table.successors.setdefault(old_iri, []).append(new_iri)
    for p_key, divided in converter.get("DICT_PROVINCE_WARD_DIVIDED", {}).items():
        for old_full, targets in divided.items():
            old_iri = legacy_ward_by_key.get(old_full)
            for target in targets:
                new_iri = new_ward_by_key.get((p_key, target["newWardKey"]))
                if new_iri and old_iri:
                    table.successors.setdefault(old_iri, []).append(new_iri)
    # A district was abolished in 2025; its territory went to its province's successor.
    for unit in list(table.units.values()):
        if unit.snapshot == PRE2025 and unit.level in DISTRICT_LEVELS and unit.parent:
            table.successors.setdefault(unit.iri, list(table.successors.get(unit.parent, [])))
    return table
