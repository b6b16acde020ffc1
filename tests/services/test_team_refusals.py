"""What the team services refuse, and that a refusal writes nothing.

Self-approval of an access request, a plain member inviting, an admin inviting, approving or
removing an admin, removing the owner, granting an auditor an environment. And two things an
admin must not be able to do to the ledger or to the owner, whatever the service is asked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from app.core.errors import InvalidInput, KeyLedgerError, NotPermitted
from app.services import access, requests, team
from app.services.environments import list_environments
from app.services.vault import Vault
from app.services.verify import verify
from app.storage import ledger
from tests.conftest import open_step_ups
from tests.team import add_teammate, join_as


def head(vault: Vault) -> str:
    found = ledger.head(vault.conn)
    assert found is not None
    return found.hash


def published_verifies(vault: Vault) -> int:
    conn = sqlite3.connect(vault.published, isolation_level=None)
    try:
        return verify(conn).commits
    finally:
        conn.close()


@pytest.fixture
def dora(vault: Vault) -> Iterator[Vault]:
    """An admin with write access to dev."""
    admin = add_teammate(vault, "dora", "admin", ("dev:write",))
    open_step_ups(admin)
    yield admin
    admin.lock()


@pytest.fixture
def bob(vault: Vault) -> Iterator[Vault]:
    """A plain member with read access to dev."""
    member = add_teammate(vault, "bob", "member", ("dev:read",))
    yield member
    member.lock()


def test_nobody_approves_their_own_access_request(vault: Vault, dora: Vault):
    asked = requests.request_access(dora, "prod", "read", "incident 42")
    before = head(vault)
    with pytest.raises(NotPermitted, match="your own request"):
        requests.approve_request(dora, asked.id)
    with pytest.raises(NotPermitted, match="your own request"):
        requests.deny_request(dora, asked.id, "never mind")
    assert head(vault) == before
    assert requests.find_request(vault, asked.id).status == "open"
    requests.approve_request(vault, asked.id)  # another admin may
    assert requests.find_request(vault, asked.id).status == "approved"


def test_a_plain_member_cannot_invite_grant_revoke_or_remove(vault: Vault, bob: Vault):
    before = head(vault)
    with pytest.raises(NotPermitted, match="owner or admin"):
        team.invite(bob, "mallory", "member", [])
    with pytest.raises(NotPermitted, match="owner or admin"):
        access.grant(bob, "alice", "dev", "read")
    with pytest.raises(NotPermitted, match="owner or admin"):
        access.revoke(bob, "alice", "dev")
    with pytest.raises(NotPermitted, match="owner or admin"):
        access.remove_member(bob, "alice")
    assert head(vault) == before
    assert [i.handle for i in team.list_invites(vault)] == ["bob"]


def test_an_admin_cannot_invite_approve_or_remove_admins_and_the_owner_can(
    vault: Vault, dora: Vault
):
    before = head(vault)
    with pytest.raises(NotPermitted, match="only the owner can invite admins"):
        team.invite(dora, "erin", "admin", [])
    assert head(vault) == before
    frank = join_as(vault, "frank", "admin")
    before = head(vault)
    with pytest.raises(NotPermitted, match="only the owner can approve admins"):
        team.approve(dora, "frank", frank.fingerprint)
    with pytest.raises(NotPermitted, match="only the owner can remove admins"):
        access.remove_member(dora, "frank")  # refusing a pending admin is the owner's too
    assert head(vault) == before
    assert team.approve(vault, "frank", frank.fingerprint).status == "active"
    before = head(vault)
    with pytest.raises(NotPermitted, match="only the owner can remove admins"):
        access.remove_member(dora, "frank")
    assert head(vault) == before
    access.remove_member(vault, "frank")
    assert {m.handle for m in team.list_members(vault)} == {"alice", "dora"}


def test_the_owner_cannot_be_removed(vault: Vault, dora: Vault):
    before = head(vault)
    with pytest.raises(NotPermitted, match="the owner cannot be removed"):
        access.remove_member(dora, "alice")
    with pytest.raises(NotPermitted, match="cannot remove yourself"):
        access.remove_member(vault, "alice")
    assert head(vault) == before
    assert team.find_member(vault, "alice").status == "active"


def test_an_auditor_is_never_granted_an_environment(vault: Vault):
    carol = add_teammate(vault, "carol", "auditor")
    try:
        before = head(vault)
        with pytest.raises(InvalidInput, match="auditors are not granted"):
            access.grant(vault, "carol", "dev", "read")
        with pytest.raises(NotPermitted, match="auditors"):
            requests.request_access(carol, "dev", "read", "curious")
        assert head(vault) == before
        assert [g.handle for g in team.list_grants(vault) if g.handle == "carol"] == []
        assert not any(e.readable for e in list_environments(carol))
    finally:
        carol.lock()


# -- what an admin's own actions must not do --------------------------------------------------
def test_revoking_ones_own_grant_never_leaves_a_file_that_fails_verify(vault: Vault, dora: Vault):
    """Either the service refuses before writing, or what it writes is a valid commit.

    (Found writing [access.revoke of its own author, key.rotate, ...]: the revoke takes the
    scope out of the author's keys before the key.rotate that needs them, so `verify` and every
    other laptop's catch-up refused the shared file from then on.)
    """
    for admin, handle in ((dora, "dora"), (vault, "alice")):
        before = head(vault)
        try:
            access.revoke(admin, handle, "dev")
        except KeyLedgerError:
            assert head(vault) == before, "refused, but a commit was written"
        published_verifies(vault)


def test_an_admin_cannot_make_themselves_unremovable_by_the_owner(vault: Vault, dora: Vault):
    """Only the owner removes admins; an admin who takes the owner's dev key away (the service
    lets an admin revoke the owner's grants) must not be able to stop that."""
    try:
        access.revoke(dora, "alice", "dev")
    except NotPermitted:
        return  # refusing the revocation keeps the owner in charge too
    access.remove_member(vault, "dora")
    assert {m.handle: m.status for m in team.list_members(vault, include_removed=True)} == {
        "alice": "active",
        "dora": "removed",
    }
    assert published_verifies(vault)
