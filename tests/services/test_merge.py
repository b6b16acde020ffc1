"""Two laptops' copies of one vault that diverged: merged, nothing lost, or refused unchanged."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core import concurrency
from app.core.errors import IntegrityFailure
from app.services import access, copies, merge_story, team
from app.services.environments import find_environment
from app.services.integrity import verify_vault
from app.services.merge import MergeRefused, TakenIn
from app.services.secrets import (
    add_secret,
    delete_secret,
    history,
    list_secrets,
    reveal,
    rotate_secret,
)
from app.services.set_aside import set_aside
from app.services.team import find_member, list_grants
from app.services.vault import Vault
from app.services.verify import verify
from tests.conftest import PASSPHRASE
from tests.services.merge_world import World, commit_hashes, projection_rows
from tests.team import add_teammate, join_as

DROPBOX = "team (conflicted copy 2026-11-30).kl"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    made = World(tmp_path, monkeypatch)
    yield made
    made.close()


def names(world: World, n: int) -> list[str]:
    return sorted(s.name for s in list_secrets(world.laptops[n].use()))


def diverge(world: World) -> tuple[list[str], list[str]]:
    """Both laptops add a key while apart; the commit hashes each side holds."""
    one, two = world.laptops
    add_secret(one.use(), "dev", "shared", "value-shared-0001")
    world.send(one, two, "team.kl")  # both in step
    two.use()
    world.tick()
    add_secret(one.use(), "dev", "mine", "value-mine-0002")
    world.tick()
    add_secret(two.use(), "prod", "theirs", "value-theirs-0003")
    return commit_hashes(one.file), commit_hashes(two.file)


def test_a_conflicted_copy_merges_and_is_removed_after_publishing(world: World):
    one, two = world.laptops
    mine, theirs = diverge(world)
    copy = world.send(two, one, DROPBOX)
    done = copies.merge_copy(one.use(), copy, remove=True)
    assert (done.outcome, done.incoming) == ("merged", 1)  # their add (with its unlock note)
    assert not copy.exists()
    assert names(world, 0) == ["mine", "shared", "theirs"]
    merged = commit_hashes(one.file)
    assert set(mine) | set(theirs) <= set(merged)  # every commit of both sides
    assert len(merged) == len(set(mine) | set(theirs)) + 1  # and one merge commit
    report = verify_vault(one.file)
    assert report.commits == len(merged)


def test_the_other_laptop_takes_the_merge_in_and_ends_identical(world: World):
    one, two = world.laptops
    diverge(world)
    copies.merge_copy(one.use(), world.send(two, one, DROPBOX), remove=True)
    world.send(one, two, "team.kl")  # the sync tool delivers the merged file
    two.use().refresh()
    assert names(world, 1) == ["mine", "shared", "theirs"]
    two.lock()
    one.lock()
    world.send(two, one, "from-two.kl")
    assert commit_hashes(two.file) == commit_hashes(one.file)
    assert projection_rows(two.file) == projection_rows(one.file)


def test_merging_either_way_gives_the_same_tables(world: World):
    one, two = world.laptops
    diverge(world)
    one_before, two_before = world.send(one, two, "one.kl"), world.send(two, one, "two.kl")
    copies.merge_copy(one.use(), two_before)
    copies.merge_copy(two.use(), one_before)
    one.lock()
    two.lock()
    assert projection_rows(one.file) == projection_rows(two.file)
    # the same commits in the same order; only the merge commits (who merged, when) differ
    assert commit_hashes(one.file)[:-1] == commit_hashes(two.file)[:-1]
    verify_vault(one.file)
    verify_vault(two.file)


def test_unlocking_merges_a_shared_file_that_moved_on_meanwhile(world: World):
    one, two = world.laptops
    diverge(world)
    one.lock()
    world.send(two, one, "team.kl")  # the sync tool overwrote this laptop's file with theirs
    assert names(world, 0) == ["mine", "shared", "theirs"]  # unlock merged and published
    assert len(commit_hashes(one.file)) == len(set(commit_hashes(one.file)))
    verify_vault(one.file)


def refused_unchanged(world: World, match: str) -> None:
    one, two = world.laptops
    copy = world.send(two, one, DROPBOX)
    before, copy_before = one.file.read_bytes(), copy.read_bytes()
    with pytest.raises(MergeRefused, match=match):
        copies.merge_copy(one.use(), copy, remove=True)
    assert one.file.read_bytes() == before
    assert copy.read_bytes() == copy_before  # kept, not removed
    verify_vault(one.file)


def merge_both_ways(world: World) -> tuple[TakenIn, TakenIn]:
    """Each laptop merges the other's copy; both end with the same tables, and verify."""
    one, two = world.laptops
    one_before, two_before = world.send(one, two, "one.kl"), world.send(two, one, "two.kl")
    done = copies.merge_copy(one.use(), two_before)
    other = copies.merge_copy(two.use(), one_before)
    one.lock()
    two.lock()
    assert projection_rows(one.file) == projection_rows(two.file)
    verify_vault(one.file)
    verify_vault(two.file)
    return done, other


