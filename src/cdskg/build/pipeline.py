"""The build: articles → clean → extract → map → validate → load, one article at a time.

This is the one module that knows the order of the steps; each step lives in its own
module and knows only itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import resource
import tempfile
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from cdskg import __version__

from cdskg.rdf import iri
from cdskg.serve.lifetime import die_with_parent
from cdskg.extract.articles import DEFAULT_MAX_BYTES, SourceArticle, collect, read_article
from cdskg.errors import InputError
from cdskg.extract.extractor import Extractor
from cdskg.mapping.mapper import (
    MappingRules,
    context_triples,
    group_quantities,
    integer,
    lit,
    map_article,
    nn,
    rules_for,
    unit_quads,
    xsd_date,
)
from cdskg.rdf.namespaces import CDSKG, DCTERMS, OWL, PROV, QB, RDF, RDFS, XSD
from cdskg.build.progress import ProgressPrinter
from cdskg.extract.records import ArticleRecord
from cdskg.settings import ProjectPaths
from cdskg.store.generations import StoreLayout, graph_hashes, next_generation, replace_graphs
from cdskg.extract.thesaurus import Thesaurus
from cdskg.extract.units import load_units
from cdskg.validation.engine import Violation, load_shapes, validate_graph


@dataclass
class BuildOptions:
    corpus: list[Path]
    store: Path
    paths: ProjectPaths
    jobs: int = 1
    prune: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass
class ArticleOutcome:
    file: str
    status: str  # added | changed | unchanged | rejected | unreadable | failed (built: interim)
    article: str | None = None
    facts: int = 0
    rejected: list[dict[str, object]] = field(default_factory=list)
    skipped_numbers: list[dict[str, object]] = field(default_factory=list)
    dropped: list[dict[str, object]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def has_problems(self) -> bool:
        return self.status in ("rejected", "unreadable", "failed") or bool(self.rejected)


@dataclass
class BuildReport:
    store: str
    generation: str | None
    started: str
    ended: str
    articles: list[ArticleOutcome]
    removed: list[str]
    triples: int
    #: CPU seconds per stage (see :class:`Stopwatch`), for seeing where a build's time goes
    timings: dict[str, object] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 1 if any(a.has_problems for a in self.articles) else 0

    def counts(self) -> dict[str, int]:
        counts = {
            k: 0 for k in ("added", "changed", "unchanged", "rejected", "unreadable", "failed")
        }
        for a in self.articles:
            counts[a.status] += 1
        counts["removed"] = len(self.removed)
        counts["facts"] = sum(a.facts for a in self.articles)
        counts["facts_rejected"] = sum(len(a.rejected) for a in self.articles)
        return counts

    def as_json(self) -> str:
        data = {
            "store": self.store,
            "generation": self.generation,
            "started": self.started,
            "ended": self.ended,
            "counts": self.counts(),
            "triples": self.triples,
            "removed": self.removed,
            "timings": self.timings,
            "articles": [a.__dict__ for a in self.articles],
        }
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)


log = logging.getLogger("cdskg.build")


class Stopwatch:
    """CPU seconds per stage, summed over articles: where a build's time goes (the
    report's ``timings``, the benchmark's breakdown).

    Process CPU time, not wall time: another process on the same core does not count,
    and threads of this process (the pool's result reader, the bulk loader's) do. A lap
    costs about a microsecond; an article has a dozen.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.process_time()

    def restart(self) -> None:
        self._last = time.process_time()

    def lap(self, stage: str) -> None:
        now = time.process_time()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now

    def add(self, seconds: Mapping[str, float]) -> None:
        for stage, spent in seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + spent


