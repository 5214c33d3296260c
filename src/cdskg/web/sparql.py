"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` and Graph Store read access at ``/store``.

* Queries by GET, POST form (``application/x-www-form-urlencoded``) and POST direct
  (``application/sparql-query``), with ``default-graph-uri`` / ``named-graph-uri``. Without
  them the default graph is the union of all graphs; naming only named graphs leaves it empty.
* Results negotiated by ``Accept`` (q-values) or a ``format``/``output`` parameter,
  serialised by pyoxigraph; results over 1 MB are spooled to a temporary file and streamed.
* Answers carry ``X-Store-Version`` and a weak ``ETag`` derived from the store version and
  the request, so ``If-None-Match`` gets a 304 without running the query; each worker keeps
  recent answers in memory per store version, so a rebuild never serves a stale answer.
* GET ``/sparql`` without a query: the Service Description for RDF clients, the query page
  for browsers.
* ``/store?graph=IRI``, ``/store?default`` and ``/store`` (GET, HEAD): the Graph Store
  Protocol's read side; ``?default`` is the union graph, as for queries.
* SPARQL Update only when enabled (``CDSKG_ENABLE_UPDATE`` and ``CDSKG_UPDATE_TOKEN``), by
  POST with ``Authorization: Bearer``; each update writes a new store generation.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from cdskg.errors import QueryError
from cdskg.namespaces import PREFIXES, RDF, RDFS, SD
from cdskg.negotiation import GRAPH_TYPES, best, choose, from_format_param, offered
from cdskg.query import (
    GRAPH_FORMATS,
    ResultTooLarge,
    ServiceRefused,
    result_kind,
    run_query,
    write_result,
)
from cdskg.store import next_generation
from cdskg.web.context import settings, store
from cdskg.web.errors import HttpError

log = logging.getLogger("cdskg.web.sparql")
bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
SPOOL_BYTES = 1 << 20  # results up to this size stay in memory (and may be cached)
CHUNK = 1 << 16
GZIP_MIN = 1400  # bodies smaller than one packet are not worth compressing
HTML_TYPES = ("text/html", "application/xhtml+xml")
FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass
class Operation:
    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    fmt: str | None = None


# ---------------------------------------------------------------- routes


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    op = _operation()
    if op.update is not None:
        return _update(op)
    if op.query is None:
        return _service_description()
    return _answer_query(op)


