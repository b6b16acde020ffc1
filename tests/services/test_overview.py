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
