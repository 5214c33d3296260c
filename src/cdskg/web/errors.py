"""The one error shape of the HTTP layer: JSON ``{status, error, detail}``.

Details never carry stack traces or file system paths.
"""

from __future__ import annotations

from flask import Response, jsonify


def error_response(status: int, title: str, detail: str) -> Response:
    resp = jsonify({"status": status, "error": title, "detail": detail})
    resp.status_code = status
    return resp
