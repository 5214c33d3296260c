"""The query catalogue: named SPARQL queries in ``queries/NAME.rq`` with a comment header.

Header format (comment lines at the top of the file, before the first query line)::

    # title@vi: Xếp hạng địa phương theo một chỉ tiêu
    # title@en: Localities ranked on an indicator
    # description@vi: …
    # description@en: …
    # param: indicator iri <https://w3id.org/cdskg/id/indicator/online-dossier-rate> -- help
    # param: min decimal 95 -- the threshold, in percent
    # param: lang string vi -- language of the labels
    # chart: ?areaLabel ?value

``param: NAME TYPE DEFAULT [-- help]`` declares the query variable ``?NAME``; TYPE is one
of ``iri``, ``string``, ``integer``, ``decimal``, ``date``; DEFAULT is ``<IRI>`` for an IRI,
the lexical form otherwise, or ``-`` for none (the variable then stays unbound, which the
catalogue queries read as "all"). Values are checked and made RDF terms first (an IRI is
parsed as one, a number must be one), then bound by a one-row ``VALUES`` block at the start of
every ``WHERE`` group of the query, its subqueries' too (:meth:`CatalogueQuery.bound_text`):
the terms are written by pyoxigraph (``str(term)``, N-Triples syntax with its escapes), never
by formatting the raw value into the text. ``VALUES`` rather than pyoxigraph's
``substitutions``: Oxigraph plans the query knowing the values (a substituted variable is
planned as unbound, then filtered), so ``article-facts`` at 100k observations takes 0.004 s
instead of 0.55 s; a join with one row changes no answer (``tests/test_query_values.py`` holds
every catalogue query to the substituted answer). Not every query gains: ``ranking`` joins
its aggregate back to the observations, and with its two parameters in ``VALUES`` Oxigraph
starts that join from them (19 s at 20k observations, 0.4 s substituted), so a header line
``# bind: substitutions`` keeps pyoxigraph's substitutions for it. ``chart: ?LABEL ?VALUE``
names the columns a bar chart draws. Unknown keys are errors, so typos do not go unnoticed.

>>> text = "# title@vi: Thử\\n# title@en: Demo\\n# param: min decimal 5\\nSELECT ?min {}"
>>> q = parse("demo", text)
>>> q.title("en"), q.params[0].name, q.bindings({})[ox.Variable("min")].value
('Demo', 'min', '5')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from cdskg.errors import QueryError
from cdskg.rdf.namespaces import PREFIXES, XSD
from cdskg.settings import project_paths
from cdskg.store.query import run_query

PARAM_TYPES = {
    "iri": None,
    "string": XSD + "string",
    "integer": XSD + "integer",
    "decimal": XSD + "decimal",
    "date": XSD + "date",
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER = re.compile(r"^#\s*([a-z]+)(?:@([a-z]{2}))?\s*:\s*(.*)$")
_LANG_KEYS = {"title", "description"}
#: How a query's parameters are bound (``# bind:``), ``values`` unless it says otherwise.
BIND_MODES = ("values", "substitutions")
#: Strings, IRIs and comments (skipped whole), and ``WHERE {`` (group 1) where a bound
#: query's ``VALUES`` go.
_TOKENS = re.compile(
    r"""\\.|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"""
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*|<[^<>"{}|^`\\\x00-\x20]*>"""
    r"""|(\bWHERE\s*\{)""",
    re.DOTALL | re.IGNORECASE,
)


class CatalogueError(ValueError):
    """A catalogue file whose header does not follow the documented format."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    help: str = ""

    def term(self, raw: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for a raw value (an IRI, a prefixed name or a lexical form).

        :raises QueryError: when the value is not valid for the parameter's type.
        """
        raw = raw.strip()
        if self.type == "iri":
            value = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
            prefix, sep, local = value.partition(":")
            if sep and prefix in PREFIXES and not local.startswith("//"):
                value = PREFIXES[prefix] + local
            if not re.match(r"^[a-z][a-z0-9+.-]*:", value):
                raise QueryError(f"parameter {self.name!r}: {raw!r} is not an IRI")
            try:
                return ox.NamedNode(value)
            except ValueError as exc:
                raise QueryError(f"parameter {self.name!r}: {raw!r} is not an IRI") from exc
        checks = {
            "integer": r"^[+-]?\d+$",
            "decimal": r"^[+-]?(\d+(\.\d*)?|\.\d+)$",
            "date": r"^\d{4}-\d{2}-\d{2}$",
        }
        if self.type in checks and not re.match(checks[self.type], raw):
            raise QueryError(f"parameter {self.name!r}: {raw!r} is not a valid {self.type}")
        return ox.Literal(raw, datatype=ox.NamedNode(PARAM_TYPES[self.type]))


