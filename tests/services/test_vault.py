"""The vault service as the CLI and GUI use it: create, unlock, secrets, history, audit."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from app.core.clock import FixedClock
from app.core.errors import AuthFailed, Conflict, InvalidInput, NotFound
from app.crypto import secretkey
from app.services import audit, keychain, paths
from app.services.environments import add_environment, list_environments, set_policy
from app.services.secrets import (
    add_secret,
    delete_secret,
    find_secret,
    history,
    import_dotenv,
    list_secrets,
    reveal,
    rotate_secret,
    run_environment,
    update_secret,
)
from app.services.vault import Vault
from tests.conftest import PASSPHRASE, open_step_ups

OPENAI = "sk-proj-" + "Q" * 40
ANTHROPIC = "sk-ant-api03-" + "W" * 40


class Laptops:
    """Each laptop has its own data folder and its own keychain."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import keyring

        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch
        self.keyrings = {"laptop1": keyring.get_keyring()}

    def use(self, name: str) -> None:
        import keyring

        from tests.conftest import MemoryKeyring

        data = self.tmp_path / ("data" if name == "laptop1" else name)
        self.monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(data))
        keyring.set_keyring(self.keyrings.setdefault(name, MemoryKeyring()))


def reopen(path: Path, key: bytes | None = None, passphrase: str = PASSPHRASE) -> Vault:
    vault = Vault.unlock(path, "alice", passphrase, key)
    open_step_ups(vault)
    return vault


def test_create_writes_private_files_and_default_environments(vault: Vault, vault_path: Path):
    assert stat.S_IMODE(vault_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.working_copy(vault.vault_id).stat().st_mode) == 0o600
    envs = {e.name: e.policy for e in list_environments(vault)}
    assert list(envs) == ["dev", "staging", "prod"]
    prod = envs["prod"]
    assert (prod.step_up, prod.step_up_window_s, prod.clipboard_s, prod.rotation_days) == (
        "totp",
        300,
        10,
        90,
    )
    assert envs["dev"].step_up == "none"


def test_secret_key_in_keychain_unlocks(created, vault_path: Path):
    vault, key = created
    keychain.store_secret_key(vault.vault_id, vault.member.id, key)
    vault.lock()
    again = reopen(vault_path)
    assert again.member.handle == "alice"
    assert again.member.role == "owner"
    again.lock()


def test_wrong_passphrase_or_secret_key_is_refused(created, vault_path: Path):
    vault, key = created
    vault.lock()
    with pytest.raises(AuthFailed, match="wrong passphrase or Secret Key"):
        reopen(vault_path, key, passphrase="not the passphrase")
    with pytest.raises(AuthFailed, match="wrong passphrase or Secret Key"):
        reopen(vault_path, secretkey.new())
    with pytest.raises(AuthFailed, match="no Secret Key for alice"):
        reopen(vault_path, None)
    assert reopen(vault_path, key).name == "Acme AI"


def test_add_list_reveal_round_trip(created, vault_path: Path):
    vault, key = created
    add_secret(
        vault,
        "dev",
        "OpenAI dev",
        OPENAI,
        owner="alice",
        tags=["llm", "team-a"],
        notes="billing: research",
    )
    add_secret(vault, "prod", "Anthropic prod", ANTHROPIC)
    vault.lock()
    again = reopen(vault_path, key)
    found = {(s.env_name, s.name): s for s in list_secrets(again)}
    dev = found[("dev", "OpenAI dev")]
    assert dev.meta.provider == "openai"
    assert dev.meta.env_var == "OPENAI_API_KEY"
    assert dev.meta.tags == ("llm", "team-a")
    assert dev.meta.notes == "billing: research"
    assert dev.rotation_days == 180
    assert found[("prod", "Anthropic prod")].meta.env_var == "ANTHROPIC_API_KEY"
    assert reveal(again, "prod", "Anthropic prod", channel=None) == ANTHROPIC
    again.lock()


def test_duplicates_and_bad_names_are_refused_and_change_nothing(vault: Vault):
    add_secret(vault, "dev", "OpenAI dev", OPENAI)
    with pytest.raises(Conflict, match="already has a secret named 'OpenAI dev'"):
        add_secret(vault, "dev", "OpenAI dev", OPENAI + "x", env_var="OTHER")
    with pytest.raises(Conflict, match="already uses the variable OPENAI_API_KEY"):
        add_secret(vault, "dev", "second", "sk-proj-" + "Z" * 40)
    with pytest.raises(InvalidInput):
        add_secret(vault, "dev", "third", "v" * 20, env_var="1BAD-NAME")
    with pytest.raises(InvalidInput, match="empty"):
        add_secret(vault, "dev", "fourth", "   ")
    with pytest.raises(NotFound, match="no environment named 'qa'"):
        add_secret(vault, "qa", "fifth", "v" * 20)
    assert [s.name for s in list_secrets(vault)] == ["OpenAI dev"]


