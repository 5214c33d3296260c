"""SKOS integrity of the thesaurus (``ontology/thesaurus.ttl``) and its grounding in the official
frameworks: one prefLabel per language, no label shared by two concepts after folding, every
concept in a scheme and reachable, every framework concept sourced to an ELI legal document,
value kinds and units the shapes know, retired notations kept, and the dev corpus covered.

Reads the Turtle files with rdflib only (no cdskg module), so it survives refactorings of src/.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

ROOT = Path(__file__).resolve().parents[1]
THESAURUS = ROOT / "ontology" / "thesaurus.ttl"
SHAPES = ROOT / "shapes"
DEV_CONCEPTS = ROOT / "tests" / "gold" / "dev" / "dev-concepts.json"
DEV_GOLD = ROOT.parent / "shared" / "corpus" / "dev-gold"

CDSKG = Namespace("https://w3id.org/cdskg/ontology#")
ID = "https://w3id.org/cdskg/id/"
ELI = Namespace("http://data.europa.eu/eli/ontology#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")
CDSHAPE = Namespace("https://w3id.org/cdskg/shapes#")
CONTEXT = URIRef(ID + "scheme/context-figures")
LABEL_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)

# Every notation the thesaurus had before issue 19 (published IRIs never break) and the ones
# retired earlier; each must still be declared.
PUBLISHED = set(
    [
        "online-dossier-rate",
        "online-dossier-rate-full",
        "online-dossier-rate-partial",
        "procedure-count",
        "full-online-procedure-rate",
        "boundary-free-procedure-count",
        "dossiers-received",
        "portal-dossier-rate",
        "on-time-rate",
        "satisfaction-rate",
        "service-index-score",
        "online-payment-rate",
        "online-payment-amount",
        "eid-applications",
        "eid-applications-target-rate",
        "eid-activated-accounts",
        "eid-activation-target-rate",
        "digitised-results-rate",
        "digitised-result-types",
        "e-document-rate",
        "signed-document-rate",
        "digital-signature-agency-rate",
        "digital-signature-agencies",
        "specialised-digital-signatures",
        "official-email-accounts",
        "official-email-coverage-rate",
        "document-software-usage-rate",
        "incoming-documents",
        "signed-outgoing-documents",
        "e-result-procedures",
        "essential-public-services",
        "local-public-services",
        "payment-partnership-rate",
        "ioc-subsystems",
        "e-invoice-rate",
        "cashless-payment-rate",
        "cashless-market-units",
        "ecommerce-retail-share",
        "sme-digital-readiness-rate",
        "mobile-money-accounts",
        "bank-accounts",
        "e-health-record-rate",
        "health-stations-with-software",
        "cashless-tuition-rate",
        "smart-school-sites",
        "school-internet-rate",
        "multimedia-classroom-rate",
        "school-data-update-rate",
        "bts-stations",
        "internet-subscribers",
        "cultural-houses-with-wifi",
        "community-digital-teams",
        "community-digital-team-members",
        "community-digital-team-coverage-rate",
        "public-digital-signatures",
        "households-reached",
        "dti-index",
        "dti-rank",
        "dti-digital-government-rank",
        "dti-digital-economy-rank",
        "dti-digital-society-rank",
        "dti-human-resources-rank",
        "dti-cybersecurity-rank",
        "dti-awareness-rank",
        "dti-institutions-rank",
        "dti-infrastructure-rank",
        "targets-total",
        "targets-completed",
        "targets-expected",
        "targets-not-met",
        "targets-not-measured",
        "tasks-total",
        "tasks-completed",
        "tasks-in-progress",
        "tasks-not-started",
        "bottleneck-count",
        "dt-budget-share",
        "dedicated-it-staff",
        "state-budget-revenue",
        "plan-achievement-rate",
        "unclassified",
        "e-document-volume",
        "state-budget-revenue-plan-rate",
        "own-level",
    ]
)
#: abbreviations that name a concept: hidden labels, matched in text like labels
ABBREVIATIONS = {"CĐS", "DTI", "GRDP"}
#: abbreviations of words, written out by the matcher (quantities.toml): no concept's label
WORD_ABBREVIATIONS = {"DVCTT", "TTHC", "TMĐT", "CCCD"}


def fold(text: str) -> str:
    """Accents and case away, "đ" as "d", runs of spaces as one (as the extractor folds)."""
    s = unicodedata.normalize("NFD", text.replace("Ð", "Đ").replace("ð", "đ"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return " ".join(s.replace("Đ", "D").replace("đ", "d").lower().split())


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


@pytest.fixture(scope="module")
def g() -> Graph:
    return Graph().parse(THESAURUS, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _concepts(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef)}


def _deprecated(g: Graph, c: URIRef) -> bool:
    return (c, OWL.deprecated, Literal(True)) in g


def _framework_collections(g: Graph) -> set[URIRef]:
    return {c for c in g.subjects(RDF.type, SKOS.Collection) if g.value(c, DCTERMS.source)}


def _members(g: Graph, collection: URIRef) -> set[URIRef]:
    found, todo = set(), [collection]
    while todo:
        for m in g.objects(todo.pop(), SKOS.member):
            if (m, RDF.type, SKOS.Collection) in g:
                todo.append(m)
            else:
                found.add(m)
    return found


def _in_list(shapes: Graph, shape: URIRef) -> set:
    head = shapes.value(shape, SH["in"])
    assert head is not None, f"{shape} has no sh:in"
    return set(Collection(shapes, head))


def test_one_preflabel_per_language(g: Graph) -> None:
    problems = []
    for s in set(g.subjects(SKOS.prefLabel, None)):
        langs = [o.language for o in g.objects(s, SKOS.prefLabel)]
        if len(langs) != len(set(langs)) or not {"vi", "en"} <= set(langs):
            problems.append(f"{s}: prefLabels {langs}")
    assert not problems, "\n".join(problems)


def test_no_label_is_shared_by_two_concepts_after_folding(g: Graph) -> None:
    """Within a language, a folded prefLabel, altLabel or hiddenLabel names one concept only
    (across schemes too: a phrase that named a pillar and an indicator would be ambiguous)."""
    owner: dict[tuple[str, str], URIRef] = {}
    problems = []
    for c in sorted(_concepts(g)):
        for p in LABEL_PROPERTIES:
            for label in g.objects(c, p):
                key = (label.language or "", fold(str(label)))
                if owner.setdefault(key, c) != c:
                    problems.append(f"{key}: {owner[key]} and {c}")
    assert not problems, "\n".join(problems)


def test_labels_of_one_concept_are_disjoint(g: Graph) -> None:
    """SKOS S13/S14: a concept's pref, alt and hidden labels are pairwise disjoint."""
    problems = []
    for c in _concepts(g):
        seen: dict[tuple[str, str], URIRef] = {}
        for p in LABEL_PROPERTIES:
            for label in g.objects(c, p):
                key = (label.language or "", str(label))
                if seen.setdefault(key, p) != p:
                    problems.append(f"{c}: {key} is both {seen[key]} and {p}")
    assert not problems, "\n".join(problems)


