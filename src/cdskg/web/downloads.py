"""Downloads of the graph and their DCAT-AP 3 / VoID description.

* ``/downloads`` — the list of files, each with what it holds; ``/downloads/NAME`` — one
  file (``cdskg.ttl``, ``cdskg.trig``, ``cdskg.nq``, ``cdskg.jsonld``, ``cdskg.csv``, the facts
  alone ``cdskg-facts.nq``, ``cdskg-PILLAR.csv`` …, ``NAME.csv-metadata.json``), sent gzipped
  (``Content-Encoding: gzip``, from a copy written with the files) to clients that take it;
* ``/catalog`` — the DCAT-AP 3 catalogue (with VoID), Turtle by default;
* ``/void`` — the VoID statistics alone.

Files are written once per store version, after the first request that needs them, by a
process of their own (:mod:`cdskg.publish.prepare`) into a folder shared by the server's workers
(``$TMPDIR/cdskg-downloads-<hash of the store path>/<version>/``). A request waits for them
up to ``CDSKG_DOWNLOADS_WAIT`` seconds (a small store's files take well under one), then
answers ``503`` with ``Retry-After`` while a large store's are still being written. Older
versions' folders are removed once a newer one is ready. RDF answers are negotiated from
``Accept`` or ``?format=ttl|jsonld|rdf|nt``.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, send_file

from cdskg.publish import dcat, prepare
from cdskg.publish.datafiles import FACTS_FILE
from cdskg.publish.export import MEDIA_TYPES
from cdskg.rdf import formats
from cdskg.rdf.namespaces import CDSKG, RDF
from cdskg.store.remote import is_url
from cdskg.web.compression import accepts_gzip
from cdskg.web.context import settings, store
from cdskg.web.errors import HttpError, error_response

bp = Blueprint("downloads", __name__)
log = logging.getLogger("cdskg.web")

#: The catalogue's formats; ``rdf`` (RDF/XML) is the name DCAT clients know it by.
_RDF_TYPES = {
    name: formats.RDF[fmt].media
    for name, fmt in (("ttl", "ttl"), ("jsonld", "jsonld"), ("rdf", "xml"), ("nt", "nt"))
}


def _root() -> Path:
    return prepare.downloads_root(Path(str(settings().store)))


def _folder(version: str) -> Path:
    return _root() / version


def not_on_remote(what: str) -> None:
    """Refuse what is prepared in files beside a store folder, on a remote store."""
    if is_url(settings().store):
        raise HttpError(
            501,
            "not available on a remote store",
            f"{what} are prepared beside a store folder; this server reads a SPARQL server"
            " (`--store http…`): use `cdskg export --store URL …` for the files",
        )


def _manifest() -> tuple[dict, str, Path]:
    """The manifest of the current version's files; raises a 503 while they are written."""
    not_on_remote("the download files, /catalog and /void")
    _st, version = store()
    folder = _folder(version)
    s = settings()
    assert s.store is not None  # create_app refuses to start without one
    found = prepare.ensure(Path(s.store), version, folder, wait=s.downloads_wait)
    if isinstance(found, prepare.Pending):
        if found.failed:
            log.error(
                "writing the downloads of %s failed: %s (details: %s)",
                version,
                found.failed,
                folder / prepare.LOG_NAME,
            )
            raise HttpError(
                500,
                "downloads failed",
                f"writing the download files of store version {version} failed"
                f" ({found.failed}); it is tried again in a minute, see the server log",
                {"Retry-After": str(int(prepare.RETRY_AFTER_FAILURE))},
            )
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(found.since))
        raise HttpError(
            503,
            "downloads being prepared",
            f"the download files of store version {version} are being written (since"
            f" {started}); a large store takes minutes, try again shortly",
            {"Retry-After": "30"},
        )
    for old in _root().iterdir():
        if old.is_dir() and old.name != version:
            shutil.rmtree(old, ignore_errors=True)
    return found, version, folder


def _config() -> dcat.PublishConfig:
    base = settings().base_url or request.host_url.rstrip("/")
    return dcat.PublishConfig.from_settings(settings(), base_url=base)


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
            "part": info.get("part", "pillar" if info["pillar"] else "whole"),
            "gzip_bytes": info.get("gzip_bytes"),
        }
        for name, info in manifest["files"].items()
    ]
    return render_template(
        "downloads.html", files=files, version=version, share=_facts_share(manifest)
    )


def _facts_share(manifest: dict) -> dict[str, object] | None:
    """How much of the whole graph the facts are (the rest is reference data), for the page."""
    files = manifest["files"]
    whole, facts = files.get("cdskg.nq"), files.get(FACTS_FILE)
    if not whole or not facts or not whole["records"]:
        return None
    st, version = store()
    return {
        "whole": whole["records"],
        "facts": facts["records"],
        "percent": f"{100 * facts['records'] / whole['records']:.1f}",
        "units": _unit_count(st, version),
        "name": FACTS_FILE,
    }


def _unit_count(st, version: str) -> int:
    cache = current_app.extensions.setdefault("cdskg.unit_count", {})
    if version not in cache:
        cache.clear()
        unit = ox.NamedNode(CDSKG + "AdministrativeUnit")
        rdf_type = ox.NamedNode(RDF + "type")
        cache[version] = len({q.subject for q in st.quads_for_pattern(None, rdf_type, unit)})
    return cache[version]


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
    # the gzip copy written beside the file, for clients that take gzip: the same file
    # for them (browsers, curl --compressed unpack it), a tenth of the bytes on the wire
    packed = folder / f"{name}.gz"
    gzipped = accepts_gzip(request.headers.get("Accept-Encoding")) and packed.is_file()
    resp = send_file(
        packed if gzipped else folder / name,
        mimetype=mimetype,
        as_attachment=not name.endswith(".json"),
        download_name=name,
        etag=f"{version}-{name}" + ("-gzip" if gzipped else ""),
        conditional=True,
    )
    if packed.is_file():
        resp.headers["Vary"] = "Accept-Encoding"
    if gzipped:
        resp.headers["Content-Encoding"] = "gzip"
    return resp


@bp.get("/catalog")
def catalog():
    manifest, version, _ = _manifest()
    return _rdf_response(_catalog(version, manifest), version, "catalog")


@bp.get("/void")
def void():
    manifest, version, _ = _manifest()
    return _rdf_response(dcat.void_triples(_catalog(version, manifest)), version, "void")
