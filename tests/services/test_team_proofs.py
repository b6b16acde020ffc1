"""Proof by the raw file: what Bob's own private keys open in the published vault.

Each test reads the shared file with sqlite3 alone (tests/raw_keys.py), opens Bob's sealed record
with his passphrase and Secret Key, unwraps every key addressed to him, follows every chain his
keys open and tries every value ciphertext in the file. With dev:read he opens dev values and no
prod value; once revoked or removed he opens nothing written after, and the ciphertexts he could
open before are no longer anywhere in the file's bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.crypto import aead
from app.crypto.encoding import b64d, b64e
from app.crypto.errors import DecryptError
from app.services import access, team
from app.services.environments import find_environment
from app.services.rotation import flags
from app.services.secrets import add_secret, list_secrets, rotate_secret
from app.services.team import parse_grants
from app.services.vault import Vault
from tests.conftest import PASSPHRASE
from tests.raw_keys import (
    RawFile,
    current_values,
    member_keys,
    obtainable_keys,
    read_raw,
    readable_values,
)

DEV = {"openai-dev": "sk-dev-okapi-11111111", "anthropic-dev": "sk-ant-dev-okapi-2222"}
STAGING = {"groq-staging": "gsk-staging-okapi-3333"}
PROD = {"openai-prod": "sk-prod-okapi-44444444", "mistral-prod": "mistral-prod-okapi-5555"}


def fill(vault: Vault) -> None:
    for env, values in (("dev", DEV), ("staging", STAGING), ("prod", PROD)):
        for name, value in values.items():
            add_secret(vault, env, name, value)


def admit(admin: Vault, handle: str, grants: tuple[str, ...]) -> bytes:
    """Invite, join, approve (the real flow); returns the teammate's Secret Key."""
    _, code = team.invite(admin, handle, "member", parse_grants(admin, list(grants)))
    joined = team.join(admin.published, code, handle, PASSPHRASE, kdf_seconds=0, clock=admin.clock)
    team.approve(admin, handle, joined.fingerprint)
    return joined.secret_key


class Reader:
    """One member reading the raw published file with their own keys."""

    def __init__(self, path: Path, handle: str, secret_key: bytes) -> None:
        self.path = path
        self.handle = handle
        self.keys = member_keys(read_raw(path), handle, PASSPHRASE, secret_key)

    def look(self) -> tuple[RawFile, dict[tuple[str, int], bytes], dict[str, str]]:
        raw = read_raw(self.path)
        held = obtainable_keys(raw, raw.member_id(self.handle), self.keys)
        return raw, held, readable_values(raw, held)


def env_id(vault: Vault, name: str) -> str:
    return find_environment(vault, name).id


def in_bytes(data: bytes, blob: bytes) -> bool:
    """The ciphertext as stored, or base64url as an event body would carry it."""
    return blob in data or b64e(blob).encode("ascii") in data


@pytest.fixture
def shared(vault: Vault) -> Vault:
    fill(vault)
    return vault


def test_dev_read_opens_dev_values_and_no_prod_value(shared: Vault, vault_path: Path):
    bob = Reader(vault_path, "bob", admit(shared, "bob", ("dev:read",)))
    raw, held, opened = bob.look()
    dev, prod = env_id(shared, "dev"), env_id(shared, "prod")
    assert set(held) == {("vault", 1), (dev, 1)}
    assert sorted(opened.values()) == sorted(DEV.values())
    assert not set(opened.values()) & {*PROD.values(), *STAGING.values()}
    # every ciphertext in the file was tried: the owner's keys open all of them
    owner = obtainable_keys(raw, shared.member.id, shared._keys)
    assert sorted(readable_values(raw, owner).values()) == sorted(
        [*DEV.values(), *STAGING.values(), *PROD.values()]
    )
    assert {env for env, _ in current_values(raw).values()} == {
        dev,
        env_id(shared, "staging"),
        prod,
    }


