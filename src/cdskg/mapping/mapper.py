"""Mapping: typed records → RDF quads in the article's named graph.

The shape of the output is declared in ``mappings/rdf.toml``: one template per kind of
node (article, observation, evidence and its selectors, period, former unit, person, post,
organisation, document, platform) giving its subject IRI (an :mod:`cdskg.rdf.iri` minting
function and the record fields it takes), its classes, and each predicate with its object
(a field with its datatype or language, a constant, an IRI minted from fields, or a nested
node), with conditions. This module loads the templates once, checks every field, function,
datatype and node name against the record types (:class:`TemplateError` names the file and
the entry), and interprets them. The file's header documents the format.

What stays in Python is algorithmic, not shape: merging restated figures and numbering
different values (:func:`group_quantities`), resolving document identifiers
(``mappings/documents.toml``) and telling whether a post's organisation names one body (the
bare heads of ``mappings/mentions.toml``) — see :class:`MentionFacts`.

The output is the interoperability contract in the README: every observation is a
``qb:Observation`` with its dataset, area, period, indicator, pillar, value, unit and the
article it was derived from, and carries its evidence as a Web Annotation
``oa:SpecificResource`` with a quote and a position selector. People, posts and
organisations are mapped with W3C ORG (and FOAF/schema.org types), legal documents with
ELI, platforms with schema.org; each is ``cdskg:mentionedIn`` the article with its evidence.

Figures repeated within one article (IC-12 of the Data Cube): quantities with the same
key (indicator, area, period, value role, breakdown) and the same value and unit are one
observation; the first statement is its ``cdskg:evidence`` and every later one a
``cdskg:additionalEvidence``. Different values under the same key are kept, told apart
by the ``cdskg:statementIndex`` dimension (1 for the first value the article states, 2
for the next …), and reported in ``record.warnings``: never merged, never dropped.

Cost (the five corpus articles' records, 765 quads per article, best of 7 × 200 maps,
interleaved): the hand-written Python mapping these templates replaced took 3.9 ms per
article, the interpreted templates take 2.7 ms (compiled to closures at load, predicates
and constants made once, a node made again from the same value emitted once); loading
and checking the rules takes 9 ms, once per process. About 2.2 ms of it is pyoxigraph
building the ``Quad`` objects (3.5 µs each when the object is a literal). Morph-KGC took
1.3-1.4 s per article (``mappings/rdf.toml`` has the measurement).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cdskg.errors import CdskgError
from cdskg.extract.records import ArticleRecord, Evidence, Mention, Period, Quantity, Skipped
from cdskg.extract.thesaurus import Indicator, Thesaurus
from cdskg.extract.units import CLASS_BY_LEVEL, AdminUnit
from cdskg.rdf import iri
from cdskg.rdf.namespaces import (
    CDSKG,
    DCTERMS,
    PREFIXES,
    QB,
    RDF,
    RDFS,
    SKOS,
    XSD,
)
from cdskg.settings import project_paths
from cdskg.text.fold import fold

_TYPE = ox.NamedNode(RDF + "type")
MENTIONED_IN = CDSKG + "mentionedIn"


def nn(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def lit(value: str, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=nn(datatype))
    return ox.Literal(value)


_DECIMAL = nn(XSD + "decimal")
_INTEGER = nn(XSD + "integer")
_DATE = nn(XSD + "date")


def decimal(value: Decimal) -> ox.Literal:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if "." not in text:
        text += ".0"
    return ox.Literal(text, datatype=_DECIMAL)


def integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_INTEGER)


def xsd_date(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=_DATE)


#: Breakdown code of a figure about its whole area (``Quantity.scope`` is None).
TOTAL = "total"


def breakdown_iri(scope: str | None) -> str:
    """The ``cdskg:breakdown`` code of a scope: a concept of the breakdown scheme in
    ``ontology/thesaurus.ttl`` whose notation is the scope the extractor names ("whole",
    the extraction rules' word for "toàn quận", is the whole area: ``total``)."""
    if scope in (None, "whole"):
        scope = TOTAL
    return iri.breakdown(scope)


def document_type_iri(notation: str) -> str:
    """A concept of the document-type scheme in ``ontology/thesaurus.ttl``."""
    return iri.document_type(notation)


def unit_class_iri(level: str) -> str:
    """The ontology class of a unit level (``ward`` → ``cdskg:Ward``)."""
    return CDSKG + CLASS_BY_LEVEL[level]


def unit_level_iri(level: str) -> str:
    """The concept of a unit level in the unit-level scheme."""
    return iri.ID + "level/" + level


#: The functions a template's ``mint`` may name: :mod:`cdskg.rdf.iri`'s minting functions,
#: and three of this module for codes iri.py has no function for.
MINTERS: dict[str, Callable[..., str]] = {
    **{
        name: getattr(iri, name)
        for name in (
            "article",
            "observation",
            "evidence",
            "unit",
            "indicator",
            "pillar",
            "breakdown",
            "document_type",
            "period",
            "person",
            "post",
            "organisation",
            "document",
            "platform",
        )
    },
    "breakdown_of_scope": breakdown_iri,
    "unit_class": unit_class_iri,
    "unit_level": unit_level_iri,
}


@dataclass(frozen=True)
class KnownDocument:
    id_local: str
    date: str | None = None
    doc_type: str | None = None


@dataclass
class ObservationGroup:
    """The quantities that become one observation: the first, and its restatements."""

    first: Quantity
    restated: list[Quantity] = field(default_factory=list)
    statement_index: int = 1

    @property
    def additional_evidence(self) -> list[Evidence]:
        """The restatements' evidence, but for one that is the first's own sentence."""
        own = (self.first.evidence.start, self.first.evidence.end)
        return [x.evidence for x in self.restated if (x.evidence.start, x.evidence.end) != own]


@dataclass(frozen=True)
class MentionFacts:
    """What Python decides about a mention before the templates shape it (the ``resolved``
    root of a ``mention`` template)."""

    #: for people: the post's organisation when it names one body ("UBND thị xã Duyên
    #: Hải"), None for a bare head word ("UBND") or no post
    post_org: str | None = None
    #: for documents: what the IRI is minted from (the ELI number, else the name)
    document: str | None = None
    #: for documents: the number, when it is one ELI can hold (else None: CreativeWork)
    id_local: str | None = None
    #: for documents with a number: the document-type notation and the ISO date
    doc_type: str | None = None
    date: str | None = None


# --------------------------------------------------------------------------- templates


class TemplateError(CdskgError):
    """A mapping template file that cannot be used; the message names the file and entry."""


@dataclass(frozen=True)
class Context:
    """What a template with this ``applies_to`` maps: the item type nested nodes hand it,
    the type its field paths start from, and its extra roots (besides ``article``)."""

    takes: Any
    this: Any
    roots: dict[str, Any] = field(default_factory=dict)


#: applies_to → context. Types are written as in the records' annotations.
CONTEXTS: dict[str, Context] = {
    "article": Context(ArticleRecord, ArticleRecord, {"groups": ("list", ObservationGroup)}),
    "observation": Context(
        ObservationGroup, Quantity, {"group": ObservationGroup, "concept": Indicator}
    ),
    "evidence": Context(Evidence, Evidence),
    "period": Context(Period, Period),
    "date": Context(str, str),
    "name": Context(str, str),
    "unit": Context(AdminUnit, AdminUnit),
    "mention": Context(Mention, Mention, {"resolved": MentionFacts}),
}

_TYPE_NAMES: dict[str, Any] = {
    "str": str,
    "int": int,
    "bool": bool,
    "Decimal": Decimal,
    "Evidence": Evidence,
    "Period": Period,
    "Quantity": Quantity,
    "Mention": Mention,
    "Skipped": Skipped,
    "AdminUnit": AdminUnit,
    "ArticleRecord": ArticleRecord,
    "Indicator": Indicator,
    "ObservationGroup": ObservationGroup,
    "MentionFacts": MentionFacts,
}


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def _parse_type(text: str) -> Any:
    """An annotation string as ``cls``, ``("opt", T)``, ``("list", T)`` or ``("dict", T)``;
    what it cannot read is ``object`` (not checked further)."""
    text = text.strip()
    alternatives = [p.strip() for p in _split_top(text, "|")]
    if len(alternatives) > 1:
        rest = [p for p in alternatives if p != "None"]
        return ("opt", _parse_type(rest[0]) if len(rest) == 1 else object)
    m = re.fullmatch(r"(\w+)\[(.*)\]", text)
    if m:
        args = _split_top(m.group(2), ",")
        if m.group(1) == "list":
            return ("list", _parse_type(args[0]))
        if m.group(1) == "dict":
            return ("dict", _parse_type(args[-1]))
        return object
    return _TYPE_NAMES.get(text, object)


def _type_name(t: Any) -> str:
    if isinstance(t, tuple):
        return f"{t[0]}[{_type_name(t[1])}]" if t[0] != "opt" else f"{_type_name(t[1])} | None"
    return getattr(t, "__name__", str(t))


def _members(cls: Any) -> dict[str, Any]:
    """Field name → type of a dataclass, with its annotated properties."""
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
        return {}
    out = {
        f.name: _parse_type(f.type) if isinstance(f.type, str) else f.type
        for f in dataclasses.fields(cls)
    }
    for name, value in vars(cls).items():
        if isinstance(value, property) and value.fget is not None:
            ret = value.fget.__annotations__.get("return")
            out[name] = _parse_type(ret) if isinstance(ret, str) else object
    return out


class _Problem(Exception):
    """A problem in one entry; the loader adds the file and the entry."""


@dataclass(frozen=True)
class _Path:
    getter: Callable[[Any, dict[str, Any]], Any]
    type: Any  # of the value, ("opt", T) when it may be None


def _compile_path(path: Any, ctx: Context) -> _Path:
    """A field path as a getter ``(this, roots) → value`` and its type."""
    if not isinstance(path, str) or not re.fullmatch(r"\w+(\.\w+)*", path):
        raise _Problem(f"{path!r} is not a field path (name or name.name…)")
    if path == "self":
        return _Path(lambda this, roots: this, ctx.this)
    head, _, rest = path.partition(".")
    roots = {"article": ArticleRecord, **ctx.roots}
    if head in roots:
        start, names, root = roots[head], rest.split(".") if rest else [], head
    else:
        start, names, root = ctx.this, path.split("."), None
    t, optional_inside = start, False
    walked = root or ""
    for i, name in enumerate(names):
        if isinstance(t, tuple) and t[0] == "opt":
            t, optional_inside = t[1], True
        members = _members(t)
        if name not in members:
            if t is object:
                t = object
                continue
            where = f"{walked!r} ({_type_name(t)})" if walked else _type_name(t)
            known = ", ".join(sorted(members)) or "none"
            extra = f"; roots: {', '.join(sorted(roots))}" if i == 0 and root is None else ""
            raise _Problem(f"unknown field {name!r} of {where} (fields: {known}{extra})")
        t = members[name]
        walked = f"{walked}.{name}" if walked else name
    if not names:
        return _Path(lambda this, roots: roots[head], t)
    if optional_inside:
        parts = names

        def safe(obj: Any) -> Any:
            for part in parts:
                if obj is None:
                    return None
                obj = getattr(obj, part)
            return obj

        get = safe
    else:
        get = attrgetter(".".join(names))
    if root is None:
        return _Path(lambda this, roots: get(this), t)
    return _Path(lambda this, roots: get(roots[root]), t)


def _strip_opt(t: Any) -> Any:
    return t[1] if isinstance(t, tuple) and t[0] == "opt" else t


_TERM = re.compile(r"(!?)\s*([\w.]+)$")
_COMPARE = re.compile(r"([\w.]+)\s*(==|!=)\s*(?:'([^']*)'|([\w.]+))$")


def _compile_condition(text: Any, ctx: Context) -> Callable[[Any, dict[str, Any]], bool]:
    """``a``, ``!a``, ``a == 'x'``, ``a != b`` joined by ``and`` / ``or``."""
    if not isinstance(text, str) or not text.strip():
        raise _Problem(f"condition {text!r} is not a non-empty string")
    alternatives = []
    for alternative in re.split(r"\s+or\s+", text.strip()):
        terms = []
        for term in re.split(r"\s+and\s+", alternative.strip()):
            terms.append(_compile_term(term.strip(), ctx, text))
        alternatives.append(terms)

    def holds(this: Any, roots: dict[str, Any]) -> bool:
        return any(all(t(this, roots) for t in terms) for terms in alternatives)

    if len(alternatives) == 1 and len(alternatives[0]) == 1:
        return alternatives[0][0]
    return holds


def _compile_term(term: str, ctx: Context, text: str) -> Callable[[Any, dict[str, Any]], bool]:
    m = _COMPARE.fullmatch(term)
    if m:
        left = _compile_path(m.group(1), ctx).getter
        if m.group(3) is not None:
            const = m.group(3)

            def right(this: Any, roots: dict[str, Any]) -> Any:
                return const
        else:
            right = _compile_path(m.group(4), ctx).getter
        if m.group(2) == "==":
            return lambda this, roots: left(this, roots) == right(this, roots)
        return lambda this, roots: left(this, roots) != right(this, roots)
    m = _TERM.fullmatch(term)
    if not m:
        raise _Problem(
            f"cannot read {term!r} in condition {text!r} (expected PATH, !PATH,"
            " PATH == 'text', PATH != PATH, joined by and / or)"
        )
    get = _compile_path(m.group(2), ctx).getter
    if m.group(1):
        return lambda this, roots: not get(this, roots)
    return lambda this, roots: bool(get(this, roots))


def _expand(name: Any, what: str) -> str:
    """A prefixed name (``qb:Observation``) or ``a`` as a full IRI."""
    if name == "a":
        return RDF + "type"
    if not isinstance(name, str) or ":" not in name:
        raise _Problem(f"{what} {name!r} is not a prefixed name such as 'qb:Observation'")
    prefix, local = name.split(":", 1)
    if prefix not in PREFIXES:
        raise _Problem(f"{what} {name!r}: unknown prefix {prefix!r} (known: {', '.join(PREFIXES)})")
    return PREFIXES[prefix] + local


def _short(value: str) -> str:
    """An IRI as the prefixed name it was written as."""
    for prefix, ns in PREFIXES.items():
        if value.startswith(ns):
            return f"{prefix}:{value[len(ns) :]}"
    return value


#: datatype → (value type it needs, literal maker)
_DATATYPES: dict[str, tuple[Any, Callable[[Any], ox.Literal]]] = {
    "xsd:string": (str, ox.Literal),
    "xsd:decimal": (Decimal, decimal),
    "xsd:integer": (int, integer),
    "xsd:date": (str, xsd_date),
}


def _literal_maker(entry: dict[str, Any], value_type: Any) -> Callable[[Any], ox.Literal]:
    lang, datatype = entry.get("lang"), entry.get("datatype")
    if lang is not None and datatype is not None:
        raise _Problem("give lang or datatype, not both")
    if lang is not None:
        if not isinstance(lang, str) or not re.fullmatch(r"[a-zA-Z]{2,8}(-[a-zA-Z0-9]+)*", lang):
            raise _Problem(f"bad language tag {lang!r}")
        needs, make = str, lambda v: ox.Literal(v, language=lang)
    elif datatype is not None:
        if datatype not in _DATATYPES:
            raise _Problem(f"bad datatype {datatype!r} (known: {', '.join(_DATATYPES)})")
        needs, make = _DATATYPES[datatype]
    else:
        needs, make = str, ox.Literal
    actual = _strip_opt(value_type)
    if actual is not object and actual is not needs:
        kind = f"datatype {datatype}" if datatype else "a language-tagged or plain literal"
        raise _Problem(f"{kind} needs a {needs.__name__} value, the field is {_type_name(actual)}")
    return make


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _compile_format(text: Any, ctx: Context) -> Callable[[Any, dict[str, Any]], str | None]:
    """``"{a} {b.c}"`` as a function giving the text, or None when a field is None."""
    if not isinstance(text, str):
        raise _Problem(f"format {text!r} is not a string")
    pieces: list[str | Callable[[Any, dict[str, Any]], Any]] = []
    at = 0
    for m in _PLACEHOLDER.finditer(text):
        pieces.append(text[at : m.start()])
        pieces.append(_compile_path(m.group(1), ctx).getter)
        at = m.end()
    pieces.append(text[at:])
    if "{" in "".join(p for p in pieces if isinstance(p, str)).replace("{{", ""):
        raise _Problem(f"format {text!r} has an unclosed {{")
    pieces = [p for p in pieces if p != ""]

    def render(this: Any, roots: dict[str, Any]) -> str | None:
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
            else:
                value = piece(this, roots)
                if value is None:
                    return None
                out.append(str(value))
        return "".join(out)

    return render


def _compile_mint(name: Any, args: Any, ctx: Context) -> Callable[[Any, dict[str, Any]], Any]:
    if name not in MINTERS:
        raise _Problem(f"unknown minting function {name!r} (known: {', '.join(MINTERS)})")
    if not isinstance(args, list):
        raise _Problem(f"args of {name!r} must be a list of field paths")
    fn = MINTERS[name]
    try:
        inspect.signature(fn).bind(*args)
    except TypeError:
        params = ", ".join(inspect.signature(fn).parameters)
        raise _Problem(f"{name}({params}) cannot take {len(args)} argument(s)") from None
    getters = [_compile_path(a, ctx).getter for a in args]
    if len(getters) == 1:
        (g,) = getters
        return lambda this, roots: fn(g(this, roots))
    return lambda this, roots: fn(*(g(this, roots) for g in getters))


_VALUE_KEYS = ("field", "iri", "const", "literal", "format", "mint", "node")
_ENTRY_KEYS = {
    "p",
    "when",
    "lang",
    "datatype",
    "args",
    "suffix",
    "from",
    "each",
    "where",
    *_VALUE_KEYS,
}
_TEMPLATE_KEYS = {"applies_to", "subject", "types", "properties"}

Term = ox.NamedNode | ox.Literal
_Value = Callable[[Any, dict[str, Any]], Term | None]


def _compile_value(entry: dict[str, Any], ctx: Context) -> _Value:
    """The object of a triple entry (one of field, iri, const, literal, format, mint)."""
    if "field" in entry:
        path = _compile_path(entry["field"], ctx)
        make, get = _literal_maker(entry, path.type), path.getter

        def field_value(this: Any, roots: dict[str, Any]) -> Term | None:
            v = get(this, roots)
            return None if v is None else make(v)

        return field_value
    if "iri" in entry:
        path = _compile_path(entry["iri"], ctx)
        if _strip_opt(path.type) not in (str, object):
            raise _Problem(f"iri needs a field holding an IRI string, not {_type_name(path.type)}")
        get = path.getter

        def iri_value(this: Any, roots: dict[str, Any]) -> Term | None:
            v = get(this, roots)
            return None if v is None else ox.NamedNode(v)

        return iri_value
    if "const" in entry:
        node = ox.NamedNode(_expand(entry["const"], "const"))
        return lambda this, roots: node
    if "literal" in entry:
        if not isinstance(entry["literal"], str):
            raise _Problem(f"literal {entry['literal']!r} is not a string")
        constant = _literal_maker(entry, str)(entry["literal"])
        return lambda this, roots: constant
    if "format" in entry:
        render, make = _compile_format(entry["format"], ctx), _literal_maker(entry, str)

        def format_value(this: Any, roots: dict[str, Any]) -> Term | None:
            text = render(this, roots)
            return None if text is None else make(text)

        return format_value
    mint = _compile_mint(entry["mint"], entry.get("args", []), ctx)
    suffix = entry.get("suffix", "")

    def mint_value(this: Any, roots: dict[str, Any]) -> Term | None:
        v = mint(this, roots)
        return None if v is None else ox.NamedNode(v + suffix)

    return mint_value


@dataclass
class _Node:
    """A nested-node entry: the template(s) to apply to a value or to each item."""

    predicate: ox.NamedNode | None
    items: Callable[[Any, dict[str, Any]], Any]
    single: bool  # from: one value; each: a list or dict
    is_dict: bool
    target: str  # template name, or a pattern with {PATH} placeholders
    pick: Callable[[Any], str] | None  # item → template name, for patterns
    where_text: str | None
    from_self: bool
    when: Callable[[Any, dict[str, Any]], bool] | None
    item_type: Any  # what it hands the target template(s); checked when linked
    where: Callable[[Any, dict[str, Any]], bool] | None = None  # compiled when linked
    template: _Template | None = None  # resolved target (None for patterns)


@dataclass
class _Triple:
    predicate: ox.NamedNode
    value: _Value
    when: Callable[[Any, dict[str, Any]], bool] | None


@dataclass
class _Template:
    name: str
    applies_to: str
    context: Context
    subject: _Value
    types: list[ox.NamedNode]
    entries: list[_Triple | _Node]


@dataclass(frozen=True)
class Templates:
    """The node templates of one file (``mappings/rdf.toml``), compiled and checked."""

    path: Path
    nodes: dict[str, _Template]

    @classmethod
    def load(cls, path: Path) -> Templates:
        """Read and check a template file.

        :raises TemplateError: the file cannot be read or an entry is wrong; the message
            names the file, the template and the entry (with its line).
        """
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise TemplateError(f"{path}: {exc}") from None
        lines = text.splitlines()
        extra = set(data) - {"node"}
        if extra:
            raise TemplateError(
                f"{path}: unknown top-level key(s) {sorted(extra)}; only [node.NAME]"
            )
        raw = data.get("node", {})
        if "article" not in raw:
            raise TemplateError(f"{path}: no [node.article] template, where mapping starts")
        nodes: dict[str, _Template] = {}
        for name, spec in raw.items():
            nodes[name] = _compile_template(path, lines, name, spec)
        for template in nodes.values():
            for index, entry in enumerate(template.entries):
                if isinstance(entry, _Node):
                    try:
                        _link(entry, nodes)
                    except _Problem as exc:
                        label = entry.predicate.value if entry.predicate else entry.target
                        raise TemplateError(
                            _where(path, lines, template.name, index, _short(label)) + str(exc)
                        ) from None
        return cls(path, nodes)


def _where(
    path: Path, lines: list[str], name: str, index: int | str | None, label: str = ""
) -> str:
    """``FILE:LINE: [node.NAME] property N (p): `` for an error message; ``index`` is the
    entry's place in ``properties`` or a key of the template (``subject``)."""
    header = f"[node.{name}]"
    line = next((i for i, text in enumerate(lines) if text.strip() == header), None)
    if line is not None and index is not None:
        seen = -1
        for i in range(line + 1, len(lines)):
            stripped = lines[i].strip()
            if stripped.startswith("[node."):
                break
            if isinstance(index, str):
                if re.match(rf"{index}\s*=", stripped):
                    line = i
                    break
            elif stripped.startswith("{"):
                seen += 1
                if seen == index:
                    line = i
                    break
    at = f"{path}:{line + 1}" if line is not None else str(path)
    what = f" property {index + 1}" if isinstance(index, int) else ""
    return f"{at}: {header}{what}{f' ({label})' if label else ''}: "


def _compile_template(path: Path, lines: list[str], name: str, spec: Any) -> _Template:
    def fail(message: str, index: int | str | None = None, label: str = "") -> TemplateError:
        return TemplateError(_where(path, lines, name, index, label) + message)

    if not isinstance(spec, dict):
        raise fail("must be a table")
    unknown = set(spec) - _TEMPLATE_KEYS
    if unknown:
        raise fail(f"unknown key(s) {sorted(unknown)} (expected {sorted(_TEMPLATE_KEYS)})")
    applies_to = spec.get("applies_to")
    if applies_to not in CONTEXTS:
        raise fail(f"applies_to {applies_to!r} is not one of {', '.join(CONTEXTS)}", "applies_to")
    ctx = CONTEXTS[applies_to]
    subject = spec.get("subject")
    try:
        if not isinstance(subject, dict) or not ({"mint", "iri"} & set(subject)):
            raise _Problem("subject must be { mint = FUNCTION, args = [...] } or { iri = PATH }")
        bad = set(subject) - {"mint", "args", "suffix", "iri"}
        if bad or ("iri" in subject and len(subject) > 1):
            raise _Problem(f"subject: unexpected key(s) {sorted(bad or set(subject) - {'iri'})}")
        compiled_subject = _compile_value(subject, ctx)
    except _Problem as exc:
        raise fail(f"subject: {exc}", "subject") from None
    try:
        types = [ox.NamedNode(_expand(t, "class")) for t in spec.get("types", [])]
    except _Problem as exc:
        raise fail(f"types: {exc}", "types") from None
    entries: list[_Triple | _Node] = []
    properties = spec.get("properties", [])
    if not isinstance(properties, list):
        raise fail("properties must be a list of inline tables", "properties")
    for index, entry in enumerate(properties):
        label = entry.get("p", entry.get("node", "")) if isinstance(entry, dict) else ""
        try:
            entries.append(_compile_entry(entry, ctx))
        except _Problem as exc:
            raise fail(str(exc), index, str(label)) from None
    return _Template(name, applies_to, ctx, compiled_subject, types, entries)


def _compile_entry(entry: Any, ctx: Context) -> _Triple | _Node:
    if not isinstance(entry, dict):
        raise _Problem("must be an inline table { p = …, field = … }")
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise _Problem(f"unknown key(s) {sorted(unknown)} (expected some of {sorted(_ENTRY_KEYS)})")
    values = [k for k in _VALUE_KEYS if k in entry]
    if len(values) != 1:
        raise _Problem(f"needs exactly one of {', '.join(_VALUE_KEYS)}, has {values or 'none'}")
    when = _compile_condition(entry["when"], ctx) if "when" in entry else None
    predicate = ox.NamedNode(_expand(entry["p"], "predicate")) if "p" in entry else None
    if values[0] != "node":
        for key in ("from", "each", "where"):
            if key in entry:
                raise _Problem(f"{key!r} goes with node = …, not with {values[0]}")
        if values[0] != "mint" and ("args" in entry or "suffix" in entry):
            raise _Problem("args and suffix go with mint = …")
        if predicate is None:
            raise _Problem("no predicate p")
        return _Triple(predicate, _compile_value(entry, ctx), when)
    if ("from" in entry) == ("each" in entry):
        raise _Problem("a node entry needs from = PATH or each = PATH (one of them)")
    for key in ("lang", "datatype", "args", "suffix"):
        if key in entry:
            raise _Problem(f"{key!r} does not go with node = …")
    if "where" in entry and "each" not in entry:
        raise _Problem("where goes with each = …")
    target = entry["node"]
    if not isinstance(target, str) or not target:
        raise _Problem(f"node {target!r} is not a template name")
    single = "from" in entry
    path = _compile_path(entry["from"] if single else entry["each"], ctx)
    item_type = _strip_opt(path.type)
    is_dict = False
    if not single:
        if not (isinstance(item_type, tuple) and item_type[0] in ("list", "dict")):
            raise _Problem(f"each {entry['each']!r} is {_type_name(item_type)}, not a list or dict")
        is_dict = item_type[0] == "dict"
        item_type = item_type[1]
    pick = None
    if "{" in target:  # the template name is made of the item's fields
        render = _compile_format(target, Context(item_type, item_type))

        def pick(item: Any) -> str:
            return render(item, {}) or ""

    return _Node(
        predicate=predicate,
        items=path.getter,
        single=single,
        is_dict=is_dict,
        target=target,
        pick=pick,
        where_text=entry.get("where"),
        from_self=entry.get("from") == "self",
        when=when,
        item_type=item_type,
    )


def _link(node: _Node, nodes: dict[str, _Template]) -> None:
    """Resolve a node entry's template(s) and check they take what it hands them."""
    item_type = node.item_type
    if node.pick is None:
        if node.target not in nodes:
            raise _Problem(f"unknown node template {node.target!r} (known: {', '.join(nodes)})")
        candidates = [nodes[node.target]]
        node.template = candidates[0]
    else:
        regex = re.compile(
            "".join(
                ".+" if i % 2 else re.escape(part)
                for i, part in enumerate(_PLACEHOLDER.split(node.target))
            )
        )
        candidates = [t for name, t in nodes.items() if regex.fullmatch(name)]
        if not candidates:
            raise _Problem(f"no node template matches {node.target!r}")
    if any(t.applies_to == "article" for t in candidates):
        raise _Problem("a template that applies to the article is where mapping starts, not a node")
    contexts = {t.applies_to for t in candidates}
    if len(contexts) > 1:
        raise _Problem(f"templates matching {node.target!r} apply to different things: {contexts}")
    for t in candidates:
        takes = t.context.takes
        if item_type is not object and item_type != takes:
            raise _Problem(
                f"node {t.name!r} applies to {t.applies_to} ({_type_name(takes)}),"
                f" but is given {_type_name(item_type)}"
            )
    if node.where_text is not None:
        node.where = _compile_condition(node.where_text, candidates[0].context)


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class MappingRules:
    """Declarative mapping rules: the node templates of ``mappings/rdf.toml``,
    ``mappings/documents.toml`` and the organisation head words of ``mappings/mentions.toml``
    (a bare head such as "UBND" names no one organisation)."""

    id_pattern: re.Pattern[str]
    doc_types: dict[str, str] = field(default_factory=dict)  # type word → notation
    known: dict[str, KnownDocument] = field(default_factory=dict)  # folded name → document
    bare_heads: frozenset[str] = frozenset()  # folded
    templates: Templates | None = None  # None: the project's mappings/rdf.toml

    @classmethod
    def load(cls, mappings_dir: Path) -> MappingRules:
        docs = tomllib.loads((mappings_dir / "documents.toml").read_text(encoding="utf-8"))
        mentions = tomllib.loads((mappings_dir / "mentions.toml").read_text(encoding="utf-8"))
        heads = mentions.get("organisations", {}).get("heads", [])
        return cls(
            id_pattern=re.compile(docs["id_pattern"]),
            doc_types={fold(k): v for k, v in docs.get("types", {}).items()},
            known={
                fold(name): KnownDocument(v["id_local"], v.get("date"), v.get("type"))
                for name, v in docs.get("known", {}).items()
            },
            bare_heads=frozenset(fold(h) for h in heads),
            templates=Templates.load(mappings_dir / "rdf.toml"),
        )


@lru_cache(maxsize=4)
def rules_for(mappings_dir: Path) -> MappingRules:
    """The rules of a ``mappings/`` folder, loaded once per process."""
    return MappingRules.load(mappings_dir)


def default_rules() -> MappingRules:
    """The rules of the project's ``mappings/`` folder (``CDSKG_HOME`` or the source tree)."""
    return rules_for(project_paths().mappings)


# --------------------------------------------------------------------------- mapping


@dataclass
class MappedArticle:
    """One article's graph as the templates made it, and which record items made which fact.

    A fact is an observation or a mentioned thing (person, organisation, document,
    platform): the unit the validation gate holds back.
    """

    quads: list[ox.Quad]
    #: fact IRI → the record items it was made from (an observation: its quantity and the
    #: restatements merged into it; a mentioned thing: each mention of it)
    facts: dict[str, list[Quantity | Mention]]

    @property
    def owners(self) -> dict[str, set[str]]:
        """Node IRI → the facts that own it (themselves too), see :func:`owners`."""
        return owners(self.quads, self.facts)


#: Nodes a fact owns: minted for it alone (or shared only by facts that fail together).
_OWNED = (iri.ID + "evidence/", iri.ID + "period/", iri.ID + "unit/former/", iri.ID + "post/")


def owners(quads: Iterable[ox.Quad], facts: Iterable[str]) -> dict[str, set[str]]:
    """Node IRI → the facts that own it: each fact owns itself, the nodes minted under its
    own IRI (``…#quote``), and the evidence, periods, former units and posts it reaches."""
    out: dict[str, list[str]] = {}
    for q in quads:
        if isinstance(q.object, ox.NamedNode):
            out.setdefault(q.subject.value, []).append(q.object.value)
    found: dict[str, set[str]] = {}
    for root in facts:
        stack, seen = [root], {root}
        while stack:
            node = stack.pop()
            found.setdefault(node, set()).add(root)
            for child in out.get(node, ()):
                base = child.split("#", 1)[0]
                if child not in seen and (base.startswith(_OWNED) or child.startswith(node + "#")):
                    seen.add(child)
                    stack.append(child)
    return found


def map_article(
    record: ArticleRecord, thesaurus: Thesaurus, *, rules: MappingRules | None = None
) -> MappedArticle:
    """All quads of one article's named graph (whose name is the article IRI), as the
    templates of ``rules`` (default: the project's ``mappings/``) shape them, with the
    record items each fact was made from.

    Warnings about figures the article states twice with different values, documents
    without a number and mentions of a kind no template maps are appended to
    ``record.warnings`` (once, however often the record is mapped).
    """
    rules = rules or default_rules()
    templates = rules.templates or default_rules().templates
    assert templates is not None
    run = _Run(record, thesaurus, rules, templates)
    quads = run.run()
    # the facts: observations, and what is cdskg:mentionedIn the article
    observation, mentioned_in = ox.NamedNode(QB + "Observation"), ox.NamedNode(MENTIONED_IN)
    facts = {
        q.subject.value: run.made_from.get(q.subject.value, [])
        for q in quads
        if (q.predicate == _TYPE and q.object == observation) or q.predicate == mentioned_in
    }
    return MappedArticle(quads, facts)


class _Run:
    """One article through the templates."""

    def __init__(
        self, record: ArticleRecord, thesaurus: Thesaurus, rules: MappingRules, t: Templates
    ):
        self.record, self.thesaurus, self.rules, self.templates = record, thesaurus, rules, t
        self.graph = ox.NamedNode(record.iri)
        self.quads: list[ox.Quad] = []
        self.base = {"article": record}
        self.facts: dict[Mention, MentionFacts] = {}
        self.done: set[tuple[str, Any]] = set()
        self.made_from: dict[str, list[Quantity | Mention]] = {}

    def run(self) -> list[ox.Quad]:
        roots = {"article": self.record, "groups": group_quantities(self.record)}
        self.emit(self.templates.nodes["article"], self.record, roots, None)
        return list(dict.fromkeys(self.quads))

    def scope(self, context: str, item: Any) -> tuple[Any, dict[str, Any]]:
        if context == "observation":
            concept = self.thesaurus.indicators[item.first.indicator]
            return item.first, {"article": self.record, "group": item, "concept": concept}
        if context == "mention":
            facts = self.facts.get(item)
            if facts is None:
                facts = self.facts[item] = self.resolve(item)
            return item, {"article": self.record, "resolved": facts}
        return item, self.base

    def emit(
        self, t: _Template, this: Any, roots: dict[str, Any], item: Any
    ) -> ox.NamedNode | None:
        subject = t.subject(this, roots)
        if subject is None:
            return None
        # a node made again from the same value (a shared period, the same evidence)
        key = (t.name, item if item is not None else id(this))
        try:
            if key in self.done:
                return subject  # type: ignore[return-value]
            self.done.add(key)
        except TypeError:  # unhashable value: emit, duplicates are dropped at the end
            pass
        if t.applies_to == "observation":
            self.made_from[subject.value] = [item.first, *item.restated]
        elif t.applies_to == "mention" and item not in self.made_from.get(subject.value, ()):
            self.made_from.setdefault(subject.value, []).append(item)
        graph, quads = self.graph, self.quads
        for cls in t.types:
            quads.append(ox.Quad(subject, _TYPE, cls, graph))  # type: ignore[arg-type]
        for entry in t.entries:
            if entry.when is not None and not entry.when(this, roots):
                continue
            if isinstance(entry, _Triple):
                obj = entry.value(this, roots)
                if obj is not None:
                    quads.append(ox.Quad(subject, entry.predicate, obj, graph))  # type: ignore[arg-type]
                continue
            value = entry.items(this, roots)
            if value is None:
                continue
            items = (value,) if entry.single else value.values() if entry.is_dict else value
            for x in items:
                target = entry.template
                if target is None:
                    target = self.templates.nodes.get(entry.pick(x))  # type: ignore[misc]
                    if target is None:
                        self.missing(entry, x)
                        continue
                if entry.from_self and target.applies_to == t.applies_to:
                    child_this, child_roots = this, roots
                else:
                    child_this, child_roots = self.scope(target.applies_to, x)
                if entry.where is not None and not entry.where(child_this, child_roots):
                    continue
                child = self.emit(target, child_this, child_roots, x)
                if child is not None and entry.predicate is not None:
                    quads.append(ox.Quad(subject, entry.predicate, child, graph))  # type: ignore[arg-type]
        return subject  # type: ignore[return-value]

    def missing(self, entry: _Node, item: Any) -> None:
        if isinstance(item, Mention):
            warning = f"mention of unknown kind {item.kind!r} not mapped: {item.name!r}"
        else:
            warning = f"no template {entry.target!r} in {self.templates.path.name} for {item!r}"
        if warning not in self.record.warnings:
            self.record.warnings.append(warning)

    def resolve(self, m: Mention) -> MentionFacts:
        """The algorithmic part of a mention: whose post, which document."""
        rules = self.rules
        if m.kind == "person":
            named = m.post and m.organisation and fold(m.organisation) not in rules.bare_heads
            return MentionFacts(post_org=m.organisation if named else None)
        if m.kind != "document":
            return MentionFacts()
        known = rules.known.get(fold(m.identifier or m.name)) or rules.known.get(fold(m.name))
        ident = known.id_local if known else m.identifier
        if not ident or not rules.id_pattern.match(ident):
            warning = (
                f"document {m.name!r} at {m.evidence.start} has no number ELI can hold"
                " (add it under [known] in mappings/documents.toml); mapped as schema:CreativeWork"
            )
            if warning not in self.record.warnings:
                self.record.warnings.append(warning)
            return MentionFacts(document=ident or m.name)
        date = m.date or (known.date if known else None)
        doc_type = m.doc_type or (known.doc_type if known else None)
        notation = rules.doc_types.get(fold(doc_type)) if doc_type else None
        return MentionFacts(document=ident, id_local=ident, doc_type=notation, date=date)


def observation_key(x: Quantity) -> tuple[str, str, str, str, str, str]:
    """The values of the Data Cube dimensions other than the article (and the statement
    index): two quantities of one article with the same key are the same figure."""
    end = x.period.end or x.period.start
    return (x.indicator, x.area, x.period.start, end, x.role, breakdown_iri(x.scope))


def group_quantities(record: ArticleRecord) -> list[ObservationGroup]:
    """Merge restatements of one figure, number the genuinely different values (IC-12).

    A warning names each key the article states with more than one value; it is added to
    ``record.warnings`` unless already there.
    """
    groups: list[ObservationGroup] = []
    by_key: dict[tuple, dict[tuple[Decimal, str], ObservationGroup]] = {}
    for x in record.quantities:
        values = by_key.setdefault(observation_key(x), {})
        value = (x.value.normalize(), x.unit)
        if value in values:
            values[value].restated.append(x)
            continue
        group = ObservationGroup(x, statement_index=len(values) + 1)
        values[value] = group
        groups.append(group)
    for values in by_key.values():
        if len(values) < 2:
            continue
        firsts = [g.first for g in values.values()]
        x = firsts[0]
        where = breakdown_iri(x.scope).rsplit("/", 1)[-1]
        stated = ", ".join(f"{y.stated!r} at {y.value_start}" for y in firsts)
        warning = (
            f"{x.indicator} for {x.area} ({x.period.start}–{x.period.end or x.period.start},"
            f" {x.role}, {where}) is stated with {len(firsts)} different values: {stated};"
            " kept apart by cdskg:statementIndex"
        )
        if warning not in record.warnings:
            record.warnings.append(warning)
    return groups


def context_triples(record: ArticleRecord, thesaurus: Thesaurus) -> Iterator[ox.Triple]:
    """Triples about what the article's graph points to (units, indicators, pillars),
    which live in the reference graph; validation needs them beside the article's."""
    for unit in record.places.values():
        yield ox.Triple(nn(unit.iri), _TYPE, nn(CDSKG + "AdministrativeUnit"))
        yield ox.Triple(nn(unit.iri), _TYPE, nn(CDSKG + CLASS_BY_LEVEL[unit.level]))
    notations = {x.indicator for x in record.quantities}
    for notation in notations:
        ind = thesaurus.indicators[notation]
        yield ox.Triple(nn(ind.iri), _TYPE, nn(CDSKG + "Indicator"))
        yield ox.Triple(nn(ind.pillar), _TYPE, nn(CDSKG + "Pillar"))
        # lets the unit-fits-indicator constraint run on one article too
        yield ox.Triple(nn(ind.iri), nn(CDSKG + "unitMeasure"), nn(ind.unit))
    yield ox.Triple(nn(iri.DATASET), _TYPE, nn(QB + "DataSet"))


def unit_quads(
    units: Iterable[AdminUnit], successors: dict[str, list[str]], graph: str
) -> Iterator[ox.Quad]:
    """The reference data of administrative units."""
    g = nn(graph)
    for unit in units:
        s = nn(unit.iri)
        yield ox.Quad(s, _TYPE, nn(CDSKG + "AdministrativeUnit"), g)
        yield ox.Quad(s, _TYPE, nn(CDSKG + CLASS_BY_LEVEL[unit.level]), g)
        yield ox.Quad(s, nn(RDFS + "label"), lit(unit.name, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "prefLabel"), lit(unit.name, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "altLabel"), lit(unit.short, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "notation"), lit(unit.code), g)
        yield ox.Quad(s, nn(CDSKG + "snapshot"), lit(unit.snapshot), g)
        yield ox.Quad(s, nn(CDSKG + "level"), nn(iri.ID + "level/" + unit.level), g)
        if unit.snapshot == "2025":
            yield ox.Quad(s, nn(CDSKG + "validFrom"), xsd_date("2025-07-01"), g)
        else:
            yield ox.Quad(s, nn(CDSKG + "validUntil"), xsd_date("2025-06-30"), g)
        if unit.parent:
            yield ox.Quad(s, nn(SKOS + "broader"), nn(unit.parent), g)
            yield ox.Quad(s, nn(CDSKG + "parentUnit"), nn(unit.parent), g)
        for successor in successors.get(unit.iri, []):
            yield ox.Quad(s, nn(DCTERMS + "isReplacedBy"), nn(successor), g)
            yield ox.Quad(nn(successor), nn(DCTERMS + "replaces"), s, g)
