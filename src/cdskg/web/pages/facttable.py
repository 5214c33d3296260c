"""One page of an observation table: filters, sort, facet counts and paging, each a bounded
SPARQL query, so a page costs what it shows and not what the store holds (issue 23).

A :class:`Selection` is what a table URL says: the page's own resource (``scope``: the
locality, indicator, pillar or article the page is about), the filters a reader picked, the
sort and the page. Filter values in URLs are short (``indicator=online-dossier-rate``,
``area=pre2025/district/918``, ``role=actual``); full IRIs are accepted too. Values reach the
queries as checked RDF terms in a ``VALUES`` block that pyoxigraph writes (``str(term)``),
never as the raw URL text; only our own predicates and the whitelisted sort expressions are
written into the query text.

The rows of a page are found by one ``ORDER BY … LIMIT … OFFSET`` query; what the table shows
of each row is then read from the row's own triples, and labels are looked up for the shown
rows only. Facet counts are ``GROUP BY`` queries with the other filters applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pyoxigraph as ox
from flask import has_request_context

from cdskg.publish import aggregates
from cdskg.rdf.namespaces import CDSKG, ID, SDMX_DIMENSION, SDMX_MEASURE
from cdskg.store.query import run_query
from cdskg.web.context import answers_folder, store
from cdskg.web.pages.graph import link
from cdskg.web.pages.words import qualified

SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"


@dataclass(frozen=True)
class Dim:
    """A column one can filter and facet on: its URL name, predicate, and the IRI prefix that
    a short value is completed with (None for a plain literal such as the value role)."""

    name: str
    predicate: str
    prefix: str | None


DIMS: dict[str, Dim] = {
    d.name: d
    for d in (
        Dim("indicator", CDSKG + "indicator", ID + "indicator/"),
        Dim("area", SDMX_DIMENSION + "refArea", ID + "unit/"),
        Dim("period", SDMX_DIMENSION + "refPeriod", ID + "period/"),
        Dim("role", CDSKG + "valueRole", None),
        Dim("breakdown", CDSKG + "breakdown", ID + "breakdown/"),
        Dim("pillar", CDSKG + "pillar", ID + "pillar/"),
        Dim("article", CDSKG + "sourceArticle", ID + "article/"),
        Dim("unit", SDMX_ATTRIBUTE + "unitMeasure", "http://qudt.org/vocab/unit/"),
    )
}
#: The facets a table offers, in the order shown (the page's own dimension is left out).
FACETS = ("indicator", "area", "period", "role", "breakdown", "pillar")
#: Filters a URL may carry (``unit`` is for charts of rates, not offered to readers).
FILTERS = (*FACETS, "article")
#: Sort keys: URL name -> the expression ordered on (``-name`` sorts descending).
SORTS = {
    "period": "?end",
    "value": "?value",
    "indicator": "?sortLabel",
    "area": "?sortLabel",
}
DEFAULT_SORT = "-period"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
#: Values a facet lists; the rest are counted as "more".
FACET_VALUES = 30


class BadSelection(ValueError):
    """A table URL's parameter cannot be used; the message names it and says what fits."""


def term_of(dim: str, value: str) -> ox.NamedNode | ox.Literal:
    """The term a URL value stands for in ``dim``.

    >>> term_of("indicator", "online-dossier-rate").value
    'https://w3id.org/cdskg/id/indicator/online-dossier-rate'
    >>> term_of("role", "actual")
    <Literal value=actual datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>
    """
    d = DIMS[dim]
    if d.prefix is None:
        return ox.Literal(value)
    iri = value if value.startswith(("http://", "https://")) else d.prefix + value
    try:
        return ox.NamedNode(iri)
    except ValueError as e:
        raise BadSelection(f"{dim}={value!r}: not an IRI nor a short name ({e})") from None


def short_of(dim: str, term: ox.NamedNode | ox.Literal) -> str:
    """The URL value of a term: ``online-dossier-rate`` for the indicator's IRI."""
    prefix = DIMS[dim].prefix
    if prefix and term.value.startswith(prefix):
        return term.value[len(prefix) :]
    return term.value


