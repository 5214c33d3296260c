"""Downloads of the whole graph, built on demand and cached per store version."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, current_app, render_template, send_file

from cdskg.export import EXPORT_FORMATS, export
from cdskg.web.context import store
from cdskg.web.errors import error_response

bp = Blueprint("downloads", __name__)

MEDIA_TYPES = {
    "ttl": "text/turtle",
    "trig": "application/trig",
    "nq": "application/n-quads",
    "jsonld": "application/ld+json",
    "csv": "text/csv",
}


def _cache_dir() -> Path:
    path = current_app.extensions.get("cdskg.download_cache")
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="cdskg-downloads-"))
        current_app.extensions["cdskg.download_cache"] = path
    return path


@bp.get("/downloads")
def index():
    return render_template("downloads.html", formats=EXPORT_FORMATS)


@bp.get("/downloads/cdskg.<fmt>")
def download(fmt: str):
    if fmt not in EXPORT_FORMATS:
        return error_response(
            404, "not found", f"no download in {fmt!r}; offered: {EXPORT_FORMATS}"
        )
    st, version = store()
    target = _cache_dir() / f"cdskg-{version}.{fmt}"
    if not target.exists():
        partial = target.with_suffix(target.suffix + ".partial")
        export(st, fmt, partial)
        partial.replace(target)
    return send_file(
        target,
        mimetype=MEDIA_TYPES[fmt],
        as_attachment=True,
        download_name=f"cdskg.{fmt}",
        etag=f"{version}-{fmt}",
    )
