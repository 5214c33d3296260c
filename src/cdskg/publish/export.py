"""Exports of the graph: Turtle, TriG, N-Quads, JSON-LD, and a tidy CSV of observations.

What is exported
    The article graphs and the reference graph (ontology, thesaurus, administrative units).
    The build-metadata graph (``…/id/graph/meta``: build runs with their timestamps) is
    **left out**: it describes how the store was made, not the data, and its timestamps would
    make two builds of the same corpus differ. Build provenance is published in the DCAT
    description instead (``dcterms:issued``/``modified``, see :mod:`cdskg.publish.dcat`).

Deterministic output
    Two builds of the same corpus give byte-identical files. Graphs are written in the order
    of their IRIs; within a graph, quads come in the store's index order, which depends only
    on the terms (Oxigraph keys terms by content hash), never on load order. Blank nodes (the
    Data Cube component specifications of the ontology) get random ids when loaded, so they
    are relabelled from their content (:func:`_blank_labels`) and their quads written last,
    sorted. The CSV is sorted by observation IRI.

Formats
    ``ttl`` and ``jsonld`` are the union of the exported graphs as one graph (a triple held
    by several graphs, e.g. a period two articles share, is written once); ``trig`` and
    ``nq`` keep the named graphs, so each figure's provenance (its article graph) survives.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from cdskg.errors import UsageError
from cdskg.publish.table import export_csv, write_csvs
from cdskg.rdf import formats
from cdskg.rdf.iri import META_GRAPH
from cdskg.rdf.namespaces import PREFIXES

EXPORT_FORMATS = ("ttl", "trig", "nq", "jsonld", "csv")

#: Graphs left out of every export (see the module docstring).
EXCLUDED_GRAPHS = frozenset({META_GRAPH})

_EXPORTED = ("ttl", "trig", "nq", "jsonld")
MEDIA_TYPES = {n: formats.RDF[n].media for n in _EXPORTED} | {"csv": formats.CSV_MEDIA}
_RDF_FORMATS = {n: formats.RDF[n].rdf for n in _EXPORTED}


def export(store: ox.Store, fmt: str, out: Path, *, where: str | None = None) -> int:
    """Write the graph in ``fmt`` to ``out``; returns the number of records written.

    ``where`` (optional) is a SPARQL group pattern binding ``?observation`` that restricts
    the CSV to some observations (used for the per-pillar datasets).
    """
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "csv":
        return export_csv(store, out, where=where)
    if where is not None:
        raise UsageError("a restriction applies to the CSV export only")
    if fmt == "nq":
        with out.open("wb") as fh:
            return write_nquads(store, fh)
    if fmt == "trig":
        with out.open("wb") as fh:
            for chunk in _trig_chunks(store):
                fh.write(chunk)
        return exported_quad_count(store)
    return write_rdf(
        _parsed(_union_chunks(_graph_dumps(store), store), ox.RdfFormat.N_TRIPLES), fmt, out
    )


def export_many(store: ox.Store, outs: dict[str, Path]) -> dict[str, int]:
    """Several formats at once, reading the store once: ``{format: file}`` to ``{format:
    records}``. Same files as :func:`export` one by one; the RDF formats come from one pass
    over the graphs (N-Quads and the union graph written as they are read, TriG, Turtle and
    JSON-LD parsed back from those files), the CSVs from one observations query (``outs``
    may also map ``csv:PILLAR-IRI`` to a file: that pillar's observations)."""
    counts: dict[str, int] = {}
    for fmt in outs:
        if fmt not in EXPORT_FORMATS and not fmt.startswith("csv:"):
            raise UsageError(f"unknown export format {fmt!r}")
    if any(f in outs for f in ("nq", "trig", "ttl", "jsonld")):
        counts.update(_export_rdf_once(store, outs))
    csvs = {f: out for f, out in outs.items() if f == "csv" or f.startswith("csv:")}
    if csvs:
        counts.update(write_csvs(store, csvs))
    return counts


def _reserialize(source: Path, source_format: ox.RdfFormat, fmt: str, out: Path) -> None:
    prefixes = PREFIXES if fmt in ("ttl", "trig") else None
    with out.open("wb") as fh:
        ox.serialize(
            ox.parse(path=str(source), format=source_format),
            fh,
            format=_RDF_FORMATS[fmt],
            prefixes=prefixes,
        )


def _export_rdf_once(store: ox.Store, outs: dict[str, Path]) -> dict[str, int]:
    counts: dict[str, int] = {}
    nq_path = outs.get("nq") or outs.get("trig", Path()).with_name(".cdskg-export.nq.partial")
    union_path = next((outs[f] for f in ("ttl", "jsonld") if f in outs), Path()).with_name(
        ".cdskg-export-union.nt.partial"
    )
    want_union = "ttl" in outs or "jsonld" in outs
    want_nq = any(f in outs for f in ("nq", "trig"))
    blank: list = []
    n_quads = 0
    try:
        with contextlib.ExitStack() as stack:
            nq_fh = stack.enter_context(nq_path.open("wb")) if want_nq else None
            union_fh = stack.enter_context(union_path.open("wb")) if want_union else None

            def dumps():
                nonlocal n_quads
                for g, lines, blank_lines in _graph_dumps(store):
                    if nq_fh is not None:
                        chunk = _with_graph(lines, g)
                        nq_fh.write(chunk)
                        n_quads += chunk.count(b"\n")
                    if blank_lines:
                        blank.append((g, blank_lines))
                    yield g, lines, blank_lines

            n_union = 0
            if union_fh is not None:
                for chunk in _union_chunks(dumps(), store):
                    union_fh.write(chunk)
                    n_union += chunk.count(b"\n")
            else:
                for _ in dumps():
                    pass
            if nq_fh is not None:
                quads = _blank_quads(blank)
                if quads:
                    nq_fh.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
                    n_quads += len(quads)
        # the other formats: the files just written, parsed and serialised natively
        if "nq" in outs:
            counts["nq"] = n_quads
        if "trig" in outs:
            _reserialize(nq_path, ox.RdfFormat.N_QUADS, "trig", outs["trig"])
            counts["trig"] = n_quads
        for fmt in ("ttl", "jsonld"):
            if fmt in outs:
                _reserialize(union_path, ox.RdfFormat.N_TRIPLES, fmt, outs[fmt])
                counts[fmt] = n_union
    finally:
        if "nq" not in outs:
            nq_path.unlink(missing_ok=True)
        union_path.unlink(missing_ok=True)
    return counts


def write_rdf(items: Iterable[ox.Quad | ox.Triple], fmt: str, out: Path) -> int:
    """Serialise quads or triples in ``fmt`` (ttl, trig, nq, jsonld); returns how many."""
    counter = _Counter(items)
    prefixes = PREFIXES if fmt in ("ttl", "trig") else None
    with out.open("wb") as fh:
        ox.serialize(counter, fh, format=_RDF_FORMATS[fmt], prefixes=prefixes)
    return counter.n


class _Counter:
    def __init__(self, items: Iterable):
        self._it = iter(items)
        self.n = 0

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self._it)
        self.n += 1
        return item


