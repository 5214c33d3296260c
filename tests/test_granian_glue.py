"""The granian internals :mod:`cdskg.serve.granian_glue` replaces, pinned: the version range
it was written for, and the names it relies on, so a granian upgrade fails here, by name,
and not as a server that quietly stops timing out queries or exits on a worker's crash."""

from __future__ import annotations

import inspect
import re
import tomllib
from importlib.metadata import version

import pytest

from cdskg.errors import UsageError
from cdskg.serve import granian_glue
from conftest import REPO


def test_installed_granian_is_in_the_range_the_glue_was_written_for() -> None:
    granian_glue.check_granian_version()  # raises outside the range
    low, high = granian_glue.GRANIAN_VERSIONS
    found = tuple(int(p) for p in version("granian").split(".")[:2])
    assert low <= found < high


def test_pyproject_names_the_same_range() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in deps if d.startswith("granian"))
    low, high = granian_glue.GRANIAN_VERSIONS
    assert re.sub(r"\s", "", spec) == f"granian>={low[0]}.{low[1]},<{high[0]}", spec


@pytest.mark.parametrize("found", ["2.7.4", "3.0.0", "1.6.0"])
def test_a_granian_outside_the_range_is_refused_by_name(found: str) -> None:
    with pytest.raises(UsageError, match=rf"granian {re.escape(found)} is installed"):
        granian_glue.check_granian_version(found)


def test_the_internals_the_glue_replaces_are_there() -> None:
    import granian.server.common as common
    import granian.server.mp as mp
    import granian.server.mt as mt
    from granian.server import Server

    # a worker asks its server module for the per-request callable when it loads the app
    for module in (mp, mt):
        assert hasattr(module, "_wsgi_call_wrap")
        assert "_wsgi_call_wrap(callback" in inspect.getsource(module)
    # the crash-loop rule the master's bookkeeping defuses
    loop = inspect.getsource(common.AbstractServer._serve_loop)
    assert "respawned_wrks.get(idx, 0) <= 5.5" in loop and "crash loop" in loop
    respawn = inspect.signature(common.AbstractServer._respawn_workers)
    assert list(respawn.parameters) == [
        "self",
        "workers",
        "spawn_target",
        "target_loader",
        "delay",
    ]
    master = granian_glue._master_class()
    assert issubclass(master, Server)
    # worker objects: birth time, liveness and the multiprocessing process with its exit code
    assert "self.birth = time.monotonic()" in inspect.getsource(common.AbstractWorker)
    assert "self.inner = multiprocessing" in inspect.getsource(mp.WorkerProcess)