@bp.route("/store", methods=["GET"])
@bp.route("/graph", methods=["GET"])
def graph_store() -> Response:
    """Graph Store Protocol, read side: ``?graph=IRI``, ``?default`` or the whole dataset."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if len(graphs) > 1 or (graphs and default):
        raise HttpError(400, "bad request", "give one graph=IRI, or default, not both")
    st, version = store()
    accept = request.headers.get("Accept")
    if not graphs and not default:
        offers = ["application/trig", "application/n-quads"]
    else:
        offers = [m for m in GRAPH_TYPES if GRAPH_TYPES[m] not in ("trig", "nq")]
    media = from_format_param(request.args["format"], "graph") if "format" in request.args else None
    if media is not None:
        media = GRAPH_FORMATS[media][1]
        if media not in offers:
            media = None
    media = media or best(accept, offers)
    if media is None:
        raise _not_acceptable(offers)
    name = GRAPH_TYPES[media]
    rdf_format, canonical = GRAPH_FORMATS[name]
    etag = _etag(version, ("store", tuple(graphs), default, canonical))
    if _not_modified(etag):
        return _304(etag, version)
    spool = _spool()
    try:
        if graphs:
            try:
                node = ox.NamedNode(graphs[0])
            except ValueError as exc:
                raise HttpError(400, "bad request", f"graph: not an IRI ({exc})") from None
            if not st.contains_named_graph(node):
                raise HttpError(404, "not found", f"no graph named <{graphs[0]}> in this store")
            st.dump(spool, rdf_format, from_graph=node)
        elif default:
            union = run_query(st, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
            write_result(union, name, spool)
        else:
            st.dump(spool, rdf_format)
    except BaseException:
        spool.close()
        raise
    return _send(spool, canonical, version, etag, cache_key=None)


# ---------------------------------------------------------------- request parsing


def _operation() -> Operation:
    args = request.args
    if request.method == "GET":
        if "update" in args:
            raise HttpError(
                400, "bad request", "SPARQL Update is not accepted over GET; send it with POST"
            )
        params = args
        queries = args.getlist("query")
        updates: list[str] = []
    else:
        ctype = (request.mimetype or "").lower()
        charset = (request.mimetype_params.get("charset") or "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise HttpError(400, "bad request", f"the request body must be UTF-8, not {charset!r}")
        if not ctype:
            raise HttpError(
                400,
                "bad request",
                "the POST has no Content-Type; send application/x-www-form-urlencoded"
                f" (query=… or update=…), {QUERY_TYPE} or {UPDATE_TYPE}",
            )
        if ctype in (QUERY_TYPE, UPDATE_TYPE):
            if "query" in args or "update" in args:
                raise HttpError(
                    400, "bad request", f"with {ctype}, the operation goes in the body only"
                )
            text = _utf8(request.get_data())
            queries, updates = ([text], []) if ctype == QUERY_TYPE else ([], [text])
            params = args
        elif ctype in (FORM, "multipart/form-data"):
            if ctype == FORM:
                _utf8(request.get_data(cache=True))
            form = request.form
            queries = args.getlist("query") + form.getlist("query")
            updates = args.getlist("update") + form.getlist("update")
            params = _merged(args, form)
        else:
            raise HttpError(
                415,
                "unsupported media type",
                f"{ctype} is not a SPARQL request; send {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}",
            )
        if not queries and not updates:
            raise HttpError(400, "bad request", "no query in the request; send query=…")
    if queries and updates:
        raise HttpError(400, "bad request", "send either a query or an update, not both")
    if len(queries) > 1 or len(updates) > 1:
        raise HttpError(400, "bad request", "exactly one query (or update) parameter is allowed")
    fmt = params.get("format") or params.get("output")
    return Operation(
        query=queries[0] if queries else None,
        update=updates[0] if updates else None,
        default_graphs=params.getlist("default-graph-uri"),
        named_graphs=params.getlist("named-graph-uri"),
        using_graphs=params.getlist("using-graph-uri") + params.getlist("using-named-graph-uri"),
        fmt=fmt,
    )


class _Params:
    def __init__(self, *sources):
        self.sources = sources

    def get(self, name: str) -> str | None:
        for s in self.sources:
            if name in s:
                return s.get(name)
        return None

    def getlist(self, name: str) -> list[str]:
        return [v for s in self.sources for v in s.getlist(name)]


def _merged(*sources) -> _Params:
    return _Params(*sources)


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(
            400, "bad request", f"the request body is not UTF-8 (byte {exc.start})"
        ) from None


def _iris(values: list[str], param: str) -> list[ox.NamedNode] | None:
    if not values:
        return None
    try:
        return [ox.NamedNode(v) for v in values]
    except ValueError as exc:
        raise HttpError(400, "bad request", f"{param}: not an IRI ({exc})") from None


# ---------------------------------------------------------------- queries


def _answer_query(op: Operation) -> Response:
    cfg = settings()
    st, version = store()
    accept = request.headers.get("Accept")
    key = (op.query, tuple(op.default_graphs), tuple(op.named_graphs), op.fmt, accept)
    etag = _etag(version, key)
    if request.method == "GET" and _not_modified(etag):
        return _304(etag, version)
    cache = _cache()
    hit = cache.get(version, key)
    if hit is not None:
        media, body = hit
        return _send_bytes(body, media, version, etag)
    assert op.query is not None
    try:
        result = run_query(
            st,
            op.query,
            default_graph=_iris(op.default_graphs, "default-graph-uri"),
            named_graphs=_iris(op.named_graphs, "named-graph-uri"),
            allow_service=cfg.enable_service,
            base_iri=_endpoint_iri(),
        )
    except ServiceRefused as exc:
        raise HttpError(403, "forbidden", str(exc)) from None
    except QueryError as exc:
        raise HttpError(400, "bad query", str(exc)) from None
    kind = result_kind(result)
    if op.fmt:
        fmt = from_format_param(op.fmt, kind)
        if fmt is None:
            raise HttpError(
                400,
                "bad format",
                f"format={op.fmt!r} is not offered for this query; offered: "
                + ", ".join(offered(kind)),
            )
    else:
        fmt = choose(accept, kind)
        if fmt is None:
            raise _not_acceptable(offered(kind))
    spool = _spool()
    try:
        media = write_result(result, fmt, spool, max_results=cfg.max_results)
    except ResultTooLarge as exc:
        spool.close()
        raise HttpError(400, "result too large", str(exc)) from None
    except QueryError as exc:
        spool.close()
        raise HttpError(400, "bad query", str(exc)) from None
    except BaseException:
        spool.close()
        raise
    return _send(spool, media, version, etag, cache_key=key)


def _send(
    spool: IO[bytes], media: str, version: str, etag: str, *, cache_key: tuple | None
) -> Response:
    size = spool.tell()
    if size <= SPOOL_BYTES:
        spool.seek(0)
        body = spool.read()
        spool.close()
        if cache_key is not None:
            _cache().put(version, cache_key, media, body)
        return _send_bytes(body, media, version, etag)
    spool.seek(0)
    gzip = _wants_gzip()
    resp = Response(_chunks(spool, gzip), mimetype=media, direct_passthrough=True)
    if gzip:
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp.headers["Content-Length"] = str(size)
    return _headers(resp, version, etag)


def _spool() -> IO[bytes]:
    """A file that stays in memory up to SPOOL_BYTES, then moves to a temporary file."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


