"""TOTP step-up: enrollment, the check that opens a step-up environment, recovery, reset.

Every attempt is a ledger event. Failure counters live in the ledger and are mirrored in the
keychain, and the stricter of the two applies, so restoring an older copy of the file does not
give an attacker fresh tries. The seed is sealed under a key derived from the member's own
private keys and opened only to check a code.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core import totp
from app.core.clock import iso, parse_iso
from app.core.errors import AuthFailed, LockedOut, NotFound, NotPermitted
from app.core.model import Environment
from app.crypto import aead
from app.crypto.encoding import b64e
from app.crypto.errors import DecryptError
from app.services import keychain
from app.services.vault import Vault, new_id

ISSUER = "KeyLedger"


@dataclass(frozen=True)
class TotpState:
    member: str
    enrollment: str
    status: str  # pending, active, recovered
    throttle: totp.Throttle
    recovery_left: int

    @property
    def usable(self) -> bool:
        return self.status in ("active", "recovered")


@dataclass(frozen=True)
class Enrollment:
    enrollment: str
    seed: bytes
    uri: str

    @property
    def seed_text(self) -> str:
        return totp.seed_text(self.seed)


class EnrollFirst(NotPermitted):
    pass


class WaitBeforeRetry(LockedOut):
    def __init__(self, wait: timedelta) -> None:
        seconds = math.ceil(wait.total_seconds())
        super().__init__(f"too many wrong codes: try again in {seconds} s")
        self.seconds = seconds


def _seed_key(vault: Vault) -> aead.Sealer:
    keys = vault._keys
    if keys is None:
        raise NotPermitted("the vault is locked")
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=aead.context(vault.vault_id, "totp-seed", vault.member.id),
    ).derive(keys.kem_private + keys.sign_private)
    return aead.Sealer(key)


def _seed_context(vault: Vault, enrollment: str) -> bytes:
    return aead.context(vault.vault_id, "totp-seed", vault.member.id, enrollment)


def _row(
    vault: Vault, member_id: str
) -> tuple[str, str, bytes, list[str], list[int], int, str | None, int] | None:
    row = vault.conn.execute(
        "SELECT enrollment, status, seed, recovery, used, failures, last_failure, last_step"
        " FROM totp WHERE member_id = ?",
        (member_id,),
    ).fetchone()
    if row is None:
        return None
    enrollment, status, seed, recovery, used, failures, last_failure, last_step = row
    return (
        enrollment,
        status,
        bytes(seed),
        json.loads(recovery),
        json.loads(used),
        failures,
        last_failure,
        last_step,
    )


def _mirror_name(vault: Vault, enrollment: str) -> str:
    return f"totp:{vault.vault_id}:{vault.member.id}:{enrollment}"


def _load_mirror(vault: Vault, enrollment: str) -> totp.Throttle:
    data = keychain.load_state(_mirror_name(vault, enrollment))
    if not data:
        return totp.Throttle()
    last = data.get("last_failure")
    return totp.Throttle(
        int(data.get("failures", 0)),
        parse_iso(last) if last else None,
        int(data.get("last_step", -1)),
    )


def _save_mirror(vault: Vault, enrollment: str, throttle: totp.Throttle) -> None:
    keychain.save_state(
        _mirror_name(vault, enrollment),
        {
            "failures": throttle.failures,
            "last_failure": iso(throttle.last_failure) if throttle.last_failure else None,
            "last_step": throttle.last_step,
        },
    )


def state(vault: Vault, member_id: str | None = None) -> TotpState | None:
    member_id = member_id or vault.member.id
    row = _row(vault, member_id)
    if row is None:
        return None
    enrollment, status, _seed, recovery, used, failures, last_failure, last_step = row
    throttle = totp.Throttle(failures, parse_iso(last_failure) if last_failure else None, last_step)
    if member_id == vault.member.id:
        throttle = throttle.merged(_load_mirror(vault, enrollment))
    return TotpState(member_id, enrollment, status, throttle, len(recovery) - len(used))


def begin_enrollment(vault: Vault) -> Enrollment:
    """A new seed, sealed and recorded as pending until a first code confirms it."""
    current = state(vault)
    if current is not None and current.status == "active":
        raise NotPermitted("you are already enrolled; an admin can reset your enrollment")
    if current is not None and current.throttle.locked_out:
        raise LockedOut("your step-up is locked: an admin must reset it")
    enrollment = new_id()
    seed = totp.new_seed()
    sealed = _seed_key(vault).seal(seed, _seed_context(vault, enrollment))
    vault.commit(
        [
            {
                "t": "totp.enroll",
                "member": vault.member.id,
                "enrollment": enrollment,
                "seed": b64e(sealed),
            }
        ]
    )
    account = f"{vault.member.handle} ({vault.name})"
    return Enrollment(enrollment, seed, totp.provisioning_uri(seed, account, ISSUER))


def pending_enrollment(vault: Vault) -> Enrollment | None:
    row = _row(vault, vault.member.id)
    if row is None or row[1] != "pending":
        return None
    seed = _open_seed(vault, row[0], row[2])
    account = f"{vault.member.handle} ({vault.name})"
    return Enrollment(row[0], seed, totp.provisioning_uri(seed, account, ISSUER))


def _open_seed(vault: Vault, enrollment: str, sealed: bytes) -> bytes:
    try:
        return _seed_key(vault).open(sealed, _seed_context(vault, enrollment))
    except DecryptError:
        from app.core.errors import IntegrityFailure

        raise IntegrityFailure("your TOTP seed failed to decrypt: the file was altered") from None


def confirm_enrollment(vault: Vault, code: str) -> list[str]:
    """Check the first code; returns the ten recovery codes (shown once)."""
    pending = pending_enrollment(vault)
    if pending is None:
        raise NotFound("no enrollment is waiting for confirmation: run `totp enroll` first")
    now = vault.clock.now()
    step = totp.matching_step(pending.seed, code, now)
    if step is None:
        vault.commit(
            [{"t": "totp.failure", "member": vault.member.id, "enrollment": pending.enrollment}]
        )
        raise AuthFailed("that code does not match; check the phone's clock and try again")
    codes = totp.new_recovery_codes()
    vault.commit(
        [
            {
                "t": "totp.confirm",
                "member": vault.member.id,
                "enrollment": pending.enrollment,
                "step": step,
                "recovery": [totp.hash_recovery(c) for c in codes],
            }
        ]
    )
    _save_mirror(vault, pending.enrollment, totp.Throttle(0, None, step))
    return codes


def step_up(vault: Vault, env: Environment, code: str) -> datetime:
    """Check a code; on success the environment opens for its window. Returns when it ends."""
    current = state(vault)
    if current is None or not current.usable:
        raise EnrollFirst(
            f"{env.name} needs a TOTP code and you have not enrolled: run `keyledger totp"
            " enroll` or use the console's Step-up menu"
        )
    now = vault.clock.now()
    throttle = current.throttle
    if throttle.locked_out:
        raise LockedOut(
            "your step-up is locked after too many wrong codes: use a recovery code"
            " or ask an admin to reset it"
        )
    wait = throttle.wait(now)
    if wait > timedelta(0):
        raise WaitBeforeRetry(wait)
    row = _row(vault, vault.member.id)
    assert row is not None
    seed = _open_seed(vault, row[0], row[2])
    step = totp.matching_step(seed, code, now)
    base = {"member": vault.member.id, "enrollment": current.enrollment}
    if step is None or step <= throttle.last_step:
        failed = throttle.failed(now)
        _save_mirror(vault, current.enrollment, failed)
        events = [{"t": "totp.failure", **base}]
        if failed.locked_out:
            events.append({"t": "totp.lockout", **base})
        vault.commit(events)
        if failed.locked_out:
            raise LockedOut(
                "too many wrong codes: your step-up is locked until a recovery code"
                " is used or an admin resets it"
            )
        if step is not None:
            raise AuthFailed("that code was already used; wait for the next one")
        raise AuthFailed("wrong TOTP code")
    _save_mirror(vault, current.enrollment, throttle.succeeded(step))
    vault.commit([{"t": "totp.success", **base, "step": step, "env": env.id}])
    return vault.open_step_up(env.id)


def use_recovery_code(vault: Vault, env: Environment, code: str) -> datetime:
    """A recovery code opens the environment once, clears a lockout, and asks to re-enroll."""
    row = _row(vault, vault.member.id)
    if row is None or row[1] == "pending":
        raise EnrollFirst("you have no recovery codes: enroll first")
    enrollment, _status, _seed, recovery, used, *_ = row
    current = state(vault)
    assert current is not None
    now = vault.clock.now()
    throttle = current.throttle
    if not throttle.locked_out:  # a locked-out member may always try their recovery codes
        wait = throttle.wait(now)
        if wait > timedelta(0):
            raise WaitBeforeRetry(wait)
    wanted = totp.hash_recovery(code)
    index = next((i for i, h in enumerate(recovery) if h == wanted), None)
    base = {"member": vault.member.id, "enrollment": enrollment}
    if index is None or index in used:
        failed = throttle.failed(now)
        _save_mirror(vault, enrollment, failed)
        events = [{"t": "totp.failure", **base}]
        if failed.locked_out and not throttle.locked_out:
            events.append({"t": "totp.lockout", **base})
        vault.commit(events)
        raise AuthFailed("that recovery code is wrong or was already used")
    vault.commit([{"t": "totp.recovery", **base, "index": index, "env": env.id}])
    mirror = _load_mirror(vault, enrollment)
    _save_mirror(vault, enrollment, totp.Throttle(0, None, mirror.last_step))
    return vault.open_step_up(env.id)


def reset(vault: Vault, handle: str) -> None:
    """Admin: remove a member's enrollment (and lockout); they enroll again."""
    vault.require_admin()
    row = vault.conn.execute(
        "SELECT id FROM members WHERE handle = ? AND status = 'active'", (handle,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no member named {handle!r}")
    if row[0] == vault.member.id:
        raise NotPermitted(
            "you cannot reset your own step-up (that would let a stolen passphrase replace your"
            " phone): use a recovery code, or ask another admin"
        )
    if _row(vault, row[0]) is None:
        raise NotFound(f"{handle} has no TOTP enrollment to reset")
    vault.commit([{"t": "totp.reset", "member": row[0]}])
