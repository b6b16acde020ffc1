"""The console keeps level with the shared vault file: a teammate's change comes in through the
file watcher, a sync tool's conflicted copy is offered and merged, what a merge settled is
shown, and a copy that fails its checks is refused with both copies kept."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import keyring
import pytest

from app.core.clock import FixedClock
from app.crypto import secretkey
from app.services import access, copies, merge_repair, team
from app.services.merge import TakenIn
from app.services.secrets import add_secret, delete_secret, update_secret
from app.services.vault import Vault
from app.ui.shared_texts import came_in, copies_merged
from app.ui.views.shared_banners import copies_text
from tests.conftest import PASSPHRASE, MemoryKeyring
from tests.team import add_teammate, join_as
from tests.ui.conftest import unlock

COPY_NAME = "team (conflicted copy 2026-11-30).kl"


class Laptops:
    """The window runs on laptop 1; laptop 2 has its own data folder and keychain (the way
    tests/services/test_vault.py simulates a teammate's computer)."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch
        self.keyrings = {"data": keyring.get_keyring(), "laptop2": MemoryKeyring()}

    def use(self, name: str) -> None:
        self.monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(self.tmp_path / name))
        keyring.set_keyring(self.keyrings[name])

    def on_laptop2(self, path: Path, handle: str, key: bytes, clock: FixedClock) -> Vault:
        self.use("laptop2")
        return Vault.unlock(path, handle, PASSPHRASE, key, clock)

    def back(self, vault: Vault) -> None:
        vault.lock()
        self.use("data")


@pytest.fixture
def laptops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Laptops:
    return Laptops(tmp_path, monkeypatch)


def settle(qtbot, window) -> None:
    """Wait for the catch-up the watcher started on a worker thread."""
    qtbot.waitUntil(lambda: not window.shared.busy, timeout=10_000)


def names(window) -> set[str]:
    return {s.name for s in window.controller.all_secrets}


def test_texts(qapp) -> None:
    handles = {"b1": "bob", "c1": "carol"}
    assert came_in(TakenIn("fast-forward", 3, ("b1", "c1")), handles) == (
        "Took in 3 changes from bob, carol."
    )
    assert came_in(TakenIn("merged", 1, ("b1",)), handles) == "Merged 1 change from bob with yours."
    assert copies_merged([TakenIn("merged", 2, ("b1",))], handles) == (
        "Merged the other copy (2 changes from bob) with yours and removed it."
    )
    assert copies_merged([TakenIn("same"), TakenIn("fast-forward", 1, ("c1",))], handles) == (
        "Took in 2 other copies (1 change from carol) and removed them."
    )
    assert copies_merged([TakenIn("same")], handles) == (
        "The other copy held nothing new; removed it."
    )
    assert (
        copies_text([COPY_NAME]) == f"Your sync tool left another copy of this vault: {COPY_NAME}"
    )
    assert copies_text(["a.kl", "b.kl"]) == (
        "Your sync tool left 2 other copies of this vault beside it."
    )


def test_a_teammates_change_comes_in_through_the_watcher(qtbot, window, team_vault, clock, laptops):
    path, key_text = team_vault
    unlock(qtbot, window, path, key_text)
    alice = window.session.vault
    joined = join_as(alice, "bob", "member", ("dev:write",))
    team.approve(alice, "bob", joined.fingerprint)
    bob = laptops.on_laptop2(path, "bob", joined.secret_key, clock)
    add_secret(bob, "dev", "Mistral dev", "mistral-" + "M" * 32, owner="bob")
    laptops.back(bob)

    qtbot.waitUntil(lambda: "Mistral dev" in names(window), timeout=10_000)
    assert window.console.secrets.index_of(
        next(s.id for s in window.controller.all_secrets if s.name == "Mistral dev")
    ).isValid()
    assert window.statusBar().currentMessage() == "Took in 1 change from bob."
    assert window.console.merge_warning.isHidden()

    window.lock()  # no watching while locked
    assert window.shared.watcher.files() == window.shared.watcher.directories() == []
    assert not window.shared.timer.isActive()


