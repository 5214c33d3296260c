"""Which indicator a figure measures: its own noun phrase scored against the thesaurus.

A figure's phrase (the words that govern the number, see :func:`own_phrase`) is compared
with every indicator of a fitting value kind (a percentage only with percentage indicators,
a rank only with ranks …; deprecated concepts never) through the indicator's Vietnamese
labels: preferred, alternative and hidden, and optionally its definition. Words are
syllables keyed with their tone (:func:`syllable_key`: "toàn" is not "toán", "hóa" is "hoá");
a phrase written without diacritics is compared accent-folded. Abbreviations ("TTHC") are read
as the words they stand for, synonyms ("qua mạng") as theirs, and words that only restate the
value kind ("tỷ lệ" of a percentage, "xếp thứ" of a rank) are left out. The features are the
syllables and the pairs of neighbouring syllables (Vietnamese words are mostly two syllables:
"hồ sơ", "trực tuyến"), each weighted by how rare it is among the indicators (IDF), so "số"
weighs little and "đúng hạn" much.

A label scores the weighted share of its features found in the phrase (all of them when the
label is written in the phrase as is), lowered by the share of the phrase the label leaves
unexplained (the more specific indicator wins a tie); for a context (a title, a paragraph)
that share hardly counts. A definition, when used, scores the share of the phrase it explains,
discounted. The best indicator is taken when it reaches the threshold, else the figure stays
unclassified with its phrase. Thresholds and weights are in ``[indicators]`` of
``mappings/quantities.toml``, with the measurements that chose them.

Token overlap was chosen over a fuzzy-string library (rapidfuzz and scikit-learn are not
installed, and the project does not depend on them): the gains of edit distance are on
misspellings, which tone keys, folding and hidden labels already cover, and what decides an
indicator here is which words of the phrase a label covers, not how similar two strings are.

(Over 500 lines: the matcher and the reading of a figure's own phrase share one set of
syllable keys, stop words and kind words.)
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from cdskg.extract.thesaurus import Indicator, Thesaurus
from cdskg.rdf.iri import fold

_WORD = re.compile(r"[a-z0-9]+")
#: syllables that carry no meaning of their own in an indicator phrase (folded)
STOPWORDS = frozenset(
    [
        "cua",
        "cac",
        "nhung",
        "duoc",
        "da",
        "dang",
        "se",
        "va",
        "voi",
        "trong",
        "tren",
        "cho",
        "tai",
        "theo",
        "la",
        "co",
        "dat",
        "nay",
        "do",
        "mot",
        "mo",
        "cung",
        "nhu",
        "thi",
        "ve",
        "tu",
        "den",
        "toi",
        "nam",
        "ngay",
        "thang",
        "hien",
        "nay",
        "hon",
        "gan",
        "khoang",
        "tong",
        "dia",
        "ban",
        "toan",
        "dia",
        "phuong",
        "huyen",
        "tinh",
        "xa",
        "phuong",
        "quan",
        "thanh",
        "pho",
        "thi",
        "tran",
        "con",
    ]
)


def _pairs(words: list[str], stop: frozenset[str] = STOPWORDS) -> set[str]:
    out = {w for w in words if w not in stop}
    out.update(f"{a} {b}" for a, b in itertools.pairwise(words) if not (a in stop and b in stop))
    return out


#: the tone marks of Vietnamese (combining characters after NFD) and their digits
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_VOWELS = set("aăâeêioôơuưy")
_SYLLABLE = re.compile(r"[^\W_]+")


def syllable_key(word: str) -> str:
    """A syllable with its tone as a trailing digit, so that "hóa" and "hoá" (two placements
    of one tone) and "tỷ" and "tỉ" (two spellings) are one key, and "toàn" ("whole") and
    "toán" ("pay"), which accent folding confuses, are two.

    >>> syllable_key("hóa") == syllable_key("hoá"), syllable_key("tỷ") == syllable_key("tỉ")
    (True, True)
    >>> syllable_key("toàn") == syllable_key("toán")
    False
    """
    nfd = unicodedata.normalize("NFD", word.lower())
    tone = ""
    base = []
    for ch in nfd:
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            base.append(ch)
    key = unicodedata.normalize("NFC", "".join(base)).replace("\u00f0", "đ")
    if len(key) >= 2 and key[-1] == "y" and key[-2] not in _VOWELS:
        key = key[:-1] + "i"  # "tỷ", "kỹ", "lý" written "tỉ", "kĩ", "lí"
    return key + tone


def _keys(text: str) -> str:
    return " ".join(syllable_key(w) for w in _SYLLABLE.findall(text))


#: stop words and kind words as syllable keys (for tone-aware matching)
STOP_KEYS = frozenset(
    _keys(
        "của các những được đã đang sẽ và với trong trên cho tại theo là có đạt này đó một mỗi "
        "mọi cũng như thì về từ đến tới năm ngày tháng hiện nay hơn gần khoảng tổng địa bàn toàn "
        "phương huyện tỉnh xã phường quận thành phố thị trấn còn"
    ).split()
)
_KIND_PHRASES = {
    # a verbal rank states its value in these words ("có số lượng hồ sơ cao nhất" = 1)
    "rank": "đứng ở thứ hạng|đứng ở vị trí|xếp thứ hạng|xếp hạng|thứ hạng|xếp thứ|đứng thứ|"
    "đứng vị trí|vị trí|hạng|thứ|cao nhất|thấp nhất|dẫn đầu|đứng đầu|đứng cuối|cuối bảng",
    "percentage": "tỷ lệ|phần trăm",
    "score": "tổng điểm|số điểm|điểm số|đạt điểm|điểm",
    "count": "số lượng",
}
_SO_KEY = _keys("số")
KIND_KEYS = {
    kind: re.compile(
        r"(?<!\S)(?:" + "|".join(re.escape(_keys(p)) for p in phrases.split("|")) + r")(?!\S)"
    )
    for kind, phrases in _KIND_PHRASES.items()
}


#: words that only restate a value kind ("xếp thứ" of a rank, "tỷ lệ" of a percentage):
#: once the kind is fixed they say nothing about the indicator, in a phrase or a label
KIND_WORDS = {
    "rank": re.compile(
        r"\b(?:dung o thu hang|dung o vi tri|xep thu hang|xep hang|thu hang|xep thu|dung thu|"
        r"dung vi tri|vi tri|hang|thu|cao nhat|thap nhat|dan dau|dung dau|dung cuoi|cuoi bang)\b"
    ),
    "percentage": re.compile(r"\b(?:ty le|ti le|phan tram)\b"),
    "score": re.compile(r"\b(?:tong diem|so diem|diem so|dat diem|diem)\b"),
    "count": re.compile(r"\b(?:so luong)\b"),
}


@dataclass(frozen=True)
class Scored:
    indicator: Indicator
    score: float
    label: str  # the label (or "definition") that gave the score


@dataclass(frozen=True)
class _Entry:
    notation: str
    label: str
    folded: str  # " word word … " as compared
    feats: frozenset[str]
    weight: float
    definition: bool = False


class IndicatorMatcher:
    """The thesaurus's indicators as bags of weighted features, scored against a phrase."""

    #: a definition explains a phrase less surely than a label (0: definitions not used)
    DEFINITION_FACTOR = 0.7
    #: how much the share of the phrase a label leaves unexplained lowers its score
    SPECIFICITY = 0.35
    #: how many of a phrase's best indicators are kept for the phrases an article repeats
    KEPT = 10

    def __init__(
        self,
        thesaurus: Thesaurus,
        abbreviations: dict[str, str] | None = None,
        definition_factor: float = 0.7,
        tones: bool = True,
        synonyms: dict[str, str] | None = None,
        phrase_synonyms: dict[str, str] | None = None,
    ):
        self.thesaurus = thesaurus
        #: compare syllables with their tones (else accent-folded)
        self.tones = tones
        self._abbreviations = abbreviations
        #: word as written → its key (or the keys of what it abbreviates)
        self._word_keys: dict[str, str] = {}
        self._synonyms = synonyms
        to_words = _keys if tones else (lambda t: " ".join(_WORD.findall(fold(t))))
        pairs = [(to_words(a), to_words(b)) for a, b in (synonyms or {}).items()]
        self._synonym_pattern = (
            re.compile(r"(?<!\S)(" + "|".join(re.escape(a) for a, _ in pairs) + r")(?!\S)")
            if pairs
            else None
        )
        self._synonym_of = dict(pairs)
        # read in a figure's phrase only, never in a label: "hồ sơ thủ tục hành chính" is
        # "hồ sơ" as a figure's noun, while the label of that name keeps its words
        self._phrase_synonyms = phrase_synonyms
        short = [(to_words(a), to_words(b)) for a, b in (phrase_synonyms or {}).items()]
        self._phrase_pattern = (
            re.compile(r"(?<!\S)(" + "|".join(re.escape(a) for a, _ in short) + r")(?!\S)")
            if short
            else None
        )
        self._phrase_of = dict(short)
        self._folded: IndicatorMatcher | None = None
        self._stop = STOP_KEYS if tones else STOPWORDS
        #: folded abbreviation → folded words ("tthc" → "thu tuc hanh chinh")
        self.abbreviations = {
            fold(k): _keys(v) if tones else " ".join(_WORD.findall(fold(v)))
            for k, v in (abbreviations or {}).items()
        }
        raw: list[tuple[str, str, str, bool]] = []
        for notation, labels in thesaurus.labels.items():
            kind = thesaurus.indicators[notation].value_kind
            for label in labels:
                raw.append((notation, label, self.words(label, kind), False))
        self.definition_factor = definition_factor
        for notation, text in thesaurus.definitions.items() if definition_factor > 0 else ():
            kind = thesaurus.indicators[notation].value_kind
            raw.append((notation, "definition", self.words(text, kind), True))
        bags: dict[str, set[str]] = {}
        for notation, _, folded, is_def in raw:
            if not is_def:
                bags.setdefault(notation, set()).update(_pairs(folded.split(), self._stop))
        df = Counter(f for bag in bags.values() for f in bag)
        n = max(1, len(bags))
        self.idf = {f: math.log(1 + n / c) for f, c in df.items()}
        self._wcache: dict[str, float] = {}
        self._default_idf = math.log(1 + n)
        #: value kind → feature → indexes (into ``_entries``) of the labels that have it;
        #: definitions apart, in ``_definitions``: they are scored on another rule, and
        #: only through word pairs (:meth:`_rank`)
        self._entries: list[_Entry] = []
        self._index: dict[str, dict[str, list[int]]] = {}
        self._definitions: dict[str, dict[str, list[int]]] = {}
        for notation, label, folded, is_def in raw:
            f = _pairs(folded.split(), self._stop)
            if not f:
                continue
            entry = _Entry(notation, label, f" {folded} ", frozenset(f), self._weight(f), is_def)
            kind = thesaurus.indicators[notation].value_kind
            index = (self._definitions if is_def else self._index).setdefault(kind, {})
            for feature in f:
                index.setdefault(feature, []).append(len(self._entries))
            self._entries.append(entry)
        # the scoring loop reads these for every entry a phrase shares a feature with
        self._weight_of = [e.weight for e in self._entries]
        self._notation_of = [e.notation for e in self._entries]
        self._cache: dict[tuple[str, tuple[str, ...], bool], list[tuple[str, float, str]]] = {}

    def words(self, text: str, kind: str | None = None) -> str:
        """``text`` folded to words as compared: abbreviations written out, the words of
        ``kind`` left out."""
        return self._kind_words(self._plain_words(text), kind)

    def _plain_words(self, text: str) -> str:
        abbreviations = self.abbreviations
        if self.tones:
            cache = self._word_keys
            keys = []
            for w in _SYLLABLE.findall(text):
                key = cache.get(w)
                if key is None:
                    key = cache[w] = abbreviations.get(fold(w)) or syllable_key(w)
                keys.append(key)
            out = " ".join(keys)
        else:
            out = " ".join(
                x for w in _WORD.findall(fold(text)) for x in abbreviations.get(w, w).split()
            )
        if self._synonym_pattern is not None:
            out = self._synonym_pattern.sub(lambda m: self._synonym_of[m.group(1)], out)
        return out

    def _kind_words(self, plain: str, kind: str | None) -> str:
        patterns = KIND_KEYS if self.tones else KIND_WORDS
        if kind in patterns:
            words = patterns[kind].sub(" ", plain).split()
            if kind == "count" and words[:1] == [_SO_KEY if self.tones else "so"]:
                words = words[1:]  # "số hồ sơ trực tuyến": "số" opens every count's name
            return " ".join(words)
        return plain

    def _w(self, feature: str) -> float:
        w = self._wcache.get(feature)
        if w is None:
            w = self.idf.get(feature, self._default_idf)
            w = w if " " in feature else w * 0.6  # a pair says more than a syllable
            self._wcache[feature] = w
        return w

    def _weight(self, feats) -> float:
        return sum(self._w(f) for f in feats)

    def rank(
        self, phrase: str, kinds: tuple[str, ...], top: int = 3, context: bool = False
    ) -> list[Scored]:
        """The best indicators of the value kinds ``kinds`` for ``phrase``, best first. A
        ``context`` (a title, a paragraph) is not the figure's phrase: how much of it a label
        leaves unexplained hardly counts."""
        if self.tones and phrase.isascii():
            # written without diacritics ("ho so truc tuyen"): compare accent-folded
            if self._folded is None:
                self._folded = IndicatorMatcher(
                    self.thesaurus,
                    self._abbreviations,
                    self.definition_factor,
                    tones=False,
                    synonyms=self._synonyms,
                    phrase_synonyms=self._phrase_synonyms,
                )
            return self._folded.rank(phrase, kinds, top, context)
        specificity = 0.05 if context else self.SPECIFICITY
        if top > self.KEPT:
            ranked = self._rank(phrase, kinds, specificity, top)
        else:
            key = (phrase, kinds, context)
            ranked = self._cache.get(key)
            if ranked is None:
                ranked = self._rank(phrase, kinds, specificity, self.KEPT)
                if len(self._cache) > 4096:
                    self._cache.clear()
                self._cache[key] = ranked
        return [Scored(self.thesaurus.indicators[n], sc, lb) for n, sc, lb in ranked[:top]]

    def clear_cache(self) -> None:
        """Forget the phrases scored so far (they are kept for the phrases an article
        repeats, such as a title that is also its first sentence)."""
        self._cache.clear()

    def _rank(
        self, phrase: str, kinds: tuple[str, ...], specificity: float, top: int
    ) -> list[tuple[str, float, str]]:
        # the hot loop of extraction (every figure, every kind, every entry sharing a
        # feature): flat lists and local names rather than attribute lookups
        score_of: dict[str, float] = {}
        entry_of: dict[str, int] = {}
        entries = self._entries
        weight_of = self._weight_of
        notation_of = self._notation_of
        plain = self._plain_words(phrase)
        if self._phrase_pattern is not None:
            plain = self._phrase_pattern.sub(lambda m: self._phrase_of[m.group(1)], plain)
        for kind in kinds:
            folded = self._kind_words(plain, kind)
            pf = _pairs(folded.split(), self._stop)
            index = self._index.get(kind)
            if not pf or not index:
                continue
            weights = {f: self._w(f) for f in pf}
            p_weight = sum(weights.values())
            overlap: dict[int, float] = {}
            get = overlap.get
            for f, w in weights.items():
                postings = index.get(f)
                if postings is not None:
                    for i in postings:
                        overlap[i] = get(i, 0.0) + w
            # a label written in the phrase as is has all its features there: covered is 1
            for i, shared in overlap.items():
                covered = shared / weight_of[i]
                score = (covered if covered < 1.0 else 1.0) * (
                    1 - specificity * (1 - shared / p_weight)
                )
                n = notation_of[i]
                if score > score_of.get(n, -1.0):
                    score_of[n] = score
                    entry_of[n] = i
            definitions = self._definitions.get(kind)
            if not definitions or self.definition_factor <= 0:
                continue
            # a definition explains a phrase only through two word pairs or more
            shared_of: dict[int, float] = {}
            pairs: dict[int, int] = {}
            for f in weights:
                if " " not in f:
                    continue
                for i in definitions.get(f, ()):
                    pairs[i] = pairs.get(i, 0) + 1
            for i, count in pairs.items():
                if count >= 2:
                    shared_of[i] = sum(w for f, w in weights.items() if f in entries[i].feats)
            for i, shared in shared_of.items():
                score = self.definition_factor * (shared / p_weight)
                n = notation_of[i]
                if score > score_of.get(n, -1.0):
                    score_of[n] = score
                    entry_of[n] = i
        # as sorted(…, reverse=True)[:top]: ties keep the order the entries were met in
        ranked = heapq.nlargest(top, score_of.items(), key=lambda kv: kv[1])
        return [(n, sc, entries[entry_of[n]].label) for n, sc in ranked]

    def best(self, phrase: str, kinds: tuple[str, ...], threshold: float) -> Scored | None:
        ranked = self.rank(phrase, kinds, top=1)
        if ranked and ranked[0].score >= threshold:
            return ranked[0]
        return None


