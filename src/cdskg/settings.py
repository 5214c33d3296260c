"""Settings, declared once with their environment variable, default and help text.

The CLI reads them (flags win over environment variables) and passes a
:class:`Settings` object down explicitly; nothing deeper reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "CDSKG_STORE", None, "Store folder (a cdskg store made by `cdskg build`)."),
    Setting("host", "CDSKG_HOST", "127.0.0.1", "Address the server listens on."),
    Setting("port", "CDSKG_PORT", 8000, "Port the server listens on."),
    Setting("workers", "CDSKG_WORKERS", 2, "Server worker processes."),
    Setting("query_timeout", "CDSKG_QUERY_TIMEOUT", 30.0, "Seconds a query may run."),
    Setting("max_results", "CDSKG_MAX_RESULTS", 100_000, "Most rows or triples one query returns."),
    Setting(
        "max_answer_bytes",
        "CDSKG_MAX_ANSWER_BYTES",
        500_000_000,
        "Largest answer (bytes, as serialised) one query may produce; a larger one is stopped"
        " while it is written.",
    ),
    Setting("max_request_bytes", "CDSKG_MAX_REQUEST_BYTES", 1_000_000, "Largest request body."),
    Setting(
        "body_timeout",
        "CDSKG_BODY_TIMEOUT",
        10.0,
        "Seconds a client may take to send a request body (408 after), whatever its framing.",
    ),
    Setting(
        "max_worker_bytes",
        "CDSKG_MAX_WORKER_BYTES",
        0,
        "Resident memory one server worker may hold; past it the requests in flight on it get"
        " 503 and the worker is replaced. 0: half the machine's memory shared among the workers.",
    ),
    Setting("base_url", "CDSKG_BASE_URL", "", "Public URL of the server, for links in metadata."),
    Setting(
        "max_article_bytes", "CDSKG_MAX_ARTICLE_BYTES", 2_000_000, "Largest article file read."
    ),
    Setting(
        "enable_update",
        "CDSKG_ENABLE_UPDATE",
        False,
        "Accept SPARQL Update at /sparql (POST only, with the bearer token); each update"
        " writes a new store generation, like a build.",
    ),
    Setting(
        "update_token",
        "CDSKG_UPDATE_TOKEN",
        "",
        "Bearer token that SPARQL Update requests must send (Authorization: Bearer …).",
    ),
    Setting(
        "enable_service",
        "CDSKG_ENABLE_SERVICE",
        False,
        "Allow federated SERVICE calls (they make the server fetch arbitrary URLs).",
    ),
    Setting(
        "cache_bytes",
        "CDSKG_CACHE_BYTES",
        64_000_000,
        "Memory per worker for cached query results (keyed by store version); 0 disables.",
    ),
    Setting(
        "server",
        "CDSKG_SERVER",
        "granian",
        "HTTP server: granian (keep-alive, threads in each worker) or gunicorn (sync workers,"
        " one request per process, a new connection per request).",
    ),
    Setting(
        "threads",
        "CDSKG_THREADS",
        2,
        "Requests one granian worker process serves at a time (its threads).",
    ),
    Setting(
        "pin_workers",
        "CDSKG_PIN_WORKERS",
        False,
        "Keep each granian worker's threads on one CPU (workers spread over the CPUs): cheaper"
        " hand-overs between them when the machine is busy with other work, but one worker's"
        " concurrent queries then share one core (see README, The server).",
    ),
    Setting(
        "malloc_tcache",
        "CDSKG_MALLOC_TCACHE",
        256,
        "Freed memory blocks of each size that each thread of `cdskg serve` keeps for reuse"
        " (glibc's tcache_count, 7 by default; see README, Speed); 0 leaves glibc's default."
        " Linux with glibc only.",
    ),
    Setting(
        "prepare_downloads",
        "CDSKG_PREPARE_DOWNLOADS",
        True,
        "Write the download files of each store version as soon as `cdskg serve` serves it"
        " (in a process of its own); off: only when they are first asked for.",
    ),
    Setting(
        "downloads_wait",
        "CDSKG_DOWNLOADS_WAIT",
        20.0,
        "Seconds a download request waits for files still being written before it answers"
        " 503 with Retry-After (they are written in a process of their own after a build).",
    ),
)


@dataclass(frozen=True)
class Settings:
    store: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    query_timeout: float = 30.0
    max_results: int = 100_000
    max_answer_bytes: int = 500_000_000
    max_request_bytes: int = 1_000_000
    body_timeout: float = 10.0
    max_worker_bytes: int = 0
    base_url: str = ""
    max_article_bytes: int = 2_000_000
    enable_update: bool = False
    update_token: str = ""
    enable_service: bool = False
    cache_bytes: int = 64_000_000
    server: str = "granian"
    threads: int = 2
    pin_workers: bool = False
    malloc_tcache: int = 256
    prepare_downloads: bool = True
    downloads_wait: float = 20.0


def from_env(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ``environ`` (default: the process environment) and explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    types = {f.name: f.type for f in fields(Settings)}
    for s in SETTINGS:
        if overrides.get(s.name) is not None:
            values[s.name] = overrides[s.name]
        elif s.env in env:
            values[s.name] = _convert(env[s.env], str(types[s.name]), s.env)
    if values.get("store") is not None:
        values["store"] = Path(str(values["store"]))
    return Settings(**values)  # type: ignore[arg-type]


def _convert(raw: str, type_name: str, env: str) -> object:
    if type_name.startswith("bool"):
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("", "0", "false", "no", "off"):
            return False
        raise ValueError(f"{env}={raw!r}: not a boolean (use 1/0, true/false, yes/no)")
    try:
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError as exc:
        raise ValueError(f"{env}={raw!r}: not a number") from exc
    return raw


# Where the project's data folders are: ontology/, mappings/, shapes/, queries/ (at the top of
# the source tree for an editable install; CDSKG_HOME points elsewhere).
@dataclass(frozen=True)
class ProjectPaths:
    home: Path

    @property
    def ontology(self) -> Path:
        return self.home / "ontology"

    @property
    def mappings(self) -> Path:
        return self.home / "mappings"

    @property
    def shapes(self) -> Path:
        return self.home / "shapes"

    @property
    def queries(self) -> Path:
        return self.home / "queries"


def project_paths(home: str | os.PathLike[str] | None = None) -> ProjectPaths:
    """The project folders: ``home`` if given, else ``$CDSKG_HOME``, else the source tree."""
    if home is None:
        home = os.environ.get("CDSKG_HOME") or Path(__file__).resolve().parents[2]
    root = Path(home)
    if not (root / "ontology").is_dir():
        raise FileNotFoundError(
            f"{root}: no ontology/ folder here; set CDSKG_HOME to the cdskg source tree"
        )
    return ProjectPaths(root)
