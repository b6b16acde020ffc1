"""A synthetic team's access reviews for screenshots and model tests: last quarter's, signed
off, and this quarter's, half decided, with grants unused for 90 days, one that changed since
the snapshot, and rows about the viewer's (alice's) own access."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core import reviews
from app.core.clock import iso
from app.core.model import Member
from app.core.reviews import Campaign, CurrentGrant, Decision, SnapshotRow
from app.services.review_rules import PlannedChange, PlannedRevocation, SignOffPlan

ME = Member("m-alice", "alice", "owner", "active")
# handle, role, env, access, granted by, days ago, justification, last used (days ago), how
_GRANTS = [
    ("alice", "owner", "dev", "write", "alice", 400, "created the vault", 1, "run"),
    ("alice", "owner", "prod", "write", "alice", 400, "created the vault", 3, "copy"),
    ("dora", "admin", "dev", "read", "alice", 300, "granted by alice", 12, "reveal"),
    ("dora", "admin", "prod", "write", "alice", 300, "on-call rotation", 20, "copy"),
    ("bob", "member", "dev", "write", "alice", 250, "granted by alice", 0, "run"),
    ("bob", "member", "prod", "read", "dora", 40, "request: incident 42", 38, "reveal"),
    ("carol", "member", "staging", "write", "alice", 200, "granted by alice", 5, "run"),
    ("erin", "member", "staging", "read", "alice", 180, "granted by alice", None, ""),
    ("frank", "member", "dev", "read", "dora", 210, "request: batch jobs", 130, "copy"),
    ("grace", "member", "prod", "read", "dora", 160, "request: billing audit", 150, "reveal"),
    ("henry", "member", "staging", "read", "alice", 95, "granted by alice", 2, "run"),
]
# (handle, env) -> decision, new access, comment, decided by
_DECISIONS = {
    ("dora", "dev"): ("keep", None, "", "alice"),
    ("carol", "staging"): ("keep", None, "", "alice"),
    ("henry", "staging"): ("keep", None, "", "alice"),
    ("bob", "dev"): ("change", "read", "least privilege: deploys run from CI now", "alice"),
    ("frank", "dev"): ("revoke", None, "left the batch-jobs project in August", "alice"),
    ("alice", "dev"): ("keep", None, "owner keeps dev", "dora"),
}


def _rows(now: datetime) -> list[SnapshotRow]:
    rows = []
    for handle, role, env, access, by, ago, why, used, how in _GRANTS:
        last = iso(now - timedelta(days=used, hours=3)) if used is not None else None
        rows.append(
            SnapshotRow(
                f"m-{handle}",
                handle,
                role,
                f"e-{env}",
                env,
                access,
                None,
                by,
                iso(now - timedelta(days=ago)),
                why,
                last,
                how,
            )  # fmt: skip
        )
    return rows


def review_sample(now: datetime) -> list[Campaign]:
    """This quarter's review (started two days ago, due in two weeks) and last quarter's."""
    started = now - timedelta(days=2)
    snapshot = _rows(started)
    current = {s.key: CurrentGrant(s.access, s.until, s.granted_at) for s in snapshot}
    bob_prod = ("m-bob", "e-prod")
    current[bob_prod] = CurrentGrant("write", None, iso(now - timedelta(days=1)))  # changed
    decisions = {
        (f"m-{h}", f"e-{e}"): Decision(d, a, c, by, iso(now - timedelta(hours=n * 5)))
        for n, ((h, e), (d, a, c, by)) in enumerate(_DECISIONS.items())
    }
    open_one = reviews.build(
        "7f3c9a12d4e5", "alice", "alice", iso(started), iso(started + timedelta(days=16)),
        None, snapshot, decisions, current,
    )  # fmt: skip
    before = now - timedelta(days=92)
    last_rows = _rows(before)[:8]
    keep = {
        s.key: Decision("keep", None, "", "alice", iso(before + timedelta(days=3)))
        for s in last_rows
    }
    done = reviews.build(
        "2b81e0f7a9c3", "alice", "alice", iso(before), iso(before + timedelta(days=14)),
        iso(before + timedelta(days=4)), last_rows, keep, {},
    )  # fmt: skip
    return [open_one, done]


def sign_off_sample() -> tuple[Campaign, SignOffPlan]:
    """A review with every row decided and what signing it off would carry out."""
    now = datetime.fromisoformat("2026-11-30T09:00:00+00:00")
    campaign = review_sample(now)[0]
    plan = SignOffPlan(
        (
            PlannedRevocation(
                "frank",
                "dev",
                (("dev", "Groq dev"), ("dev", "OpenAI batch"), ("dev", "OpenAI dev")),
            ),
            PlannedRevocation("erin", "staging", (("staging", "Stripe staging"),)),
            PlannedRevocation(
                "grace", "prod", (("prod", "Anthropic prod"), ("prod", "AWS deploy"))
            ),
        ),
        (PlannedChange("bob", "dev", "write", "read"),),
        7,
        (),
        None,
    )
    return campaign, plan
