"""`cdskg extract`: the facts of articles without a store, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cdskg.cli import main

PARAS = Path(__file__).resolve().parent / "paragraphs"


def test_extract_json_has_facts_sentences_and_skipped_numbers() -> None:
    result = CliRunner().invoke(
        main, ["extract", "--format", "json", str(PARAS / "01_xa_commune.txt")]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    (article,) = doc["articles"]
    assert article["article"] == "01_xa_commune.txt"
    rate = next(f for f in article["facts"] if f["stated"] == "72,5%")
    assert rate["indicator"] == "online-dossier-rate"
    assert rate["value"] == "72.5" and "72,5%" in rate["sentence"]
    assert article["skipped"] and all(k["reason"] for k in article["skipped"])


def test_extract_table_names_each_figure_and_its_sentence() -> None:
    result = CliRunner().invoke(main, ["extract", str(PARAS / "09_huyen_unclassified.txt")])
    assert result.exit_code == 0, result.output
    assert "09_huyen_unclassified.txt" in result.output
    assert "27" in result.output and "«" in result.output
    assert "numbers skipped" in result.output  # "Năm 2024": a year, not a figure


def test_extract_unreadable_file_is_named_and_the_others_still_shown(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Ti\xeau \xf0e\n\x81\x82 text")
    result = CliRunner().invoke(
        main, ["extract", str(bad), str(PARAS / "09_huyen_unclassified.txt")]
    )
    assert result.exit_code == 1
    assert "bad.txt" in result.stderr and "UTF-8" in result.stderr
    assert "09_huyen_unclassified.txt" in result.stdout


def test_extract_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "nope.txt" in result.stderr and "no such file" in result.stderr


def test_extract_a_folder_without_articles_says_what_to_give(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(tmp_path)])
    assert result.exit_code == 2
    assert "no article files" in result.stderr and "give article files" in result.stderr
