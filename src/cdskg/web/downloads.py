"""Downloads of the graph and their DCAT-AP 3 / VoID description.

* ``/downloads`` — the list of files; ``/downloads/NAME`` — one file (``cdskg.ttl``,
  ``cdskg.trig``, ``cdskg.nq``, ``cdskg.jsonld``, ``cdskg.csv``, ``cdskg-PILLAR.csv`` …,
  ``NAME.csv-metadata.json``);
* ``/catalog`` — the DCAT-AP 3 catalogue (with VoID), Turtle by default;
* ``/void`` — the VoID statistics alone.

Files are built on the first request after a build and cached per store version in a
folder shared by the server's workers (``$TMPDIR/cdskg-downloads-<hash of the store
path>/<version>/``); a lock makes concurrent first requests wait for one build. Older
versions' folders are removed when a new one is built. RDF answers are negotiated from
``Accept`` or ``?format=ttl|jsonld|rdf|nt``.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, send_file

from cdskg import dcat
from cdskg.export import MEDIA_TYPES
from cdskg.web.context import settings, store
from cdskg.web.errors import error_response

bp = Blueprint("downloads", __name__)

_RDF_TYPES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
}


def _root() -> Path:
    s = settings()
    key = hashlib.sha256(str(Path(str(s.store)).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"cdskg-downloads-{key}"


def _folder(version: str) -> Path:
    return _root() / version


def _manifest() -> tuple[dict, str, Path]:
    st, version = store()
    folder = _folder(version)
    manifest = dcat.build_downloads(st, version, folder)
    for old in _root().iterdir():
        if old.is_dir() and old.name != version:
            shutil.rmtree(old, ignore_errors=True)
    return manifest, version, folder


def _config() -> dcat.PublishConfig:
    base = settings().base_url or request.host_url.rstrip("/")
    return dcat.PublishConfig.from_env(base_url=base)


def _rdf_format() -> str | None:
    asked = request.args.get("format")
    if asked:
        return asked if asked in _RDF_TYPES else None
    best = request.accept_mimetypes.best_match(
        [_RDF_TYPES["ttl"], *(_RDF_TYPES[f] for f in ("jsonld", "rdf", "nt")), "text/html"],
        default=_RDF_TYPES["ttl"],
    )
    if best in (None, "text/html"):
        return "ttl"
    return next(f for f, t in _RDF_TYPES.items() if t == best)


def _catalog(version: str, manifest: dict) -> list:
    cache = current_app.extensions.setdefault("cdskg.catalog_cache", {})
    config = _config()
    key = (version, config)
    if key not in cache:
        cache.clear()
        st, _ = store()
        cache[key] = dcat.catalog_triples(st, version, manifest, config)
    return cache[key]


def _rdf_response(triples: list, version: str, what: str):
    fmt = _rdf_format()
    if fmt is None:
        return error_response(
            406, "not acceptable", f"no {what} in that format; offered: {', '.join(_RDF_TYPES)}"
        )
    resp = Response(dcat.serialize(triples, fmt), mimetype=_RDF_TYPES[fmt])
    resp.headers["Vary"] = "Accept"
    resp.set_etag(f"{version}-{what}-{fmt}")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp.make_conditional(request)


@bp.get("/downloads")
def index():
    manifest, version, _ = _manifest()
    files = [
        {
            "name": name,
            "format": info["format"],
            "media_type": MEDIA_TYPES[info["format"]],
            "bytes": info["bytes"],
            "sha256": info["sha256"],
            "records": info["records"],
            "pillar": info["pillar"],
        }
        for name, info in manifest["files"].items()
    ]
    return render_template("downloads.html", files=files, version=version)


@bp.get("/downloads/<name>")
def download(name: str):
    manifest, version, folder = _manifest()
    info = manifest["files"].get(name)
    if info is not None:
        mimetype = MEDIA_TYPES[info["format"]]  # Flask adds "; charset=utf-8" to text/*
    elif (
        name.endswith(".csv-metadata.json") and name[: -len("-metadata.json")] in manifest["files"]
    ):
        mimetype = "application/csvm+json"
    else:
        offered = ", ".join(manifest["files"])
        return error_response(404, "not found", f"no download named {name!r}; offered: {offered}")
    return send_file(
        folder / name,
        mimetype=mimetype,
        as_attachment=not name.endswith(".json"),
        download_name=name,
        etag=f"{version}-{name}",
        conditional=True,
    )


@bp.get("/catalog")
def catalog():
    manifest, version, _ = _manifest()
    return _rdf_response(_catalog(version, manifest), version, "catalog")


@bp.get("/void")
def void():
    manifest, version, _ = _manifest()
    return _rdf_response(dcat.void_triples(_catalog(version, manifest)), version, "void")
