"""SPARQL Update, when enabled: the bearer token, then a new store generation per update."""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from pathlib import Path

import pyoxigraph as ox
from flask import Response, current_app, request

from cdskg.rdf.namespaces import PREFIXES
from cdskg.store.generations import next_generation
from cdskg.store.query import QueryTooComplex, check_shape, uses_service
from cdskg.web.context import settings, store
from cdskg.web.errors import HttpError
from cdskg.web.sparql.flaskio import _base_url, _endpoint_iri
from cdskg.web.sparql.protocol import Operation

log = logging.getLogger("cdskg.web.sparql")


def check_token(expected: str) -> None:
    """The request's ``Authorization: Bearer`` must carry the update token.

    :raises HttpError: 401 with ``WWW-Authenticate`` otherwise.
    """
    auth = request.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(token.strip().encode(), expected.encode())
    ):
        raise HttpError(
            401,
            "unauthorized",
            "writes need Authorization: Bearer <the server's update token>",
            headers={"WWW-Authenticate": 'Bearer realm="cdskg"'},
        )


# Strings, IRIs and comments are skipped; groups count depth; the keywords that matter.
_UPDATE_TOKENS = re.compile(
    r"""\\.|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"""
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*|<[^<>"{}|^`\\\x00-\x20]*>"""
    r"""|([{])|([}])|(?i:\b(WHERE|USING|WITH|DELETE|INSERT)\b)""",
    re.DOTALL,
)


def with_using(update: str, graphs: list[str], named: list[str]) -> str:
    """``update`` with ``USING <g>`` / ``USING NAMED <g>`` before the ``WHERE`` of each of
    its operations: what the protocol's ``using-graph-uri`` / ``using-named-graph-uri`` mean.

    >>> with_using("INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", ["http://g/1"], [])
    'INSERT { ?s ?p 1 } USING <http://g/1> WHERE { ?s ?p ?o }'

    :raises HttpError: 400 if the update names its own dataset (USING, WITH) too, or uses
        ``DELETE WHERE``, which takes no dataset; or if a parameter is not an IRI.
    """
    for iri in (*graphs, *named):
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise HttpError(400, "bad request", f"using-graph-uri: not an IRI ({exc})") from None
    clause = "".join(f"USING <{g}> " for g in graphs) + "".join(
        f"USING NAMED <{g}> " for g in named
    )
    depth = 0
    previous = ""
    cuts: list[int] = []
    for m in _UPDATE_TOKENS.finditer(update):
        opening, closing, word = m.groups()
        if opening:
            depth += 1
            previous = "{"
        elif closing:
            depth = max(0, depth - 1)
            previous = "}"
        elif word and depth == 0:
            word = word.upper()
            if word in ("USING", "WITH"):
                raise HttpError(
                    400,
                    "bad request",
                    f"the update has its own {word} and using-graph-uri / using-named-graph-uri"
                    " too; give the dataset one way",
                )
            if word == "WHERE":
                if previous == "DELETE":
                    raise HttpError(
                        400,
                        "bad request",
                        "DELETE WHERE takes no dataset; write DELETE { … } WHERE { … } to use"
                        " using-graph-uri",
                    )
                cuts.append(m.start())
            previous = word
    for at in reversed(cuts):
        update = update[:at] + clause + update[at:]
    return update


def _update(op: Operation) -> Response:
    cfg = settings()
    if not cfg.enable_update:
        raise HttpError(403, "forbidden", "this endpoint is read-only")
    check_token(cfg.update_token)
    if op.using_graphs or op.using_named_graphs:
        op.update = with_using(op.update or "", op.using_graphs, op.using_named_graphs)
    assert op.update is not None
    try:
        check_shape(op.update, "update")
    except QueryTooComplex as exc:
        raise HttpError(400, "bad update", str(exc)) from None
    if not cfg.enable_service:
        why = uses_service(op.update, update=True, prefixes=PREFIXES, base_iri=_endpoint_iri())
        if why is not None:
            raise HttpError(
                403,
                "forbidden",
                "SERVICE and LOAD (which fetch URLs) are disabled on this endpoint (set"
                f" CDSKG_ENABLE_SERVICE=1 to allow them); this update was refused: {why}",
            )
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


#: Media types a Graph Store write may send, and how pyoxigraph parses them.
GRAPH_BODIES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/n3": ox.RdfFormat.N3,
}


