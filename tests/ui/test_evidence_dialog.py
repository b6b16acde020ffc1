"""The evidence dialog: the period and file asked, checked inline, exported in the background
with progress and a Cancel that stops the export, then the file, its SHA-256 and how to verify."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QFileDialog

from app.core.errors import KeyLedgerError
from app.services import files
from app.ui.dialogs import period_picker
from app.ui.dialogs.evidence_dialog import EvidenceDialog

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


class Cancelled(KeyLedgerError):
    """As the engine's: raised when `cancelled()` said so."""


class Result(NamedTuple):
    path: Path
    files: int
    events: int
    head: str


class FakeExport:
    """Writes the pack the way the engine does (a temporary file renamed when whole), reports
    progress, then waits for the test to let it finish."""

    def __init__(self, fail: Exception | None = None, meddle: Path | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.gate = threading.Event()
        self.fail = fail
        self.meddle = meddle  # another program creates this file while the export runs

    def __call__(self, vault, start, end, out, *, now, force, progress, cancelled) -> Result:
        self.calls.append(
            {"vault": vault, "period": (start, end), "out": out, "now": now, "force": force}
        )
        with files.replacing(out, force=force) as raw:
            raw.write(b"PK partial")
            for done in range(1, 4):
                progress(done, 10)
            if self.meddle is not None:
                self.meddle.write_bytes(b"not ours")
            while not self.gate.wait(0.01):
                if cancelled():
                    raise Cancelled("the export was cancelled")
            if self.fail is not None:
                raise self.fail
            for done in range(4, 11):
                progress(done, 10)
            raw.write(b" the whole pack")
        return Result(out, 17, 1234, "ab" * 32)


def partial(out: Path) -> list[Path]:
    return list(out.parent.glob(f".{out.name}.*.tmp"))


@pytest.fixture
def export() -> FakeExport:
    return FakeExport()


@pytest.fixture
def dialog(qtbot, tmp_path: Path, export: FakeExport) -> EvidenceDialog:
    d = EvidenceDialog("the vault", NOW, export=export, folder=tmp_path)
    qtbot.addWidget(d)
    d.show()
    return d


def test_periods() -> None:
    today = date(2026, 11, 30)
    assert period_picker.last_quarter(today) == (date(2026, 7, 1), date(2026, 9, 30))
    assert period_picker.last_quarter(date(2026, 1, 5)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert period_picker.last_six_months(today) == (date(2026, 5, 1), date(2026, 10, 31))
    assert period_picker.last_six_months(date(2026, 3, 1)) == (date(2025, 9, 1), date(2026, 2, 28))
    assert period_picker.year_to_date(today) == (date(2026, 1, 1), today)


def test_defaults_to_the_last_quarter_and_names_the_file(dialog, tmp_path: Path) -> None:
    assert dialog.period() == (date(2026, 7, 1), date(2026, 9, 30))
    assert dialog.target() == tmp_path / "keyledger-evidence-2026-07-01-2026-09-30.zip"
    assert dialog.export_button.isEnabled()
    assert dialog.problem.text() == ""
    assert not dialog.progress.isVisible()
    assert not dialog.replace.isVisible()
    dialog.picker.quick[2].click()  # Year to date
    assert dialog.period() == (date(2026, 1, 1), date(2026, 11, 30))
    assert dialog.target().name == "keyledger-evidence-2026-01-01-2026-11-30.zip"
    assert dialog.picker.quick[1].toolTip() == "2026-05-01 – 2026-10-31"


def test_days_are_utc_days_as_in_the_pack(qtbot, tmp_path: Path) -> None:
    # 09:00 on New Year's Day in Auckland is still 31 December in UTC: Q4 is not complete.
    now = datetime(2027, 1, 1, 9, 0, tzinfo=ZoneInfo("Pacific/Auckland"))
    d = EvidenceDialog(None, now, folder=tmp_path)
    qtbot.addWidget(d)
    assert d.period() == (date(2026, 7, 1), date(2026, 9, 30))
    assert d.end.maximumDate().toString("yyyy-MM-dd") == "2026-12-31"


def test_inline_checks(dialog: EvidenceDialog, tmp_path: Path) -> None:
    dialog.picker.set_period(date(2026, 9, 1), date(2026, 8, 1))
    assert dialog.problem.text() == "The period starts after it ends."
    assert not dialog.export_button.isEnabled()
    dialog.picker.quick[0].click()
    dialog.path.setText(str(tmp_path / "missing" / "pack.zip"))
    assert dialog.problem.text() == f"The folder {tmp_path / 'missing'} does not exist."
    dialog.path.setText("")
    assert dialog.problem.text() == "Choose where to write the pack."
    (tmp_path / "old.zip").write_bytes(b"an earlier pack")
    dialog.path.setText(str(tmp_path / "old"))  # .zip is added
    assert dialog.problem.text() == "old.zip already exists."
    assert dialog.replace.isVisible()
    assert not dialog.export_button.isEnabled()
    dialog.replace.setChecked(True)
    assert dialog.problem.text() == ""
    assert dialog.export_button.isEnabled()


def test_a_typed_name_stays_when_the_dates_change(dialog, qtbot, tmp_path: Path) -> None:
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, "q3.zip")
    dialog.picker.quick[1].click()
    assert dialog.target() == tmp_path / "q3.zip"  # relative to the default folder


def test_choose_uses_the_save_dialog(dialog, monkeypatch, tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.zip"
    chosen.write_bytes(b"x")
    asked: list[str] = []

    def fake_save(parent, title, start, filters):
        asked.append(start)
        return str(chosen), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    dialog.choose.click()
    assert asked == [str(tmp_path / "keyledger-evidence-2026-07-01-2026-09-30.zip")]
    assert dialog.target() == chosen
    assert dialog.replace.isChecked()  # the save dialog asked about replacing already
    assert dialog.export_button.isEnabled()


def test_progress_then_the_result(dialog, export: FakeExport, qtbot) -> None:
    with qtbot.waitSignal(dialog.progressed):
        dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() == 3)
    assert dialog.progress.maximum() == 10
    assert dialog.progress.isVisible()
    assert not dialog.form.isEnabled()
    assert not dialog.export_button.isEnabled()
    assert dialog.status.text() == "Writing keyledger-evidence-2026-07-01-2026-09-30.zip…"
    with qtbot.waitSignal(dialog.exported, timeout=5000) as done:
        export.gate.set()
    out = dialog.target()
    assert export.calls == [
        {"vault": "the vault", "period": (date(2026, 7, 1), date(2026, 9, 30)), "out": out,
         "now": NOW, "force": False},
    ]  # fmt: skip
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert done.args[0].sha256 == digest
    assert dialog.status.text().splitlines() == [
        "Wrote the evidence pack:",
        str(out),
        f"SHA-256 {digest}",
        "1,234 events · 17 files · ledger head abababababababab…",
        "Verify with:",
        f"keyledger evidence verify {out}",
    ]
    assert dialog.cancel_button.text() == "Close"
    assert not dialog.export_button.isVisible()
    dialog.cancel_button.click()
    assert not dialog.isVisible()


def test_cancel_stops_the_export_and_leaves_no_file(dialog, export: FakeExport, qtbot) -> None:
    with qtbot.waitSignal(dialog.progressed):
        dialog.export_button.click()
    out = dialog.target()
    qtbot.waitUntil(lambda: bool(partial(out)))  # the engine is writing its temporary file
    dialog.cancel_button.click()  # cancels the export, not the dialog
    assert dialog.progress.format() == "Cancelling…"
    qtbot.waitUntil(lambda: dialog.job is None, timeout=5000)
    assert not out.exists()
    assert partial(out) == []
    assert dialog.isVisible()
    assert dialog.status.text() == "Export cancelled; no file was written."
    assert dialog.form.isEnabled()
    assert dialog.export_button.isEnabled()
    assert not dialog.progress.isVisible()
    assert export.gate.is_set() is False  # it stopped on its own, asked by cancelled()


def test_replacing_keeps_the_old_file_when_the_export_fails(qtbot, tmp_path: Path) -> None:
    export = FakeExport(fail=KeyLedgerError("the vault is locked:\n  unlock it and export again"))
    old = tmp_path / "pack.zip"
    old.write_bytes(b"an earlier pack")
    d = EvidenceDialog("the vault", NOW, export=export, folder=tmp_path)
    qtbot.addWidget(d)
    d.path.setText(str(old))
    d.replace.setChecked(True)
    d.export_button.click()
    export.gate.set()
    qtbot.waitUntil(lambda: d.job is None, timeout=5000)
    assert export.calls[0]["force"] is True
    assert d.status.text() == "the vault is locked: unlock it and export again"
    assert old.read_bytes() == b"an earlier pack"  # a failed export replaces nothing


def test_closing_during_an_export_cancels_it_first(dialog, export: FakeExport, qtbot) -> None:
    dialog.export_button.click()
    dialog.abort()  # what locking the vault does
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert not dialog.target().exists()


def test_an_unexpected_error_is_named(qtbot, tmp_path: Path) -> None:
    export = FakeExport(fail=ZeroDivisionError("oops"))
    d = EvidenceDialog("the vault", NOW, export=export, folder=tmp_path)
    qtbot.addWidget(d)
    d.export_button.click()
    export.gate.set()
    qtbot.waitUntil(lambda: d.job is None, timeout=5000)
    assert d.status.text() == "The export failed unexpectedly (ZeroDivisionError)."
    assert not d.target().exists()


def test_a_file_another_program_puts_at_the_target_meanwhile_is_kept(qtbot, tmp_path: Path):
    out = tmp_path / "pack.zip"
    export = FakeExport(meddle=out)
    export.gate.set()
    d = EvidenceDialog("the vault", NOW, export=export, folder=tmp_path)
    qtbot.addWidget(d)
    d.path.setText(str(out))
    d.export_button.click()
    qtbot.waitUntil(lambda: d.job is None, timeout=5000)
    assert out.read_bytes() == b"not ours"
    assert "already exists" in d.status.text()
    assert partial(out) == []
