"""Where a figure is: the article's main locality, and the locality of a figure's clause.

An article about one ward may also name its city and province; a national report names the
country and fifteen provinces; a ranking table names thirty-four. This module decides, from
the text only, which administrative unit each figure is about:

* the **snapshot** (:func:`article_snapshot`): the dateline's date ("06:04, 12/04/2021",
  " date 2025-11-04", dropped by cleaning with that reason), else the article's year; an
  undated article that names districts predates the 2025 reform.
* the **article** (:meth:`Localities.article`): every unit named in the title, the lead and
  the body (typed mentions in any case, "huyện Mèo Vạc", "HUYỆN LỤC NGẠN", "Huyện ủy Chi
  Lăng", "TP.Huế"; bare province names and their aliases; bare names of units the article
  types elsewhere), weighted by where they stand (title 3, lead 2, body 1), a unit named right
  after its own descendant ("phường Tân Quang, thành phố Tuyên Quang") counting for that
  descendant, the publisher's province (a source line, a site's domain) counting once, and
  the country ("cả nước", "toàn quốc", "Việt Nam") competing like a unit. The winner is the
  main locality only when the text supports it: named in the title or lead, or alone, or
  clearly more often than any other; equal units name no main locality.
* the **figure** (:meth:`Localities.area`): "lần lượt" pairs a list of units with a list of
  figures; else the unit named nearest before it in its clause, else one named after it
  across a link word ("ở vị trí thứ 2 là TP.Hồ Chí Minh"), else one named earlier in its
  sentence (not the baseline of a comparison, "so với B"), else the unit of a list that goes
  on after ";", the unit that frames the paragraph ("Tại xã Vân Canh, …"), the article's
  main locality. Level words without a name ("toàn xã", "của phường", "Huyện có", "Thị ủy",
  "địa phương này") refer to the unit of that level just named or the article's own.

A figure whose nearest locality is the country ("cả nước có …", "DTI quốc gia"), or that
counts provinces ("25 tỉnh, thành phố"), is national: it is placed on the country
(:data:`cdskg.extract.units.COUNTRY`, ``unit/country/VN``), not on a province. The country
named as a rank's field ("xếp thứ 14 cả nước", "dẫn đầu toàn quốc") is not a locality, and
a count a rank is out of ("thứ 14/63 tỉnh") is skipped, and so are a count of the provinces
just named or of a ranking's head or tail ("2 địa phương này", "3 địa phương đứng cuối
bảng") and a figure about the provinces a count names ("25 tỉnh, thành phố … hơn 50% số
xã"). An article that is national as a
whole (the country outweighs every unit) has no main locality: only a figure whose own
clause or sentence names the country is national, a clause-less one is not guessed onto it.
A figure is never given a guess: one about a hamlet ("làng O2") or about agencies ("khối các
sở"), and one that no unit can be given to, are reported as skipped with the reason.
Numbers that are part of a place's name ("Phường 5", "khu phố 1, 2, 3") are not figures.

The phrases are data (``[locality]`` in ``mappings/mentions.toml``).

(Over 500 lines: the article's locality and each clause's locality are one decision, made
from the same mentions.)
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cdskg.extract.gazetteer import (
    _TYPE_LEVELS,
    COMMITTEES,
    Gazetteer,
    UnitMention,
    snapshot_for,
)
from cdskg.extract.units import (
    COUNTRY,
    DISTRICT_LEVELS,
    POST2025,
    PRE2025,
    PROVINCE_LEVELS,
    AdminUnit,
)
from cdskg.rdf.iri import fold

#: why a figure gets no unit (the build report's skipped numbers)
NO_PLACE = "no locality: its clause names no unit and the article has no main locality"
AMBIGUOUS_MAIN = "no locality: the article names several localities equally"
PLACE_NAME = "part of a place name"
AGENCY = "about agencies (ministries, departments), not a locality"
HAMLET = "about a hamlet: the unit table has no hamlets, and its commune is not its place"
RANK_OUT_OF = "the number of provinces a rank is out of"
GROUP = "about a group of provinces it counts, not the country as a whole"
TOGETHER = "a count for a list of units together (their sum), no one unit's figure"

_BREAK = re.compile(r";|,\s|\s(?:và|còn|trong khi|tiếp theo là|tiếp đó là)\s|:\s|\.\s")
_DATE = re.compile(
    r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)|(?<!\d)(\d{4})-(\d{2})-(\d{2})"
)


@dataclass(frozen=True)
class LocalityRules:
    """``[locality]`` of ``mappings/mentions.toml``."""

    national: re.Pattern[str]
    national_scope: re.Pattern[str]
    province_count: re.Pattern[str]
    anaphor: re.Pattern[str]
    frame_before: re.Pattern[str]
    place_numbers: re.Pattern[str]
    hamlet: re.Pattern[str]
    publisher_line: re.Pattern[str]
    domain: re.Pattern[str]
    agencies: re.Pattern[str]
    link_after: re.Pattern[str]
    respectively: re.Pattern[str]
    aliases: dict[str, str]
    publishers: dict[str, str]
    not_a_place_before: re.Pattern[str] | None = None
    aggregate: re.Pattern[str] | None = None

    @classmethod
    def load(cls, path: Path) -> LocalityRules:
        with path.open("rb") as fh:
            data = tomllib.load(fh)["locality"]
        return cls(
            national=re.compile(data["national"]),
            national_scope=re.compile(data["national_scope"]),
            province_count=re.compile(data["province_count"]),
            anaphor=re.compile(data["anaphor"]),
            frame_before=re.compile(data["frame_before"]),
            place_numbers=re.compile(data["place_numbers"]),
            hamlet=re.compile(data["hamlet"]),
            publisher_line=re.compile(data["publisher_line"], re.MULTILINE),
            domain=re.compile(data["domain"]),
            agencies=re.compile(data["agencies"]),
            link_after=re.compile(data["link_after"]),
            respectively=re.compile(data["respectively"]),
            aliases=dict(data.get("aliases", {})),
            publishers=dict(data.get("publishers", {})),
            not_a_place_before=re.compile(data["not_a_place_before"])
            if "not_a_place_before" in data
            else None,
            aggregate=re.compile(data["aggregate"]) if "aggregate" in data else None,
        )


@dataclass(frozen=True)
class Place:
    """A locality said in a sentence: a unit, or (``unit`` None) the country, a level word
    ("toàn xã"), a hamlet or a group of agencies."""

    start: int
    end: int
    unit: AdminUnit | None
    national: bool = False
    #: named right after its own descendant ("phường 5, thành phố Mỹ Tho"): it situates
    #: the descendant, it is not what the clause is about
    of_previous: bool = False
    #: in brackets after a noun ("Làng O2 (xã Vĩnh Sơn, tỉnh Gia Lai)"): it situates the noun
    bracketed: bool = False
    anaphor: bool = False
    hamlet: bool = False
    agency: bool = False

    @property
    def qualifier(self) -> bool:
        return self.of_previous or self.bracketed


@dataclass
class ArticleLocality:
    """What the article as a whole is about."""

    main: AdminUnit | None
    snapshot: str
    #: why there is no main locality (None when there is one)
    reason: str | None = None
    #: bare names (folded) of the non-province units the article types somewhere
    known: dict[str, AdminUnit] = field(default_factory=dict)
    known_re: re.Pattern[str] | None = None
    published: str | None = None  # ISO date of a dateline, if any


class Localities:
    """Applies :class:`LocalityRules` with a :class:`Gazetteer`."""

    def __init__(self, gazetteer: Gazetteer, rules: LocalityRules):
        self.gazetteer = gazetteer
        self.rules = rules
        self._publishers = sorted(rules.publishers.items(), key=lambda kv: -len(kv[0]))
        #: province names without spaces, as in domains ("haugiang" → Hậu Giang)
        self._squeezed = {
            fold(u.short).replace(" ", "").replace("-", ""): u
            for u in gazetteer.table.units.values()
            if u.level in PROVINCE_LEVELS and u.snapshot == PRE2025 and len(u.short) > 4
        }

    # -- the article -----------------------------------------------------------------

    def article(
        self,
        title: str,
        text: str,
        year: int,
        this_year: int,
        datelines: list[str] = (),  # type: ignore[assignment]
        source_url: str | None = None,
    ) -> ArticleLocality:
        """The article's snapshot and main locality (see the module docstring);
        ``source_url``, the page it was taken from, names its publisher like a domain in
        the text does."""
        published = next((d for d in map(_iso_date, datelines) if d), None)
        snapshot = article_snapshot(year, this_year, published)
        body_start = len(title)
        lead_end = _lead_end(text, body_start)
        first = self._places(text, snapshot, [], None, figures=False)
        undated = snapshot == POST2025 and published is None and year == this_year
        if undated and any(p.unit is not None and p.unit.level in DISTRICT_LEVELS for p in first):
            # no date in the article: one that names districts ("huyện Lục Ngạn"), which the
            # reform abolished, was written before it
            snapshot = PRE2025
            first = self._places(text, snapshot, [], None, figures=False)
        known = {
            fold(u.short): u
            for p in first
            if p.unit is not None and not p.anaphor and p.unit.level not in PROVINCE_LEVELS
            for u in [p.unit]
            if len(u.short.split()) >= 2 and fold(u.short) not in self.gazetteer._provinces
        }
        art = ArticleLocality(None, snapshot, known=known, published=published)
        if known:
            names = sorted(known, key=len, reverse=True)
            art.known_re = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)")
        context = [p.unit for p in first if p.unit is not None]
        places = self._places(text, snapshot, context, art, figures=False)
        scores: Counter[str] = Counter()
        units: dict[str, AdminUnit] = {}
        in_front: set[str] = set()
        owner: dict[int, str] = {}  # place index → key its weight goes to
        for i, p in enumerate(places):
            if p.anaphor or p.hamlet or p.agency:
                continue
            key = "national" if p.national else p.unit.iri  # type: ignore[union-attr]
            if p.of_previous and i > 0 and (i - 1) in owner:
                key = owner[i - 1]  # "phường 5, thành phố Mỹ Tho": counts for phường 5
            owner[i] = key
            weight = 3 if p.start < body_start else 2 if p.start < lead_end else 1
            if p.start < lead_end:
                in_front.add(key)
            scores[key] += weight
            if p.unit is not None and key == p.unit.iri:
                units[key] = p.unit
        publisher_text = f"{text}\n{_site(source_url)}" if source_url else text
        for unit in self._publisher_provinces(publisher_text, snapshot):
            # the publisher's province: one mention's weight, and it stands in the header
            scores[unit.iri] += 1
            units[unit.iri] = unit
            in_front.add(unit.iri)
        if not scores:
            art.reason = "no administrative unit found in the article"
            return art
        ranked = scores.most_common()
        best, top = ranked[0]
        ties = [k for k, v in ranked if v == top]
        if len(ties) > 1 and len([k for k in ties if k in in_front]) == 1:
            # equal counts: the one the title or lead names ("… của Hậu Giang" in the lead
            # over "xã Hòa An, huyện Phụng Hiệp" in a reportage paragraph)
            ties = [k for k in ties if k in in_front]
            best = ties[0]
        if len(ties) > 1:
            # one of them inside the other: the more specific one ("xã Chi Lăng" over
            # "huyện Chi Lăng" named as often); else the article has no single locality
            inner = [
                k
                for k in ties
                if k != "national"
                and all(
                    o == k or (o != "national" and self._inside(units[k], units[o])) for o in ties
                )
            ]
            if len(inner) != 1:
                art.reason = AMBIGUOUS_MAIN
                return art
            best = inner[0]
        second = next((v for k, v in ranked if k != best), 0)
        if best == "national":
            art.reason = "a national article: figures need a unit named in their clause"
            return art
        # outside the title and lead: named at least twice and alone, or three times and
        # half as often again as any other (a ranking names its leader twice or more)
        if best not in in_front and not (
            (top >= 2 and second == 0) or (top >= 3 and top >= 1.5 * second)
        ):
            art.reason = "no locality dominates the article"
            return art
        art.main = units[best]
        return art

    def _publisher_provinces(self, text: str, snapshot: str) -> list[AdminUnit]:
        """The province a publisher line names: a mark of ``[locality.publishers]`` ("(GLO)"),
        or a province in a source line or a site's domain ("Nguồn: Báo Hậu Giang",
        "baocantho.com.vn" – the name with its spaces taken out)."""
        names: list[str] = []
        for mark, province in self._publishers:
            if _has_mark(text, mark):
                names.append(province)
                break
        lines = [m.group("publisher") for m in self.rules.publisher_line.finditer(text)]
        for m in self.rules.domain.finditer(text):
            squeezed = fold(m.group("name"))
            names += [u.short for k, u in self._squeezed.items() if k in squeezed]
        found: dict[str, AdminUnit] = {}
        for said in [*names, *lines]:
            for mention in self.gazetteer.bare_provinces(said):
                unit = self.gazetteer.resolve(mention, [], snapshot)
                if unit is not None:
                    found[unit.iri] = unit
        return list(found.values())

    def _inside(self, unit: AdminUnit, other: AdminUnit) -> bool:
        return unit.iri != other.iri and self.gazetteer.is_within(unit, other)

    # -- a sentence ------------------------------------------------------------------

    def places(
        self, s: str, snapshot: str, context: list[AdminUnit], art: ArticleLocality | None
    ) -> list[Place]:
        """Every locality said in ``s``, in order."""
        return self._places(s, snapshot, context, art)

    def _places(
        self,
        s: str,
        snapshot: str,
        context: list[AdminUnit],
        art: ArticleLocality | None,
        figures: bool = True,
    ) -> list[Place]:
        """Units and the country; with ``figures``, also level words, hamlets and agencies
        (only a figure's place needs them, not the article's)."""
        resolved = self.gazetteer.resolve_all(s, snapshot, context=context)
        spans = [(m.start, m.end) for m, _ in resolved]
        found: list[tuple[UnitMention | None, int, int, AdminUnit]] = [
            (m, m.start, m.end, u) for m, u in resolved
        ]
        if art is not None and art.known_re is not None:
            folded = fold(s)
            for m in art.known_re.finditer(folded):
                if not s[m.start()].isupper() or any(
                    a < m.end() and m.start() < b for a, b in spans
                ):
                    continue
                found.append((None, m.start(), m.end(), art.known[m.group(1)]))
                spans.append((m.start(), m.end()))
        found.sort(key=lambda f: f[1])
        result: list[Place] = []
        prev: tuple[int, AdminUnit] | None = None
        bracket_until = -1
        for _m, start, end, unit in found:
            before = s[:start].rstrip()
            bracketed = start < bracket_until
            if before.endswith("("):
                close = s.find(")", end)
                bracket_until = close if close >= 0 else len(s)
                bracketed = True
            gap = s[prev[0] : start] if prev else ""
            of_previous = (
                prev is not None
                and len(gap) <= 3
                and re.fullmatch(r"[\s,(–-]*", gap) is not None
                and self._inside(prev[1], unit)
            )
            result.append(Place(start, end, unit, of_previous=of_previous, bracketed=bracketed))
            prev = (end, unit)
        for m in self.rules.national.finditer(s):
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            if _inside_name(s, m.start()):
                continue  # "Uỷ ban MTTQ Việt Nam", "Hiệp hội TMĐT Việt Nam"
            if self.rules.national_scope.search(s[max(0, m.start() - 30) : m.start()]):
                continue  # "xếp thứ 14 cả nước", "dẫn đầu toàn quốc": a rank's field
            result.append(Place(m.start(), m.end(), None, national=True))
        if not figures:
            result.sort(key=lambda p: p.start)
            return result
        if art is not None and art.main is None and self.rules.aggregate is not None:
            taken = spans + [(p.start, p.end) for p in result if p.national]
            for m in self.rules.aggregate.finditer(s):
                if not any(a < m.end() and m.start() < b for a, b in taken):
                    result.append(Place(m.start(), m.end(), None, national=True))
        for m in self.rules.anaphor.finditer(s):
            if any(a <= m.start() < b for a, b in spans):
                continue
            result.append(Place(m.start(), m.end(), None, anaphor=True))
        for m in self.rules.agencies.finditer(s):
            result.append(Place(m.start(), m.end(), None, agency=True))
        for m in self.rules.hamlet.finditer(s):
            name = m.group("name")
            if not (name[0].isupper() or name.isdigit()):
                continue  # "các thôn, bản", "bản đồ": no name
            if not any(a < m.end() and m.start() < b for a, b in spans):
                bracketed = s[: m.start()].rstrip().endswith("(")
                result.append(Place(m.start(), m.end(), None, hamlet=True, bracketed=bracketed))
        result.sort(key=lambda p: p.start)
        return result

    def anaphor_levels(self, s: str, place: Place) -> frozenset[str]:
        m = self.rules.anaphor.match(s, place.start)
        if m is None:
            return frozenset()
        if m.group("this"):
            word = fold(m.group("this")).rsplit(" ", 1)[0]
            if word == "dia phuong":
                return _ANY_LEVEL
        else:
            word = fold(m.group("level") or m.group("committee")).strip()
        word = COMMITTEES.get(word, word)
        return _TYPE_LEVELS.get(word, frozenset())

    def name_numbers(self, s: str) -> list[tuple[int, int, str]]:
        """Spans of numbers that are part of a place's name ("Phường 5", "khu phố 1, 2, 3")."""
        return [(m.start(1), m.end(1), PLACE_NAME) for m in self.rules.place_numbers.finditer(s)]

    def frame(self, s: str, places: list[Place], main: AdminUnit | None) -> AdminUnit | None:
        """The unit a sentence sets as the frame of its paragraph: a sub-unit of the main
        locality named after a location word ("Tại xã Vân Canh, …", "tại địa bàn xã Chi
        Lăng")."""
        for p in places:
            if p.unit is None or p.qualifier or p.anaphor:
                continue
            if not self.rules.frame_before.search(s[max(0, p.start - 20) : p.start]):
                continue
            if main is None or self._inside(p.unit, main):
                return p.unit
        return None

    # -- a figure --------------------------------------------------------------------

    def area(
        self,
        s: str,
        start: int,
        end: int,
        places: list[Place],
        art: ArticleLocality,
        state: dict,
        kind: str = "count",
        parent: AdminUnit | None = None,
    ) -> tuple[AdminUnit | None, str | None]:
        """The unit of the figure at ``s[start:end]``, or None and the reason it has none
        (:meth:`_area`); remembers the unit for a list that goes on after a ";"."""
        units, why = self.areas(s, start, end, places, art, state, kind, parent)
        return (units[0] if units else None), why

    def areas(
        self,
        s: str,
        start: int,
        end: int,
        places: list[Place],
        art: ArticleLocality,
        state: dict,
        kind: str = "count",
        parent: AdminUnit | None = None,
    ) -> tuple[list[AdminUnit], str | None]:
        """The units of the figure at ``s[start:end]`` (:meth:`area`): the one its clause
        names, or every unit of the coordinated list that unit stands in ("Bắc Giang, Lạng
        Sơn … và Thái Nguyên đã hoàn thành 100%", "… đạt gần 0,6 là Cao Bằng, Quảng Trị và
        Hưng Yên"): a rate, score or rank stated for a list holds for each of its units. A
        count stated for a list is their sum, no unit's own figure: it is skipped, unless the
        text says "đều" (each); "lần lượt" pairs lists instead (:meth:`_respectively`)."""
        chosen: list[Place] = []
        unit, why = self._area(s, start, end, places, art, state, kind, parent, chosen)
        if unit is None:
            return [], why
        state["sentence_area"] = unit
        if not chosen or self.rules.respectively.search(s):
            return [unit], None
        run = [p.unit for p in self._run(s, chosen[0], places) if p.unit is not None]
        if len(run) < 2:
            return [unit], None
        if kind in ("count", "money") and not _EACH.search(s[_clause_start(s, start) : end]):
            return [], TOGETHER
        return run, None

    @staticmethod
    def _run(s: str, picked: Place, places: list[Place]) -> list[Place]:
        """The coordinated list of unit names ``picked`` stands in ("A, B và C"), in order;
        ``[picked]`` when it stands alone. A unit that situates its neighbour ("phường 5,
        thành phố Mỹ Tho") or names a comparison's baseline is no member."""
        units = [p for p in places if p.unit is not None and not p.qualifier and not p.anaphor]
        if picked not in units:
            return [picked]
        i = j = units.index(picked)
        while i > 0 and _UNIT_GAP.fullmatch(s[units[i - 1].end : units[i].start]):
            i -= 1
        while j + 1 < len(units) and _UNIT_GAP.fullmatch(s[units[j].end : units[j + 1].start]):
            j += 1
        run = units[i : j + 1]
        if _BASELINE.search(s[max(0, run[0].start - 24) : run[0].start]):
            return [picked]
        seen: set[str] = set()
        return [p for p in run if not (p.unit.iri in seen or seen.add(p.unit.iri))]  # type: ignore[union-attr, func-returns-value]

    def _area(
        self,
        s: str,
        start: int,
        end: int,
        places: list[Place],
        art: ArticleLocality,
        state: dict,
        kind: str = "count",
        parent: AdminUnit | None = None,
        chosen: list[Place] | None = None,
    ) -> tuple[AdminUnit | None, str | None]:
        """The unit of the figure at ``s[start:end]``, or None and the reason it has none;
        the place it was read from is appended to ``chosen`` (none for the main locality,
        the paragraph's frame or a list's unit).
        ``parent`` is a unit the figure's clause names by a phrase of its own (the main
        locality's province in "bình quân của tỉnh"); it comes after a unit named in the
        clause before the figure."""
        main = art.main
        c0 = _clause_start(s, start)
        c1 = _clause_end(s, end)
        if kind != "rank" and self.rules.province_count.match(s, end):
            if _rank_before(s, start):
                return None, RANK_OUT_OF
            if _GROUP_AFTER.match(s, self.rules.province_count.match(s, end).end()):
                return None, GROUP  # "2 địa phương này", "3 địa phương đứng cuối bảng"
            # "25 tỉnh, thành phố đã …": a count of provinces is a figure about the country
            return COUNTRY, None
        paired = self._respectively(s, start, places)
        if paired is not None:
            return paired, None

        def pick(p: Place, earlier: bool = False) -> tuple[AdminUnit | None, str | None] | None:
            if p.national:
                if s[p.start : p.start + 1].isdigit() and kind != "count":
                    # "25 tỉnh, thành phố đã “phủ xanh” hơn 50% số xã": those provinces'
                    # share; a count in them ("32/34 địa phương đã thành lập 3.139 trung
                    # tâm") is the country's
                    return None, GROUP
                return COUNTRY, None
            if p.hamlet:
                return None, HAMLET
            if p.agency:
                return None, AGENCY
            if p.anaphor:
                unit = self._resolve_anaphor(s, p, places, art, state)
                return (unit, None) if unit is not None else None
            if earlier and _BASELINE.search(s[max(0, p.start - 24) : p.start]):
                # "A (56,83%) so với B (4,21%) …, hơn 13 lần": a later clause is about A
                return None
            if chosen is not None:
                chosen.append(p)
            return p.unit, None

        usable = [p for p in places if not p.qualifier]
        if kind in ("rank", "score") and any(
            p.agency and end <= p.start < c1 and len(s[end : p.start].split()) <= 3 for p in usable
        ):
            return None, AGENCY  # "Văn phòng UBND tỉnh là đơn vị đứng đầu trong khối các sở"
        for p in sorted((p for p in usable if c0 <= p.start < start), key=lambda p: -p.start):
            got = pick(p)
            if got is not None:
                return got
        if parent is not None:
            return parent, None
        for p in (p for p in usable if end <= p.start < c1 and not p.national):
            if not self.rules.link_after.fullmatch(s[end : p.start]):
                break  # "gấp 5 lần tổng số gian hàng của nông dân Lạng Sơn": a modifier
            got = pick(p)
            if got is not None:
                return got
        for p in sorted((p for p in usable if p.start < c0), key=lambda p: -p.start):
            got = pick(p, earlier=True)
            if got is not None:
                return got
        subject = self._fronted_subject(s, start, usable)
        if subject is not None:
            got = pick(subject)
            if got is not None:
                return got
        listed = state.get("list_unit")
        if listed is not None:
            return listed, None  # "…: 100% cán bộ của phường …; 100% hồ sơ …": the same list
        frame = state.get("frame")
        if frame is not None:
            return frame, None
        if main is not None:
            return main, None
        return None, art.reason if art.reason == AMBIGUOUS_MAIN else NO_PLACE

    @staticmethod
    def _fronted_subject(s: str, start: int, usable: list[Place]) -> Place | None:
        """ "Là địa phương dẫn đầu toàn quốc về …, Hà Nội đã …": a sentence that opens with
        its predicate ("Là …", "Với …" up to the first comma) names its subject right after
        that comma; a figure inside the predicate is about that unit."""
        opened = _FRONTED.match(s)
        if opened is None or start >= opened.end():
            return None
        after = opened.end()
        for p in usable:
            if p.start >= after:
                return p if _SUBJECT_GAP.fullmatch(s[after : p.start]) else None
        return None

    def _respectively(self, s: str, start: int, places: list[Place]) -> AdminUnit | None:
        """ "Ninh Bình và Thanh Hóa lần lượt đứng thứ 6 và 12": with "lần lượt" in the
        sentence, the i-th figure of a list of as many figures as the list of units has
        units takes the i-th unit."""
        if not self.rules.respectively.search(s):
            return None
        units = [p for p in places if p.unit is not None and not p.qualifier and not p.anaphor]
        runs: list[list[Place]] = []
        for p in units:
            if runs and _UNIT_GAP.fullmatch(s[runs[-1][-1].end : p.start]):
                runs[-1].append(p)
            else:
                runs.append([p])
        run = max(runs, key=len, default=[])
        if len(run) < 2:
            return None
        groups: list[list[re.Match[str]]] = []
        for m in _NUMBER.finditer(s):
            if groups and _LIST_GAP.fullmatch(s[groups[-1][-1].end() : m.start()]):
                groups[-1].append(m)
            else:
                groups.append([m])
        for group in groups:
            starts = [m.start() for m in group]
            if start in starts and len(group) == len(run):
                return run[starts.index(start)].unit
        return None

    def _resolve_anaphor(
        self, s: str, p: Place, places: list[Place], art: ArticleLocality, state: dict
    ) -> AdminUnit | None:
        """ "toàn xã", "của phường", "Huyện có": the unit of that level named just before (in
        the sentence, then in the paragraph), else the article's main locality if it is of
        that level. An ancestor of the main locality is not taken from a bare level word
        (the figure phrases of ``parent_refs`` do that)."""
        levels = self.anaphor_levels(s, p)
        if not levels:
            return None
        for q in sorted(places, key=lambda q: -q.start):
            if (
                q.start < p.start
                and q.unit is not None
                and not q.anaphor
                and q.unit.level in levels
            ):
                return q.unit
        if levels is _ANY_LEVEL:
            return state.get("last")  # "địa phương này": the unit named last
        recent = state.get("recent", {})
        for level in levels:
            if level in recent:
                return recent[level]
        main = art.main
        if main is None:
            return None
        if main.level in levels:
            return main
        if re.match(r"(?i:toàn|cả)\s", s[p.start : p.start + 5]):
            # "toàn tỉnh", "cả huyện" in a ward's article: the whole of its province
            for level in levels:
                parent = self.gazetteer.ancestor_at(main, level)
                if parent is not None:
                    return parent
        return None

    def remember(self, s: str, places: list[Place], state: dict, main: AdminUnit | None) -> None:
        """After a sentence: the units it named, by level, and the paragraph's frame."""
        recent = state.setdefault("recent", {})
        for p in places:
            if p.unit is not None and not p.anaphor:
                recent[p.unit.level] = p.unit
                if not p.qualifier:
                    state["last"] = p.unit
        # a sentence that ends with ";" goes on in the next one ("…; 100% hồ sơ …")
        if s.rstrip().endswith(";"):
            if "sentence_area" in state:
                state["list_unit"] = state["sentence_area"]
        else:
            state.pop("list_unit", None)
        state.pop("sentence_area", None)
        frame = self.frame(s, places, main)
        named = [p.unit for p in places if p.unit is not None and not p.qualifier and not p.anaphor]
        if (
            frame is None
            and main is None
            and not named
            and any(p.national and not s[p.start : p.start + 1].isdigit() for p in places)
        ):
            # no main locality: a sentence about the country frames the rest of its paragraph
            # ("Việt Nam đã có 91,3 triệu thuê bao. Đến tháng 3, đã có thêm 2 triệu …")
            frame = COUNTRY
        if frame is None and main is None and named:
            # no main locality: the unit a sentence is about frames the rest of its paragraph
            # ("Hà Nội đã thí điểm từ tháng 4/2024. Tính đến ngày 31/7, … đạt 97,6%.")
            frame = named[-1] if len(set(u.iri for u in named)) == 1 else None
            if frame is None:
                state.pop("frame", None)
                return
        if frame is not None:
            state["frame"] = frame
        elif named:
            state.pop("frame", None)

    @staticmethod
    def new_paragraph(state: dict) -> None:
        state.pop("list_unit", None)
        state.pop("recent", None)
        state.pop("last", None)
        state.pop("frame", None)


