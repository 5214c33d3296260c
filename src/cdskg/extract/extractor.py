"""Extraction: from an article's text to typed records with their evidence.

The pipeline calls :meth:`Extractor.extract` once per article. Everything it knows
about the language is data: ``mappings/noise.toml`` (cleaning),
``mappings/quantities.toml`` (figures), the thesaurus (indicators) and the unit table
(places). This module only applies them: the order of an article's steps and the reading
of each figure of a sentence (its kind, value, role, qualifier, place and period); which
indicator a figure measures is :mod:`cdskg.extract.choice`. (Over 500 lines: a sentence's
figures are read in one pass, each reading the ones before it.)
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from cdskg.extract import forms
from cdskg.extract.articles import SourceArticle, title_of
from cdskg.extract.choice import DIFFERENCE, THAN_BEFORE, IndicatorChoice
from cdskg.extract.clean import NoiseRules, clean
from cdskg.extract.figures import (
    CLAUSE_BREAK,
    DEFAULT_UNIT,
    FIGURE,
    KINDS,
    PERCENT_AFTER,
    USD,
    FigureRules,
    clause_end,
)
from cdskg.extract.gazetteer import Gazetteer, snapshot_for
from cdskg.extract.indicators import (
    IndicatorMatcher,
    content,
    tail_words,
)
from cdskg.extract.locality import ArticleLocality, Localities, LocalityRules
from cdskg.extract.mentions import MentionFinder, MentionRules
from cdskg.extract.numbers import parse_number
from cdskg.extract.periods import context_year, find_periods, published_on
from cdskg.extract.records import ArticleRecord, Evidence, Period, Quantity, Skipped
from cdskg.extract.sentences import Sentence, split_sentences
from cdskg.extract.thesaurus import Indicator, Thesaurus
from cdskg.extract.units import COUNTRY, POST2025, PROVINCE_LEVELS, AdminUnit, load_units
from cdskg.rdf import iri
from cdskg.text.fold import fold
from cdskg.text.normalize import normalize

_DIGITS = re.compile(r"\d(?:[\d/.,:h-]*\d)?")
_ANY_DIGIT = re.compile(r"\d")
#: a numbered item opening a sentence ("1. Đà Nẵng: …", "2) …")
_LIST_ITEM = re.compile(r"\s*\d{1,2}[.)](?=\s+\S)")
#: words that introduce a list of places in order (folded)
_RANKING = re.compile(r"\b(?:dan dau|xep hang|top|dung dau|cao nhat|thu hang|cuoi bang)\b")
#: why a number is skipped, unless it is a rank where it stands
_RANK_BLOCKS = ("an ordinal", "the number of an item in a list")
#: "tăng 2 bậc", "giảm 3 hạng": a change of rank
_RANK_CHANGE = re.compile(r"\s*(?:bac|hang)\b(?!\s+(?:nhat|nhi|ba))")
#: "gấp 3 lần", "hơn 13 lần so với": a multiple
_TIMES = re.compile(r"\s*lan\b")
#: "so với", "so": a comparison right after a figure (folded)
_COMPARED = re.compile(r"\s*(?:so voi|so|tong so)\b")
#: "6 và 12", "6, 12": a figure joined to the one before
_JOINED = re.compile(r"\s*(?:,|và|hoặc|,\s*và)?\s*(?:thứ\s*)?")
#: the noun of a count ends at a comma ("300 văn bản đến, phát hành … 30 văn bản đi")
_COUNT_PHRASE_END = re.compile(r"[,;:(!?]|\.(?!\d)|\s(?:trong đó|tăng|giảm)\s")
#: dollars after a number (folded): "16,4 tỷ USD"
_DOLLARS = re.compile(r"\s*(?:usd|do la|đo la)")


#: openers of a sentence that goes on with the list of the one before (folded)
_GOES_ON = re.compile(r"(?:theo do|dong thoi|cung voi do|ben canh do|ngoai ra|trong do|cu the)\b")


def continued_targets(folded: str) -> bool:
    """Whether a sentence opens as the next part of the one before ("Theo đó, …")."""
    return bool(_GOES_ON.match(folded.lstrip()))


#: a rank in the ranking as a whole ("thứ 3 trong bảng xếp hạng"), after the number
_WHOLE_RANKING = re.compile(
    r"\s*(?:trong|tren|cua)\s+bang xep hang(?!\s+(?:ve|cac|tru cot|chi so))"
)
#: a score stated as the total of a ranking ("tổng điểm", "điểm tổng", "tổng số điểm")
_TOTAL_SCORE = re.compile(r"\b(?:tong (?:so )?diem|diem tong)\b")
#: where a figure's phrase ends after it
_PHRASE_END = re.compile(r"[;(!?]|\.(?!\d)|\s(?:trong đó|tăng|giảm)\s")
#: the next number in a figure's clause ends its phrase; an age does not ("từ 15 tuổi")
_NEXT_NUMBER = re.compile(r"\d(?![\d.,]*\s*tuổi)")


#: words that open a clause, not a noun of a list, after a comma ("3.740 thành viên, là …")
_NOT_A_NOUN = frozenset(
    [
        "là",
        "đạt",
        "chiếm",
        "với",
        "có",
        "đã",
        "được",
        "góp",
        "trong",
        "tăng",
        "giảm",
        "và",
        "nhưng",
        "còn",
        "gồm",
        "tạo",
        "đưa",
        "giúp",
        # verbs that open the next item of a report ("tiếp nhận 3.456 hồ sơ, giải quyết …")
        "giải",
        "tiếp",
        "thanh",
        "kích",
        "thu",
        "cấp",
        "số",
        "trả",
    ]
)


#: a bracket right after a figure that names what it is of ("100% (đối với các TTHC …)")
_OF_WHAT = re.compile(
    r"\s*\((?:đối với|tính trên|trên tổng số|trên)\s+(?:các\s+|số\s+)?(?=[^()]{3,80}\))"
)
#: a count's noun that ends where the next count of its list starts ("544 DN và 2.990 …")
_LISTED_END = re.compile(r"\S(?:\s*,|\s+và)\s*$")
#: a verb that opens the predicate of a counted noun ("sản phẩm tham gia giao dịch …")
_COUNT_PREDICATE = re.compile(
    r"(?<!\w)(?:tham gia|sử dụng|đăng ký|được|đã|có|thực hiện|triển khai|ứng dụng|kết nối)(?!\w)"
)


def _shared_predicate(s: str, noun: str, next_at: int) -> str:
    """A count's noun with the predicate the next count of its list says for both: "có 544
    DN và 2.990 sản phẩm tham gia giao dịch trên sàn TMĐT" counts enterprises trading on the
    platform. The noun alone when the next item has no predicate of its own in its clause."""
    item = s[next_at : next_at + 160]
    item = item[: m.start()] if (m := re.search(r"[;(!?:]|\.(?!\d)|,\s", item)) else item
    number = re.match(r"[\d.,/]+\s+", item)
    if number is None:
        return noun
    head = noun.rstrip(" ,")
    head = head[: -len(" và")] if head.endswith(" và") else head
    verb = _COUNT_PREDICATE.search(item, number.end())
    if (
        verb is None
        or len(head.split()) > 3  # a noun with words of its own ("6 chỉ tiêu chưa đạt và …")
        or len(item[number.end() : verb.start()].split()) > 3  # the next noun's own words
    ):
        return noun
    return f"{head} {item[verb.start() :].strip()}"


def _count_phrase_end(after: str) -> re.Match[str] | None:
    """Where the noun of a count ends: at a comma, unless the words before it are a single
    noun of a list ("507 hộ, cá nhân kinh doanh …", "25 tỉnh, thành phố đã …"): one or two
    syllables, followed by a lower-case word."""
    for m in _COUNT_PHRASE_END.finditer(after):
        if m.group(0) == ",":
            words = after[: m.start()].split()
            nxt = after[m.end() :].split()[:1]
            if (
                len(words) <= 2
                and nxt
                and nxt[0][:1].isalpha()
                and nxt[0][:1].islower()
                and nxt[0] not in _NOT_A_NOUN
            ):
                continue
        return m
    return None


class Extractor(IndicatorChoice):
    """Holds the loaded rules and data; :meth:`extract` is pure per article."""

    def __init__(self, mappings_dir: Path, ontology_dir: Path, today: date | None = None):
        self.noise = NoiseRules.load(mappings_dir / "noise.toml")
        self.figures = FigureRules.load(mappings_dir / "quantities.toml")
        self.mention_rules = MentionRules.load(mappings_dir / "mentions.toml")
        self.thesaurus = Thesaurus.load(ontology_dir)
        self.matcher = IndicatorMatcher(
            self.thesaurus,
            self.figures.abbreviations,
            self.figures.definition_factor,
            tones=self.figures.tones,
            synonyms=self.figures.synonyms,
            phrase_synonyms=self.figures.phrase_synonyms,
        )
        place_rules = LocalityRules.load(mappings_dir / "mentions.toml")
        self.gazetteer = Gazetteer(
            load_units(), place_rules.aliases, place_rules.not_a_place_before
        )
        self.localities = Localities(self.gazetteer, place_rules)
        self.mentions = MentionFinder(self.mention_rules, self.gazetteer)
        self.today = today or date.today()
        self._families: dict[str, str] = {}
        #: phrase synonyms with a "và" in them, which a list of indicators must not split
        self._unlisted = [
            re.compile(re.escape(k), re.IGNORECASE)
            for k in self.figures.phrase_synonyms
            if " và " in k
        ]

    def extract(self, source: SourceArticle) -> ArticleRecord:
        normalized = normalize(source.text)
        cleaned = clean(normalized.text, self.noise)
        text = cleaned.text
        title, _ = title_of(text)
        datelines = [d.text for d in cleaned.drops if d.reason.startswith("dateline")]
        published_day = published_on(datelines, source.url, self.today.year)
        published = int(published_day[:4]) if published_day else None
        year = context_year(text, self.today.year, published)
        art = self.localities.article(
            title, text, year, self.today.year, datelines, source_url=source.url
        )
        main = art.main
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
                f"{art.reason}; only figures with a unit named in their sentence are placed"
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
        self.mentions.metadata(record)
        self.mentions.mentions(record, to_source, main)
        seen_keys: set[tuple[str, str, str]] = set()

        @cache
        def provinces() -> int:
            # 63 provinces until the 2025 reform, 34 after: the field of a national ranking;
            # an article that names a province merged away speaks of the 63
            reformed = (
                year > 2025 or (year == 2025 and main is not None and main.snapshot == POST2025)
            ) and not any(
                all(u.snapshot != POST2025 for u in m.candidates)
                for m in self.gazetteer.bare_provinces(text)
            )
            return 34 if reformed else 63

        state: dict[str, object] = {
            "article": art,
            "provinces": provinces,
            # "đến nay", "hiện nay": as of the day the article was published, when it says
            "now": Period(published_day, basis="publication") if published_day else None,
        }
        prev_end = 0
        for sent in split_sentences(text):
            if "\n" in text[prev_end : sent.start]:
                # a new paragraph: no period, scope or framing unit carries into it
                state.pop("carry", None)
                if "report_period" in state:
                    state["carry"] = state["report_period"]
                state.pop("scopes", None)
                state.pop("last_of_kind", None)
                state.pop("first_rank", None)
                state.pop("paragraph", None)
                self.localities.new_paragraph(state)
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
        lowered = s.lower()
        blocked: list[tuple[int, int, str]] = (
            [
                (m.start(), m.end(), reason)
                for pattern, reason in self.figures.not_a_figure
                for m in pattern.finditer(s, lowered)
            ]
            if _ANY_DIGIT.search(s)
            else []
        )
        if blocked or _ANY_DIGIT.search(s):
            blocked += self.localities.name_numbers(s)
        now: Period | None = state.get("now")  # type: ignore[assignment]
        stated = find_periods(s, year, now.start if now else None)
        periods = [p for p in stated if not self._is_baseline(folded, p.start)]
        # "tăng 2 bậc so với năm 2020": the periods a figure is compared with
        baselines = [p for p in stated if self._is_baseline(folded, p.start)]
        # a sentence whose numbers are all its periods' frames a report ("Theo báo cáo … trong
        # giai đoạn từ 1/7 đến 26/11/2025, bộ phận một cửa … đạt được những thành tích")
        framing = bool(periods) and all(
            any(p.start <= d.start() < p.end for p in stated) for d in _DIGITS.finditer(s)
        )
        carried = self._carry(s, periods, state, framing)
        art: ArticleLocality = state["article"]  # type: ignore[assignment]
        snapshot = snapshot_for(periods[0].period.start) if periods else art.snapshot
        places = self.localities.places(s, snapshot, context_units, art)
        placed = [(p, p.unit) for p in places if p.unit is not None]
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
        # "Năm địa phương dẫn đầu gồm:" then "1. Đà Nẵng: 0,7143 điểm": a list of places in
        # order, whose numbers are their ranks (elsewhere a list's numbers are no figures)
        item = _LIST_ITEM.match(s)
        ranked_list = bool(item and state.get("ranking_list"))
        state["ranking_list"] = ranked_list or bool(
            s.rstrip().endswith(":") and _RANKING.search(folded)
        )
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
        # the indicator of the latest figure of each kind in the paragraph, for figures
        # that leave theirs unsaid
        last_of_kind: dict[str, Indicator] = state.setdefault("last_of_kind", {})  # type: ignore[assignment]
        found = forms.hits(s, folded, state.get("ranked"), state.get("provinces"))  # type: ignore[arg-type]
        bounds = forms.ranges(folded, found)
        upper_of = {j: i for i, j in bounds.items()}
        prev_kind: str | None = None
        lower_role = "actual"
        last_phrase = ""
        #: the indicator and phrase of each range's lower bound, by the upper bound's index
        lower_of: dict[int, tuple[Indicator, str]] = {}
        rank_end = 0
        # a sentence of targets: target words before its first figure, a figure of it that
        # is a target, or a sentence that goes on with one ("Theo đó, …", "Đồng thời, …",
        # the next item of a list cut at its semicolon)
        first_at = found[0].start() if found else len(s)
        goes_on = continued_targets(folded) or str(state.get("previous", "")).rstrip()[-1:] in (
            ";",
            ":",
        )
        targets = bool(self.figures.target_pattern.search(folded[:first_at])) or bool(
            goes_on and state.get("targets")
        )
        #: the indicators of the sentence's figures so far, in order
        earlier: list[tuple[int, Indicator]] = []
        for index, m in enumerate(found):
            start, end = m.start(), m.end()
            before_folded = folded[max(0, start - 40) : start]
            rank_context = self.figures.rank_before.search(before_folded) or (
                # "và thứ 7 cả nước về …", "thứ 2 vùng Đông Nam Bộ": an ordinal of a ranking
                before_folded.endswith("thu ")
                and self.figures.rank_after is not None
                and self.figures.rank_after.match(folded, end)
            )
            list_rank = ranked_list and index == 0 and item is not None and start < item.end()
            rank_context = rank_context or list_rank
            hit = next(((b0, r) for b0, b1, r in blocked if b0 <= start < b1), None)
            if hit is not None and not (rank_context and hit[1] in _RANK_BLOCKS):
                record.skipped.append(Skipped(m.group(0), sent.start + start, hit[1]))
                continue
            try:
                value = parse_number(m.group(1))
                denominator = parse_number(m.group(2)) if m.group(2) else None
            except ValueError:
                record.skipped.append(Skipped(m.group(0), sent.start + start, "unreadable number"))
                continue
            numerator = None
            currency = "VND"
            stated_end = end
            after_folded = folded[end : end + 40]
            pct = PERCENT_AFTER.match(s, end) if denominator is None else None
            upper = found[bounds[index]] if index in bounds else None
            if upper is not None and not pct and PERCENT_AFTER.match(s, upper.end()):
                pct = re.compile("").match(s, end)  # "60-80%": the lower bound is one too
            rank_change = _RANK_CHANGE.match(after_folded)
            if m.kind is not None:
                kind = m.kind  # a verbal rank ("dẫn đầu cả nước")
            elif rank_change and denominator is None:
                kind, stated_end = "rank", end + rank_change.end()  # "tăng 2 bậc"
            elif pct:
                kind, stated_end = "percentage", pct.end()
                if pending_ratio and pending_ratio[2] == start:
                    numerator, denominator = pending_ratio[0], pending_ratio[1]
            elif rank_context:
                kind = "rank"
            elif prev_kind == "rank" and _JOINED.fullmatch(s[prev_end:start]):
                kind = "rank"  # "lần lượt đứng thứ 6 và 12"
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
                if value != value.to_integral_value():
                    kind = "density"  # "0,7/1.000 dân": so many per so many, not a count
            else:
                kind = "count"
                times = _TIMES.match(after_folded)
                if times and (
                    before_folded.rstrip().endswith("gap")
                    or _COMPARED.match(after_folded, times.end())
                    or DIFFERENCE.search(before_folded)
                ):
                    kind, stated_end = "multiple", end + times.end()  # "gấp 3 lần"
                mult = self._multiplier(s, end) if kind == "count" else None
                if mult:
                    value, stated_end = value * mult[0], mult[1]
                money = self.figures.money_after.match(folded[stated_end : stated_end + 40])
                if money:
                    kind, stated_end = "money", stated_end + money.end()
                    currency = "USD" if _DOLLARS.match(money.group(0)) else "VND"
                elif kind == "multiple":
                    pass  # "tăng gấp 1,5 lần": a fraction of times is still a multiple
                elif self.figures.score_after.match(folded[stated_end : stated_end + 40]):
                    kind = "score"
                elif value != value.to_integral_value():
                    kind = "score"  # "giá trị DTI đạt 0,8241": a fraction counts nothing
            if kind in ("score", "rank", "ratio"):
                stated_end = self._noun_end(s, stated_end) if kind == "score" else stated_end
            window_start = self._clause_start(s, prev_end, start)
            before = s[window_start:start]
            after = s[stated_end : stated_end + 48]
            after = after[: clause_end(after)]
            breaks = [b.end() for b in CLAUSE_BREAK.finditer(s, window_start, start)]
            near = s[breaks[-1] if breaks else window_start : start]
            upto = s[:start]
            continued = any(folded.startswith(w) for w in self.figures.openers)
            if continued:
                upto = str(state.get("previous", "")) + " " + upto
            # what follows the number, to the end of its clause: a comma does not end it
            # ("100% cơ quan, đơn vị, UBND các xã ứng dụng phần mềm …"), the next number does
            phrase_from = upper.end() if upper is not None else stated_end
            if upper is not None and PERCENT_AFTER.match(s, upper.end()):
                phrase_from = PERCENT_AFTER.match(s, upper.end()).end()
            # "đạt 100% (đối với các TTHC đủ điều kiện)": the brackets say what it is of
            of_what = _OF_WHAT.match(s, phrase_from)
            if of_what is not None:
                phrase_from = of_what.end()
            long_after = s[phrase_from : phrase_from + 160]
            stop = (
                _count_phrase_end(long_after)
                if kind in ("count", "money")
                else _PHRASE_END.search(long_after)
            )
            long_after = long_after[: stop.start()] if stop else long_after
            # the next number ends the phrase, unless it is no figure ("gồm 4 chỉ số chính")
            digit = next(
                (
                    d
                    for d in _NEXT_NUMBER.finditer(long_after)
                    if not any(b0 <= phrase_from + d.start() < b1 for b0, b1, _ in blocked)
                ),
                None,
            )
            if (
                digit is not None
                and kind == "count"
                and _LISTED_END.search(long_after[: digit.start()])
            ):
                long_after = _shared_predicate(
                    s, long_after[: digit.start()], phrase_from + digit.start()
                )
            else:
                long_after = long_after[: digit.start()] if digit else long_after
            # "… có số lượng hồ sơ cao nhất": a verbal rank that names what it ranks
            named_rank = m.kind == "rank" and fold(m.group(0) or "").endswith(" nhat")
            indicator, phrase = self._indicator(
                upto,
                before,
                after,
                kind,
                last_count,
                near,
                long_after,
                # a change in per cent after a figure of another kind is the relative change
                # of what that figure measures ("Xã hội số đạt 0,7692, tăng 13,4%")
                f"{last_phrase} {s[prev_end:start]}"
                if kind == "percentage"
                and prev_kind not in (None, "percentage")
                and self._role(before) == "change"
                else s[prev_end:start],
                "" if named_rank else str(state.get("previous", "")),
                last_of_kind.get(kind),
                self._role(before),
                ""
                if named_rank
                else f"{record.title} {tail_words(str(state.get('paragraph', '')), 240)}",
                continued,
                last_of_kind.get("score") if prev_kind == "score" else None,
                # a value right after a rank, with nothing meaningful between (a verbal rank
                # keeps the figure's clause open, so the words since it are what counts)
                last_of_kind.get("rank")
                if prev_kind == "rank"
                and content(s[rank_end:start], names=False) <= 2
                and ";" not in s[rank_end:start]
                else None,
                any(w in folded[:start] for w in self.figures.anaphora_words),
                # a sentence with no figure before this one: the paragraph's last figure,
                # for its twin only (a ranking goes on only within its sentence)
                self._twin_candidates(s, start, earlier)
                if earlier
                else [
                    i
                    for i in [last_of_kind.get("any")]
                    if i is not None and i.value_kind not in KINDS["rank"]
                ],
            )
            # "1. Đà Nẵng: 0,7143 điểm": no stop of a list's number opens a phrase
            phrase = phrase.lstrip(".) ") if phrase.startswith((". ", ") ")) else phrase
            first_rank: Indicator | None = state.get("first_rank")  # type: ignore[assignment]
            if (
                indicator.notation == "unclassified"
                and kind == "score"
                and first_rank is not None
                and _TOTAL_SCORE.search(fold(tail_words(before, 60)))
            ):
                # "Tổng điểm của địa phương này là 0,4880 điểm": the total of the ranking
                # the paragraph opened with, not of a pillar ranked after it
                indicator = self._score_twin(first_rank, kind) or indicator
            if (
                kind == "rank"
                and first_rank is not None
                and _WHOLE_RANKING.match(fold(after))
                and indicator.notation.split("-")[0] == first_rank.notation.split("-")[0]
            ):
                # "Vị trí thứ 3 trong bảng xếp hạng thuộc về TP.Huế" after the pillars' ranks:
                # the place in the ranking as a whole, which the paragraph opened with
                indicator = first_rank
            if kind == "rank" and indicator.notation != "unclassified":
                state.setdefault("first_rank", indicator)
            if index in upper_of and upper_of[index] in lower_of:
                # "từ 15-20%", "từ khoảng 0,5 đến gần 0,6": the upper bound of a range measures
                # what its lower bound does; its own words are only the dash or "đến"
                indicator, phrase = lower_of[upper_of[index]]
            elif index in bounds:
                lower_of[index] = (indicator, phrase)
            qualifier = self._qualifier(before, folded[stated_end : stated_end + 16])
            if qualifier == "exact" and index in bounds:
                qualifier = "at-least"  # the lower bound of a range
            elif qualifier == "exact" and index in upper_of:
                qualifier = "at-most"
            role = self._role(before)
            if role == "actual" and s[:window_start].endswith(" đạt "):
                # "phấn đấu đạt tỷ lệ hồ sơ trực tuyến 80%": the clause opens after "đạt",
                # the verb of intention is before it
                head = [b.end() for b in CLAUSE_BREAK.finditer(s, prev_end, window_start - 5)]
                role = self._role(s[head[-1] if head else prev_end : window_start])
            if (
                role == "actual"
                and DIFFERENCE.search(fold(tail_words(before, 20)))
                and THAN_BEFORE.match(folded, stated_end)
            ):
                role = "change"  # "cao hơn 2,19% so với năm 2022"
            if role == "actual" and (
                self.figures.target_after.match(fold(long_after).lstrip(), 0)
                or self.figures.target_after.search(fold(long_after))
            ):
                role = "target"  # "trên 50% doanh nghiệp nhỏ và vừa sẽ sử dụng nền tảng số"
            if (
                role == "actual"
                and targets
                and not self.figures.actual_pattern.search(fold(before))
            ):
                # "mục tiêu … như: bảo đảm hơn 80% …; tối thiểu 80% …": every item of a
                # sentence of targets is one, unless its own clause says it is a result
                role = "target"
            if index in upper_of and role == "actual":
                role = lower_role  # "mục tiêu 70-90%": the upper bound is a target too
            if (
                role == "target"
                and kind == "count"
                and self.figures.goal_nouns.match(fold(after).lstrip())
            ):
                role = "actual"  # "đề ra 41 chỉ tiêu": how many targets were set
            lower_role = role
            targets = targets or role == "target"
            scope = self._scope(fold(before)) or sentence_scope
            named = any(window_start <= pm.start < start for pm, _ in placed)
            scope = self._family_scope(scope, indicator.notation, scopes, n, named)
            # a range's lower bound is placed as its upper one ("từ 0,5 đến 0,6 là Cao Bằng")
            area_end = upper.end() if upper is not None else stated_end
            if list_rank and item is not None:
                area_end = item.end()  # "1. Đà Nẵng": the place ranked follows the number
            areas, why = self._area(s, start, area_end, places, state, kind, fold(before), record)
            if not areas:
                record.skipped.append(Skipped(m.group(0), sent.start + start, why or "no locality"))
                prev_end = stated_end
                continue
            area = areas[0]
            for unit in areas:
                record.places[unit.iri] = unit
            local = self.figures.below_province.get(indicator.notation)
            average = self.figures.provinces_average.get(indicator.notation)
            if area.iri == COUNTRY.iri:
                if scope == "province-level" and average in self.thesaurus.indicators:
                    indicator = self.thesaurus.indicators[average]
            elif local and area.level not in PROVINCE_LEVELS and local in self.thesaurus.labels:
                # the provincial DTI ranks provinces: a commune's or district's rank or score is
                # the province's own assessment of its units
                indicator = self.thesaurus.indicators[local]
            period = self._period(periods, start, end, s) or carried
            if period is None and state.get("now") and self._present(s, start):
                period = state["now"]  # type: ignore[assignment]
            period = period or default_period
            baseline = next(
                (
                    b.period
                    for b in baselines
                    if stated_end <= b.start <= stated_end + 40
                    and ";" not in s[stated_end : b.start]
                ),
                None,
            )
            key = (indicator.notation, area.iri, period.start + (period.end or ""))
            value_start = sent.start + start
            if kind == "percentage" and value > 100 and indicator.value_kind == "percentage":
                record.warnings.append(f"{m.group(0)}% at {value_start}: over 100%, kept as stated")
            seen_keys.add(key)
            # one value for a list of indicators: a rank's list, or a percentage's when the list
            # is its subject ("tỷ lệ A và B đều đạt 100%"); a list after a percentage names what
            # is counted ("100% doanh nghiệp dùng hóa đơn điện tử, các sản phẩm OCOP …")
            # "đạt tuyệt đối về tỷ lệ A và B": a verbal full score names its list after it
            listed = kind == "rank" or (
                kind == "percentage"
                and bool(phrase)
                and (phrase in s[prev_end:start] or m.kind == "percentage")
            )
            shared = (
                self._shared(kind, phrase, s[prev_end:start], long_after)
                if listed and index not in bounds and index not in upper_of
                else None
            )
            for own, own_text in shared or [(indicator, phrase)]:
                if kind == "money" and currency == "USD" and own.unit != USD:
                    # "16,4 tỷ USD": no indicator of ours counts dollars; kept as stated
                    own = self.thesaurus.unclassified
                unit = DEFAULT_UNIT[kind] if own.notation == "unclassified" else own.unit
                if kind == "money" and currency == "USD":
                    unit = USD
                for place in areas:
                    record.quantities.append(
                        Quantity(
                            value=value,
                            unit=unit,
                            stated=s[start:stated_end],
                            value_start=value_start,
                            value_end=sent.start + stated_end,
                            indicator=own.notation,
                            indicator_text=own_text,
                            area=place.iri,
                            period=period,
                            evidence=ev,
                            qualifier=qualifier,
                            role=role,
                            numerator=numerator,
                            denominator=denominator,
                            scope=scope,
                            kind=kind,
                            baseline=baseline,
                            shared_by=place.iri if len(areas) > 1 else None,
                        )
                    )
            if kind == "rank" and denominator is not None and denominator <= 999:
                state["ranked"] = max(int(denominator), int(state.get("ranked", 0)))  # type: ignore[call-overload]
            if kind == "rank":
                rank_end = stated_end
            if kind in ("count", "money"):
                last_count = indicator.notation
            if indicator.notation != "unclassified":
                last_of_kind[kind] = indicator
                last_of_kind["any"] = indicator
                earlier.append((start, indicator))
            last_phrase = phrase
            if m.kind is None:
                # a verbal rank ("… có tỷ lệ X cao nhất với 78,4%") is inside the phrase of
                # the figure after it, which still reads from the figure before
                prev_end = stated_end
            prev_kind = kind
        self._skip_unseen(record, sent, blocked)
        self._twins_named_later(record, sent)
        self.localities.remember(s, places, state, main)
        state["previous"] = s
        state["targets"] = targets
        state["paragraph"] = f"{state.get('paragraph', '')} {s}"[-600:]

    def _twins_named_later(self, record: ArticleRecord, sent: Sentence) -> None:
        """ "Với 0,5064 điểm và 0,4880 điểm, A và B lần lượt đứng thứ 6 và 12 trong bảng xếp
        hạng DTI", "thành phố X xếp thứ nhất với 0,7125 điểm": a score or a rank that names
        nothing, before the sentence's first rank or score that does, is the value or the
        rank of what that one measures."""
        mine = [i for i, q in enumerate(record.quantities) if q.evidence.start == sent.start]
        for kind, other, twin_of in (
            ("score", "rank", lambda ind: self._score_twin(ind, "score")),
            ("rank", "score", self._rank_twin),
        ):
            named = next(
                (
                    record.quantities[i]
                    for i in mine
                    if record.quantities[i].kind == other
                    and record.quantities[i].indicator != "unclassified"
                ),
                None,
            )
            twin = twin_of(self.thesaurus.indicators[named.indicator]) if named else None
            if named is None or twin is None:
                continue
            for i in mine:
                q = record.quantities[i]
                if (
                    q.kind == kind
                    and q.indicator == "unclassified"
                    and (q.value_start < named.value_start)
                ):
                    record.quantities[i] = replace(q, indicator=twin.notation)

    @staticmethod
    def _skip_unseen(
        record: ArticleRecord, sent: Sentence, blocked: list[tuple[int, int, str]]
    ) -> None:
        """Numbers that no figure match reaches ("16/9/2022": a slash date is not a figure
        nor a ratio) are still reported as skipped, once per blocked span."""
        s = sent.text
        reported = [k.start - sent.start for k in record.skipped if k.start >= sent.start]
        # a blocked span that holds a figure read after all (an ordinal of a ranking, "vị trí
        # thứ 21/63") is no skipped number
        reported += [
            q.value_start - sent.start for q in record.quantities if q.evidence.start == sent.start
        ]
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
            if nxt is None or not PERCENT_AFTER.match(s, nxt.end()):
                return None
            m = self.figures.ratio_rate.match(folded[end : nxt.start()])
            if m is None:
                return None
            return nxt.start()
        nxt = FIGURE.match(s, end + m.end())
        if nxt and PERCENT_AFTER.match(s, nxt.end()):
            return nxt.start()
        return None

    @staticmethod
    def _noun_end(s: str, end: int) -> int:
        m = re.match(r"\s*điểm", s[end:])
        return end + m.end() if m else end

    def _multiplier(self, s: str, end: int) -> tuple[int, int] | None:
        m = re.match(r"\s+([^\W\d_]+)", s[end:])
        if m is None:
            return None
        word = m.group(1).lower()
        # with its tones where the text has them: folded, "300 văn bản" would be "300 vạn"
        # (a word with none is its own folded form)
        table = self.figures.multipliers if word.isascii() else self.figures.multipliers_toned
        return (table[word], end + m.end()) if word in table else None

    @staticmethod
    def _joins_nouns(s: str, prev_end: int, brk: re.Match[str]) -> bool:
        """Whether a comma joins two nouns of a list ("27.500/29.093 giáo viên, nhân viên các
        trường …") rather than closing a clause: one or two words since the figure or break
        before, and a lower-case word after."""
        if brk.group(0) != ",":
            return False
        head = s[prev_end : brk.start()]
        cut = max(head.rfind(c) for c in ",;:(")
        words = [w for w in head[cut + 1 :].split() if w[:1].isalpha()]
        nxt = s[brk.end() :].split()[:1]
        return (
            0 < len(words) <= 2
            and bool(nxt)
            and nxt[0][:1].isalpha()
            and nxt[0][:1].islower()
            and nxt[0] not in _NOT_A_NOUN
        )

    @staticmethod
    def _clause_start(s: str, prev_end: int, start: int) -> int:
        breaks = [
            m.end()
            for m in CLAUSE_BREAK.finditer(s, prev_end, start)
            if not Extractor._joins_nouns(s, prev_end, m)
        ]
        # a clause that is only "đạt" or a qualifier says nothing: look one further back
        for b in reversed(breaks):
            # … but never past a semicolon, which closes the item before ("…; tối thiểu 80%")
            if len(s[b:start].strip()) > 12 or s[b - 1] == ";":
                return b
        return prev_end

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
        if self.figures.target_pattern.search(folded):
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
            if phrase not in folded_window:
                continue  # most windows hold none: no call for them
            i = _last_words(folded_window, phrase)
            if i >= 0 and (best is None or (i + len(phrase), len(phrase)) > best[:2]):
                best = (i + len(phrase), len(phrase), scope)
        return best[2] if best else None

    def _area(
        self,
        s: str,
        start: int,
        end: int,
        places,
        state: dict,
        kind: str,
        folded_before: str,
        record: ArticleRecord,
    ) -> tuple[list[AdminUnit], str | None]:
        """The figure's units (:meth:`Localities.areas`); a ``parent_refs`` phrase in its
        clause ("bình quân của tỉnh") names the main locality's ancestor instead of the main."""
        art: ArticleLocality = state["article"]
        parent = None
        if art.main is not None:
            for phrase, level in self.figures.parent_refs.items():
                if _last_words(folded_before, phrase) >= 0:
                    parent = self.gazetteer.ancestor_at(art.main, level)
                    if parent is not None:
                        break
        return self.localities.areas(s, start, end, places, art, state, kind, parent=parent)

    def _present(self, s: str, start: int) -> bool:
        """Whether the clause before a figure speaks of the present ("Đến nay, …", "hiện
        có 23 thủ tục"): the figure is as of the day the article was written."""
        pattern = self.figures.present
        clause = s[:start]
        return (
            pattern is not None and pattern.search(clause[max(clause.rfind(";"), 0) :]) is not None
        )

    def _carry(
        self, s: str, periods, state: dict[str, object], framing: bool = False
    ) -> Period | None:
        """The period carried into this sentence from an earlier one of its paragraph
        (``[periods]`` in ``quantities.toml``), or from a sentence with no figure that
        frames the report (``framing``: it carries into the paragraphs after it too);
        updates what carries on to the next."""
        if periods:
            carriers = [p for p in periods if p.kind in self.figures.carry_kinds]
            if carriers:
                stated = carriers[-1].period
                state["carry"] = Period(stated.start, stated.end, basis="carried")
                if framing:
                    state["report_period"] = state["carry"]
            else:
                state.pop("carry", None)
                state.pop("report_period", None)
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


__all__ = ["Decimal", "Extractor", "FigureRules", "MentionRules", "split_sentences"]


def _last_words(folded: str, phrase: str) -> int:
    """Where ``phrase`` stands last in ``folded`` as whole words, or -1: folded, "cáp
    quang" holds "cấp quận" and "cấp xác thực" holds "cấp xã"."""
    end = len(folded)
    while (i := folded.rfind(phrase, 0, end)) >= 0:
        after = i + len(phrase)
        if (i == 0 or not folded[i - 1].isalnum()) and (
            after == len(folded) or not folded[after].isalnum()
        ):
            return i
        end = i + len(phrase) - 1
    return -1