def exported_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The named graphs that are exported, in IRI order."""
    return sorted(
        (g for g in store.named_graphs() if g.value not in EXCLUDED_GRAPHS),
        key=lambda g: g.value,
    )


def data_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every exported quad, in a deterministic order; blank nodes relabelled from content.

    The order: the default graph, then the exported named graphs in IRI order, each in the
    store's index order, without the quads that have a blank node; then those, relabelled
    (:func:`_blank_labels`) and sorted. :func:`write_nquads` writes the same quads natively.
    """
    return _parsed(_nquads_chunks(store), ox.RdfFormat.N_QUADS)


# The exports run on text the store writes natively, graph by graph (``Store.dump`` with
# ``from_graph``): N-Triples, one triple per line, terms written the same way in every line
# (a literal's line breaks are escaped, so a line ends at the first b"\n"). Only the lines
# with a blank node, and the lines whose subject was a subject of an earlier graph (for the
# union), are looked at in Python; the rest is passed on as bytes. The meta graph is never read.

#: A line with a blank node: subject ``_:…``, or object ``_:…`` (the predicate is an IRI).
_BLANK_LINE = re.compile(rb"^(?:_:[^\n]*|<[^>]*> <[^>]*> _:[^\n]*)\n", re.MULTILINE)
_SUBJECT = re.compile(rb"^(\S+) ", re.MULTILINE)


def _graph_dumps(
    store: ox.Store, graphs: list[ox.NamedNode | ox.DefaultGraph] | None = None
) -> Iterator[tuple[ox.NamedNode | ox.DefaultGraph, bytes, bytes]]:
    """Per exported graph (or per graph of ``graphs``), in order: (graph, N-Triples lines
    without blank nodes, lines with)."""
    for g in [ox.DefaultGraph(), *exported_graphs(store)] if graphs is None else graphs:
        data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        if not data:
            continue
        blank = b""
        if b"_:" in data:
            kept, cut, start = [], [], 0
            for m in _BLANK_LINE.finditer(data):
                kept.append(data[start : m.start()])
                cut.append(m.group(0))
                start = m.end()
            kept.append(data[start:])
            data, blank = b"".join(kept), b"".join(cut)
        yield g, data, blank


def _blank_quads(blank: list[tuple[ox.NamedNode | ox.DefaultGraph, bytes]]) -> list[ox.Quad]:
    """The quads with a blank node, relabelled from their content and sorted."""
    return _relabelled(
        [
            ox.Quad(t.subject, t.predicate, t.object, g)
            for g, lines in blank
            for t in (q.triple for q in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES))
        ]
    )


