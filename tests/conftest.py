"""Every test gets its own data folder, an in-memory keychain and no stray environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "correct horse battery staple"


class MemoryKeyring(KeyringBackend):
    """A keychain that lives for one test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    for name in list(os.environ):
        if name.startswith("KEYLEDGER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KEYLEDGER_CONFIG_DIR", str(tmp_path / "config"))
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(isolated: MemoryKeyring) -> MemoryKeyring:
    return isolated


def open_step_ups(vault) -> None:
    """Open every step-up environment without a code: for tests that are not about step-up.

    (Step-up is a policy gate inside the app; tests of storage and catalog skip it here.)
    """
    for env_id in list(vault._gated):
        vault.open_step_up(env_id)
