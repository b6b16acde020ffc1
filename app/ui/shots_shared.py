"""Screenshots of the console's shared-file banners over the unlocked demo vault: a sync tool's
conflicted copy beside the vault file, and a merge that was refused."""

from __future__ import annotations

import shutil
from pathlib import Path

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
    window.shared._warn_shared(
        "the copies cannot be merged: a secret deleted in one was changed in the other"
    )
    shots.append(_save(window, out, "console-merge-refused", theme))
    window.shared._on_warning_dismissed()
    return shots
