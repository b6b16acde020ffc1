"""A team for the Reviews view's tests, built through the real flows on the UI tests' vault:
alice (owner), dora (admin, the second reviewer), bob (dev write, used), erin (staging read,
never used) and ann (auditor); then 100 days pass, so erin's grant is unused for 90 days and
the quarterly review is overdue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.core.clock import FixedClock
from app.crypto import secretkey
from app.services import team
from app.services.secrets import reveal, run_environment
from app.services.vault import Vault
from tests.conftest import PASSPHRASE, open_step_ups
from tests.team import add_teammate, join_as


@dataclass
class Team:
    path: Path
    clock: FixedClock
    alice_key: str
    dora_key: str
    ann_key: str
    dora: Vault  # decides alice's rows, as another admin must

    def unlock(self, handle: str, key_text: str) -> Vault:
        return Vault.unlock(self.path, handle, PASSPHRASE, secretkey.parse(key_text), self.clock)


@contextmanager
def review_team(path: Path, key_text: str, clock: FixedClock) -> Iterator[Team]:
    alice = Vault.unlock(path, "alice", PASSPHRASE, secretkey.parse(key_text), clock)
    open_step_ups(alice)
    dora_joined = join_as(alice, "dora", "admin", ("dev:read",))
    team.approve(alice, "dora", dora_joined.fingerprint)
    dora = Vault.unlock(path, "dora", PASSPHRASE, dora_joined.secret_key, clock)
    bob = add_teammate(alice, "bob", "member", ("dev:write",))
    erin = add_teammate(alice, "erin", "member", ("staging:read",))
    joined = join_as(alice, "ann", "auditor")
    team.approve(alice, "ann", joined.fingerprint)
    clock.advance(days=100)
    reveal(bob, "dev", "OpenAI dev", channel="copy")
    clock.advance(hours=1)
    run_environment(bob, "dev", "python")
    for done in (alice, bob, erin):
        done.lock()
    try:
        keys = [secretkey.format_key(j.secret_key) for j in (dora_joined, joined)]
        yield Team(path, clock, key_text, *keys, dora)
    finally:
        dora.lock()


def reviews_of(window):  # type: ignore[no-untyped-def]
    """The window's Reviews controller, its dates in UTC."""
    from datetime import UTC

    window.reviews.tz = UTC
    return window.reviews


def open_as(qtbot, window, world: Team, handle: str, key_text: str) -> None:  # type: ignore[no-untyped-def]
    """Unlock as this member, then open the Reviews view from the rail."""
    window.open_vault(world.path)
    window.unlock_page.member.setCurrentText(handle)
    window.unlock_page.passphrase.setText(PASSPHRASE)
    window.unlock_page.secret_key.setText(key_text)
    with qtbot.waitSignal(window.vault_unlocked, timeout=15_000):
        window.unlock_page.unlock.click()
    window.console.nav["reviews"].click()