@dataclass(frozen=True)
class CatalogueQuery:
    name: str
    text: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    params: tuple[Param, ...] = ()
    chart: tuple[str, str] | None = None
    extra: dict[str, str] = field(default_factory=dict)
    bind: str = "values"

    def title(self, lang: str = "vi") -> str:
        return self.titles.get(lang) or self.titles.get("vi") or self.name

    def description(self, lang: str = "vi") -> str:
        return self.descriptions.get(lang) or self.descriptions.get("vi") or ""

    def bindings(self, given: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Substitutions for the given raw values; declared defaults fill the rest.

        An empty value means the default. Names that are not declared parameters are
        rejected, so a misspelt parameter does not silently give the unfiltered answer.
        """
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter {', '.join(map(repr, unknown))};"
                f" its parameters: {', '.join(sorted(known)) or 'none'}"
            )
        out: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
        for p in self.params:
            raw = given.get(p.name)
            if raw is None or raw.strip() == "":
                raw = p.default
            if raw is not None:
                out[ox.Variable(p.name)] = p.term(raw)
        return out

    def bound_text(self, bindings: dict[ox.Variable, ox.NamedNode | ox.Literal]) -> str | None:
        """The query text with ``bindings`` as a one-row ``VALUES`` block opening each
        ``WHERE`` group (the top query's and every subquery's); None when the text has no
        ``WHERE {`` outside strings, IRIs and comments to put it in.

        >>> q = parse("demo", "# title@vi: a\\n# title@en: a\\nSELECT ?x WHERE { ?x ?p ?o }")
        >>> print(q.bound_text({ox.Variable("x"): ox.Literal('a"b')}).splitlines()[-1])
        SELECT ?x WHERE { VALUES (?x) { ("a\\"b") } ?x ?p ?o }
        """
        if not bindings:
            return self.text
        names = " ".join(f"?{v.value}" for v in bindings)
        terms = " ".join(str(t) for t in bindings.values())
        block = f" VALUES ({names}) {{ ({terms}) }}"
        parts, last = [], 0
        for m in _TOKENS.finditer(self.text):
            if m.group(1) is not None:
                parts += [self.text[last : m.end()], block]
                last = m.end()
        if not parts:
            return None
        return "".join(parts) + self.text[last:]

    def run(self, store: ox.Store, given: dict[str, str] | None = None):
        """Run the query over the union graph with its parameters bound (by ``VALUES``,
        see :meth:`bound_text`)."""
        return self.run_bound(store, self.bindings(given or {}))

    def run_bound(self, store: ox.Store, bindings: dict[ox.Variable, ox.NamedNode | ox.Literal]):
        """Run the query with ``bindings`` (from :meth:`bindings`), as its ``bind`` says."""
        if self.bind == "substitutions":
            return run_query(store, self.text, substitutions=bindings)
        text = self.bound_text(bindings)
        if text is None:
            return run_query(store, self.text, substitutions=bindings)
        return run_query(store, text)


def parse(name: str, text: str) -> CatalogueQuery:
    """Parse one catalogue file's text.

    :raises CatalogueError: on a malformed header line, an unknown key or parameter type.
    """
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    params: list[Param] = []
    chart = None
    bind = "values"
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        m = _HEADER.match(stripped)
        if not m:
            continue  # a free comment
        key, lang, value = m.group(1), m.group(2), m.group(3).strip()
        where = f"queries/{name}.rq line {n}"
        if key in _LANG_KEYS:
            if not lang:
                raise CatalogueError(f"{where}: write {key}@vi or {key}@en")
            (titles if key == "title" else descriptions)[lang] = value
        elif key == "param":
            # the help after " -- ": an IRI may hold "--" (a period's, 2023-01-01--2023-12-31)
            dash = re.search(r"\s--(?:\s|$)", value)
            spec, help_text = (value[: dash.start()], value[dash.end() :]) if dash else (value, "")
            fields_ = spec.split()
            if len(fields_) != 3:
                raise CatalogueError(f"{where}: expected 'param: NAME TYPE DEFAULT [-- help]'")
            pname, ptype, default = fields_
            if not _VAR.match(pname):
                raise CatalogueError(f"{where}: {pname!r} is not a SPARQL variable name")
            if ptype not in PARAM_TYPES:
                raise CatalogueError(
                    f"{where}: type {ptype!r} unknown; use one of {', '.join(PARAM_TYPES)}"
                )
            param = Param(pname, ptype, None if default == "-" else default, help_text.strip())
            if param.default is not None:
                try:
                    param.term(param.default)
                except QueryError as exc:
                    raise CatalogueError(f"{where}: default: {exc}") from exc
            params.append(param)
        elif key == "bind":
            if value not in BIND_MODES:
                raise CatalogueError(f"{where}: bind: use one of {', '.join(BIND_MODES)}")
            bind = value
        elif key == "chart":
            cols = [c.lstrip("?") for c in value.split()]
            if len(cols) != 2:
                raise CatalogueError(f"{where}: expected 'chart: ?LABEL ?VALUE'")
            chart = (cols[0], cols[1])
        else:
            raise CatalogueError(
                f"{where}: unknown header key {key!r}; use title, description, param, chart, bind"
            )
    if "vi" not in titles or "en" not in titles:
        raise CatalogueError(f"queries/{name}.rq: needs '# title@vi:' and '# title@en:' lines")
    return CatalogueQuery(name, text, titles, descriptions, tuple(params), chart, bind=bind)


def load(name: str, folder: Path | None = None) -> CatalogueQuery:
    """The catalogue query ``name``.

    :raises KeyError: when there is no ``queries/NAME.rq``.
    """
    folder = folder or project_paths().queries
    if not _NAME.match(name):
        raise KeyError(name)
    path = folder / f"{name}.rq"
    if not path.is_file():
        raise KeyError(name)
    return parse(name, path.read_text(encoding="utf-8"))


def load_all(folder: Path | None = None) -> list[CatalogueQuery]:
    """Every catalogue query, by name."""
    folder = folder or project_paths().queries
    return [load(p.stem, folder) for p in sorted(folder.glob("*.rq"))]
