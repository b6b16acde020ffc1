"""What the Access view reads and who may do what there, without a display."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.clock import FixedClock
from app.services import access, requests, team
from app.services.team_snapshot import (
    catch_up,
    requestable,
    snapshot,
    why_not_approve_join,
    why_not_decide,
    why_not_grant,
    why_not_invite,
    why_not_refuse_join,
    why_not_remove,
    why_not_request,
    why_not_revoke,
)
from app.services.vault import Vault
from tests.conftest import PASSPHRASE
from tests.team import add_teammate, join_as


def test_a_snapshot_holds_the_team_its_grants_and_what_waits(vault: Vault, clock: FixedClock):
    bob = add_teammate(vault, "bob", "member", ("dev:read",))
    try:
        asked = requests.request_access(bob, "prod", "read", "incident 42")
    finally:
        bob.lock()
    joined = join_as(vault, "dave", "member", ("staging:write",))
    team.invite(vault, "erin", "auditor", [])
    snap = snapshot(vault)
    assert [(m.handle, m.status) for m in snap.members] == [
        ("alice", "active"),
        ("bob", "active"),
        ("dave", "pending"),
    ]
    assert [m.handle for m in snap.joins()] == ["dave"]
    assert snap.invite_of("dave").grants == (("staging", "write"),)
    assert snap.member("dave").fingerprint == joined.fingerprint
    assert [i.handle for i in snap.invites] == ["erin"]  # bob's and dave's are used
    assert [r.id for r in snap.requests] == [asked.id]
    assert snap.grant("bob", "dev").access == "read"
    assert snap.grant("bob", "prod") is None
    assert [e.name for e in snap.envs] == ["dev", "staging", "prod"]
    assert snap.admin


def test_the_rules_say_why_an_action_is_closed(vault: Vault):
    joined_admin = join_as(vault, "ann", "admin")
    team.approve(vault, "ann", joined_admin.fingerprint)
    bob = add_teammate(vault, "bob", "member", ("dev:read",))
    carol = add_teammate(vault, "carol", "auditor")
    join_as(vault, "dave", "admin")
    try:
        asked = requests.request_access(bob, "prod", "read", "incident 42")
        owner = snapshot(vault)
        assert why_not_invite(owner) is None
        assert why_not_grant(owner, "bob", "prod") is None
        assert "two-person rule" in why_not_grant(owner, "alice", "dev")
        assert "never read values" in why_not_grant(owner, "carol", "dev")
        assert why_not_revoke(owner, "bob", "dev") is None
        assert "read or write access" in why_not_revoke(owner, "bob", "prod")
        assert why_not_remove(owner, "ann") is None  # the owner removes admins
        assert "yourself" in why_not_remove(owner, "alice")
        assert why_not_approve_join(owner, "dave") is None
        assert why_not_decide(owner, asked, approving=True) is None
        assert "write access to every environment" in why_not_request(owner)

        ann = Vault.unlock(vault.published, "ann", PASSPHRASE, joined_admin.secret_key, vault.clock)
        try:
            admin = snapshot(ann)
            assert why_not_remove(admin, "alice") == "The owner cannot be removed."
            assert why_not_approve_join(admin, "dave") == "Only the owner approves admins."
            assert why_not_refuse_join(admin, "dave") == "Only the owner refuses admins."
            assert "do not hold dev's key" in why_not_grant(admin, "bob", "dev")  # ann has none
            assert "do not hold prod's key" in why_not_decide(admin, asked, approving=True)
            assert why_not_decide(admin, asked, approving=False) is None
        finally:
            ann.lock()

        member = snapshot(bob)
        assert why_not_invite(member) == "Only an owner or admin invites teammates."
        assert why_not_grant(member, "carol", "dev") == "Only an owner or admin can do that."
        assert why_not_request(member) is None
        assert [e.name for e in requestable(member)] == ["dev", "staging", "prod"]
        auditor = snapshot(carol)
        assert "never values" in why_not_request(auditor)
        own = requests.list_requests(bob)[0]
        assert "Only an owner or admin" in why_not_decide(member, own, approving=False)
    finally:
        bob.lock()
        carol.lock()


def test_a_join_from_another_laptop_arrives_with_catch_up(
    vault: Vault, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    _invite, code = team.invite(vault, "bob", "member", team.parse_grants(vault, ["dev"]))
    assert catch_up(vault) is False  # nothing new
    here = tmp_path / "data"
    monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(tmp_path / "bobs-laptop"))
    joined = team.join(vault.published, code, "bob", PASSPHRASE, kdf_seconds=0, clock=clock)
    monkeypatch.setenv("KEYLEDGER_DATA_DIR", str(here))
    assert [m.handle for m in snapshot(vault).joins()] == []  # not read yet
    assert catch_up(vault) is True
    assert [m.handle for m in snapshot(vault).joins()] == ["bob"]
    member = team.approve(vault, "bob", joined.fingerprint)
    assert member.status == "active"
    assert access.preview(vault, "bob") == []
