"""RDF terms the mapping makes: IRIs and literals, and the minting functions templates name.

:data:`MINTERS` are the functions a template's ``mint`` may name: :mod:`cdskg.rdf.iri`'s
minting functions, and three for codes iri.py has no function for.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pyoxigraph as ox

from cdskg.extract.units import CLASS_BY_LEVEL
from cdskg.rdf import iri
from cdskg.rdf.namespaces import CDSKG, XSD


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


#: The functions a template's ``mint`` may name.
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
