"""The catalogue's answers for its declared defaults, computed once per store version.

The preparer (:mod:`cdskg.publish.prepare`) runs every catalogue query with its declared
defaults (and, for a query with a ``lang`` parameter, with each page language) and writes
each answer as the server would serialise it, in every result format, into the version's
folder: ``answers/IDENTITY/NAME.KEY.FORMAT``. The web layer (``/queries/NAME``) sends those
bytes when a request's parameters come to the same bindings, and runs the query itself
otherwise, or while the answer is not written yet.

Keys, so that nothing stale is ever served:

* ``IDENTITY`` (:func:`identity`) is the generation's name with RocksDB's ``IDENTITY`` and
  ``CURRENT`` files: a store made again at the same path, whose first generation is
  ``000001`` again, has another identity, and a new generation another name;
* ``KEY`` (:func:`case_key`) hashes the query's text with its bound terms: a query file
  edited while the server runs, or other parameter values, have another key.

Each file is written whole and renamed into place, so a file that exists is complete. A
query that runs past ``time_limit`` seconds, or whose process holds more than ``max_bytes``,
is given up (the child process answering the queries is ended, another takes the rest)
and answered live, under the server's time limit, as before.

The child is ``python -m cdskg.publish.answers GENERATION FOLDER NAME…``: it prints each
name before it runs the query, so the parent knows which one to give up.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox

from cdskg.publish import query_catalogue as catalogue
from cdskg.store.query import RESULT_FORMATS

#: The folder of the answers in a version's folder.
ANSWERS = "answers"
#: Written last, once every query was answered or given up.
DONE = "done.json"
#: The page languages a query with a ``lang`` parameter is answered in.
LANGS = ("vi", "en")


def identity(generation: Path) -> str:
    """What tells this generation from any other, even one of the same name made later."""
    parts = [generation.name]
    for name in ("IDENTITY", "CURRENT"):
        try:
            parts.append((generation / name).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            parts.append("")
    if not any(parts[1:]):  # not a RocksDB folder: its inode and time
        st = generation.stat()
        parts.append(f"{st.st_ino}:{st.st_mtime_ns}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def folder_of(version_folder: Path, generation: Path) -> Path:
    """Where the answers of ``generation`` are, in its version's folder."""
    return version_folder / ANSWERS / identity(generation)


def case_key(q: catalogue.CatalogueQuery, bindings: dict) -> str:
    """The query's text and its bound terms, hashed."""
    terms = sorted((v.value, str(t)) for v, t in bindings.items())
    text = q.text + "\0" + "\0".join(f"{k}={t}" for k, t in terms)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cases(q: catalogue.CatalogueQuery) -> list[dict]:
    """The bindings answered ahead: the declared defaults, and each page language."""
    out = [q.bindings({})]
    if any(p.name == "lang" for p in q.params):
        out += [q.bindings({"lang": lang}) for lang in LANGS]
    unique = {case_key(q, b): b for b in out}
    return list(unique.values())


def _path(folder: Path, q: catalogue.CatalogueQuery, bindings: dict, fmt: str) -> Path:
    return folder / f"{q.name}.{case_key(q, bindings)}.{fmt}"


def lookup(folder: Path | None, q: catalogue.CatalogueQuery, bindings: dict, fmt: str):
    """The prepared answer's bytes, or None when there is none for these bindings."""
    if folder is None or fmt not in RESULT_FORMATS:
        return None
    try:
        return _path(folder, q, bindings, fmt).read_bytes()
    except OSError:
        return None


def is_done(folder: Path) -> bool:
    return (folder / DONE).is_file()


def answer_one(store: ox.Store, q: catalogue.CatalogueQuery, folder: Path) -> int:
    """Write the answers of ``q`` in every format; how many files. The query runs once per
    case; its JSON answer is read back for the other formats (the same bytes as from the
    query itself: ``tests/test_answers.py``)."""
    written = 0
    for bindings in cases(q):
        if all(_path(folder, q, bindings, fmt).exists() for fmt in RESULT_FORMATS):
            continue
        json_format = RESULT_FORMATS["json"][0]
        body = q.run_bound(store, bindings).serialize(format=json_format)
        for fmt, (results_format, _media) in RESULT_FORMATS.items():
            if fmt != "json":
                parsed = ox.parse_query_results(body, format=json_format)
                data = parsed.serialize(format=results_format)
            else:
                data = body
            target = _path(folder, q, bindings, fmt)
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(data)
            partial.replace(target)
            written += 1
    return written


def _memory(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def default_max_bytes() -> int:
    """A quarter of the machine's memory."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4


def write_all(
    generation: Path,
    folder: Path,
    *,
    time_limit: float,
    max_bytes: int | None = None,
    names: list[str] | None = None,
) -> dict:
    """Answer every catalogue query (or ``names``) in child processes; the record written
    to ``DONE``: per query the seconds it took, or why it was given up."""
    folder.mkdir(parents=True, exist_ok=True)
    if is_done(folder):
        return json.loads((folder / DONE).read_text(encoding="utf-8"))
    max_bytes = max_bytes or default_max_bytes()
    todo = names if names is not None else [q.name for q in catalogue.load_all()]
    record: dict[str, object] = {}
    while todo:
        given_up = _run_child(generation, folder, todo, record, time_limit, max_bytes)
        done = [n for n in todo if n in record]
        if given_up is not None:
            done.append(given_up)
        todo = [n for n in todo if n not in done]
    summary = {"generation": generation.name, "queries": record}
    partial = folder / (DONE + ".partial")
    partial.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    partial.replace(folder / DONE)
    return summary


def _run_child(generation, folder, todo, record, time_limit, max_bytes) -> str | None:
    """Answer ``todo`` in one child; the name it was stopped on, if it was."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cdskg.publish.answers", str(generation), str(folder), *todo],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            lines.put(line.strip())
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        return _watch(proc, lines, record, time_limit, max_bytes)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(timeout=10)
        proc.stdout.close()


def _watch(proc, lines: queue.Queue, record, time_limit, max_bytes) -> str | None:
    current, started = None, time.monotonic()
    while True:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            line = ""
        if line is None:
            proc.wait()
            if current is not None and current not in record:  # the child died on it
                record[current] = {"given_up": f"the answering process ended ({proc.returncode})"}
                return current
            return None
        if line.startswith("start "):
            current, started = line[len("start ") :], time.monotonic()
        elif line.startswith("done "):
            record[line[len("done ") :]] = {"seconds": round(time.monotonic() - started, 3)}
        why = None
        if current is not None and current not in record:
            if time.monotonic() - started > time_limit:
                why = f"ran past {time_limit:g} s"
            elif _memory(proc.pid) > max_bytes:
                why = f"held more than {max_bytes} bytes"
        if why is not None:
            proc.kill()
            record[current] = {"given_up": why}
            return current


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m cdskg.publish.answers GENERATION FOLDER NAME...", file=sys.stderr)
        return 2
    generation, folder = Path(args[0]), Path(args[1])
    store = ox.Store.read_only(str(generation))
    for name in args[2:]:
        print("start", name, flush=True)
        answer_one(store, catalogue.load(name), folder)
        print("done", name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
