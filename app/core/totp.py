"""TOTP step-up rules (RFC 6238: SHA-1, 6 digits, 30 s steps, one step either side).

Pure functions over the member's step-up record and an injected time: which time step a code
matches, whether it was used before, how long the member must wait after failures, and when
they are locked out. The services layer turns the outcomes into ledger events.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets as _random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pyotp

SEED_BYTES = 20  # 160 bits
STEP_S = 30
DIGITS = 6
SKEW_STEPS = 1
FREE_FAILURES = 5
BACKOFF_START_S = 30
BACKOFF_MAX_S = 3600
LOCKOUT_FAILURES = 20
RECOVERY_CODES = 10
RECOVERY_BYTES = 15  # 120 bits per code


def new_seed() -> bytes:
    return os.urandom(SEED_BYTES)


def seed_text(seed: bytes) -> str:
    return base64.b32encode(seed).decode("ascii").rstrip("=")


def provisioning_uri(seed: bytes, account: str, issuer: str) -> str:
    return pyotp.TOTP(seed_text(seed), digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=account, issuer_name=issuer
    )


def code_at(seed: bytes, moment: datetime) -> str:
    return pyotp.TOTP(seed_text(seed), digits=DIGITS, interval=STEP_S).at(moment)


def time_step(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_S


def matching_step(seed: bytes, code: str, moment: datetime) -> int | None:
    """The time step (within ±1 of now) whose code equals `code`, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(seed_text(seed), digits=DIGITS, interval=STEP_S)
    now_step = time_step(moment)
    found = None
    for step in range(now_step - SKEW_STEPS, now_step + SKEW_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


@dataclass(frozen=True)
class Throttle:
    """A member's failure record: consecutive failures and when the last one happened."""

    failures: int = 0
    last_failure: datetime | None = None
    last_step: int = -1  # the newest time step ever accepted

    @property
    def locked_out(self) -> bool:
        return self.failures >= LOCKOUT_FAILURES

    def wait(self, now: datetime) -> timedelta:
        """How long before the next try is allowed (zero when it is)."""
        if self.failures < FREE_FAILURES or self.last_failure is None:
            return timedelta(0)
        delay = min(BACKOFF_START_S * 2 ** (self.failures - FREE_FAILURES), BACKOFF_MAX_S)
        return max(timedelta(0), self.last_failure + timedelta(seconds=delay) - now)

    def failed(self, now: datetime) -> Throttle:
        return replace(self, failures=self.failures + 1, last_failure=now)

    def succeeded(self, step: int) -> Throttle:
        return Throttle(0, None, max(step, self.last_step))

    def merged(self, other: Throttle) -> Throttle:
        """The stricter of two records (the ledger's and the keychain's)."""
        last = [t for t in (self.last_failure, other.last_failure) if t is not None]
        return Throttle(
            max(self.failures, other.failures),
            max(last) if last else None,
            max(self.last_step, other.last_step),
        )


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        text = base64.b32encode(_random.token_bytes(RECOVERY_BYTES)).decode("ascii")
        codes.append("-".join(text[i : i + 4] for i in range(0, len(text), 4)))
    return codes


def normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_recovery(code: str) -> str:
    return hashlib.sha256(b"keyledger-recovery|" + normalise_recovery(code).encode()).hexdigest()
