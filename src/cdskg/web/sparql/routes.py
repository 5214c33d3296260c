"""The routes: ``/sparql`` (query, update, service description) and ``/store``."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from cdskg.store.query import GRAPH_FORMATS, run_query, write_result
from cdskg.web.context import store
from cdskg.web.errors import HttpError
from cdskg.web.negotiation import GRAPH_TYPES, best, from_format_param
from cdskg.web.sparql.answers import _304, _etag, _not_acceptable, _not_modified, _send, _spool
from cdskg.web.sparql.description import _service_description
from cdskg.web.sparql.flaskio import _endpoint, _exchange, _operation, _response
from cdskg.web.sparql.query import answer_query
from cdskg.web.sparql.update import _update, graph_store_write, requested_graph

bp = Blueprint("sparql", __name__)


# ---------------------------------------------------------------- routes


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    op = _operation()
    if op.update is not None:
        return _update(op)
    if op.query is None:
        return _service_description()
    return _response(answer_query(_endpoint(), op, _exchange()))


@bp.route("/store", methods=["GET", "PUT", "POST", "DELETE"])
@bp.route("/graph", methods=["GET", "PUT", "POST", "DELETE"])
@bp.route("/store/<path:_name>", methods=["GET", "PUT", "POST", "DELETE"])
@bp.route("/graph/<path:_name>", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store(_name: str | None = None) -> Response:
    """Graph Store Protocol: ``?graph=IRI`` (indirect), ``/store/…`` (direct: the graph
    named by the request's own URL), ``?default`` or the whole dataset (read); writes when
    updates are on (:func:`cdskg.web.sparql.update.graph_store_write`)."""
    graphs, default = requested_graph(direct=_name is not None)
    if request.method in ("PUT", "POST", "DELETE"):
        return graph_store_write(graphs, default)
    st, version = store()
    ex = _exchange()
    if not graphs and not default:
        offers = ["application/trig", "application/n-quads"]
    else:
        offers = [m for m in GRAPH_TYPES if GRAPH_TYPES[m] not in ("trig", "nq")]
    media = from_format_param(request.args["format"], "graph") if "format" in request.args else None
    if media is not None:
        media = GRAPH_FORMATS[media][1]
        if media not in offers:
            media = None
    media = media or best(ex.accept, offers)
    if media is None:
        raise _not_acceptable(offers)
    name = GRAPH_TYPES[media]
    rdf_format, canonical = GRAPH_FORMATS[name]
    etag = _etag(version, ("store", tuple(graphs), default, canonical))
    if _not_modified(ex.if_none_match, etag):
        return _response(_304(etag, version))
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
    return _response(_send(spool, canonical, version, etag, ex, cache=None))