def _chunks(spool: IO[bytes], gzip: bool) -> Iterator[bytes]:
    try:
        z = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None
        while chunk := spool.read(CHUNK):
            out = z.compress(chunk) if z else chunk
            if out:
                yield out
        if z:
            yield z.flush()
    finally:
        spool.close()


def _send_bytes(body: bytes, media: str, version: str, etag: str) -> Response:
    resp = Response(body, mimetype=media)
    if len(body) >= GZIP_MIN and _wants_gzip():
        resp.set_data(zlib.compress(body, 6, wbits=31))
        resp.headers["Content-Encoding"] = "gzip"
    return _headers(resp, version, etag)


def _headers(resp: Response, version: str, etag: str) -> Response:
    resp.headers["Vary"] = "Accept, Accept-Encoding"
    resp.headers["X-Store-Version"] = version
    if request.method in ("GET", "HEAD"):
        resp.headers["ETag"] = etag
        resp.headers["Cache-Control"] = "no-cache"
    return resp


def _wants_gzip() -> bool:
    header = request.headers.get("Accept-Encoding", "")
    for part in header.split(","):
        fields_ = [f.strip().lower() for f in part.split(";")]
        if fields_[0] in ("gzip", "x-gzip"):
            return not any(f.replace(" ", "") in ("q=0", "q=0.0", "q=0.00") for f in fields_[1:])
    return False


def _etag(version: str, key: tuple) -> str:
    digest = hashlib.blake2b(repr(key).encode("utf-8"), digest_size=12).hexdigest()
    return f'W/"{version}-{digest}"'


def _not_modified(etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in header.split(","))


def _304(etag: str, version: str) -> Response:
    resp = Response(status=304)
    resp.headers["ETag"] = etag
    resp.headers["X-Store-Version"] = version
    resp.headers["Vary"] = "Accept, Accept-Encoding"
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def _not_acceptable(offers: list[str]) -> HttpError:
    return HttpError(
        406,
        "not acceptable",
        "none of the Accept types is offered; offered: " + ", ".join(offers),
    )


