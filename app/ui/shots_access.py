"""Screenshots of the Access view over the demo team and of its dialogs: the invite, its
one-time code, approving dave's join, and removing bob."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.services import access, demo, team
from app.services.settings import Settings
from app.ui.shots import _save, _settle


def capture_access(out: Path, theme: str) -> list[Path]:
    from app.ui.app import make_app
    from app.ui.dialogs.approve_join_dialog import ApproveJoinDialog
    from app.ui.dialogs.invite_code_dialog import InviteCodeDialog, join_command
    from app.ui.dialogs.invite_dialog import InviteDialog
    from app.ui.dialogs.revoke_dialog import RevokeDialog
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
    vault, page = window.session.vault, window.console
    assert vault is not None
    page.nav["access"].click()
    view = page.access
    view.matrix_table.setCurrentIndex(view.matrix.index_of("bob", "staging"))
    view.pending_table.selectRow(view.pending.row_of("join", "dave"))
    shots = [_save(window, out, "console-access", theme)]
    snap = window.access.team
    assert snap is not None

    invite = InviteDialog(snap.envs, True, window)
    invite.handle.setText("frank")
    invite.access["dev"].setCurrentIndex(2)
    invite.access["staging"].setCurrentIndex(1)
    invite.show()
    shots.append(_save(invite, out, "invite", theme))
    invite.close()
    invite.deleteLater()

    made, code = team.invite(vault, "frank", "member", [(snap.envs[0].id, "write")])
    command = join_command(vault.published, code, "frank")
    shown = InviteCodeDialog("frank", code, command, made.expires[:10], lambda _t: 30, window)
    shown.show()
    shown.copy_code.click()
    shots.append(_save(shown, out, "invite-code", theme))
    shown.close()
    shown.deleteLater()

    dave = snap.member("dave")
    assert dave is not None
    approve = ApproveJoinDialog(dave, snap.invite_of("dave"), window)
    approve.typed.setText(dave.fingerprint.replace(" ", "")[:12])
    approve.show()
    shots.append(_save(approve, out, "approve-join", theme))
    approve.typed.setText("0000 1111 2222 3333 4444")
    approve.submitted.connect(lambda typed: _refused(approve, vault, typed))
    approve.ok.click()
    shots.append(_save(approve, out, "approve-join-mismatch", theme))
    approve.close()
    approve.deleteLater()

    remove = RevokeDialog("bob", None, access.preview(vault, "bob"), window)
    remove.show()
    shots.append(_save(remove, out, "remove-member", theme))
    remove.close()
    remove.deleteLater()
    window.close()
    QApplication.processEvents()
    return shots


def _refused(dialog: object, vault: object, typed: str) -> None:
    from app.core.errors import KeyLedgerError
    from app.services.vault import Vault
    from app.ui.access_flows import one_line
    from app.ui.dialogs.approve_join_dialog import ApproveJoinDialog

    assert isinstance(dialog, ApproveJoinDialog)
    assert isinstance(vault, Vault)
    try:
        team.approve(vault, "dave", typed)
    except KeyLedgerError as exc:
        dialog.show_error(one_line(exc))
