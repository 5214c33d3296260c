"""The package build also makes the query editor's files (YASGUI and its font, from the npm
registry): ``build_py`` runs ``src/cdskg/web/assets.py`` first, so a wheel, ``pip install .``
and ``pip install -e .`` carry them. Without npm the build goes on with a warning, and the
server says on its query page and in its log that they are missing. The rest of the
package's metadata is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _assets():
    spec = importlib.util.spec_from_file_location("_cdskg_assets", HERE / "src/cdskg/web/assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithWebAssets(build_py):
    def run(self):
        assets = _assets()
        if not assets.up_to_date(HERE):
            try:
                assets.build(HERE)
            except assets.AssetsError as exc:
                self.warn(f"the query editor's files are not in this build: {exc}")
        super().run()


setup(cmdclass={"build_py": BuildWithWebAssets})