def secret_id(vault: Vault, name: str) -> str:
    return next(s.id for s in list_secrets(vault) if s.name == name)


def test_a_delete_against_a_concurrent_rotation_keeps_the_rotated_key(world: World):
    one, two = world.laptops
    diverge(world)
    shared = secret_id(one.use(), "shared")
    world.tick()
    delete_secret(one.use(), "dev", "shared")
    rotate_secret(two.use(), "dev", "shared", "value-shared-0009", "scheduled")
    done, other = merge_both_ways(world)
    assert done.resolved == other.resolved == (["kept-edited", shared],)
    assert names(world, 0) == ["mine", "shared", "theirs"]
    assert reveal(one.use(), "dev", "shared", channel=None) == "value-shared-0009"


def test_a_delete_on_both_sides_deletes_once(world: World):
    one, two = world.laptops
    diverge(world)
    shared = secret_id(one.use(), "shared")
    delete_secret(one.use(), "dev", "shared")
    world.tick()
    delete_secret(two.use(), "dev", "shared")
    done, _ = merge_both_ways(world)
    assert done.resolved == (["deleted-on-both", shared],)
    assert names(world, 0) == names(world, 1) == ["mine", "theirs"]


def test_two_rotations_of_one_key_keep_both_versions_the_later_current(world: World):
    one, two = world.laptops
    diverge(world)
    rotate_secret(one.use(), "dev", "shared", "value-shared-0008", "scheduled")
    world.tick()
    rotate_secret(two.use(), "dev", "shared", "value-shared-0009", "exposure")
    done, _ = merge_both_ways(world)
    assert done.resolved == (["changed-on-both", secret_id(one.use(), "shared")],)
    for laptop in world.laptops:
        vault = laptop.use()
        kept = [(v.version, v.reason) for v in history(vault, "dev", "shared")]
        assert kept == [(3, "exposure"), (2, "scheduled"), (1, "created")]
        assert reveal(vault, "dev", "shared", channel=None) == "value-shared-0009"
        assert reveal(vault, "dev", "shared", channel=None, version=2) == "value-shared-0008"


def with_bob(world: World) -> None:
    """bob joins on the first laptop with read access to dev; the second laptop takes it in."""
    one, two = world.laptops
    add_teammate(one.use(), "bob", grants=("dev:read",)).lock()
    world.send(one, two, "team.kl")
    two.use().refresh()
    world.tick()


def test_a_revocation_beats_a_concurrent_grant(world: World):
    one, two = world.laptops
    with_bob(world)
    bob = find_member(one.use(), "bob").id
    dev = find_environment(one.use(), "dev").id
    access.grant(one.use(), "bob", "dev", "write")  # one laptop raises bob to write...
    world.tick()
    access.revoke(two.use(), "bob", "dev")  # ...while the other takes his access away
    done, other = merge_both_ways(world)
    assert done.resolved == other.resolved == (["revocation-wins", bob, dev],)
    for laptop in world.laptops:
        vault = laptop.use()
        assert not [g for g in list_grants(vault) if g.member_id == bob]
        held = vault.conn.execute(
            "SELECT count(*) FROM wraps w JOIN environments e ON e.id = w.scope"
            " WHERE w.member_id = ? AND w.epoch = e.epoch",
            (bob,),
        ).fetchone()[0]
        assert held == 0  # no key of dev's current epoch reached bob