def test_the_catch_up_runs_off_the_gui_thread(
    qtbot, window, team_vault, clock, laptops, monkeypatch
):
    path, key_text = team_vault
    unlock(qtbot, window, path, key_text)
    other = laptops.on_laptop2(path, "alice", secretkey.parse(key_text), clock)
    add_secret(other, "dev", "Worker dev", "w" * 20)
    laptops.back(other)
    threads: list[threading.Thread] = []
    real = Vault.catch_up_with

    def spy(self, conn, merger):
        threads.append(threading.current_thread())
        return real(self, conn, merger)

    monkeypatch.setattr(Vault, "catch_up_with", spy)
    window.shared.take_in()
    assert window.shared.busy  # handed to the pool; the GUI thread is back in its loop
    settle(qtbot, window)
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()
    assert "Worker dev" in names(window)
    assert window.statusBar().currentMessage() == "Took in 1 change from alice."


def test_our_own_change_says_nothing(qtbot, window, team_vault):
    unlock(qtbot, window, *team_vault)
    window.statusBar().clearMessage()
    add_secret(window.session.vault, "dev", "Own dev", "own-" + "O" * 32)
    window.shared._on_timer_timeout()  # what the watcher's debounce calls
    settle(qtbot, window)
    assert window.statusBar().currentMessage() == ""
    assert window.console.merge_warning.isHidden()
    watched = [str(team_vault[0].absolute())]  # again, after the atomic replace dropped it
    qtbot.waitUntil(lambda: window.shared.watcher.files() == watched, timeout=5000)
    settle(qtbot, window)
    assert window.statusBar().currentMessage() == ""


def _conflicted_copy(path: Path, laptops: Laptops, key_text: str, clock, change) -> Path:
    """A sync tool's copy of the vault file, then changed on laptop 2 through that path."""
    copy = path.with_name(COPY_NAME)
    shutil.copyfile(path, copy)
    other = laptops.on_laptop2(copy, "alice", secretkey.parse(key_text), clock)
    change(other)
    laptops.back(other)
    return copy


def test_a_conflicted_copy_is_merged_and_removed(qtbot, window, team_vault, clock, laptops):
    path, key_text = team_vault
    unlock(qtbot, window, path, key_text)
    banner = window.console.copies_banner
    assert banner.isHidden()
    copy = _conflicted_copy(
        path,
        laptops,
        key_text,
        clock,
        lambda v: add_secret(v, "dev", "Copy dev", "copy-" + "C" * 32),
    )
    add_secret(window.session.vault, "dev", "Mine dev", "mine-" + "N" * 32)  # both moved on
    window.controller.load()

    qtbot.waitUntil(banner.isVisible, timeout=10_000)  # the folder watcher saw the copy
    assert banner.text.text() == f"Your sync tool left another copy of this vault: {COPY_NAME}"
    assert banner.merge_button.text() == "Merge and remove cop&y"
    assert banner.merge_button.accessibleName() == "Merge and remove copy"
    banner.merge_button.click()
    settle(qtbot, window)

    assert {"Copy dev", "Mine dev"} <= names(window)
    assert not copy.exists()
    assert banner.isHidden()
    assert window.console.merge_warning.isHidden()
    assert window.statusBar().currentMessage() == (
        "Merged the other copy (1 change from alice) with yours and removed it."
    )


def test_not_now_hides_the_copy_until_the_vault_is_locked(
    qtbot, window, team_vault, clock, laptops
):
    path, key_text = team_vault
    copy = _conflicted_copy(
        path, laptops, key_text, clock, lambda v: add_secret(v, "dev", "Copy dev", "c" * 20)
    )
    unlock(qtbot, window, path, key_text)
    banner = window.console.copies_banner
    assert banner.isVisible()  # offered at unlock
    banner.later_button.click()
    assert banner.isHidden()
    window.shared._on_timer_timeout()
    settle(qtbot, window)
    assert banner.isHidden()
    assert copy.exists()
    assert "Copy dev" not in names(window)
    window.lock()
    unlock(qtbot, window, path, key_text)
    assert banner.isVisible()


def _flip_last_signature(path: Path) -> None:
    """A forged or damaged last commit: its signature no longer verifies."""
    conn = sqlite3.connect(path)
    with conn:
        seq, sig = conn.execute("SELECT seq, sig FROM commits ORDER BY seq DESC LIMIT 1").fetchone()
        flipped = bytearray(sig)
        flipped[5] ^= 1
        conn.execute("UPDATE commits SET sig = ? WHERE seq = ?", (bytes(flipped), seq))
    conn.close()


