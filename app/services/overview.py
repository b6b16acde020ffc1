"""The key figures an admin and an auditor look at first, computed once for the Overview page
and the evidence pack's summary.html alike.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.core import rotation
from app.core.clock import iso
from app.core.ledger import parse_header
from app.core.policy import REVIEW_CADENCES
from app.core.rotation import RotationStatus
from app.services import rotation as rotation_service
from app.services.environments import list_environments
from app.services.vault import Vault
from app.services.verifications import (  # noqa: F401  (re-exported: callers read it here)
    Verification,
    last_verification,
    record_verification,
)
from app.storage import ledger


@dataclass(frozen=True)
class EnvFigures:
    name: str
    step_up: bool
    keys: int
    by_status: Mapping[RotationStatus, int]  # every status present, 0 where none


@dataclass(frozen=True)
class ReviewFigures:
    """Access reviews. The next falls due one cadence (the shortest of the environments'
    policies) after the last sign-off, or after the vault was created until the first."""

    completed: int
    last_completed: str | None
    next_due: str
    overdue: bool


@dataclass(frozen=True)
class TeamFigures:
    """The team as an admin needs to see it: who is in, and what waits for an admin."""

    members: Mapping[str, int] = field(default_factory=dict)  # active, pending, removed
    roles: Mapping[str, int] = field(default_factory=dict)  # of the active members
    open_invites: int = 0  # not yet used, cancelled or expired
    pending_joins: int = 0  # joined, waiting for an admin to compare fingerprints and approve
    open_requests: int = 0  # access requests waiting for an admin's decision
    expired_grants: int = 0  # past their end date; revoked when an admin next unlocks

    @property
    def waiting(self) -> int:
        """What needs an admin now: joins to approve and requests to decide."""
        return self.pending_joins + self.open_requests


@dataclass(frozen=True)
class Overview:
    vault_name: str
    generated_at: str
    envs: tuple[EnvFigures, ...]
    reviews: ReviewFigures
    step_up_members: int  # active members granted an environment with step-up
    step_up_enrolled: int  # of them, with an active authenticator enrollment
    verification: Verification
    step_up_uses: Mapping[str, int] = field(default_factory=dict)  # "YYYY-MM" -> successes
    team: TeamFigures = field(default_factory=TeamFigures)

    @property
    def keys(self) -> int:
        return sum(e.keys for e in self.envs)

    def count(self, status: RotationStatus) -> int:
        return sum(e.by_status[status] for e in self.envs)

    @property
    def rotation_compliance(self) -> float:
        """Share of keys neither overdue nor flagged (1.0 with no keys)."""
        late = self.count(RotationStatus.OVERDUE) + self.count(RotationStatus.REQUIRED)
        return 1.0 if not self.keys else (self.keys - late) / self.keys


def overview(
    vault: Vault,
    now: datetime,
    due_soon_days: int = rotation.DUE_SOON_DAYS,
    *,
    counts: Counter[tuple[str, RotationStatus]] | None = None,
    step_ups: Mapping[str, int] | None = None,
) -> Overview:
    """The figures; `counts` of (environment id, status) and `step_ups` by month when the caller
    has them already (the evidence pack counts both in its pass over the ledger, instead of
    listing every key and reading every event again)."""
    envs = list_environments(vault)
    if counts is None:
        found = rotation_service.rotation_items(vault, now, due_soon_days=due_soon_days)
        counts = Counter((i.secret.env_id, i.status) for i in found)
    env_figures = tuple(
        EnvFigures(
            e.name,
            e.policy.step_up != "none",
            e.secret_count,
            {s: counts[(e.id, s)] for s in rotation.BY_SEVERITY},
        )
        for e in envs
    )
    gated = [e.id for e in envs if e.policy.step_up != "none"]
    members = _step_up_members(vault, gated)
    enrolled = {
        row[0] for row in vault.conn.execute("SELECT member_id FROM totp WHERE status = 'active'")
    }
    cadence = min((REVIEW_CADENCES[e.policy.review] for e in envs), default=91)
    completed, last = vault.conn.execute(
        "SELECT count(*), max(completed_at) FROM reviews WHERE status = 'completed'"
    ).fetchone()
    since = datetime.fromisoformat(last) if last else _created_at(vault)
    next_review = since + timedelta(days=cadence)
    return Overview(
        vault.name,
        iso(now),
        env_figures,
        ReviewFigures(int(completed), last, iso(next_review), next_review <= now),
        len(members),
        len(members & enrolled),
        last_verification(vault.vault_id),
        step_up_uses(vault) if step_ups is None else dict(sorted(step_ups.items())),
        team_figures(vault, now),
    )


def _step_up_members(vault: Vault, env_ids: list[str]) -> set[str]:
    """Active members who can open a step-up environment: those it is granted to."""
    rows = vault.conn.execute(
        "SELECT DISTINCT g.member_id, g.env_id FROM grants g JOIN members m ON m.id = g.member_id"
        " WHERE m.status = 'active'"
    )
    return {member for member, env in rows if env in env_ids}


def team_figures(vault: Vault, now: datetime) -> TeamFigures:
    conn = vault.conn
    stamp = iso(now)
    members = dict(conn.execute("SELECT status, count(*) FROM members GROUP BY status").fetchall())
    roles = dict(
        conn.execute(
            "SELECT role, count(*) FROM members WHERE status = 'active' GROUP BY role"
        ).fetchall()
    )
    invites = conn.execute(
        "SELECT count(*) FROM invites WHERE status = 'open' AND expires >= ?", (stamp,)
    ).fetchone()[0]
    requests = conn.execute("SELECT count(*) FROM requests WHERE status = 'open'").fetchone()[0]
    expired = conn.execute(
        "SELECT count(*) FROM grants WHERE until IS NOT NULL AND until < ?", (stamp,)
    ).fetchone()[0]
    return TeamFigures(
        {s: int(members.get(s, 0)) for s in ("active", "pending", "removed")},
        {r: int(n) for r, n in roles.items()},
        int(invites),
        int(members.get("pending", 0)),
        int(requests),
        int(expired),
    )


def _created_at(vault: Vault) -> datetime:
    first = ledger.commit_at(vault.conn, 1)
    if first is None:
        return datetime.now(UTC)
    return datetime.fromisoformat(parse_header(bytes(first.header)).ts)


def step_up_uses(vault: Vault) -> dict[str, int]:
    """Successful step-ups by month ("YYYY-MM"), oldest first."""
    uses: Counter[str] = Counter()
    for (header,) in vault.conn.execute(
        "SELECT c.header FROM events e JOIN commits c ON c.seq = e.commit_seq"
        " WHERE json_extract(e.body, '$.t') = 'totp.success'"
    ):
        uses[parse_header(bytes(header)).ts[:7]] += 1
    return dict(sorted(uses.items()))


def as_dict(ov: Overview) -> dict[str, object]:
    """Plain JSON-ready figures (the pack's manifest and summary use them)."""
    figures: dict[str, object] = json.loads(
        json.dumps(
            {
                "vault": ov.vault_name,
                "generated_at": ov.generated_at,
                "keys": ov.keys,
                "rotation_compliance": round(ov.rotation_compliance, 4),
                "environments": [
                    {
                        "name": e.name,
                        "step_up": e.step_up,
                        "keys": e.keys,
                        "status": {s.value: n for s, n in e.by_status.items()},
                    }
                    for e in ov.envs
                ],
                "reviews": ov.reviews.__dict__,
                "step_up_members": ov.step_up_members,
                "step_up_enrolled": ov.step_up_enrolled,
                "verification": ov.verification.__dict__,
                "step_up_uses": dict(ov.step_up_uses),
                "team": {**ov.team.__dict__, "waiting": ov.team.waiting},
            }
        )
    )
    return figures
