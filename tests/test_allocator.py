"""The allocator tunable `cdskg serve` starts itself with (the server tests check its workers)."""

from __future__ import annotations

from cdskg.serve.allocator import TUNABLES, tuned_environ


def test_the_count_is_added_to_an_environment_without_tunables() -> None:
    env = tuned_environ({"PATH": "/usr/bin"}, 256)
    assert env == {"PATH": "/usr/bin", TUNABLES: "glibc.malloc.tcache_count=256"}


def test_the_users_other_tunables_are_kept() -> None:
    env = tuned_environ({TUNABLES: "glibc.malloc.mxfast=0:glibc.malloc.arena_max=2"}, 128)
    assert env is not None
    assert env[TUNABLES] == (
        "glibc.malloc.mxfast=0:glibc.malloc.arena_max=2:glibc.malloc.tcache_count=128"
    )


def test_a_count_already_set_is_left_alone_so_the_restart_happens_once() -> None:
    assert tuned_environ({TUNABLES: "glibc.malloc.tcache_count=64"}, 256) is None
    assert (
        tuned_environ({TUNABLES: "glibc.malloc.mxfast=0:glibc.malloc.tcache_count=7"}, 256) is None
    )


def test_zero_leaves_the_environment_alone() -> None:
    assert tuned_environ({}, 0) is None


def test_a_similar_name_is_not_taken_for_the_count() -> None:
    env = tuned_environ({TUNABLES: "glibc.malloc.tcache_count_x=1"}, 256)
    assert env is not None and env[TUNABLES].endswith(":glibc.malloc.tcache_count=256")