def test_a_key_written_under_a_replaced_epoch_is_re_encrypted_by_the_merging_admin(
    world: World,
):
    one, two = world.laptops
    with_bob(world)
    access.revoke(one.use(), "bob", "dev")  # dev re-keyed: epoch 2
    world.tick()
    add_secret(two.use(), "dev", "late", "value-late-0001")  # still under epoch 1
    copies.merge_copy(one.use(), world.send(two, one, DROPBOX), remove=True)
    vault = one.use()
    assert vault.repair_waiting == ()
    stale = vault.conn.execute(
        "SELECT count(*) FROM versions v JOIN secrets s ON s.id = v.secret_id"
        " JOIN environments e ON e.id = s.env_id WHERE v.epoch < e.epoch"
    ).fetchone()[0]
    assert stale == 0
    assert reveal(vault, "dev", "late", channel=None) == "value-late-0001"
    one.lock()
    verify_vault(one.file)


def test_a_key_handed_on_at_a_replaced_epoch_is_handed_on_again_by_the_merging_admin(
    world: World,
):
    one, two = world.laptops
    vault = one.use()
    add_teammate(vault, "carol").lock()
    with_bob(world)
    carol = find_member(one.use(), "carol").id
    dev = find_environment(one.use(), "dev").id
    access.grant(one.use(), "carol", "dev", "read")  # dev's key of epoch 1 to carol...
    world.tick()
    access.revoke(two.use(), "bob", "dev")  # ...while the other laptop moves dev to epoch 2
    copies.merge_copy(one.use(), world.send(two, one, DROPBOX), remove=True)
    vault = one.use()
    epochs = [
        r[0]
        for r in vault.conn.execute(
            "SELECT epoch FROM wraps WHERE member_id = ? AND scope = ? ORDER BY epoch", (carol, dev)
        )
    ]
    assert epochs == [2]  # the void delivery of epoch 1 is gone; the merger handed on epoch 2
    assert [g.access for g in list_grants(vault) if g.member_id == carol] == ["read"]
    one.lock()
    verify_vault(one.file)


def test_a_prod_key_is_handed_on_again_with_the_step_up_closed(world: World):
    """Handing the new key to a grantee is part of re-keying, which passes the step-up gate
    (it shows nothing to anyone): a merge long after the last TOTP code still does it."""
    one, two = world.laptops
    vault = one.use()
    add_teammate(vault, "bob", grants=("prod:read",)).lock()
    add_teammate(vault, "carol").lock()
    world.send(one, two, "team.kl")
    two.use().refresh()
    world.tick()
    access.grant(one.use(), "carol", "prod", "read")  # prod's key of epoch 1 to carol...
    access.revoke(two.use(), "bob", "prod")  # ...while the other laptop moves prod to epoch 2
    world.tick(seconds=3600)  # every step-up window on the first laptop has closed
    vault = one.use()
    assert vault.close_expired_step_ups()
    copies.merge_copy(vault, world.send(two, one, DROPBOX), remove=True)
    assert vault.repair_waiting == ()
    carol, prod = find_member(vault, "carol").id, find_environment(vault, "prod").id
    held = vault.conn.execute(
        "SELECT epoch FROM wraps WHERE member_id = ? AND scope = ?", (carol, prod)
    ).fetchall()
    assert held == [(2,)]
    one.lock()
    verify_vault(one.file)


