"""A synthetic corpus for benchmarks: sentences of our own test paragraphs
(tests/paragraphs/), recombined with other localities and other numbers.

Deterministic for a given seed, so two runs measure the same work.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from cdskg.extract.units import DISTRICT_LEVELS, WARD_LEVELS, load_units

PARAGRAPHS = Path(__file__).resolve().parents[1] / "tests" / "paragraphs"
_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+|\d+,\d+|\d+")
_UNIT = re.compile(
    r"(xã|phường|thị trấn|huyện|quận|thị xã) ([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?: [A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3})"
)
_TYPE_WORD = {
    "ward": "phường",
    "commune": "xã",
    "township": "thị trấn",
    "district": "huyện",
    "urban-district": "quận",
    "town": "thị xã",
    "provincial-city": "thành phố",
}


def _sentences() -> tuple[list[str], list[str]]:
    titles, body = [], []
    for path in sorted(PARAGRAPHS.glob("*.txt")):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        titles.append(lines[0])
        for line in lines[1:]:
            body.extend(s for s in re.split(r"(?<=\.)\s+", line) if len(s) > 40)
    return titles, body


_RATIO = re.compile(r"(\d[\d.]*)/(\d[\d.]*)")
_PERCENT = re.compile(r"(\d+(?:,\d+)?)(\s*%)")


def _renumber(text: str, rng: random.Random) -> str:
    """Other numbers, keeping what makes them plausible: X/Y with X ≤ Y, rates ≤ 100,
    years, dates, identifiers and model names ("4.0") as they were."""

    def ratio(m: re.Match[str]) -> str:
        if "." in m.group(1) or "." in m.group(2) or len(m.group(2)) == 4:
            return m.group(0)  # a date, an identifier or a thousands figure: keep
        total = max(1, int(m.group(2)) + rng.randint(-2, 5))
        return f"{rng.randint(max(0, total - 3), total)}/{total}"

    def percent(m: re.Match[str]) -> str:
        return f"{rng.randint(5, 99)},{rng.randint(0, 99):02d}{m.group(2)}"

    def count(m: re.Match[str]) -> str:
        old = m.group(0)
        if "," in old or (len(old) == 4 and old.startswith("20")):
            return old
        if "." in old:
            return f"{rng.randint(1, 999)}.{rng.randint(0, 999):03d}"
        return str(max(1, int(old) + rng.randint(-int(old) // 3, int(old) // 3 + 1)))

    out = []
    for piece in re.split(r"(\S*\d\S*)", text):
        if not piece or (not piece[0].isdigit() and not any(c.isdigit() for c in piece)):
            out.append(piece)
        elif _RATIO.fullmatch(piece.rstrip(".,;")):
            out.append(_RATIO.sub(ratio, piece))
        elif "%" in piece:
            out.append(_PERCENT.sub(percent, piece))
        elif re.search(r"[/:-]|\d\.\d(?!\d)", piece):
            out.append(piece)  # dates, times, identifiers, model names
        else:
            out.append(_NUMBER.sub(count, piece))
    return "".join(out)


def make_corpus(folder: Path, n: int, seed: int = 7) -> list[Path]:
    """Write ``n`` articles into ``folder``; returns their paths."""
    rng = random.Random(seed)
    table = load_units()
    wards = [u for u in table.units.values() if u.snapshot == "pre2025" and u.level in WARD_LEVELS]
    districts = {
        u.iri: u
        for u in table.units.values()
        if u.snapshot == "pre2025" and u.level in DISTRICT_LEVELS
    }
    titles, body = _sentences()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        ward = rng.choice(wards)
        district = districts.get(ward.parent or "")
        place = f"{_TYPE_WORD[ward.level]} {ward.short}"
        parent = f" ({_TYPE_WORD[district.level]} {district.short})" if district else ""
        sentences = rng.sample(body, k=min(len(body), rng.randint(6, 14)))
        text = " ".join(_renumber(s, rng) for s in sentences)
        # a replacement string would read backslashes; no unit name has one, but be exact
        text = _UNIT.sub(place.replace("\\", r"\\"), text)
        title = _UNIT.sub(place.replace("\\", r"\\"), rng.choice(titles))
        lead = f"Thời gian qua, {place}{parent} tích cực triển khai chuyển đổi số."
        path = folder / f"synthetic_{i:05d}.txt"
        path.write_text(f"{title}\n\n{lead}\n\n{text}\n", encoding="utf-8")
        paths.append(path)
    return paths