def test_every_concept_is_in_a_scheme(g: Graph) -> None:
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    problems = [c for c in _concepts(g) if not set(g.objects(c, SKOS.inScheme)) & schemes]
    assert not problems, problems


def test_no_orphan(g: Graph) -> None:
    """Every live concept is a top concept, reaches one through skos:broader, or is a member
    of a collection; a retired one points to its successors instead."""
    tops = set(g.objects(None, SKOS.hasTopConcept)) | set(g.subjects(SKOS.topConceptOf, None))
    in_collection = set(g.objects(None, SKOS.member))
    problems = []
    for c in sorted(_concepts(g)):
        if _deprecated(g, c):
            continue
        seen, todo, reached = set(), [c], False
        while todo and not reached:
            x = todo.pop()
            if x in tops:
                reached = True
            seen.add(x)
            todo.extend(b for b in g.objects(x, SKOS.broader) if b not in seen)
        if not reached and c not in in_collection:
            problems.append(str(c))
    assert not problems, "\n".join(problems)


def test_top_concepts_agree(g: Graph) -> None:
    """skos:hasTopConcept and skos:topConceptOf state the same pairs, within the scheme."""
    a = {(s, c) for s, c in g.subject_objects(SKOS.hasTopConcept)}
    b = {(s, c) for c, s in g.subject_objects(SKOS.topConceptOf)}
    assert a == b, sorted(a ^ b)
    for s, c in a:
        assert (c, SKOS.inScheme, s) in g, (s, c)


