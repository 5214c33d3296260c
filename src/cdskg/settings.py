"""Settings, declared once: each field of :class:`Settings` carries its variable, README
text and how the README shows its default.

The CLI's options, the README's settings table (``tests/test_settings.py`` holds the two
together, both ways) and :func:`from_env` all come from that one declaration. The CLI reads
the environment once (flags win over variables) and passes a :class:`Settings` object down
explicitly; code deeper down takes what it needs from it, or from :func:`read` where no
object reaches it (the validation engine, the project folders).
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    type: str
    default: object
    help: str
    shown: str


def _setting(env: str, default: object, help: str, shown: str | None = None) -> Any:
    """A field of :class:`Settings` with what the table needs to know of it."""
    if shown is None:
        if isinstance(default, bool):
            shown = "on" if default else "off"
        elif default in (None, ""):
            shown = "—"
        else:
            shown = f"`{default}`"
    return field(default=default, metadata={"env": env, "help": help, "shown": shown})


@dataclass(frozen=True)
class Settings:
    store: Path | str | None = _setting(
        "CDSKG_STORE",
        None,
        "store folder, made by `cdskg build` (`--store`), or the `http(s)://` URL of a SPARQL"
        " 1.1 server (see Remote stores)",
    )
    remote_query_url: str = _setting(
        "CDSKG_REMOTE_QUERY_URL",
        "",
        "SPARQL 1.1 Query endpoint of a remote store",
        shown="STORE`/query`",
    )
    remote_update_url: str = _setting(
        "CDSKG_REMOTE_UPDATE_URL",
        "",
        "SPARQL 1.1 Update endpoint of a remote store (builds)",
        shown="STORE`/update`",
    )
    remote_gsp_url: str = _setting(
        "CDSKG_REMOTE_GSP_URL",
        "",
        "Graph Store Protocol endpoint of a remote store (builds `PUT` each graph there)",
        shown="STORE`/store`",
    )
    remote_token: str = _setting(
        "CDSKG_REMOTE_TOKEN",
        "",
        "bearer token sent to a remote store (`Authorization: Bearer …`)",
    )
    remote_user: str = _setting(
        "CDSKG_REMOTE_USER",
        "",
        "user name for a remote store's basic authentication (when no token is set)",
    )
    remote_password: str = _setting(
        "CDSKG_REMOTE_PASSWORD", "", "password for a remote store's basic authentication"
    )
    remote_timeout: float = _setting(
        "CDSKG_REMOTE_TIMEOUT",
        60.0,
        "seconds cdskg waits for a remote store's answer (`serve` waits the query time limit"
        " instead; a build's switch waits at least 600)",
        shown="`60`",
    )
    host: str = _setting("CDSKG_HOST", "127.0.0.1", "address the server listens on")
    port: int = _setting("CDSKG_PORT", 8000, "port the server listens on")
    workers: int = _setting("CDSKG_WORKERS", 2, "server worker processes")
    query_timeout: float = _setting(
        "CDSKG_QUERY_TIMEOUT", 30.0, "seconds a query may run", shown="`30`"
    )
    max_results: int = _setting(
        "CDSKG_MAX_RESULTS", 100_000, "most rows or triples one query returns"
    )
    max_answer_bytes: int = _setting(
        "CDSKG_MAX_ANSWER_BYTES",
        500_000_000,
        "largest answer one query may produce, as serialised; a larger one is stopped while it"
        " is written (400)",
    )
    max_request_bytes: int = _setting(
        "CDSKG_MAX_REQUEST_BYTES", 1_000_000, "largest request body (413 above)"
    )
    body_timeout: float = _setting(
        "CDSKG_BODY_TIMEOUT",
        10.0,
        "seconds a client may take to send a request body, whatever its framing (408 after)",
        shown="`10`",
    )
    max_worker_bytes: int = _setting(
        "CDSKG_MAX_WORKER_BYTES",
        0,
        "resident memory one server worker may hold; past it the requests in flight on it get"
        " 503 and the worker is replaced. `0`: half the machine's memory shared among the"
        " workers",
    )
    base_url: str = _setting(
        "CDSKG_BASE_URL",
        "",
        "public URL of the server: links in pages and answers, and the base of the DCAT"
        " catalogue's links (which use `https://w3id.org/cdskg` when it is not set)",
    )
    max_article_bytes: int = _setting(
        "CDSKG_MAX_ARTICLE_BYTES",
        2_000_000,
        "largest article file a build reads (`build --max-bytes`)",
    )
    enable_update: bool = _setting(
        "CDSKG_ENABLE_UPDATE",
        False,
        "accept SPARQL Update at `/sparql` (POST only, with the token); each update writes a"
        " new store generation, taking turns with builds",
    )
    update_token: str = _setting(
        "CDSKG_UPDATE_TOKEN",
        "",
        "bearer token updates must send; `serve` refuses to start with updates on and no token",
    )
    enable_service: bool = _setting(
        "CDSKG_ENABLE_SERVICE",
        False,
        "allow federated `SERVICE` (it makes the server fetch arbitrary URLs)",
    )
    cache_bytes: int = _setting(
        "CDSKG_CACHE_BYTES",
        64_000_000,
        "memory per worker for cached results, keyed by store version (0 disables)",
    )
    server: str = _setting(
        "CDSKG_SERVER",
        "granian",
        "HTTP server: `granian` (Rust HTTP with keep-alive, threads in each worker) or"
        " `gunicorn` (sync workers, a new connection per request)",
    )
    threads: int = _setting(
        "CDSKG_THREADS",
        2,
        "requests one granian worker runs at a time (`serve --threads`); one that has run"
        " 0.25 s gives its turn up, so slow queries and downloads leave room for cheap ones"
        " (each worker has 8 more threads for them and for requests waiting for their body)",
    )
    pin_workers: bool = _setting(
        "CDSKG_PIN_WORKERS",
        False,
        "keep each granian worker's threads on one CPU, workers spread over the CPUs: on a"
        " machine busy with other work, point lookups at 8 connections went from 0.41–0.65× to"
        " 0.70–0.80× of `oxigraph serve`; on an idle one no gain, and two heavy queries on one"
        " worker then share one core",
    )
    malloc_tcache: int = _setting(
        "CDSKG_MALLOC_TCACHE",
        256,
        "freed memory blocks of each size that each thread of `cdskg serve` keeps for reuse"
        " (glibc's `tcache_count`, 7 by default); glibc reads it only at start, so `cdskg"
        " serve` starts itself again with it in `GLIBC_TUNABLES` (same process id; a count"
        " already set there is kept). Point lookups at 8 connections: 0.48–0.49× → 0.52–0.53×"
        " of `oxigraph serve` (medians of two runs). `0` leaves glibc's default",
    )
    prepare_downloads: bool = _setting(
        "CDSKG_PREPARE_DOWNLOADS",
        True,
        "write the download files of each store version as soon as the server serves it, in a"
        " process of their own; off: when first asked for",
    )
    downloads_wait: float = _setting(
        "CDSKG_DOWNLOADS_WAIT",
        20.0,
        "seconds a download request waits for files still being written before it answers 503"
        " + `Retry-After`",
        shown="`20`",
    )
    prepare_timeout: float = _setting(
        "CDSKG_PREPARE_TIMEOUT",
        300.0,
        "seconds the preparer gives one catalogue query for its precomputed answers (declared"
        " defaults, each page language); one that runs longer is answered live, under"
        " `CDSKG_QUERY_TIMEOUT`",
        shown="`300`",
    )
    shacl_engine: str = _setting(
        "CDSKG_SHACL_ENGINE",
        "native",
        "`native` (`cdskg.validation.native`, compiled for our shapes, proven equal to"
        " pySHACL) or `pyshacl` (the reference). Native refuses shapes it cannot compile"
        " (naming the feature), and hands a graph whose SPARQL results could depend on the"
        " engine (ill-typed numbers) to pySHACL",
    )
    publisher_name: str = _setting(
        "CDSKG_PUBLISHER_NAME", "cdskg", "publisher in the DCAT catalogue"
    )
    publisher_url: str = _setting(
        "CDSKG_PUBLISHER_URL", "", "publisher home page", shown="the base URL"
    )
    publisher_type: str = _setting("CDSKG_PUBLISHER_TYPE", "", "ADMS publisher-type IRI")
    contact_email: str = _setting("CDSKG_CONTACT_EMAIL", "", "contact point e-mail")
    license: str = _setting(
        "CDSKG_LICENSE",
        "https://creativecommons.org/licenses/by/4.0/",
        "licence IRI of the published data",
        shown="CC BY 4.0",
    )
    home: str = _setting(
        "CDSKG_HOME",
        "",
        "where `ontology/`, `mappings/`, `shapes/`, `queries/` are",
        shown="the source tree",
    )


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(
        f.name,
        f.metadata["env"],
        str(f.type),
        None if f.default is MISSING else f.default,
        f.metadata["help"],
        f.metadata["shown"],
    )
    for f in fields(Settings)
)
_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The declaration of one setting (KeyError names the unknown one)."""
    return _BY_NAME[name]


