"""What `screenshots` captures: each page and dialog in a realistic state of the demo vault."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.core.rotation import RotationItem
from app.services import demo
from app.services.settings import Settings


def _settle(ms: int = 50) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _save(widget: QWidget, out: Path, name: str, theme: str) -> Path:
    _settle()
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    path = out / f"{name}-{theme}@{scale}x.png"
    widget.grab().save(str(path))
    return path


def _wait_until(done: Callable[[], bool], seconds: float = 20) -> None:
    for _ in range(int(seconds * 20)):
        if done():
            return
        _settle(50)
    raise TimeoutError("a view did not finish loading for its screenshot")


def capture_all(out: Path, theme: str) -> list[Path]:
    from app.ui.app import make_app
    from app.ui.dialogs.create_vault import CreateVaultDialog
    from app.ui.dialogs.emergency_kit import EmergencyKitDialog
    from app.ui.dialogs.enroll_dialog import EnrollDialog
    from app.ui.dialogs.secret_dialog import SecretDialog
    from app.ui.dialogs.settings_dialog import SettingsDialog
    from app.ui.dialogs.step_up_dialog import StepUpDialog
    from app.ui.main_window import MainWindow
    from app.ui.theme import apply_theme

    app = make_app()
    settings = Settings()
    settings.set("theme", theme)
    apply_theme(app, theme)
    window = MainWindow(settings)
    window.resize(1360, 820)
    window.show()
    shots = [_save(window, out, "welcome", theme)]
    path = demo.ensure_demo()
    window.open_vault(path)
    shots.append(_save(window, out, "unlock", theme))
    window.unlock_page.passphrase.setText(demo.PASSPHRASE)
    unlocked: list[bool] = []
    window.vault_unlocked.connect(lambda: unlocked.append(True))
    window.unlock_page.unlock.click()
    for _ in range(200):
        if unlocked:
            break
        _settle(50)
    page = window.console
    from app.services.integrity import verify_vault

    assert window.session.vault is not None
    verify_vault(window.session.vault.published)  # the History card then says when
    window.overview.refresh()
    _wait_until(lambda: not window.overview.busy())
    shots.append(_save(window, out, "console-overview", theme))
    page.nav["audit"].click()
    _wait_until(lambda: page.audit.model.rowCount() > 0)
    shots.append(_save(window, out, "console-audit", theme))
    shots.append(_capture_summary(window.session.vault, out, theme))
    page.secrets_nav.click()
    page.env_view.selectRow(3)  # prod
    page.table.selectRow(0)
    shots.append(_save(window, out, "console-prod", theme))
    page.env_view.selectRow(0)
    page.filter.setText("anthropic")
    page.table.selectRow(0)
    shots.append(_save(window, out, "console-filter", theme))
    page.filter.clear()
    page.rotation_nav.click()
    page.rotation.table.selectRow(0)
    shots.append(_save(window, out, "console-rotation", theme))
    page.secrets_nav.click()
    controller = window.controller
    dialogs: list[tuple[str, QWidget]] = [
        (
            "add-secret",
            SecretDialog(["dev", "staging", "prod"], controller._taken(), env="dev", parent=window),
        ),
        (
            "edit-secret",
            SecretDialog(
                ["dev", "staging", "prod"],
                controller._taken(),
                secret=controller.all_secrets[0],
                parent=window,
            ),
        ),
        ("settings", SettingsDialog(settings, window)),
        ("create-vault", CreateVaultDialog(Path.home(), window)),
        ("emergency-kit", EmergencyKitDialog(_sample_kit(), False, window)),
        ("step-up", StepUpDialog("prod", 5, demo.current_code(), window)),
        ("enroll", EnrollDialog(_SAMPLE_URI, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", window)),
    ]
    add = dialogs[0][1]
    assert isinstance(add, SecretDialog)
    add.name.setText("OpenAI batch jobs")
    add.value.setText("sk-proj-" + "x" * 40)
    for name, dialog in dialogs:
        dialog.show()
        shots.append(_save(dialog, out, name, theme))
        dialog.close()
        dialog.deleteLater()
    from app.ui.shots_shared import capture_shared

    shots.extend(capture_shared(window, out, theme))
    window.lock()
    shots.append(_save(window, out, "locked", theme))
    window.close()
    QApplication.processEvents()
    shots.extend(capture_rotation(out, theme))
    shots.extend(capture_audit(out, theme))
    return shots


def capture_rotation(out: Path, theme: str) -> list[Path]:
    """The Rotation view on its own, over `rotation_sample`, by month and by week."""
    from zoneinfo import ZoneInfo

    from app.ui.views.rotation_view import RotationView

    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    view = RotationView()
    view.resize(1360, 820)
    view.set_items(rotation_sample(now), now, ZoneInfo("Europe/Berlin"), ("dev", "staging", "prod"))
    view.show()
    view.table.selectRow(2)
    shots = [_save(view, out, "rotation", theme)]
    view.by_week.click()
    view.env_filter.setCurrentIndex(view.env_filter.findText("prod"))
    shots.append(_save(view, out, "rotation-week-prod", theme))
    view.close()
    view.deleteLater()
    return shots


_SAMPLE_URI = (
    "otpauth://totp/KeyLedger:alice%20%28Acme%20AI%29?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    "&issuer=KeyLedger"
)


def _sample_kit() -> str:
    from app.services.create import emergency_kit

    return emergency_kit(
        "Acme AI",
        Path("/home/alice/shared/team.kl"),
        "alice",
        "KL1-ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z234",
    )


_SAMPLE_KEYS = [
    ("OpenAI", "openai", "alice"), ("Anthropic", "anthropic", "bob"), ("Gemini", "google", "carol"),
    ("Groq", "groq", "bob"), ("Mistral", "mistral", "alice"), ("Cohere", "cohere", "dave"),
    ("xAI Grok", "xai", "carol"), ("Hugging Face", "huggingface", "alice"),
    ("Replicate", "replicate", "bob"), ("OpenRouter", "openrouter", "carol"),
    ("AWS deploy", "aws", "dave"), ("GitHub deploy", "github", "alice"),
    ("Stripe billing", "stripe", "erin"), ("Slack alerts", "slack", ""),
    ("Webhook signing", "", ""),
]  # fmt: skip
_SAMPLE_PERIODS = {"dev": 180, "staging": 120, "prod": 90}
_SAMPLE_FLAGS = {  # by position in the list of secrets
    3: ("exposure", "Pasted into a support ticket", "alice"),
    -5: ("offboarding", "Dave left the team", "carol"),
}


def rotation_sample(now: datetime) -> list[RotationItem]:
    """Synthetic keys over dev, staging and prod, due across the next year, some overdue and
    two flagged "rotation required"."""
    from app.core import rotation
    from app.core.clock import iso
    from app.core.model import Secret, SecretMeta

    rng = random.Random(6)  # noqa: S311 - synthetic screenshot data
    secrets: list[Secret] = []
    for env, period in _SAMPLE_PERIODS.items():
        for name, provider, owner in _SAMPLE_KEYS:
            if env == "staging" and rng.random() < 0.3:
                continue
            days = rng.choice([period, period, 365])
            rotated = iso(now - timedelta(days=rng.uniform(0, days * 1.15)))
            env_var = name.upper().replace(" ", "_") + "_KEY"
            meta = SecretMeta(f"{name} {env}", env_var, provider, owner)
            sid = f"{env}-{len(secrets)}"
            secrets.append(Secret(sid, env, env, meta, 1, rotated, rotated, rotated, days))
    flagged_at = iso(now - timedelta(days=2))
    flags = {
        secrets[n].id: rotation.Flag(secrets[n].id, reason, note, flagged_at, by)
        for n, (reason, note, by) in _SAMPLE_FLAGS.items()
    }
    return rotation.items(secrets, flags, now)


def capture_rotate_wizard(out: Path, theme: str) -> list[Path]:
    """The console's rotation banner over a flagged key, and the rotation wizard's pages."""
    from app.services import rotation as rotation_service
    from app.services.rotate_flow import RotateFlow
    from app.ui.app import make_app
    from app.ui.dialogs.rotate_wizard import RotateWizard
    from app.ui.main_window import MainWindow
    from app.ui.theme import apply_theme

    app = make_app()
    settings = Settings()
    apply_theme(app, theme)
    window = MainWindow(settings)
    window.resize(1360, 820)
    window.show()
    window.open_vault(demo.ensure_demo())
    window.unlock_page.passphrase.setText(demo.PASSPHRASE)
    unlocked: list[bool] = []
    window.vault_unlocked.connect(lambda: unlocked.append(True))
    window.unlock_page.unlock.click()
    for _ in range(200):
        if unlocked:
            break
        _settle(50)
    vault, controller = window.session.vault, window.controller
    assert vault is not None
    note = "Pasted into a support ticket; the ticket was shared with a vendor."
    rotation_service.flag_secret(vault, "prod", "Anthropic prod", "exposure", note)
    controller.load()
    secret = next(s for s in controller.all_secrets if s.name == "Anthropic prod")
    page = window.console
    page.table.selectRow(page.secrets.index_of(secret.id).row())
    page.detail.history.selectRow(0)
    shots = [_save(window, out, "console-rotation-banner", theme)]
    flow = RotateFlow.start(vault, secret, vault.clock.now(), controller.flags.get(secret.id))
    wizard = RotateWizard(flow, lambda: secret, window)
    wizard.show()
    shots.append(_save(wizard, out, "rotate-key", theme))
    wizard.next()
    wizard.value_page.value.setText("sk-ant-api03-" + "Vq3xT9" * 15)
    shots.append(_save(wizard, out, "rotate-value", theme))
    wizard.next()
    wizard.reason_page.ticket.setText("SEC-412")
    shots.append(_save(wizard, out, "rotate-reason", theme))
    wizard.close()
    wizard.deleteLater()
    window.close()
    QApplication.processEvents()
    return shots


def capture_audit(out: Path, theme: str) -> list[Path]:
    """The Audit view over `audit_sample`, filtered, and the evidence dialog idle and exporting."""
    import time
    from datetime import date
    from zoneinfo import ZoneInfo

    from app.core.errors import KeyLedgerError
    from app.ui.app import make_app
    from app.ui.audit_sample import audit_sample
    from app.ui.dialogs.evidence_dialog import EvidenceDialog
    from app.ui.theme import apply_theme
    from app.ui.views.audit_view import AuditView

    apply_theme(make_app(), theme)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    view = AuditView()
    view.resize(1360, 820)
    view.set_entries(audit_sample(now), ZoneInfo("Europe/Berlin"))
    view.set_verification("ok", "History verified 10:42 — 2,318 commits")
    view.show()
    view.table.selectRow(1)
    shots = [_save(view, out, "audit", theme)]
    view.action_filter.setCurrentIndex(view.action_filter.findText("secret.rotate"))
    view.env_filter.setCurrentIndex(view.env_filter.findText("prod"))
    view.from_date.set_day(date(2026, 7, 1))
    view.to_date.set_day(date(2026, 9, 30))
    view.set_verification("failed", "Verification failed: commit 1,204 was altered after signing")
    shots.append(_save(view, out, "audit-filtered", theme))

    def export(
        *_args: object,
        progress: Callable[[int, int], None],
        cancelled: Callable[[], bool],
        **_kw: object,
    ) -> None:
        progress(41_250, 100_000)
        for _ in range(1000):  # until the dialog is closed, as a real export would
            if cancelled():
                break
            time.sleep(0.01)
        raise KeyLedgerError("cancelled")

    dialog = EvidenceDialog(None, now, view, export=export, folder=Path.home())
    dialog.show()
    shots.append(_save(dialog, out, "evidence", theme))
    dialog.start_export()
    for _ in range(100):
        if dialog.progress.value() > 0:
            break
        _settle(20)
    shots.append(_save(dialog, out, "evidence-exporting", theme))
    dialog.abort()
    for _ in range(100):
        if dialog.job is None:
            break
        _settle(20)
    view.close()
    view.deleteLater()
    return shots


def _capture_summary(vault: object, out: Path, theme: str) -> Path:
    """The evidence pack's summary.html of the demo vault, as Qt's rich text renders it."""
    import tempfile
    import zipfile

    from PySide6.QtWidgets import QTextBrowser

    from app.services.evidence import export_pack
    from app.services.vault import Vault

    assert isinstance(vault, Vault)
    now = vault.clock.now()
    with tempfile.TemporaryDirectory() as folder:
        pack = Path(folder) / "pack.zip"
        export_pack(vault, (now - timedelta(days=182)).date(), now.date(), pack, now=now)
        with zipfile.ZipFile(pack) as opened:
            html = opened.read("summary.html").decode("utf-8")
    browser = QTextBrowser()
    browser.setHtml(html)
    browser.resize(1000, 820)
    browser.show()
    shot = _save(browser, out, "evidence-summary", theme)
    browser.close()
    browser.deleteLater()
    return shot
