"""Python twins of the SPARQL constraints in ``shapes/*.ttl``: the rows Oxigraph would give.

Parsing and planning each ``sh:select`` in Oxigraph, and loading a scratch store for it,
cost more than the rest of native validation together. A twin evaluates the same query
over the batch's index (:class:`cdskg.validation.native.Data`) for one focus node (``$this``
pre-bound: :func:`cdskg.validation.native._prebinding_is_a_filter` proved that equal to
filtering the free query's rows) and yields the ``?value`` of each row (None: unbound), as Oxigraph
would compute them: its ``=``/``<`` on RDF terms (:func:`equals`, :func:`compare`, read
from spareval's ``equals``/``partial_cmp``), its xsd:integer (i64) and xsd:decimal (i128
scaled by 10¹⁸, with its rounding and overflow rules: :func:`_mul`, :func:`_div`), STR
of the stored (canonical) form, SUBSTR/STRLEN on code points, an error making a FILTER
false and ``||``/``&&`` with errors as SPARQL has them.

A twin is bound to its constraint by :func:`fingerprint` of the query text: edit a
shape's ``sh:select`` and its constraint runs in Oxigraph again until the twin and its
fingerprint are updated (``tests/test_shacl_twins.py`` says so, and compares every twin
with Oxigraph on the shape examples, the corpus, synthetic and random graphs).

Where a twin cannot be sure of Oxigraph's answer (a datatype outside the model, a number
Oxigraph cannot hold, a lexical form whose canonical form it would have to guess) it
raises :class:`Unsure` and the constraint runs in Oxigraph for that batch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:
    from cdskg.validation.native import Data

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Twin = Callable[[Term, "Data"], Iterator[Term | None]]


class Unsure(Exception):
    """The twin cannot be sure what Oxigraph would answer: run the query there."""


def fingerprint(select: str) -> str:
    """The constraint's identity: its ``sh:select`` text, whitespace-normalised."""
    return hashlib.sha256(" ".join(select.split()).encode()).hexdigest()[:20]


# --- terms as Oxigraph's expressions see them ----------------------------------------------

_XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = _XSD + "string"
IRI, BNODE, STRING, LANG, INTEGER, DECIMAL, DATE, DATETIME, BOOLEAN = range(9)
_NUMERIC = (INTEGER, DECIMAL)
Value = tuple[int, object]

_POW = 10**18  # Oxigraph's decimal: an i128 holding value·10¹⁸
_I128_MIN, _I128_MAX = -(2**127), 2**127 - 1
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_INTEGER_FORM = re.compile(r"-?[0-9]+").fullmatch
_DECIMAL_FORM = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?").fullmatch
_DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fullmatch
_DATETIME_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}").fullmatch

_cache: dict[Term, tuple[Value, str | None]] = {}


def _read(t: Term) -> tuple[Value, str | None]:
    """(the value Oxigraph's expressions see, STR() of the stored term: None for a blank
    node), or :class:`Unsure` for a literal outside the model."""
    found = _cache.get(t)
    if found is not None:
        return found
    if type(t) is ox.NamedNode:
        found = ((IRI, t), t.value)
    elif type(t) is ox.BlankNode:
        found = ((BNODE, t), None)
    else:
        found = _read_literal(t)  # type: ignore[arg-type]
    if len(_cache) > 200_000:
        _cache.clear()
    _cache[t] = found
    return found


def _read_literal(lit: ox.Literal) -> tuple[Value, str | None]:
    text = lit.value
    if lit.language is not None:
        return (LANG, (text, lit.language)), text
    datatype = lit.datatype.value
    if datatype == XSD_STRING:
        return (STRING, text), text
    if datatype == _XSD + "integer":
        if not _INTEGER_FORM(text):
            raise Unsure(f"integer form {text!r}")
        n = int(text)
        if not _I64_MIN <= n <= _I64_MAX:
            raise Unsure(f"integer {text} beyond Oxigraph's i64")
        return (INTEGER, n), str(n)
    if datatype == _XSD + "decimal":
        m = _DECIMAL_FORM(text)
        if m is None:
            raise Unsure(f"decimal form {text!r}")
        sign, whole, fraction = m.groups()
        fraction = (fraction or "").rstrip("0")
        if len(fraction) > 18:
            raise Unsure(f"decimal {text} finer than Oxigraph's 18 digits")
        scaled = int(whole + fraction.ljust(18, "0")) * (-1 if sign else 1)
        if not _I128_MIN <= scaled <= _I128_MAX:
            raise Unsure(f"decimal {text} beyond Oxigraph's range")
        return (DECIMAL, scaled), _decimal_text(scaled)
    if datatype == _XSD + "date" and _DATE_FORM(text):
        try:
            return (DATE, date.fromisoformat(text)), text
        except ValueError:
            raise Unsure(f"date {text}") from None
    if datatype == _XSD + "dateTime" and _DATETIME_FORM(text):
        try:
            return (DATETIME, datetime.fromisoformat(text)), text
        except ValueError:
            raise Unsure(f"dateTime {text}") from None
    if datatype == _XSD + "boolean" and text in ("true", "false"):
        return (BOOLEAN, text == "true"), text
    raise Unsure(f"literal {lit}")


