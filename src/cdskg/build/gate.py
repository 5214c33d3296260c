"""Articles through extraction, mapping and the validation gate, a batch at a time: what
violates a shape is held back fact by fact, the rest of the article goes on to be loaded.

No store access: safe in the build's worker processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyoxigraph as ox

from cdskg.build.stopwatch import Stopwatch
from cdskg.extract.articles import SourceArticle
from cdskg.extract.extractor import Extractor
from cdskg.extract.records import ArticleRecord
from cdskg.extract.thesaurus import Thesaurus
from cdskg.mapping.mapper import (
    MappedArticle,
    MappingRules,
    context_triples,
    map_article,
    rules_for,
)
from cdskg.rdf import iri
from cdskg.settings import ProjectPaths
from cdskg.validation.engine import ValidationResult, Violation, load_shapes, validate_graphs


@dataclass
class Built:
    """One article through extraction, mapping and the gate."""

    record: ArticleRecord
    quads: list[ox.Quad]  # accepted
    violations: list[Violation]
    loads: bool  # whether the article loads (without what was held back)
    sentences: dict[str, str]  # each violation's focus node → the sentence of its fact


class ArticleBuilder:
    """Extract, map and validate articles (no store access; safe in worker processes)."""

    def __init__(self, paths: ProjectPaths):
        self.extractor = Extractor(paths.mappings, paths.ontology)
        self.thesaurus: Thesaurus = self.extractor.thesaurus
        self.rules: MappingRules = rules_for(paths.mappings)
        self.shapes = load_shapes(paths.shapes)

    def build(self, source: SourceArticle, watch: Stopwatch | None = None) -> Built:
        """One article, validated on its own (see :meth:`build_batch`)."""
        built = self.build_batch([source], [watch or Stopwatch()])[0]
        if isinstance(built, Exception):
            raise built
        return built

    def build_batch(
        self, sources: list[SourceArticle], watches: list[Stopwatch]
    ) -> list[Built | Exception]:
        """Each article built, or the exception that stopped it (a bug costs that article
        only). The articles are validated together (the SPARQL constraints run once over
        all of them, each article getting its own results: see
        :func:`cdskg.validation.engine.validate_graphs`).

        What violates a shape is held back fact by fact: an observation or a mention is
        dropped with everything it owns (its evidence and selectors, its period) when any
        of those is in violation. Only a violation no fact owns (on the article itself)
        holds back the whole article.
        """
        out: list[Built | Exception] = []
        mapped: dict[int, tuple[ArticleRecord, MappedArticle]] = {}
        for k, (source, watch) in enumerate(zip(sources, watches, strict=True)):
            watch.restart()
            try:
                record = self.extractor.extract(source)
                watch.lap("extract")
                mapped[k] = (record, map_article(record, self.thesaurus, rules=self.rules))
                watch.lap("map")
                out.append(Built(record, [], [], False, {}))  # filled in below
            except Exception as exc:
                out.append(exc)
        again: dict[int, tuple[ArticleRecord, MappedArticle]] = {}
        for k, result in self._validate(mapped, watches, "validate", out).items():
            watches[k].restart()
            try:
                remapped = self._gate(out[k], *mapped[k], result, watches[k])  # type: ignore[arg-type]
            except Exception as exc:
                out[k] = exc
                continue
            if remapped is not None:
                again[k] = remapped
        for k, result in self._validate(again, watches, "validate again", out).items():
            built = out[k]
            assert isinstance(built, Built)
            if result.conforms:
                built.quads, built.loads = again[k][1].quads, True
            else:
                built.violations = built.violations + result.violations
        return out

    def _gate(
        self,
        built: Built,
        record: ArticleRecord,
        article: MappedArticle,
        result: ValidationResult,
        watch: Stopwatch,
    ) -> tuple[ArticleRecord, MappedArticle] | None:
        """Fill ``built`` from the first validation; the article mapped again without what
        is held back, to be validated again (None: nothing to validate again)."""
        if result.conforms:
            built.quads, built.loads = article.quads, True
            return None
        built.violations = result.violations
        owners = article.owners
        built.sentences = _sentences(article, owners, result.violations)
        held = _held_back(record, article, owners, result.violations)
        watch.lap("gate")
        if held is None:
            return None  # the whole article is held back
        record.quantities = [x for x in record.quantities if id(x) not in held]
        record.mentions = [m for m in record.mentions if id(m) not in held]
        again = map_article(record, self.thesaurus, rules=self.rules)
        watch.lap("map again")
        return record, again

    def _validate(
        self,
        mapped: dict[int, tuple[ArticleRecord, MappedArticle]],
        watches: list[Stopwatch],
        stage: str,
        out: list[Built | Exception],
    ) -> dict[int, ValidationResult]:
        """The articles validated together, each its graph and context triples, the time
        shared out evenly. Should that fail, each alone: an article whose validation
        fails gets its exception in ``out`` (a bug costs its article only)."""
        start = time.process_time()
        graphs: dict[int, list[ox.Triple | ox.Quad]] = {}
        for k, (record, article) in mapped.items():
            try:
                graphs[k] = self._data(record, article)
            except Exception as exc:
                out[k] = exc
        results: dict[int, ValidationResult] = {}
        try:
            if graphs:
                found = validate_graphs(list(graphs.values()), self.shapes)
                results = dict(zip(graphs, found, strict=True))
        except Exception:
            for k, graph in graphs.items():
                try:
                    results[k] = validate_graphs([graph], self.shapes)[0]
                except Exception as exc:
                    out[k] = exc
        share = (time.process_time() - start) / max(1, len(mapped))
        for k in mapped:
            watches[k].add({stage: share})
            watches[k].restart()
        return results

    def _data(self, record: ArticleRecord, article: MappedArticle) -> list[ox.Triple | ox.Quad]:
        return [*article.quads, *context_triples(record, self.thesaurus)]


def _held_back(
    record: ArticleRecord,
    article: MappedArticle,
    owners: dict[str, set[str]],
    violations: list[Violation],
) -> set[int] | None:
    """The ids of the record's quantities and mentions to hold back for these violations,
    or None when a violation is on something no fact owns (the article itself).

    A fact is held back when it owns a node in violation; a mention also when a held-back
    fact owns its evidence (the same sentence)."""
    if any(v.focus not in owners for v in violations):
        return None
    bad = {root for v in violations for root in owners[v.focus]}
    held = {id(x) for root in bad for x in article.facts.get(root, ())}
    bad_nodes = {node for node, roots in owners.items() if roots & bad}
    held.update(
        id(m)
        for m in record.mentions
        if iri.evidence(record.iri, m.evidence.start, m.evidence.end) in bad_nodes
    )
    return held


def _sentences(
    article: MappedArticle, owners: dict[str, set[str]], violations: list[Violation]
) -> dict[str, str]:
    """Focus node → the sentence of the fact that owns it (for the report)."""
    out = {}
    for v in violations:
        for root in sorted(owners.get(v.focus, ())):
            items = article.facts.get(root)
            if items:
                out[v.focus] = items[0].evidence.exact
                break
    return out