_BASELINE = re.compile(r"(?i:so với)\s*(?:(?:tỉnh|thành phố|TP\.?|huyện|quận|xã|phường)\s*)?$")
_ANY_LEVEL = frozenset().union(*_TYPE_LEVELS.values())
_NUMBER = re.compile(r"(?<![\w.,/])\d{1,3}(?:\.\d{3})*(?:,\d+)?(?:/\d+)?(?![\w/])")
#: between two figures of one list: "và", a comma, and a unit word ("0,5064 điểm và 0,4880")
_LIST_GAP = re.compile(r"\s*(?:%|điểm)?\s*(?:,|và|,\s*và)\s*(?:thứ\s+)?")
_UNIT_GAP = re.compile(r"\s*(?:,|và|,\s*và)\s*")
_EACH = re.compile(r"(?i)\bđều\b")
#: a sentence's fronted predicate, up to its comma: "Là địa phương dẫn đầu …, "
_FRONTED = re.compile(r"\s*(?:Là|Trở thành|Từng là)\s[^,;:]{3,160},\s*")
_SUBJECT_GAP = re.compile(r"\s*(?:(?:tỉnh|thành phố|TP\.?|huyện|quận|thị xã|xã|phường)\s*)?")


def article_snapshot(year: int, this_year: int, published: str | None = None) -> str:
    """The unit snapshot an article speaks in: its dateline's, else its year's (an article
    of the current year, or of a year after the reform, is post-reform)."""
    if published:
        return snapshot_for(published)
    if year >= 2026 or (year == this_year and this_year >= 2025):
        return POST2025
    if year <= 2024:
        return PRE2025
    return snapshot_for(f"{year}-12-31")


