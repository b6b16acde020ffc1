"""Team access as the CLI and GUI use it: invites, joins, approval, grants, revocation, requests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.clock import FixedClock, iso
from app.core.errors import (
    AuthFailed,
    Conflict,
    IntegrityFailure,
    InvalidInput,
    NotFound,
    NotPermitted,
)
from app.core.rotation import RotationStatus
from app.services import access, requests, team
from app.services.environments import find_environment
from app.services.rotation import flags, rotation_items
from app.services.secrets import add_secret, reveal, rotate_secret
from app.services.vault import StepUpRequired, Vault
from app.services.verify import verify
from app.storage import ledger
from tests.conftest import PASSPHRASE, open_step_ups
from tests.team import add_teammate, join_as

DEV_KEY = "sk-proj-" + "d" * 40
PROD_KEY = "sk-ant-api03-" + "p" * 60


@pytest.fixture
def alice(vault: Vault) -> Vault:
    add_secret(vault, "dev", "OpenAI dev", DEV_KEY)
    add_secret(vault, "prod", "Anthropic prod", PROD_KEY)
    return vault


def head(vault: Vault) -> str:
    found = ledger.head(vault.conn)
    assert found is not None
    return found.hash


def statuses(vault: Vault) -> dict[str, str]:
    return {m.handle: m.status for m in team.list_members(vault, include_removed=True)}


# -- invite and join ------------------------------------------------------------------------
def test_an_invite_is_open_for_seven_days_then_expires(alice: Vault, clock: FixedClock):
    invite, code = team.invite(alice, "bob", "member", team.parse_grants(alice, ["dev:write"]))
    assert code.startswith("KLI-")
    assert len(team.parse_code(code)) == 16
    assert (invite.handle, invite.role, invite.grants, invite.status) == (
        "bob",
        "member",
        (("dev", "write"),),
        "open",
    )
    assert invite.expires == iso(clock.now() + timedelta(days=7))
    assert code.encode() not in alice.published.read_bytes()  # only a public key is stored
    clock.advance(days=8)
    assert [i.status for i in team.list_invites(alice)] == ["expired"]
    with pytest.raises(NotPermitted, match="expired"):
        team.join(alice.published, code, "bob", PASSPHRASE, kdf_seconds=0, clock=clock)


def test_a_join_waits_for_approval_with_a_fingerprint(alice: Vault, clock: FixedClock):
    joined = join_as(alice, "bob", "member", ("dev:read",))
    assert statuses(alice) == {"alice": "active", "bob": "pending"}
    pending = team.find_member(alice, "bob", statuses=("pending",))
    assert pending.fingerprint == joined.fingerprint
    assert len(joined.fingerprint.replace(" ", "")) == 20
    with pytest.raises(NotPermitted, match="waits for an admin"):
        Vault.unlock(alice.published, "bob", PASSPHRASE, joined.secret_key, clock)
    before = head(alice)
    with pytest.raises(AuthFailed, match="fingerprint does not match"):
        team.approve(alice, "bob", "0000 0000 0000 0000 0000")
    assert head(alice) == before
    team.approve(alice, "bob", joined.fingerprint.upper().replace(" ", ""))
    bob = Vault.unlock(alice.published, "bob", PASSPHRASE, joined.secret_key, clock)
    try:
        assert reveal(bob, "dev", "OpenAI dev", channel=None) == DEV_KEY
        with pytest.raises(NotPermitted, match="no access to prod"):
            reveal(bob, "prod", "Anthropic prod", channel=None)
        with pytest.raises(NotPermitted, match="read access to dev, not write"):
            add_secret(bob, "dev", "Mine", "value-" + "x" * 20)
    finally:
        bob.lock()
    assert [i.status for i in team.list_invites(alice)] == ["approved"]
    assert verify(alice.conn).commits == head_seq(alice)


def head_seq(vault: Vault) -> int:
    found = ledger.head(vault.conn)
    assert found is not None
    return found.seq


def test_an_invite_code_works_once_and_only_for_its_name(alice: Vault, clock: FixedClock):
    _, code = team.invite(alice, "bob", "member", [])
    with pytest.raises(InvalidInput, match="for 'bob', not 'eve'"):
        team.join(alice.published, code, "eve", PASSPHRASE, kdf_seconds=0, clock=clock)
    with pytest.raises(InvalidInput, match="looks like KLI-"):
        team.join(alice.published, "KLI-1234", "bob", PASSPHRASE, kdf_seconds=0, clock=clock)
    other = team.format_code(bytes(16))
    with pytest.raises(AuthFailed, match="not one of Acme AI's invites"):
        team.join(alice.published, other, "bob", PASSPHRASE, kdf_seconds=0, clock=clock)
    team.join(alice.published, code, None, PASSPHRASE, kdf_seconds=0, clock=clock)
    with pytest.raises(NotPermitted, match="already used"):
        team.join(alice.published, code, "bob", PASSPHRASE, kdf_seconds=0, clock=clock)


def test_invites_refuse_taken_names_and_roles_beyond_the_inviter(alice: Vault):
    bob = add_teammate(alice, "bob", "admin")
    try:
        with pytest.raises(Conflict, match="already a member"):
            team.invite(alice, "bob", "member", [])
        team.invite(alice, "carol", "member", [])
        with pytest.raises(Conflict, match="open invite"):
            team.invite(alice, "carol", "member", [])
        with pytest.raises(NotPermitted, match="only the owner can invite admins"):
            team.invite(bob, "dave", "admin", [])
        with pytest.raises(InvalidInput, match="auditors are not granted"):
            team.invite(bob, "dave", "auditor", team.parse_grants(bob, ["dev"]))
        with pytest.raises(InvalidInput, match="role must be one of"):
            team.invite(bob, "dave", "owner", [])
        with pytest.raises(InvalidInput, match="access is read or write"):
            team.parse_grants(bob, ["dev:admin"])
        cancelled = team.cancel_invite(bob, "carol")
        assert cancelled.handle == "carol"
        assert [i.status for i in team.list_invites(alice) if i.handle == "carol"] == ["cancelled"]
    finally:
        bob.lock()


# -- grants ---------------------------------------------------------------------------------
def test_a_grant_hands_over_the_key_and_a_step_up_environment_needs_step_up(
    alice: Vault, clock: FixedClock
):
    bob = add_teammate(alice, "bob", "member", ("dev:read",))
    try:
        alice.close_step_up(find_environment(alice, "prod").id)
        with pytest.raises(StepUpRequired):
            access.grant(alice, "bob", "prod", "read")
        open_step_ups(alice)
        until = clock.now() + timedelta(days=3)
        granted = access.grant(alice, "bob", "prod", "read", until)
        assert (granted.access, granted.until, granted.granted_by) == ("read", iso(until), "alice")
        with pytest.raises(NotPermitted, match="themselves"):
            access.grant(alice, "alice", "dev", "write")
        with pytest.raises(NotPermitted, match="admin"):
            access.grant(bob, "alice", "dev", "read")
        with pytest.raises(InvalidInput, match="in the past"):
            access.grant(alice, "bob", "dev", "write", clock.now() - timedelta(days=1))
    finally:
        bob.lock()


def test_a_revocation_rekeys_flags_and_keeps_history_for_the_others(
    alice: Vault, clock: FixedClock
):
    rotate_secret(alice, "dev", "OpenAI dev", "sk-proj-" + "e" * 40, "scheduled")
    bob = add_teammate(alice, "bob", "member", ("dev:read",))
    carol = add_teammate(alice, "carol", "member", ("dev:write",))
    try:
        epoch = find_environment(alice, "dev").epoch
        done = access.revoke(alice, "bob", "dev")
        assert done.environments == ("dev",)
        assert done.flagged == (("dev", "OpenAI dev"),)
        assert done.kept_inline == 0
        assert find_environment(alice, "dev").epoch == epoch + 1
        by_name = {i.secret.name: i for i in rotation_items(alice, clock.now())}
        assert by_name["OpenAI dev"].status is RotationStatus.REQUIRED
        assert by_name["OpenAI dev"].flag is not None
        assert by_name["OpenAI dev"].flag.reason == "revocation"
        # carol (still granted) reads the current value and the old version
        assert reveal(carol, "dev", "OpenAI dev", channel=None) == "sk-proj-" + "e" * 40
        assert reveal(carol, "dev", "OpenAI dev", channel=None, version=1) == DEV_KEY
        assert not find_environment(bob, "dev").readable
        with pytest.raises(NotPermitted):
            reveal(bob, "dev", "OpenAI dev", channel=None)
        with pytest.raises(NotFound, match="no grant"):
            access.revoke(alice, "bob", "dev")
    finally:
        bob.lock()
        carol.lock()
    assert verify(alice.conn).commits == head_seq(alice)


def test_removing_a_member_rekeys_the_vault_and_what_they_could_read(
    alice: Vault, clock: FixedClock
):
    bob = add_teammate(alice, "bob", "member", ("dev:write", "staging:read"))
    carol = add_teammate(alice, "carol", "auditor")
    bob.lock()
    try:
        assert access.preview(alice, "bob") == [("dev", "OpenAI dev")]
        vault_epoch = alice.vault_epoch()
        done = access.remove_member(alice, "bob")
        assert set(done.environments) == {"dev", "staging"}
        assert done.flagged == (("dev", "OpenAI dev"),)
        assert alice.vault_epoch() == vault_epoch + 1
        assert statuses(alice)["bob"] == "removed"
        assert [f.reason for f in flags(alice).values()] == ["offboarding"]
        # the auditor keeps the catalog, old and new, through the chained vault key
        assert [m.handle for m in team.list_members(carol)] == ["alice", "carol"]
        assert [f.reason for f in flags(carol).values()] == ["offboarding"]
        with pytest.raises(NotPermitted, match="removed"):
            Vault.unlock(alice.published, "bob", PASSPHRASE, None, clock)
        with pytest.raises(NotPermitted, match="cannot remove yourself"):
            access.remove_member(alice, "alice")
    finally:
        carol.lock()
    assert verify(alice.conn).commits == head_seq(alice)


def test_only_the_owner_removes_admins_and_nobody_removes_the_owner(alice: Vault):
    dora = add_teammate(alice, "dora", "admin")
    erin = add_teammate(alice, "erin", "admin")
    try:
        with pytest.raises(NotPermitted, match="owner cannot be removed"):
            access.remove_member(dora, "alice")
        with pytest.raises(NotPermitted, match="only the owner can remove admins"):
            access.remove_member(dora, "erin")
    finally:
        dora.lock()
        erin.lock()


def test_a_pending_join_can_be_refused_without_rekeying(alice: Vault):
    join_as(alice, "bob", "member", ("dev:read",))
    epoch = find_environment(alice, "dev").epoch
    done = access.remove_member(alice, "bob")
    assert (done.environments, done.flagged) == ((), ())
    assert find_environment(alice, "dev").epoch == epoch
    assert [i.status for i in team.list_invites(alice)] == ["refused"]


def test_a_grant_past_its_end_date_is_revoked_at_the_next_admin_unlock(
    alice: Vault, clock: FixedClock
):
    bob = add_teammate(alice, "bob", "member")
    try:
        access.grant(alice, "bob", "dev", "write", clock.now() + timedelta(days=2))
        assert access.expire_grants(alice) == []
        clock.advance(days=3)
        with pytest.raises(NotPermitted, match="ended on"):
            add_secret(bob, "dev", "Late", "value-" + "l" * 20)
        done = access.expire_grants(alice)
        assert [(r.handle, r.environments) for r in done] == [("bob", ("dev",))]
        assert [g.handle for g in team.list_grants(alice) if g.env_name == "dev"] == ["alice"]
        assert access.expire_grants(bob) == []  # a plain member's unlock changes nothing
    finally:
        bob.lock()


# -- access requests ------------------------------------------------------------------------
def test_a_request_is_decided_by_another_admin_only(alice: Vault, clock: FixedClock):
    bob = add_teammate(alice, "bob", "admin", ("dev:read",))
    try:
        asked = requests.request_access(bob, "prod", "read", "  incident\n42 ")
        assert (asked.handle, asked.env_name, asked.reason, asked.status) == (
            "bob",
            "prod",
            "incident 42",
            "open",
        )
        with pytest.raises(Conflict, match="already asked"):
            requests.request_access(bob, "prod", "read", "again")
        with pytest.raises(NotPermitted, match="your own request"):
            requests.approve_request(bob, asked.id)
        with pytest.raises(InvalidInput, match="at least 4"):
            requests.approve_request(alice, asked.id[:3])
        granted = requests.approve_request(alice, asked.id[:6])
        assert (granted.handle, granted.env_name, granted.request) == ("bob", "prod", asked.id)
        assert requests.find_request(alice, asked.id).status == "approved"
        with pytest.raises(Conflict, match="already approved"):
            requests.deny_request(alice, asked.id, "too late")
        second = requests.request_access(bob, "staging", "write", "deploy")
        with pytest.raises(InvalidInput, match="say why"):
            requests.deny_request(alice, second.id, "   ")
        denied = requests.deny_request(alice, second.id, "use dev")
        assert (denied.status, denied.decided_by, denied.decision_reason) == (
            "denied",
            "alice",
            "use dev",
        )
        assert [r.id for r in requests.list_requests(bob, "open")] == []
    finally:
        bob.lock()
    assert verify(alice.conn).commits == head_seq(alice)


def test_auditors_cannot_request_environments(alice: Vault):
    carol = add_teammate(alice, "carol", "auditor")
    try:
        with pytest.raises(NotPermitted, match="auditors"):
            requests.request_access(carol, "dev", "read", "curious")
    finally:
        carol.lock()


def test_a_change_the_ledger_would_refuse_is_never_written(alice: Vault):
    """Every commit is held to the rules before it is written, so a service mistake can never
    publish a file that teammates' laptops refuse."""
    before = alice.published.read_bytes()
    dev = find_environment(alice, "dev").id
    with pytest.raises(IntegrityFailure, match="breaks a ledger rule .*own grant.*nothing"):
        alice.commit([{"t": "access.revoke", "member": alice.member.id, "env": dev}])
    assert alice.published.read_bytes() == before
    assert verify(alice.conn).commits == head_seq(alice)