def from_env(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from ``environ`` (default: the process environment) and explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for s in SETTINGS:
        if overrides.get(s.name) is not None:
            values[s.name] = overrides[s.name]
        elif s.env in env:
            values[s.name] = _convert(env[s.env], s.type, s.env)
    if values.get("store") is not None:
        values["store"] = store_value(values["store"])
    return Settings(**values)  # type: ignore[arg-type]


def store_value(raw: object) -> Path | str:
    """``--store`` as cdskg keeps it: a URL (``http(s)://…``) as text, a folder as a Path.

    >>> store_value("HTTP://127.0.0.1:7878/"), store_value("data/store")
    ('HTTP://127.0.0.1:7878/', PosixPath('data/store'))
    """
    text = str(raw)
    return text if text.lower().startswith(("http://", "https://")) else Path(text)


def read(name: str, environ: dict[str, str] | None = None) -> Any:
    """One setting's value from the environment (or its default), through the table.

    For the few places no :class:`Settings` object reaches (the validation engine called by
    library users, the project folders); everything else takes a :class:`Settings`.
    """
    s = _BY_NAME[name]
    env = os.environ if environ is None else environ
    return _convert(env[s.env], s.type, s.env) if s.env in env else s.default


def readme_table() -> str:
    """The README's settings table, made from the declarations."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.env}` | {s.shown} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows) + "\n"


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
        home = read("home") or Path(__file__).resolve().parents[2]
    root = Path(home)
    if not (root / "ontology").is_dir():
        raise FileNotFoundError(
            f"{root}: no ontology/ folder here; set CDSKG_HOME to the cdskg source tree"
        )
    return ProjectPaths(root)
