"""The query path: the per-application state (:class:`Endpoint`) and :func:`answer_query`,
which the Flask view and the raw WSGI fast path both call."""

from __future__ import annotations

import time

import pyoxigraph as ox

from cdskg.errors import QueryError
from cdskg.settings import Settings
from cdskg.store.query import ResultTooLarge, ServiceRefused, result_kind, run_query, write_result
from cdskg.web.context import StoreView
from cdskg.web.errors import HttpError
from cdskg.web.negotiation import choose, from_format_param, offered
from cdskg.web.sparql.answers import (
    Answer,
    Exchange,
    _304,
    _bytes_answer,
    _etag,
    _not_acceptable,
    _not_modified,
    _send,
    _spool,
)
from cdskg.web.sparql.cache import ResultCache
from cdskg.web.sparql.protocol import Operation, _iris

#: Answers computed faster than this are not cached: a cache would save nothing on them.
CACHE_MIN_SECONDS = 0.002


class Endpoint:
    """The query path's per-application state: settings, the store view, the result cache."""

    def __init__(self, settings: Settings, view: StoreView):
        self.settings = settings
        self.view = view
        self.cache = ResultCache(settings.cache_bytes)

    def store(self) -> tuple[ox.Store, str]:
        """The current generation and its version (see :class:`StoreView`)."""
        return self.view.get()


def answer_query(ep: Endpoint, op: Operation, ex: Exchange) -> Answer:
    """Run ``op.query`` and serialise its result as negotiated; the one query path of both
    the Flask view and the raw WSGI fast path.

    :raises HttpError: bad query, format or Accept, a refused SERVICE, a result too large.
    :raises StoreError: the store cannot be opened.
    """
    assert op.query is not None
    cfg = ep.settings
    st, version = ep.store()
    # The base IRI is part of the answer (relative IRIs resolve against it; it comes from the
    # Host header unless CDSKG_BASE_URL is set): one host's answer is never another's.
    key = (
        op.query,
        tuple(op.default_graphs),
        tuple(op.named_graphs),
        op.fmt,
        ex.accept,
        ex.base_url,
    )
    etag = _etag(version, key)
    if ex.method == "GET" and _not_modified(ex.if_none_match, etag):
        return _304(etag, version)
    hit = ep.cache.get(version, key)
    if hit is not None:
        media, body = hit
        return _bytes_answer(body, media, version, etag, ex)
    started = time.perf_counter()
    try:
        result = run_query(
            st,
            op.query,
            default_graph=_iris(op.default_graphs, "default-graph-uri"),
            named_graphs=_iris(op.named_graphs, "named-graph-uri"),
            allow_service=cfg.enable_service,
            base_iri=ex.base_url + "/sparql",
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
        fmt = _choose(ex.accept, kind)
        if fmt is None:
            raise _not_acceptable(offered(kind))
    spool = _spool(cfg.max_answer_bytes)
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
    # Only answers that cost something to compute are worth memory (and evicting others).
    worth = time.perf_counter() - started >= CACHE_MIN_SECONDS
    return _send(spool, media, version, etag, ex, cache=(ep.cache, key) if worth else None)


_CHOICES: dict[tuple[str | None, str], str | None] = {}


def _choose(accept: str | None, kind: str) -> str | None:
    key = (accept, kind)
    try:
        return _CHOICES[key]
    except KeyError:
        if len(_CHOICES) > 256:
            _CHOICES.clear()
        fmt = _CHOICES[key] = choose(accept, kind)
        return fmt
