"""A SPARQL 1.1 server as the store (``--store http(s)://…``), read through the subset of
:class:`pyoxigraph.Store` that cdskg's readers use.

The server is reached with the standard library over SPARQL 1.1 Query, Update and the
Graph Store Protocol; the paths default to Oxigraph server's (``/query``, ``/update``,
``/store``) and each can be set (``CDSKG_REMOTE_*_URL``), with a bearer token or basic-auth
credentials and a timeout from the settings.

The layout on the server (see :mod:`cdskg.store.remote_build`, which writes it): the
article, reference and meta graphs under their own names; the server's *default graph*
holding their union (what cdskg reads as "the union of all graphs"); the graph
:data:`POINTER` naming the version in service; and, while a build runs or after one was
killed, staging graphs under :data:`STAGING`. A build switches all of it in one SPARQL
update, so a reader sees one version or the next, never a mix. Readers query the default
graph; graphs under ``urn:cdskg:`` are none of cdskg's data and are hidden from
:meth:`RemoteStore.named_graphs` and :meth:`RemoteStore.quads_for_pattern`.
"""

from __future__ import annotations

import base64
import http.client
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph as ox

from cdskg.errors import QueryError, StoreError

#: Graphs of the layout, none of them cdskg's data.
INTERNAL = "urn:cdskg:"
POINTER = "urn:cdskg:remote"
STAGING = "urn:cdskg:staging:"
#: The property of :data:`POINTER` whose value is the version in service.
VERSION = "https://w3id.org/cdskg/ontology#storeVersion"
_EMPTY_GRAPH = "urn:cdskg:empty"

_JSON = "application/sparql-results+json"
_NT = "application/n-triples"


def is_url(store: object) -> bool:
    """Whether ``--store`` names a server (``http://`` or ``https://``) rather than a folder."""
    return isinstance(store, str) and store.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach the server."""

    query_url: str
    update_url: str
    gsp_url: str
    timeout: float = 60.0
    authorization: str | None = None
    #: Largest answer read from the server (None: any); a server stops reading past it.
    max_bytes: int | None = None

    @classmethod
    def from_settings(cls, store: str, settings: Any = None) -> Endpoint:
        """The endpoint of ``store`` (a base URL), with the ``remote_*`` settings."""
        from cdskg.settings import from_env

        s = settings if settings is not None else from_env()
        base = store.rstrip("/")
        auth = None
        limit = getattr(s, "max_answer_bytes", None) if settings is not None else None
        if s.remote_token:
            auth = f"Bearer {s.remote_token}"
        elif s.remote_user:
            pair = f"{s.remote_user}:{s.remote_password}".encode()
            auth = "Basic " + base64.b64encode(pair).decode("ascii")
        return cls(
            query_url=s.remote_query_url or base + "/query",
            update_url=s.remote_update_url or base + "/update",
            gsp_url=s.remote_gsp_url or base + "/store",
            timeout=float(s.remote_timeout),
            authorization=auth,
            max_bytes=limit,
        )

    # ------------------------------------------------------------------ HTTP

    def request(
        self,
        method: str,
        url: str,
        body: bytes | IO[bytes] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> bytes:
        """One request; the answer's body, or a :class:`StoreError` that names the URL, what
        the server said and what to do."""
        all_headers = dict(headers or {})
        if self.authorization:
            all_headers["Authorization"] = self.authorization
        req = urllib.request.Request(url, data=body, headers=all_headers, method=method)
        shown = url.split("?", 1)[0]
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                if self.max_bytes is None:
                    return resp.read()
                data = resp.read(self.max_bytes + 1)
                if len(data) > self.max_bytes:
                    raise QueryError(
                        f"the store server's answer is larger than this endpoint's limit of"
                        f" {self.max_bytes} bytes (CDSKG_MAX_ANSWER_BYTES); add LIMIT or"
                        " narrow the query"
                    )
                return data
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace").strip()
            if exc.code in (401, 403):
                hint = "set CDSKG_REMOTE_TOKEN, or CDSKG_REMOTE_USER and CDSKG_REMOTE_PASSWORD"
            elif exc.code == 400 and url.startswith(self.query_url):
                raise QueryError(f"{shown} refused the query: {detail[:500]}") from None
            elif exc.code == 404:
                hint = (
                    "check the URL; set CDSKG_REMOTE_QUERY_URL, CDSKG_REMOTE_UPDATE_URL and"
                    " CDSKG_REMOTE_GSP_URL for a server whose paths are not Oxigraph's"
                )
            else:
                hint = "see the store server's log"
            raise StoreError(
                f"{shown}: the store server answered {exc.code} {exc.reason}"
                f"{': ' + detail[:500] if detail else ''}; {hint}"
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, socket.timeout | TimeoutError):
                what = f"no answer within {timeout or self.timeout:g} s"
                hint = "raise CDSKG_REMOTE_TIMEOUT, or narrow the query"
            else:
                what = f"cannot be reached ({reason})"
                hint = "is the store server running there? start it, or fix --store"
            raise StoreError(f"{shown}: the store server {what}; {hint}") from None

    def select(self, text: str, **params: list[str]) -> ox.QuerySolutions | ox.QueryBoolean:
        body = self.request(
            "POST",
            self.query_url + _params(params),
            text.encode("utf-8"),
            {"Content-Type": "application/sparql-query", "Accept": _JSON},
        )
        # Read through once here: a server that fails while it streams an answer (a SERVICE
        # call it made, a time limit) leaves it cut short, which must not pass for a result.
        try:
            for _ in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON):  # type: ignore[union-attr]
                pass
        except SyntaxError as exc:
            raise StoreError(
                f"{self.query_url}: the store server's answer breaks off ({exc}:"
                f" {body[-300:].decode('utf-8', 'replace')!r}); see the store server's log"
            ) from None
        except TypeError:  # a boolean: nothing to iterate
            pass
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)

    def construct(self, text: str, **params: list[str]) -> bytes:
        return self.request(
            "POST",
            self.query_url + _params(params),
            text.encode("utf-8"),
            {"Content-Type": "application/sparql-query", "Accept": _NT},
        )

    def update(self, text: str | bytes | IO[bytes]) -> None:
        body = text.encode("utf-8") if isinstance(text, str) else text
        self.request(
            "POST",
            self.update_url,
            body,
            {"Content-Type": "application/sparql-update"},
            timeout=max(self.timeout, 600.0),
        )

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Graph Store Protocol PUT: ``graph`` becomes exactly ``ntriples``."""
        self.request(
            "PUT",
            self.gsp_url + "?" + urllib.parse.urlencode({"graph": graph}),
            ntriples,
            {"Content-Type": _NT},
        )

    def get_graph(self, graph: str | None) -> bytes:
        """Graph Store Protocol GET of one graph (None: the default graph)."""
        query = {"graph": graph} if graph else {"default": ""}
        return self.request(
            "GET", self.gsp_url + "?" + urllib.parse.urlencode(query), None, {"Accept": _NT}
        )


