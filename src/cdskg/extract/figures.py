"""``mappings/quantities.toml``: the rules that say what a figure is and how it is written."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cdskg.rdf.iri import fold
from cdskg.text.prefilter import Prefiltered

PERCENT = "http://qudt.org/vocab/unit/PERCENT"
#: so many per 1,000 ("0,7/1.000 dân"): QUDT's per mille
PERMILLE = "http://qudt.org/vocab/unit/PERMILLE"
NUM = "http://qudt.org/vocab/unit/NUM"
UNITLESS = "http://qudt.org/vocab/unit/UNITLESS"
VND = "http://qudt.org/vocab/currency/VND"
USD = "http://qudt.org/vocab/currency/USD"

PERCENT_AFTER = re.compile(r"\s*(%|điểm\s*%|điểm phần trăm|phần trăm)")
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
#: a figure: a number, or a ratio of two ("19/19", "118.286/149.647", "83,4/100")
FIGURE = re.compile(rf"(?<![\w.,/])({_NUM})(?:\s*/\s*({_NUM}))?(?![\w/]|[.,]\d)")
NOUN_AFTER = re.compile(r"\s+((?:[^\W\d_]+\s*){1,4})")
#: "25 dịch vụ công này" ("these 25 public services"): words and "này" right after a count
THIS_AFTER = re.compile(r"\s+((?:[^\W\d_]+\s+){1,4}?)này(?!\w)")
CLAUSE_BREAK = re.compile(r"[,;:(]|\s(?:và|với|trong đó|đạt)\s")
CLAUSE_END = re.compile(r"[;:.(]|,\s*(?=\w)|\strong đó\s")


def clause_end(after: str) -> int:
    """Where the clause that starts ``after`` ends; a comma ends it only before a capital
    or a digit ("80 nhiệm vụ, Bến Cát …"), not inside a noun phrase ("cán bộ, công chức")."""
    for m in CLAUSE_END.finditer(after):
        if m.group(0).startswith(","):
            nxt = after[m.end() : m.end() + 1]
            if not (nxt.isupper() or nxt.isdigit()):
                continue
        return m.start()
    return len(after)


#: value kinds of the thesaurus an extracted figure kind may take
KINDS = {
    "percentage": ("percentage",),
    "count": ("count", "ratio"),
    "ratio": ("ratio", "count"),
    "money": ("money",),
    "score": ("score",),
    "rank": ("rank",),
    "multiple": ("multiple", "ratio"),
    "density": ("density", "ratio"),
}
DEFAULT_UNIT = {
    "percentage": PERCENT,
    "count": NUM,
    "ratio": NUM,
    "money": VND,
    "score": UNITLESS,
    "rank": UNITLESS,
    "multiple": UNITLESS,
    "density": PERMILLE,
}


@dataclass(frozen=True)
class FigureRules:
    qualifiers: dict[str, str]  # longest first
    qualifiers_after: dict[str, str]
    target_words: tuple[str, ...]
    #: the words above as one pattern on folded text, whole words only ("se" is not "sen")
    target_pattern: re.Pattern[str]
    #: modal words after a figure's number that make it a target ("sẽ", "phải"), folded
    target_after: re.Pattern[str]
    #: words in a figure's clause that make it a result among targets (folded)
    actual_pattern: re.Pattern[str]
    #: nouns that, right after a count, make it a count of goals set, not a goal ("đề ra 41
    #: chỉ tiêu" sets 41 targets: that 41 is a result), folded
    goal_nouns: re.Pattern[str]
    #: the nouns of places counted, as the first words of a count's noun or label (folded)
    place_heads: re.Pattern[str]
    #: groups of nouns that tell what a figure counts apart (folded)
    noun_groups: tuple[tuple[str, ...], ...]
    change_words: tuple[str, ...]
    multipliers: dict[str, int]
    #: the same, as written with tones (lower case): what the text is read with
    multipliers_toned: dict[str, int]
    not_a_figure: tuple[tuple[Prefiltered, str], ...]
    rank_before: re.Pattern[str]
    score_after: re.Pattern[str]
    money_after: re.Pattern[str]
    ratio_rate: re.Pattern[str]
    scopes: dict[str, str]
    parent_refs: dict[str, str]
    baseline: tuple[str, ...]
    rate_of_count: dict[str, str]
    openers: tuple[str, ...] = ()
    total_before: re.Pattern[str] | None = None
    total_phrase: str = ""
    carry_kinds: frozenset[str] = frozenset()
    present: re.Pattern[str] | None = None
    #: the score an indicator needs to be given to a figure (cdskg.extract.indicators)
    indicator_threshold: float = 0.5
    abbreviations: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)
    #: read in a figure's phrase only, not in the thesaurus's labels
    phrase_synonyms: dict[str, str] = field(default_factory=dict)
    below_province: dict[str, str] = field(default_factory=dict)
    #: an index stated for the provinces at the country ("Đối với cấp tỉnh, giá trị DTI đạt
    #: …") → the concept of the provinces' average
    provinces_average: dict[str, str] = field(default_factory=dict)
    comparison_words: tuple[str, ...] = ()
    anaphora_words: tuple[str, ...] = ()
    difference_from: tuple[str, ...] = ()
    definition_factor: float = 0.0
    tones: bool = True
    rank_after: re.Pattern[str] | None = None

    @classmethod
    def load(cls, path: Path) -> FigureRules:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        kinds = data["kinds"]
        return cls(
            # longest first (ties in file order): the order both _qualifier and _role try
            qualifiers=dict(
                sorted(
                    {fold(k): v for k, v in data["qualifiers"].items()}.items(),
                    key=lambda kv: -len(kv[0]),
                )
            ),
            qualifiers_after={fold(k): v for k, v in data.get("qualifiers_after", {}).items()},
            target_words=tuple(fold(w) for w in data["roles"]["target"]),
            target_pattern=_words_pattern(data["roles"]["target"]),
            target_after=_words_pattern(data["roles"].get("target_after", [])),
            actual_pattern=_words_pattern(data["roles"].get("actual", [])),
            goal_nouns=_words_pattern(data["roles"].get("goal_nouns", [])),
            place_heads=_heads_pattern(data.get("indicators", {}).get("place_heads", [])),
            noun_groups=tuple(
                tuple(fold(w) for w in group)
                for group in data.get("indicators", {}).get("noun_groups", [])
            ),
            change_words=tuple(fold(w) for w in data["roles"]["change"]),
            multipliers={fold(k): int(v) for k, v in data["multipliers"].items()},
            multipliers_toned={k.lower(): int(v) for k, v in data["multipliers"].items()},
            not_a_figure=tuple(
                (Prefiltered(re.compile(r["pattern"])), r["reason"]) for r in data["not_a_figure"]
            ),
            rank_before=re.compile(kinds["rank_before"]),
            score_after=re.compile(kinds["score_after"]),
            money_after=re.compile(kinds["money_after"]),
            ratio_rate=re.compile(data["ratio_rate"]["between"]),
            scopes={fold(k): v for k, v in data.get("scopes", {}).items()},
            parent_refs={fold(k): v for k, v in data.get("parent_refs", {}).items()},
            baseline=tuple(fold(w) for w in data.get("baseline", {}).get("before", [])),
            rate_of_count=dict(data.get("rate_of_count", {})),
            openers=tuple(fold(w) for w in data.get("continuation", {}).get("openers", [])),
            total_before=re.compile(data["totals"]["before"]) if "totals" in data else None,
            total_phrase=data.get("totals", {}).get("phrase", ""),
            carry_kinds=frozenset(data.get("periods", {}).get("carry", [])),
            present=re.compile(data["periods"]["present"])
            if "present" in data.get("periods", {})
            else None,
            indicator_threshold=float(data.get("indicators", {}).get("threshold", 0.5)),
            abbreviations=dict(data.get("indicators", {}).get("abbreviations", {})),
            synonyms=dict(data.get("indicators", {}).get("synonyms", {})),
            phrase_synonyms=dict(data.get("indicators", {}).get("phrase_synonyms", {})),
            below_province=dict(data.get("indicators", {}).get("below_province", {})),
            provinces_average=dict(data.get("indicators", {}).get("provinces_average", {})),
            rank_after=re.compile(kinds["rank_after"]) if "rank_after" in kinds else None,
            tones=bool(data.get("indicators", {}).get("tones", True)),
            definition_factor=float(data.get("indicators", {}).get("definitions", 0.0)),
            comparison_words=tuple(
                fold(w) for w in data.get("indicators", {}).get("comparison", [])
            ),
            anaphora_words=tuple(fold(w) for w in data.get("indicators", {}).get("anaphora", [])),
            difference_from=tuple(
                fold(w) for w in data.get("indicators", {}).get("difference_from", [])
            ),
        )


def _heads_pattern(words: list[str]) -> re.Pattern[str]:
    """Any of ``words`` as the first whole words of folded text; never matches for none."""
    return _alternation(words, "^")


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    """Any of ``words`` as whole words in folded text; a pattern that never matches for none."""
    return _alternation(words, "(?<![a-z0-9])")


def _alternation(words: list[str], before: str) -> re.Pattern[str]:
    """``words`` folded, longest first, after ``before`` and ending a word."""
    if not words:
        return re.compile(r"(?!)")
    alternatives = "|".join(re.escape(fold(w)) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"{before}(?:{alternatives})(?![a-z0-9])")
