"""Rotating one key, step by step: what the rotation wizard shows and checks, without Qt.

The steps are: the key (where to make a new one), the new value, and why. The flow holds what
the user has entered so far, says what stops each step, and finishes through
`secrets.rotate_secret`, which stays the authority on every rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core import providers, rotation
from app.core.errors import InvalidInput
from app.core.model import Secret
from app.core.providers import Provider
from app.core.rotation import DUE_SOON_DAYS, Flag, RotationStatus, next_due, status_of
from app.services import rotation as rotation_service
from app.services import secrets as secret_service
from app.services.vault import Vault

STEPS = ("key", "value", "reason")

# The reasons a person picks when rotating ("created" and "update" are written by the app).
CHOICES = rotation.ROTATE_REASONS

# A flag's reason, as the reason for the rotation that answers it. "revocation" (someone who
# could read the key lost access) is an offboarding in the rotation log's terms.
_FROM_FLAG = {
    "exposure": "exposure",
    "incident": "incident",
    "offboarding": "offboarding",
    "revocation": "offboarding",
    "other": "other",
}


@dataclass
class RotateFlow:
    secret: Secret
    fingerprint: str  # the current version's; "" if this member may not see it
    due: datetime
    status: RotationStatus  # by the date alone; `flag` says whether it is required now
    flag: Flag | None = None
    value: str = ""
    reason: str = "scheduled"
    ticket: str = ""

    @classmethod
    def start(
        cls,
        vault: Vault,
        secret: Secret,
        now: datetime,
        flag: Flag | None = None,
        due_soon_days: int = DUE_SOON_DAYS,
    ) -> RotateFlow:
        """The flow for one secret; reads its history, not its value."""
        versions = secret_service.history(vault, secret.env_name, secret.name)
        due = next_due(secret.rotated_at, secret.rotation_days)
        return cls(
            secret,
            versions[0].fingerprint if versions else "",
            due,
            status_of(due, now, due_soon_days),
            flag,
            reason=_FROM_FLAG.get(flag.reason, "other") if flag else "scheduled",
        )

    # -- step 1: the key -------------------------------------------------------------------
    @property
    def provider(self) -> Provider | None:
        """The provider that issues this key; None for other secrets."""
        return rotation.issuer(self.secret)

    @property
    def console_url(self) -> str:
        provider = self.provider
        return provider.console_url if provider is not None else ""

    # -- step 2: the new value -------------------------------------------------------------
    @property
    def can_generate(self) -> bool:
        """Only values the team makes itself can be generated; a provider issues its keys."""
        return self.provider is None

    def generate(self) -> str:
        self.value = rotation_service.generated_value(self.secret)
        return self.value

    def set_value(self, text: str) -> None:
        # Surrounding spaces come from copying out of a web page; no key has them.
        self.value = text.strip()

    @property
    def recognised(self) -> Provider | None:
        return providers.recognise(self.value) if self.value else None

    @property
    def new_fingerprint(self) -> str:
        return providers.fingerprint(self.value) if self.value else ""

    def warning(self) -> str:
        """Something odd about the new value that does not stop the rotation."""
        expected, found = self.provider, self.recognised
        if not self.value:
            return ""
        if found is not None and found.id != (expected.id if expected else ""):
            held = f"a key from {expected.name}" if expected else "not a provider key"
            return (
                f"This value looks like a key from {found.name}, but {self.secret.name} is"
                f" {held}. Check that you copied the right one."
            )
        if found is None and expected is not None and expected.prefixes:
            *others, last = expected.prefixes
            starts = f"{', '.join(others)} or {last}" if others else last
            return (
                f"This does not look like a key from {expected.name}: theirs start with {starts}."
            )
        return ""

    # -- step 3: why -----------------------------------------------------------------------
    def set_reason(self, reason: str, ticket: str = "") -> None:
        self.reason = reason
        self.ticket = ticket.strip()

    # -- the rules -------------------------------------------------------------------------
    def problem(self, step: str) -> str:
        """What stops `step` from being done; "" when it is."""
        if step == "value":
            if not self.value:
                return "Paste the new value."
            if self.fingerprint and self.new_fingerprint == self.fingerprint:
                return "This is the current value; paste the new one."
            return ""
        if step == "reason":
            return "" if self.reason in CHOICES else f"Choose a reason: {', '.join(CHOICES)}."
        if step == "key":
            return ""
        raise ValueError(f"no step {step!r}")

    def finish(self, vault: Vault) -> Secret:
        """Store the new value as the next version; returns the secret as it now is."""
        for step in STEPS:
            problem = self.problem(step)
            if problem:
                raise InvalidInput(problem)
        secret = self.secret
        return secret_service.rotate_secret(
            vault, secret.env_name, secret.name, self.value, self.reason, self.ticket
        )