def _decimal_text(scaled: int) -> str:
    """Oxigraph's canonical form of a decimal (what STR gives of a stored one)."""
    whole, fraction = divmod(abs(scaled), _POW)
    text = str(whole)
    if fraction:
        text += "." + str(fraction).rjust(18, "0").rstrip("0")
    return "-" + text if scaled < 0 and text != "0" else text


def value(t: Term) -> Value:
    return _read(t)[0]


def string(t: Term) -> str | None:
    """STR(t); None: an error (a blank node)."""
    return _read(t)[1]


def _scaled(v: Value) -> int:
    return v[1] * _POW if v[0] == INTEGER else v[1]  # type: ignore[operator,return-value]


def compare(a: Value, b: Value) -> int | None:
    """Oxigraph's ``partial_cmp`` for ``<``, ``>``, ``<=``, ``>=``: -1, 0, 1, or None (an
    error: terms it does not order)."""
    if a == b:
        return 0
    ka, kb = a[0], b[0]
    if ka in _NUMERIC and kb in _NUMERIC:
        x, y = _scaled(a), _scaled(b)
        return (x > y) - (x < y)
    if ka == kb and ka in (STRING, DATE, DATETIME):
        x, y = a[1], b[1]
        return (x > y) - (x < y)  # type: ignore[operator]
    if ka == kb == LANG and a[1][1] == b[1][1]:  # type: ignore[index]
        x, y = a[1][0], b[1][0]  # type: ignore[index]
        return (x > y) - (x < y)
    return None


def equals(a: Value, b: Value) -> bool:
    """Oxigraph's ``=`` (never an error for the terms :func:`value` admits: only literals
    of other datatypes make it one)."""
    ka, kb = a[0], b[0]
    if ka in _NUMERIC:
        return kb in _NUMERIC and _scaled(a) == _scaled(b)
    return a == b  # same kind and value; a different kind is false


def _greater(a: Value, b: Value) -> bool:
    c = compare(a, b)
    return c is not None and c > 0


def _less(a: Value, b: Value) -> bool:
    c = compare(a, b)
    return c is not None and c < 0


# --- Oxigraph's decimal arithmetic (oxsdatatypes::Decimal), None on its errors -------------


def _i128(x: int) -> int | None:
    return x if _I128_MIN <= x <= _I128_MAX else None


def _strip(x: int) -> tuple[int, int]:
    shift = 0
    if x != 0:
        while x % 10 == 0:
            x //= 10
            shift += 1
    return x, shift


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _mul(a: int, b: int) -> int | None:
    """Decimal::checked_mul on scaled values: exact, else an error."""
    left, sl = _strip(a)
    right, sr = _strip(b)
    shift = sl + sr - 18
    if shift < 0 or shift > 38:
        return None
    product = _i128(left * right)
    return None if product is None else _i128(product * 10**shift)


def _div(a: int, b: int) -> int | None:
    """Decimal::checked_div on scaled values: truncated to 18 digits, or an error."""
    left, sl = a, 0
    if left != 0:
        # shift left as far as i128 allows (Oxigraph multiplies by 10 until it overflows)
        sl = max(39 - len(str(abs(left))), 0)
        while _i128(left * 10**sl) is None:
            sl -= 1
        while _i128(left * 10 ** (sl + 1)) is not None:
            sl += 1
        left *= 10**sl
    right, sr = _strip(b)
    shift = sl + sr - 18
    if right == 0 or shift < 0 or shift > 38:
        return None
    if left == _I128_MIN and right == -1:
        return None
    return _trunc_div(_trunc_div(left, right), 10**shift)


