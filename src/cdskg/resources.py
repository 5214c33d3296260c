"""Where the project's data folders are: ontology/, mappings/, shapes/, queries/.

They live at the top of the source tree (``make install`` installs the package in
editable mode, so they are found next to ``src/``). ``CDSKG_HOME`` points elsewhere,
e.g. at a copy of those folders for a non-editable install.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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
