"""pySHACL as a fast reference for tests and benchmarks: rdflib prepares each query once.

90% of pySHACL's time on our shapes is rdflib parsing the same ``sh:select`` again for
every focus node; within :func:`prepared_sparql_queries` rdflib prepares each query text
once (its documented prepared-query path) and reuses it, which gives the same results ten
times faster (``tests/test_shacl.py::test_prepared_queries_do_not_change_pyshacl``). It
patches rdflib's SPARQL processor for the duration of the block, so it lives with the tests
and benchmarks, never in cdskg itself. Not thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache


@contextmanager
def prepared_sparql_queries() -> Iterator[None]:
    """Within this block rdflib prepares each SPARQL query text once and reuses it."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.processor import SPARQLProcessor

    original = SPARQLProcessor.query

    @lru_cache(maxsize=256)
    def prepared(text: str, base: str | None, namespaces: tuple) -> object:
        return prepareQuery(text, initNs=dict(namespaces), base=base)

    def query(self, query, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(query, str):
            query = prepared(query, base, tuple(sorted((initNs or {}).items())))
        return original(self, query, initBindings, initNs, base, DEBUG)

    SPARQLProcessor.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        SPARQLProcessor.query = original  # type: ignore[method-assign]
