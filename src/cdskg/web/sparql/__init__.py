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
* ``/store?graph=IRI``, ``/store/…`` (direct identification), ``/store?default`` and
  ``/store`` (GET, HEAD): the Graph Store Protocol's read side; ``?default`` is the union
  graph, as for queries. With updates on, its write side too (:mod:`.update`).
* SPARQL Update only when enabled (``CDSKG_ENABLE_UPDATE`` and ``CDSKG_UPDATE_TOKEN``), by
  POST with ``Authorization: Bearer``; each update writes a new store generation.

One module per concern: :mod:`.protocol` (reading a request), :mod:`.query` (the query
path), :mod:`.answers` (spooling, gzip, ETags, errors), :mod:`.cache`, :mod:`.fastpath`
(raw WSGI), :mod:`.description` (Service Description), :mod:`.update`, :mod:`.routes`.
"""

from cdskg.web.sparql.answers import CORS_HEADERS, Answer, Exchange
from cdskg.web.sparql.fastpath import FastPath
from cdskg.web.sparql.protocol import Operation, Params, form_pairs, parse_operation
from cdskg.web.sparql.query import Endpoint, answer_query
from cdskg.web.sparql.routes import bp

__all__ = [
    "CORS_HEADERS",
    "Answer",
    "Endpoint",
    "Exchange",
    "FastPath",
    "Operation",
    "Params",
    "answer_query",
    "bp",
    "form_pairs",
    "parse_operation",
]
