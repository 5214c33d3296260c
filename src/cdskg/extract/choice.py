"""Which indicator a figure measures, given its sentence: the figure's own phrase scored
against the thesaurus (:mod:`cdskg.extract.indicators`), and the figures around it that
name it when its own words do not (a rank's twin, a comparison term, the item before in a
list, the whole a count is part of).

:class:`IndicatorChoice` is the part of :class:`cdskg.extract.extractor.Extractor` that
makes this choice; it reads the extractor's thesaurus, matcher and figure rules. (Over 500
lines: each way a figure's words may name its indicator is a method of its own, in the order
:meth:`IndicatorChoice._indicator` tries them.)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cdskg.extract.figures import FIGURE, KINDS, NOUN_AFTER, THIS_AFTER, FigureRules
from cdskg.extract.indicators import (
    IndicatorMatcher,
    content,
    head_words,
    meaning,
    own_phrase,
    strip_links,
    tail_words,
)
from cdskg.extract.thesaurus import Indicator, PhraseMatch, Thesaurus
from cdskg.text.fold import fold

#: words that make a figure the difference between two others (folded)
DIFFERENCE = re.compile(r"\b(?:chenh lech|cao hon|thap hon|nhieu hon|gap)\b")

#: "đều": the value holds for each item listed before it
_EACH = re.compile(r"\bđều\b")

#: the words of folded text
_WORDS = re.compile(r"[a-z0-9]+")

#: "so với năm 2022", "so với cùng kỳ": compared with an earlier time (folded, after a number)
THAN_BEFORE = re.compile(r"\s*(?:%\s*)?so voi (?:nam|cung ky|ky|thang|quy|dau nam)")

#: folded text that starts with a letter (a noun after a number)
_LETTER_START_FOLDED = re.compile(r"[a-z]")

#: words before a noun that say how many of it, not what ("8/8 các xã", "toàn bộ 58 …")
_DETERMINER = re.compile(r"^(?:(?:cac|nhung|moi|toan bo|tat ca)\s+)+")


def _without_so(folded: str) -> str:
    """A count's name (folded) without the "số" / "tổng số" that opens most."""
    for opening in ("tong so ", "so "):
        if folded.startswith(opening):
            return folded[len(opening) :]
    return folded


#: concepts of a change, which only a figure stated as one may take
_CHANGE_CONCEPT = re.compile(r"-(?:change|growth)-rate$|-change$|-difference$")

#: the predicate that opens an item with no subject of its own ("… và 50% có chữ ký số")
_PREDICATE_START = re.compile(r"(co|su dung|duoc|tham gia|thuc hien|dung)\s")

#: what joins a figure to the one before it in a list (folded): "và", a comma
_JOINED_END = re.compile(r"(?:,|\bva)\s*$")

#: words that make a percentage the growth of what the figure before measures (folded)
_GROWTH = re.compile(r"\btang truong\b|\btoc do tang\b")

#: a rank that names what it ranks: "… về X" after it
_ABOUT_AFTER = re.compile(r"^\s*(?:[^,;]{0,30}?\s)?ve\s+")

#: what separates the parts of a list of indicators one value is stated for
_LIST_SPLIT = re.compile(r"\s*(?:[,;:]|\bvà\b|\bbao gồm\b|\bgồm\b|\bcùng\b)\s*")

#: a letter after a number, past spaces: the figure has a noun of its own
_LETTER_AFTER = re.compile(r"\s*[^\W\d_]")
_YEAR = re.compile(r"(?:19|20)\d\d")
_CLAUSE_END = re.compile(r"[,;(]|\s[–-]\s")
#: a clause that says how a figure compares, not what it is of
_COMPARES = re.compile(r"(?:so voi|tang|giam|cao hon|thap hon|vuot)\b")
#: "chiếm", "chiếm khoảng", "chiếm tỷ lệ" right before a percentage: a share of a whole
_SHARE_END = re.compile(
    r"(?i)(?:^|\s)chiếm(?:\s+(?:tỷ lệ|tỉ lệ|tỷ trọng|khoảng|gần|hơn|trên|dưới|tới|đến|"
    r"xấp xỉ|ít nhất))*\s*$"
)


