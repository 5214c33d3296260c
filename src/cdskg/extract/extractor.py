"""Extraction: from an article's text to typed records with their evidence.

The pipeline calls :meth:`Extractor.extract` once per article. Everything it knows
about the language is data: ``mappings/noise.toml`` (cleaning),
``mappings/quantities.toml`` (figures), the thesaurus (indicators) and the unit table
(places). This module only applies them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from cdskg.extract.articles import SourceArticle, title_of
from cdskg.extract.clean import NoiseRules, clean
from cdskg.extract.gazetteer import Gazetteer, snapshot_for
from cdskg.extract.numbers import parse_number
from cdskg.extract.periods import context_year, find_periods
from cdskg.extract.records import ArticleRecord, Evidence, Mention, Period, Quantity, Skipped
from cdskg.extract.thesaurus import Indicator, PhraseMatch, Thesaurus
from cdskg.extract.units import AdminUnit, load_units
from cdskg.rdf import iri
from cdskg.text.fold import fold
from cdskg.text.normalize import normalize

PERCENT = "http://qudt.org/vocab/unit/PERCENT"
NUM = "http://qudt.org/vocab/unit/NUM"
UNITLESS = "http://qudt.org/vocab/unit/UNITLESS"
VND = "http://qudt.org/vocab/currency/VND"

_SENTENCE_END = re.compile(
    r"(?<=[.!?…;])(?<!TP\.)(?<!Tp\.)(?<!TS\.)(?<!ThS\.)[\"”’)]*\s+(?=[\"“*(–-]?\s*[A-ZĐÀ-Ỹ0-9])|\n+"
)
_PERCENT_AFTER = re.compile(r"\s*(%|phần trăm)")
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
#: a figure: a number, or a ratio of two ("19/19", "118.286/149.647", "83,4/100")
FIGURE = re.compile(rf"(?<![\w.,/])({_NUM})(?:\s*/\s*({_NUM}))?(?![\w/]|[.,]\d)")
_NOUN_AFTER = re.compile(r"\s+((?:[^\W\d_]+\s*){1,4})")
#: "25 dịch vụ công này" ("these 25 public services"): words and "này" right after a count
_THIS_AFTER = re.compile(r"\s+((?:[^\W\d_]+\s+){1,4}?)này(?!\w)")
_CLAUSE_BREAK = re.compile(r"[,;:(]|\s(?:và|với|trong đó|đạt)\s")
_CLAUSE_END = re.compile(r"[;:.(]|,\s*(?=\w)|\strong đó\s")


def _clause_end(after: str) -> int:
    """Where the clause that starts ``after`` ends; a comma ends it only before a capital
    or a digit ("80 nhiệm vụ, Bến Cát …"), not inside a noun phrase ("cán bộ, công chức")."""
    for m in _CLAUSE_END.finditer(after):
        if m.group(0).startswith(","):
            nxt = after[m.end() : m.end() + 1]
            if not (nxt.isupper() or nxt.isdigit()):
                continue
        return m.start()
    return len(after)


#: value kinds of the thesaurus an extracted figure kind may take
_KINDS = {
    "percentage": ("percentage",),
    "count": ("count", "ratio"),
    "ratio": ("ratio", "count"),
    "money": ("money",),
    "score": ("score",),
    "rank": ("rank",),
}
_DEFAULT_UNIT = {
    "percentage": PERCENT,
    "count": NUM,
    "ratio": NUM,
    "money": VND,
    "score": UNITLESS,
    "rank": UNITLESS,
}


@dataclass(frozen=True)
class FigureRules:
    qualifiers: dict[str, str]  # longest first
    qualifiers_after: dict[str, str]
    target_words: tuple[str, ...]
    change_words: tuple[str, ...]
    multipliers: dict[str, int]
    not_a_figure: tuple[tuple[re.Pattern[str], str], ...]
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
            change_words=tuple(fold(w) for w in data["roles"]["change"]),
            multipliers={fold(k): int(v) for k, v in data["multipliers"].items()},
            not_a_figure=tuple(
                (re.compile(r["pattern"]), r["reason"]) for r in data["not_a_figure"]
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
        )


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of the cleaned text, with their offsets."""
    result = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        chunk = text[pos : m.start()]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            result.append(Sentence(pos + lead, m.start(), chunk.strip()))
        pos = m.end()
    tail = text[pos:]
    if tail.strip():
        lead = len(tail) - len(tail.lstrip())
        result.append(Sentence(pos + lead, pos + lead + len(tail.strip()), tail.strip()))
    return result