def _reference_hash(paths: ProjectPaths) -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(paths.ontology.glob("*.ttl")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _load_reference(store: ox.Store, paths: ProjectPaths, ref_hash: str) -> None:
    graph = ox.NamedNode(iri.REFERENCE_GRAPH)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    for path in sorted(paths.ontology.glob("*.ttl")):
        with path.open("rb") as fh:
            store.bulk_load(fh, format=ox.RdfFormat.TURTLE, to_graph=graph)
    table = load_units()
    store.bulk_extend(unit_quads(table.units.values(), table.successors, iri.REFERENCE_GRAPH))
    ds = nn(iri.DATASET)
    store.extend(
        [
            ox.Quad(ds, nn(RDF + "type"), nn(QB + "DataSet"), graph),
            ox.Quad(ds, nn(QB + "structure"), nn(CDSKG + "dsd"), graph),
            ox.Quad(ds, nn(RDFS + "label"), lit("Số liệu chuyển đổi số địa phương", "vi"), graph),
            ox.Quad(
                ds, nn(RDFS + "label"), lit("Local digital transformation figures", "en"), graph
            ),
            ox.Quad(graph, nn(CDSKG + "contentHash"), lit(ref_hash), graph),
        ]
    )


def _stored_reference_hash(store: ox.Store) -> str | None:
    graph = nn(iri.REFERENCE_GRAPH)
    for quad in store.quads_for_pattern(graph, nn(CDSKG + "contentHash"), None, graph):
        return quad.object.value
    return None


class ArticleBuilder:
    """Extract, map and validate one article (no store access; safe in worker processes)."""

    def __init__(self, paths: ProjectPaths):
        self.extractor = Extractor(paths.mappings, paths.ontology)
        self.thesaurus: Thesaurus = self.extractor.thesaurus
        self.rules: MappingRules = rules_for(paths.mappings)
        self.shapes = load_shapes(paths.shapes)

    def build(
        self, source: SourceArticle, watch: Stopwatch | None = None
    ) -> tuple[ArticleRecord, list[ox.Quad], list[Violation], bool, dict[str, str]]:
        """The record, its accepted quads, the violations, whether the article loads, and
        the sentence each violation's focus node was said in.

        What violates a shape is held back fact by fact: an observation or a mention is
        dropped with everything it owns (its evidence and selectors, its period) when any
        of those is in violation. Only a violation no fact owns (on the article itself)
        holds back the whole article.
        """
        watch = watch or Stopwatch()
        record = self.extractor.extract(source)
        watch.lap("extract")
        quads = map_article(record, self.thesaurus, rules=self.rules)
        watch.lap("map")
        result = validate_graph(self._data(record, quads), self.shapes)
        watch.lap("validate")
        if result.conforms:
            return record, quads, [], True, {}
        violations = result.violations
        owners = _owners(quads)
        sentences = _sentences(record, owners, violations)
        bad_roots = {root for v in violations for root in owners.get(v.focus, ())}
        if any(v.focus not in owners for v in violations):
            watch.lap("gate")
            return record, [], violations, False, sentences
        bad_obs = set()
        for group in group_quantities(record):
            obs = iri.observation(record.iri, group.first.value_start, group.first.indicator)
            if obs in bad_roots:
                bad_obs.update(id(x) for x in (group.first, *group.restated))
        bad_evidence = {
            node for node, roots in owners.items() if roots & bad_roots and "/evidence/" in node
        }
        record.quantities = [x for x in record.quantities if id(x) not in bad_obs]
        record.mentions = [
            m
            for m in record.mentions
            if iri.evidence(record.iri, m.evidence.start, m.evidence.end) not in bad_evidence
        ]
        watch.lap("gate")
        quads = map_article(record, self.thesaurus, rules=self.rules)
        watch.lap("map again")
        second = validate_graph(self._data(record, quads), self.shapes)
        watch.lap("validate again")
        if not second.conforms:
            return record, [], violations + second.violations, False, sentences
        return record, quads, violations, True, sentences

    def _data(self, record: ArticleRecord, quads: list[ox.Quad]) -> list[ox.Triple | ox.Quad]:
        return [*quads, *context_triples(record, self.thesaurus)]


# Nodes a fact owns: minted for it alone (or shared only by facts that fail together).
_OWNED = (iri.ID + "evidence/", iri.ID + "period/", iri.ID + "unit/former/", iri.ID + "post/")


def _owners(quads: list[ox.Quad]) -> dict[str, set[str]]:
    """Node IRI → the facts (observations, mentioned things) that own it, themselves too."""
    out: dict[str, list[str]] = {}
    for q in quads:
        if isinstance(q.object, ox.NamedNode):
            out.setdefault(q.subject.value, []).append(q.object.value)
    obs_type = nn(QB + "Observation")
    roots = {
        q.subject.value
        for q in quads
        if (q.predicate.value == RDF + "type" and q.object == obs_type)
        or q.predicate.value == CDSKG + "mentionedIn"
    }
    owners: dict[str, set[str]] = {}
    for root in roots:
        stack, seen = [root], {root}
        while stack:
            node = stack.pop()
            owners.setdefault(node, set()).add(root)
            for child in out.get(node, ()):
                base = child.split("#", 1)[0]
                if child not in seen and (base.startswith(_OWNED) or child.startswith(node + "#")):
                    seen.add(child)
                    stack.append(child)
    return owners


def _count_observations(quads: list[ox.Quad]) -> int:
    """Facts loaded: observations, after restated figures were merged by the mapping."""
    obs = nn(QB + "Observation")
    return sum(1 for q in quads if q.object == obs and q.predicate.value == RDF + "type")


def _sentences(
    record: ArticleRecord, owners: dict[str, set[str]], violations: list[Violation]
) -> dict[str, str]:
    """Focus node → the sentence of the fact that owns it (for the report)."""
    by_root: dict[str, str] = {}
    for group in group_quantities(record):
        x = group.first
        by_root[iri.observation(record.iri, x.value_start, x.indicator)] = x.evidence.exact
    evidence_text = {
        iri.evidence(record.iri, m.evidence.start, m.evidence.end): m.evidence.exact
        for m in record.mentions
    }
    for node, roots in owners.items():
        if node in evidence_text:
            for root in roots:
                by_root.setdefault(root, evidence_text[node])
    out = {}
    for v in violations:
        for root in sorted(owners.get(v.focus, ())):
            if root in by_root:
                out[v.focus] = by_root[root]
                break
    return out


@dataclass
class Processed:
    """What a worker sends back for one article: its outcome and its accepted quads,
    as N-Quads bytes (cheap to pass between processes, parsed natively on arrival),
    and the CPU seconds of each of its stages."""

    outcome: ArticleOutcome
    nquads: bytes
    accepted: bool
    seconds: dict[str, float] = field(default_factory=dict)


_worker_builder: ArticleBuilder | None = None


def _init_worker(paths: ProjectPaths) -> None:
    global _worker_builder
    die_with_parent()  # a build killed outright leaves no workers behind
    # the workers are the parallelism: one validation thread each avoids oversubscription
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    _worker_builder = ArticleBuilder(paths)


def _process_in_worker(source: SourceArticle) -> Processed:
    assert _worker_builder is not None, "worker not initialised"
    return process(_worker_builder, source)


def process(builder: ArticleBuilder, source: SourceArticle) -> Processed:
    """Extract, map and validate one article; a bug costs this article only."""
    watch = Stopwatch()
    article_iri = iri.article(source.name)
    try:
        record, quads, violations, ok, sentences = builder.build(source, watch)
    except Exception as exc:
        log.exception("building %s failed", source.path)
        error = (
            f"{source.path}: cdskg failed on this article ({type(exc).__name__}: {exc});"
            " the rest of the corpus was built; please report this with the file"
        )
        outcome = ArticleOutcome(str(source.path), "failed", article=article_iri, error=error)
        return Processed(outcome, b"", False, watch.seconds)
    outcome = ArticleOutcome(
        str(source.path),
        "built" if ok else "rejected",
        article=record.iri,
        facts=_count_observations(quads) if ok else 0,
        skipped_numbers=[sk.__dict__ for sk in record.skipped],
        dropped=record.dropped,
        warnings=list(record.warnings),
    )
    for v in violations:
        entry: dict[str, object] = dict(v.as_dict())
        entry["sentence"] = sentences.get(v.focus)
        outcome.rejected.append(entry)
    watch.lap("outcome")
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) if ok else b""
    watch.lap("serialise")
    return Processed(outcome, nquads or b"", ok, watch.seconds)


