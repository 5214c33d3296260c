"""The download files of a store version (the whole graph in every export format, the facts
alone as N-Quads, and each pillar's observations as CSV and Turtle), written once into a
folder with a ``manifest.json`` of their sizes and checksums, under a lock so that one
writer does it. Each file gets a gzip copy beside it (``NAME.gz``), which ``/downloads``
sends with ``Content-Encoding: gzip`` to clients that accept it."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import zlib
from pathlib import Path

import pyoxigraph as ox

from cdskg.publish.export import export_many, write_nquads, write_rdf
from cdskg.publish.table import csvw_metadata
from cdskg.rdf.iri import META_GRAPH, REFERENCE_GRAPH
from cdskg.rdf.namespaces import (
    PREFIXES,
    sparql_prologue,
)

DATA_FILES = ("ttl", "trig", "nq", "jsonld", "csv")
#: The facts without the reference data: the article graphs (figures, evidence, articles,
#: officials, documents…), each its own named graph.
FACTS_FILE = "cdskg-facts.nq"
#: gzip level of the compressed copies: level 6's size at a fraction of its time on these
#: files would be level 1-3; 6 keeps gzip's default, the copies are written once a version.
GZIP_LEVEL = 6


def _write_facts(store: ox.Store, out: Path) -> int:
    """The article graphs as N-Quads, in graph IRI order; the quad count."""
    graphs = sorted(
        (g for g in store.named_graphs() if g.value not in (META_GRAPH, REFERENCE_GRAPH)),
        key=lambda g: g.value,
    )
    with out.open("wb") as fh:
        return write_nquads(store, fh, list(graphs))


def _gzip_copy(source: Path, target: Path) -> int:
    """``source`` gzipped into ``target`` (written whole, then renamed); its size.

    The gzip header carries no name and no time, so the copy of the same file is the same.
    """
    partial = target.with_name(target.name + ".partial")
    z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    with source.open("rb") as src, partial.open("wb") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            dst.write(z.compress(block))
        dst.write(z.flush())
    partial.replace(target)
    return target.stat().st_size


def _pillars(store: ox.Store) -> list[tuple[str, str, str, str]]:
    """(IRI, notation, label vi, label en) of the pillars in the thesaurus, by notation."""
    rows = store.query(
        sparql_prologue()
        + """SELECT ?p (MIN(?n) AS ?notation) (MIN(?vi_) AS ?vi) (MIN(?en_) AS ?en) WHERE {
          ?p a cdskg:Pillar ; skos:notation ?n .
          OPTIONAL { ?p skos:prefLabel ?vi_ FILTER(lang(?vi_) = "vi") }
          OPTIONAL { ?p skos:prefLabel ?en_ FILTER(lang(?en_) = "en") }
        } GROUP BY ?p ORDER BY ?notation""",
        use_default_graph_as_union=True,
    )
    return [
        (r["p"].value, r["notation"].value, _v(r["vi"]), _v(r["en"]) or r["notation"].value)
        for r in rows
    ]


def _v(term) -> str:
    return "" if term is None else term.value


def _pillar_where(pillar_iri: str) -> str:
    return f"?observation <{PREFIXES['cdskg']}pillar> <{pillar_iri}> ."


def _pillar_triples(store: ox.Store, pillar_iri: str) -> bytes:
    """The observations of one pillar with their evidence and selectors, as sorted N-Triples
    (each triple once; in the order of the triples' text, as ``sorted(triples, key=str)``).
    """
    q = (
        sparql_prologue()
        + f"""CONSTRUCT {{ ?o ?p ?v . ?e ?ep ?ev . ?s ?sp ?sv }} WHERE {{
      {{ ?o cdskg:pillar <{pillar_iri}> ; ?p ?v }}
      UNION {{ ?o cdskg:pillar <{pillar_iri}> ; cdskg:evidence ?e . ?e ?ep ?ev }}
      UNION {{ ?o cdskg:pillar <{pillar_iri}> ; cdskg:evidence/oa:hasSelector ?s . ?s ?sp ?sv }}
    }}"""
    )
    text = store.query(q, use_default_graph_as_union=True).serialize(format=ox.RdfFormat.N_TRIPLES)
    # a line is the triple's text and " .": sorting lines sorts the triples' texts
    lines = sorted(set(text.splitlines()), key=lambda line: line[:-2])
    return b"".join(line + b"\n" for line in lines)


def _write_triples(ntriples: bytes, fmt: str, out: Path) -> int:
    triples = ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    write_rdf(triples, fmt, out)
    return ntriples.count(b"\n")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ready_manifest(folder: Path, version: str) -> dict | None:
    """The manifest of ``folder`` if every file of ``version`` is there, else ``None``."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("version") != version:
        return None
    if not all((folder / name).exists() for name in manifest.get("files", {})):
        return None
    return manifest


def build_downloads(store: ox.Store, version: str, folder: Path) -> dict:
    """Write every data file the catalogue describes into ``folder`` (once per version).

    Returns the manifest: ``{"version", "files": {name: {"format", "bytes", "sha256",
    "records", "pillar"}}}``, also saved as ``folder/manifest.json``. Concurrent callers
    (server workers) wait on a lock instead of writing the same files twice.
    """
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / "manifest.json"
    with locked(folder / ".lock"):
        found = ready_manifest(folder, version)
        if found is not None:
            return found
        jobs: list[tuple[str, str, str | None, object]] = [
            (f"cdskg.{fmt}", fmt, None, None) for fmt in DATA_FILES
        ]
        jobs.append((FACTS_FILE, "nq", None, "facts"))
        for iri, notation, _vi, _en in _pillars(store):
            jobs.append((f"cdskg-{notation}.csv", "csv", notation, iri))
            jobs.append((f"cdskg-{notation}.ttl", "ttl", notation, iri))
        # the whole-graph files and the pillar CSVs in one pass over the store
        shared = {
            (fmt if notation is None else f"csv:{iri}"): folder / (name + ".partial")
            for name, fmt, notation, iri in jobs
            if (notation is None and iri is None) or fmt == "csv"
        }
        counts = export_many(store, shared)
        files: dict[str, dict] = {}
        for name, fmt, notation, iri in jobs:
            target = folder / name
            partial = folder / (name + ".partial")
            if iri == "facts":
                records = _write_facts(store, partial)
            elif notation is None:
                records = counts[fmt]
            elif fmt == "csv":
                records = counts[f"csv:{iri}"]
            else:
                records = _write_triples(_pillar_triples(store, str(iri)), fmt, partial)
            partial.replace(target)
            if fmt == "csv":
                meta = folder / f"{name}-metadata.json"
                doc = csvw_metadata(name, title=name)
                meta.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
            files[name] = {
                "format": fmt,
                "bytes": target.stat().st_size,
                "sha256": _sha256(target),
                "records": records,
                "pillar": notation,
                # what the file holds: the whole graph, the facts alone, or one pillar's
                "part": "facts" if iri == "facts" else ("pillar" if notation else "whole"),
                "gzip_bytes": _gzip_copy(target, folder / f"{name}.gz"),
            }
        manifest = {"version": version, "files": files}
        tmp = folder / "manifest.json.partial"
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(manifest_path)
        return manifest


@contextlib.contextmanager
def locked(path: Path):
    """An exclusive flock on ``path`` (released by the kernel if its holder dies)."""
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
