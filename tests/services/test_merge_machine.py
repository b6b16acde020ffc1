"""Random interleavings of edits on two or three laptops that exchange copies at random: after
everything is merged, every commit any laptop made is in the ledger, it verifies, and every
laptop holds the same commits in the same order and the same tables.

Laptops also rotate and delete keys that others may be changing at the same time: every
version written anywhere is kept (history length), a key nobody deleted is there, and a key
deleted and never changed is gone (app/core/concurrency.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.core.errors import IntegrityFailure
from app.services import copies
from app.services.integrity import verify_vault
from app.services.secrets import (
    add_secret,
    delete_secret,
    history,
    list_secrets,
    reveal,
    rotate_secret,
    update_secret,
)
from app.services.vault import Vault
from tests.services.merge_world import World, commit_hashes, projection_rows

STEP = st.tuples(
    st.integers(0, 2),  # which laptop
    st.sampled_from(["add", "rotate", "notes", "reveal", "send", "rotate-any", "delete-any"]),
    st.integers(0, 2),  # the other laptop, for send; which key, for rotate-any and delete-any
)


# Known, not yet fixed (found by this test on 2026-11-30): a laptop that rotates a key and then
# deletes it purges both values; another laptop rotated it meanwhile, so the merge voids the
# delete and keeps every version, but nobody holds the first laptop's rotated value any more
# and the merge refuses. When the rule for such a version is settled, this example passes and
# Hypothesis says so (an xfail example that passes is an error).
_LOST_ROTATION = [
    (0, "add", 0),
    (0, "send", 1),
    (0, "rotate", 0),
    (0, "delete-any", 0),
    (1, "rotate-any", 0),
]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples every run until the case above is settled
)
@given(steps=st.lists(STEP, min_size=3, max_size=12), three=st.booleans())
@example(steps=_LOST_ROTATION, three=False).xfail(
    raises=IntegrityFailure, reason="a voided delete keeps a version whose value was purged"
)
def test_random_interleavings_merge_to_one_history(steps, three, monkeypatch: pytest.MonkeyPatch):
    with tempfile.TemporaryDirectory() as root, monkeypatch.context() as patch:
        world = World(Path(root), patch, laptops=3 if three else 2)
        try:
            made: set[str] = set()
            own: dict[int, list[str]] = {i: [] for i in range(len(world.laptops))}
            rotations: dict[str, int] = {}
            deleted: set[str] = set()
            changed: set[str] = set()
            for n, (who, action, other) in enumerate(steps):
                who, other = who % len(world.laptops), other % len(world.laptops)
                world.tick()
                laptop = world.laptops[who]
                vault = laptop.use()
                mine = [k for k in own[who] if k in visible(vault)]  # not deleted meanwhile
                if action == "add":  # a key of its own, so no two laptops edit one value
                    name = f"key-{who}-{n}"
                    add_secret(vault, "dev", name, f"value-{who}-{n:04d}-abcdef")
                    own[who].append(name)
                elif action == "rotate" and mine:
                    value = f"new-{who}-{n:04d}-abcdef"
                    rotate_secret(vault, "dev", mine[-1], value, "scheduled")
                    rotations[mine[-1]] = rotations.get(mine[-1], 0) + 1
                    changed.add(mine[-1])
                elif action == "notes" and mine:
                    update_secret(vault, "dev", mine[0], notes=f"edited on {n}")
                    changed.add(mine[0])
                elif action in ("rotate-any", "delete-any") and (seen := visible(vault)):
                    name = seen[other % len(seen)]
                    if action == "delete-any":
                        delete_secret(vault, "dev", name)
                        deleted.add(name)
                    else:
                        rotate_secret(vault, "dev", name, f"any-{who}-{n:04d}-abc", "scheduled")
                        rotations[name] = rotations.get(name, 0) + 1
                        changed.add(name)
                elif action == "reveal" and mine:
                    reveal(vault, "dev", mine[0], channel=None)
                elif action == "send" and other != who:
                    copy = world.send(laptop, world.laptops[other], f"team ({n}).kl")
                    copies.merge_copy(world.laptops[other].use(), copy, remove=True)
                made.update(commit_hashes(laptop.file))
            first = world.laptops[0]
            for laptop in world.laptops[1:]:  # everything to the first laptop...
                copies.merge_copy(first.use(), world.send(laptop, first, "in.kl"), remove=True)
            for laptop in world.laptops[1:]:  # ...and back
                copies.merge_copy(laptop.use(), world.send(first, laptop, "out.kl"), remove=True)
            added = {k for keys in own.values() for k in keys}
            present = set(visible(first.use()))
            assert added - deleted <= present <= added
            assert not (deleted - changed) & present  # a delete nothing contested holds
            for name in present:  # every version written anywhere is kept
                assert len(history(first.use(), "dev", name)) == 1 + rotations.get(name, 0)
            for laptop in world.laptops:
                assert visible(laptop.use()) == sorted(present)
            world.close()
            final = commit_hashes(first.file)
            assert made <= set(final)
            verify_vault(first.file)
            for laptop in world.laptops[1:]:
                assert commit_hashes(laptop.file) == final
                assert projection_rows(laptop.file) == projection_rows(first.file)
        finally:
            world.close()


def visible(vault: Vault) -> list[str]:
    return sorted(s.name for s in list_secrets(vault))