def test_a_refused_merge_shows_why_and_removes_nothing(qtbot, window, team_vault, clock, laptops):
    path, key_text = team_vault
    unlock(qtbot, window, path, key_text)
    copy = _conflicted_copy(
        path, laptops, key_text, clock, lambda v: add_secret(v, "dev", "Copy dev", "c" * 20)
    )
    _flip_last_signature(copy)
    update_secret(window.session.vault, "dev", "Groq dev", owner="erin")  # changed here
    window.shared._on_timer_timeout()
    settle(qtbot, window)
    banner, warning = window.console.copies_banner, window.console.merge_warning
    assert banner.isVisible()
    before = path.read_bytes(), copy.read_bytes()

    banner.merge_button.click()
    settle(qtbot, window)

    assert warning.isVisible()
    assert warning.text.text() == (
        f"{COPY_NAME} cannot be merged: signature does not verify. Both"
        " copies are kept as they were."
    )
    assert (path.read_bytes(), copy.read_bytes()) == before
    assert "Copy dev" not in names(window)
    assert banner.isHidden()  # not offered again until the vault is locked
    warning.close_button.click()
    assert warning.isHidden()


def _diverged(path: Path, tmp_path: Path, key_text: str, clock, laptops, theirs_change) -> None:
    """The shared file holds a change from laptop 2; this laptop's copy, edited while its sync
    client had not caught up, changed "Groq dev"'s owner."""
    key = secretkey.parse(key_text)
    older = tmp_path / "older" / "team.kl"
    older.parent.mkdir()
    shutil.copyfile(path, older)
    theirs = laptops.on_laptop2(path, "alice", key, clock)
    theirs_change(theirs)
    laptops.back(theirs)
    mine = Vault.unlock(older, "alice", PASSPHRASE, key, clock)
    update_secret(mine, "dev", "Groq dev", owner="erin")
    mine.lock()


def test_a_merge_at_unlock_shows_what_it_settled(
    qtbot, window, team_vault, clock, laptops, tmp_path
):
    path, key_text = team_vault
    _diverged(
        path, tmp_path, key_text, clock, laptops, lambda v: delete_secret(v, "dev", "Groq dev")
    )

    unlock(qtbot, window, path, key_text)

    assert "Groq dev" in names(window)  # deleted there, changed here: kept
    settled = window.console.settled_banner
    assert settled.isVisible()
    assert settled.text.text() == (
        "Both copies changed the same things; the merge settled them (see Audit):\n"
        "• Groq dev was deleted on one copy and changed on the other: kept, with the change."
    )
    assert window.console.merge_warning.isHidden()
    settled.close_button.click()
    assert settled.isHidden()


def test_a_merge_refused_at_unlock_is_shown(qtbot, window, team_vault, clock, laptops, tmp_path):
    path, key_text = team_vault
    _diverged(
        path, tmp_path, key_text, clock, laptops, lambda v: add_secret(v, "dev", "X", "x" * 20)
    )
    _flip_last_signature(path)

    unlock(qtbot, window, path, key_text)

    warning = window.console.merge_warning
    assert warning.isVisible()
    assert warning.text.text() == (
        "This laptop's copy and the shared vault file cannot be merged: signature does not"
        " verify. Both copies are kept as they were."
    )
    warning.close_button.click()
    window.shared._on_timer_timeout()  # still refused: the dismissed note stays away
    settle(qtbot, window)
    assert warning.isHidden()


def test_an_admin_unlocking_re_encrypts_what_a_members_merge_left(
    qtbot, window, team_vault, clock, laptops, tmp_path
):
    path, key_text = team_vault
    alice = Vault.unlock(path, "alice", PASSPHRASE, secretkey.parse(key_text), clock)
    joined = join_as(alice, "bob", "member", ("dev:write",))
    team.approve(alice, "bob", joined.fingerprint)
    add_teammate(alice, "carol", grants=("dev:read",)).lock()
    bobs = tmp_path / "bob" / "team.kl"  # bob's laptop, its sync client behind
    bobs.parent.mkdir()
    shutil.copyfile(path, bobs)
    access.revoke(alice, "carol", "dev")  # dev moves to a new key...
    alice.lock()
    bob = laptops.on_laptop2(bobs, "bob", joined.secret_key, clock)
    add_secret(bob, "dev", "Bob dev", "b" * 20)  # ...while bob writes under the old one
    copies.merge_copy(bob, path)  # bob merges: a member, he cannot re-encrypt
    assert bob.repair_waiting == ("dev",)
    laptops.back(bob)
    shutil.copyfile(bobs, path)  # the sync client delivers his merge

    unlock(qtbot, window, path, key_text)

    qtbot.waitUntil(
        lambda: (
            window.statusBar().currentMessage()
            == "Re-encrypted what an earlier merge left under replaced keys."
        ),
        timeout=10_000,
    )
    assert merge_repair.needed(window.session.vault) == []
    assert window.console.settled_banner.isHidden()


