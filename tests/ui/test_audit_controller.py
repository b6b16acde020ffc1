"""The Audit view over a real vault: the history read when shown, verification of the shared
file (and of a tampered one), the evidence dialog, and locking in the middle of it all."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.services.secrets import add_secret
from app.ui import audit_controller
from app.ui.audit_controller import AuditController, VaultLocked, read_rows
from app.ui.views.audit_view import AuditView
from tests.ui.conftest import unlock
from tests.ui.test_evidence_dialog import FakeExport, partial

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def audit(qtbot, window, team_vault) -> AuditController:
    """The window unlocked, and an Audit view (not yet shown) with its controller."""
    unlock(qtbot, window, *team_vault)
    view = AuditView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    controller = AuditController(view, window.controller, window.settings, window)
    controller.tz = BERLIN
    window.vault_locked.connect(controller.unload)  # as the main window will
    return controller


def actions(controller: AuditController) -> list[str]:
    model = controller.view.model
    return [model.index(r, 2).data() for r in range(model.rowCount())]


def show_and_wait(qtbot, controller: AuditController) -> None:
    controller.view.show()
    qtbot.waitUntil(lambda: controller.view.model.total_count > 0, timeout=10_000)


def test_the_history_is_read_when_the_view_is_shown(qtbot, audit: AuditController) -> None:
    view = audit.view
    assert view.model.total_count == 0  # not read while hidden
    assert audit.stale
    show_and_wait(qtbot, audit)
    assert not audit.stale
    found = actions(audit)
    assert found[-1] == "vault.create"
    assert found.count("secret.create") == 5
    assert {"totp.enroll", "totp.confirm", "env.add", "member.add"} <= set(found)
    newest = view.model.index(0, 0).data()
    assert newest.startswith("2026-11-30 10:0")  # 09:0x UTC, shown in Berlin
    assert view.summary.text().startswith(f"{view.model.total_count} of {view.model.total_count}")
    assert view.summary.text().endswith("times in Europe/Berlin")
    assert view.export.isEnabled()
    assert view.badge.text() == "Not verified yet"


def secrets_named(controller: AuditController) -> set[str]:
    model = controller.view.model
    return {model.index(r, 4).data() for r in range(model.rowCount())}


def test_a_change_reloads_the_shown_view_and_marks_a_hidden_one(qtbot, audit, window) -> None:
    show_and_wait(qtbot, audit)
    add_secret(window.session.vault, "dev", "Mistral dev", "m" * 32)
    window.controller.load()  # what every change in the console ends with
    qtbot.waitUntil(lambda: "Mistral dev" in secrets_named(audit), timeout=10_000)
    audit.view.hide()
    add_secret(window.session.vault, "dev", "Cohere dev", "c" * 32)
    window.controller.load()
    assert audit.stale
    assert "Cohere dev" not in secrets_named(audit)
    audit.view.show()
    qtbot.waitUntil(lambda: "Cohere dev" in secrets_named(audit), timeout=10_000)
    assert not audit.stale


def test_verify_updates_the_badge(qtbot, audit: AuditController) -> None:
    show_and_wait(qtbot, audit)
    with qtbot.waitSignal(audit.message, timeout=15_000) as note:
        audit.view.verify.click()
        assert audit.view.verification_state() == "running"
        assert audit.view.badge.text() == "Verifying…"
        assert not audit.view.verify.isEnabled()
    assert audit.view.verification_state() == "ok"
    commits = int(note.args[0].split(": ")[1].split(" ")[0])
    # The window's clock stands at 09:00:30 UTC: 10:00 in Berlin.
    assert audit.view.badge.text() == f"✓ History verified 10:00 — {commits} commits"
    assert audit.view.verify.isEnabled()
    audit.unload()  # a later unlock shows when the history was last checked
    audit.stale = True
    audit.refresh()
    # verify_vault records the system's time, not the window's clock.
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    wanted = rf"Not verified since unlocking · last check {when}, {commits} commits"
    assert re.fullmatch(wanted, audit.view.badge.text())


def test_a_tampered_file_fails_verification(qtbot, audit, window) -> None:
    show_and_wait(qtbot, audit)
    published = window.session.vault.published
    with sqlite3.connect(published) as db:
        seq, body = db.execute("SELECT seq, body FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        changed = bytearray(body)
        changed[len(changed) // 2] ^= 0x01  # one bit of one byte
        db.execute("UPDATE events SET body = ? WHERE seq = ?", (bytes(changed), seq))
    db.close()
    with qtbot.waitSignal(audit.message, timeout=15_000) as note:
        audit.view.verify.click()
    assert audit.view.verification_state() == "failed"
    assert audit.view.badge.text().startswith("✗ Verification failed: ")
    assert note.args[0].startswith("Verification failed: ")
    assert "\n" not in note.args[0]


def test_locking_while_reading_drops_the_result(qtbot, audit, window, team_vault) -> None:
    audit.view.show()  # the read starts on the worker
    window.lock()
    notes: list[str] = []
    audit.message.connect(notes.append)
    assert audit.view.model.total_count == 0
    assert not audit.view.export.isEnabled()
    unlock(qtbot, window, *team_vault)  # at once: the first read may still be running
    qtbot.waitUntil(lambda: audit.view.model.total_count > 0, timeout=10_000)
    assert notes == []  # the first read failed or finished: nothing to say about it


def test_read_rows_stops_when_the_vault_locks(monkeypatch) -> None:
    class Locking:
        locked = False

        @contextlib.contextmanager
        def reading(self):
            yield self

    vault = Locking()

    def entries(_vault):
        from tests.ui.test_audit_view import ENTRIES

        for n in range(5000):
            if n == 10:
                vault.locked = True
            yield ENTRIES["A"]

    monkeypatch.setattr(audit_controller.audit, "entries", entries)
    with pytest.raises(VaultLocked):
        read_rows(vault, BERLIN)  # type: ignore[arg-type]


def test_evidence_pack_from_the_view(qtbot, audit, window, tmp_path: Path) -> None:
    export = FakeExport()
    export.gate.set()
    audit.export_fn = export
    show_and_wait(qtbot, audit)
    audit.view.export.click()
    dialog = audit.dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.period()[1].isoformat() == "2026-09-30"
    dialog.path.setText(str(tmp_path / "pack.zip"))
    with qtbot.waitSignal(audit.message, timeout=5000) as note:
        dialog.export_button.click()
    assert note.args[0].startswith("Wrote the evidence pack pack.zip (SHA-256 ")
    assert export.calls[0]["vault"] is window.session.vault
    audit.view.export.click()  # one dialog at a time
    assert audit.dialog is dialog
    dialog.cancel_button.click()
    assert audit.dialog is None


def test_locking_cancels_a_running_export_and_clears_the_view(qtbot, audit, window) -> None:
    export = FakeExport()
    audit.export_fn = export
    show_and_wait(qtbot, audit)
    audit.view.export.click()
    dialog = audit.dialog
    out = dialog.target()
    dialog.export_button.click()
    qtbot.waitUntil(lambda: bool(partial(out)))  # the engine is writing its temporary file
    window.lock()
    qtbot.waitUntil(lambda: audit.dialog is None, timeout=5000)
    assert not out.exists()
    assert partial(out) == []
    assert audit.view.model.total_count == 0
    assert audit.view.badge.text() == "Not verified yet"
    assert not audit.view.verify.isEnabled()


def test_the_real_engine_writes_a_pack_that_verifies(
    qtbot, audit, window, tmp_path, monkeypatch
) -> None:
    evidence = pytest.importorskip("app.services.evidence")
    vault = window.session.vault
    used = []
    engine = evidence.export_pack

    def spy(reader, *args, **kwargs):
        used.append(reader)
        return engine(reader, *args, **kwargs)

    monkeypatch.setattr(evidence, "export_pack", spy)
    show_and_wait(qtbot, audit)
    audit.view.export.click()
    dialog = audit.dialog
    dialog.picker.quick[2].click()  # Year to date: the team vault's whole history
    dialog.path.setText(str(tmp_path / "pack.zip"))
    with qtbot.waitSignal(dialog.exported, timeout=30_000) as done:
        dialog.export_button.click()
    assert used[0].conn is not vault.conn  # the worker read over a connection of its own
    written = done.args[0]
    assert written.path == tmp_path / "pack.zip"
    assert written.sha256 == hashlib.sha256(written.path.read_bytes()).hexdigest()
    assert written.events > 0
    assert f"keyledger evidence verify {written.path}" in dialog.status.text()
    report = evidence.verify_pack(written.path)
    assert report.vault_name == "Acme AI"
    qtbot.waitUntil(lambda: "export" in actions(audit), timeout=10_000)  # the export is recorded
    dialog.cancel_button.click()
