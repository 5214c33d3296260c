"""Builds into a SPARQL 1.1 server (``cdskg build CORPUS --store http://…``), one
consistent version at a time.

The build runs as into a folder store, but its writes go into a local scratch store
(:class:`Delta`) that holds only what changes: the new or changed article graphs, the
reference graph when it changed, and this run's record for the meta graph; removed graphs
are noted. When the build has succeeded, the server is changed in two steps:

1. **Staging.** Each graph of the delta is sent with a Graph Store Protocol ``PUT`` under a
   staging name, ``urn:cdskg:staging:VERSION:RANDOM/N``. Readers never look at these graphs:
   they query the server's default graph, which staging leaves alone.
2. **Switch.** One SPARQL update request ``MOVE``\\ s each staged graph onto its real name,
   appends the run to the meta graph, drops the removed graphs, fills the default graph
   again with the union of the article, reference and meta graphs (what readers query), and
   sets the version in ``urn:cdskg:remote``. SPARQL 1.1 Update asks a server to apply one
   request atomically (Oxigraph server runs it as one transaction), so readers see the
   previous version or this one, never a mix.

A build killed before the switch leaves the previous version in service, complete; its
staged graphs are dropped by the next build. One build at a time per server: cdskg holds no
lock there (two builds would each switch to what they wrote).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

from cdskg.errors import StoreError
from cdskg.rdf import iri
from cdskg.store.remote import (
    INTERNAL,
    POINTER,
    STAGING,
    VERSION,
    Endpoint,
    RemoteStore,
    current_version,
)


class Delta:
    """What a build writes, kept locally until :meth:`RemoteTarget.next_generation` sends
    it; answers ``contains_named_graph`` and ``len`` as the store would after the switch."""

    def __init__(self, remote: RemoteStore | None, folder: str):
        self.local = ox.Store(folder)
        self.remote = remote
        self.removed: set[str] = set()

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        if self.local.contains_named_graph(graph):
            return True
        return (
            self.remote is not None
            and graph.value not in self.removed
            and self.remote.contains_named_graph(graph)
        )

    def remove_graph(self, graph: ox.NamedNode) -> None:
        if self.local.contains_named_graph(graph):
            self.local.remove_graph(graph)
        self.removed.add(graph.value)

    def __len__(self) -> int:
        total = len(self.local)
        if self.remote is None:
            return total
        total += len(self.remote)
        gone = sorted(self.removed)
        for start in range(0, len(gone), 500):
            values = " ".join(f"<{g}>" for g in gone[start : start + 500])
            rows = self.remote.endpoint.select(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }}"
                " GRAPH ?g { ?s ?p ?o } }"
            )
            total -= int(next(iter(rows))["n"].value)  # type: ignore[call-overload]
        return total

    def __getattr__(self, name: str) -> Any:  # add, extend, bulk_load, bulk_extend, …
        return getattr(self.local, name)


class RemoteTarget:
    """The server a build writes to."""

    def __init__(self, store: str, settings: Any = None):
        self.url = store
        self.endpoint = Endpoint.from_settings(store, settings)
        self.version: str | None = None

    def reader(self) -> tuple[str | None, RemoteStore | None]:
        """The version in service and a reader of it (None, None before the first build)."""
        self.version = current_version(self.endpoint)
        if self.version is None:
            return None, None
        return self.version, RemoteStore(self.endpoint, self.version)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Drops the staged graphs a killed build left (see the module's note on locks)."""
        rows = self.endpoint.select(
            f'SELECT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{STAGING}")) }}'
        )
        left = [row["g"].value for row in rows]  # type: ignore[union-attr]
        if left:
            self.endpoint.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in left))
        yield

    @contextlib.contextmanager
    def next_generation(self) -> Iterator[Delta]:
        """A :class:`Delta` to write; staged and switched to when the block succeeds."""
        version, remote = self.reader()
        number = int(version) + 1 if version and version.isdigit() else 1
        new = f"{number:06d}"
        folder = tempfile.mkdtemp(prefix="cdskg-remote-")
        try:
            delta = Delta(remote, folder)
            yield delta
            self._stage_and_switch(delta, new)
            self.version = new
        finally:
            with contextlib.suppress(NameError):
                del delta
            shutil.rmtree(folder, ignore_errors=True)

    def _stage_and_switch(self, delta: Delta, new: str) -> None:
        prefix = f"{STAGING}{new}:{secrets.token_hex(6)}/"
        staged: dict[str, str] = {}
        for n, graph in enumerate(sorted(delta.local.named_graphs(), key=lambda g: g.value)):
            body = delta.local.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
            self.endpoint.put_graph(f"{prefix}{n}", body or b"")
            staged[graph.value] = f"{prefix}{n}"
        try:
            self.endpoint.update(" ;\n".join(switch_operations(staged, delta.removed, prefix, new)))
        except StoreError as exc:
            raise StoreError(
                f"{exc} (the switch to version {new} failed: {self.url} keeps version"
                f" {self.version or 'none'}; build again)"
            ) from None

    def triples(self, reader: RemoteStore | None) -> int:
        """The triple count of the version in service."""
        return 0 if reader is None else len(reader)