def _times_100(v: Value) -> Value | None:
    """``100 * v`` (xsd:integer 100): an integer stays one (i64), a decimal is one."""
    if v[0] == INTEGER:
        n = 100 * v[1]  # type: ignore[operator]
        return (INTEGER, n) if _I64_MIN <= n <= _I64_MAX else None
    if v[0] == DECIMAL:
        scaled = _mul(100 * _POW, v[1])  # type: ignore[arg-type]
        return None if scaled is None else (DECIMAL, scaled)
    return None


_quotients: dict[tuple[int, int], int | None] = {}


def _divide(a: Value, b: Value) -> int | None:
    """``a / b`` of two numbers: a decimal (integers are divided as decimals)."""
    if a[0] not in _NUMERIC or b[0] not in _NUMERIC:
        return None
    key = (_scaled(a), _scaled(b))
    if key not in _quotients:  # a batch states the same few ratios again and again
        if len(_quotients) > 100_000:
            _quotients.clear()
        _quotients[key] = _div(*key)
    return _quotients[key]


# --- the data --------------------------------------------------------------------------------

_EMPTY: dict = {}
_NONE: list = []


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


_RDF_TYPE = _n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_OA = "http://www.w3.org/ns/oa#"
_SCHEMA = "https://schema.org/"
_CDSKG = "https://w3id.org/cdskg/ontology#"
_SDMX = "http://purl.org/linked-data/sdmx/2009/"
_TIME = "http://www.w3.org/2006/time#"
_UNIT = "http://qudt.org/vocab/unit/"
_LEVEL = "https://w3id.org/cdskg/id/level/"
_INDICATOR = "https://w3id.org/cdskg/id/indicator/"

OBS_VALUE = _n(_SDMX + "measure#obsValue")
UNIT_MEASURE = _n(_SDMX + "attribute#unitMeasure")
REF_PERIOD = _n(_SDMX + "dimension#refPeriod")
PERCENT, NUM = _n(_UNIT + "PERCENT"), _n(_UNIT + "NUM")
VALUE_ROLE = _n(_CDSKG + "valueRole")
INDICATOR = _n(_CDSKG + "indicator")
NUMERATOR, DENOMINATOR = _n(_CDSKG + "numerator"), _n(_CDSKG + "denominator")
STATED_AS = _n(_CDSKG + "statedAs")
INDICATOR_UNIT = _n(_CDSKG + "unitMeasure")
SOURCE_ARTICLE = _n(_CDSKG + "sourceArticle")
LEVEL, SNAPSHOT = _n(_CDSKG + "level"), _n(_CDSKG + "snapshot")
PARENT_UNIT = _n(_CDSKG + "parentUnit")
NOTATION = _n("http://www.w3.org/2004/02/skos/core#notation")
HAS_SOURCE, HAS_SELECTOR = _n(_OA + "hasSource"), _n(_OA + "hasSelector")
EXACT, START, END = _n(_OA + "exact"), _n(_OA + "start"), _n(_OA + "end")
QUOTE_SELECTOR = _n(_OA + "TextQuoteSelector")
POSITION_SELECTOR = _n(_OA + "TextPositionSelector")
TEXT, DATE_PUBLISHED = _n(_SCHEMA + "text"), _n(_SCHEMA + "datePublished")
HAS_BEGINNING, HAS_END = _n(_TIME + "hasBeginning"), _n(_TIME + "hasEnd")
IN_XSD_DATE = _n(_TIME + "inXSDDate")

_ZERO: Value = (INTEGER, 0)
_HUNDRED: Value = (INTEGER, 100)


def _has(data: Data, s: Term, p: ox.NamedNode, o: Term) -> bool:
    """The triple pattern ``s p o`` with a constant ``o`` (RDF term equality)."""
    return o in data.objects(s, p)


def _dates(data: Data, s: Term, edge: ox.NamedNode | None) -> list[Term]:
    """``s time:inXSDDate ?d`` (edge None) or ``s edge/time:inXSDDate ?d``."""
    if edge is None:
        return data.objects(s, IN_XSD_DATE)
    return [d for i in data.objects(s, edge) for d in data.objects(i, IN_XSD_DATE)]