_CAP = r"[A-ZĐÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ]"
_NAME = rf"{_CAP}[\w]*(?:\s+{_CAP}[\w]*){{1,3}}"
_POST_STOP = re.compile(r"\s+(?:cho biết|kiến nghị|nhấn mạnh|phát biểu|khẳng định|nêu|đề nghị)\b")
_ORG_STOP = re.compile(
    r"\s+(?:đã|đang|sẽ|ngày|công bố|trên|tiếp tục|kiến nghị|cho biết|phê duyệt|là|có|và|với|"
    r"chỉ đạo|ban hành|tổ chức|hướng dẫn|thực hiện)\b"
)
_DIGITS = re.compile(r"\d(?:[\d/.,:h-]*\d)?")
_ANY_DIGIT = re.compile(r"\d")
_ACRONYM = re.compile(r"\s*\([^()]{1,12}\)")
_DATE_AFTER = re.compile(r"\s+ngày\s+(\d{1,2})\s*[/-]\s*(\d{1,2})\s*[/-]\s*(\d{4})")


@dataclass(frozen=True)
class MentionRules:
    """``mappings/mentions.toml``: how people, organisations, documents, platforms and
    the article's own metadata (publisher, authors) are found."""

    person: re.Pattern[str]
    post_before: re.Pattern[str]
    posts: tuple[str, ...]
    org_heads: tuple[str, ...]
    organisation: re.Pattern[str]
    document: re.Pattern[str]
    doc_types: dict[str, str]
    platforms: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...]  # pattern, aliases, name
    source_line: re.Pattern[str]
    author_lines: tuple[re.Pattern[str], ...]
    closing_author: re.Pattern[str]
    lead_prefixes: dict[str, str]
    org_names: tuple[str, ...] = ()
    not_org_names: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path) -> MentionRules:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        honorifics = "|".join(map(re.escape, data["people"]["honorifics"]))
        posts = tuple(sorted(data["people"]["posts"], key=len, reverse=True))
        post_alt = "|".join(map(re.escape, posts))
        heads = tuple(sorted(data["organisations"]["heads"], key=len, reverse=True))
        head_alt = "|".join(map(re.escape, heads))
        types = sorted(data["documents"]["types"], key=len, reverse=True)
        type_alt = "|".join(map(re.escape, types))
        meta = data["metadata"]
        return cls(
            person=re.compile(
                rf"(?<!\w)(?i:{honorifics})\s+(?P<name>{_NAME})"
                rf"(?:\s*[,–-]\s*(?P<post>(?:{post_alt})\b[^,.:;()]*))?"
            ),
            post_before=re.compile(
                rf"(?<!\w)(?P<post>(?:{post_alt})\s+[^,.:;()]*?)\s+(?P<name>{_CAP}\w*\s+"
                rf"{_CAP}\w*\s+{_CAP}\w*)(?=\s+(?:cho biết|nhấn mạnh|phát biểu|khẳng định|nêu))"
            ),
            posts=posts,
            org_heads=heads,
            organisation=re.compile(
                rf"(?<!\w)(?P<org>(?:{head_alt})(?:\s+(?:T[Pp]\.(?=\s)|[\w-]+)){{0,10}})"
            ),
            document=re.compile(
                rf"(?<!\w)(?P<type>(?i:{type_alt}))\s+(?:số\s+)?"
                rf"(?P<id>\d+(?:[/-][\dA-ZĐa-zđ.]+)*(?:[/-][A-ZĐ][\wĐ.-]*)?)(?![\w/])"
            ),
            doc_types={t.lower(): t for t in types},
            platforms=tuple(
                (
                    re.compile(
                        r"(?<!\w)(?:" + "|".join(re.escape(fold(a)) for a in aliases) + r")(?!\w)"
                    ),
                    tuple(fold(a) for a in aliases),
                    name,
                )
                for name, aliases in data["platforms"].items()
            ),
            source_line=re.compile(meta["source_line"], re.MULTILINE),
            author_lines=tuple(re.compile(p) for p in meta["author_lines"]),
            closing_author=re.compile(meta["closing_author"]),
            lead_prefixes=dict(meta.get("lead_prefixes", {})),
            org_names=tuple(sorted(data["organisations"].get("names", []), key=len, reverse=True)),
            not_org_names=tuple(data["organisations"].get("not_names", [])),
        )


def _pick(matches: list[PhraseMatch], nearest: str) -> tuple[Indicator, str]:
    """The phrase that starts first (a phrase after the figure) or ends last (a phrase
    before it), the longer on a tie; its indicator and the phrase as written."""
    if nearest == "start":
        best = min(matches, key=lambda m: (m.start, -(m.end - m.start)))
    else:
        best = max(matches, key=lambda m: (m.end, m.end - m.start))
    return best.indicator, best.phrase


