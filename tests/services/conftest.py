from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.clock import FixedClock
from app.services.create import create_vault
from app.services.vault import Vault
from tests.conftest import PASSPHRASE, open_step_ups


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "shared" / "team.kl"


@pytest.fixture
def created(vault_path: Path, clock: FixedClock) -> Iterator[tuple[Vault, bytes]]:
    vault_path.parent.mkdir()
    vault, key = create_vault(
        vault_path, "Acme AI", "alice", PASSPHRASE, kdf_seconds=0, clock=clock
    )
    open_step_ups(vault)  # step-up itself is tested in test_stepup.py
    yield vault, key
    vault.lock()


@pytest.fixture
def vault(created: tuple[Vault, bytes]) -> Vault:
    return created[0]
