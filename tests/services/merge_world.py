"""Laptops that share one vault through a sync folder: each has its own data folder, keychain
and view of the file; `send` copies one laptop's file beside another's as a sync tool would."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest

from app.core.clock import FixedClock
from app.services.create import create_vault
from app.services.vault import Vault
from app.storage.schema import PROJECTION_TABLES
from tests.conftest import PASSPHRASE, MemoryKeyring, open_step_ups


class Laptop:
    def __init__(self, world: World, name: str) -> None:
        self.world, self.name = world, name
        self.folder = world.root / name
        self.folder.mkdir(parents=True)
        self.file = self.folder / "team.kl"
        self.keyring = MemoryKeyring()
        self.vault: Vault | None = None

    def use(self) -> Vault:
        """Switch the process to this laptop (data folder, keychain); its unlocked vault."""
        self.world.monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(self.folder / "data"))
        keyring.set_keyring(self.keyring)
        if self.vault is None:
            world = self.world
            self.vault = Vault.unlock(self.file, "alice", PASSPHRASE, world.key, world.clock)
            open_step_ups(self.vault)
        return self.vault

    def lock(self) -> None:
        if self.vault is not None:
            self.use()
            self.vault.lock()
            self.vault = None


class World:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, laptops: int = 2) -> None:
        self.root, self.monkeypatch = root, monkeypatch
        self.clock = FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        self.laptops = [Laptop(self, f"laptop{i + 1}") for i in range(laptops)]
        first = self.laptops[0]
        first.world.monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(first.folder / "data"))
        keyring.set_keyring(first.keyring)
        vault, self.key = create_vault(
            first.file, "Acme AI", "alice", PASSPHRASE, kdf_seconds=0, clock=self.clock
        )
        open_step_ups(vault)
        first.vault = vault
        for other in self.laptops[1:]:
            shutil.copyfile(first.file, other.file)

    def tick(self, seconds: int = 7) -> None:
        self.clock.advance(seconds=seconds)

    def send(self, source: Laptop, target: Laptop, name: str) -> Path:
        """`source`'s file lands beside `target`'s under `name` (a sync tool's conflicted copy)."""
        copy = target.folder / name
        shutil.copyfile(source.file, copy)
        return copy

    def close(self) -> None:
        for laptop in self.laptops:
            laptop.lock()


def projection_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()  # noqa: S608
            for table, key in PROJECTION_TABLES.items()
        }
    finally:
        conn.close()


def commit_hashes(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT hash FROM commits ORDER BY seq")]
    finally:
        conn.close()
