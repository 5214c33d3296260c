"""The declarative mapping (mappings/rdf.toml): checked at load, and what it says is what
the mapping does. The golden cases (test_mapping_golden.py) pin the project file's output."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdskg.extract.records import Mention
from cdskg.extract.thesaurus import Thesaurus
from cdskg.mapping.mapper import MappingRules, map_article
from cdskg.mapping.predicates import PREDICATES
from cdskg.mapping.templates import CONTEXTS, TemplateError, Templates
from cdskg.mapping.terms import MINTERS
from test_mapping_golden import GOLDEN, load_record

REPO = Path(__file__).resolve().parents[1]
RDF_TOML = REPO / "mappings" / "rdf.toml"
CDSKG = "https://w3id.org/cdskg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load(REPO / "ontology")


def edited(tmp_path: Path, old: str, new: str, *, count: int = 1) -> Path:
    """A copy of mappings/ whose rdf.toml has ``old`` replaced by ``new``."""
    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    text = RDF_TOML.read_text(encoding="utf-8")
    assert old in text, old
    (folder / "rdf.toml").write_text(text.replace(old, new, count), encoding="utf-8")
    return folder


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, line in enumerate(lines) if text in line)


def test_the_project_templates_load_and_are_all_used() -> None:
    templates = Templates.load(RDF_TOML)
    names = set(templates.nodes)
    used = set(re.findall(r'node = "([^"{]+)"', RDF_TOML.read_text(encoding="utf-8")))
    used |= {"article"}
    used |= {n for n in names if n.endswith("_mention")}  # picked by "{kind}_mention"
    assert names == used
    assert {t.applies_to for t in templates.nodes.values()} <= set(CONTEXTS)


def test_every_condition_is_used_and_made_for_a_kind_of_node() -> None:
    text = RDF_TOML.read_text(encoding="utf-8")
    used = set(re.findall(r'(?:when|where) = "([^"]+)"', text))
    assert used == set(PREDICATES)
    assert {applies_to for applies_to, _ in PREDICATES.values()} <= set(CONTEXTS)


# (what is replaced, by what, the line's marker in the edited file, expected message part)
MALFORMED = {
    "unknown field": (
        'field = "stated" }',
        'field = "stated_as" }',
        "stated_as",
        "[node.observation] property 13 (cdskg:statedAs): unknown field 'stated_as' of Quantity",
    ),
    "unknown field of a root": (
        'iri = "concept.pillar"',
        'iri = "concept.pilar"',
        "concept.pilar",
        "unknown field 'pilar' of 'concept' (Indicator)",
    ),
    "unknown minting function": (
        'mint = "observation"',
        'mint = "observaton"',
        "observaton",
        "[node.observation]: subject: unknown minting function 'observaton'",
    ),
    "wrong number of arguments": (
        'args = ["article.iri", "value_start", "indicator", "shared_by"]',
        'args = ["article.iri", "value_start"]',
        'args = ["article.iri", "value_start"]',
        "observation(article_iri, start, indicator_notation, place) cannot take 2 argument(s)",
    ),
    "bad datatype": (
        'field = "value", datatype = "xsd:decimal"',
        'field = "value", datatype = "xsd:float"',
        "xsd:float",
        "[node.observation] property 8 (sdmx-measure:obsValue): bad datatype 'xsd:float'",
    ),
    "datatype that does not fit the field": (
        'field = "group.statement_index", datatype = "xsd:integer"',
        'field = "group.statement_index", datatype = "xsd:date"',
        "group.statement_index",
        "datatype xsd:date needs a str value, the field is int",
    ),
    "language tag on a number": (
        'field = "value", datatype = "xsd:decimal"',
        'field = "value", lang = "vi"',
        'field = "value", lang',
        "needs a str value, the field is Decimal",
    ),
    "unknown prefix": (
        'p = "cdskg:statedAs"',
        'p = "cdsk:statedAs"',
        "cdsk:statedAs",
        "predicate 'cdsk:statedAs': unknown prefix 'cdsk'",
    ),
    "unknown node template": (
        'node = "period"',
        'node = "periode"',
        "periode",
        "[node.observation] property 3 (sdmx-dimension:refPeriod): unknown node template 'periode'",
    ),
    "node given the wrong kind of value": (
        'p = "cdskg:evidence", node = "evidence", from = "evidence" }',
        'p = "cdskg:evidence", node = "evidence", from = "period" }',
        'node = "evidence", from = "period"',
        "node 'evidence' applies to evidence (Evidence), but is given Period",
    ),
    "each over a value that is not a list": (
        'each = "authors"',
        'each = "title"',
        'each = "title"',
        "each 'title' is str, not a list or dict",
    ),
    "unknown condition": (
        'when = "has_indicator_text"',
        'when = "indicator_text"',
        'when = "indicator_text"',
        "unknown condition 'indicator_text': name a predicate of cdskg.mapping.predicates",
    ),
    "condition made for another kind of node": (
        'when = "holds_post_in_one_body"',
        'when = "is_former_unit"',
        'when = "is_former_unit"',
        "condition 'is_former_unit' is made for unit, not for mention",
    ),
    "where made for another kind of node": (
        'where = "is_former_unit"',
        'where = "is_instant"',
        'where = "is_instant"',
        "condition 'is_instant' is made for period, not for unit",
    ),
    "two objects": (
        '{ p = "cdskg:statedAs", field = "stated" }',
        '{ p = "cdskg:statedAs", field = "stated", const = "cdskg:X" }',
        'const = "cdskg:X"',
        "needs exactly one of field, iri, const, literal, format, mint, node",
    ),
    "misspelt key": (
        '{ p = "cdskg:statedAs", field = "stated" }',
        '{ p = "cdskg:statedAs", field = "stated", wehn = "has_indicator_text" }',
        "wehn",
        "unknown key(s) ['wehn']",
    ),
    "unknown applies_to": (
        'applies_to = "period"',
        'applies_to = "periods"',
        "periods",
        "[node.period]: applies_to 'periods' is not one of article, observation",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_template_names_the_file_and_the_entry(case: str, tmp_path: Path) -> None:
    old, new, marker, message = MALFORMED[case]
    folder = edited(tmp_path, old, new)
    path = folder / "rdf.toml"
    with pytest.raises(TemplateError) as info:
        Templates.load(path)
    text = str(info.value)
    assert text.startswith(f"{path}:{line_of(path, marker)}: "), text
    assert message in text
    with pytest.raises(TemplateError):  # and the rules of that folder do not load
        MappingRules.load(folder)


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    folder = edited(
        tmp_path, '{ p = "cdskg:statedAs", field = "stated" }', '{ p = "cdskg:statedAs"'
    )
    with pytest.raises(TemplateError, match=r"rdf\.toml: .*line \d+"):
        Templates.load(folder / "rdf.toml")


def test_no_article_template(tmp_path: Path) -> None:
    folder = edited(tmp_path, "[node.article]", "[node.news]")
    with pytest.raises(TemplateError, match=r"rdf\.toml: no \[node\.article\] template"):
        Templates.load(folder / "rdf.toml")


def test_every_minting_function_is_offered() -> None:
    assert {"observation", "evidence", "period", "person", "post", "document"} <= set(MINTERS)


def quads_of(record_case: str, thesaurus: Thesaurus, folder: Path | None = None) -> set[tuple]:
    record = load_record(GOLDEN / record_case / "record.json")
    rules = MappingRules.load(folder) if folder else None
    return {
        (q.subject.value, q.predicate.value, q.object)
        for q in map_article(record, thesaurus, rules=rules).quads
    }


def test_a_template_change_changes_the_output(
    tmp_path: Path, thesaurus: Thesaurus, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = quads_of("percentage-with-ratio", thesaurus)
    # a condition of one's own: a named predicate for observations
    monkeypatch.setitem(
        PREDICATES, "has_ratio", ("observation", lambda x, roots: x.numerator is not None)
    )
    folder = edited(
        tmp_path,
        '{ p = "cdskg:statedAs", field = "stated" },',
        '{ p = "skos:note", field = "stated", lang = "vi" },\n'
        '  { p = "cdskg:kind", field = "kind", when = "has_ratio" },',
    )
    after = quads_of("percentage-with-ratio", thesaurus, folder)
    stated = {(s, o) for s, p, o in before if p == CDSKG + "statedAs"}
    assert stated
    assert not {t for t in after if t[1] == CDSKG + "statedAs"}
    assert {(s, ox.Literal(o.value, language="vi")) for s, o in stated} == {
        (s, o) for s, p, o in after if p == SKOS + "note"
    }
    # the condition: only the figures stated with a numerator get their kind
    kinds = {(s, o.value) for s, p, o in after if p == CDSKG + "kind"}
    with_ratio = {s for s, p, _ in before if p == CDSKG + "numerator"}
    assert with_ratio and {s for s, _ in kinds} == with_ratio
    unchanged = {t for t in before if t[1] != CDSKG + "statedAs"}
    assert unchanged == {t for t in after if t[1] not in (SKOS + "note", CDSKG + "kind")}


def test_a_changed_subject_template_renames_the_nodes(tmp_path: Path, thesaurus: Thesaurus) -> None:
    folder = edited(
        tmp_path,
        'suffix = "#quote" }',
        'suffix = "#q" }',
    )
    before = quads_of("document", thesaurus)
    after = quads_of("document", thesaurus, folder)
    assert any(s.endswith("#quote") for s, _, _ in before)
    assert not any(s.endswith("#quote") for s, _, _ in after)
    renamed = {(s.replace("#quote", "#q"), p, o) for s, p, o in before}
    renamed = {
        (s, p, ox.NamedNode(o.value.replace("#quote", "#q")) if isinstance(o, ox.NamedNode) else o)
        for s, p, o in renamed
    }
    assert renamed == after


def test_mentions_of_a_kind_without_template_are_reported_once(thesaurus: Thesaurus) -> None:
    record = load_record(GOLDEN / "person-with-post" / "record.json")
    evidence = record.mentions[0].evidence
    record.mentions.append(Mention("gadget", "Máy X", evidence))
    quads = map_article(record, thesaurus).quads
    map_article(record, thesaurus)
    assert record.warnings == ["mention of unknown kind 'gadget' not mapped: 'Máy X'"]
    assert not any("may-x" in q.subject.value for q in quads)
