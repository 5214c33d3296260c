"""The latest build's validation report, as a page and as JSON (/validation)."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, render_template, request

from cdskg.web.context import store

bp = Blueprint("reports", __name__)


def latest_report() -> dict | None:
    """The newest build report at or before the store version in service."""
    layout = getattr(current_app.extensions["cdskg.store"], "layout", None)
    path = None if layout is None else layout.latest_report()  # a remote store keeps none
    if path is None:
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _problems(report: dict) -> list[dict]:
    """Articles with something held back, unreadable or failed, worst first."""
    rows = []
    for article in report.get("articles", []):
        if article.get("rejected") or article.get("error") or article.get("warnings"):
            rows.append(article)
    rank = {"failed": 0, "rejected": 1, "unreadable": 2}
    return sorted(rows, key=lambda a: (rank.get(a["status"], 3), a["file"]))


@bp.get("/validation")
def validation():
    _store, version = store()
    report = latest_report()
    if request.args.get("format") == "json" or (
        request.accept_mimetypes.best == "application/json"
    ):
        return jsonify({"store_version": version, "report": report})
    return render_template(
        "validation.html",
        report=report,
        version=version,
        problems=_problems(report) if report else [],
    )
