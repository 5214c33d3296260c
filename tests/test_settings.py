"""Settings are declared once: the README's table, the CLI and the code agree, both ways."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cdskg.cli import main
from cdskg.publish.dcat import DEFAULT_BASE_URL, PublishConfig
from cdskg.settings import SETTINGS, Settings, from_env, read, readme_table, setting

ROOT = Path(__file__).resolve().parents[1]
VARIABLE = re.compile(r"\bCDSKG_[A-Z_]*[A-Z]\b")
#: Variables that are not settings: the server hands its settings to its workers in one.
INTERNAL = {"CDSKG_SERVE_SETTINGS", "CDSKG_SLOW_TESTS"}


def test_readme_table_is_made_from_the_declarations() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, (
        "README's settings table differs from cdskg.settings: paste readme_table()'s output"
    )


def test_every_variable_the_code_or_readme_names_is_declared() -> None:
    declared = {s.env for s in SETTINGS}
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py")]
    named = {v for t in texts for v in VARIABLE.findall(t)} - INTERNAL
    assert named - declared == set(), "named but not declared in cdskg.settings"
    assert declared - named == set()


def test_the_environment_is_read_only_in_settings() -> None:
    readers = re.compile(r"os\.environ\.get\(\s*[\"']CDSKG_|os\.getenv\(\s*[\"']CDSKG_")
    for path in (ROOT / "src").rglob("*.py"):
        assert not readers.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("name", ["host", "port", "workers", "threads", "store"])
def test_serve_options_come_from_the_table(name: str) -> None:
    serve = main.commands["serve"]
    option = next(p for p in serve.params if p.name == name)
    assert isinstance(option, click.Option)
    assert option.envvar == setting(name).env
    assert option.default == setting(name).default


def test_max_bytes_flag_is_the_article_size_setting() -> None:
    option = next(p for p in main.commands["build"].params if p.name == "max_bytes")
    assert option.envvar == "CDSKG_MAX_ARTICLE_BYTES"
    assert option.default == Settings().max_article_bytes


def test_from_env_converts_and_overrides_win() -> None:
    s = from_env({"CDSKG_PORT": "9000", "CDSKG_ENABLE_UPDATE": "yes"}, port=9100)
    assert (s.port, s.enable_update) == (9100, True)
    with pytest.raises(ValueError, match="CDSKG_WORKERS='many': not a number"):
        from_env({"CDSKG_WORKERS": "many"})
    assert read("shacl_engine", {}) == "native"
    assert read("shacl_engine", {"CDSKG_SHACL_ENGINE": "pyshacl"}) == "pyshacl"


def test_one_default_for_the_base_url() -> None:
    assert Settings().base_url == ""
    assert PublishConfig.from_settings(Settings()).base_url == DEFAULT_BASE_URL
    config = PublishConfig.from_settings(Settings(base_url="https://x.example/"))
    assert config.base_url == "https://x.example"
