"""The build: articles → clean → extract → map → validate → load.

This is the one module that knows the order of the steps; each step lives in its own
module and knows only itself. Worker processes take batches of articles through
extraction, mapping and the validation gate (:mod:`cdskg.build.gate`); this process is the
one writer, loading each accepted article as a named graph.

(Over 500 lines: the order of the steps, the workers and the one writer share the build's
state.)
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
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from cdskg import __version__
from cdskg.build.gate import ArticleBuilder
from cdskg.build.progress import ProgressPrinter
from cdskg.build.stopwatch import Stopwatch
from cdskg.errors import InputError
from cdskg.extract.articles import DEFAULT_MAX_BYTES, SourceArticle, collect, read_article
from cdskg.extract.locality import LocalityRules
from cdskg.extract.units import COUNTRY, PROVINCE_LEVELS, AdminUnit, load_units
from cdskg.mapping.mapper import (
    unit_quads,
)
from cdskg.mapping.terms import integer, lit, nn, xsd_date
from cdskg.rdf import iri
from cdskg.rdf.namespaces import CDSKG, DCTERMS, OWL, PROV, QB, RDF, RDFS, XSD
from cdskg.serve.lifetime import die_with_parent
from cdskg.settings import ProjectPaths
from cdskg.store.generations import (
    StoreLayout,
    graph_hashes,
    next_generation_locked,
    replace_graphs,
    write_lock,
)
from cdskg.store.remote import is_url
from cdskg.store.remote_build import RemoteTarget
from cdskg.text.fold import fold


@dataclass
class BuildOptions:
    corpus: list[Path]
    store: Path | str
    paths: ProjectPaths
    jobs: int = 1
    prune: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    #: a Dask scheduler's address: the per-article work goes to its workers (not --jobs)
    scheduler: str | None = None


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
    #: False when nothing changed and ``generation`` is the one already in service
    new_generation: bool = True

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
            "new_generation": self.new_generation,
            "triples": self.triples,
            "removed": self.removed,
            "timings": self.timings,
            "articles": [a.__dict__ for a in self.articles],
        }
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)


log = logging.getLogger("cdskg.build")


def _reference_hash(paths: ProjectPaths) -> str:
    digest = hashlib.sha256(__version__.encode())
    # the aliases of provinces in mentions.toml are written into the reference data too
    for path in [*sorted(paths.ontology.glob("*.ttl")), paths.mappings / "mentions.toml"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _province_aliases(paths: ProjectPaths, units: list[AdminUnit]) -> dict[str, list[str]]:
    """The other names of provinces the locality rules know ("TP.HCM", "Thừa Thiên Huế"), by
    unit IRI, for the provinces of every snapshot that bear the name they stand for."""
    rules = LocalityRules.load(paths.mappings / "mentions.toml")
    by_name: dict[str, list[str]] = {}
    for alias, name in rules.aliases.items():
        by_name.setdefault(fold(name), []).append(alias)
    return {
        u.iri: by_name[fold(u.short)]
        for u in units
        if u.level in PROVINCE_LEVELS and fold(u.short) in by_name
    }


def _load_reference(store: ox.Store, paths: ProjectPaths, ref_hash: str) -> None:
    graph = ox.NamedNode(iri.REFERENCE_GRAPH)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    for path in sorted(paths.ontology.glob("*.ttl")):
        with path.open("rb") as fh:
            store.bulk_load(fh, format=ox.RdfFormat.TURTLE, to_graph=graph)
    table = load_units()
    # the country is not in the statistics office's tables; it is written beside them
    units = [COUNTRY, *table.units.values()]
    aliases = _province_aliases(paths, units)
    store.bulk_extend(unit_quads(units, table.successors, iri.REFERENCE_GRAPH, aliases))
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


def _count_observations(quads: list[ox.Quad]) -> int:
    """Facts loaded: observations, after restated figures were merged by the mapping."""
    obs = nn(QB + "Observation")
    return sum(1 for q in quads if q.object == obs and q.predicate.value == RDF + "type")


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


def _process_in_worker(sources: list[SourceArticle]) -> list[Processed]:
    assert _worker_builder is not None, "worker not initialised"
    return process(_worker_builder, sources)


def process(builder: ArticleBuilder, sources: list[SourceArticle]) -> list[Processed]:
    """Extract, map and validate a batch of articles; a bug costs its article only."""
    watches = [Stopwatch() for _ in sources]
    out = []
    built_all = builder.build_batch(sources, watches)
    for source, built, watch in zip(sources, built_all, watches, strict=True):
        watch.restart()
        if isinstance(built, Exception):
            log.error("building %s failed", source.path, exc_info=built)
            error = (
                f"{source.path}: cdskg failed on this article ({type(built).__name__}: {built});"
                " the rest of the corpus was built; please report this with the file"
            )
            article_iri = iri.article(source.name)
            outcome = ArticleOutcome(str(source.path), "failed", article=article_iri, error=error)
            out.append(Processed(outcome, b"", False, watch.seconds))
            continue
        record, ok = built.record, built.loads
        outcome = ArticleOutcome(
            str(source.path),
            "built" if ok else "rejected",
            article=record.iri,
            facts=_count_observations(built.quads) if ok else 0,
            skipped_numbers=[sk.__dict__ for sk in record.skipped],
            dropped=record.dropped,
            warnings=list(record.warnings),
        )
        for v in built.violations:
            entry: dict[str, object] = dict(v.as_dict())
            entry["sentence"] = built.sentences.get(v.focus)
            outcome.rejected.append(entry)
        watch.lap("outcome")
        nquads = ox.serialize(built.quads, format=ox.RdfFormat.N_QUADS) if ok else b""
        watch.lap("serialise")
        out.append(Processed(outcome, nquads or b"", ok, watch.seconds))
    return out


#: Articles a worker builds and validates together: the SPARQL constraints run once per
#: batch (their cost hardly grows with it), and results come back a batch at a time.
VALIDATION_BATCH = 32


def _batches(sources: list[SourceArticle], jobs: int) -> list[list[SourceArticle]]:
    """Batches of at most :data:`VALIDATION_BATCH` articles, at least 4 per worker."""
    size = max(1, min(VALIDATION_BATCH, -(-len(sources) // (jobs * 4))))
    return [sources[i : i + size] for i in range(0, len(sources), size)]


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
    if options.scheduler:
        from cdskg.build.distributed import dask_processing

        with dask_processing(sources, options.scheduler, options.paths) as results:
            yield results
        return
    if min(options.jobs, len(sources)) <= 1:
        builder = ArticleBuilder(options.paths)
        yield (done for batch in _batches(sources, 1) for done in process(builder, batch))
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
        batches = _batches(sources, jobs)
        try:
            yield (done for dones in pool.map(_process_in_worker, batches) for done in dones)
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
    """Build the corpus into a new store generation and switch to it (see store.py).

    When nothing changed (every article unchanged, the reference data the same, nothing to
    prune) no generation is made: the report names the one in service and says so
    (``new_generation`` False).
    """
    bar = progress or ProgressPrinter()
    started = datetime.now(UTC)
    wall = time.perf_counter()
    cpu = _cpu_seconds(resource.RUSAGE_SELF), _cpu_seconds(resource.RUSAGE_CHILDREN)
    writer, workers = Stopwatch(), Stopwatch()
    files = list(collect(options.corpus))
    if not files:
        raise InputError(f"{', '.join(map(str, options.corpus))}: no article files (*.txt) found")
    ref_hash = _reference_hash(options.paths)
    # A server (--store http://…) is written through a local delta and switched in one
    # update (see cdskg.store.remote_build); a folder gets a new generation.
    remote = RemoteTarget(str(options.store)) if is_url(options.store) else None
    with remote.lock() if remote else write_lock(Path(options.store)):
        # What the build has to do is decided on the generation in service, read-only: a
        # rebuild with nothing changed then makes no new generation (the servers keep
        # theirs, and the files prepared for it).
        plan = _plan(options, files, ref_hash, bar, remote)
        writer.lap("read")
        layout = StoreLayout(Path(options.store))
        if plan.current is not None and not plan.has_work:
            bar.start(0)
            ended = datetime.now(UTC)
            report = BuildReport(
                str(options.store),
                plan.current,
                started.isoformat(),
                ended.isoformat(),
                plan.outcomes,
                [],
                _triples_of(layout, remote),
                new_generation=False,
            )
            report.timings = _timings(options, 0, False, wall, cpu, writer, workers)
            return report
        bar.start(len(plan.to_build), removing=len(plan.to_remove))
        parallel = (
            bool(options.scheduler and plan.to_build) or min(options.jobs, len(plan.to_build)) > 1
        )
        with (
            remote.next_generation() if remote else next_generation_locked(Path(options.store))
        ) as store:
            writer.lap("open store")
            _write_articles(store, options, plan, ref_hash, bar, writer, workers, parallel)
            for graph in plan.to_remove:
                store.remove_graph(nn(graph))
            ended = datetime.now(UTC)
            report = BuildReport(
                str(options.store),
                None,
                started.isoformat(),
                ended.isoformat(),
                plan.outcomes,
                plan.to_remove,
                len(store),
            )
            _record_run(store, report, plan.corpus_hash, started, ended, options.paths)
            writer.lap("record run")
        writer.lap("commit")  # flush, then the switch to the new generation
    report.generation = remote.version if remote else layout.current_id()
    report.timings = _timings(options, len(plan.to_build), parallel, wall, cpu, writer, workers)
    if report.generation and not remote:
        # kept beside the store: the server shows the latest one at /validation
        layout.write_report(report.generation, report.as_json())
    return report


@dataclass
class _Plan:
    """What a build has to do, read from the generation in service."""

    current: str | None
    stored: dict[str, str]
    same_reference: bool
    outcomes: list[ArticleOutcome]
    to_build: list[SourceArticle]
    to_remove: list[str]
    corpus_hash: str

    @property
    def has_work(self) -> bool:
        return bool(self.to_build or self.to_remove or not self.same_reference)


def _plan(
    options: BuildOptions,
    files: list[Path],
    ref_hash: str,
    bar: ProgressPrinter,
    remote: RemoteTarget | None = None,
) -> _Plan:
    if remote:
        name, reader = remote.reader()
    else:
        current = StoreLayout(Path(options.store)).current()
        name = None if current is None else current.name
        reader = None if current is None else ox.Store.read_only(str(current))
    stored: dict[str, str] = {}
    same_reference = False
    if reader is not None:
        stored = graph_hashes(reader, CDSKG + "contentHash", iri.ARTICLE_PREFIX)
        same_reference = _stored_reference_hash(reader) == ref_hash
        del reader  # the next generation is copied from it: no second handle open
    outcomes: list[ArticleOutcome] = []
    corpus_digest = hashlib.sha256()
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
    return _Plan(
        current=name,
        stored=stored,
        same_reference=same_reference,
        outcomes=outcomes,
        to_build=to_build,
        to_remove=sorted(set(stored) - seen) if options.prune else [],
        corpus_hash=corpus_digest.hexdigest(),
    )


def _write_articles(
    store: ox.Store,
    options: BuildOptions,
    plan: _Plan,
    ref_hash: str,
    bar: ProgressPrinter,
    writer: Stopwatch,
    workers: Stopwatch,
    parallel: bool,
) -> None:
    """Build the plan's articles and load them (and the reference data if it changed)."""
    # the spool is anonymous (unlinked from the start): a crash leaves nothing behind
    with tempfile.TemporaryFile() as spool, _processing(plan.to_build, options) as results:
        loader = _BatchLoader(store, spool, LOAD_BATCH_BYTES)
        if not plan.same_reference:
            bar.note("loading reference data (ontology, thesaurus, administrative units)")
            _load_reference(store, options.paths, ref_hash)
        writer.lap("reference")
        for done in results:
            if parallel:
                writer.lap("receive")  # unpickling the results, on the pool's thread
            else:
                writer.restart()  # this process built the article: in done.seconds
            workers.add(done.seconds)
            outcome = done.outcome
            if done.accepted:
                outcome.status = "changed" if outcome.article in plan.stored else "added"
                assert outcome.article is not None
                loader.add(outcome.article, done.nquads)
                writer.lap("load")
            plan.outcomes.append(outcome)
            bar.advance(outcome)
            writer.lap("progress")
        loader.flush()
        writer.lap("load")
    bar.finish()