def _params(params: dict[str, list[str]]) -> str:
    pairs = [(k.replace("_", "-"), v) for k, vs in params.items() for v in vs]
    return "?" + urllib.parse.urlencode(pairs) if pairs else ""


def current_version(endpoint: Endpoint) -> str | None:
    """The version in service (the value in :data:`POINTER`), or None before the first build."""
    result = endpoint.select(
        f"SELECT ?v WHERE {{ GRAPH <{POINTER}> {{ <{POINTER}> <{VERSION}> ?v }} }}"
    )
    for row in result:  # type: ignore[union-attr]
        return str(row["v"].value)
    return None


# ---------------------------------------------------------------- the read adapter


class RemoteStore:
    """The server's version in service, duck-typing the read side of :class:`ox.Store`:
    ``query``, ``quads_for_pattern``, ``named_graphs``, ``contains_named_graph``, ``dump``
    and ``len``. cdskg's default graph is empty; its union is the server's default graph."""

    def __init__(self, endpoint: Endpoint, version: str):
        self.endpoint, self.version = endpoint, version

    def query(
        self,
        query: str,
        *,
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Any = None,
        named_graphs: Any = None,
        substitutions: dict[ox.Variable, Any] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        graph = _is_graph_query(query, prefixes, base_iri)
        text = _prologue(prefixes, base_iri) + query
        if substitutions:
            text = with_values(text, substitutions, graph)
            _is_graph_query(text, None, None)
        params: dict[str, list[str]] = {}
        if default_graph is not None:
            graphs = [g.value for g in default_graph if isinstance(g, ox.NamedNode)]
            params["default_graph_uri"] = graphs or [_EMPTY_GRAPH]
        elif not use_default_graph_as_union:
            params["default_graph_uri"] = [_EMPTY_GRAPH]
        if named_graphs is not None:
            params["named_graph_uri"] = [g.value for g in named_graphs] or [_EMPTY_GRAPH]
            params.setdefault("default_graph_uri", [_EMPTY_GRAPH])
        if graph:
            return _as_triples(self.endpoint.construct(text, **params))
        return self.endpoint.select(text, **params)

    def quads_for_pattern(
        self, subject: Any = None, predicate: Any = None, object: Any = None, graph_name=None
    ) -> Iterator[ox.Quad]:
        if isinstance(graph_name, ox.DefaultGraph) or any(
            isinstance(t, ox.BlankNode) for t in (subject, predicate, object)
        ):
            # cdskg's default graph is empty; a blank node from an earlier answer names
            # nothing on the server (in a query its label would match any term)
            return iter(())
        terms = [_term(t, v) for t, v in ((subject, "s"), (predicate, "p"), (object, "o"))]
        if graph_name is None:
            where = f"GRAPH ?g {{ {' '.join(terms)} }} FILTER(!STRSTARTS(STR(?g), '{INTERNAL}'))"
        else:
            where = f"GRAPH {_term(graph_name, 'g')} {{ {' '.join(terms)} }}"
        rows = self.endpoint.select(f"SELECT * WHERE {{ {where} }}")
        given = {"s": subject, "p": predicate, "o": object, "g": graph_name}

        def quads() -> Iterator[ox.Quad]:
            for row in rows:  # type: ignore[union-attr]
                s, p, o, g = (given[v] if given[v] is not None else row[v] for v in "spog")
                yield ox.Quad(s, p, o, g)

        return quads()

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        rows = self.endpoint.select(
            # an empty group lists the graphs from the server's graph table, no quad is read
            f"SELECT ?g WHERE {{ GRAPH ?g {{ }} FILTER(!STRSTARTS(STR(?g), '{INTERNAL}')) }}"
        )
        return iter([row["g"] for row in rows])  # type: ignore[union-attr]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.endpoint.select(f"ASK {{ GRAPH <{graph.value}> {{ }} }}"))

    def __len__(self) -> int:
        rows = self.endpoint.select(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }"
            f" FILTER(!STRSTARTS(STR(?g), '{INTERNAL}')) }}"
        )
        return int(next(iter(rows))["n"].value)  # type: ignore[call-overload]

    def dump(
        self,
        output: IO[bytes] | None = None,
        format: ox.RdfFormat | None = None,
        *,
        from_graph: Any = None,
        prefixes: dict[str, str] | None = None,
    ) -> bytes | None:
        """As :meth:`ox.Store.dump`, for one graph (``from_graph``) or all of them."""
        if isinstance(from_graph, ox.DefaultGraph):
            quads: Iterable = []
        elif from_graph is not None:
            data = self.endpoint.get_graph(from_graph.value)
            quads = (
                ox.Quad(t.subject, t.predicate, t.object, from_graph)
                for t in (q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
            )
        else:
            quads = self.quads_for_pattern()
        if from_graph is not None and not format.supports_datasets:  # type: ignore[union-attr]
            quads = (q.triple for q in quads)
        text = ox.serialize(list(quads), format=format, prefixes=prefixes)
        if output is None:
            return text
        output.write(text)
        return None


_EMPTY = ox.Store()
_SERVICE = re.compile("service", re.IGNORECASE)
_FORM = re.compile(r"\b(select|ask|construct|describe)\b", re.IGNORECASE)


def _is_graph_query(text: str, prefixes: dict[str, str] | None, base_iri: str | None) -> bool:
    """Whether ``text`` is a CONSTRUCT or DESCRIBE (else SELECT or ASK), read by parsing it
    here on an empty store, so syntax errors read as pyoxigraph's with the user's line
    numbers. Every "service" is renamed first (as in :func:`cdskg.store.query.uses_service`):
    no SERVICE is ever called from here. A text that then no longer parses goes to the
    server as it is, which judges it; its form is read from its first keyword.
    """
    try:
        kind = _EMPTY.query(_SERVICE.sub("servicx", text), prefixes=prefixes, base_iri=base_iri)
    except SyntaxError:
        if not _SERVICE.search(text):
            raise
        found = _FORM.search(_SKIP.sub(" ", text))
        return found is not None and found.group(1).lower() in ("construct", "describe")
    return isinstance(kind, ox.QueryTriples)


def _term(value: Any, var: str) -> str:
    if value is None:
        return f"?{var}"
    if isinstance(value, ox.DefaultGraph):
        raise ValueError("the default graph is no term")
    return str(value)


def _prologue(prefixes: dict[str, str] | None, base_iri: str | None) -> str:
    head = f"BASE <{base_iri}>\n" if base_iri else ""
    return head + "".join(f"PREFIX {p}: <{i}>\n" for p, i in (prefixes or {}).items())


def _as_triples(ntriples: bytes) -> ox.QueryTriples:
    """An N-Triples answer as the :class:`ox.QueryTriples` a local CONSTRUCT returns."""
    holder = ox.Store()
    holder.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return holder.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")  # type: ignore[return-value]


# Strings, IRIs and comments are skipped whole when looking for the query's braces.
_SKIP = re.compile(
    r"""\\.|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"""
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*|<[^<>"{}|^`\\\x00-\x20]*>|([{}])"""
)


_SUBSELECT = re.compile(r"\s*select\b", re.IGNORECASE)


def with_values(text: str, substitutions: dict[ox.Variable, Any], construct: bool = False) -> str:
    """``text`` with ``VALUES`` binding the substituted variables at the start of its WHERE
    group (for a CONSTRUCT, the second group: the first is the template): what pyoxigraph's
    ``substitutions`` do, for a server that has none.

    >>> print(with_values("SELECT ?x { ?x ?p ?o }", {ox.Variable("p"): ox.NamedNode("urn:p")}))
    SELECT ?x { VALUES (?p) { (<urn:p>) } ?x ?p ?o }
    >>> print(with_values("SELECT ?x (COUNT(*) AS ?n) { SELECT ?x ?o { ?x ?p ?o } } GROUP BY ?x",
    ...                   {ox.Variable("x"): ox.NamedNode("urn:x")}))
    SELECT ?x (COUNT(*) AS ?n) { SELECT ?x ?o { VALUES (?x) { (<urn:x>) } ?x ?p ?o } } GROUP BY ?x
    """
    values = (
        "VALUES ("
        + " ".join(str(v) for v in substitutions)
        + ") { ("
        + " ".join(str(t) for t in substitutions.values())
        + ") } "
    )
    depth, groups, at = 0, 0, None
    braces = [m for m in _SKIP.finditer(text) if m.group(1)]
    for k, m in enumerate(braces):
        if m.group(1) == "{":
            if depth == 0:
                groups += 1
                if groups == (2 if construct else 1):
                    at = k
                    break
            depth += 1
        else:
            depth -= 1
    # a group that is a subquery: bind inside it (its WHERE group), as the outer query sees
    # only what it projects
    while at is not None and _SUBSELECT.match(text, braces[at].end()):
        at = next((j for j in range(at + 1, len(braces)) if braces[j].group(1) == "{"), None)
    if at is not None:
        end = braces[at].end()
        return text[:end] + " " + values + text[end:].lstrip()
    raise QueryError("cannot bind values in this query on a remote store (no WHERE group)")


def open_remote(store: str, settings: Any = None) -> tuple[RemoteStore, str]:
    """The server's version in service, as :func:`cdskg.store.generations.open_read_only`."""
    endpoint = Endpoint.from_settings(store, settings)
    version = current_version(endpoint)
    if version is None:
        raise StoreError(
            f"{store}: no cdskg store on this server (no version in <{POINTER}>);"
            f" run `cdskg build CORPUS --store {store}` first"
        )
    return RemoteStore(endpoint, version), version


class RemoteReader:
    """The server's version in service for a web server: the pointer is read again at most
    every ``RECHECK`` seconds (one small query), so a build's switch is seen within that."""

    RECHECK = 1.0

    def __init__(self, store: str, settings: Any = None):
        import time

        self._clock = time.monotonic
        self.endpoint = Endpoint.from_settings(store, settings)
        self.url = store
        self._seen: tuple[RemoteStore, str, float] | None = None

    def get(self) -> tuple[RemoteStore, str]:
        now = self._clock()
        seen = self._seen
        if seen is not None and now - seen[2] < self.RECHECK:
            return seen[0], seen[1]
        version = current_version(self.endpoint)
        if version is None:
            raise StoreError(f"{self.url}: no cdskg store on this server; run `cdskg build`")
        if seen is None or seen[1] != version:
            seen = (RemoteStore(self.endpoint, version), version, now)
        self._seen = (seen[0], seen[1], now)
        return seen[0], seen[1]