#: words between a figure's subject and the number ("Tỷ lệ … đạt 90%", "… là 12", "…: 5"),
#: with their tones ("đạt" links, "lắp đặt" does not); stripped from the end of the words
#: before a number, repeatedly
_LINK = (
    "đạt được|đạt tỷ lệ|đạt tỉ lệ|đạt mức|chiếm tỷ lệ|chiếm tỉ lệ|ở mức|lần lượt là|"
    "lần lượt đạt|lần lượt|đạt|là|chiếm|gồm|có|với|bằng|lên|xuống|tăng lên|giảm xuống|"
    "tăng thêm|giảm đi|tăng|giảm|khoảng|gần|hơn|trên|dưới|xấp xỉ|ước đạt|ước tính|ít nhất|"
    "tối thiểu|tối đa|chưa đến|vượt|trong đó|cụ thể"
)
_COPULA = (
    "đạt được|đạt tỷ lệ|đạt tỉ lệ|đạt mức|chiếm tỷ lệ|chiếm tỉ lệ|ở mức|đạt|là|chiếm|"
    "lần lượt là|lần lượt đạt|lần lượt"
)
_QUALIFY = "khoảng|gần|hơn|trên|dưới|xấp xỉ|ít nhất|tối thiểu|tối đa|chưa đến|vượt"