def test_rotate_keeps_history_with_reason_and_fingerprints(vault: Vault, clock: FixedClock):
    add_secret(vault, "prod", "Anthropic prod", ANTHROPIC)
    clock.advance(days=30)
    open_step_ups(vault)  # prod's step-up window closed meanwhile
    new_value = "sk-ant-api03-" + "N" * 40
    rotated = rotate_secret(vault, "prod", "Anthropic prod", new_value, "scheduled", "CHG-7")
    assert rotated.version == 2
    assert rotated.rotated_at.startswith("2026-12-30")
    versions = history(vault, "prod", "Anthropic prod")
    assert [(v.version, v.reason, v.ticket, v.current) for v in versions] == [
        (2, "scheduled", "CHG-7", True),
        (1, "created", "", False),
    ]
    assert versions[0].fingerprint != versions[1].fingerprint
    assert reveal(vault, "prod", "Anthropic prod", channel=None) == new_value
    assert reveal(vault, "prod", "Anthropic prod", channel=None, version=1) == ANTHROPIC
    with pytest.raises(InvalidInput, match="same as the current"):
        rotate_secret(vault, "prod", "Anthropic prod", new_value, "scheduled")
    with pytest.raises(InvalidInput, match="reason must be one of"):
        rotate_secret(vault, "prod", "Anthropic prod", "x" * 30, "bored")


def test_update_and_delete(vault: Vault):
    add_secret(vault, "dev", "OpenAI dev", OPENAI)
    update_secret(
        vault, "dev", "OpenAI dev", new_name="OpenAI research", owner="bob", rotation_days=30
    )
    secret = find_secret(vault, "dev", "OpenAI research")
    assert (secret.meta.owner, secret.rotation_days) == ("bob", 30)
    update_secret(vault, "dev", "OpenAI research", rotation_days=0)
    assert find_secret(vault, "dev", "OpenAI research").rotation_days == 180  # dev's period
    delete_secret(vault, "dev", "OpenAI research")
    assert list_secrets(vault) == []
    with pytest.raises(NotFound):
        reveal(vault, "dev", "OpenAI research", channel=None)


def test_import_is_one_commit_and_a_conflict_imports_nothing(vault: Vault):
    before = vault.conn.execute("SELECT count(*) FROM commits").fetchone()[0]
    counts = import_dotenv(vault, "dev", [("GROQ_API_KEY", "gsk_" + "G" * 30), ("FOO", "bar")])
    assert counts == {"added": 2, "updated": 0, "skipped": 0}
    assert vault.conn.execute("SELECT count(*) FROM commits").fetchone()[0] == before + 1
    with pytest.raises(Conflict, match="nothing was imported"):
        import_dotenv(vault, "dev", [("NEW_ONE", "x" * 10), ("FOO", "changed")])
    assert sorted(s.name for s in list_secrets(vault)) == ["FOO", "GROQ_API_KEY"]
    counts = import_dotenv(
        vault, "dev", [("NEW_ONE", "x" * 10), ("FOO", "changed")], on_conflict="update"
    )
    assert counts == {"added": 1, "updated": 1, "skipped": 0}
    assert reveal(vault, "dev", "FOO", channel=None) == "changed"


def test_reads_are_recorded_without_values(vault: Vault):
    add_secret(vault, "prod", "Anthropic prod", ANTHROPIC)
    reveal(vault, "prod", "Anthropic prod", channel="get")
    reveal(vault, "prod", "Anthropic prod", channel="copy")
    values = run_environment(vault, "prod", "/usr/bin/python3")
    assert values == {"ANTHROPIC_API_KEY": ANTHROPIC}
    entries = list(audit.entries(vault))
    tail = [(e.actor, e.action, e.env, e.secret) for e in entries[-3:]]
    assert tail == [
        ("alice", "secret.reveal", "prod", "Anthropic prod"),
        ("alice", "secret.copy", "prod", "Anthropic prod"),
        ("alice", "env.run", "prod", ""),
    ]
    assert entries[-1].details == {"program": "python3"}
    assert all(ANTHROPIC not in repr(e) for e in entries)