def test_after_revoke_bob_opens_nothing_written_since_and_the_old_ciphertext_is_gone(
    shared: Vault, vault_path: Path
):
    bob = Reader(vault_path, "bob", admit(shared, "bob", ("dev:read",)))
    before, _, opened = bob.look()
    assert sorted(opened.values()) == sorted(DEV.values())
    old = {ref: before.blobs[ref] for ref in opened}

    done = access.revoke(shared, "bob", "dev")
    assert done.environments == ("dev",)
    assert sorted(name for _, name in done.flagged) == sorted(DEV)
    add_secret(shared, "dev", "after-revoke", "sk-dev-after-revoke-6666")
    rotate_secret(shared, "dev", "openai-dev", "sk-dev-rotated-after-7777", "offboarding")

    raw, held, opened = bob.look()
    dev = env_id(shared, "dev")
    assert set(held) == {("vault", 1), (dev, 1)}, "Bob obtained a dev key of the new epoch"
    assert opened == {}, f"Bob still opens {sorted(opened.values())}"
    after = {ref for ref, (env, epoch) in current_values(raw).items() if env == dev}
    assert len(after) == len(DEV) + 2  # the re-encrypted two, the new one, the new version
    assert all(epoch == 2 for env, epoch in current_values(raw).values() if env == dev)
    still = [ref for ref, blob in old.items() if in_bytes(raw.data, blob)]
    assert still == [], "ciphertext Bob could open is still in the published file"
    assert not set(old) & set(raw.blobs)
    # the owner still reads every dev value, new and re-encrypted
    owner = readable_values(raw, obtainable_keys(raw, shared.member.id, shared._keys))
    assert {owner[ref] for ref in after} == {
        DEV["anthropic-dev"],
        "sk-dev-after-revoke-6666",
        "sk-dev-rotated-after-7777",
        DEV["openai-dev"],  # version 1, kept as history under the new key
    }


def test_after_remove_bob_opens_nothing_and_a_remaining_teammate_opens_everything(
    shared: Vault, vault_path: Path
):
    bob = Reader(vault_path, "bob", admit(shared, "bob", ("dev:read", "staging:write")))
    carol = Reader(vault_path, "carol", admit(shared, "carol", ("dev:read",)))
    before, _, opened = bob.look()
    assert sorted(opened.values()) == sorted([*DEV.values(), *STAGING.values()])
    old = {ref: before.blobs[ref] for ref in opened}

    done = access.remove_member(shared, "bob")
    assert sorted(done.environments) == ["dev", "staging"]
    flagged = {s.id for s in list_secrets(shared) if s.env_name in ("dev", "staging")}
    assert set(flags(shared)) == flagged
    add_secret(shared, "dev", "after-remove", "sk-dev-after-remove-8888")
    add_secret(shared, "staging", "after-remove-stg", "sk-stg-after-remove-9999")
    rotate_secret(shared, "staging", "groq-staging", "gsk-staging-rotated-0000", "offboarding")

    raw, held, opened = bob.look()
    dev, staging = env_id(shared, "dev"), env_id(shared, "staging")
    assert set(held) == {("vault", 1), (dev, 1), (staging, 1)}
    assert opened == {}, f"removed Bob still opens {sorted(opened.values())}"
    assert [ref for ref, blob in old.items() if in_bytes(raw.data, blob)] == []
    _, carol_held, carol_opened = carol.look()
    assert set(carol_held) == {("vault", 1), ("vault", 2), (dev, 1), (dev, 2)}
    assert sorted(carol_opened.values()) == sorted([*DEV.values(), "sk-dev-after-remove-8888"])


def test_a_removed_member_cannot_read_the_catalog_written_after(shared: Vault, vault_path: Path):
    bob = Reader(vault_path, "bob", admit(shared, "bob", ("dev:read",)))
    access.remove_member(shared, "bob")
    add_secret(shared, "dev", "zebra-after", "sk-zebra-after-1234")
    raw, held, _ = bob.look()
    assert ("vault", 2) not in held
    last = [e for e in raw.events if e["t"] == "secret.add"][-1]
    assert last["meta_epoch"] == 2  # the new name is sealed under the key Bob never got
    for epoch in (1, 2):
        context = aead.context(raw.vault_id, "secret-meta", last["secret"], epoch)
        with pytest.raises(DecryptError):
            aead.open_(held[("vault", 1)], b64d(last["meta"]), context)


def test_a_teammate_granted_after_a_revocation_reads_history_only_through_the_chain(
    shared: Vault, vault_path: Path
):
    bob = Reader(vault_path, "bob", admit(shared, "bob", ("dev:read",)))
    carol = Reader(vault_path, "carol", admit(shared, "carol", ()))
    access.revoke(shared, "bob", "dev")
    access.grant(shared, "carol", "dev", "read")
    raw, held, opened = carol.look()
    dev = env_id(shared, "dev")
    wrapped = {
        (e["scope"], e["epoch"])
        for e in raw.events
        if e["t"] == "key.wrap" and e["member"] == raw.member_id("carol")
    }
    assert wrapped == {("vault", 1), (dev, 2)}
    assert {(dev, 1), (dev, 2)} <= set(held)  # epoch 1 opened from the chain under epoch 2
    assert sorted(opened.values()) == sorted(DEV.values())
    _, bob_held, bob_opened = bob.look()
    assert (dev, 2) not in bob_held
    assert bob_opened == {}