def _link_patterns(link: str, copula: str, qualify: str) -> tuple[re.Pattern, re.Pattern]:
    return (
        re.compile(rf"(?:^|\s)(?:{link})\s*[:–-]?\s*$|\s*[:–-]\s*$"),
        re.compile(rf"(?:^|\s)(?:{copula})(?:\s+(?:{qualify}))?\s*$|:\s*$"),
    )


_LINK_END, _COPULA_END = _link_patterns(_LINK, _COPULA, _QUALIFY)
#: the same words folded, for text written without its diacritics
_LINK_END_FOLDED, _COPULA_END_FOLDED = _link_patterns(fold(_LINK), fold(_COPULA), fold(_QUALIFY))
#: words after a number that are not its noun ("90% so với kế hoạch", "97% trở lên")
_NOT_NOUN_AFTER = re.compile(
    r"^\s*(?:so voi|tro len|tro xuong|ke hoach|cung ky|tren tong|tong so|"
    r"diem|lan|bac|hang)\b"
)
_ABOUT = re.compile(r"^(?:[^,;]{0,30}?\s)?ve\s+")
_LETTER_START = re.compile(r"^\s*[^\W\d_]")


def strip_links(before: str) -> tuple[str, bool, bool]:
    """``before`` without the linking words at its end; whether a copula was among them
    (then ``before`` is the figure's subject) and whether any linking word was."""
    # matched with tones where the text has them: folded, "lắp đặt" would end in "đạt"
    toned = before.lower()
    if toned.isascii():
        folded, link_end, copula_end = fold(before), _LINK_END_FOLDED, _COPULA_END_FOLDED
    else:
        folded, link_end, copula_end = toned, _LINK_END, _COPULA_END
    copula = linked = False
    while True:
        m = link_end.search(folded)
        if m is None or m.start() == m.end():
            break
        copula = copula or bool(copula_end.search(folded[m.start() :]))
        linked = linked or bool(folded[m.start() :].strip(" :-–"))
        folded = folded[: m.start()]
        before = before[: m.start()]
    return before.strip(" ,;:-–("), copula, linked


