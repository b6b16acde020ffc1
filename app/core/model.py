"""Plain, immutable records that the services hand to the CLI and the GUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from app.core.policy import Policy


@dataclass(frozen=True)
class Member:
    id: str
    handle: str
    role: str
    status: str


@dataclass(frozen=True)
class Environment:
    id: str
    name: str
    position: int
    policy: Policy
    epoch: int
    readable: bool
    secret_count: int = 0


class SecretMeta(NamedTuple):
    """A secret's descriptive fields (a NamedTuple: 100k of them are built per listing)."""

    name: str
    env_var: str
    provider: str = ""
    owner: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    rotation_days: int | None = None


class Secret(NamedTuple):
    id: str
    env_id: str
    env_name: str
    meta: SecretMeta
    version: int
    created_at: str
    updated_at: str
    rotated_at: str
    rotation_days: int  # the secret's own period, else its environment's

    @property
    def name(self) -> str:
        return self.meta.name


@dataclass(frozen=True)
class Version:
    version: int
    created_at: str
    author: str
    reason: str
    ticket: str
    fingerprint: str
    current: bool


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str
    actor: str
    action: str
    env: str
    secret: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class VerifyReport:
    commits: int
    events: int
    head: str
    checked: tuple[str, ...]
