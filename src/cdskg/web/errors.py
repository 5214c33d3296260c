"""The one error shape of the HTTP layer: JSON ``{status, error, detail}``.

Details never carry stack traces or file system paths: views raise :class:`HttpError`
with a message written for the client, and unexpected exceptions become a bare 500 whose
cause goes to the server log only.
"""

from __future__ import annotations

from flask import Response, jsonify


class HttpError(Exception):
    """An error answer: status, short title, detail for the client, extra headers."""

    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def error_response(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    resp = jsonify({"status": status, "error": title, "detail": detail})
    resp.status_code = status
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def error_bytes(status: int, title: str, detail: str) -> bytes:
    """The same JSON body, for code outside a Flask request (the query watchdog)."""
    import json

    return json.dumps(
        {"status": status, "error": title, "detail": detail}, ensure_ascii=False
    ).encode("utf-8")
