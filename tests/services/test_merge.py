"""Two laptops' copies of one vault that diverged: merged, nothing lost, or refused unchanged."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.errors import IntegrityFailure
from app.services import copies
from app.services.integrity import verify_vault
from app.services.merge import MergeRefused
from app.services.secrets import add_secret, delete_secret, list_secrets, rotate_secret
from tests.services.merge_world import World, commit_hashes, projection_rows

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


def test_a_delete_against_a_concurrent_rotation_is_refused_and_both_kept(world: World):
    one, two = world.laptops
    diverge(world)
    world.tick()
    delete_secret(one.use(), "dev", "shared")
    rotate_secret(two.use(), "dev", "shared", "value-shared-0009", "scheduled")
    refused_unchanged(world, "deleted in one was changed in the other")


def test_two_rotations_of_one_key_are_refused_and_both_kept(world: World):
    one, two = world.laptops
    diverge(world)
    rotate_secret(one.use(), "dev", "shared", "value-shared-0008", "scheduled")
    rotate_secret(two.use(), "dev", "shared", "value-shared-0009", "scheduled")
    refused_unchanged(world, "same version")


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
