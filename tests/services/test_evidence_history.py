"""The pass's fast path for a secret.add writes what the general path writes: keys renamed,
flagged, rotated and deleted later, in and out of the period."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.clock import FixedClock
from app.services import evidence_history
from app.services.audit_events import added_details
from app.services.evidence import DATA_FILES, export_pack
from app.services.secrets import add_secret, rotate_secret, update_secret
from app.services.vault import Vault
from tests.services.evidence_world import EVIL, busy

DAY = date(2026, 11, 30)
LATER = date(2026, 12, 10)


def data_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in DATA_FILES}


@pytest.mark.parametrize("start", [DAY, LATER])
def test_the_fast_path_writes_what_the_general_path_writes(
    vault: Vault, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: date
):
    busy(vault, clock)
    add_secret(vault, "dev", "Renamed later", "r" * 24, tags=["a", "b"], rotation_days=30)
    update_secret(vault, "dev", "Renamed later", new_name="Renamed now")
    clock.advance(days=1)  # the exports' own events fall after the period
    taken: list[int] = []
    real = evidence_history._Pass._added

    def counted(self: Any, *args: Any) -> None:
        taken.append(1)
        real(self, *args)

    monkeypatch.setattr(evidence_history._Pass, "_added", counted)
    export_pack(vault, start, LATER, tmp_path / "fast.zip", now=clock.now())
    assert taken, "no event took the fast path"

    def general(self: Any, seq: int, event: dict[str, Any], commit: Any, cur: Any, final: bool):
        self._event(seq, event, "secret.add", commit, True, cur, final)

    monkeypatch.setattr(evidence_history._Pass, "_added", general)
    export_pack(vault, start, LATER, tmp_path / "general.zip", now=clock.now())
    assert data_files(tmp_path / "fast.zip") == data_files(tmp_path / "general.zip")
    assert b"Renamed now" in data_files(tmp_path / "fast.zip")["secret-inventory.csv"]


def test_without_flags_the_query_without_their_join_gives_the_same_pack(
    vault: Vault, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    busy(vault, clock)
    rotate_secret(vault, "dev", EVIL, "whsec-" + "n" * 30, "exposure")  # ends its flag
    assert vault.conn.execute("SELECT count(*) FROM flags").fetchone()[0] == 0
    clock.advance(days=1)
    export_pack(vault, DAY, LATER, tmp_path / "unflagged.zip", now=clock.now())
    monkeypatch.setattr(evidence_history, "_CURRENT_UNFLAGGED", evidence_history._CURRENT)
    export_pack(vault, DAY, LATER, tmp_path / "joined.zip", now=clock.now())
    assert data_files(tmp_path / "unflagged.zip") == data_files(tmp_path / "joined.zip")


@given(st.text(), st.text())
def test_an_adds_details_written_by_template_are_the_encoders(env_var: str, provider: str):
    meta = {"name": "n", "env_var": env_var, "provider": provider}
    expected = evidence_history._details_text(added_details(meta))
    assert evidence_history._added_text(meta) == expected
    assert json.loads(expected) == {"env_var": env_var, "provider": provider}


def test_details_of_other_types_go_through_the_encoder():
    meta = {"name": "n", "env_var": "OPENAI_API_KEY", "provider": None}
    assert evidence_history._added_text(meta) == '{"env_var": "OPENAI_API_KEY", "provider": null}'
