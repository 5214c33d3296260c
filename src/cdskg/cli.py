"""The command line: build, extract, serve, query, validate, export, publish.

Exit codes: 0 success; 1 the data has problems (violations, rejected articles) but the
work that could be done was done; 2 usage or input errors. Expected failures print one
message to stderr, naming the file or query position and what to do; no traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cdskg import __version__
from cdskg.errors import CdskgError, InputError, QueryError, StoreError, UsageError
from cdskg.settings import from_env, setting

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def setting_option(name: str, *decls: str, **kwargs: object):
    """A click option for a setting of :mod:`cdskg.settings`: its variable, default and help
    come from the settings table, so the three never disagree."""
    s = setting(name)
    default = f" Default: {s.default}." if s.default not in (None, "") else ""
    kwargs.setdefault("default", s.default)
    kwargs.setdefault("show_default", False)
    return click.option(
        *(decls or ("--" + name.replace("_", "-"),)),
        envvar=s.env,
        help=f"{s.help}.{default} [env: {s.env}]",
        **kwargs,
    )


def _fail(exc: Exception, code: int = EXIT_USAGE) -> None:
    click.echo(f"cdskg: error: {exc}", err=True)
    sys.exit(code)


class StoreParam(click.ParamType):
    """``--store``: a store folder (a Path) or the ``http(s)://`` URL of a SPARQL server."""

    name = "DIR|URL"

    def convert(self, value, param, ctx):
        if isinstance(value, Path):
            return value
        text = str(value)
        if text.lower().startswith(("http://", "https://")):
            return text
        if "://" in text:
            self.fail(f"{text}: a store is a folder or an http(s):// URL", param, ctx)
        return click.Path(file_okay=False, path_type=Path).convert(text, param, ctx)


def _store_option(required: bool = True):
    return setting_option("store", type=StoreParam(), required=required)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cdskg")
def main() -> None:
    """cdskg: build, serve and query a knowledge graph of local digital transformation."""


@main.command()
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@_store_option()
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON build report here.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for extraction. Default: number of cores.",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:8786",
    default=None,
    help="Send the per-article work to the workers of this Dask scheduler (instead of --jobs);"
    " this process stays the one writer.",
)
@click.option("--prune", is_flag=True, help="Drop the graphs of articles no longer in the corpus.")
@setting_option("max_article_bytes", "--max-bytes", type=click.IntRange(min=1))
def build(
    corpus: tuple[Path, ...],
    store: Path | str,
    report: Path | None,
    jobs: int | None,
    scheduler: str | None,
    prune: bool,
    max_bytes: int,
) -> None:
    """Build the graph from CORPUS (article files or folders) into the store."""
    from cdskg.build.pipeline import BuildOptions, run_build
    from cdskg.settings import project_paths

    try:
        options = BuildOptions(
            corpus=list(corpus),
            store=store,
            paths=project_paths(),
            jobs=jobs or os.cpu_count() or 1,
            prune=prune,
            max_bytes=max_bytes,
            scheduler=scheduler,
        )
        result = run_build(options)
    except (CdskgError, FileNotFoundError) as exc:
        _fail(exc)
        return
    counts = result.counts()
    if result.new_generation:
        head = f"built {store} (generation {result.generation}): "
    else:
        head = f"nothing changed: {store} keeps generation {result.generation}: "
    click.echo(
        head
        + ", ".join(
            f"{counts[k]} {k}"
            for k in (
                "added",
                "changed",
                "unchanged",
                "rejected",
                "unreadable",
                "failed",
                "removed",
            )
        )
        + f"; {counts['facts']} facts loaded, {counts['facts_rejected']} held back;"
        f" {result.triples} triples"
    )
    for article in result.articles:
        if article.error:
            click.echo(f"  skipped {article.error}", err=True)
        for r in article.rejected:
            click.echo(
                f"  {article.file}: held back {r['focus']}: {r['message_en']} ({r['shape']})"
                + (f"\n    sentence: {r['sentence']}" if r.get("sentence") else ""),
                err=True,
            )
    if report:
        report.write_text(result.as_json(), encoding="utf-8")
        click.echo(f"report written to {report}")
    sys.exit(result.exit_code)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table per article, or one JSON document with every article.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    envvar="CDSKG_MAX_ARTICLE_BYTES",
    default=2_000_000,
    show_default=True,
    help="Refuse article files larger than this.",
)
def extract(files: tuple[Path, ...], fmt: str, max_bytes: int) -> None:
    """Print the facts extraction finds in article FILES (or folders), each with its
    sentence, and every number it skipped with the reason, without building a store.

    The facts are shown before mapping and validation: a build may still hold one back.
    Exit code 1 when a file cannot be read (the others are still shown).
    """
    import json

    from cdskg.extract.articles import collect, read_article
    from cdskg.extract.extractor import Extractor
    from cdskg.extract.report import record_as_dict, render_table
    from cdskg.settings import project_paths

    try:
        paths = list(collect(files))
        home = project_paths()
    except (CdskgError, FileNotFoundError) as exc:
        _fail(exc)
        return
    if not paths:
        _fail(
            UsageError(
                f"{', '.join(map(str, files))}: no article files (.txt, .text, .md) there;"
                " give article files or a folder that holds them"
            )
        )
        return
    extractor = Extractor(home.mappings, home.ontology)
    articles, failed = [], 0
    for path in paths:
        try:
            source = read_article(path, max_bytes)
        except CdskgError as exc:
            click.echo(f"cdskg: error: {exc}", err=True)
            failed += 1
            continue
        article = record_as_dict(extractor.extract(source))
        article["path"] = str(path)
        if fmt == "table":
            click.echo(render_table(article))
        articles.append(article)
    if fmt == "json":
        click.echo(json.dumps({"articles": articles}, ensure_ascii=False, indent=2))
    sys.exit(EXIT_DATA if failed else EXIT_OK)