def _relabelled(quads: list[ox.Quad]) -> list[ox.Quad]:
    if not quads:
        return []
    labels = _blank_labels(quads)
    relabelled = [
        ox.Quad(
            labels.get(q.subject, q.subject),
            q.predicate,
            labels.get(q.object, q.object),
            q.graph_name,
        )
        for q in quads
    ]
    return sorted(relabelled, key=lambda q: (str(q.graph_name), str(q.triple)))


def _header_len(text: bytes) -> int:
    """Length of the ``@prefix`` lines a Turtle or TriG serialiser writes first."""
    pos = 0
    while text.startswith(b"@prefix ", pos):
        pos = text.index(b"\n", pos) + 1
    return pos


def _graph_label(g: ox.NamedNode) -> bytes:
    """The line that opens graph ``g`` in TriG (``cdsid:article\\/… {``)."""
    x = ox.NamedNode("urn:x")
    text = ox.serialize([ox.Quad(x, x, x, g)], format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    body = text[_header_len(text) :]
    return body[: body.index(b"\n") + 1]


def exported_quad_count(store: ox.Store) -> int:
    """How many quads the N-Quads and TriG exports hold (the store's minus the meta graph's)."""
    left_out = sum(
        1
        for g in EXCLUDED_GRAPHS
        for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(g))
    )
    return len(store) - left_out


def _trig_chunks(store: ox.Store) -> Iterator[bytes]:
    """The TriG export as byte chunks.

    A graph without blank nodes is the store's native Turtle dump of it, indented inside
    ``GRAPH {`` … ``}`` exactly as the TriG serialiser writes it (one statement per
    subject, its lines ending the same way; literals keep line breaks escaped). From the
    first graph with a blank node on, the quads go through the serialiser as in
    :func:`data_quads`: its non-blank quads in place, the blank ones relabelled at the end.
    """
    header = False
    graphs = [ox.DefaultGraph(), *exported_graphs(store)]
    for k in range(len(graphs)):  # k: the first graph with a blank node, after the loop
        g = graphs[k]
        text = store.dump(format=ox.RdfFormat.TURTLE, from_graph=g, prefixes=PREFIXES)
        if not text:
            continue
        if b"_:" in text:
            break
        h = _header_len(text)
        body = text[h:]
        if not header:
            yield text[:h]
            header = True
        if type(g) is ox.DefaultGraph:
            yield body
        else:
            yield _graph_label(g) + b"\t" + body[:-1].replace(b"\n", b"\n\t") + b"\n}\n"
    else:
        return
    out = ox.serialize(
        _tail_quads(store, graphs, k, text), format=ox.RdfFormat.TRIG, prefixes=PREFIXES
    )
    yield out[_header_len(out) :] if header else out


def _tail_quads(store: ox.Store, graphs: list, k: int, text: bytes) -> Iterator[ox.Quad]:
    """The quads of ``graphs[k:]`` (``text``: the Turtle dump of ``graphs[k]``) in the
    order of :func:`data_quads`."""
    blank = []
    for j in range(k, len(graphs)):
        g = graphs[j]
        if j > k:
            text = store.dump(format=ox.RdfFormat.TURTLE, from_graph=g, prefixes=PREFIXES)
        for q in ox.parse(text, format=ox.RdfFormat.TURTLE):
            quad = ox.Quad(q.subject, q.predicate, q.object, g)
            if type(q.subject) is ox.BlankNode or type(q.object) is ox.BlankNode:
                blank.append(quad)
            else:
                yield quad
    yield from _relabelled(blank)


def _with_graph(lines: bytes, g: ox.NamedNode | ox.DefaultGraph) -> bytes:
    """N-Triples lines as N-Quads lines of graph ``g``."""
    if type(g) is ox.DefaultGraph:
        return lines
    return lines.replace(b" .\n", b" " + str(g).encode() + b" .\n")


def _nquads_chunks(
    store: ox.Store, graphs: list[ox.NamedNode | ox.DefaultGraph] | None = None
) -> Iterator[bytes]:
    """The N-Quads export (of ``graphs`` only, if given) as byte chunks (one or two per graph)."""
    blank = []
    for g, lines, blank_lines in _graph_dumps(store, graphs):
        yield _with_graph(lines, g)
        if blank_lines:
            blank.append((g, blank_lines))
    quads = _blank_quads(blank)
    if quads:
        yield ox.serialize(quads, format=ox.RdfFormat.N_QUADS)


