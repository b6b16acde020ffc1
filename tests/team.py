"""Adding teammates the way the product does: invite, join on their laptop, approve."""

from __future__ import annotations

from app.core.clock import Clock
from app.services import team
from app.services.team import parse_grants
from app.services.vault import Vault
from tests.conftest import PASSPHRASE


def join_as(admin: Vault, handle: str, role: str = "member", grants: tuple[str, ...] = ()):
    """Invite and join (not yet approved); returns the Joined record."""
    invite, code = team.invite(admin, handle, role, parse_grants(admin, list(grants)))
    return team.join(admin.published, code, handle, PASSPHRASE, kdf_seconds=0, clock=admin.clock)


def add_teammate(
    admin: Vault,
    handle: str,
    role: str = "member",
    grants: tuple[str, ...] = (),
    clock: Clock | None = None,
) -> Vault:
    """Invite, join, approve; returns the teammate's unlocked vault (same clock as the admin)."""
    joined = join_as(admin, handle, role, grants)
    team.approve(admin, handle, joined.fingerprint)
    return Vault.unlock(
        admin.published, handle, PASSPHRASE, joined.secret_key, clock or admin.clock
    )
