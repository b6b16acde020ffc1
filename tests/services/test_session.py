from pathlib import Path

import pytest

from app.core.clock import iso
from app.core.errors import AuthFailed
from app.services import keychain
from app.services.secrets import Listing, add_secret, list_secrets, read_listing
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


def test_the_unlock_is_recorded_with_the_next_change_or_at_lock(
    created, vault_path, session, clock
):
    from app.services import audit
    from app.services.secrets import add_secret
    from app.storage import ledger

    _, key = created
    vault = session.unlock(vault_path, "alice", PASSPHRASE, key)
    commits = ledger.count(vault.conn)
    session.opened(vault)
    unlocked_at = clock.now()
    assert ledger.count(vault.conn) == commits  # no publish of its own
    clock.advance(minutes=2)
    add_secret(vault, "dev", "Webhook", "whsec-" + "w" * 30)
    actions = [e.action for e in audit.entries(vault)]
    assert actions[-2:] == ["vault.unlock", "secret.create"]
    unlock = [e for e in audit.entries(vault) if e.action == "vault.unlock"][-1]
    assert unlock.details == {"at": iso(unlocked_at), "client": "console"}
    assert unlock.actor == "alice"
    session.lock()  # nothing waiting: no empty commit
    again = session.unlock(vault_path, "alice", PASSPHRASE, key)
    assert ledger.count(again.conn) == commits + 1
    session.opened(again)
    session.lock()
    reopened = session.unlock(vault_path, "alice", PASSPHRASE, key)
    try:
        assert ledger.count(reopened.conn) == commits + 2
        assert [e.action for e in audit.entries(reopened)][-1] == "vault.unlock"
    finally:
        reopened.lock()


def test_records_read_while_the_key_derives_list_the_same_secrets(created, vault_path, session):
    vault, key = created
    add_secret(vault, "dev", "OpenAI dev", "sk-proj-" + "Q" * 40, tags=["llm"])
    add_secret(vault, "prod", "Anthropic prod", "sk-ant-api03-" + "W" * 40)
    vault.lock()
    early: list[Listing] = []
    again = session.unlock(
        vault_path, "alice", PASSPHRASE, key, lambda conn: early.append(read_listing(conn))
    )
    try:
        assert list_secrets(again, sealed=early[0]) == list_secrets(again)
        assert [s.name for s in list_secrets(again, sealed=early[0])] == [
            "OpenAI dev",
            "Anthropic prod",
        ]
    finally:
        again.lock()


def test_a_second_unlock_reads_names_from_the_cache_while_the_key_derives(
    created, vault_path, session
):
    vault, key = created
    add_secret(vault, "dev", "OpenAI dev", "sk-proj-" + "Q" * 40, tags=["llm"])
    first = list_secrets(vault)  # leaves the metadata cache
    vault.lock()
    early: list[Listing] = []
    again = session.unlock(
        vault_path, "alice", PASSPHRASE, key, lambda conn: early.append(read_listing(conn))
    )
    try:
        assert early[0].cached is not None
        assert early[0].sealed == {}  # no record read out of the ledger
        assert list_secrets(again, sealed=early[0]) == first
    finally:
        again.lock()


def test_a_failed_read_while_the_key_derives_fails_the_unlock(created, vault_path, session):
    _, key = created

    def broken(_conn: object) -> None:
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        session.unlock(vault_path, "alice", PASSPHRASE, key, broken)
    assert not session.unlocked