class ResultCache:
    """Recent answers of one worker, for the current store version only, bounded in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.version: str | None = None
        self.entries: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, version: str, key: tuple) -> tuple[str, bytes] | None:
        with self.lock:
            if version != self.version:
                return None
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, version: str, key: tuple, media: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return
        with self.lock:
            if version != self.version:
                self.entries.clear()
                self.size = 0
                self.version = version
            if key in self.entries:
                return
            self.entries[key] = (media, body)
            self.size += len(body)
            while self.size > self.max_bytes:
                _, (_, old) = self.entries.popitem(last=False)
                self.size -= len(old)


def _cache() -> ResultCache:
    cache = current_app.extensions.get("cdskg.result_cache")
    if cache is None:
        cache = ResultCache(settings().cache_bytes)
        current_app.extensions["cdskg.result_cache"] = cache
    return cache


# ---------------------------------------------------------------- service description


def _base_url() -> str:
    """The public URL of this server: CDSKG_BASE_URL, or what the request was sent to."""
    base = settings().base_url.rstrip("/")
    if base:
        return base
    # Cheaper than request.url_root, which builds and IRI-decodes the whole URL.
    return f"{request.scheme}://{request.host}{request.script_root}"


def _endpoint_iri() -> str:
    return _base_url() + "/sparql"


def _service_description() -> Response:
    accept = request.headers.get("Accept")
    offers = [*GRAPH_TYPES, *HTML_TYPES]
    media = best(accept, offers)
    if media is None:
        raise _not_acceptable(offers)
    if media in HTML_TYPES:
        return Response(render_template("sparql.html"), mimetype="text/html")
    st, version = store()
    name = GRAPH_TYPES[media]
    rdf_format, canonical = GRAPH_FORMATS[name]
    etag = _etag(version, ("sd", _endpoint_iri(), canonical))
    if _not_modified(etag):
        return _304(etag, version)
    out = _spool()
    ox.serialize(_description(st), out, rdf_format, prefixes={"sd": SD, "formats": FORMATS_NS})
    return _send(out, canonical, version, etag, cache_key=None)


def _description(st: ox.Store) -> list[ox.Triple]:
    cfg = settings()
    endpoint = ox.NamedNode(_endpoint_iri())
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    rdf_type = ox.NamedNode(RDF + "type")
    triples = [
        ox.Triple(endpoint, rdf_type, sd("Service")),
        ox.Triple(endpoint, sd("endpoint"), endpoint),
        ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(endpoint, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(
            endpoint,
            sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
    ]
    if cfg.enable_update:
        triples.append(ox.Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Update")))
    if cfg.enable_service:
        triples.append(ox.Triple(endpoint, sd("feature"), sd("BasicFederatedQuery")))
    for local in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
        "TriG",
        "N-Quads",
    ):
        triples.append(ox.Triple(endpoint, sd("resultFormat"), ox.NamedNode(FORMATS_NS + local)))
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("union")
    triples += [
        ox.Triple(endpoint, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, rdf_type, sd("Graph")),
        ox.Triple(
            default,
            ox.NamedNode(RDFS + "comment"),
            ox.Literal("The union of all named graphs (articles, reference data, build metadata)."),
        ),
    ]
    base = _base_url()
    triples.append(ox.Triple(dataset, ox.NamedNode(RDFS + "seeAlso"), ox.NamedNode(base + "/void")))
    for i, graph in enumerate(sorted(st.named_graphs(), key=str)):
        if not isinstance(graph, ox.NamedNode):
            continue
        named = ox.BlankNode(f"g{i}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, rdf_type, sd("NamedGraph")),
            ox.Triple(named, sd("name"), graph),
        ]
    return triples


# ---------------------------------------------------------------- updates


def _update(op: Operation) -> Response:
    cfg = settings()
    if not cfg.enable_update:
        raise HttpError(403, "forbidden", "this endpoint is read-only")
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if (
        not cfg.update_token
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(token.strip().encode(), cfg.update_token.encode())
    ):
        raise HttpError(
            401,
            "unauthorized",
            "SPARQL Update needs Authorization: Bearer <the server's update token>",
            headers={"WWW-Authenticate": 'Bearer realm="cdskg"'},
        )
    if op.using_graphs:
        raise HttpError(
            400,
            "bad request",
            "using-graph-uri / using-named-graph-uri are not supported; use USING in the update",
        )
    assert op.update is not None
    root = Path(current_app.extensions["cdskg.store"].layout.root)
    # next_generation holds STORE/.write.lock, so updates and builds take turns
    try:
        with next_generation(root) as writable:
            writable.update(op.update, prefixes=PREFIXES, base_iri=_endpoint_iri())
    except SyntaxError as exc:
        raise HttpError(400, "bad update", f"update syntax error: {exc}") from None
    except OSError as exc:
        log.error("update failed: %s", exc)
        raise HttpError(500, "update failed", "the update could not be applied") from None
    _, version = store()
    log.warning(
        "SPARQL update applied from %s, new store version %s: %.300s",
        request.remote_addr,
        version,
        op.update.replace("\n", " "),
    )
    resp = Response(status=204)
    resp.headers["X-Store-Version"] = version
    return resp