def write_nquads(
    store: ox.Store, fh, graphs: list[ox.NamedNode | ox.DefaultGraph] | None = None
) -> int:
    """The N-Quads export into the binary file ``fh`` (only ``graphs``, in that order, if
    given); returns the number of quads."""
    n = 0
    for chunk in _nquads_chunks(store, graphs):
        fh.write(chunk)
        n += chunk.count(b"\n")
    return n


def _parsed(chunks: Iterable[bytes], fmt: ox.RdfFormat) -> Iterator[ox.Quad]:
    for chunk in chunks:
        yield from ox.parse(chunk, format=fmt)


def union_triples(store: ox.Store) -> Iterator[ox.Triple]:
    """The exported graphs merged into one graph: each triple once, deterministic order."""
    for q in _parsed(_union_chunks(_graph_dumps(store), store), ox.RdfFormat.N_TRIPLES):
        yield q.triple


def _subject_lines(store: ox.Store, line: bytes, g: ox.NamedNode | ox.DefaultGraph) -> set[bytes]:
    """The N-Triples lines of graph ``g`` whose subject is the subject of ``line``."""
    subject = next(ox.parse(line, format=ox.RdfFormat.N_TRIPLES)).subject
    triples = [q.triple for q in store.quads_for_pattern(subject, None, None, g)]
    return set(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True))


def _union_chunks(dumps: Iterable[tuple], store: ox.Store) -> Iterator[bytes]:
    """The union graph as N-Triples chunks, in the order of :func:`data_quads`.

    A triple can only repeat in a later graph if its subject was a subject of an earlier
    graph, so only those subjects' lines are compared with the subject's lines in the earlier
    graphs (as the first time it was seen, read back from the store, plus every later graph);
    every other line passes as it is, so each triple is written once.
    """
    first: dict[bytes, int] = {}  # subject -> the graph it was first written in
    known: dict[bytes, set[bytes]] = {}  # subject seen again -> its lines in earlier graphs
    graphs: list[ox.NamedNode | ox.DefaultGraph] = []
    blank = []
    for g, lines, blank_lines in dumps:
        gi = len(graphs)
        graphs.append(g)
        if blank_lines:
            blank.append((g, blank_lines))
        subjects = set(_SUBJECT.findall(lines))
        repeated = {s for s in subjects if s in first}
        for s in subjects:
            first.setdefault(s, gi)
        if not repeated:
            yield lines
            continue
        kept: list[bytes] = []
        here: dict[bytes, list[bytes]] = {s: [] for s in repeated}
        for line in lines.splitlines(keepends=True):
            s = line[: line.index(b" ")]
            if s in repeated:
                if s not in known:
                    known[s] = _subject_lines(store, line, graphs[first[s]])
                here[s].append(line)
                if line in known[s]:
                    continue
            kept.append(line)
        for s, seen in here.items():
            known[s].update(seen)
        yield b"".join(kept)
    previous = None
    out = []
    for q in _blank_quads(blank):
        if type(q.subject) is ox.BlankNode:
            # relabelled blank nodes come last, sorted: repeats are adjacent
            if q.triple == previous:
                continue
            previous = q.triple
        out.append(q.triple)
    if out:
        yield ox.serialize(out, format=ox.RdfFormat.N_TRIPLES)


def _term_key(term, labels: dict | None = None) -> str:
    if type(term) is ox.BlankNode:
        return labels.get(term, "_") if labels is not None else "_"
    return str(term)


def _blank_labels(quads: list[ox.Quad]) -> dict[ox.BlankNode, ox.BlankNode]:
    """Content-derived labels for the blank nodes of ``quads`` (a few rounds of refinement).

    Each node starts from the sorted list of its edges with blank neighbours anonymised;
    then neighbours' labels are folded in. Nodes still tied are interchangeable as far as
    their surroundings show, so numbering them in sorted order gives the same output.
    """
    edges: dict[ox.BlankNode, list[tuple[str, ox.Quad]]] = defaultdict(list)
    for q in quads:
        if type(q.subject) is ox.BlankNode:
            edges[q.subject].append(("out", q))
        if type(q.object) is ox.BlankNode:
            edges[q.object].append(("in", q))
    labels: dict[ox.BlankNode, str] | None = None
    for _ in range(3):
        new: dict[ox.BlankNode, str] = {}
        for node, node_edges in edges.items():
            lines = sorted(
                f"{d} {q.graph_name} {q.predicate} "
                + _term_key(q.object if d == "out" else q.subject, labels)
                for d, q in node_edges
            )
            new[node] = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:24]
        labels = new
    assert labels is not None
    result: dict[ox.BlankNode, ox.BlankNode] = {}
    taken: dict[str, int] = defaultdict(int)
    for node in sorted(labels, key=lambda n: labels[n]):
        base = labels[node]
        result[node] = ox.BlankNode(f"b{base}" + (f"x{taken[base]}" if taken[base] else ""))
        taken[base] += 1
    return result
