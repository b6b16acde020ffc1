"""Shared helpers of the robustness tests: other laptops, a fast KDF, CLI and writer processes.

`laptop()` switches this process to another machine: its own data folder (working copies, pins)
and an empty in-memory keychain, so nothing of the first machine's state is trusted.

Argon2id (64 MiB) costs ~0.5 s here; `fast_kdf` memoises it per (passphrase, parameters) for
each module of this folder, which keeps the real derivation (a changed salt or cost still
derives a different key) but pays for each distinct input once. Subprocesses do not inherit it
and pay the real price.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

import app.crypto.kdf
from app.core.clock import FixedClock
from app.crypto import secretkey
from app.services.create import create_vault
from app.services.secrets import add_secret, list_secrets, reveal, rotate_secret
from app.services.vault import Vault
from tests.conftest import PASSPHRASE, MemoryKeyring, open_step_ups

ROOT = Path(__file__).resolve().parents[2]
TEMP_GLOB = ".team.kl.kl-publish-*"


@pytest.fixture(scope="module", autouse=True)
def fast_kdf() -> Iterator[None]:
    real = app.crypto.kdf.argon2id

    @functools.lru_cache(maxsize=64)
    def cached(passphrase: bytes, params: app.crypto.kdf.KdfParams) -> bytes:
        return real(passphrase, params)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(app.crypto.kdf, "argon2id", cached)
        yield


@pytest.fixture(autouse=True)
def stays_in_tmp(isolated: MemoryKeyring) -> Iterator[None]:
    """Fail a test that lost the data-folder override (it would write to the real one)."""
    yield
    assert os.environ.get("KEYLEDGER_DATA_DIR"), "KEYLEDGER_DATA_DIR was unset during the test"


@contextlib.contextmanager
def laptop(data_dir: Path) -> Iterator[MemoryKeyring]:
    """Act as another laptop: its own data folder and an empty keychain, until the block ends."""
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KEYLEDGER_DATA_DIR", str(data_dir))
        keyring.set_keyring(backend)
        try:
            yield backend
        finally:
            keyring.set_keyring(previous)


def clock() -> FixedClock:
    from datetime import UTC, datetime

    return FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


def new_vault(path: Path, name: str = "Acme AI") -> tuple[Vault, bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    vault, key = create_vault(path, name, "alice", PASSPHRASE, kdf_seconds=0, clock=clock())
    open_step_ups(vault)
    return vault, key


def unlock(path: Path, key: bytes) -> Vault:
    vault = Vault.unlock(path, "alice", PASSPHRASE, key)
    open_step_ups(vault)
    return vault


def contents(vault: Vault) -> dict[tuple[str, str], str]:
    """Every secret as (environment, name) -> current value; reads record nothing."""
    return {
        (s.env_name, s.name): reveal(vault, s.env_name, s.name, channel=None)
        for s in list_secrets(vault)
    }


def contents_on_fresh_laptop(path: Path, key: bytes, data_dir: Path) -> dict[tuple[str, str], str]:
    with laptop(data_dir):
        vault = unlock(path, key)
        try:
            return contents(vault)
        finally:
            vault.lock()


def sqlite_edit(path: Path, *statements: tuple[str, tuple[object, ...]]) -> int:
    """Run statements on a vault file directly (as an attacker would); returns rows changed."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        changed = 0
        for sql, args in statements:
            changed += conn.execute(sql, args).rowcount
        return changed
    finally:
        conn.close()


@dataclass(frozen=True)
class CliVault:
    """A vault made by `keyledger init` in a subprocess, and the environment to drive it."""

    path: Path
    kit: Path
    data_dir: Path
    key: bytes

    def env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYLEDGER_")}
        env.update(
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            KEYLEDGER_DATA_DIR=str(self.data_dir),
            KEYLEDGER_PASSPHRASE=PASSPHRASE,
            KEYLEDGER_VAULT=str(self.path),
            KEYLEDGER_SECRET_KEY_FILE=str(self.kit),
            PYTHONPATH=str(ROOT),
        )
        env.update(overrides)
        return env


def run_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def cli_init(root: Path, name: str = "Acme AI") -> CliVault:
    root.mkdir(parents=True, exist_ok=True)
    (root / "shared").mkdir(exist_ok=True)
    made = CliVault(root / "shared" / "team.kl", root / "kit.txt", root / "data", b"")
    result = run_cli(
        made.env(),
        "init",
        str(made.path),
        "--name",
        name,
        "--member",
        "alice",
        "--kdf-seconds",
        "0",
        "--secret-key-file",
        str(made.kit),
    )
    assert result.returncode == 0, result.stderr
    text = made.kit.read_text(encoding="utf-8")
    line = next(t for t in text.splitlines() if t.startswith("Secret Key:"))
    key = secretkey.parse(line.split(":", 1)[1].strip())
    return CliVault(made.path, made.kit, made.data_dir, key)


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A published vault with four secrets, one of them at a second version."""
    path = tmp_path / "shared" / "team.kl"
    vault, _ = new_vault(path)
    try:
        for n in range(4):
            add_secret(vault, "dev", f"zebra-{n}", f"value-{n}")
        rotate_secret(vault, "dev", "zebra-1", "value-1b", "scheduled")
    finally:
        vault.lock()
    return path