def test_framework_concepts_have_an_eli_source(g: Graph) -> None:
    """Every member of a framework collection (one with a dcterms:source) cites an ELI legal
    resource with its number and date, minted as cdskg.iri.document() mints it."""
    pattern = tomllib.loads((ROOT / "mappings" / "documents.toml").read_text())["id_pattern"]
    frameworks = _framework_collections(g)
    assert len(frameworks) >= 10
    problems = []
    docs = set()
    for coll in frameworks:
        for m in _members(g, coll):
            sources = set(g.objects(m, DCTERMS.source))
            if not sources:
                problems.append(f"{m} (in {coll}): no dcterms:source")
            docs |= sources
        docs |= set(g.objects(coll, DCTERMS.source))
    for d in docs:
        number = g.value(d, ELI.id_local)
        date = g.value(d, ELI.date_document)
        if (d, RDF.type, ELI.LegalResource) not in g:
            problems.append(f"{d}: not an eli:LegalResource")
        if number is None or not re.match(pattern, str(number)):
            problems.append(f"{d}: eli:id_local {number!r}")
        elif str(d) != ID + "doc/" + slug(str(number)):
            problems.append(f"{d}: IRI is not id/doc/{slug(str(number))}")
        if date is None or date.datatype != XSD.date:
            problems.append(f"{d}: eli:date_document {date!r}")
        if g.value(d, ELI.type_document) is None:
            problems.append(f"{d}: no eli:type_document")
        if {o.language for o in g.objects(d, RDFS.label)} != {"vi", "en"}:
            problems.append(f"{d}: rdfs:label in vi and en")
    assert not problems, "\n".join(problems)


def test_named_documents_cover_the_frameworks(g: Graph) -> None:
    numbers = {str(o) for o in g.objects(None, ELI.id_local)}
    assert {
        "1726/QĐ-BTTTT",
        "922/QĐ-BTTTT",
        "405/QĐ-BKHCN",
        "749/QĐ-TTg",
        "411/QĐ-TTg",
        "766/QĐ-TTg",
        "1354/QĐ-BTTTT",
        "06/QĐ-TTg",
    } <= numbers


def test_known_programmes_agree_with_the_mapping(g: Graph) -> None:
    """A document the mapping resolves by short name ("Đề án 06") has the same number, date and
    type here, so an article's mention and the thesaurus describe one resource alike."""
    rules = tomllib.loads((ROOT / "mappings" / "documents.toml").read_text())
    for name, known in rules.get("known", {}).items():
        d = URIRef(ID + "doc/" + slug(known["id_local"]))
        if g.value(d, ELI.id_local) is None:
            continue
        assert str(g.value(d, ELI.id_local)) == known["id_local"], name
        assert str(g.value(d, ELI.date_document)) == known["date"], name
        doctype = rules["types"][known["type"]]
        assert g.value(d, ELI.type_document) == URIRef(ID + "doctype/" + doctype), name
        # the mapping labels a mention with the name as written: the same literal here keeps
        # rdfs:label one per language when the article graphs and the reference are validated
        # together (cdshape:LegalDocumentLabelShape, sh:uniqueLang)
        assert {str(o) for o in g.objects(d, RDFS.label) if o.language == "vi"} == {name}, name


def test_document_labels_are_written_as_the_mapping_writes_them(g: Graph) -> None:
    """ "{type word} {number}" ("Quyết định 922/QĐ-BTTTT"), the label an article's mention gets."""
    rules = tomllib.loads((ROOT / "mappings" / "documents.toml").read_text())
    words = {v: k for k, v in reversed(list(rules["types"].items()))}
    short = {k for k in rules.get("known", {})}
    for d in set(g.subjects(RDF.type, ELI.LegalResource)):
        vi = {str(o) for o in g.objects(d, RDFS.label) if o.language == "vi"}
        doctype = str(g.value(d, ELI.type_document)).rsplit("/", 1)[-1]
        expected = f"{words[doctype]} {g.value(d, ELI.id_local)}"
        assert vi == {expected} or (len(vi) == 1 and vi <= short), (d, vi, expected)


def test_value_kinds_and_units_are_known_to_the_shapes(g: Graph, shapes: Graph) -> None:
    kinds = {str(k) for k in _in_list(shapes, CDSHAPE.IndicatorValueKindShape)}
    units = _in_list(shapes, CDSHAPE.IndicatorUnitShape)
    problems = []
    for s, kind in g.subject_objects(CDSKG.valueKind):
        if str(kind) not in kinds:
            problems.append(f"{s}: valueKind {kind}")
        unit = g.value(s, CDSKG.unitMeasure)
        if unit not in units:
            problems.append(f"{s}: unit {unit}")
    assert not problems, "\n".join(problems)