@dataclass(frozen=True)
class Selection:
    """What a table URL selects. ``scope`` and ``filters`` map dimension names to URL values;
    ``scope`` is fixed by the page, ``filters`` by the reader."""

    scope: Mapping[str, str] = field(default_factory=dict)
    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str = DEFAULT_SORT
    page: int = 1
    size: int = PAGE_SIZE

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], scope: Mapping[str, str] | None = None
    ) -> Selection:
        """Read the filters, ``sort``, ``page`` and ``size`` of a request's arguments.

        :raises BadSelection: a sort, page or size that is not one.
        """
        scope = dict(scope or {})
        filters = {k: args[k] for k in FILTERS if args.get(k) and k not in scope}
        sort = args.get("sort") or DEFAULT_SORT
        if sort.lstrip("-") not in SORTS:
            raise BadSelection(
                f"sort={sort!r}: sort on one of {', '.join(SORTS)} (- for descending)"
            )
        page = _positive(args, "page", 1)
        size = min(_positive(args, "size", PAGE_SIZE), MAX_PAGE_SIZE)
        for k, v in filters.items():
            term_of(k, v)
        return cls(scope=scope, filters=filters, sort=sort, page=page, size=size)

    @property
    def bound(self) -> dict[str, str]:
        return {**self.scope, **self.filters}

    def args(self, **changes: str | int | None) -> dict[str, str]:
        """The URL arguments of this selection with ``changes`` (None removes one); the
        default sort, first page and default size are left out so that URLs stay short."""
        out: dict[str, str] = dict(self.filters)
        if self.sort != DEFAULT_SORT:
            out["sort"] = self.sort
        if self.page != 1:
            out["page"] = str(self.page)
        if self.size != PAGE_SIZE:
            out["size"] = str(self.size)
        for k, v in changes.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = str(v)
        if _resets_page(changes):
            out.pop("page", None)
        return out

    def with_filter(self, dim: str, value: str | None) -> Selection:
        filters = {k: v for k, v in self.filters.items() if k != dim}
        if value is not None:
            filters[dim] = value
        return replace(self, filters=filters, page=1)


def _resets_page(changes: Mapping[str, object]) -> bool:
    """A new filter or sort starts again at the first page."""
    return any(k in FILTERS or k == "sort" for k in changes) and "page" not in changes


