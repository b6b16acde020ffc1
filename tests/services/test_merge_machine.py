"""Random interleavings of edits on two or three laptops that exchange copies at random: after
everything is merged, every commit any laptop made is in the ledger, it verifies, and every
laptop holds the same commits in the same order and the same tables."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services import copies
from app.services.integrity import verify_vault
from app.services.secrets import add_secret, list_secrets, reveal, rotate_secret, update_secret
from tests.services.merge_world import World, commit_hashes, projection_rows

STEP = st.tuples(
    st.integers(0, 2),  # which laptop
    st.sampled_from(["add", "rotate", "notes", "reveal", "send"]),
    st.integers(0, 2),  # the other laptop, for send
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=3, max_size=12), three=st.booleans())
def test_random_interleavings_merge_to_one_history(steps, three, monkeypatch: pytest.MonkeyPatch):
    with tempfile.TemporaryDirectory() as root, monkeypatch.context() as patch:
        world = World(Path(root), patch, laptops=3 if three else 2)
        try:
            made: set[str] = set()
            own: dict[int, list[str]] = {i: [] for i in range(len(world.laptops))}
            for n, (who, action, other) in enumerate(steps):
                who, other = who % len(world.laptops), other % len(world.laptops)
                world.tick()
                laptop = world.laptops[who]
                vault = laptop.use()
                if action == "add":  # a key of its own, so no two laptops edit one value
                    name = f"key-{who}-{n}"
                    add_secret(vault, "dev", name, f"value-{who}-{n:04d}-abcdef")
                    own[who].append(name)
                elif action == "rotate" and own[who]:
                    value = f"new-{who}-{n:04d}-abcdef"
                    rotate_secret(vault, "dev", own[who][-1], value, "scheduled")
                elif action == "notes" and own[who]:
                    update_secret(vault, "dev", own[who][0], notes=f"edited on {n}")
                elif action == "reveal" and own[who]:
                    reveal(vault, "dev", own[who][0], channel=None)
                elif action == "send" and other != who:
                    copy = world.send(laptop, world.laptops[other], f"team ({n}).kl")
                    copies.merge_copy(world.laptops[other].use(), copy, remove=True)
                made.update(commit_hashes(laptop.file))
            first = world.laptops[0]
            for laptop in world.laptops[1:]:  # everything to the first laptop...
                copies.merge_copy(first.use(), world.send(laptop, first, "in.kl"), remove=True)
            for laptop in world.laptops[1:]:  # ...and back
                copies.merge_copy(laptop.use(), world.send(first, laptop, "out.kl"), remove=True)
            expected = sorted(k for keys in own.values() for k in keys)
            for laptop in world.laptops:
                assert sorted(s.name for s in list_secrets(laptop.use())) == expected
            world.close()
            final = commit_hashes(first.file)
            assert made <= set(final)
            verify_vault(first.file)
            for laptop in world.laptops[1:]:
                assert commit_hashes(laptop.file) == final
                assert projection_rows(laptop.file) == projection_rows(first.file)
        finally:
            world.close()