def _triples_of(layout: StoreLayout, remote: RemoteTarget | None = None) -> int:
    """The triple count the latest build recorded for the generation in service (counting
    the store's quads takes seconds on a large one)."""
    if remote:
        _name, reader = remote.reader()
        if reader is None:
            return 0
    else:
        current = layout.current()
        if current is None:
            return 0
        reader = ox.Store.read_only(str(current))
    meta = nn(iri.META_GRAPH)
    ended = {
        q.subject: q.object.value
        for q in reader.quads_for_pattern(None, nn(PROV + "endedAtTime"), None, meta)
    }
    if not ended:
        return len(reader)
    latest = max(ended, key=lambda run: ended[run])
    for quad in reader.quads_for_pattern(latest, nn(CDSKG + "tripleCount"), None, meta):
        return int(quad.object.value)
    return len(reader)


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
        worker_stages = {**workers.seconds}
        if not options.scheduler:  # Dask's workers are no children of this process
            worker_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - cpu[1]
            worker_stages["other"] = worker_cpu - sum(workers.seconds.values())
        writer_stages["other"] = writer_cpu - sum(writer.seconds.values())
    else:
        worker_stages = dict(workers.seconds)
        writer_stages["other"] = (
            writer_cpu - sum(writer.seconds.values()) - sum(workers.seconds.values())
        )
    return {
        "jobs": options.jobs if parallel else 1,
        **({"scheduler": options.scheduler} if options.scheduler else {}),
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