def test_every_framework_indicator_is_a_usable_indicator(g: Graph) -> None:
    """Framework members are live cdskg:Indicators with a value kind, a pillar and phrasings."""
    problems = []
    for coll in set(g.subjects(RDF.type, SKOS.Collection)):
        for m in _members(g, coll):
            if (m, RDF.type, CDSKG.Indicator) not in g or _deprecated(g, m):
                problems.append(f"{m}: not a live indicator")
            if g.value(m, CDSKG.valueKind) is None or g.value(m, CDSKG.pillar) is None:
                problems.append(f"{m}: value kind or pillar missing")
    assert not problems, "\n".join(problems)


def test_unverified_concepts_say_so_in_both_languages(g: Graph) -> None:
    for c in set(g.subjects(SKOS.editorialNote)):
        langs = {o.language for o in g.objects(c, SKOS.editorialNote)}
        assert langs == {"vi", "en"}, c


def test_published_notations_never_disappear(g: Graph) -> None:
    notations = {str(o) for o in g.objects(None, SKOS.notation)}
    assert not PUBLISHED - notations, sorted(PUBLISHED - notations)


def test_retired_concepts_point_to_live_successors(g: Graph) -> None:
    problems = []
    for c in _concepts(g):
        if not _deprecated(g, c):
            continue
        successors = list(g.objects(c, DCTERMS.isReplacedBy))
        if not successors:
            problems.append(f"{c}: deprecated without dcterms:isReplacedBy")
        for s in successors:
            if (s, RDF.type, SKOS.Concept) not in g or _deprecated(g, s):
                problems.append(f"{c}: successor {s} is not a live concept")
        if (c, RDF.type, CDSKG.Indicator) in g:
            problems.append(f"{c}: a retired concept must not be offered to the extractor")
    assert not problems, "\n".join(problems)


def test_mapping_rules_name_live_indicators(g: Graph) -> None:
    """Notations the extraction rules name (mappings/quantities.toml) are live indicators or
    name nothing yet; never a retired one."""
    rules = tomllib.loads((ROOT / "mappings" / "quantities.toml").read_text())
    named = set(rules.get("rate_of_count", {}).keys()) | set(rules["rate_of_count"].values())
    by_notation = {str(n): s for s, n in g.subject_objects(SKOS.notation)}
    retired = {n for n in named if n in by_notation and _deprecated(g, by_notation[n])}
    # state-budget-revenue-plan-rate was merged into plan-achievement-rate before issue 19;
    # the rule naming it must move (mappings/quantities.toml [rate_of_count]).
    assert retired <= {"state-budget-revenue-plan-rate"}, retired


def test_abbreviations_are_hidden_labels(g: Graph) -> None:
    """An abbreviation that names a concept is its hidden label; one that abbreviates words
    ("TTHC": thủ tục hành chính) labels no concept, since every figure near it would be
    pulled onto that one, and the matcher writes it out instead."""
    hidden = {str(o) for o in g.objects(None, SKOS.hiddenLabel)}
    assert hidden >= ABBREVIATIONS, ABBREVIATIONS - hidden
    labels = {str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in g.objects(None, p)}
    assert not (hidden | labels) & WORD_ABBREVIATIONS, (hidden | labels) & WORD_ABBREVIATIONS
    toml = tomllib.loads((ROOT / "mappings" / "quantities.toml").read_text(encoding="utf-8"))
    assert set(toml["indicators"]["abbreviations"]) >= WORD_ABBREVIATIONS


def test_context_figures_stay_out_of_the_frameworks(g: Graph) -> None:
    context = set(g.subjects(SKOS.inScheme, CONTEXT))
    assert len(context) >= 10
    members = set().union(*(_members(g, c) for c in g.subjects(RDF.type, SKOS.Collection)))
    assert not context & members
    for c in context:
        assert (CONTEXT, SKOS.hasTopConcept, c) in g, c
        assert g.value(c, CDSKG.pillar) == URIRef(ID + "pillar/overall"), c


def test_scored_indices_have_value_rank_and_change(g: Graph) -> None:
    """Each scored index has its value, its rank and its relative change as distinct concepts."""
    notations = {str(o) for o in g.objects(None, SKOS.notation)}
    for value, rank, change in (
        ("dti-index", "dti-rank", "dti-index-change-rate"),
        (
            "dti-digital-government-value",
            "dti-digital-government-rank",
            "dti-digital-government-change-rate",
        ),
        (
            "dti-digital-economy-value",
            "dti-digital-economy-rank",
            "dti-digital-economy-change-rate",
        ),
        (
            "dti-digital-society-value",
            "dti-digital-society-rank",
            "dti-digital-society-change-rate",
        ),
        ("par-index-score", "par-index-rank", "par-index-change-rate"),
    ):
        assert {value, rank, change} <= notations, (value, rank, change)


