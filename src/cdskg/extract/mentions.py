"""People, organisations, legal documents and platforms named in an article, and the
article's own metadata (publisher, authors): ``mappings/mentions.toml`` applied."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cdskg.extract.gazetteer import Gazetteer
from cdskg.extract.records import ArticleRecord, Evidence, Mention
from cdskg.extract.units import AdminUnit
from cdskg.rdf.iri import fold

_CAP = r"[A-ZĐÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ]"
_NAME = rf"{_CAP}[\w]*(?:\s+{_CAP}[\w]*){{1,3}}"
_POST_STOP = re.compile(r"\s+(?:cho biết|kiến nghị|nhấn mạnh|phát biểu|khẳng định|nêu|đề nghị)\b")
_ORG_STOP = re.compile(
    r"\s+(?:đã|đang|sẽ|ngày|công bố|trên|tiếp tục|kiến nghị|cho biết|phê duyệt|là|có|và|với|"
    r"chỉ đạo|ban hành|tổ chức|hướng dẫn|thực hiện)\b"
)
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
    #: a platform named in quotes after a word of its kind ("nền tảng “Tiền Giang số”")
    quoted_platform: re.Pattern[str] | None = None
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
                # not inside a document's number ("125/KH-UBND của UBND tỉnh")
                rf"(?<![\w/-])(?P<org>(?:{head_alt})(?:\s+(?:T[Pp]\.(?=\s)|[\w-]+)){{0,10}})"
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
            quoted_platform=re.compile(data["platforms_named"]["quoted"])
            if "platforms_named" in data
            else None,
        )


class MentionFinder:
    """Finds the mentions and metadata of one article at a time."""

    def __init__(self, rules: MentionRules, gazetteer: Gazetteer):
        self.mention_rules = rules
        self.gazetteer = gazetteer

    def metadata(self, record: ArticleRecord) -> None:
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

    def mentions(self, record: ArticleRecord, to_source, main: AdminUnit | None) -> None:
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
        for m in rules.quoted_platform.finditer(text) if rules.quoted_platform else ():
            name = m.group("name").strip()
            known = (fold(x.name) for x in record.mentions if x.kind == "platform")
            if fold(name) not in known:
                add(Mention("platform", name, ev(m.start("name"), m.end("name"))))
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
