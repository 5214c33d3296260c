"""The package's layout keeps its promises (issue 17): one job per module, so a module of over
about 500 lines says in its docstring why it is one module."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "cdskg"
#: "about 500": a module may grow a little past it before it must say why
LIMIT = 520


def test_a_long_module_says_why_it_is_one() -> None:
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= LIMIT:
            continue
        doc = " ".join((ast.get_docstring(ast.parse(text)) or "").split())
        if "Over 500 lines:" not in doc:
            unexplained.append(f"{path.relative_to(PACKAGE)} ({text.count(chr(10))} lines)")
    assert not unexplained, (
        "split these modules, or say in a '(Over 500 lines: …)' sentence of their docstring "
        f"why each is one: {unexplained}"
    )


def test_the_package_top_holds_only_the_entry_points() -> None:
    """The steps of the data flow are rooms of their own (folders); at the top of the package
    are only the entry points and what every room shares."""
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "cli.py", "settings.py", "errors.py"}, top
