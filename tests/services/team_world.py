"""A team's first two weeks, for the audit, evidence and overview tests: invites, a refused
join, grants (one time-bound), requests approved and denied, a revocation, an expiry revoked
at the next admin unlock, and a removal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.core.clock import FixedClock
from app.services import access, requests, team
from app.services.secrets import add_secret
from app.services.vault import Vault
from tests.conftest import PASSPHRASE, open_step_ups

DEV_KEY = "sk-proj-" + "d" * 40
STAGING_KEY = "sk-proj-" + "s" * 40
PROD_KEY = "sk-ant-api03-" + "p" * 60


@dataclass
class TeamWorld:
    codes: list[str]  # invite codes: never in an event or a file of the pack
    values: list[str]
    granted_prod: str  # when bob's time-bound prod grant was made
    prod_until: str  # and when it ended
    staging_request: str  # bob's request, approved by alice
    prod_request: str  # carol's request, denied by alice


def build(alice: Vault, clock: FixedClock) -> TeamWorld:
    """alice (owner) runs it all; bob and carol are members, dave an auditor, erin's invite is
    cancelled, frank's join refused. Ends with bob removed and carol's dev access revoked."""
    add_secret(alice, "dev", "OpenAI dev", DEV_KEY)
    add_secret(alice, "staging", "OpenAI staging", STAGING_KEY)
    add_secret(alice, "prod", "Anthropic prod", PROD_KEY)
    codes: list[str] = []
    bob = _teammate(alice, "bob", "member", ["dev:read"], codes)
    carol = _teammate(alice, "carol", "member", ["dev:write"], codes)
    _teammate(alice, "dave", "auditor", [], codes).lock()
    _, code = team.invite(alice, "erin", "member", team.parse_grants(alice, ["dev:read"]))
    codes.append(code)
    team.cancel_invite(alice, "erin")
    _, code = team.invite(alice, "frank", "member", [])
    codes.append(code)
    team.join(alice.published, code, "frank", PASSPHRASE, kdf_seconds=0, clock=clock)
    clock.advance(days=1)
    access.remove_member(alice, "frank")  # a join refused before approval
    open_step_ups(alice)  # handing out prod's key needs the granter's step-up
    granted_prod = clock.now()
    access.grant(alice, "bob", "prod", "read", until=clock.now() + timedelta(days=5))
    staging = requests.request_access(bob, "staging", "write", "incident 42: hotfix")
    requests.approve_request(alice, staging.id)
    prod = requests.request_access(carol, "prod", "read", "curious about prod")
    requests.deny_request(alice, prod.id, "not needed for your work")
    bob.lock()
    carol.lock()
    clock.advance(days=1)
    access.revoke(alice, "carol", "dev")
    clock.advance(days=5)
    expired = access.expire_grants(alice)  # what an admin's unlock runs
    assert [r.environments for r in expired] == [("prod",)]
    clock.advance(days=1)
    access.remove_member(alice, "bob")
    return TeamWorld(
        codes,
        [DEV_KEY, STAGING_KEY, PROD_KEY],
        granted_prod.isoformat(),
        (granted_prod + timedelta(days=5)).isoformat(),
        staging.id,
        prod.id,
    )


def _teammate(alice: Vault, handle: str, role: str, grants: list[str], codes: list[str]) -> Vault:
    """Invite, join, approve (as tests/team.add_teammate), keeping the invite code."""
    _, code = team.invite(alice, handle, role, team.parse_grants(alice, grants))
    codes.append(code)
    joined = team.join(alice.published, code, handle, PASSPHRASE, kdf_seconds=0, clock=alice.clock)
    team.approve(alice, handle, joined.fingerprint)
    return Vault.unlock(alice.published, handle, PASSPHRASE, joined.secret_key, alice.clock)


def reviewed(alice: Vault, clock: FixedClock) -> str:
    """A quarter's access review: dora (an admin) decides alice's rows, alice the others and
    signs off; bob's dev access is revoked by it. Returns the review id."""
    from app.services import reviews

    dora = _teammate(alice, "dora", "admin", ["dev:read"], [])
    bob = _teammate(alice, "bob", "member", ["dev:write"], [])
    bob.lock()
    campaign = reviews.start(alice, clock.now() + timedelta(days=30))
    clock.advance(days=1)
    try:
        mine = [("alice", env, "keep", None) for env in ("dev", "staging", "prod")]
        reviews.decide(dora, campaign.id, mine, "owner keeps every environment")
    finally:
        dora.lock()
    reviews.decide(alice, campaign.id, [("dora", "dev", "keep", None)], "")
    reviews.decide(alice, campaign.id, [("bob", "dev", "revoke", None)], "left the project")
    clock.advance(days=1)
    reviews.complete(alice, campaign.id)
    return campaign.id
