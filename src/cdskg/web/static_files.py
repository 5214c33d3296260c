"""The static files (``/static/…``): under versioned names, cached for a year, gzipped once.

Pages link to ``cdskg.<hash>.css`` (:func:`versioned`, used by :func:`cdskg.web.urls.static`):
the name changes when the content does, so browsers may keep a file for a year without
asking again (``Cache-Control: public, max-age=31536000, immutable``). The plain name
(``/static/cdskg.css``) and a name whose hash is not the current one's (a page from before
an upgrade) still answer, with ``no-cache`` and an ETag. Each worker reads a file once and
keeps it with its gzip form (``yasgui.min.js``: 1 MB, 0.3 MB gzipped), so compressing costs
nothing per request.

>>> split_versioned("vendor/yasgui.min.0123456789.js")
('vendor/yasgui.min.js', '0123456789')
>>> split_versioned("cdskg.css")
('cdskg.css', None)
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, request

from cdskg.web import compression

STATIC = Path(__file__).resolve().parent / "static"
#: Hex digits of the content hash in a versioned name.
HASH_LENGTH = 10
#: A year: what browsers may keep a versioned file for.
IMMUTABLE = "public, max-age=31536000, immutable"
_VERSIONED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[^./]+)$")

bp = Blueprint("static_files", __name__)


@dataclass(frozen=True)
class _File:
    mtime_ns: int
    digest: str
    media: str
    raw: bytes
    gzipped: bytes | None  # None: not worth it (fonts, images)


_cache: dict[Path, _File] = {}
_lock = threading.Lock()


def split_versioned(name: str) -> tuple[str, str | None]:
    """(the plain name, the hash) of a versioned name; (``name``, None) for a plain one."""
    m = _VERSIONED.match(name)
    if m is None:
        return name, None
    return m["stem"] + m["ext"], m["hash"]


def _resolve(name: str) -> Path | None:
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file():
        return None
    return path


def _load(path: Path) -> _File:
    """The file as served, read again only when it changed on disk."""
    mtime = path.stat().st_mtime_ns
    found = _cache.get(path)
    if found is not None and found.mtime_ns == mtime:
        return found
    with _lock:
        raw = path.read_bytes()
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        gz = compression.gzip_bytes(raw) if compression.compressible(media) else None
        if gz is not None and len(gz) >= len(raw):
            gz = None
        digest = hashlib.sha256(raw).hexdigest()[:HASH_LENGTH]
        found = _cache[path] = _File(mtime, digest, media, raw, gz)
    return found


def versioned(name: str) -> str:
    """``name`` with its content hash before the extension (``cdskg.css`` →
    ``cdskg.<hash>.css``); ``name`` itself for a file that is not there."""
    path = _resolve(name)
    if path is None:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or "/" in ext:
        return name
    return f"{stem}.{_load(path).digest}.{ext}"


@bp.get("/static/<path:name>")
def static(name: str) -> Response:
    plain, digest = split_versioned(name)
    path = _resolve(plain) if digest else None
    if path is None:  # a plain name, or a file whose name has a dot-and-hex part of its own
        plain, digest, path = name, None, _resolve(name)
    if path is None:
        abort(404)
    f = _load(path)
    gzipped = f.gzipped is not None and compression.accepts_gzip(
        request.headers.get("Accept-Encoding")
    )
    body = f.gzipped if gzipped and f.gzipped is not None else f.raw
    resp = Response(body, mimetype=f.media)
    resp.headers["Cache-Control"] = IMMUTABLE if digest == f.digest else "no-cache"
    if f.gzipped is not None:
        resp.headers["Vary"] = "Accept-Encoding"
    if gzipped:
        resp.headers["Content-Encoding"] = "gzip"
    resp.set_etag(f.digest + ("-gzip" if gzipped else ""))
    return resp.make_conditional(request)
