"""What the Flask views of the protocol read from ``flask.request`` and how they answer."""

from __future__ import annotations

from flask import Response, current_app, request

from cdskg.web.context import settings
from cdskg.web.sparql.answers import Answer, Exchange
from cdskg.web.sparql.protocol import MULTIPART, Operation, Params, parse_operation
from cdskg.web.sparql.query import Endpoint


def _endpoint() -> Endpoint:
    return current_app.extensions["cdskg.endpoint"]


def _exchange() -> Exchange:
    h = request.headers
    return Exchange(
        request.method,
        h.get("Accept"),
        h.get("Accept-Encoding", ""),
        h.get("If-None-Match"),
        _base_url(),
    )


def _response(answer: Answer) -> Response:
    streamed = not isinstance(answer.body, bytes)
    return Response(
        answer.body, status=answer.status, headers=answer.headers, direct_passthrough=streamed
    )


# ---------------------------------------------------------------- request parsing


def _operation() -> Operation:
    ctype = (request.mimetype or "").lower()
    form = None
    if ctype == MULTIPART:
        form = lambda: Params(request.form.items(multi=True))  # noqa: E731
    return parse_operation(
        request.method,
        Params(request.args.items(multi=True)),
        ctype,
        request.mimetype_params.get("charset"),
        request.get_data,
        form,
    )


def _base_url() -> str:
    """The public URL of this server: CDSKG_BASE_URL, or what the request was sent to."""
    base = settings().base_url.rstrip("/")
    if base:
        return base
    # Cheaper than request.url_root, which builds and IRI-decodes the whole URL.
    return f"{request.scheme}://{request.host}{request.script_root}"


def _endpoint_iri() -> str:
    return _base_url() + "/sparql"
