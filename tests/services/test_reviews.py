"""A whole access review with an injected clock: snapshot, last use from real ledger events,
decisions, the rules, sign-off and the revocations it carries out, and the auditor's CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.clock import FixedClock, iso
from app.core.csvsafe import ENCODING
from app.core.errors import Conflict, IntegrityFailure, InvalidInput, NotPermitted
from app.core.reviews import RowState
from app.services import access, review_export, reviews
from app.services.environments import find_environment
from app.services.requests import approve_request, request_access
from app.services.rotation import flags
from app.services.secrets import add_secret, reveal, run_environment
from app.services.team import list_grants
from app.services.vault import Vault
from app.services.verify import verify
from app.storage import ledger
from tests.forge import forge
from tests.team import add_teammate


@pytest.fixture
def team(vault: Vault, clock: FixedClock):
    """alice (owner), dora (admin, the second reviewer), bob (dev write, used), erin (staging
    read, never used), and bob's prod read from an approved request."""
    add_secret(vault, "dev", "OpenAI dev", "sk-proj-" + "d" * 40)
    add_secret(vault, "staging", "Groq staging", "gsk_" + "s" * 52)
    dora = add_teammate(vault, "dora", "admin", ("dev:read",))
    bob = add_teammate(vault, "bob", "member", ("dev:write",))
    erin = add_teammate(vault, "erin", "member", ("staging:read",))
    asked = request_access(bob, "prod", "read", "incident 42")
    approve_request(vault, asked.id)
    clock.advance(days=100)
    reveal(bob, "dev", "OpenAI dev", channel="copy")  # bob used dev; erin never used staging
    clock.advance(days=1)
    run_environment(bob, "dev", "python")
    yield vault, dora, bob, erin
    for other in (dora, bob, erin):
        other.lock()


def rows_by(campaign):
    return {(r.snapshot.handle, r.snapshot.env_name): r for r in campaign.rows}


def test_a_campaign_snapshots_every_grant_with_its_last_use(team, clock: FixedClock):
    alice, dora, bob, erin = team
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    rows = rows_by(campaign)
    assert set(rows) == {(g.handle, g.env_name) for g in list_grants(alice)}
    assert (campaign.reviewer, campaign.status, campaign.decided) == ("alice", "open", 0)
    assert rows[("bob", "dev")].snapshot.last_used_how == "run"
    assert rows[("bob", "dev")].snapshot.last_used == iso(clock.now())
    assert not rows[("bob", "dev")].unused
    assert rows[("erin", "staging")].snapshot.last_used is None
    assert rows[("erin", "staging")].unused
    assert rows[("bob", "prod")].snapshot.justification == "request: incident 42"
    assert rows[("erin", "staging")].snapshot.justification == "granted by alice"
    with pytest.raises(Conflict, match="already open"):
        reviews.start(alice, clock.now() + timedelta(days=30))
    assert verify(alice.conn).commits == ledger.count(alice.conn)


def test_decisions_sign_off_and_the_revocations_carried_out(team, clock: FixedClock, tmp_path):
    alice, dora, bob, erin = team
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    others = [
        (r.snapshot.handle, r.snapshot.env_name, "keep", None)
        for r in campaign.rows
        if r.snapshot.handle not in ("alice", "erin", "bob")
    ]
    with pytest.raises(NotPermitted, match="own access"):
        reviews.decide(alice, campaign.id, [("alice", "dev", "keep", None)], "")
    with pytest.raises(InvalidInput, match="say why"):
        reviews.decide(alice, campaign.id, [("erin", "staging", "revoke", None)], "")
    with pytest.raises(InvalidInput, match="not the same"):
        reviews.decide(alice, campaign.id, [("bob", "dev", "change", "write")], "less")
    reviews.decide(alice, campaign.id, [*others, ("bob", "prod", "keep", None)], "")
    reviews.decide(alice, campaign.id, [("bob", "dev", "change", "read")], "least privilege")
    reviews.decide(alice, campaign.id, [("erin", "staging", "revoke", None)], "unused 90 days")
    with pytest.raises(Conflict, match="undecided"):
        reviews.complete(alice, campaign.id)
    own = [
        (r.snapshot.handle, r.snapshot.env_name, "keep", None)
        for r in campaign.rows
        if r.snapshot.handle == "alice"
    ]
    reviews.decide(dora, campaign.id, own, "owner keeps her keys")
    with pytest.raises(NotPermitted, match="only the campaign's reviewer"):
        reviews.complete(dora, campaign.id)
    staging_epoch = find_environment(alice, "staging").epoch
    clock.advance(hours=2)
    done, revoked = reviews.complete(alice, campaign.id)
    assert (done.status, done.completed_at) == ("completed", iso(clock.now()))
    assert [(r.handle, r.environments) for r in revoked] == [("erin", ("staging",))]
    grants = {(g.handle, g.env_name): g.access for g in list_grants(alice)}
    assert ("erin", "staging") not in grants
    assert grants[("bob", "dev")] == "read"
    assert find_environment(alice, "staging").epoch == staging_epoch + 1
    assert len(flags(alice)) == 1  # Groq staging: erin could have copied it
    assert reviews.due(alice) == (clock.now() + timedelta(days=91), False)
    out = tmp_path / "review.csv"
    assert review_export.export_csv(alice, campaign.id[:6], out) == len(done.rows)
    with out.open(encoding=ENCODING, newline="") as f:
        table = list(csv.DictReader(f))
    erin_row = next(r for r in table if r["account name"] == "erin")
    assert erin_row["access appropriate"] == "No"
    assert erin_row["decision"] == "revoke"
    assert erin_row["comment"] == "unused 90 days"
    assert erin_row["date deactivated"] == iso(clock.now())[:10]
    assert erin_row["last used"] == "never"
    assert erin_row["reviewer"] == "alice"
    assert verify(alice.conn).commits == ledger.count(alice.conn)


