"""The command line's clipboard: the platform's own tools, the value passed on stdin only.

Clearing follows KeePassXC: only if the clipboard still holds our value, so a user who copied
something else meanwhile keeps it. (The console has its own Qt clipboard service.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from app.core.errors import KeyLedgerError


class NoClipboard(KeyLedgerError):
    pass


@dataclass(frozen=True)
class CommandClipboard:
    name: str
    copy_cmd: tuple[str, ...]
    paste_cmd: tuple[str, ...]

    def copy(self, text: str) -> None:
        subprocess.run(
            self.copy_cmd,
            input=text.encode("utf-8"),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
        )

    def paste(self) -> str:
        done = subprocess.run(self.paste_cmd, capture_output=True, check=False, timeout=10)
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def detect() -> CommandClipboard:
    if sys.platform == "darwin":
        return CommandClipboard("pbcopy", ("pbcopy",), ("pbpaste",))
    if os.name == "nt":  # pragma: no cover - Windows only
        return CommandClipboard("clip", ("clip",), ("powershell", "-NoProfile", "Get-Clipboard"))
    if os.environ.get("WAYLAND_DISPLAY") and shutil.which("wl-copy"):
        return CommandClipboard("wl-copy", ("wl-copy",), ("wl-paste", "--no-newline"))
    if os.environ.get("DISPLAY"):
        if shutil.which("xclip"):
            return CommandClipboard(
                "xclip",
                ("xclip", "-selection", "clipboard", "-in"),
                ("xclip", "-selection", "clipboard", "-out"),
            )
        if shutil.which("xsel"):
            return CommandClipboard(
                "xsel", ("xsel", "--clipboard", "--input"), ("xsel", "--clipboard", "--output")
            )
    raise NoClipboard(
        "no clipboard found (needs a desktop session with wl-copy, xclip or xsel); use"
        " `secret get` or `run` instead"
    )


def clear_if_ours(board: CommandClipboard, value: str) -> bool:
    if board.paste() != value:
        return False
    board.copy("")
    return True


def hold_then_clear(board: CommandClipboard, value: str, seconds: float) -> bool:
    """Wait, then clear if unchanged. Ctrl+C clears at once. Returns whether it cleared."""
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
    except KeyboardInterrupt:
        pass
    return clear_if_ours(board, value)