@main.command()
@_store_option()
@setting_option("host")
@setting_option("port", type=click.IntRange(1, 65535))
@setting_option("workers", type=click.IntRange(min=1))
@setting_option("threads", type=click.IntRange(min=1))
def serve(store: Path | str, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the store: SPARQL endpoint at /sparql, pages at /."""
    from cdskg.serve.allocator import restart_tuned

    try:
        settings = from_env(store=store, host=host, port=port, workers=workers, threads=threads)
        restart_tuned(settings.malloc_tcache)
        # Imported after the restart: the process it replaces would load it for nothing.
        from cdskg.serve.server import serve as run_server

        run_server(settings)
    except CdskgError as exc:
        _fail(exc)


@main.command()
@_store_option()
@click.argument("query_text", required=False)
@click.option(
    "--file",
    "query_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read the query from a .rq file.",
)
@click.option("--name", help="Run a query of the catalogue (queries/NAME.rq).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "tsv", "xml", "ttl", "nt", "jsonld"]),
    default=None,
    help="Result format. Default: json for SELECT/ASK, ttl for CONSTRUCT.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of a catalogue query (--name); repeatable. Unset ones take their default.",
)
def query(
    store: Path | str,
    query_text: str | None,
    query_file: Path | None,
    name: str | None,
    fmt: str | None,
    params: tuple[str, ...],
) -> None:
    """Run a SPARQL query (QUERY, --file or --name) and print the result."""
    from cdskg.publish import query_catalogue as catalogue
    from cdskg.settings import project_paths
    from cdskg.store.generations import open_read_only
    from cdskg.store.query import run_query, serialize

    given = [x for x in (query_text, query_file, name) if x]
    if len(given) != 1:
        _fail(UsageError("give exactly one of QUERY, --file F.rq or --name NAME"))
    if params and not name:
        _fail(UsageError("--param goes with --name (a catalogue query)"))
    try:
        values = _parse_params(params)
        st, _version = open_read_only(store)
        if name:
            folder = project_paths().queries
            if not (folder / f"{name}.rq").exists():
                names = sorted(p.stem for p in folder.glob("*.rq"))
                raise UsageError(f"no catalogue query named {name!r}; known: {', '.join(names)}")
            entry = catalogue.load(name, folder)
            try:
                result = entry.run(st, values)
            except QueryError as exc:
                raise QueryError(f"{folder / (name + '.rq')}: {exc}") from exc
        else:
            if query_file:
                text = query_file.read_text(encoding="utf-8")
                where = str(query_file)
            else:
                text = str(query_text)
                where = "QUERY"
            try:
                result = run_query(st, text)
            except QueryError as exc:
                raise QueryError(f"{where}: {exc}") from exc
        out = serialize(result, fmt)
    except (CdskgError, FileNotFoundError, ValueError) as exc:
        _fail(exc)
        return
    sys.stdout.buffer.write(out.body)
    if not out.body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")


def _parse_params(params: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r}: write it as NAME=VALUE")
        values[key.strip()] = value
    return values


@main.command()
@_store_option(required=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--report-graph",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the SHACL validation report graph (Turtle) here.",
)
def validate(store: Path | str | None, files: tuple[Path, ...], report_graph: Path | None) -> None:
    """Validate the store (--store DIR, all graphs together) or RDF files against the shapes."""
    from cdskg.settings import project_paths
    from cdskg.validation import engine as v

    if bool(store) == bool(files):
        _fail(UsageError("give either --store DIR or one or more FILEs"))
    try:
        shapes = v.load_shapes(project_paths().shapes)
        if store:
            from cdskg.store.generations import open_read_only

            st, _ = open_read_only(store)
            result = v.validate_store(st, shapes)
        else:
            for path in files:
                if not path.exists():
                    raise InputError(f"{path}: no such file")
            result = v.validate_files(files, shapes)
    except (CdskgError, FileNotFoundError) as exc:
        _fail(exc)
        return
    click.echo(v.format_report(result), nl=False)
    if report_graph:
        v.write_report_graph(result, report_graph)
        click.echo(f"report graph written to {report_graph}")
    sys.exit(EXIT_OK if result.conforms else EXIT_DATA)


@main.command()
@_store_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "trig", "nq", "jsonld", "csv", "csvw", "dcat", "void"]),
    required=True,
    help="Export format: ttl/jsonld (union graph), trig/nq (article graphs kept), csv "
    "(observations), csvw (CSV-W metadata of the csv), dcat (DCAT-AP 3 catalogue in Turtle, "
    "with VoID; writes the data files it describes into --downloads), void (VoID statistics).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output file."
)
@click.option(
    "--downloads",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="dcat only: folder for the data files the catalogue describes (their sizes and "
    "checksums go into it). Default: the folder of --out.",
)
def export(store: Path | str, fmt: str, out: Path, downloads: Path | None) -> None:
    """Export the graph (ttl, trig, nq, jsonld), a CSV of observations, or its metadata."""
    from cdskg.publish import datafiles, dcat
    from cdskg.publish.export import export as do_export
    from cdskg.store.generations import open_read_only

    try:
        st, version = open_read_only(store)
        if fmt in ("dcat", "void", "csvw"):
            config = dcat.PublishConfig.from_env()
            folder = downloads if downloads is not None else out.parent
            if fmt == "dcat":
                files = datafiles.build_downloads(st, version, folder)
                n = dcat.write_catalog(st, version, files, config, out)
            elif fmt == "void":
                n = dcat.write_void(st, version, config, out)
            else:
                n = dcat.write_csvw(config, out)
        else:
            n = do_export(st, fmt, out)
    except (CdskgError, OSError) as exc:
        _fail(exc)
        return
    what = {"csv": "rows", "csvw": "columns"}.get(fmt, "triples/quads")
    click.echo(f"wrote {n} {what} to {out} (store version {version})")


@main.command()
@_store_option()
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Store folder of a replica (local or mounted); made if missing.",
)
def publish(store: Path | str, target: Path) -> None:
    """Copy the store's current generation (or --store STORE/generations/NNNNNN) to the
    replica --to DIR and switch DIR to it atomically; servers on DIR then answer with the
    same X-Store-Version as the source."""
    from cdskg.store.replica import publish as do_publish

    if isinstance(store, str):
        _fail(
            UsageError(
                f"{store}: publish copies a generation folder, and a remote store has none;"
                " servers can read the remote store itself (`cdskg serve --store URL`)"
            )
        )
        return
    try:
        done = do_publish(store, target)
    except (CdskgError, OSError) as exc:
        _fail(exc)
        return
    if done.switched:
        mb = done.copied_bytes / 1e6
        click.echo(f"published generation {done.generation} to {target} ({mb:.1f} MB copied)")
    else:
        click.echo(f"{target} already serves generation {done.generation}; nothing copied")


_ = (StoreError,)

if __name__ == "__main__":
    main()
