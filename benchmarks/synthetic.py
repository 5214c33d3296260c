"""A synthetic corpus for benchmarks: sentences of our own test paragraphs
(tests/paragraphs/), recombined with other localities and other numbers.

Deterministic for a given seed, so two runs measure the same work.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from cdskg.units import DISTRICT_LEVELS, WARD_LEVELS, load_units

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


def _renumber(text: str, rng: random.Random) -> str:
    def repl(m: re.Match[str]) -> str:
        old = m.group(0)
        if "," in old:
            return f"{rng.randint(1, 99)},{rng.randint(0, 99):02d}"
        if "." in old:
            return f"{rng.randint(1, 999)}.{rng.randint(0, 999):03d}"
        if len(old) == 4 and old.startswith("20"):
            return old  # years stay years
        return str(max(1, int(old) + rng.randint(-int(old) // 3, int(old) // 3 + 1)))

    return _NUMBER.sub(repl, text)


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