class Extractor:
    """Holds the loaded rules and data; :meth:`extract` is pure per article."""

    def __init__(self, mappings_dir: Path, ontology_dir: Path, today: date | None = None):
        self.noise = NoiseRules.load(mappings_dir / "noise.toml")
        self.figures = FigureRules.load(mappings_dir / "quantities.toml")
        self.mention_rules = MentionRules.load(mappings_dir / "mentions.toml")
        self.thesaurus = Thesaurus.load(ontology_dir)
        self.gazetteer = Gazetteer(load_units())
        self.today = today or date.today()
        self._families: dict[str, str] = {}

    def extract(self, source: SourceArticle) -> ArticleRecord:
        normalized = normalize(source.text)
        cleaned = clean(normalized.text, self.noise)
        text = cleaned.text
        title, _ = title_of(text)
        year = context_year(text, self.today.year)
        snapshot = snapshot_for(f"{year}-12-31" if year < self.today.year else None)
        main = self.gazetteer.main_locality(title, text, snapshot)
        article_iri = iri.article(source.name)
        record = ArticleRecord(
            iri=article_iri,
            name=source.name,
            title=title,
            text=text,
            content_hash=source.content_hash,
            main_locality=main.iri if main else None,
            dropped=[d.as_dict() for d in cleaned.drops],
        )
        if main is None:
            record.warnings.append(
                "no administrative unit found in the article; its figures cannot be placed"
            )
        else:
            record.places[main.iri] = main

        def to_source(start: int, end: int) -> tuple[int, int]:
            n_start, n_end = cleaned.offsets[start], cleaned.offsets[max(end - 1, start)] + 1
            return normalized.to_source(n_start, n_end)

        def evidence(sent: Sentence) -> Evidence:
            s_start, s_end = to_source(sent.start, sent.end)
            return Evidence(
                start=sent.start,
                end=sent.end,
                source_start=s_start,
                source_end=s_end,
                exact=text[sent.start : sent.end],
                prefix=text[max(0, sent.start - 32) : sent.start],
                suffix=text[sent.end : sent.end + 32],
            )

        context_units: list[AdminUnit] = [main] if main else []
        default_period = Period(f"{year}-01-01", f"{year}-12-31", basis="article-context")
        self._metadata(record)
        self._mentions(record, to_source, main)
        seen_keys: set[tuple[str, str, str]] = set()
        state: dict[str, object] = {}
        prev_end = 0
        for sent in split_sentences(text):
            if "\n" in text[prev_end : sent.start]:
                # a new paragraph: no period or scope carries into it
                state.pop("carry", None)
                state.pop("scopes", None)
            prev_end = sent.end
            if sent.start == 0 and sent.text == title:
                continue
            self._sentence(
                record,
                sent,
                evidence(sent),
                main,
                context_units,
                year,
                default_period,
                seen_keys,
                state,
            )
        return record

    # -- metadata and mentions ---------------------------------------------------------

    def _metadata(self, record: ArticleRecord) -> None:
        """Publisher from "Nguồn: …" or a lead prefix ("TPO -"), authors from by-lines."""
        rules = self.mention_rules
        text = record.text
        m = rules.source_line.search(text)
        if m:
            record.publisher = m.group("publisher")
        body = text[len(record.title) :].lstrip()
        if record.publisher is None:
            for prefix, publisher in rules.lead_prefixes.items():
                if re.match(rf"\s*{re.escape(prefix)}\s*[–-]", body, re.MULTILINE) or re.search(
                    rf"(?m)^\s*{re.escape(prefix)}\s*[–-]", body
                ):
                    record.publisher = publisher
                    break
        lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
        tail = [ln for ln in lines[-4:] if not rules.source_line.match(ln)]
        for line in tail:
            for pattern in rules.author_lines:
                a = pattern.match(line)
                if a and a.group("author").strip() not in record.authors:
                    record.authors.append(a.group("author").strip())
                    break
        if not record.authors and tail and len(lines) > 2:
            a = rules.closing_author.match(tail[-1])
            if a:
                record.authors.append(a.group("author").strip())

    def _mentions(self, record: ArticleRecord, to_source, main: AdminUnit | None) -> None:
        """People (with their post and organisation), organisations, legal documents and
        platforms, each once per article, with the evidence of its first mention."""
        rules = self.mention_rules
        text = record.text
        seen: set[tuple[str, str]] = set()

        def ev(start: int, end: int) -> Evidence:
            s0, s1 = to_source(start, end)
            return Evidence(
                start,
                end,
                s0,
                s1,
                text[start:end],
                text[max(0, start - 32) : start],
                text[end : end + 32],
            )

        def add(mention: Mention) -> None:
            # "Trung tâm … (IOC) quận Bình Thủy" is "Trung tâm … quận Bình Thủy"
            name = _ACRONYM.sub("", mention.name)
            key = (mention.kind, mention.identifier or fold(name))
            if key in seen:
                return
            seen.add(key)
            record.mentions.append(mention)

        people: list[tuple[int, Mention]] = []
        matches = [(m, False) for m in rules.person.finditer(text)]
        matches += [(m, True) for m in rules.post_before.finditer(text)]
        for m, post_first in matches:
            if post_first and fold(m.group("name")) in self.gazetteer.table.by_short:
                continue  # "Phó Chủ tịch UBND xã Tân Phú Trung cho biết": a unit, not a name
            post, org = self._split_post(m.group("post"), main)
            mention = Mention(
                "person", m.group("name"), ev(m.start(), m.end()), post=post, organisation=org
            )
            people.append((m.start(), mention))
        # a person named with a post wins over the same person named bare
        people.sort(key=lambda pm: (pm[1].post is None, pm[0]))
        for _, mention in people:
            add(mention)
        for m in rules.document.finditer(text):
            doc_type = rules.doc_types.get(m.group("type").lower(), m.group("type"))
            ident = m.group("id").rstrip(".-/")
            date_m = _DATE_AFTER.match(text, m.end())
            end = date_m.end() if date_m else m.end()
            when = None
            if date_m:
                try:
                    when = date(
                        int(date_m.group(3)), int(date_m.group(2)), int(date_m.group(1))
                    ).isoformat()
                except ValueError:
                    when = None
            add(
                Mention(
                    "document",
                    f"{doc_type} {ident}",
                    ev(m.start(), end),
                    identifier=ident if "/" in ident or "-" in ident else f"{doc_type} {ident}",
                    doc_type=doc_type,
                    date=when,
                )
            )
        folded = fold(text)
        for pattern, aliases, name in rules.platforms:
            # a platform's pattern needs one of its aliases as written: most articles name
            # few platforms, and a substring test is much cheaper than the pattern's scan
            if any(alias in folded for alias in aliases):
                m = pattern.search(folded)
                if m is not None:
                    add(Mention("platform", name, ev(m.start(), m.end())))
        for m in rules.organisation.finditer(text):
            if any(text.startswith(n, m.start()) for n in rules.not_org_names):
                continue
            whole = next((n for n in rules.org_names if text.startswith(n, m.start())), None)
            if whole is not None:
                org = text[m.start() : self._org_unit_end(text, m.start() + len(whole))]
            else:
                org = self._trim_org(m.group("org").strip())
            if len(org.split()) < 2 or org in rules.org_heads:
                continue
            add(Mention("organisation", org, ev(m.start(), m.start() + len(org))))
        record.mentions.sort(key=lambda x: x.evidence.start)

    def _org_unit_end(self, text: str, end: int) -> int:
        """Where a whole organisation name ends: after the bracketed acronym and the unit
        that follow it, if any ("… (IOC) thành phố Bến Cát")."""
        rest = text[end : end + 80]
        gap = re.match(r"(?:\s*\([^()\n]{1,12}\))?\s+", rest)
        units = self.gazetteer.mentions(rest)
        if gap and units and units[0].start == gap.end():
            return end + units[0].end
        acronym = re.match(r"\s*\([^()\n]{1,12}\)", rest)
        return end + acronym.end() if acronym else end

    def _trim_org(self, org: str) -> str:
        """An organisation ends with the unit it belongs to ("UBND tỉnh Cà Mau"), not with
        the name of the person after it; without a unit it ends with its last capitalised
        word and the lowercase syllable that completes it ("Bộ Y tế", "Ban Thường vụ
        Huyện ủy"), not with the words of the sentence that goes on."""
        org = _ORG_STOP.split(org)[0]
        units = self.gazetteer.mentions(org)
        if units:
            return org[: units[0].end]
        words = org.rstrip(".").split()
        head = next((h for h in self.mention_rules.org_heads if org.startswith(h)), "")
        keep = max(1, len(head.split()))
        while len(words) > keep and not words[-1][:1].isupper():
            n = len(words)
            # "Y tế", "Huyện ủy": a capitalised word and the syllable that completes it
            if (
                n - 2 >= keep
                and words[-2][:1].isupper()
                and (n - 2 == keep or not words[-3][:1].isupper())
            ):
                break
            words.pop()
        return " ".join(words)

    def _split_post(
        self, phrase: str | None, main: AdminUnit | None = None
    ) -> tuple[str | None, str | None]:
        """A post phrase split into the post and its organisation ("Chủ tịch", "UBND tỉnh
        Cà Mau"). An organisation named by its level only ("Chủ tịch UBND phường" in an
        article about a ward) is the one of the article's main locality at that level."""
        if not phrase:
            return None, None
        phrase = _POST_STOP.split(phrase.strip())[0].strip()
        best = None
        for head in self.mention_rules.org_heads:
            i = phrase.find(head, 1)
            if i > 0 and (best is None or i < best):
                best = i
        if best is None:
            return phrase, None
        rest = phrase[best:].strip()
        org = self._trim_org(rest)
        if main is not None and org in self.mention_rules.org_heads:
            level = main.name[: len(main.name) - len(main.short)].strip()
            said = rest[len(org) :].split()
            if level and fold(" ".join(said[: len(level.split())])) == fold(level):
                org = f"{org} {level.lower()} {main.short}"
        return phrase[:best].strip(), org

    # -- figures -----------------------------------------------------------------------

    def _sentence(
        self,
        record: ArticleRecord,
        sent: Sentence,
        ev: Evidence,
        main: AdminUnit | None,
        context_units: list[AdminUnit],
        year: int,
        default_period: Period,
        seen_keys: set[tuple[str, str, str]],
        state: dict[str, object] | None = None,
    ) -> None:
        state = state if state is not None else {}
        s = sent.text
        folded = fold(s)
        # what is not a figure only matters where there are digits: a figure, or a number
        # _skip_unseen reports (a quarter of our sentences have none; 21 scans saved)
        blocked: list[tuple[int, int, str]] = (
            [
                (m.start(), m.end(), reason)
                for pattern, reason in self.figures.not_a_figure
                for m in pattern.finditer(s)
            ]
            if _ANY_DIGIT.search(s)
            else []
        )
        periods = [p for p in find_periods(s, year) if not self._is_baseline(folded, p.start)]
        carried = self._carry(s, periods, state)
        snapshot = snapshot_for(periods[0].period.start if periods else f"{year}-06-30")
        placed = self.gazetteer.resolve_all(s, snapshot, context=context_units)
        for _, unit in placed:
            record.places[unit.iri] = unit
        # a sentence that goes on with "Trong đó" keeps the scope of the one before
        # … that opens the sentence before its first figure ("Tại cấp xã, tỷ lệ …"); after
        # a figure it is what the figure counts ("8/8 các xã, phường")
        first = FIGURE.search(s)
        sentence_scope = self._scope(folded[: min(40, first.start() if first else 40)])
        if sentence_scope is None and folded.startswith("trong do"):
            sentence_scope = state.get("scope")  # type: ignore[assignment]
        state["scope"] = sentence_scope
        # scopes stated in this sentence and the one before it, by indicator family
        n = int(state.get("sentence_no", 0)) + 1  # type: ignore[call-overload]
        state["sentence_no"] = n
        scopes: list[tuple[str, str, int]] = [
            e
            for e in state.get("scopes", [])  # type: ignore[attr-defined]
            if e[2] >= n - 1
        ]
        state["scopes"] = scopes

        prev_end = 0
        pending_ratio: tuple[Decimal, Decimal, int] | None = None
        last_count: str | None = None
        for m in FIGURE.finditer(s):
            start, end = m.start(), m.end()
            hit = next(((b0, r) for b0, b1, r in blocked if b0 <= start < b1), None)
            if hit is not None:
                record.skipped.append(Skipped(m.group(0), sent.start + start, hit[1]))
                continue
            if main is None and not placed:
                record.skipped.append(Skipped(m.group(0), sent.start + start, "no locality"))
                continue
            try:
                value = parse_number(m.group(1))
                denominator = parse_number(m.group(2)) if m.group(2) else None
            except ValueError:
                record.skipped.append(Skipped(m.group(0), sent.start + start, "unreadable number"))
                continue
            numerator = None
            stated_end = end
            before_folded = folded[max(0, start - 40) : start]
            after_folded = folded[end : end + 40]
            pct = _PERCENT_AFTER.match(s, end) if denominator is None else None
            if pct:
                kind, stated_end = "percentage", pct.end()
                if pending_ratio and pending_ratio[2] == start:
                    numerator, denominator = pending_ratio[0], pending_ratio[1]
            elif self.figures.rank_before.search(before_folded):
                kind = "rank"
            elif denominator is not None and self.figures.score_after.match(after_folded):
                kind = "score"
            elif denominator is not None:
                rate = self._rate_after(s, folded, end)
                if rate is not None:
                    # the ratio is the numerator and denominator of the rate after it
                    pending_ratio = (value, denominator, rate)
                    record.skipped.append(
                        Skipped(m.group(0), sent.start + start, "numerator/denominator of a rate")
                    )
                    continue
                kind, numerator = "ratio", value
            else:
                kind = "count"
                mult = self._multiplier(s, end)
                if mult:
                    value, stated_end = value * mult[0], mult[1]
                money = self.figures.money_after.match(folded[stated_end : stated_end + 40])
                if money:
                    kind, stated_end = "money", stated_end + money.end()
                elif self.figures.score_after.match(folded[stated_end : stated_end + 40]):
                    kind = "score"
            if kind in ("score", "rank", "ratio"):
                stated_end = self._noun_end(s, stated_end) if kind == "score" else stated_end
            window_start = self._clause_start(s, prev_end, start)
            before = s[window_start:start]
            after = s[stated_end : stated_end + 48]
            after = after[: _clause_end(after)]
            breaks = [b.end() for b in _CLAUSE_BREAK.finditer(s, window_start, start)]
            near = s[breaks[-1] if breaks else window_start : start]
            upto = s[:start]
            if any(folded.startswith(w) for w in self.figures.openers):
                upto = str(state.get("previous", "")) + " " + upto
            indicator, phrase = self._indicator(upto, before, after, kind, last_count, near)
            qualifier = self._qualifier(before, folded[stated_end : stated_end + 16])
            role = self._role(before)
            scope = self._scope(fold(before)) or sentence_scope
            named = any(window_start <= pm.start < start for pm, _ in placed)
            scope = self._family_scope(scope, indicator.notation, scopes, n, named)
            # a unit in brackets after another names that one's parent, not the figure's place
            placed_here = [(pm, u) for pm, u in placed if s[max(0, pm.start - 1) : pm.start] != "("]
            area = self._area(placed_here, start, main, fold(s[window_start:start]), record)
            period = self._period(periods, start, end, s) or carried or default_period
            key = (indicator.notation, area.iri, period.start + (period.end or ""))
            value_start = sent.start + start
            if kind == "percentage" and value > 100 and indicator.value_kind == "percentage":
                record.warnings.append(f"{m.group(0)}% at {value_start}: over 100%, kept as stated")
            seen_keys.add(key)
            unit = _DEFAULT_UNIT[kind] if indicator.notation == "unclassified" else indicator.unit
            record.quantities.append(
                Quantity(
                    value=value,
                    unit=unit,
                    stated=s[start:stated_end],
                    value_start=value_start,
                    value_end=sent.start + stated_end,
                    indicator=indicator.notation,
                    indicator_text=phrase,
                    area=area.iri,
                    period=period,
                    evidence=ev,
                    qualifier=qualifier,
                    role=role,
                    numerator=numerator,
                    denominator=denominator,
                    scope=scope,
                    kind=kind,
                )
            )
            if kind in ("count", "money"):
                last_count = indicator.notation
            prev_end = stated_end
        self._skip_unseen(record, sent, blocked)
        state["previous"] = s

    @staticmethod
    def _skip_unseen(
        record: ArticleRecord, sent: Sentence, blocked: list[tuple[int, int, str]]
    ) -> None:
        """Numbers that no figure match reaches ("16/9/2022": a slash date is not a figure
        nor a ratio) are still reported as skipped, once per blocked span."""
        s = sent.text
        reported = [k.start - sent.start for k in record.skipped if k.start >= sent.start]
        done: list[tuple[int, int]] = []
        for b0, b1, reason in sorted(blocked, key=lambda b: (b[0], b[0] - b[1])):
            if any(b0 <= r < b1 for r in reported) or any(b0 < e and d < b1 for d, e in done):
                continue
            number = _DIGITS.search(s, b0, b1)
            if number is None:
                continue
            number = _DIGITS.match(s, number.start())  # the whole date, not "ngày 16/9"
            done.append((b0, max(b1, number.end())))
            record.skipped.append(Skipped(number.group(0), sent.start + number.start(), reason))

    def _is_baseline(self, folded: str, start: int) -> bool:
        before = folded[max(0, start - 30) : start].rstrip()
        return any(before.endswith(w) for w in self.figures.baseline)

    def _rate_after(self, s: str, folded: str, end: int) -> int | None:
        """Start of the percentage a ratio is the fraction of, if one follows in the clause."""
        m = self.figures.ratio_rate.match(folded[end : end + 60])
        if m is None:
            # "… người dân chiếm tỷ lệ": the words between may hold letters only
            nxt = FIGURE.search(s, end, end + 60)
            if nxt is None or not _PERCENT_AFTER.match(s, nxt.end()):
                return None
            m = self.figures.ratio_rate.match(folded[end : nxt.start()])
            if m is None:
                return None
            return nxt.start()
        nxt = FIGURE.match(s, end + m.end())
        if nxt and _PERCENT_AFTER.match(s, nxt.end()):
            return nxt.start()
        return None

    @staticmethod
    def _noun_end(s: str, end: int) -> int:
        m = re.match(r"\s*điểm", s[end:])
        return end + m.end() if m else end

    def _multiplier(self, s: str, end: int) -> tuple[int, int] | None:
        m = re.match(r"\s+([^\W\d_]+)", s[end:])
        if m and fold(m.group(1)) in self.figures.multipliers:
            return self.figures.multipliers[fold(m.group(1))], end + m.end()
        return None

    @staticmethod
    def _clause_start(s: str, prev_end: int, start: int) -> int:
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(s, prev_end, start)]
        # a clause that is only "đạt" or a qualifier says nothing: look one further back
        for b in reversed(breaks):
            if len(s[b:start].strip()) > 12:
                return b
        return prev_end

    def _indicator(
        self,
        upto: str,
        before: str,
        after: str,
        kind: str,
        last_count: str | None = None,
        near: str = "",
    ):
        """The indicator of a figure: for counts the noun right after them ("254 trạm BTS");
        then the phrase nearest before it in its clause, then the phrase right after it, then
        a wider clause before it, then the rate of the count just before ("thu nhận 47.059 hồ
        sơ, đạt 90,97%"), then the nearest phrase earlier in the sentence."""
        wanted = _KINDS[kind]

        def ok(m: PhraseMatch) -> bool:
            return m.indicator.value_kind in wanted

        whole = self._whole(upto[-80:], after, ok) if kind == "count" else None
        if whole is not None:
            return whole
        this = _THIS_AFTER.match(after) if kind == "count" else None
        if this is not None:
            # "25 dịch vụ công này": the phrase named earlier that starts with those words
            noun = fold(this.group(1).strip())
            pool = [
                m for m in self.thesaurus.matches(upto) if ok(m) and fold(m.phrase).startswith(noun)
            ]
            if pool:
                return _pick(pool, nearest="end")

        after_matches = [m for m in self.thesaurus.matches(after) if m.start < 24 and ok(m)]
        right_after = [m for m in after_matches if m.start <= 3]
        if kind in ("count", "ratio") and right_after:
            return _pick(right_after, nearest="start")
        pool = [m for m in self.thesaurus.matches(near) if ok(m)]
        if pool:
            return _pick(pool, nearest="end")
        if right_after:
            return _pick(right_after, nearest="start")
        pool = [m for m in self.thesaurus.matches(before) if ok(m)]
        if pool:
            return _pick(pool, nearest="end")
        if after_matches:
            return _pick(after_matches, nearest="start")
        if kind == "percentage" and last_count in self.figures.rate_of_count:
            rate = self.thesaurus.indicators.get(self.figures.rate_of_count[last_count])
            if rate is not None:
                return rate, before.strip(" ,;:")[-80:]
        pool = [m for m in self.thesaurus.matches(upto) if ok(m)]
        if pool:
            return _pick(pool, nearest="end")
        noun = _NOUN_AFTER.match(after)
        raw = before.strip(" ,;:") or (noun.group(1).strip() if noun else "")
        return self.thesaurus.unclassified, raw[-80:]

    def _whole(
        self, upto: str, after: str, ok: Callable[[PhraseMatch], bool]
    ) -> tuple[Indicator, str] | None:
        """The indicator of a count that is a whole ("Trong 41 chỉ tiêu"), given the text
        before it (``upto``, which may hold an earlier figure, "Trong 41 chỉ tiêu và 80"):
        the thesaurus phrase made of ``totals.phrase`` and the noun after the count."""
        rules = self.figures
        if rules.total_before is None or not rules.total_before.search(fold(upto)):
            return None
        noun = _NOUN_AFTER.match(after)
        if noun is None:
            return None
        words = noun.group(1).strip()
        head = f"{rules.total_phrase} "
        found = [m for m in self.thesaurus.matches(head + words) if m.start == 0 and ok(m)]
        if not found:
            return None
        best = max(found, key=lambda m: m.end)
        return best.indicator, words[: best.end - len(head)]

    def _qualifier(self, before: str, after_folded: str = "") -> str:
        for word, qualifier in self.figures.qualifiers_after.items():
            if after_folded.lstrip(" %").startswith(word):
                return qualifier
        tail = fold(before).rstrip()
        for word, qualifier in self.figures.qualifiers.items():  # longest first
            if tail.endswith(word) and (
                len(tail) == len(word) or not tail[-len(word) - 1].isalnum()
            ):
                return qualifier
        return "exact"

    def _role(self, before: str) -> str:
        folded = fold(before)
        if any(w in folded for w in self.figures.target_words):
            return "target"
        tail = folded.rstrip()
        # "tăng hơn 25 điểm": the change word comes before the qualifier
        for word in self.figures.qualifiers:  # longest first
            if tail.endswith(" " + word) or tail == word:
                tail = tail[: -len(word)].rstrip()
                break
        if any(tail.endswith(w) for w in self.figures.change_words):
            return "change"
        return "actual"

    def _scope(self, folded_window: str) -> str | None:
        """The scope phrase ending last in the window; the longer one of two ending at the
        same place ("bình quân các phường" over "các phường")."""
        best: tuple[int, int, str] | None = None
        for phrase, scope in self.figures.scopes.items():
            i = folded_window.rfind(phrase)
            if i >= 0 and (best is None or (i + len(phrase), len(phrase)) > best[:2]):
                best = (i + len(phrase), len(phrase), scope)
        return best[2] if best else None

    def _family(self, notation: str) -> str:
        """An indicator's family: the shortest notation of the thesaurus that is it or its
        prefix ("online-dossier-rate-full" → "online-dossier-rate")."""
        family = self._families.get(notation)
        if family is None:
            parts = notation.split("-")
            family = next(
                (
                    "-".join(parts[:i])
                    for i in range(1, len(parts))
                    if "-".join(parts[:i]) in self.thesaurus.indicators
                ),
                notation,
            )
            self._families[notation] = family
        return family

    def _family_scope(
        self,
        scope: str | None,
        notation: str,
        scopes: list[tuple[str, str, int]],
        sentence_no: int,
        named: bool = False,
    ) -> str | None:
        """A figure's own scope is recorded for its indicator family; a figure without one
        that names no unit in its clause takes the latest scope of its family stated in
        its sentence or the one before. "whole" is no breakdown."""
        if notation == "unclassified":
            return None if scope == "whole" else scope
        family = self._family(notation)
        if scope is not None:
            scopes.append((scope, family, sentence_no))
        elif not named:
            scope = next((stated for stated, f, _ in reversed(scopes) if f == family), None)
        return None if scope == "whole" else scope

    def _area(
        self,
        placed,
        start: int,
        main: AdminUnit | None,
        folded_before: str = "",
        record: ArticleRecord | None = None,
    ) -> AdminUnit:
        before = [(m, u) for m, u in placed if m.start < start]
        if before:
            return before[-1][1]
        if main is not None:
            for phrase, level in self.figures.parent_refs.items():
                if phrase in folded_before:
                    parent = self.gazetteer.ancestor_at(main, level)
                    if parent is not None:
                        if record is not None:
                            record.places[parent.iri] = parent
                        return parent
            return main
        return placed[0][1]

    def _carry(self, s: str, periods, state: dict[str, object]) -> Period | None:
        """The period carried into this sentence from an earlier one of its paragraph
        (``[periods]`` in ``quantities.toml``); updates what carries on to the next."""
        if periods:
            carriers = [p for p in periods if p.kind in self.figures.carry_kinds]
            if carriers:
                stated = carriers[-1].period
                state["carry"] = Period(stated.start, stated.end, basis="carried")
            else:
                state.pop("carry", None)
            return None
        if self.figures.present is not None and self.figures.present.search(s):
            state.pop("carry", None)
            return None
        return state.get("carry")  # type: ignore[return-value]

    @staticmethod
    def _period(periods, start: int, end: int, s: str) -> Period | None:
        """The period stated nearest before the figure (the most specific first); else one
        stated after it in the same clause, unless it opens the next figure's clause
        ("…, tỷ lệ … năm học 2022-2023 đạt 30%")."""
        if not periods:
            return None
        before = [p for p in periods if p.start < start]
        if before:
            return min(before, key=lambda p: (p.priority, start - p.end)).period
        after = []
        for p in periods:
            if ";" in s[end : p.start]:
                continue
            nxt = FIGURE.search(s, p.end)
            if nxt is not None and len(s[p.end : nxt.start()].split()) <= 2:
                continue
            after.append(p)
        if not after:
            return None
        return min(after, key=lambda p: (p.priority, p.start)).period


__all__ = ["Decimal", "Extractor", "split_sentences"]