def test_policy_change_and_new_environment(vault: Vault):
    env = set_policy(vault, "dev", clipboard_s=15, rotation_days=60)
    assert (env.policy.clipboard_s, env.policy.rotation_days) == (15, 60)
    with pytest.raises(InvalidInput, match="clipboard timeout"):
        set_policy(vault, "dev", clipboard_s=1)
    qa = add_environment(vault, "qa")
    assert qa.readable
    assert [e.name for e in list_environments(vault)][-1] == "qa"
    with pytest.raises(Conflict):
        add_environment(vault, "qa")
    add_secret(vault, "qa", "qa key", "v" * 20)
    assert reveal(vault, "qa", "qa key", channel=None) == "v" * 20


def test_teammate_laptop_catches_up(created, vault_path: Path, tmp_path: Path, monkeypatch):
    vault, key = created
    laptops = Laptops(tmp_path, monkeypatch)
    add_secret(vault, "dev", "first", "value-one-1234")
    vault.lock()
    laptops.use("laptop2")
    other = reopen(vault_path, key)
    add_secret(other, "dev", "second", "value-two-1234")
    other.lock()
    laptops.use("laptop1")
    mine = reopen(vault_path, key)
    assert sorted(s.name for s in list_secrets(mine)) == ["first", "second"]
    mine.lock()


def test_diverged_copies_merge_when_the_member_unlocks(
    created, vault_path: Path, tmp_path: Path, monkeypatch
):
    from app.services.integrity import verify_vault

    vault, key = created
    vault.lock()
    laptops = Laptops(tmp_path, monkeypatch)
    original = vault_path.read_bytes()
    laptops.use("laptop2")
    other = reopen(vault_path, key)
    add_secret(other, "dev", "theirs", "value-two-1234")
    other.lock()
    # laptop 1 edits an older copy of the file (say, before its sync client caught up)
    laptops.use("laptop1")
    old_copy = tmp_path / "old-copy.kl"
    old_copy.write_bytes(original)
    mine = reopen(old_copy, key)
    add_secret(mine, "dev", "mine", "value-one-1234")
    mine.lock()
    merged = reopen(vault_path, key)
    assert sorted(s.name for s in list_secrets(merged)) == ["mine", "theirs"]
    merged.lock()
    parents = sqlite3.connect(vault_path).execute(
        "SELECT json_extract(header, '$.parents') FROM commits ORDER BY seq DESC LIMIT 1"
    )
    assert len(json.loads(parents.fetchone()[0])) == 2  # published under a merge commit
    verify_vault(vault_path)


def test_verify_replays_updates_and_catches_an_edited_row(vault: Vault, vault_path: Path):
    from app.core.errors import IntegrityFailure
    from app.services.integrity import verify_vault

    add_secret(vault, "dev", "one", "value-one-1234")
    add_secret(vault, "dev", "two", "value-two-1234")
    rotate_secret(vault, "dev", "one", "value-one-5678", "scheduled")
    update_secret(vault, "dev", "two", owner="erin")
    delete_secret(vault, "dev", "two")
    report = verify_vault(vault_path)
    assert (report.commits, report.events) == (6, 14)
    conn = sqlite3.connect(vault_path)
    conn.execute("UPDATE versions SET author = 'mallory' WHERE version = 2")
    conn.commit()
    conn.close()
    with pytest.raises(IntegrityFailure, match="versions table differs"):
        verify_vault(vault_path)


def test_a_reader_reads_beside_a_commit_cannot_write_and_stops_at_lock(vault):
    """Worker threads read through their own connection; the writer still publishes."""
    from app.core.errors import NotPermitted
    from app.services.secrets import add_secret, list_secrets, reveal

    add_secret(vault, "dev", "Webhook", "whsec-" + "w" * 30)
    with vault.reading() as reader:
        cursor = reader.conn.execute("SELECT id FROM secrets")
        cursor.fetchone()  # a read in progress on the reader's connection
        assert reveal(vault, "dev", "Webhook", channel="copy").startswith("whsec-")  # publishes
        assert [s.name for s in list_secrets(reader)] == ["Webhook"]
        with pytest.raises(NotPermitted):
            reader.commit([])
        vault.lock()
        assert reader.locked
        with pytest.raises(NotPermitted, match="locked"):
            reader.sealer("vault", 1)
