"""The node templates of ``mappings/rdf.toml``: loaded once, every entry checked against the
record types, compiled to closures that :mod:`cdskg.mapping.mapper` runs.

A template gives one kind of node its subject IRI (a minting function of
:data:`cdskg.mapping.terms.MINTERS` and the record fields it takes), its classes, and each
predicate with its object (a field with its datatype or language, a constant, an IRI minted
from fields, a literal made of fields, or a nested node), applied when a named predicate of
:mod:`cdskg.mapping.predicates` holds. Field paths are checked against the dataclasses'
type hints; :class:`TemplateError` names the file, the line and the entry. The file's
header documents the format.

(About 590 lines: the loader and its checks are one concern, each check beside the code
that compiles the entry it reads.)

(Over 500 lines: loading, checking and compiling a template are one pass over its
entries.)
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cdskg.errors import CdskgError
from cdskg.extract.records import ArticleRecord, Evidence, Mention, Period, Quantity
from cdskg.extract.thesaurus import Indicator
from cdskg.extract.units import AdminUnit
from cdskg.mapping.model import MentionFacts, ObservationGroup
from cdskg.mapping.predicates import PREDICATES, Predicate
from cdskg.mapping.terms import MINTERS, decimal, integer, xsd_date
from cdskg.rdf.namespaces import PREFIXES, RDF


class TemplateError(CdskgError):
    """A mapping template file that cannot be used; the message names the file and entry."""


@dataclass(frozen=True)
class Context:
    """What a template with this ``applies_to`` maps: the item type nested nodes hand it,
    the type its field paths start from, and its extra roots (besides ``article``)."""

    takes: Any
    this: Any
    roots: dict[str, Any] = field(default_factory=dict)
    applies_to: str = ""


#: applies_to → context.
CONTEXTS: dict[str, Context] = {
    name: dataclasses.replace(context, applies_to=name)
    for name, context in {
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
    }.items()
}


def _shape(hint: Any) -> Any:
    """A type hint as ``cls``, ``("opt", T)``, ``("list", T)`` or ``("dict", T)`` (the
    values' type); what is none of these is ``object`` (not checked further)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        rest = [a for a in args if a is not type(None)]
        return ("opt", _shape(rest[0]) if len(rest) == 1 else object)
    if origin is list:
        return ("list", _shape(args[0]))
    if origin is dict:
        return ("dict", _shape(args[-1]))
    return hint if isinstance(hint, type) and origin is None else object


def _type_name(t: Any) -> str:
    if isinstance(t, tuple):
        return f"{t[0]}[{_type_name(t[1])}]" if t[0] != "opt" else f"{_type_name(t[1])} | None"
    return getattr(t, "__name__", str(t))


@cache
def _members(cls: Any) -> dict[str, Any]:
    """Field name → type of a dataclass, with its annotated properties."""
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
        return {}
    hints = _hints(cls)
    out = {f.name: _shape(hints.get(f.name, object)) for f in dataclasses.fields(cls)}
    for name, value in vars(cls).items():
        if isinstance(value, property) and value.fget is not None:
            out[name] = _shape(_hints(value.fget).get("return", object))
    return out


#: Types the records name only for type checkers (imported under TYPE_CHECKING).
_NAMES = {"AdminUnit": AdminUnit, "Indicator": Indicator}


def _hints(obj: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj, localns=_NAMES)
    except NameError:  # a name no module defines at run time: not checked further
        return {}


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


def _condition(name: Any, applies_to: str) -> Predicate:
    """A named predicate of :mod:`cdskg.mapping.predicates` made for ``applies_to``."""
    if not isinstance(name, str) or name not in PREDICATES:
        raise _Problem(
            f"unknown condition {name!r}: name a predicate of cdskg.mapping.predicates"
            f" ({', '.join(n for n, (a, _) in PREDICATES.items() if a == applies_to) or 'none'}"
            f" for {applies_to})"
        )
    made_for, fn = PREDICATES[name]
    if made_for != applies_to:
        raise _Problem(f"condition {name!r} is made for {made_for}, not for {applies_to}")
    return fn


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
    when = _condition(entry["when"], ctx.applies_to) if "when" in entry else None
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
        node.where = _condition(node.where_text, candidates[0].applies_to)