def requested_graph(direct: bool) -> tuple[list[str], bool]:
    """The graph a Graph Store request names: ``([IRI], False)`` for ``?graph=IRI`` or for
    a direct request (``/store/…``: the graph is named by the request's own URL),
    ``([], True)`` for ``?default``, ``([], False)`` for none (the whole dataset).

    :raises HttpError: 400 if it names more than one.
    """
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if direct:
        # request.base_url is the URL with the path percent-encoded again, as it was sent
        graphs.append(_base_url() + request.base_url.removeprefix(request.root_url.rstrip("/")))
    if len(graphs) > 1 or (graphs and default):
        raise HttpError(400, "bad request", "name one graph: graph=IRI, default, or a /store/… URL")
    return graphs, default


def _parse_body(target: ox.NamedNode | ox.DefaultGraph, base: str) -> list[ox.Quad]:
    """The triples of a PUT or POST body, put in ``target``: one RDF document, or each
    file of a ``multipart/form-data`` body (the Graph Store Protocol's way of sending
    several documents in one request), each in its own media type."""
    media = (request.mimetype or "").lower()
    if media == "multipart/form-data":
        parts = [(f.mimetype.lower(), f.read()) for f in request.files.values()]
        if not parts:
            raise HttpError(400, "bad request", "the multipart/form-data body has no file part")
    else:
        parts = [(media, request.get_data())]
    quads: list[ox.Quad] = []
    for part_media, data in parts:
        if part_media not in GRAPH_BODIES:
            raise HttpError(
                415,
                "unsupported media type",
                f"{part_media or 'no Content-Type'}: send one of "
                + ", ".join([*GRAPH_BODIES, "multipart/form-data"]),
            )
        try:
            quads.extend(
                ox.Quad(t.subject, t.predicate, t.object, target)
                for t in ox.parse(data, format=GRAPH_BODIES[part_media], base_iri=base)
            )
        except (SyntaxError, ValueError) as exc:
            raise HttpError(
                400, "bad request", f"the body is not valid {part_media}: {exc}"
            ) from None
    return quads


def graph_store_write(graphs: list[str], default: bool) -> Response:
    """Graph Store Protocol, write side (PUT replaces a graph, POST adds to it, DELETE drops
    it) on ``?graph=IRI``, ``/store/…`` or ``?default``, behind the update token; a POST
    naming no graph creates one and answers its IRI in ``Location``. Each write is a new
    store generation, as an update is."""
    cfg = settings()
    if not cfg.enable_update:
        raise HttpError(
            405,
            "method not allowed",
            "this endpoint is read-only (allowed: GET, HEAD)",
            headers={"Allow": "GET, HEAD"},
        )
    check_token(cfg.update_token)
    new_graph = request.method == "POST" and not graphs and not default
    if new_graph:
        graphs = [f"{_base_url()}/store/{uuid.uuid4()}"]
    elif not graphs and not default:
        raise HttpError(400, "bad request", "give one graph=IRI, or default")
    if graphs:
        try:
            target: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(graphs[0])
        except ValueError as exc:
            raise HttpError(400, "bad request", f"graph: not an IRI ({exc})") from None
    else:
        target = ox.DefaultGraph()
    quads: list[ox.Quad] = []
    if request.method in ("PUT", "POST"):
        quads = _parse_body(target, graphs[0] if graphs else _endpoint_iri())
    root = Path(current_app.extensions["cdskg.store"].layout.root)
    with next_generation(root) as writable:
        existed = (
            writable.contains_named_graph(target) if isinstance(target, ox.NamedNode) else True
        )
        if request.method == "DELETE" and not existed:
            raise HttpError(404, "not found", f"no graph named <{graphs[0]}> in this store")
        if request.method in ("PUT", "DELETE"):
            if isinstance(target, ox.NamedNode):
                if existed:
                    writable.remove_graph(target)
            else:
                writable.clear_graph(target)
        if request.method == "PUT" and isinstance(target, ox.NamedNode):
            writable.add_graph(target)
        writable.extend(quads)
    _, version = store()
    log.warning(
        "Graph Store %s of %s from %s (%d triples), new store version %s",
        request.method,
        f"<{graphs[0]}>" if graphs else "the default graph",
        request.remote_addr,
        len(quads),
        version,
    )
    created = request.method in ("PUT", "POST") and not existed
    resp = Response(status=201 if created else 204)
    resp.headers["X-Store-Version"] = version
    if new_graph:
        resp.headers["Location"] = graphs[0]
    return resp
