"""What the Reviews view asks before acting: who may start, decide and sign off, and the plan a
sign-off carries out (with what would stop it half way)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.clock import FixedClock
from app.core.model import Member
from app.services import access, review_rules, reviews
from app.services.review_rules import PlannedChange, PlannedRevocation
from app.services.secrets import add_secret
from app.services.vault import Vault
from tests.team import add_teammate


@pytest.fixture
def team(vault: Vault, clock: FixedClock):
    """alice (owner), dora (admin, dev only), bob (dev write), erin (staging read)."""
    add_secret(vault, "dev", "OpenAI dev", "sk-proj-" + "d" * 40)
    add_secret(vault, "staging", "Groq staging", "gsk_" + "s" * 52)
    dora = add_teammate(vault, "dora", "admin", ("dev:read",))
    bob = add_teammate(vault, "bob", "member", ("dev:write",))
    erin = add_teammate(vault, "erin", "member", ("staging:read",))
    clock.advance(days=100)
    yield vault, dora
    for other in (dora, bob, erin):
        other.lock()


def me(vault: Vault) -> Member:
    return vault.member


def test_who_may_start_decide_and_sign_off(team, clock):
    alice, dora = team
    auditor = Member("x", "ann", "auditor", "active")
    assert review_rules.why_not_start(auditor, []) == (
        "Only an owner or admin starts an access review."
    )
    assert review_rules.why_not_start(me(alice), []) is None
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    assert "already open" in (review_rules.why_not_start(me(dora), [campaign]) or "")
    rows = {(r.snapshot.handle, r.snapshot.env_name): r for r in campaign.rows}
    own = rows[("alice", "dev")]
    assert review_rules.why_not_decide(me(alice), campaign, own) == (
        "This row is about your own access: another admin decides it."
    )
    assert review_rules.why_not_decide(me(dora), campaign, own) is None
    assert review_rules.why_not_decide(auditor, campaign, own) == (
        "Only an owner or admin decides; you can read the review."
    )
    left = len(campaign.rows)
    assert review_rules.why_not_sign_off(me(alice), campaign) == (
        f"{left} rows are still undecided: every row needs a decision before sign-off."
    )
    assert review_rules.why_not_sign_off(me(dora), campaign) == (
        "Only the review's reviewer, alice, signs it off."
    )


def decide_all(alice: Vault, dora: Vault, campaign_id: str) -> None:
    campaign = reviews.get(alice, campaign_id)
    theirs = [(r.snapshot.handle, r.snapshot.env_name) for r in campaign.rows]
    own = [k for k in theirs if k[0] == "alice"]
    reviews.decide(dora, campaign_id, [(*k, "keep", None) for k in own], "")
    rest = [k for k in theirs if k[0] not in ("alice", "erin", "bob")]
    reviews.decide(alice, campaign_id, [(*k, "keep", None) for k in rest], "")
    reviews.decide(alice, campaign_id, [("bob", "dev", "change", "read")], "least privilege")
    reviews.decide(alice, campaign_id, [("erin", "staging", "revoke", None)], "unused")


def test_the_plan_lists_what_sign_off_carries_out(team, clock):
    alice, dora = team
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    decide_all(alice, dora, campaign.id)
    plan = review_rules.plan(alice, reviews.get(alice, campaign.id))
    assert plan.revocations == (
        PlannedRevocation("erin", "staging", (("staging", "Groq staging"),)),
    )
    assert plan.changes == (PlannedChange("bob", "dev", "write", "read"),)
    assert plan.kept == len(campaign.rows) - 2
    assert (plan.skipped, plan.problem) == ((), None)
    assert plan.flagged == (("staging", "Groq staging"),)
    # Grants that end, or already changed as decided, while the review runs are skipped.
    access.revoke(alice, "erin", "staging")
    access.grant(alice, "bob", "dev", "read")
    plan = review_rules.plan(alice, reviews.get(alice, campaign.id))
    assert (plan.revocations, plan.changes) == ((), ())
    assert plan.skipped == (("bob", "dev"), ("erin", "staging"))


def test_the_plan_says_when_the_reviewer_cannot_re_key(team, clock):
    alice, dora = team  # dora holds dev's key only
    campaign = reviews.start(alice, clock.now() + timedelta(days=30), "dora")
    decide_all(alice, dora, campaign.id)
    plan = review_rules.plan(dora, reviews.get(dora, campaign.id))
    assert plan.problem == (
        "Revoking erin on staging re-keys staging, whose key you do not hold: an admin with"
        " staging access must grant you access to it before you sign off."
    )
