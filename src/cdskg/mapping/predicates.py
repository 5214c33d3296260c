"""The conditions a template of ``mappings/rdf.toml`` may name: ``when = NAME`` on an entry
(it applies only when the predicate holds) and ``where = NAME`` on ``each = …`` (the items it
holds for).

Each is a Python function of the mapped object and its roots (``article``, and per kind of
node those of :data:`cdskg.mapping.templates.CONTEXTS`: ``group`` and ``concept`` for
observations, ``resolved`` for mentions), registered for the kinds of node (``applies_to``)
it reads; the template loader refuses a name that is unknown or made for another kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cdskg.extract.records import ArticleRecord, Mention, Period, Quantity
from cdskg.extract.units import AdminUnit

Predicate = Callable[[Any, dict[str, Any]], bool]

#: name → (the applies_to it is made for, the function)
PREDICATES: dict[str, tuple[str, Predicate]] = {}


def predicate(applies_to: str) -> Callable[[Predicate], Predicate]:
    def register(fn: Predicate) -> Predicate:
        PREDICATES[fn.__name__] = (applies_to, fn)
        return fn

    return register


@predicate("article")
def has_main_locality(article: ArticleRecord, roots: dict[str, Any]) -> bool:
    """The article names the locality it is about."""
    return bool(article.main_locality)


@predicate("article")
def has_publisher(article: ArticleRecord, roots: dict[str, Any]) -> bool:
    return bool(article.publisher)


@predicate("unit")
def is_former_unit(unit: AdminUnit, roots: dict[str, Any]) -> bool:
    """A unit merged away before the reference data: the article's graph describes it."""
    return unit.snapshot == "former"


@predicate("unit")
def has_parent_unit(unit: AdminUnit, roots: dict[str, Any]) -> bool:
    return bool(unit.parent)


@predicate("period")
def is_instant(period: Period, roots: dict[str, Any]) -> bool:
    """One day: no end, or the end is the start."""
    return not period.end or period.end == period.start


@predicate("period")
def is_interval(period: Period, roots: dict[str, Any]) -> bool:
    """A day at each end."""
    return bool(period.end) and period.end != period.start


@predicate("observation")
def has_indicator_text(quantity: Quantity, roots: dict[str, Any]) -> bool:
    """The words the article named the indicator with were kept."""
    return bool(quantity.indicator_text)


@predicate("observation")
def has_baseline(quantity: Quantity, roots: dict[str, Any]) -> bool:
    """The article compares the figure with a period ("tăng 2 bậc so với năm 2020")."""
    return quantity.baseline is not None


@predicate("mention")
def holds_post_in_one_body(mention: Mention, roots: dict[str, Any]) -> bool:
    """A person whose post's organisation names one body ("UBND thị xã Duyên Hải", not a
    bare "UBND"): the post is an ``org:Post`` of that organisation."""
    return bool(roots["resolved"].post_org)


@predicate("mention")
def has_title_with_bare_organisation(mention: Mention, roots: dict[str, Any]) -> bool:
    """A post of an organisation that names no one body: kept as the title said."""
    return bool(mention.post and mention.organisation and not roots["resolved"].post_org)


@predicate("mention")
def has_title_alone(mention: Mention, roots: dict[str, Any]) -> bool:
    """A post with no organisation."""
    return bool(mention.post and not mention.organisation)


@predicate("mention")
def is_legal_document(mention: Mention, roots: dict[str, Any]) -> bool:
    """A document with a number ELI can hold (``mappings/documents.toml``)."""
    return bool(roots["resolved"].id_local)


@predicate("mention")
def is_other_document(mention: Mention, roots: dict[str, Any]) -> bool:
    """A document without such a number: a ``schema:CreativeWork``."""
    return not roots["resolved"].id_local


@predicate("mention")
def has_document_type(mention: Mention, roots: dict[str, Any]) -> bool:
    return bool(roots["resolved"].doc_type)