# --- the twins ---------------------------------------------------------------------------------

TWINS: dict[str, tuple[str, Twin]] = {}  # fingerprint → (constraint's name, twin)


def twin(name: str, fingerprint_: str) -> Callable[[Twin], Twin]:
    def register(fn: Twin) -> Twin:
        TWINS[fingerprint_] = (name, fn)
        return fn

    return register


@twin("QuoteAtOffsetsShape", "b5ee7e6e022d735a15a7")
def quote_at_offsets(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/evidence.ttl, cdshape:QuoteAtOffsetsShape::

    $this oa:hasSource ?article ; oa:hasSelector ?q, ?p .
    ?q a oa:TextQuoteSelector ; oa:exact ?value .
    ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
    ?article schema:text ?text .
    FILTER (?start >= 0 && ?end > ?start)
    FILTER (SUBSTR(STR(?text), ?start + 1, ?end - ?start) != STR(?value))
    """
    selectors = data.objects(this, HAS_SELECTOR)
    if not selectors:
        return
    texts = [t for a in data.objects(this, HAS_SOURCE) for t in data.objects(a, TEXT)]
    quotes = [
        v
        for q in selectors
        if _has(data, q, _RDF_TYPE, QUOTE_SELECTOR)
        for v in data.objects(q, EXACT)
    ]
    if not texts or not quotes:
        return
    for p in selectors:
        if not _has(data, p, _RDF_TYPE, POSITION_SELECTOR):
            continue
        for start in data.objects(p, START):
            s = value(start)
            if (c := compare(s, _ZERO)) is None or c < 0:
                continue
            for end in data.objects(p, END):
                e = value(end)
                if not _greater(e, s):
                    continue
                # SUBSTR takes xsd:integer arguments only (a decimal sum is an error)
                if s[0] != INTEGER or e[0] != INTEGER or s[1] + 1 > _I64_MAX:  # type: ignore[operator]
                    continue
                first, length = s[1], e[1] - s[1]  # type: ignore[operator]
                for text in texts:
                    whole = string(text)
                    if whole is None:
                        continue
                    quoted = whole[first : first + length]  # code points, as Oxigraph
                    for v in quotes:
                        exact = string(v)
                        if exact is not None and quoted != exact:
                            yield v


_TARGET_RATES = {
    _n(_INDICATOR + "plan-achievement-rate"),
    _n(_INDICATOR + "eid-applications-target-rate"),
    _n(_INDICATOR + "eid-activation-target-rate"),
}
_CHANGE = ox.Literal("change")
_TARGET = ox.Literal("target")


@twin("PercentRangeShape", "5445173d483682937f36")
def percent_range(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/observation.ttl, cdshape:PercentRangeShape::

    $this sdmx-attribute:unitMeasure unit:PERCENT ; sdmx-measure:obsValue ?value .
    FILTER NOT EXISTS { $this cdskg:valueRole "change" }
    FILTER NOT EXISTS { $this cdskg:indicator ?indicator .
                        FILTER (?indicator IN (<three target rates>)) }
    FILTER (?value < 0 || ?value > 100)
    """
    by_p = data.index.get(this, _EMPTY)
    if PERCENT not in by_p.get(UNIT_MEASURE, _NONE) or _CHANGE in by_p.get(VALUE_ROLE, _NONE):
        return
    # IN compares with IRIs: true for the same IRI, false for anything else, never an error
    if any(i in _TARGET_RATES for i in by_p.get(INDICATOR, _NONE)):
        return
    for v in by_p.get(OBS_VALUE, _NONE):
        x = value(v)
        if _less(x, _ZERO) or _greater(x, _HUNDRED):
            yield v


@twin("CountNonNegativeShape", "9200d712bd2f04f7a312")
def count_non_negative(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/observation.ttl, cdshape:CountNonNegativeShape::

    $this sdmx-attribute:unitMeasure unit:NUM ; sdmx-measure:obsValue ?value .
    FILTER NOT EXISTS { $this cdskg:valueRole "change" }
    FILTER (?value < 0 || ?value != FLOOR(?value))
    """
    by_p = data.index.get(this, _EMPTY)
    if NUM not in by_p.get(UNIT_MEASURE, _NONE) or _CHANGE in by_p.get(VALUE_ROLE, _NONE):
        return
    for v in by_p.get(OBS_VALUE, _NONE):
        x = value(v)
        if _less(x, _ZERO):
            yield v
        elif x[0] == DECIMAL:
            if abs(x[1]) > 2**126:  # type: ignore[arg-type]
                raise Unsure(f"FLOOR({v}) may overflow in Oxigraph")
            if x[1] % _POW:  # type: ignore[operator]
                yield v  # not its own floor (FLOOR of an integer is itself)


@twin("NumeratorDenominatorShape", "8465af49035776b5489c")
def numerator_denominator(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/observation.ttl, cdshape:NumeratorDenominatorShape::

    $this cdskg:numerator ?value ; cdskg:denominator ?den .
    FILTER (?value > ?den)
    """
    dens = [value(d) for d in data.objects(this, DENOMINATOR)]
    for v in data.objects(this, NUMERATOR) if dens else ():
        x = value(v)
        if any(_greater(x, d) for d in dens):
            yield v


_FRACTION_TAIL = re.compile(r"[^0-9].*\Z")  # the query's "[^0-9].*$" (Python's $ also
# matches before a final newline, Rust's only at the end)
_TOLERANCE = {1: 5 * 10**16, 2: 5 * 10**15}  # by STRLEN(?frac): 0.05, 0.005 (scaled)


def _tolerance(stated: Term | None) -> int | None:
    """?tolerance from COALESCE(?stated, ""): scaled, or None where a BIND failed."""
    if stated is None:
        text, language = "", None
    elif type(stated) is ox.Literal and (
        stated.language is not None or stated.datatype.value == XSD_STRING
    ):
        text, language = stated.value, stated.language
    else:
        return None  # STRAFTER of an IRI, a number...: an error, ?frac unbound
    cut = text.find(",")
    # STRAFTER keeps the language tag, except when "," is absent: then it gives ""
    after, tag = (text[cut + 1 :], language) if cut >= 0 else ("", None)
    frac = _FRACTION_TAIL.sub("", after)
    if tag is None and frac == "":  # ""@vi = "" is false in Oxigraph: STRLEN 0 decides
        return 5 * 10**17  # 0.5
    return _TOLERANCE.get(len(frac), 5 * 10**14)  # 0.05, 0.005, else 0.0005


@twin("RatioAgreesShape", "2408dd07b7eab395b2cd")
def ratio_agrees(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/observation.ttl, cdshape:RatioAgreesShape::

    $this sdmx-measure:obsValue ?value ; sdmx-attribute:unitMeasure ?unit ;
          cdskg:numerator ?num ; cdskg:denominator ?den .
    FILTER (?den > 0)
    OPTIONAL { $this cdskg:statedAs ?stated }
    BIND (REPLACE(STRAFTER(COALESCE(?stated, ""), ","), "[^0-9].*$", "") AS ?frac)
    BIND (IF(?frac = "", 0.5, IF(STRLEN(?frac) = 1, 0.05,
          IF(STRLEN(?frac) = 2, 0.005, 0.0005))) AS ?tolerance)
    BIND (100 * ?num / ?den - ?value AS ?diff)
    FILTER ((?unit = unit:PERCENT && (?diff > ?tolerance || ?diff < -?tolerance))
            || (?unit = unit:NUM && ?value != ?num))
    """
    by_p = data.index.get(this, _EMPTY)
    values, units = by_p.get(OBS_VALUE), by_p.get(UNIT_MEASURE)
    nums, dens = by_p.get(NUMERATOR), by_p.get(DENOMINATOR)
    if not (values and units and nums and dens):
        return
    tolerances = [_tolerance(s) for s in by_p.get(STATED_AS) or [None]]
    percent, count = PERCENT in units, NUM in units  # ?unit = IRI: never an error
    for den in dens:
        d = value(den)
        if not _greater(d, _ZERO):
            continue
        for num in nums:
            n = value(num)
            hundred_n = _times_100(n)
            ratio = None if hundred_n is None else _divide(hundred_n, d)
            for v in values:
                x = value(v)
                if count and not equals(x, n):
                    yield v
                    continue
                if not percent or ratio is None or x[0] not in _NUMERIC:
                    continue  # false, or an error: the FILTER fails
                diff = _i128(ratio - _scaled(x))
                if diff is None:
                    continue
                if any(t is not None and (diff > t or diff < -t) for t in tolerances):
                    yield v


_UNCLASSIFIED = _n(_INDICATOR + "unclassified")


@twin("UnitFitsIndicatorShape", "cf4487239135a2fead98")
def unit_fits_indicator(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/observation.ttl, cdshape:UnitFitsIndicatorShape::

    $this sdmx-attribute:unitMeasure ?value ; cdskg:indicator ?indicator .
    ?indicator cdskg:unitMeasure ?expected .
    FILTER (?indicator != <.../indicator/unclassified>)
    FILTER (?value != ?expected)
    """
    by_p = data.index.get(this, _EMPTY)
    units = by_p.get(UNIT_MEASURE)
    for indicator in by_p.get(INDICATOR, _NONE) if units else ():
        if indicator == _UNCLASSIFIED:  # a subject: an IRI or blank node, compared as terms
            continue
        expected = [value(e) for e in data.objects(indicator, INDICATOR_UNIT)]
        for v in units if expected else ():  # type: ignore[union-attr]
            x = value(v)
            if any(not equals(x, e) for e in expected):
                yield v


@twin("PeriodNotAfterArticleShape", "0a00fe775a95e14c2dd0")
def period_not_after_article(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/observation.ttl, cdshape:PeriodNotAfterArticleShape::

    $this sdmx-dimension:refPeriod ?period ; cdskg:sourceArticle ?article .
    FILTER NOT EXISTS { $this cdskg:valueRole "target" }
    ?article schema:datePublished ?published .
    { ?period time:inXSDDate ?value } UNION { ?period time:hasBeginning/time:inXSDDate ?value }
    FILTER (STR(?value) > SUBSTR(STR(?published), 1, 10))
    """
    by_p = data.index.get(this, _EMPTY)
    periods, articles = by_p.get(REF_PERIOD), by_p.get(SOURCE_ARTICLE)
    if not periods or not articles or _TARGET in by_p.get(VALUE_ROLE, _NONE):
        return
    published = [
        s[:10]  # SUBSTR counts code points, as Python's slices
        for a in articles
        for p in data.objects(a, DATE_PUBLISHED)
        if (s := string(p)) is not None
    ]
    if not published:
        return
    for period in periods:
        for v in _dates(data, period, None) + _dates(data, period, HAS_BEGINNING):
            s = string(v)
            if s is not None and any(s > p for p in published):
                yield v


@twin("PeriodOrderShape", "8d954977182cea0bd26a")
def period_order(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/period.ttl, cdshape:PeriodOrderShape::

    $this time:hasBeginning/time:inXSDDate ?value ; time:hasEnd/time:inXSDDate ?end .
    FILTER (?value >= ?end)
    """
    ends = [value(e) for e in _dates(data, this, HAS_END)]
    for v in _dates(data, this, HAS_BEGINNING) if ends else ():
        x = value(v)
        if any((c := compare(x, e)) is not None and c >= 0 for e in ends):
            yield v


_CODE_LENGTH = {
    **dict.fromkeys([_n(_LEVEL + x) for x in ("province", "central-city")], 2),
    **dict.fromkeys(
        [_n(_LEVEL + x) for x in ("urban-district", "district", "town", "provincial-city")], 3
    ),
    **dict.fromkeys([_n(_LEVEL + x) for x in ("ward", "commune", "township", "special-zone")], 5),
}
_FORMER: Value = (STRING, "former")


@twin("UnitCodeShape", "d93e4967ef29d0c67fcd")
def unit_code(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/unit.ttl, cdshape:UnitCodeShape::

    $this cdskg:level ?value ; cdskg:snapshot ?snapshot .
    BIND (IF(?value IN (province, central-city), 2, IF(?value IN (urban-district,
          district, town, provincial-city), 3, IF(?value IN (ward, commune, township,
          special-zone), 5, 0))) AS ?length)
    FILTER (?length > 0)
    FILTER (?snapshot != "former")
    OPTIONAL { $this skos:notation ?code }
    FILTER (!BOUND(?code) || STRLEN(STR(?code)) != ?length)
    """
    by_p = data.index.get(this, _EMPTY)
    snapshots = by_p.get(SNAPSHOT)
    if not snapshots or not any(not equals(value(s), _FORMER) for s in snapshots):
        return
    codes = [string(c) for c in by_p.get(NOTATION, _NONE)]
    for v in by_p.get(LEVEL, _NONE):
        length = _CODE_LENGTH.get(v, 0)  # type: ignore[call-overload]
        if not length:
            continue
        # no code: !BOUND is true; a blank node's STR is an error, false for the row
        if not codes or any(c is not None and len(c) != length for c in codes):
            yield v


def _strafter(text: str, marker: str) -> str:
    cut = text.find(marker)
    return text[cut + len(marker) :] if cut >= 0 else ""


@twin("UnitLevelClassShape", "26aa4c7dee613572f156")
def unit_level_class(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/unit.ttl, cdshape:UnitLevelClassShape::

    $this cdskg:level ?value .
    FILTER NOT EXISTS {
      $this a ?class .
      FILTER (LCASE(STRAFTER(STR(?class), "ontology#"))
              = REPLACE(STRAFTER(STR(?value), "/id/level/"), "-", ""))
    }
    """
    levels = data.objects(this, LEVEL)
    if not levels:
        return
    names = set()
    for c in data.objects(this, _RDF_TYPE):
        s = string(c)
        if s is not None:
            name = _strafter(s, "ontology#")
            if not name.isascii():
                raise Unsure(f"LCASE of {name!r}: Rust's and Python's case mappings may differ")
            names.add(name.lower())
    for v in levels:
        s = string(v)
        if s is None or _strafter(s, "/id/level/").replace("-", "") not in names:
            yield v


_TIERS = {
    **dict.fromkeys([_n(_LEVEL + x) for x in ("province", "central-city")], "P"),
    **dict.fromkeys(
        [_n(_LEVEL + x) for x in ("urban-district", "district", "town", "provincial-city")], "D"
    ),
    _n(_LEVEL + "hamlet"): "H",
}
_2025: Value = (STRING, "2025")
_PRE2025: Value = (STRING, "pre2025")


@twin("UnitHierarchyShape", "dccfff9f012f07e40435")
def unit_hierarchy(this: Term, data: Data) -> Iterator[Term | None]:
    """shapes/unit.ttl, cdshape:UnitHierarchyShape::

        $this cdskg:level ?level ; cdskg:snapshot ?snapshot .
        BIND (<tier of ?level: "P", "D", "H" or "W"> AS ?tier)
        OPTIONAL { $this cdskg:parentUnit ?value . ?value cdskg:level ?parentLevel .
                   BIND (<tier of ?parentLevel> AS ?parentTier) }
        FILTER ((?tier = "D" && ?snapshot = "2025")
          || (?tier = "P" && EXISTS { $this cdskg:parentUnit ?any })
          || (BOUND(?parentTier) && !((?tier = "D" && ?parentTier = "P")
              || (?tier = "H" && ?parentTier = "W")
              || (?tier = "W" && ?snapshot = "pre2025" && ?parentTier = "D")
              || (?tier = "W" && ?snapshot = "2025" && ?parentTier = "P")
              || (?tier = "W" && ?snapshot = "former" && ?parentTier IN ("D", "P")))))

    Every comparison here is with an IRI or a plain string: never an error.
    """
    by_p = data.index.get(this, _EMPTY)
    levels, snapshots = by_p.get(LEVEL), by_p.get(SNAPSHOT)
    if not levels or not snapshots:
        return
    parents = by_p.get(PARENT_UNIT, _NONE)
    optional: list[tuple[Term | None, str | None]] = [
        (p, _TIERS.get(pl, "W"))  # type: ignore[call-overload]
        for p in parents
        for pl in data.objects(p, LEVEL)
    ] or [(None, None)]
    for level in levels:
        tier = _TIERS.get(level, "W")  # type: ignore[call-overload]
        for snapshot in snapshots:
            s = value(snapshot)
            is_2025 = equals(s, _2025)
            for v, parent_tier in optional:
                if (
                    (tier == "D" and is_2025)
                    or (tier == "P" and bool(parents))
                    or (
                        parent_tier is not None
                        and not (
                            (tier == "D" and parent_tier == "P")
                            or (tier == "H" and parent_tier == "W")
                            or (tier == "W" and equals(s, _PRE2025) and parent_tier == "D")
                            or (tier == "W" and is_2025 and parent_tier == "P")
                            or (tier == "W" and equals(s, _FORMER) and parent_tier in ("D", "P"))
                        )
                    )
                ):
                    yield v