_INTERNAL = f'"{INTERNAL}"'


def switch_operations(
    staged: dict[str, str], removed: set[str], prefix: str, new: str
) -> list[str]:
    """The operations of the one update that puts version ``new`` in service.

    ``staged`` maps each written graph to its staging name (the meta graph's holds only this
    run's record, appended; the others replace theirs), ``removed`` the graphs to drop. The
    default graph (the union readers query) is kept up to date for what changed only: the
    triples that only the replaced or dropped graphs hold are taken out of it, and the
    staged graphs' put in.

    Each operation covers every graph at once (``VALUES``): Oxigraph server's operations
    cost tens of milliseconds each inside a large transaction, whatever their size (50
    changed articles: 20 s as ``ADD``/``MOVE`` per graph).
    """
    replaced = sorted((set(staged) - {iri.META_GRAPH}) | removed)
    graphs = " ".join(f"<{g}>" for g in replaced)
    pairs = " ".join(f"(<{s}> <{g}>)" for g, s in sorted(staged.items()))
    names = " ".join(f"<{s}>" for s in sorted(staged.values()))
    quads = "{ ?s ?p ?o }"
    elsewhere = (
        f"FILTER NOT EXISTS {{ GRAPH ?h {quads} FILTER(!STRSTARTS(STR(?h), {_INTERNAL})"
        f" && ?h NOT IN ({', '.join(f'<{g}>' for g in replaced)})) }}"
    )
    ops = [
        # out of the default graph: what only the replaced or dropped graphs hold
        f"DELETE {quads} WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {quads} {elsewhere} }}",
        f"DELETE {{ GRAPH ?g {quads} }} WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {quads} }}",
        # the staged graphs under their names (the meta graph's run appended), and in the
        # default graph
        f"INSERT {{ GRAPH ?g {quads} }} WHERE {{ VALUES (?t ?g) {{ {pairs} }} GRAPH ?t {quads} }}",
        f"INSERT {quads} WHERE {{ VALUES ?t {{ {names} }} GRAPH ?t {quads} }}",
        f"DELETE {{ GRAPH ?t {quads} }} WHERE {{ VALUES ?t {{ {names} }} GRAPH ?t {quads} }}",
    ]
    if not replaced:  # the first build: nothing to take out
        ops = ops[2:]
    ops += [f"DROP SILENT GRAPH <{g}>" for g in sorted(removed - set(staged))]
    ops += [f"DROP SILENT GRAPH <{s}>" for s in sorted(staged.values())]
    ops += [
        f"DROP SILENT GRAPH <{POINTER}>",
        f'INSERT DATA {{ GRAPH <{POINTER}> {{ <{POINTER}> <{VERSION}> "{new}" }} }}',
    ]
    return ops
