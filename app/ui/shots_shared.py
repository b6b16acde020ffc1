"""Screenshots of the console's shared-file banners over the unlocked demo vault: a sync tool's
conflicted copy beside the vault file, what a merge settled, and a merge that was refused."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.services.merge_story import sentence
from app.ui.shots import _save


def capture_shared(window: object, out: Path, theme: str) -> list[Path]:
    """`window`: a MainWindow with the demo vault unlocked, on the Secrets view."""
    from app.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    vault = window.session.vault
    assert vault is not None
    copy = vault.published.with_name(f"{vault.published.stem} (conflicted copy 2026-11-30).kl")
    shutil.copyfile(vault.published, copy)
    try:
        window.shared.check_copies()
        shots = [_save(window, out, "console-conflicted-copy", theme)]
    finally:
        copy.unlink()
    window.shared.check_copies()
    names = _Names({s.id: s.name for s in window.controller.all_secrets})
    first, second = sorted(names.secrets, key=names.secrets.__getitem__)[:2]
    window.console.settled_banner.set_lines(
        [
            sentence(["kept-edited", first], names),
            sentence(["changed-on-both", second], names),
            sentence(["revocation-wins", "m-dana", "e-prod"], names),
        ]
    )
    shots.append(_save(window, out, "console-merge-settled", theme))
    window.console.settled_banner.set_lines([])
    window.shared._warn_shared(
        "the copies cannot be merged: ledger commit #212: signature does not verify"
    )
    shots.append(_save(window, out, "console-merge-refused", theme))
    window.shared._on_warning_dismissed()
    return shots


class _Names:
    """The demo's names for the sample records (a member and an environment as the Audit
    view would name them)."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets

    def secret_name(self, secret_id: str) -> str:
        return self.secrets[secret_id]

    def env_name(self, env_id: str) -> str:
        return {"e-prod": "prod"}.get(env_id, env_id)

    def handle(self, member_id: str) -> str:
        return {"m-dana": "dana"}.get(member_id, member_id)
