"""How a server notices a new store generation: the stamp mapped into memory, without a
system call per request, and the ``current`` link for stores without a stamp."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from cdskg.settings import Settings
from cdskg.store.generations import ReadOnlyStore, Stamp, StoreLayout, next_generation
from cdskg.web.context import StoreView
from cdskg.web.sparql import Endpoint

NEW = ox.Quad(
    ox.NamedNode("http://example.org/new"),
    ox.NamedNode("http://example.org/p"),
    ox.Literal("x"),
    ox.NamedNode("http://example.org/g"),
)


def _endpoint(root: Path) -> Endpoint:
    return Endpoint(Settings(store=root), StoreView(ReadOnlyStore(root)))


def _has_new(ep: Endpoint) -> bool:
    st, _version = ep.store()
    return bool(st.query("ASK { <http://example.org/new> ?p ?o }", use_default_graph_as_union=True))


def test_a_build_writes_the_stamp_of_the_generation_it_makes(store_copy: Path) -> None:
    layout = StoreLayout(store_copy)
    assert layout.stamp.read_bytes().split()[0].decode() == layout.current_id()
    with next_generation(store_copy) as st:
        st.add(NEW)
    data = layout.stamp.read_bytes()
    assert len(data) == Stamp.SIZE and data.split()[0].decode() == layout.current_id()


def test_a_new_generation_is_seen_at_once_and_a_steady_one_costs_no_readlink(
    store_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = _endpoint(store_copy)
    _st, before = ep.store()
    assert not _has_new(ep)
    calls: list[str] = []
    real = os.readlink

    def counting(path, *args, **kwargs):
        calls.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "readlink", counting)
    for _ in range(50):
        assert ep.store()[1] == before
    assert calls == []  # the stamp in memory answered
    with next_generation(store_copy) as st:
        st.add(NEW)
    _st, after = ep.store()
    assert after != before and _has_new(ep)  # the very next request
    assert calls  # the changed stamp sent it to the link


def test_a_store_without_a_stamp_follows_the_link(store_copy: Path) -> None:
    StoreLayout(store_copy).stamp.unlink()  # as a store made by an older cdskg
    ep = _endpoint(store_copy)
    _st, before = ep.store()
    with next_generation(store_copy) as st:
        st.add(NEW)
    _st, after = ep.store()
    assert after != before and _has_new(ep)
