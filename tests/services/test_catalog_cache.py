"""The sealed cache of the secrets' metadata: listings read from it give what the ledger says,
and a cache that is stale, damaged or not this vault's is never believed."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.errors import Conflict
from app.services import catalog_cache, copies, paths
from app.services import secrets as secret_service
from app.services.secrets import add_secret, delete_secret, list_secrets, update_secret
from app.services.vault import Vault
from tests.services.merge_world import World

NOTE = "rotated by the platform team after the March incident"


def listed(vault: Vault, env: str | None = None) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(s.env_name, s.name, s.meta.env_var, s.meta.tags) for s in list_secrets(vault, env)]


def cache_file(vault: Vault) -> Path:
    return paths.catalog_cache(vault.vault_id)


@pytest.fixture
def stocked(vault: Vault) -> Vault:
    add_secret(vault, "dev", "OpenAI dev", "sk-proj-" + "Q" * 40, tags=["llm"], notes=NOTE)
    add_secret(vault, "dev", "Groq dev", "gsk_" + "G" * 48, owner="ml-platform")
    add_secret(vault, "prod", "Anthropic prod", "sk-ant-api03-" + "W" * 40)
    return vault


def refuse_ledger_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, reading any secret's sealed record out of the ledger fails the test."""

    def refuse(*_args: object) -> object:
        raise AssertionError("a record was read from the ledger")

    monkeypatch.setattr(secret_service, "read_sealed", refuse)


def test_a_listing_leaves_a_sealed_cache_that_the_next_listing_reads_alone(
    stocked: Vault, monkeypatch: pytest.MonkeyPatch
):
    first = listed(stocked)
    raw = cache_file(stocked).read_bytes()
    assert stat.S_IMODE(cache_file(stocked).stat().st_mode) == 0o600
    for clear in (b"OpenAI dev", b"OPENAI_API_KEY", b"ml-platform", b"llm", NOTE.encode()):
        assert clear not in raw
    assert b"sk-proj-" not in raw  # never a value either
    assert b"QQQQ" not in raw
    refuse_ledger_reads(monkeypatch)
    assert listed(stocked) == first
    assert [s.meta.notes for s in list_secrets(stocked, "dev")] == ["", NOTE]


def test_a_renamed_added_and_deleted_key_list_as_the_ledger_says(stocked: Vault):
    listed(stocked)  # the cache now holds all three
    update_secret(stocked, "dev", "Groq dev", new_name="Groq staging twin", tags=["fast"])
    add_secret(stocked, "prod", "Mistral prod", "mistral-" + "M" * 32)
    delete_secret(stocked, "dev", "OpenAI dev")
    assert listed(stocked) == [
        ("dev", "Groq staging twin", "GROQ_API_KEY", ("fast",)),
        ("prod", "Anthropic prod", "ANTHROPIC_API_KEY", ()),
        ("prod", "Mistral prod", "MISTRAL_API_KEY", ()),
    ]


def test_a_listing_of_one_environment_keeps_the_others_in_the_cache(
    stocked: Vault, monkeypatch: pytest.MonkeyPatch
):
    listed(stocked)
    add_secret(stocked, "dev", "Cohere dev", "co-" + "C" * 40)
    assert [name for _, name, _, _ in listed(stocked, "dev")] == [
        "Cohere dev",
        "Groq dev",
        "OpenAI dev",
    ]
    refuse_ledger_reads(monkeypatch)
    assert [name for _, name, _, _ in listed(stocked)] == [
        "Cohere dev",
        "Groq dev",
        "OpenAI dev",
        "Anthropic prod",
    ]


def test_adding_keys_leaves_a_cache_that_lacks_only_them_as_it_is(
    stocked: Vault, monkeypatch: pytest.MonkeyPatch
):
    listed(stocked)
    before = cache_file(stocked).read_bytes()
    add_secret(stocked, "dev", "Cohere dev", "co-" + "C" * 40)
    add_secret(stocked, "dev", "Mistral dev", "mistral-" + "M" * 32)  # its check lacks Cohere
    with pytest.raises(Conflict, match="already has a secret named 'Cohere dev'"):
        add_secret(stocked, "dev", "Cohere dev", "co-" + "D" * 40)
    assert cache_file(stocked).read_bytes() == before
    names = ["Cohere dev", "Groq dev", "Mistral dev", "OpenAI dev"]
    assert [name for _, name, _, _ in listed(stocked, "dev")] == names  # a listing rewrites it
    refuse_ledger_reads(monkeypatch)
    assert [name for _, name, _, _ in listed(stocked, "dev")] == names