def tail_words(text: str, limit: int = 80) -> str:
    """The end of ``text``, at most ``limit`` characters, cut between words."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    space = cut.find(" ")
    return cut[space + 1 :] if 0 <= space < limit // 2 else cut


def head_words(text: str, limit: int = 80) -> str:
    """The start of ``text``, at most ``limit`` characters, cut between words."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


#: a "và" that opens a new predicate ("… và đã cấp", "và cũng có"), not one that joins verbs
_NEW_PREDICATE = re.compile(r"(?i)\bvà\s+(?=(?:đã|đang|được|cũng|còn|sẽ)\b)")


def own_phrase(before: str, after: str, kind: str) -> list[tuple[str, float]]:
    """The phrases that may name what a figure measures, most likely first, each with how
    much its score counts: ``before`` is its clause up to the number, ``after`` the clause
    from the end of the number as written.

    A count or a percentage followed by a noun measures that noun ("238 dịch vụ công trực
    tuyến", "100% văn bản được ký số"), unless the words before end with a copula ("Tỷ lệ
    hồ sơ trực tuyến đạt 90%"); ranks and scores measure the words before them. The whole
    clause without the number comes second, counted a little less.
    """
    subject, copula, linked = strip_links(before)
    subject = tail_words(subject, 120)
    # words after a comma right after the number open another clause ("xếp thứ 5, Kinh tế
    # số xếp thứ 8"): they are not this figure's
    noun = "" if after.lstrip(" )")[:1] in (",", ";") else head_words(after.strip(" ,;:-–)"), 120)
    folded_after = fold(noun)
    if kind in ("rank", "score"):
        # "xếp thứ 5 về chính quyền số", "đứng thứ 2 cả nước về tỷ lệ …": what follows "về"
        about = _ABOUT.match(folded_after) if kind == "rank" else None
        primary = noun[about.end() :] if about else subject
    else:
        nounlike = (
            bool(noun)
            and bool(_LETTER_START.match(noun))
            and not _NOT_NOUN_AFTER.match(folded_after)
        )
        # a colon before a percentage with a noun phrase of its own opens a list ("đạt nhiều
        # kết quả: 100% cán bộ dùng …"), it is no copula of a label ("Tỷ lệ hồ sơ: 90%")
        listed = before.rstrip().endswith(":") and kind == "percentage" and content(noun) >= 3
        primary = subject if (copula and subject and not listed) or not nounlike else noun
        primary = primary or noun
        if kind in ("count", "money") and primary == noun and subject and not linked:
            # "đã hoàn thành 21 chỉ tiêu": the verb that governs a count is part of its phrase
            # … of its own clause: "thu nhận 30.437 hồ sơ, kích hoạt 29.064 …" is "kích hoạt"
            verb = tail_words(subject, 30)
            # … and of its own predicate: "2.870 hộ kinh doanh … và đã cấp 1.140 chứng thư
            # số" ("tiếp nhận và giải quyết" is one verb: no marker after its "và")
            joined = max((m.end() for m in _NEW_PREDICATE.finditer(verb)), default=0)
            cut = max(verb.rfind(","), verb.rfind(";") + 1, joined)
            primary = f"{verb[cut:].strip(' ,')} {noun}"
    whole = f"{subject} {noun}".strip()
    out = [(primary, 1.0)] if primary else []
    if whole and whole != primary:
        out.append((whole, 0.9))
    return out


