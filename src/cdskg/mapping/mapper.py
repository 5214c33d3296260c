"""Mapping: typed records → RDF quads in the article's named graph.

The shape of the output is declared in ``mappings/rdf.toml``, one template per kind of
node (article, observation, evidence and its selectors, period, former unit, person, post,
organisation, document, platform), loaded and checked by :mod:`cdskg.mapping.templates`;
this module runs them over a record (:func:`map_article`) and says which record items made
each fact, and which nodes each fact owns, for the validation gate (:class:`MappedArticle`).

What stays in Python is algorithmic, not shape: merging restated figures and numbering
different values (:func:`cdskg.mapping.model.group_quantities`), resolving document
identifiers (``mappings/documents.toml``) and telling whether a post's organisation names
one body (the bare heads of ``mappings/mentions.toml``), see :meth:`_Run.resolve`; and the
conditions templates name (:mod:`cdskg.mapping.predicates`).

The output is the interoperability contract in the README: every observation is a
``qb:Observation`` with its dataset, area, period, indicator, pillar, value, unit and the
article it was derived from, and carries its evidence as a Web Annotation
``oa:SpecificResource`` with a quote and a position selector. People, posts and
organisations are mapped with W3C ORG (and FOAF/schema.org types), legal documents with
ELI, platforms with schema.org; each is ``cdskg:mentionedIn`` the article with its evidence.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cdskg.extract.records import ArticleRecord, Mention, Quantity
from cdskg.extract.thesaurus import Thesaurus
from cdskg.extract.units import (
    ALL_SNAPSHOTS,
    CLASS_BY_LEVEL,
    COUNTRY,
    COUNTRY_NAME_EN,
    AdminUnit,
)
from cdskg.mapping.model import KnownDocument, MentionFacts, group_quantities
from cdskg.mapping.templates import Templates, _Node, _Template, _Triple
from cdskg.mapping.terms import lit, nn, xsd_date
from cdskg.rdf import iri
from cdskg.rdf.namespaces import CDSKG, DCTERMS, QB, RDF, RDFS, SKOS
from cdskg.settings import project_paths
from cdskg.text.fold import fold

_TYPE = ox.NamedNode(RDF + "type")
MENTIONED_IN = CDSKG + "mentionedIn"


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
    units: Iterable[AdminUnit],
    successors: dict[str, list[str]],
    graph: str,
    aliases: dict[str, list[str]] | None = None,
) -> Iterator[ox.Quad]:
    """The reference data of administrative units (the country among them, when given);
    ``aliases`` (unit IRI → other names, such as "TP.HCM") become more altLabels, so the
    names people write find the unit too."""
    g = nn(graph)
    for unit in units:
        s = nn(unit.iri)
        for alias in (aliases or {}).get(unit.iri, ()):
            yield ox.Quad(s, nn(SKOS + "altLabel"), lit(alias, "vi"), g)
        yield ox.Quad(s, _TYPE, nn(CDSKG + "AdministrativeUnit"), g)
        yield ox.Quad(s, _TYPE, nn(CDSKG + CLASS_BY_LEVEL[unit.level]), g)
        yield ox.Quad(s, nn(RDFS + "label"), lit(unit.name, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "prefLabel"), lit(unit.name, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "altLabel"), lit(unit.short, "vi"), g)
        yield ox.Quad(s, nn(SKOS + "notation"), lit(unit.code), g)
        yield ox.Quad(s, nn(CDSKG + "snapshot"), lit(unit.snapshot), g)
        yield ox.Quad(s, nn(CDSKG + "level"), nn(iri.ID + "level/" + unit.level), g)
        if unit.iri == COUNTRY.iri:
            # its English name as a second prefLabel only: rdfs:label stays one Vietnamese
            # name per unit, which the catalogue queries list one row per label by
            yield ox.Quad(s, nn(SKOS + "prefLabel"), lit(COUNTRY_NAME_EN, "en"), g)
        if unit.snapshot == ALL_SNAPSHOTS:
            pass  # the country: in force before and after the reform, no validity bounds
        elif unit.snapshot == "2025":
            yield ox.Quad(s, nn(CDSKG + "validFrom"), xsd_date("2025-07-01"), g)
        else:
            yield ox.Quad(s, nn(CDSKG + "validUntil"), xsd_date("2025-06-30"), g)
        if unit.parent:
            yield ox.Quad(s, nn(SKOS + "broader"), nn(unit.parent), g)
            yield ox.Quad(s, nn(CDSKG + "parentUnit"), nn(unit.parent), g)
        for successor in successors.get(unit.iri, []):
            yield ox.Quad(s, nn(DCTERMS + "isReplacedBy"), nn(successor), g)
            yield ox.Quad(nn(successor), nn(DCTERMS + "replaces"), s, g)