def test_a_refused_merge_can_set_this_laptops_changes_aside(
    qtbot, window, team_vault, clock, laptops, tmp_path, monkeypatch
):
    path, key_text = team_vault
    key = secretkey.parse(key_text)
    alice = Vault.unlock(path, "alice", PASSPHRASE, key, clock)
    add_teammate(alice, "bob", grants=("dev:read",)).lock()
    add_teammate(alice, "carol", grants=("dev:read",)).lock()
    alice.lock()
    older = tmp_path / "older" / "team.kl"  # this laptop's sync client falls behind
    older.parent.mkdir()
    shutil.copyfile(path, older)
    theirs = laptops.on_laptop2(path, "alice", key, clock)
    access.revoke(theirs, "bob", "dev")  # dev re-keyed in the shared file...
    laptops.back(theirs)
    mine = Vault.unlock(older, "alice", PASSPHRASE, key, clock)
    access.revoke(mine, "carol", "dev")  # ...and here: two re-keys no rule settles
    mine.lock()

    unlock(qtbot, window, path, key_text)
    warning = window.console.merge_warning
    assert warning.isVisible()
    assert warning.set_aside_button.isVisible()
    asked: list[Vault] = []
    monkeypatch.setattr(window.shared, "confirm_set_aside", lambda v: asked.append(v) or True)
    warning.set_aside_button.click()

    assert asked
    assert window.session.vault is None  # locked: the next unlock starts from the shared file
    kept = path.with_name("team (unmerged, alice 2026-11-30).kl")
    assert kept.is_file()
    assert window.statusBar().currentMessage() == (
        f"Kept this laptop's unmerged changes in {kept.name}. Unlock to go on from the shared file."
    )
    unlock(qtbot, window, path, key_text)
    assert window.session.vault.merge_problem is None
    assert warning.isHidden()


def test_several_copies_share_one_banner(qtbot, window, team_vault, clock, laptops):
    path, key_text = team_vault
    first = _conflicted_copy(
        path, laptops, key_text, clock, lambda v: add_secret(v, "dev", "First dev", "f" * 20)
    )
    second = path.with_name("team.sync-conflict-20261130-101010-ABCDEFG.kl")  # Syncthing's
    shutil.copyfile(path, second)
    other = laptops.on_laptop2(second, "alice", secretkey.parse(key_text), clock)
    add_secret(other, "dev", "Second dev", "s" * 20)
    laptops.back(other)
    unlock(qtbot, window, path, key_text)
    banner = window.console.copies_banner
    assert banner.text.text() == "Your sync tool left 2 other copies of this vault beside it."
    assert banner.merge_button.accessibleName() == "Merge and remove copies"

    banner.merge_button.click()
    settle(qtbot, window)

    assert {"First dev", "Second dev"} <= names(window)
    assert not first.exists()
    assert not second.exists()
    assert banner.isHidden()
    assert window.statusBar().currentMessage().startswith("Took in 2 other copies (")


def test_a_network_drive_is_polled(qtbot, window, team_vault, clock, laptops):
    """No file-system events arrive from other computers on SMB or NFS: the stat poll notices."""
    path, key_text = team_vault
    unlock(qtbot, window, path, key_text)
    shared = window.shared
    assert shared.poll.isActive()
    shared.watcher.removePaths(shared.watcher.files() + shared.watcher.directories())
    other = laptops.on_laptop2(path, "alice", secretkey.parse(key_text), clock)
    add_secret(other, "dev", "Polled dev", "p" * 20)
    laptops.back(other)

    shared._on_poll_timeout()  # what the poll timer calls every 30 s

    qtbot.waitUntil(lambda: "Polled dev" in names(window), timeout=5000)
    window.lock()
    assert not shared.poll.isActive()
