"""The last full verification on this computer, remembered outside the vault file.

Its own small module so that `keyledger verify` records its outcome without importing the
Overview's figures (rotation, environments, the vault session: a tenth of a second at start-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.clock import iso
from app.services import keychain

_VERIFIED_STATE = "verified-{}"


@dataclass(frozen=True)
class Verification:
    """The last full check of the history on this computer (None: never)."""

    at: str | None
    commits: int
    head: str
    problem: str = ""  # why the last check failed; "" when it passed


def record_verification(
    vault_id: str, at: datetime, commits: int, head: str, problem: str = ""
) -> None:
    """Remember a full verification, passed or failed (not secret: when, how far, why)."""
    keychain.save_state(
        _VERIFIED_STATE.format(vault_id),
        {"at": iso(at), "commits": commits, "head": head, "problem": problem},
    )


def last_verification(vault_id: str) -> Verification:
    data = keychain.load_state(_VERIFIED_STATE.format(vault_id)) or {}
    try:
        return Verification(
            str(data["at"]) if data.get("at") else None,
            int(data.get("commits", 0)),
            str(data.get("head", "")),
            str(data.get("problem", "")),
        )
    except (TypeError, ValueError):
        return Verification(None, 0, "")