def _positive(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadSelection(f"{name}={raw!r}: a whole number from 1")
    return int(raw)


def _patterns(dims: list[str]) -> str:
    return "\n".join(f"  ?obs <{DIMS[d].predicate}> ?{d} ." for d in dims)


def _values(bound: Mapping[str, str]) -> str:
    """The bound dimensions as a one-row ``VALUES`` block, each term written by pyoxigraph
    from the checked term (:func:`term_of`), never from the raw URL value. ``VALUES`` rather
    than pyoxigraph's substitutions: Oxigraph plans the query knowing them."""
    if not bound:
        return ""
    names = " ".join(f"?{k}" for k in bound)
    terms = " ".join(str(term_of(k, v)) for k, v in bound.items())
    return f"VALUES ({names}) {{ ({terms}) }}\n"


def _vars(bound: Mapping[str, str]) -> str:
    """The bound variables, projected and grouped on (they are constants, so grouping on
    them changes nothing)."""
    return " ".join(f"?{k}" for k in bound)


def _where(bound: Mapping[str, str], *extra: str) -> str:
    return _values(bound) + "?obs a qb:Observation .\n" + _patterns([*bound, *extra])


#: ``?p_``'s end date as ``?e``: a period's own date (an instant) or its end's. Periods are
#: shared nodes that every article stating them writes into its graph again, so under the
#: union default graph each of their triples comes once per such article (288 times for the
#: commonest of 20k synthetic observations); each hop is read DISTINCT first, or the join
#: multiplies by that count at every hop (page_of on a pillar: past 300 s, and 0.04 s so).
PERIOD_END = """  OPTIONAL { { SELECT DISTINCT ?p_ ?e WHERE { ?p_ time:inXSDDate ?e } } }
  OPTIONAL { { SELECT DISTINCT ?p_ ?x_ WHERE { ?p_ time:hasEnd ?x_ } }
             { SELECT DISTINCT ?x_ ?e WHERE { ?x_ time:inXSDDate ?e } } }
"""


def _prepared(st: ox.Store) -> aggregates.Tables | None:
    """The tables the preparer computed for the store version a request reads, if it did."""
    if not has_request_context():
        return None
    current, version = store()
    if current is not st:
        return None
    return aggregates.open_tables(answers_folder(version))


def _scope_only(bound: Mapping[str, str]) -> tuple[str, ox.NamedNode | None] | None:
    """``(dimension, term)`` when ``bound`` is one prepared scope alone (``("", None)`` for
    nothing bound: the whole table); None when the tables have no answer for it."""
    if not bound:
        return "", None
    if len(bound) == 1:
        ((dim, value),) = bound.items()
        if dim in aggregates.SCOPES:
            term = term_of(dim, value)
            return (dim, term) if isinstance(term, ox.NamedNode) else None
    return None


def count(st: ox.Store, sel: Selection) -> int:
    """How many observations the selection holds."""
    b = sel.bound
    scope = _scope_only(b)
    tables = _prepared(st) if scope is not None else None
    if tables is not None and (got := tables.count(*scope)) is not None:
        return got
    q = f"SELECT {_vars(b)} (COUNT(DISTINCT ?obs) AS ?n) WHERE {{ {_where(b)} }}"
    if b:
        q += f" GROUP BY {_vars(b)}"
    for r in run_query(st, q):
        return int(r["n"].value)
    return 0


def facet(
    st: ox.Store, sel: Selection, dim: str, limit: int = FACET_VALUES
) -> list[tuple[ox.NamedNode | ox.Literal, int]]:
    """``(value, count)`` of one dimension within the selection's other filters, most
    frequent first; at most ``limit`` + 1 values (the extra one says there are more)."""
    bound = {k: v for k, v in sel.bound.items() if k != dim}
    scope = _scope_only(bound)
    tables = _prepared(st) if scope is not None else None
    if tables is not None and (got := tables.facet(*scope, dim, limit)) is not None:
        return got
    q = (
        f"SELECT {_vars(bound)} ?value (COUNT(DISTINCT ?obs) AS ?n) WHERE {{ {_where(bound)}\n"
        f"  ?obs <{DIMS[dim].predicate}> ?value }}\n"
        f"GROUP BY {_vars(bound)} ?value ORDER BY DESC(?n) ?value LIMIT {int(limit) + 1}"
    )
    return [(r["value"], int(r["n"].value)) for r in run_query(st, q)]


def _order(sort: str, lang: str) -> tuple[str, str]:
    """The ORDER BY clause and the patterns it needs."""
    key = sort.lstrip("-")
    expr = SORTS[key]
    direction = "DESC" if sort.startswith("-") else "ASC"
    needs = ""
    if key in ("indicator", "area"):
        # lang is "vi" or "en" (current_lang never gives anything else)
        needs = (
            f"  OPTIONAL {{ ?obs <{DIMS[key].predicate}> ?s_ . ?s_ skos:prefLabel|rdfs:label ?l_ "
            f'FILTER(lang(?l_) = "{"en" if lang == "en" else "vi"}") }}\n'
        )
    return f"{direction}({expr}) ?obs", needs


def page_of(st: ox.Store, sel: Selection, lang: str) -> list[ox.NamedNode]:
    """The observations of the selection's page, in its order (one bounded query)."""
    scope = _scope_only(sel.bound)
    if scope is not None and sel.sort == DEFAULT_SORT and sel.page == 1:
        tables = _prepared(st)
        if tables is not None and (got := tables.first_rows(*scope, sel.size)) is not None:
            return got
    order, needs = _order(sel.sort, lang)
    q = (
        f"SELECT {_vars(sel.bound)} ?obs (SAMPLE(?v) AS ?value) (MAX(?e) AS ?end)"
        " (MIN(?l_) AS ?sortLabel) WHERE {\n"
        f"  {_where(sel.bound)}\n"
        f"  ?obs <{SDMX_MEASURE}obsValue> ?v ; <{SDMX_DIMENSION}refPeriod> ?p_ .\n"
        f"{PERIOD_END}{needs}}}\nGROUP BY {_vars(sel.bound)} ?obs ORDER BY {order}\n"
        f"LIMIT {int(sel.size)} OFFSET {(int(sel.page) - 1) * int(sel.size)}"
    )
    return [r["obs"] for r in run_query(st, q)]


_ROW_PREDICATES = {
    "area": SDMX_DIMENSION + "refArea",
    "indicator": CDSKG + "indicator",
    "pillar": CDSKG + "pillar",
    "value": SDMX_MEASURE + "obsValue",
    "stated": CDSKG + "statedAs",
    "qualifier": CDSKG + "qualifier",
    "role": CDSKG + "valueRole",
    "breakdown": CDSKG + "breakdown",
    "period": SDMX_DIMENSION + "refPeriod",
    "article": CDSKG + "sourceArticle",
    "unit": SDMX_ATTRIBUTE + "unitMeasure",
}
_BY_PREDICATE = {p: k for k, p in _ROW_PREDICATES.items()}


def row_terms(st: ox.Store, obs: ox.NamedNode) -> dict[str, ox.NamedNode | ox.Literal]:
    """An observation's own values, one per column (the least, should one repeat)."""
    found: dict[str, ox.NamedNode | ox.Literal] = {}
    for q in st.quads_for_pattern(obs, None, None, None):
        key = _BY_PREDICATE.get(q.predicate.value)
        if key is not None and (key not in found or q.object.value < found[key].value):
            found[key] = q.object
    return found


class Labels:
    """:func:`~.graph.link` for the terms of one page, each looked up once."""

    def __init__(self, st: ox.Store, lang: str):
        self.st, self.lang = st, lang
        self.seen: dict[object, dict[str, object]] = {}

    def __call__(self, term) -> dict[str, object] | None:
        if term is None:
            return None
        got = self.seen.get(term)
        if got is None:
            got = self.seen[term] = link(self.st, term, self.lang)
        return got


def fact_row(st: ox.Store, obs: ox.NamedNode, labels: Labels, lang: str) -> dict[str, object]:
    """What a table row shows of an observation: links, the figure with its qualifier
    (``≥ 97%``), the breakdown, and the plain values the CSV and JSON carry."""
    t = row_terms(st, obs)
    stated = t["stated"].value if "stated" in t else ""
    qualifier = t["qualifier"].value if "qualifier" in t else "exact"
    role = t["role"].value if "role" in t else ""
    unit = t.get("unit")
    return {
        "iri": obs.value,
        "obs": labels(obs) | {"text": qualified(stated, qualifier)},
        "shown": qualified(stated, qualifier),
        "stated": stated,
        "qualifier": qualifier,
        "approximate": qualifier != "exact",
        "value": float(t["value"].value) if "value" in t else None,
        "role": role,
        **{k: labels(t.get(k)) for k in ("area", "indicator", "pillar", "breakdown", "period")},
        "article": labels(t.get("article")),
        "percent": unit is not None and unit.value.endswith("/PERCENT"),
        "unit": unit.value.rsplit("/", 1)[-1] if unit is not None else "",
        "terms": t,
    }


@dataclass
class Table:
    """One page of a table with its facets: what the ``fact_table`` macro draws."""

    selection: Selection
    rows: list[dict[str, object]]
    total: int
    facets: list[dict[str, object]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.selection.size))

    @property
    def first(self) -> int:
        return min(self.total, (self.selection.page - 1) * self.selection.size + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.selection.page * self.selection.size)


def table(st: ox.Store, sel: Selection, lang: str, facets: tuple[str, ...] = FACETS) -> Table:
    """The selection's page, its total and the counts of each facet (the page's own
    dimensions are no facet)."""
    labels = Labels(st, lang)
    rows = [fact_row(st, o, labels, lang) for o in page_of(st, sel, lang)]
    shown = []
    for dim in facets:
        if dim in sel.scope:
            continue
        values = facet(st, sel, dim)
        if len(values) <= 1 and dim not in sel.filters:
            continue  # one value for every row: nothing to pick
        shown.append(
            {
                "dim": dim,
                "selected": sel.filters.get(dim),
                "values": [
                    {
                        "value": short_of(dim, v),
                        "label": labels(v)["text"] if dim != "role" else v.value,
                        "count": n,
                    }
                    for v, n in values[:FACET_VALUES]
                ],
                "more": len(values) > FACET_VALUES,
            }
        )
    return Table(selection=sel, rows=rows, total=count(st, sel), facets=shown)