@pytest.mark.skipif(not DEV_GOLD.is_dir(), reason="the shared dev corpus is not checked out here")
def test_dev_gold_figures_have_a_concept(g: Graph) -> None:
    """At least 90% of the dev gold figures have a live concept: the gold's own, or the one
    tests/gold/dev/dev-concepts.json gives for facts annotated null (or re-annotated)."""
    overrides = json.loads(DEV_CONCEPTS.read_text(encoding="utf-8"))
    by_notation = {str(n): s for s, n in g.subject_objects(SKOS.notation)}
    live = {
        n
        for n, s in by_notation.items()
        if (s, RDF.type, CDSKG.Indicator) in g and not _deprecated(g, s)
    }
    assert not set(overrides.values()) - live, sorted(set(overrides.values()) - live)
    total, homed, kinds = 0, 0, defaultdict(int)
    for path in sorted(DEV_GOLD.glob("*.json")):
        facts = json.loads(path.read_text(encoding="utf-8")).get("statements") or []
        for i, fact in enumerate(facts):
            if not isinstance(fact.get("value"), (int, float)):
                continue
            total += 1
            concept = overrides.get(f"{path.stem}#{i}", fact.get("concept"))
            if concept in live:
                homed += 1
            else:
                kinds[fact.get("unit")] += 1
    stems = {k.split("#")[0] for k in overrides}
    assert stems <= {p.stem for p in DEV_GOLD.glob("*.json")}
    assert total and homed / total >= 0.9, (homed, total, dict(kinds))


# -- the catalogue query queries/indicators-by-framework.rq ---------------------------------

PREFIXES = {
    "cdskg": str(CDSKG),
    "qb": "http://purl.org/linked-data/cube#",
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "eli": str(ELI),
    "rdfs": str(RDFS),
}


def test_indicators_by_framework_query() -> None:
    """The query lists every framework member once per framework, with its documents and its
    number of figures, zero included (run here on the thesaurus and three observations)."""
    ox = pytest.importorskip("pyoxigraph")
    store = ox.Store()
    store.load(path=str(THESAURUS), format=ox.RdfFormat.TURTLE)
    qb = PREFIXES["qb"]
    ind = ID + "indicator/"
    for i, notation in enumerate(("dti-rank", "dti-rank", "digital-economy-grdp-share")):
        obs = ox.NamedNode(f"{ID}obs/test/{i}")
        store.add(ox.Quad(obs, ox.NamedNode(str(RDF.type)), ox.NamedNode(qb + "Observation")))
        store.add(ox.Quad(obs, ox.NamedNode(str(CDSKG.indicator)), ox.NamedNode(ind + notation)))
    text = (ROOT / "queries" / "indicators-by-framework.rq").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    result = store.query(prologue + body, substitutions={ox.Variable("lang"): ox.Literal("en")})
    rows = [
        {v.value: (s[v.value].value if s[v.value] is not None else None) for v in result.variables}
        for s in result
    ]
    by_key = {
        (r["framework"].rsplit("/", 1)[-1], r["indicator"].rsplit("/", 1)[-1]): r for r in rows
    }
    assert len(by_key) == len(rows)
    assert by_key[("dti-overall", "dti-rank")]["facts"] == "2"
    assert (
        by_key[("dti-overall", "dti-rank")]["partOf"]
        == "provincial digital transformation index (DTI)"
    )
    documents = by_key[("dti-overall", "dti-rank")]["documents"]
    assert sorted(documents.split(", ")) == ["405/QĐ-BKHCN", "922/QĐ-BTTTT"]
    assert by_key[("m1354", "digital-economy-grdp-share")]["facts"] == "1"
    assert by_key[("p749", "egdi-rank")]["facts"] == "0"
    assert by_key[("external", "egdi-rank")]["documents"] is None
    graph = Graph().parse(THESAURUS, format="turtle")
    members = {
        (str(c).rsplit("/", 1)[-1], str(m).rsplit("/", 1)[-1])
        for c in graph.subjects(RDF.type, SKOS.Collection)
        for m in graph.objects(c, SKOS.member)
        if (m, RDF.type, CDSKG.Indicator) in graph
    }
    assert set(by_key) == members
