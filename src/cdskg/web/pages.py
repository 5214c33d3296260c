"""HTML pages for people: the home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from cdskg.stats import summary
from cdskg.web.context import store

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    st, version = store()
    return render_template("home.html", summary=summary(st), version=version)