@pytest.mark.parametrize("where", [0, 3, 4, 8, 15, 20, 60, -1])
def test_a_damaged_cache_is_ignored_and_written_anew(stocked: Vault, where: int):
    first = listed(stocked)
    path = cache_file(stocked)
    raw = bytearray(path.read_bytes())
    raw[where] ^= 0x01
    path.write_bytes(bytes(raw))
    assert listed(stocked) == first
    assert path.read_bytes() != bytes(raw)
    assert catalog_cache.load(stocked, catalog_cache.read(stocked.conn, stocked.vault_id))


def test_a_cache_that_claims_more_commits_than_sqlite_can_count_is_ignored(stocked: Vault):
    first = listed(stocked)
    path = cache_file(stocked)
    raw = path.read_bytes()
    path.write_bytes(raw[:8] + b"\xff" * 8 + raw[16:])  # the commit count: 2**64 - 1
    assert listed(stocked) == first


def test_a_truncated_or_empty_cache_is_ignored(stocked: Vault):
    first = listed(stocked)
    path = cache_file(stocked)
    for damaged in (path.read_bytes()[:30], b""):
        path.write_bytes(damaged)
        assert listed(stocked) == first


def test_another_vaults_cache_is_not_believed(stocked: Vault, tmp_path: Path, clock):
    from app.services.create import create_vault
    from tests.conftest import PASSPHRASE

    first = listed(stocked)
    other, _ = create_vault(
        tmp_path / "other.kl", "Other", "alice", PASSPHRASE, kdf_seconds=0, clock=clock
    )
    try:
        add_secret(other, "dev", "Impostor", "sk-proj-" + "I" * 40)
        listed(other)
        shutil.copyfile(cache_file(other), cache_file(stocked))
    finally:
        other.lock()
    assert listed(stocked) == first


def test_setting_a_working_copy_aside_removes_its_cache(stocked: Vault):
    listed(stocked)
    assert cache_file(stocked).exists()
    paths.remove_working_copy(stocked.vault_id)
    assert not cache_file(stocked).exists()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    made = World(tmp_path, monkeypatch)
    yield made
    made.close()


def test_a_merge_that_reorders_commits_sets_the_cache_aside(world: World):
    one, two = world.laptops
    add_secret(one.use(), "dev", "shared", "value-shared-0001")
    world.send(one, two, "team.kl")
    two.use()
    world.tick()
    add_secret(one.use(), "dev", "mine", "value-mine-0002")
    world.tick()
    theirs = two.use()
    add_secret(theirs, "prod", "theirs", "value-theirs-0003")
    update_secret(theirs, "dev", "shared", new_name="shared, renamed")
    assert [s.name for s in list_secrets(theirs)] == ["shared, renamed", "theirs"]
    assert catalog_cache.read(theirs.conn, theirs.vault_id) is not None
    # Laptop one's commit is older: merged in, it goes before laptop two's own.
    copies.merge_copy(theirs, world.send(one, two, "team (one).kl"), remove=True)
    assert catalog_cache.read(theirs.conn, theirs.vault_id) is None
    assert sorted(s.name for s in list_secrets(theirs)) == ["mine", "shared, renamed", "theirs"]
    assert catalog_cache.read(theirs.conn, theirs.vault_id) is not None


def test_a_cache_sealed_under_an_earlier_vault_key_is_not_believed(stocked: Vault):
    """After a member leaves, the vault key moves on; they still hold the earlier keys, so a
    cache sealed under one of those is ignored and written anew under the current key."""
    from app.services import access
    from tests.team import add_teammate

    first = listed(stocked)
    add_teammate(stocked, "bob").lock()
    listed(stocked)
    earlier = cache_file(stocked).read_bytes()
    cached = catalog_cache.read(stocked.conn, stocked.vault_id)
    assert cached is not None
    assert catalog_cache.load(stocked, cached)
    access.remove_member(stocked, "bob")
    cache_file(stocked).write_bytes(earlier)  # as the cache was before the key moved on
    cached = catalog_cache.read(stocked.conn, stocked.vault_id)
    assert cached is not None  # it still fits the working copy's commits
    assert cached.epoch < stocked.vault_epoch()
    assert catalog_cache.load(stocked, cached) == {}
    assert listed(stocked) == first
    rewritten = catalog_cache.read(stocked.conn, stocked.vault_id)
    assert rewritten is not None
    assert rewritten.epoch == stocked.vault_epoch()