def stale_values(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(
            conn.execute(
                "SELECT count(*) FROM versions v JOIN secrets s ON s.id = v.secret_id"
                " JOIN environments e ON e.id = s.env_id WHERE v.epoch < e.epoch"
            ).fetchone()[0]
        )
    finally:
        conn.close()


def test_a_member_who_cannot_re_encrypt_leaves_it_waiting_for_an_admin(world: World):
    one, two = world.laptops
    alice = one.use()
    joined = join_as(alice, "bob", "member", ("dev:write",))
    team.approve(alice, "bob", joined.fingerprint)
    add_teammate(alice, "carol", grants=("dev:read",)).lock()
    world.send(one, two, "team.kl")
    world.tick()
    access.revoke(one.use(), "carol", "dev")  # dev moves to epoch 2 on the first laptop...
    two.use()  # ...while bob, on the second laptop (its data folder and keychain), writes
    two.lock()  # under epoch 1
    bob = Vault.unlock(two.file, "bob", PASSPHRASE, joined.secret_key, world.clock)
    try:
        add_secret(bob, "dev", "bobs", "value-bobs-0001")
        done = copies.merge_copy(bob, world.send(one, two, DROPBOX), remove=True)
        assert done.outcome == "merged"
        assert bob.repair_waiting == ("dev",)  # a member: no env.rekey, no key.wrap for him
        assert merge_story.story(bob, done.resolved)[-1] == (
            "values or keys of dev wait for an admin with dev access to re-encrypt them"
            " (they run `keyledger merge`)"
        )
    finally:
        bob.lock()
    assert stale_values(two.file) == 1
    world.send(two, one, "team.kl")  # the sync tool brings bob's merge to alice
    vault = one.use()
    assert vault.take_in_shared().joined  # a fast-forward over a merge: she puts it right
    assert vault.repair_waiting == ()
    assert stale_values(vault.published) == 0
    assert reveal(vault, "dev", "bobs", channel=None) == "value-bobs-0001"
    one.lock()
    verify_vault(one.file)


def test_two_re_keys_at_once_are_refused_and_the_laptop_can_set_its_copy_aside(world: World):
    one, two = world.laptops
    add_teammate(one.use(), "carol", grants=("dev:read",)).lock()
    with_bob(world)
    access.revoke(one.use(), "bob", "dev")  # dev re-keyed on one laptop...
    world.tick()
    access.revoke(two.use(), "carol", "dev")  # ...and on the other: no rule settles two re-keys
    mine = commit_hashes(two.file)
    world.send(one, two, "team.kl")  # the sync tool brings the first laptop's file
    two.lock()
    vault = two.use()  # unlocking tries the merge: refused, both kept
    assert vault.merge_problem == "the copies cannot be merged: a key epoch out of sequence"
    aside = set_aside(vault)
    two.vault = None
    assert aside.name == "team (unmerged, alice 2026-11-30).kl"
    assert set(mine) <= set(commit_hashes(aside))  # nothing of this laptop's is lost
    kept = sqlite3.connect(aside)
    try:
        assert verify(kept).commits == len(commit_hashes(aside))  # every hash and signature
    finally:
        kept.close()
    assert not copies.looks_conflicted(two.file, aside)  # not offered back by itself
    vault = two.use()  # goes on from the shared file: carol still has dev there
    assert vault.merge_problem is None
    carol = find_member(vault, "carol").id
    assert [g.env_id for g in list_grants(vault) if g.member_id == carol] == [
        find_environment(vault, "dev").id
    ]
    access.revoke(vault, "carol", "dev")  # redone on top of the other re-key: it stands now
    two.lock()
    verify_vault(two.file)


def test_a_merge_commit_that_misstates_what_it_settled_fails_verify(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    one, two = world.laptops
    diverge(world)
    delete_secret(one.use(), "dev", "shared")
    rotate_secret(two.use(), "dev", "shared", "value-shared-0009", "scheduled")
    real = concurrency.settle
    with monkeypatch.context() as patch:  # a merger whose record leaves the conflict out
        patch.setattr(concurrency, "settle", lambda a, b: (real(a, b)[0], []))
        copies.merge_copy(one.use(), world.send(two, one, DROPBOX), remove=True)
    one.lock()
    with pytest.raises(IntegrityFailure, match="record of settled conflicts"):
        verify_vault(one.file)


def test_a_copy_of_another_vault_or_a_damaged_copy_is_refused(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    one, two = world.laptops
    diverge(world)
    stranger = World(tmp_path / "elsewhere", monkeypatch)
    stranger.close()
    one.use()
    with pytest.raises(MergeRefused, match="shares no history"):
        copies.merge_copy(one.use(), stranger.laptops[0].file)
    text = world.laptops[0].folder / "notes.kl"
    text.write_text("not a vault")
    with pytest.raises(IntegrityFailure, match="notes.kl"):
        copies.merge_copy(one.use(), text)
    assert names(world, 0) == ["mine", "shared"]


@pytest.mark.parametrize(
    "name",
    [
        "team (conflicted copy 2026-11-30).kl",
        "team (Bob's conflicted copy 2026-11-30).kl",
        "team (conflicted copy 2026-11-30 101010).kl",
        "team.sync-conflict-20261130-101010-ABCD123.kl",
        "team-LAPTOP-7.kl",
        "team (1).kl",
        "team 2.kl",
    ],
)
def test_sync_tools_conflicted_copy_names_are_recognised(name: str):
    assert copies.looks_conflicted(Path("/s/team.kl"), Path("/s") / name)


@pytest.mark.parametrize("name", ["team.kl", "teamwork.kl", "team (copy).kl", "team-1.txt"])
def test_other_names_are_not(name: str):
    assert not copies.looks_conflicted(Path("/s/team.kl"), Path("/s") / name)


def test_only_copies_of_this_vault_are_offered(world: World):
    one, two = world.laptops
    diverge(world)
    world.send(two, one, DROPBOX)
    (one.folder / "team (1).kl").write_text("not a vault")
    vault = one.use()
    found = copies.conflicted_copies(one.file, vault.vault_id)
    assert [p.name for p in found] == [DROPBOX]


def merged_file(world: World) -> Path:
    one, two = world.laptops
    diverge(world)
    copies.merge_copy(one.use(), world.send(two, one, DROPBOX), remove=True)
    one.lock()
    return one.file


def test_a_file_whose_branches_no_merge_joins_fails_verify(world: World):
    path = merged_file(world)
    conn = sqlite3.connect(path)
    with conn:  # drop the merge commit: two heads remain
        last = conn.execute("SELECT max(seq) FROM commits").fetchone()[0]
        conn.execute("DELETE FROM events WHERE commit_seq = ?", (last,))
        conn.execute("DELETE FROM commits WHERE seq = ?", (last,))
    conn.close()
    with pytest.raises(IntegrityFailure, match="branches that no merge joins"):
        verify_vault(path)


def test_concurrent_commits_stored_out_of_their_canonical_order_fail_verify(world: World):
    path = merged_file(world)
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT seq, header FROM commits ORDER BY seq").fetchall()
    merge = json.loads(rows[-1][1])
    seqs = {
        commit_seq
        for commit_seq, header in rows
        if hashlib.sha256(header).hexdigest() in merge["parents"]
    }
    a, b = sorted(seqs)
    with conn:  # the two heads swap places: each still after its parents
        for old, new in ((a, -1), (b, a), (-1, b)):
            conn.execute("UPDATE events SET commit_seq = ? WHERE commit_seq = ?", (new, old))
            conn.execute("UPDATE commits SET seq = ? WHERE seq = ?", (new, old))
    conn.close()
    with pytest.raises(IntegrityFailure, match="canonical order|dated before"):
        verify_vault(path)


def test_a_merge_record_outside_a_merge_commit_is_refused(world: World):
    from tests.forge import forge

    vault = world.laptops[0].use()
    forge(vault, [{"t": "merge"}], "a merge commit must hold its merge record")
    with pytest.raises(IntegrityFailure, match="merge record"):
        verify_vault(world.laptops[0].file)


def test_a_copy_whose_signature_fails_is_refused_and_nothing_changes(world: World):
    one, two = world.laptops
    diverge(world)
    copy = world.send(two, one, DROPBOX)
    conn = sqlite3.connect(copy)
    with conn:
        last = conn.execute("SELECT seq, sig FROM commits ORDER BY seq DESC LIMIT 1").fetchone()
        sig = bytearray(last[1])
        sig[5] ^= 1
        conn.execute("UPDATE commits SET sig = ? WHERE seq = ?", (bytes(sig), last[0]))
    conn.close()
    before = one.file.read_bytes()
    with pytest.raises(MergeRefused, match="signature does not verify"):
        copies.merge_copy(one.use(), copy, remove=True)
    assert copy.exists()
    assert one.file.read_bytes() == before
    assert names(world, 0) == ["mine", "shared"]


def test_the_merge_is_in_the_audit_history(world: World):
    from app.services.audit import entries

    one, two = world.laptops
    diverge(world)
    copies.merge_copy(one.use(), world.send(two, one, DROPBOX), remove=True)
    last = list(entries(one.use()))[-1]
    assert (last.actor, last.action, last.details) == ("alice", "merge", {"commits_taken_in": 1})