@contextlib.contextmanager
def _processing(
    sources: list[SourceArticle], options: BuildOptions
) -> Iterator[Iterator[Processed]]:
    """Results in corpus order. Worker processes, when there is enough work for them,
    start on the articles as soon as this is entered, so the writer can meanwhile do its
    own work (loading the reference data)."""
    if not sources:
        yield iter(())
        return
    if min(options.jobs, len(sources)) <= 1:
        builder = ArticleBuilder(options.paths)
        yield (process(builder, source) for source in sources)
        return
    # Workers only extract, map and validate; this process stays the one writer.
    context = multiprocessing.get_context("spawn")
    jobs = min(options.jobs, len(sources))
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(options.paths,),
    ) as pool:
        chunk = max(1, min(32, len(sources) // (jobs * 8)))
        try:
            yield pool.map(_process_in_worker, sources, chunksize=chunk)
        except BaseException:
            # the writer failed or was interrupted: do not build the rest of the corpus
            pool.shutdown(wait=True, cancel_futures=True)
            raise


#: Accepted articles are written in batches of about this many bytes of N-Quads. Each
#: bulk load makes RocksDB merge the new files into what is there, and that work grows
#: with the store: 10,000 synthetic articles (850 MB) took 69 s of CPU in 32 MB batches,
#: 53 s in 128 MB ones, 54 s in 256 MB ones. A batch waits in a temporary file, not in
#: memory.
LOAD_BATCH_BYTES = 128_000_000


class _BatchLoader:
    """Accepted articles' graphs on their way into the store (see :func:`replace_graphs`)."""

    def __init__(self, store: ox.Store, spool: BinaryIO, batch_bytes: int):
        self.store, self.spool, self.batch_bytes = store, spool, batch_bytes
        self.graphs: list[str] = []
        self.size = 0

    def add(self, graph: str, nquads: bytes) -> None:
        self.graphs.append(graph)
        self.spool.write(nquads)
        self.size += len(nquads)
        if self.size >= self.batch_bytes:
            self.flush()

    def flush(self) -> None:
        if self.graphs:
            self.spool.seek(0)
            replace_graphs(self.store, self.graphs, self.spool)
            self.spool.seek(0)
            self.spool.truncate()
        self.graphs, self.size = [], 0


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def run_build(options: BuildOptions, progress: ProgressPrinter | None = None) -> BuildReport:
    """Build the corpus into a new store generation and switch to it (see store.py)."""
    bar = progress or ProgressPrinter()
    started = datetime.now(UTC)
    wall = time.perf_counter()
    cpu = _cpu_seconds(resource.RUSAGE_SELF), _cpu_seconds(resource.RUSAGE_CHILDREN)
    writer, workers = Stopwatch(), Stopwatch()
    files = list(collect(options.corpus))
    if not files:
        raise InputError(f"{', '.join(map(str, options.corpus))}: no article files (*.txt) found")
    ref_hash = _reference_hash(options.paths)
    outcomes: list[ArticleOutcome] = []
    removed: list[str] = []
    corpus_digest = hashlib.sha256()
    with next_generation(options.store) as store:
        writer.lap("open store")
        stored = graph_hashes(store, CDSKG + "contentHash", iri.ARTICLE_PREFIX)
        seen: set[str] = set()
        to_build: list[SourceArticle] = []
        for path in files:
            try:
                source = read_article(path, options.max_bytes)
            except InputError as exc:
                outcomes.append(ArticleOutcome(str(path), "unreadable", error=str(exc)))
                bar.note(f"skipped {exc}")
                continue
            article_iri = iri.article(source.name)
            if article_iri in seen:
                outcomes.append(
                    ArticleOutcome(
                        str(path),
                        "unreadable",
                        error=f"{path}: another file of the corpus has the same name"
                        f" ({source.name}); article IRIs come from file names, rename one",
                    )
                )
                continue
            seen.add(article_iri)
            corpus_digest.update(f"{source.name}\0{source.content_hash}\n".encode())
            if stored.get(article_iri) == source.content_hash:
                outcomes.append(ArticleOutcome(str(path), "unchanged", article=article_iri))
            else:
                to_build.append(source)
        writer.lap("read")
        parallel = min(options.jobs, len(to_build)) > 1
        # the spool is anonymous (unlinked from the start): a crash leaves nothing behind
        with tempfile.TemporaryFile() as spool, _processing(to_build, options) as results:
            loader = _BatchLoader(store, spool, LOAD_BATCH_BYTES)
            if _stored_reference_hash(store) != ref_hash:
                bar.note("loading reference data (ontology, thesaurus, administrative units)")
                _load_reference(store, options.paths, ref_hash)
            writer.lap("reference")
            bar.start(len(to_build))
            for done in results:
                if parallel:
                    writer.lap("receive")  # unpickling the results, on the pool's thread
                else:
                    writer.restart()  # this process built the article: in done.seconds
                workers.add(done.seconds)
                outcome = done.outcome
                if done.accepted:
                    outcome.status = "changed" if outcome.article in stored else "added"
                    assert outcome.article is not None
                    loader.add(outcome.article, done.nquads)
                    writer.lap("load")
                outcomes.append(outcome)
                bar.advance(outcome)
                writer.lap("progress")
            loader.flush()
            writer.lap("load")
        bar.finish()
        if options.prune:
            for graph in sorted(set(stored) - seen):
                store.remove_graph(nn(graph))
                removed.append(graph)
        ended = datetime.now(UTC)
        report = BuildReport(
            str(options.store), None, started.isoformat(), ended.isoformat(), outcomes, removed, 0
        )
        report.triples = len(store)
        _record_run(store, report, corpus_digest.hexdigest(), started, ended, options.paths)
        writer.lap("record run")
    writer.lap("commit")  # flush, then the switch to the new generation
    layout = StoreLayout(options.store)
    report.generation = layout.current_id()
    report.timings = _timings(options, len(to_build), parallel, wall, cpu, writer, workers)
    if report.generation:
        # kept beside the store: the server shows the latest one at /validation
        layout.write_report(report.generation, report.as_json())
    return report


def _timings(
    options: BuildOptions,
    built: int,
    parallel: bool,
    wall: float,
    cpu: tuple[float, float],
    writer: Stopwatch,
    workers: Stopwatch,
) -> dict[str, object]:
    """Where the build's time went: CPU seconds per stage, summed over articles, in the
    workers (this process with --jobs 1) and in the writer; "other" is what no stage
    covers (process start-up, sending work and results between processes)."""
    writer_cpu = _cpu_seconds(resource.RUSAGE_SELF) - cpu[0]
    writer_stages = dict(writer.seconds)
    if parallel:
        worker_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu[1]
        worker_stages = {**workers.seconds}
        worker_stages["other"] = worker_cpu - sum(workers.seconds.values())
        writer_stages["other"] = writer_cpu - sum(writer.seconds.values())
    else:
        worker_stages = dict(workers.seconds)
        writer_stages["other"] = (
            writer_cpu - sum(writer.seconds.values()) - sum(workers.seconds.values())
        )
    return {
        "jobs": options.jobs if parallel else 1,
        "articles_built": built,
        "wall_seconds": round(time.perf_counter() - wall, 3),
        "worker_cpu_seconds": {k: round(v, 3) for k, v in worker_stages.items()},
        "writer_cpu_seconds": {k: round(v, 3) for k, v in writer_stages.items()},
    }


def _ontology_version(paths: ProjectPaths) -> str:
    store = ox.Store()
    with (paths.ontology / "cdskg.ttl").open("rb") as fh:
        store.load(fh, format=ox.RdfFormat.TURTLE)
    for quad in store.quads_for_pattern(None, nn(OWL + "versionInfo"), None):
        return quad.object.value
    return "unknown"


def _record_run(
    store: ox.Store,
    report: BuildReport,
    corpus_hash: str,
    started: datetime,
    ended: datetime,
    paths: ProjectPaths,
) -> None:
    meta = nn(iri.META_GRAPH)
    run = nn(iri.build_run(started.strftime("%Y%m%dT%H%M%S%fZ")))
    counts = report.counts()

    def add(p: str, o) -> None:
        store.add(ox.Quad(run, nn(p), o, meta))

    add(RDF + "type", nn(PROV + "Activity"))
    add(RDF + "type", nn(CDSKG + "BuildRun"))
    add(RDFS + "label", lit(f"cdskg build {started.isoformat()}", "en"))
    add(PROV + "startedAtTime", lit(started.isoformat(), datatype=XSD + "dateTime"))
    add(PROV + "endedAtTime", lit(ended.isoformat(), datatype=XSD + "dateTime"))
    add(PROV + "wasAssociatedWith", nn(iri.AGENT))
    add(CDSKG + "softwareVersion", lit(__version__))
    add(CDSKG + "ontologyVersion", lit(_ontology_version(paths)))
    add(CDSKG + "corpusHash", lit(corpus_hash))
    for key, prop in (
        ("added", "articlesAdded"),
        ("changed", "articlesChanged"),
        ("removed", "articlesRemoved"),
        ("rejected", "articlesRejected"),
        ("unchanged", "articlesUnchanged"),
        ("unreadable", "articlesUnreadable"),
        ("failed", "articlesFailed"),
    ):
        add(CDSKG + prop, integer(counts[key]))
    add(CDSKG + "tripleCount", integer(report.triples))
    add(DCTERMS + "date", xsd_date(ended.date().isoformat()))
