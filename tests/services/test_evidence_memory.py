"""Export memory does not grow with the history: tracemalloc's peak at 2k and 20k events."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from app.core.clock import FixedClock
from app.core.errors import Cancelled
from app.services.environments import find_environment
from app.services.evidence import export_pack
from app.services.secrets import add_secret, audit_event, find_secret
from app.services.vault import Vault

PER_COMMIT = 1000


def add_reads(vault: Vault, count: int) -> None:
    """`count` recorded reads of one key, a thousand to a commit (as a busy team's CI makes)."""
    env = find_environment(vault, "dev")
    secret = find_secret(vault, "dev", "CI token")
    for start in range(0, count, PER_COMMIT):
        vault.commit(
            [
                audit_event(
                    vault, "secret.reveal", env=env.id, secret=secret.id, version=1, channel="run"
                )  # fmt: skip
                for _ in range(min(PER_COMMIT, count - start))
            ]
        )


def peak_of_export(vault: Vault, out: Path, now) -> int:
    tracemalloc.start()
    try:
        export_pack(vault, date(2026, 1, 1), date(2026, 12, 31), out, now=now)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_peak_stays_flat_from_2k_to_20k_events(vault: Vault, clock: FixedClock, tmp_path):
    add_secret(vault, "dev", "CI token", "t" * 32)
    add_reads(vault, 2_000)
    small = peak_of_export(vault, tmp_path / "2k.zip", clock.now())
    add_reads(vault, 18_000)
    large = peak_of_export(vault, tmp_path / "20k.zip", clock.now())
    assert large < small * 1.25, f"2k events: {small / 1e6:.1f} MB, 20k: {large / 1e6:.1f} MB"


def test_an_export_cancelled_mid_table_leaves_nothing(vault: Vault, clock: FixedClock, tmp_path):
    add_secret(vault, "dev", "CI token", "t" * 32)
    add_reads(vault, 2_000)
    polls: list[int] = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) == 4  # inside the audit events, after 3 x 256 rows

    with pytest.raises(Cancelled):
        export_pack(vault, date(2026, 1, 1), date(2026, 12, 31), tmp_path / "p.zip",
                    now=clock.now(), cancelled=cancelled)  # fmt: skip
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".zip", ".tmp")]
