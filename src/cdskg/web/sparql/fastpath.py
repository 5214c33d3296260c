"""The raw WSGI fast path for queries to ``/sparql``: no Flask routing, request or response
objects (about five times the cost of a point lookup), the same functions as the view."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES

from cdskg.errors import StoreError
from cdskg.web.errors import HttpError
from cdskg.web.sparql.answers import CORS_HEADERS, Exchange, _error
from cdskg.web.sparql.protocol import (
    FORM,
    QUERY_TYPE,
    Params,
    _charset,
    _query_pairs,
    parse_operation,
)
from cdskg.web.sparql.query import Endpoint, answer_query

log = logging.getLogger("cdskg.web.sparql")


class FastPath:
    """WSGI middleware answering SPARQL queries (GET, POST form, POST direct at ``/sparql``)
    without Flask's routing, request and response objects, through the same plain functions
    as the Flask view (:func:`parse_operation`, :func:`answer_query`) and the same error
    shape. Everything else (the service description, updates, multipart forms, HEAD,
    OPTIONS, bodies without Content-Length) goes on to Flask.
    """

    def __init__(self, app: Callable[..., Any], endpoint: Endpoint):
        self.app = app
        self.endpoint = endpoint
        self.max_body = endpoint.settings.max_request_bytes
        self.base_url = endpoint.settings.base_url.rstrip("/")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        answer = self.answer(environ) if environ.get("PATH_INFO") == "/sparql" else None
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = answer
        if isinstance(body, bytes):
            if status != 304:
                headers.append(("Content-Length", str(len(body))))
            start_response(_STATUS_LINES.get(status) or str(status), headers)
            return [body]
        start_response(_STATUS_LINES.get(status) or str(status), headers)
        return body

    def answer(
        self, environ: dict[str, Any]
    ) -> tuple[int, list[tuple[str, str]], bytes | Iterable[bytes]] | None:
        """Status, headers and body of a query to ``/sparql`` (the caller checks the path),
        or None for requests Flask answers; the granian glue
        (:class:`cdskg.serve.granian_glue.GranianGlue`) calls it without the WSGI layer. Byte bodies
        come without Content-Length, which the server adds."""
        method = environ["REQUEST_METHOD"]
        qs = environ.get("QUERY_STRING", "")
        raw = b""
        ctype, charset = "", None
        try:
            if method == "GET":
                if "query=" not in qs:  # the service description, or an error Flask words
                    return None
            elif method == "POST":
                ctype, _, ctype_params = environ.get("CONTENT_TYPE", "").partition(";")
                ctype = ctype.strip().lower()
                length = environ.get("CONTENT_LENGTH", "")
                if ctype not in (FORM, QUERY_TYPE) or not length.isdigit():
                    return None
                if int(length) > self.max_body:
                    raise HttpError(413, "request too large", f"the limit is {self.max_body} bytes")
                raw = environ["wsgi.input"].read(int(length))
                charset = _charset(ctype_params)
            else:
                return None
            op = parse_operation(method, Params(_query_pairs(qs)), ctype, charset, lambda: raw)
            if op.query is None:  # an update: Flask's view reads the body again
                environ["wsgi.input"] = io.BytesIO(raw)
                return None
            answer = answer_query(self.endpoint, op, self._exchange(environ, method))
        except HttpError as exc:
            answer = _error(exc.status, exc.title, exc.detail, list(exc.headers.items()))
        except StoreError as exc:
            log.error("store unavailable: %s", exc)
            answer = _error(503, "store unavailable", "the store cannot be opened; see the log")
        except Exception:
            log.exception("error answering %s /sparql", method)
            answer = _error(500, "internal error", "the server failed; see its log")
        headers = answer.headers
        headers.extend(CORS_HEADERS)
        return answer.status, headers, answer.body

    def _exchange(self, environ: dict[str, Any], method: str) -> Exchange:
        base = self.base_url
        if not base:
            scheme = environ.get("wsgi.url_scheme", "http")
            host = environ.get("HTTP_HOST", "")
            if scheme == "http" and host.endswith(":80"):
                host = host[:-3]
            elif scheme == "https" and host.endswith(":443"):
                host = host[:-4]
            base = f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}"
        return Exchange(
            method,
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_ACCEPT_ENCODING", ""),
            environ.get("HTTP_IF_NONE_MATCH"),
            base,
        )


_STATUS_LINES = {code: f"{code} {text}" for code, text in HTTP_STATUS_CODES.items()}