def _iso_date(text: str) -> str | None:
    m = _DATE.search(text)
    if m is None:
        return None
    if m.group(4):
        y, mo, d = int(m.group(4)), int(m.group(5)), int(m.group(6))
    else:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 2000 <= y <= 2100):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _lead_end(text: str, body_start: int) -> int:
    """End of the lead: the first paragraph of the body, at most 400 characters."""
    rest = text[body_start:]
    lead_start = body_start + len(rest) - len(rest.lstrip())
    nl = text.find("\n", lead_start)
    end = nl if nl >= 0 else len(text)
    return min(end, lead_start + 400)


def _site(url: str) -> str:
    """The host of a URL ("https://baobariavungtau.com.vn/…" → "baobariavungtau.com.vn"):
    its path may name other places (a story's slug), the host names the publisher."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return host.split("@")[-1].split(":")[0]


def _has_mark(text: str, mark: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(mark) + r"(?!\w)", text[:600]) is not None


def _inside_name(s: str, start: int) -> bool:
    """True when the word before ``start`` is a capitalised word inside a name (not the
    sentence's first word, not a preposition): "MTTQ Việt Nam", "Ngân hàng Nhà nước"."""
    if not s[start : start + 1].isupper():
        return False
    before = s[:start].rstrip()
    m = re.search(r"(\S+)$", before)
    if m is None:
        return False
    word = m.group(1)
    if not word[:1].isupper() or m.start() == 0 or not word[-1].isalnum():
        return False  # "của Bộ KH&CN, DTI quốc gia …": a comma ends the name before
    return before[: m.start()].rstrip()[-1:] not in ".:;!?"


def _clause_start(s: str, start: int) -> int:
    starts = [m.end() for m in _BREAK.finditer(s, 0, start)]
    return starts[-1] if starts else 0


def _clause_end(s: str, end: int) -> int:
    m = _BREAK.search(s, end)
    return m.start() if m else len(s)


#: after a count of provinces: the provinces just named, or the head or tail of a ranking
_GROUP_AFTER = re.compile(r"\s*(?:này|đó|nói trên|trên\b)|\s+(?:đứng|dẫn đầu|xếp)\b")

_RANK_BEFORE = re.compile(r"(?:thứ|vị trí|hạng|trong|trên|/)\s*$", re.IGNORECASE)


def _rank_before(s: str, start: int) -> bool:
    return _RANK_BEFORE.search(s[max(0, start - 12) : start]) is not None


__all__ = [
    "NO_PLACE",
    "PLACE_NAME",
    "ArticleLocality",
    "Localities",
    "LocalityRules",
    "Place",
    "article_snapshot",
]
