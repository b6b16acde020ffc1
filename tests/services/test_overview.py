"""The Overview's figures, from a real vault and an injected clock."""

from __future__ import annotations

from datetime import timedelta

from app.core import totp
from app.core.clock import FixedClock
from app.core.rotation import RotationStatus
from app.services import stepup
from app.services.integrity import verify_vault
from app.services.overview import as_dict, overview
from app.services.rotation import flag_secret
from app.services.secrets import add_secret
from app.services.vault import Vault
from tests.conftest import open_step_ups


def test_figures_of_a_fresh_vault(vault: Vault, clock: FixedClock):
    ov = overview(vault, clock.now())
    assert [(e.name, e.step_up, e.keys) for e in ov.envs] == [
        ("dev", False, 0),
        ("staging", False, 0),
        ("prod", True, 0),
    ]
    assert ov.keys == 0
    assert ov.rotation_compliance == 1.0
    assert ov.step_up_members == 1  # the owner holds prod's key
    assert ov.step_up_enrolled == 0
    assert ov.reviews.completed == 0
    assert not ov.reviews.overdue
    assert ov.verification.at is None


def test_statuses_reviews_and_enrollment_as_time_passes(vault: Vault, clock: FixedClock):
    open_step_ups(vault)
    add_secret(vault, "dev", "Webhook", "whsec-" + "w" * 30)
    add_secret(vault, "prod", "OpenAI prod", "sk-proj-" + "Q" * 40)
    add_secret(vault, "prod", "Groq prod", "gsk_" + "G" * 40)
    flag_secret(vault, "prod", "Groq prod", "exposure")
    pending = stepup.begin_enrollment(vault)
    stepup.confirm_enrollment(vault, totp.code_at(pending.seed, clock.now()))
    clock.advance(days=85)  # prod (90 days) due soon; dev (180) ok; staging's review: 91 days
    ov = overview(vault, clock.now())
    prod = ov.envs[2]
    assert prod.by_status[RotationStatus.DUE_SOON] == 1
    assert prod.by_status[RotationStatus.REQUIRED] == 1
    assert ov.envs[0].by_status[RotationStatus.OK] == 1
    assert ov.rotation_compliance == 2 / 3
    assert ov.step_up_enrolled == 1
    assert not ov.reviews.overdue
    clock.advance(days=7)
    later = overview(vault, clock.now())
    assert later.count(RotationStatus.OVERDUE) == 1
    assert later.reviews.overdue
    assert as_dict(later)["rotation_compliance"] == round(1 / 3, 4)


def test_a_full_verification_is_remembered(vault: Vault, clock: FixedClock):
    report = verify_vault(vault.published)
    ov = overview(vault, clock.now())
    assert ov.verification.at is not None
    assert ov.verification.commits == report.commits
    assert ov.verification.head == report.head


def test_step_up_uses_by_month(vault: Vault, clock: FixedClock):
    pending = stepup.begin_enrollment(vault)
    stepup.confirm_enrollment(vault, totp.code_at(pending.seed, clock.now()))
    from app.services.environments import find_environment

    prod = find_environment(vault, "prod")
    for _ in range(2):
        clock.advance(days=20)
        vault.close_step_up(prod.id)
        stepup.step_up(vault, prod, totp.code_at(pending.seed, clock.now()))
    ov = overview(vault, clock.now())
    assert sum(ov.step_up_uses.values()) == 2
    first = (clock.now() - timedelta(days=20)).strftime("%Y-%m")
    assert ov.step_up_uses[first] >= 1
    assert all(len(k) == 7 and k[4] == "-" for k in ov.step_up_uses)


def test_a_failed_verification_is_remembered_as_failed(vault: Vault, clock: FixedClock):
    import sqlite3

    import pytest

    from app.core.errors import IntegrityFailure

    verify_vault(vault.published)
    vault.lock()
    conn = sqlite3.connect(vault.published)
    conn.execute("UPDATE meta SET value = 'Evil Corp' WHERE key = 'name'")
    conn.commit()
    conn.close()
    with pytest.raises(IntegrityFailure) as caught:
        verify_vault(vault.published)
    from app.services.overview import last_verification

    last = last_verification(vault.vault_id)
    assert last.at is not None
    assert last.problem == " ".join(str(caught.value).split())
    assert last.commits == 0


def test_team_figures_count_members_and_what_waits_for_an_admin(vault: Vault, clock: FixedClock):
    from app.services import access, requests, team
    from tests.team import add_teammate, join_as

    open_step_ups(vault)
    bob = add_teammate(vault, "bob", "member", ("dev:read",))
    add_teammate(vault, "dave", "auditor").lock()
    join_as(vault, "carol")  # joined: an admin must compare fingerprints and approve
    team.invite(vault, "erin", "member", [])  # not joined yet
    try:
        requests.request_access(bob, "prod", "read", "on call this week")
    finally:
        bob.lock()
    access.grant(vault, "bob", "staging", "read", until=clock.now() + timedelta(days=1))
    ov = overview(vault, clock.now())
    t = ov.team
    assert dict(t.members) == {"active": 3, "pending": 1, "removed": 0}
    assert dict(t.roles) == {"owner": 1, "member": 1, "auditor": 1}
    assert (t.open_invites, t.pending_joins, t.open_requests, t.expired_grants) == (1, 1, 1, 0)
    assert t.waiting == 2
    assert ov.step_up_members == 1  # prod is granted to alice alone so far
    access.grant(vault, "bob", "prod", "read")
    clock.advance(days=8)  # erin's invite lapses, bob's staging grant runs out
    access.remove_member(vault, "carol")  # the join refused
    later = overview(vault, clock.now())
    assert later.step_up_members == 2  # granted prod, enrolled or not
    assert later.step_up_enrolled == 0
    assert (later.team.open_invites, later.team.pending_joins, later.team.expired_grants) == (
        0,
        0,
        1,
    )
    assert dict(later.team.members) == {"active": 3, "pending": 0, "removed": 1}
    assert as_dict(later)["team"] == {
        "members": {"active": 3, "pending": 0, "removed": 1},
        "roles": {"owner": 1, "member": 1, "auditor": 1},
        "open_invites": 0,
        "pending_joins": 0,
        "open_requests": 1,
        "expired_grants": 1,
        "waiting": 1,
    }


def test_a_completed_review_moves_the_next_one_a_cadence_on(vault: Vault, clock: FixedClock):
    from tests.services import team_world

    clock.advance(days=100)  # the first review is overdue: 91 days after creation
    assert overview(vault, clock.now()).reviews.overdue
    team_world.reviewed(vault, clock)
    reviews = overview(vault, clock.now()).reviews
    assert (reviews.completed, reviews.last_completed) == (1, "2027-03-12T09:00:00.000000Z")
    assert reviews.next_due.startswith("2027-06-11T09:00:00")  # quarterly (staging, prod)
    assert not reviews.overdue
