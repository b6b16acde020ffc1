from pathlib import Path

import pytest

from app.core.errors import AuthFailed
from app.services import keychain
from app.services.session import Session, describe
from tests.conftest import PASSPHRASE


@pytest.fixture
def session(clock) -> Session:
    return Session(clock, idle_minutes=5)


def test_describe_lists_members_and_keychain_state(created, vault_path: Path):
    vault, key = created
    target = describe(vault_path)
    assert (target.name, target.members, target.keychain_has) == (
        "Acme AI",
        ("alice",),
        frozenset(),
    )
    keychain.store_secret_key(vault.vault_id, vault.member.id, key)
    assert describe(vault_path).keychain_has == {"alice"}


def test_idle_lock_follows_the_injected_clock(created, vault_path, session, clock):
    _, key = created
    locked: list[str] = []
    session.on_locked(locked.append)
    session.opened(session.unlock(vault_path, "alice", PASSPHRASE, key))
    clock.advance(minutes=4)
    session.tick()
    assert session.unlocked
    session.touch()
    clock.advance(minutes=4, seconds=59)
    session.tick()
    assert session.unlocked
    clock.advance(seconds=1)
    session.tick()
    assert not session.unlocked
    assert locked == ["idle"]


def test_lock_drops_the_keys(created, vault_path, session):
    _, key = created
    vault = session.unlock(vault_path, "alice", PASSPHRASE, key)
    session.opened(vault)
    session.lock()
    assert vault.locked
    session.lock()  # a second lock is harmless


def test_wrong_passphrase_leaves_the_session_locked(created, vault_path, session):
    _, key = created
    with pytest.raises(AuthFailed):
        session.unlock(vault_path, "alice", "wrong passphrase!", key)
    assert not session.unlocked