def _pick(matches: list[PhraseMatch], nearest: str) -> tuple[Indicator, str]:
    """The phrase that starts first (a phrase after the figure) or ends last (a phrase
    before it), the longer on a tie; its indicator and the phrase as written."""
    if nearest == "start":
        best = min(matches, key=lambda m: (m.start, -(m.end - m.start)))
    else:
        best = max(matches, key=lambda m: (m.end, m.end - m.start))
    return best.indicator, best.phrase


class IndicatorChoice:
    """The choice of a figure's indicator (mixed into the extractor, which sets these)."""

    thesaurus: Thesaurus
    matcher: IndicatorMatcher
    figures: FigureRules
    _families: dict[str, str]
    _unlisted: list[re.Pattern[str]]

    def _indicator(
        self,
        upto: str,
        before: str,
        after: str,
        kind: str,
        last_count: str | None = None,
        near: str = "",
        long_after: str = "",
        since: str = "",
        previous: str = "",
        inherit: Indicator | None = None,
        role: str = "actual",
        topic: str = "",
        continued: bool = False,
        scored_before: Indicator | None = None,
        ranked_before: Indicator | None = None,
        anaphora: bool = False,
        earlier: list[Indicator] | None = None,
    ):
        """The indicator of a figure and the phrase it was read from, in this order: a count
        that is a whole ("Trong 41 chỉ tiêu") or names an earlier one ("25 dịch vụ công này");
        a comparison term of the figure before ("cao hơn … là 21,8%"); the figure's own phrase
        (and the words since the figure before) scored against the thesaurus
        (:meth:`_scored`); the rate of the count just before ("thu nhận 47.059 hồ sơ, đạt
        90,97%"); the indicator of the figure before when the words since name nothing; the
        sentence before, the title and paragraph as context; a change of the figure before.
        Failing all, ``unclassified`` with the figure's own phrase: never a near concept."""
        wanted = KINDS[kind]

        def ok(m: PhraseMatch) -> bool:
            return m.indicator.value_kind in wanted

        whole = self._whole(upto[-80:], after, ok) if kind == "count" else None
        if whole is not None:
            return whole
        this = THIS_AFTER.match(after) if kind == "count" else None
        if this is not None:
            # "25 dịch vụ công này": the phrase named earlier that starts with those words
            noun = fold(this.group(1).strip())
            pool = [
                m for m in self.thesaurus.matches(upto) if ok(m) and fold(m.phrase).startswith(noun)
            ]
            if pool:
                return _pick(pool, nearest="end")

        own_noun = kind in ("count", "money") and bool(_LETTER_AFTER.match(long_after))
        if anaphora and inherit is not None and not own_noun:
            # "Ở chỉ số này, …", "nâng tỷ lệ này lên 85%": the indicator named before
            return inherit, tail_words(since).strip(" ,;:()")
        twin = self._score_twin(ranked_before, kind) if ranked_before else None
        if twin is not None:
            # "xếp thứ 10/63 với giá trị là 0,4950", "đứng thứ 19, đạt 83,84%": a value that
            # names nothing right after a rank is the value of what that rank ranks
            return twin, tail_words(since).strip(" ,;:()")
        twin = self._sentence_twin(earlier or [], before, after, long_after, kind, role)
        if twin is not None:
            # "tỷ trọng … đạt 11,34%, …; xếp thứ 14 cả nước", "doanh thu đạt 30.430 tỷ đồng,
            # tăng 13,78%": a rank or a change that names nothing of its own is the rank or the
            # growth of what a figure before it in the sentence measures
            return twin, tail_words(since).strip(" ,;:()")
        if (
            inherit is not None
            and not own_noun
            and self._compared(since)
            # "cao hơn 0,105 so với mức điểm bình quân của cả nước (0,4014 điểm)": what a
            # difference is taken from is not that difference; its own words name it
            and not (
                _CHANGE_CONCEPT.search(inherit.notation) and not DIFFERENCE.search(fold(since))
            )
        ):
            # "đạt 26%, cao hơn so với mặt bằng chung của tỉnh là 21,8%": a comparison term
            # of the figure before, of the same indicator; "cao hơn 0,105 so với mức bình quân":
            # the difference between the two, when the thesaurus has that concept
            difference = (
                self._difference_twin(inherit, kind, fold(long_after))
                if DIFFERENCE.search(fold(since))
                else None
            )
            return difference or inherit, tail_words(since).strip(" ,;:")
        if kind == "percentage":
            share = self._share_of_whole(upto, since, long_after)
            if share is not None:
                return share
            long_after = self._shared_subject(since, long_after)
        folded_before = fold(before)
        changing = (
            role == "change"
            or bool(_GROWTH.search(folded_before) or DIFFERENCE.search(folded_before))
            or "so voi" in fold(after)
        )
        scored = self._scored(before, long_after, kind, since, changing=changing)
        index_words = tail_words(upto[upto.rfind(";") + 1 :], 160)
        if scored is None and kind == "percentage" and "chi so" in fold(index_words):
            # "Chỉ số PAR INDEX của tỉnh đạt 88,12%": an index scored out of 100, in per cent
            scored = self._scored(index_words, long_after, "score", changing=changing)
        if scored is not None:
            return scored
        if kind == "percentage" and last_count in self.figures.rate_of_count:
            rate = self.thesaurus.indicators.get(self.figures.rate_of_count[last_count])
            if rate is not None:
                return rate, before.strip(" ,;:")[-80:]
        own = own_phrase(before, long_after, kind)
        own_weak = not own or meaning(own[0][0], kind) <= 2
        if inherit is not None and not own_noun and own_weak and meaning(since, kind) <= 2:
            # "… cấp quận đạt 97,9%, cấp phường 95,48%", "Tiếp theo là Huế (0,7951)": the
            # figure before (in the sentence or its paragraph) names what this one measures
            return self._narrowed(inherit, own, kind), tail_words(since).strip(" ,;:()")
        if (
            inherit is not None
            and kind in ("count", "ratio")
            and self._coordinated(since, long_after)
            and (
                not own
                or self.matcher.best(own[0][0], wanted, self.figures.indicator_threshold) is None
            )
        ):
            # "hoàn thành 16/16 nhiệm vụ … và 25/25 nhiệm vụ …", "138 tổ cấp xã, 1.733 tổ thôn":
            # a figure joined to the one before shares what governs it, unless its own words
            # name another indicator
            return inherit, tail_words(since).strip(" ,;:()")
        scored = self._scored(
            before,
            long_after,
            kind,
            since,
            previous,
            topic,
            continued or anaphora,
            anaphora,
            changing,
        )
        if scored is not None:
            return scored
        if inherit is not None and role == "change":
            # "… 12.100 tài khoản (tăng 218 tài khoản)": a change of the figure before
            return inherit, tail_words(since).strip(" ,;:()")
        twin = self._rank_twin(scored_before) if scored_before and kind == "rank" else None
        if twin is not None:
            # "X đạt 83,4/100 điểm, tăng 25 điểm so với năm 2022, dẫn đầu cả nước": a rank
            # that names nothing is the rank of what the figure before it scores
            return twin, tail_words(since).strip(" ,;:()")
        phrases = own_phrase(before, long_after, kind)
        raw = phrases[0][0] if phrases else before.strip(" ,;:")
        return self.thesaurus.unclassified, raw

    def _share_of_whole(self, upto: str, since: str, after: str) -> tuple[Indicator, str] | None:
        """ "A chiếm 8,5% B": the share of A in the whole B, named by both ("doanh thu thương
        mại điện tử … chiếm 8,5% tổng mức bán lẻ"), A being the words of the figure's own
        clause, or, when its clause says only how it compares ("…, tăng 14% so với năm 2023,
        chiếm 12,7% GRDP"), the subject of the sentence's first figure. ``None`` when the
        two do not name an indicator above the threshold: the other readings follow."""
        share = _SHARE_END.search(since)
        if share is None:
            return None
        # the whole is the noun phrase right after the number, up to the next clause
        whole = _CLAUSE_END.split(after.lstrip(" )"), maxsplit=1)[0]
        whole = head_words(whole.strip(" -–"), 80)
        if not _LETTER_AFTER.match(whole) or content(whole) == 0:
            return None
        clause = since[: share.start()].rstrip(" ,")
        subject = clause[max(clause.rfind(","), clause.rfind(";")) + 1 :].strip()
        if _COMPARES.match(fold(subject)) or meaning(subject, "percentage") <= 2:
            # the sentence's first figure, not a year it opens with ("Năm 2024, …")
            first = next((m for m in FIGURE.finditer(upto) if not _YEAR.fullmatch(m[0])), None)
            head = upto[: first.start()] if first is not None else ""
            subject = strip_links(head[head.rfind(";") + 1 :])[0]
        if meaning(subject, "percentage") <= 2:
            return None
        phrase = f"{tail_words(subject, 100)} {whole}"
        best = self.matcher.best(phrase, KINDS["percentage"], self.figures.indicator_threshold)
        return (best.indicator, phrase) if best is not None else None

    @staticmethod
    def _shared_subject(since: str, after: str) -> str:
        """``after`` with the subject of the figure before when this one is the next item of
        its list and says only its predicate: "80% dân số trưởng thành có định danh điện tử
        và 50% có chữ ký số cá nhân" is about adults too."""
        folded_after = fold(after).lstrip()
        verb = _PREDICATE_START.match(folded_after)
        folded = fold(since)
        if verb is None or not _JOINED_END.search(folded):
            return after
        # the words of the item before up to its own predicate (same length when folded)
        at = folded.find(" " + verb.group(1) + " ")
        subject = since[:at].strip(" ,;:") if at > 0 else ""
        if content(subject, names=False) < 2:
            return after
        return f"{subject} {after.lstrip()}"

    @staticmethod
    def _coordinated(since: str, after: str) -> bool:
        """Whether a figure is joined to the one before as the next item of one list: the
        words since it are its noun and a "và" or a comma, and this figure's noun starts with
        the same word ("16/16 nhiệm vụ … và 25/25 nhiệm vụ …", "138 tổ cấp xã, 1.733 tổ …")."""
        folded = fold(since)
        if not _JOINED_END.search(folded):
            return False
        head, own = _WORDS.findall(folded)[:1], _WORDS.findall(fold(after))[:1]
        return bool(head) and head == own

    def _narrowed(self, inherit: Indicator, own: list[tuple[str, float]], kind: str) -> Indicator:
        """``inherit``, or the indicator its label and the figure's few own words name
        together ("tiếp nhận tối thiểu 80% hồ sơ trực tuyến, với ít nhất 20% toàn trình": the
        fully online rate), when that scores better than ``inherit`` itself."""
        if not own or content(own[0][0], names=False) == 0:
            return inherit
        ranked = self.matcher.rank(f"{inherit.label_vi} {own[0][0]}", KINDS[kind], top=1)
        if not ranked or ranked[0].indicator.notation == inherit.notation:
            return inherit
        if ranked[0].score >= self.figures.indicator_threshold + 0.2:
            return ranked[0].indicator
        return inherit

    @staticmethod
    def _twin_candidates(
        s: str, start: int, earlier: list[tuple[int, Indicator]]
    ) -> list[Indicator]:
        """The figures before the one at ``start`` whose twin it may be: those of its own
        item (since the last semicolon: "chỉ số PCI đạt 69,03 điểm … xếp vị trí thứ 9") when
        the item has words of its own, else those of the whole sentence ("…, kinh tế số lõi
        4,1%; xếp thứ 21 cả nước")."""
        item = s.rfind(";", 0, start) + 1
        if content(re.sub(r"\d[\d.,/]*", " ", s[item:start]), names=False) > 3:
            return [ind for at, ind in earlier if at >= item]
        return [ind for _, ind in earlier]

    def _sentence_twin(
        self,
        earlier: list[Indicator],
        before: str,
        after: str,
        long_after: str,
        kind: str,
        role: str,
    ) -> Indicator | None:
        """The rank (``X-rank``) or the growth (``X-growth-rate``, ``X-change-rate``) concept
        of an indicator measured earlier in the sentence, nearest first, by the thesaurus's
        naming of twins, for a rank or a percentage change whose own words name nothing
        ("xếp thứ 14 cả nước", "tăng 13,78% so với cùng kỳ"). The concept's own name may
        drop its last part: ``retail-sales-revenue`` → ``retail-sales-rank``."""
        if not earlier:
            return None
        if kind == "rank":
            if _ABOUT_AFTER.match(fold(after)):
                return None  # "xếp thứ 7 về tỷ lệ …" says what it ranks
            suffixes: tuple[str, ...] = ("-rank",)
        elif kind == "percentage" and (
            role == "change"
            or _GROWTH.search(fold(before))
            # "cao hơn 2,19% so với năm 2022": higher than a year before is a change
            or (DIFFERENCE.search(fold(before)) and THAN_BEFORE.match(fold(after)))
        ):
            suffixes = ("-growth-rate", "-change-rate")
        elif kind == "percentage" and role == "actual":
            suffixes = ("-rate",)  # "chỉ số PAPI là 40,62/80 điểm, đạt tỷ lệ 50,77%"
        elif kind == "score" and role == "change":
            suffixes = ("",)  # "chỉ số PAPI là 40,62/80 điểm, …, giảm 3,84 điểm"
        else:
            return None
        own = own_phrase(before, long_after, kind)
        words = meaning(own[0][0], kind) if own else 0
        # "giao dịch doanh nghiệp với doanh nghiệp (B2B) xếp thứ 13" names its own ranking;
        # "Đà Nẵng là địa phương có tỷ lệ cao nhất" only the places and how they stand
        plain = not own or content(own[0][0], names=False) <= 3
        if kind == "rank" and not plain and words > 2:
            return None
        if suffixes == ("-rate",) and words > 2:
            return None  # "đạt 90%, 100% xã có …": a rate with words of its own
        if words > 3 and self.matcher.best(
            own[0][0], KINDS[kind], self.figures.indicator_threshold
        ):
            return None  # its own words name an indicator
        for of in reversed(earlier):
            if kind == "rank" and of.value_kind in KINDS["rank"]:
                if not plain:
                    continue
                return of  # "xếp thứ 14 cả nước và thứ 2 vùng": the same ranking, elsewhere
            if kind == "percentage" and of.value_kind in KINDS["percentage"]:
                continue  # a change of a rate in per cent is a change of points, not growth
            if suffixes == ("",):
                if of.value_kind in KINDS["score"]:
                    return of
                continue
            parts = of.notation.split("-")
            bases = [of.notation] + (["-".join(parts[:-1])] if len(parts) >= 2 else [])
            for base in bases:
                for suffix in suffixes:
                    twin = self.thesaurus.indicators.get(base + suffix)
                    if twin is not None and twin.value_kind in KINDS[kind]:
                        return twin
        return None

    def _rank_twin(self, scored: Indicator) -> Indicator | None:
        """The rank concept of a scored index (``service-index-score`` → ``service-index-rank``,
        ``dti-index`` → ``dti-rank``), by the thesaurus's naming of twins."""
        for suffix in ("-score", "-value", "-index", ""):
            if scored.notation.endswith(suffix):
                base = scored.notation[: len(scored.notation) - len(suffix)]
                twin = self.thesaurus.indicators.get(base + "-rank")
                if twin is not None and twin.value_kind in KINDS["rank"]:
                    return twin
        return None

    def _score_twin(self, rank: Indicator, kind: str) -> Indicator | None:
        """The value concept of a rank (``dti-digital-society-rank`` →
        ``dti-digital-society-value``, ``sipas-rank`` → ``sipas-index``), by the thesaurus's
        naming of twins, if it is of a kind a figure of ``kind`` may take."""
        if not rank.notation.endswith("-rank"):
            return None
        base = rank.notation[: -len("-rank")]
        for suffix in ("-value", "-score", "-index", ""):
            twin = self.thesaurus.indicators.get(base + suffix)
            if twin is not None and twin.value_kind in KINDS[kind]:
                return twin
        return None

    def _difference_twin(self, of: Indicator, kind: str, after: str) -> Indicator | None:
        """The concept of a difference from ``of``'s figure: ``dti-index`` →
        ``dti-index-difference`` (a score less an average named in ``after``, folded),
        ``par-index-score`` → ``par-index-change-rate`` (a percentage change of a score), by
        the thesaurus's naming."""
        if kind == "score" and not any(w in after for w in self.figures.difference_from):
            return None  # "cao hơn 0,05 so với năm 2022": a change of the score itself
        base = of.notation
        for suffix in ("-score", "-value", ""):
            if suffix and base.endswith(suffix):
                base = base[: -len(suffix)]
                break
        names = {"score": ("-difference",), "percentage": ("-change-rate",)}.get(kind, ())
        if kind == "percentage" and of.value_kind == "percentage":
            return None  # "cao hơn 2%" of a rate is the rate's own comparison term
        for suffix in names:
            for candidate in (of.notation + suffix, base + suffix):
                twin = self.thesaurus.indicators.get(candidate)
                if twin is not None and twin.value_kind in KINDS[kind]:
                    return twin
        return None

    def _shared(
        self, kind: str, phrase: str, since: str, after: str = ""
    ) -> list[tuple[Indicator, str]] | None:
        """The indicators one value is stated for when the figure's words list several
        ("đứng đầu về 4 chỉ số chính gồm Nhận thức số, Thể chế số và …", "về tỷ lệ tiếp nhận
        hồ sơ trực tuyến và thanh toán trực tuyến"): each listed part that scores well above
        the threshold on its own, when two parts or more name different indicators."""
        wanted = KINDS[kind]
        floor = self.figures.indicator_threshold + 0.1
        # the figure's own words; the words since the figure before when they say the value
        # holds for each ("cả 3 trụ cột, gồm: …, kinh tế số và xã hội số đều xếp thứ 2")
        since = since[since.rfind(";") + 1 :]  # the clause of the figure only
        at = after.find(phrase) if phrase else -1
        if at >= 0:
            # the phrase is cut to a length; the list it opens goes on to its clause's end
            # ("… Hoạt động Kinh tế số và Hoạt" + "động Xã hội số")
            phrase = after[at:]
        texts = [phrase] + ([since] if _EACH.search(since) else [])
        for text in texts:
            for joined in self._unlisted:
                # "giải quyết trước và đúng hạn": one rate, whose "và" lists nothing
                text = joined.sub(lambda m: m.group(0).replace(" và ", " & "), text)
            parts = [p for p in _LIST_SPLIT.split(text) if p and content(p) >= 2]
            if len(parts) < 2:
                continue
            found: dict[str, tuple[Indicator, str]] = {}
            for part in parts:
                ranked = self.matcher.rank(part, wanted, top=1)
                if ranked and ranked[0].score >= floor:
                    found.setdefault(ranked[0].indicator.notation, (ranked[0].indicator, part))
            if len(found) >= 2:
                return list(found.values())
        return None

    def _compared(self, since: str) -> bool:
        """Whether the words since the figure before make this one a comparison term of it
        ("cao hơn so với bình quân của tỉnh là"). Comparison words before a semicolon end
        the item before ("… giảm 7 bậc so với năm 2020; chỉ số PCI đạt 69,03 điểm")."""
        folded = fold(since[since.rfind(";") + 1 :])
        return any(w in folded for w in self.figures.comparison_words)

    def _scored(
        self,
        before: str,
        after: str,
        kind: str,
        since: str = "",
        previous: str = "",
        topic: str = "",
        continued: bool = False,
        anaphora: bool = False,
        changing: bool = True,
    ) -> tuple[Indicator, str] | None:
        """The indicator whose labels or definition best fit the figure's own phrase, if
        it scores at least ``indicators.threshold``; and that phrase. Failing the own phrase,
        the words since the figure before it in the sentence (``since``) count a little less;
        a rank or a score may also be named in the sentence before (``previous``)."""
        wanted = KINDS[kind]
        phrases = own_phrase(before, after, kind)
        # a semicolon closes the figure before's item ("80% thủ tục … mức độ 4; tối thiểu 80%
        # hồ sơ …"): its words are not this figure's
        since = since[since.rfind(";") + 1 :]
        named = (
            kind == "rank"
            and bool(phrases)
            and content(phrases[0][0], names=False) >= 3
            and bool(_ABOUT_AFTER.match(fold(after)))
        )
        if named:
            # "đứng đầu cả nước về tỷ lệ …", "xếp thứ 7 cả nước về chỉ số hài lòng …": a rank
            # that says what it ranks is read in its own words only, never given the index
            # named before it in the sentence, the paragraph or the title
            since = previous = topic = ""
        # the words since the figure before, unless they are already part of its own phrase
        # (a sentence's first figure: "Việc hoàn thành 16/16 nhiệm vụ"), where a fragment
        # ("hoàn thành") would outscore the phrase they belong to
        own_noun = bool(phrases) and phrases[0][0] in after and content(phrases[0][0]) >= 3
        if own_noun and _JOINED_END.search(fold(since)):
            # "100% hồ sơ được số hóa, 90% người dân sử dụng …": the words since the figure
            # before are that figure's noun; this one has its own
            since = ""
        if since.strip() and not any(since.strip() in p for p, _ in phrases):
            # an own phrase of one or two meaningful syllables ("tăng", "đạt tỉ lệ") names
            # nothing: the words since the figure before then count as much
            weak = not phrases or content(phrases[0][0]) < 3
            phrases.append((tail_words(since, 120), 1.0 if weak else 0.85))
        weak = not phrases or content(phrases[0][0], names=False) < 3
        if previous and (kind in ("rank", "score") or weak or anaphora):
            # a sentence that goes on with the one before ("Cụ thể, tỉnh đạt 83,4 điểm") reads
            # its indicator there almost as surely as in its own words
            factor = 0.9 if continued else 0.75
            phrases.append((tail_words(previous, 250) + " " + tail_words(since, 120), factor))
        if topic and kind in ("rank", "score"):
            # "Chỉ số SIPAS 2023: … Quảng Ninh dẫn đầu": an index ranked or scored is often
            # named only in the title or earlier in the paragraph
            phrases.append((topic, -0.7))
        best: tuple[float, Indicator] | None = None
        # "08 tổ công nghệ cấp xã" counts teams: no label that counts places fits it
        noun = _DETERMINER.sub("", fold(after).lstrip(" ()")) if kind in ("count", "ratio") else ""
        other_things = bool(_LETTER_START_FOLDED.match(noun)) and not self._place_head(noun)
        group = self._noun_group(fold(after).lstrip(" ()")) if kind != "rank" else None
        # a negative factor marks a context (the sentence before, the title and paragraph)
        for text, signed in phrases:
            factor, context = abs(signed), signed < 0
            if best is not None and best[0] >= factor:
                continue  # no score beats 1: this phrase cannot win
            for found in self.matcher.rank(text, wanted, top=3, context=context):
                if not changing and _CHANGE_CONCEPT.search(found.indicator.notation):
                    continue  # "PAR INDEX đạt 88,12%" is the index, not its change
                if other_things and (
                    self._place_head(fold(found.label))
                    or self._place_head(fold(found.indicator.label_vi))
                ):
                    continue
                if group is not None and self._names_other_noun(found.indicator, group):
                    continue  # "100% thủ tục hành chính …" is no dossiers' rate
                score = found.score * factor
                if best is None or score > best[0]:
                    best = (score, found.indicator)
                break
        if best is None or best[0] < self.figures.indicator_threshold:
            return None
        return best[1], phrases[0][0]

    def _noun_group(self, folded_noun: str) -> int | None:
        """The group of ``noun_groups`` whose noun opens a figure's noun, if any."""
        for i, group in enumerate(self.figures.noun_groups):
            if any(folded_noun.startswith(w + " ") or folded_noun == w for w in group):
                return i
        return None

    def _names_other_noun(self, indicator: Indicator, group: int) -> bool:
        """Whether an indicator's name speaks of another group's noun and not of ``group``'s
        ("tỷ lệ hồ sơ trực tuyến toàn trình" for a figure of procedures)."""
        # the name's words between single spaces: a group's word is in it as " word "
        name = f" {' '.join(_WORDS.findall(fold(indicator.label_vi)))} "
        groups = self.figures.noun_groups
        if any(f" {w} " in name for w in groups[group]):
            return False
        return any(f" {w} " in name for i, g in enumerate(groups) if i != group for w in g)

    def _place_head(self, folded: str) -> bool:
        """Whether a noun phrase (folded) counts places: "xã đã thành lập …", "số địa
        phương …" (the "số" of a count's name left out)."""
        return bool(self.figures.place_heads.match(_without_so(folded)))

    def _whole(
        self, upto: str, after: str, ok: Callable[[PhraseMatch], bool]
    ) -> tuple[Indicator, str] | None:
        """The indicator of a count that is a whole ("Trong 41 chỉ tiêu"), given the text
        before it (``upto``, which may hold an earlier figure, "Trong 41 chỉ tiêu và 80"):
        the thesaurus phrase made of ``totals.phrase`` and the noun after the count."""
        rules = self.figures
        if rules.total_before is None or not rules.total_before.search(fold(upto)):
            return None
        noun = NOUN_AFTER.match(after)
        if noun is None:
            return None
        words = noun.group(1).strip()
        head = f"{rules.total_phrase} "
        found = [m for m in self.thesaurus.matches(head + words) if m.start == 0 and ok(m)]
        if not found:
            return None
        best = max(found, key=lambda m: m.end)
        return best.indicator, words[: best.end - len(head)]

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
