"""SPARQL Update, when enabled: the bearer token, then a new store generation per update."""

from __future__ import annotations

import hmac
import logging
from pathlib import Path

from flask import Response, current_app, request

from cdskg.rdf.namespaces import PREFIXES
from cdskg.store.generations import next_generation
from cdskg.store.query import QueryTooComplex, check_shape, uses_service
from cdskg.web.context import settings, store
from cdskg.web.errors import HttpError
from cdskg.web.sparql.flaskio import _endpoint_iri
from cdskg.web.sparql.protocol import Operation

log = logging.getLogger("cdskg.web.sparql")


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
