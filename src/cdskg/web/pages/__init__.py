"""HTML pages for people: home, search, resource pages for every minted IRI (``/id/…``),
the ontology documentation, the query catalogue (pages and JSON/CSV API).

One blueprint, ``bp``, with the views in one module per page kind. Every view reads the
request, calls the helpers of :mod:`.graph` or the catalogue, and renders a template;
article text reaches templates as plain strings (Jinja escapes them), never as markup.
"""

from cdskg.web.pages import (  # noqa: F401  (register views)
    home,
    ontology,
    queries,
    resources,
    search,
    tables,
    vocabulary,
)
from cdskg.web.pages.common import bp, with_prologue
from cdskg.web.pages.graph import compact

__all__ = ["bp", "compact", "with_prologue"]
