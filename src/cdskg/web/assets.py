"""The query editor's files from the npm registry, served by cdskg itself (never a CDN):
YASGUI and its monospace font with Vietnamese (JetBrains Mono, from @fontsource).

``package.json``/``package-lock.json`` pin them; :func:`build` runs ``npm ci`` when
``node_modules/`` lacks them and copies what the pages use into ``static/vendor/``. It runs
from ``make web-assets`` and from the package build (``setup.py``), so a wheel or ``pip
install .`` carries the files; a server without them says so on the query page and in its
log (:func:`missing`). Standard library only: the package build loads this file by path,
before cdskg's dependencies are installed.

Run as a script: ``python src/cdskg/web/assets.py [--if-needed] [SOURCE_TREE]``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
#: Files under static/vendor/ the query page links to.
FILES = ("yasgui.min.js", "yasgui.min.css", "jetbrains-mono.css")
YASGUI = "node_modules/@zazuko/yasgui/build"
FONT = "node_modules/@fontsource/jetbrains-mono"
#: The font's subsets copied: what Vietnamese text needs.
FONT_SUBSETS = ("latin", "latin-ext", "vietnamese")


class AssetsError(RuntimeError):
    """The files could not be made (no npm, no registry); the message says what to do."""


def missing(vendor: Path | None = None) -> list[str]:
    """The files of :data:`FILES` absent from ``vendor`` (default: the package's)."""
    vendor = VENDOR if vendor is None else vendor
    return [name for name in FILES if not (vendor / name).is_file()]


def up_to_date(root: Path, vendor: Path | None = None) -> bool:
    """Whether ``vendor`` has every file, none older than ``root/package-lock.json``."""
    vendor = VENDOR if vendor is None else vendor
    lock = root / "package-lock.json"
    if missing(vendor) or not lock.is_file():
        return not missing(vendor)
    pinned = lock.stat().st_mtime
    return all((vendor / name).stat().st_mtime >= pinned for name in FILES)


def _sources(root: Path) -> list[Path]:
    return [
        root / YASGUI / "yasgui.min.js",
        root / YASGUI / "yasgui.min.css",
        root / FONT / "400.css",
        *(root / FONT / "files" / f"jetbrains-mono-{s}-400-normal.woff2" for s in FONT_SUBSETS),
    ]


def _installed(root: Path) -> bool:
    """node_modules/ has the files, installed from the current lock file (npm writes its
    own copy, node_modules/.package-lock.json, at each install)."""
    if not all(p.is_file() for p in _sources(root)):
        return False
    lock, installed = root / "package-lock.json", root / "node_modules" / ".package-lock.json"
    if not lock.is_file():
        return True
    return installed.is_file() and installed.stat().st_mtime >= lock.stat().st_mtime


def font_css(css: str, subsets: tuple[str, ...] = FONT_SUBSETS) -> str:
    """The ``@font-face`` rules of ``subsets`` from @fontsource's ``400.css``, pointing at
    the copied ``.woff2`` files in ``jetbrains-mono/`` (the ``.woff`` fallbacks dropped).

    >>> css = ("/* jetbrains-mono-greek-400-normal */\\n@font-face { src: url(./files/g.woff2) }"
    ...        "\\n\\n/* jetbrains-mono-vietnamese-400-normal */\\n@font-face {\\n"
    ...        "  src: url(./files/v.woff2) format('woff2'),"
    ...        " url(./files/v.woff) format('woff');\\n}")
    >>> print(font_css(css))
    /* jetbrains-mono-vietnamese-400-normal */
    @font-face {
      src: url(jetbrains-mono/v.woff2) format('woff2');
    }
    <BLANKLINE>
    """
    wanted = "|".join(re.escape(s) for s in subsets)
    blocks = [
        b.strip()
        for b in re.split(r"\n\s*\n", css)
        if re.match(rf"/\* jetbrains-mono-({wanted})-400-normal \*/", b.strip())
    ]
    out = "\n\n".join(blocks) + "\n"
    out = out.replace("url(./files/", "url(jetbrains-mono/")
    return re.sub(r",\s*url\([^)]*\.woff\) format\('woff'\)", "", out)


def build(root: Path, vendor: Path | None = None, npm: str = "npm") -> list[Path]:
    """Copy the editor's files from ``root/node_modules`` into ``vendor``, running ``npm
    ci`` in ``root`` first when they are not there or older than the lock file. Returns
    the files written.

    :raises AssetsError: when ``npm`` is missing or fails, or ``root`` has no lock file.
    """
    vendor = VENDOR if vendor is None else vendor
    if not _installed(root):
        if not (root / "package-lock.json").is_file():
            raise AssetsError(f"{root} has no package-lock.json to install the editor's files from")
        if shutil.which(npm) is None:
            raise AssetsError(
                "npm is not installed: the query editor's files (YASGUI, its font) come from the"
                " npm registry; install Node.js with npm and run `make web-assets`"
            )
        cmd = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise AssetsError(f"`npm ci` failed in {root}: {done.stderr.strip()[-500:]}")
    fonts = vendor / "jetbrains-mono"
    fonts.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("yasgui.min.js", "yasgui.min.css"):
        written.append(Path(shutil.copyfile(root / YASGUI / name, vendor / name)))
    for s in FONT_SUBSETS:
        name = f"jetbrains-mono-{s}-400-normal.woff2"
        written.append(Path(shutil.copyfile(root / FONT / "files" / name, fonts / name)))
    if (root / FONT / "LICENSE").is_file():
        written.append(Path(shutil.copyfile(root / FONT / "LICENSE", fonts / "LICENSE")))
    css = font_css((root / FONT / "400.css").read_text(encoding="utf-8"))
    if "vietnamese" not in css:
        raise AssetsError(f"{root / FONT / '400.css'} has no Vietnamese subset")
    (vendor / "jetbrains-mono.css").write_text(css, encoding="utf-8")
    written.append(vendor / "jetbrains-mono.css")
    return written


def main(argv: list[str]) -> int:
    """``assets.py [--if-needed] [SOURCE_TREE]``: build, or with ``--if-needed`` only when
    the files are missing or older than the lock file."""
    args = [a for a in argv[1:] if a != "--if-needed"]
    root = Path(args[0]) if args else Path(__file__).resolve().parents[3]
    if "--if-needed" in argv and up_to_date(root):
        return 0
    try:
        files = build(root)
    except AssetsError as exc:
        print(f"web assets: {exc}", file=sys.stderr)
        return 1
    print(f"web assets: {len(files)} files in {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