def test_grants_changed_while_the_campaign_runs_show_as_changed(team, clock: FixedClock):
    alice, dora, bob, erin = team
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    access.grant(alice, "erin", "staging", "write")
    access.revoke(alice, "bob", "prod")
    rows = rows_by(reviews.get(alice, campaign.id))
    assert rows[("erin", "staging")].state is RowState.CHANGED
    assert rows[("bob", "prod")].state is RowState.ENDED
    assert rows[("bob", "dev")].state is RowState.UNCHANGED


def test_a_review_falls_due_by_cadence_and_a_plain_member_cannot_start_one(team, clock: FixedClock):
    alice, dora, bob, erin = team
    when, overdue = reviews.due(alice)
    assert overdue  # 101 days after creation, with a quarterly staging and prod
    with pytest.raises(NotPermitted, match="admin"):
        reviews.start(bob, clock.now() + timedelta(days=30))
    with pytest.raises(InvalidInput, match="not an admin"):
        reviews.start(alice, clock.now() + timedelta(days=30), reviewer="bob")
    with pytest.raises(InvalidInput, match="in the past"):
        reviews.start(alice, clock.now() - timedelta(days=1))


def test_the_review_export_is_refused_over_an_existing_file(
    team, clock: FixedClock, tmp_path: Path
):
    alice = team[0]
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    out = tmp_path / "review.csv"
    out.write_text("keep me")
    with pytest.raises(Conflict):
        review_export.export_csv(alice, campaign.id, out)
    assert out.read_text() == "keep me"


def forged_fails(vault: Vault, events: list[dict], reason: str) -> None:
    """The app refuses to write these; forged into the ledger anyway, verify refuses them."""
    forge(vault, events, reason)
    with pytest.raises(IntegrityFailure, match=reason):
        verify(vault.conn)


def test_the_ledger_refuses_a_self_review(team, clock: FixedClock):
    alice = team[0]
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    comment, epoch = alice.seal_catalog({"comment": ""}, "review-comment", campaign.id)
    dev = find_environment(alice, "dev").id
    event = {
        "t": "review.decide",
        "review": campaign.id,
        "member": alice.member.id,
        "env": dev,
        "decision": "keep",
        "access": None,
        "comment": comment,
        "comment_epoch": epoch,
    }
    forged_fails(alice, [event], "deciding about their own access")


def test_the_ledger_refuses_a_sign_off_with_undecided_rows(team, clock: FixedClock):
    alice = team[0]
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    forged_fails(alice, [{"t": "review.complete", "review": campaign.id}], "undecided rows")


def test_the_ledger_refuses_a_snapshot_that_leaves_a_grant_out(team, clock: FixedClock):
    alice = team[0]
    sealed, epoch = alice.seal_catalog({"rows": []}, "review-snapshot", "r" * 16)
    event = {
        "t": "review.start",
        "review": "r" * 16,
        "reviewer": alice.member.id,
        "due": iso(clock.now() + timedelta(days=9)),
        "rows": [],
        "snapshot": sealed,
        "snapshot_epoch": epoch,
    }
    forged_fails(alice, [event], "exactly the current grants")


def test_a_sign_off_that_cannot_be_carried_out_writes_nothing(team, clock: FixedClock):
    alice, dora, bob, erin = team
    campaign = reviews.start(alice, clock.now() + timedelta(days=30), reviewer="dora")
    mine = [(r.snapshot.handle, r.snapshot.env_name, "keep", None) for r in campaign.rows]
    reviews.decide(alice, campaign.id, [d for d in mine if d[0] not in ("alice", "erin")], "")
    reviews.decide(dora, campaign.id, [d for d in mine if d[0] == "alice"], "")
    reviews.decide(dora, campaign.id, [("erin", "staging", "revoke", None)], "unused")
    before = ledger.head(dora.conn)
    with pytest.raises(NotPermitted, match="re-keying staging needs its key"):
        reviews.complete(dora, campaign.id)  # dora holds dev only
    assert ledger.head(dora.conn) == before
    assert reviews.get(dora, campaign.id).status == "open"
    assert ("erin", "staging") in {(g.handle, g.env_name) for g in list_grants(alice)}