#: words that name no indicator however a figure is phrased (folded): the places compared
#: and how they stand ("Đà Nẵng là địa phương có tỷ lệ cao nhất với 92,5%")
_GENERIC = re.compile(
    r"\b(?:dia phuong|ca nuoc|toan quoc|toan tinh|tiep den|tiep theo|tiep do|ke den)\b"
)


def meaning(text: str, kind: str | None = None) -> int:
    """How many syllables of ``text`` could name an indicator: no names, stop words, words
    of the value kind (``kind``: "tỷ lệ", "cao nhất" of a rank) or places compared."""
    words = " ".join(w for w in text.split() if not w[:1].isupper())
    folded = fold(words)
    if kind in KIND_WORDS:
        folded = KIND_WORDS[kind].sub(" ", folded)
    if kind == "percentage":
        folded = KIND_WORDS["rank"].sub(" ", folded)  # "có tỷ lệ cao nhất với 92,5%"
    return len(syllables(_GENERIC.sub(" ", folded)))


def content(text: str, names: bool = True) -> int:
    """How many syllables of ``text`` carry meaning (not stop words); with ``names`` false,
    capitalised words (names of places and people) do not count."""
    if not names:
        text = " ".join(w for w in text.split() if not w[:1].isupper())
    return len(syllables(text))


def syllables(text: str) -> list[str]:
    """Accent-folded, lower-case syllables of ``text`` without the stop words."""
    return [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS]
