"""What the Access view shows and who may do what there, without any Qt.

One `snapshot` reads the team, its grants, invites and open requests together; the `why_not_*`
functions answer, for the member at the keyboard, why an action is not open to them (None when
it is), with the same rules the services enforce, so a disabled button can say why instead of
failing after a click. `catch_up` brings the working copy level with the shared file, where a
teammate's join from their own laptop arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.model import Environment, Member
from app.services.environments import list_environments
from app.services.requests import AccessRequest, list_requests
from app.services.team import Grant, Invite, TeamMember, list_grants, list_invites, list_members
from app.services.vault import Vault

ADMINS = ("owner", "admin")


@dataclass(frozen=True)
class TeamSnapshot:
    me: Member
    now: datetime
    envs: tuple[Environment, ...]
    members: tuple[TeamMember, ...]  # active and pending, in the order they were added
    grants: tuple[Grant, ...]
    invites: tuple[Invite, ...]  # open or expired (not yet cancelled), newest first
    requests: tuple[AccessRequest, ...]  # open, newest first
    invites_all: tuple[Invite, ...]  # every invite, joined and cancelled ones too

    @property
    def admin(self) -> bool:
        return self.me.role in ADMINS

    def member(self, handle: str) -> TeamMember | None:
        return next((m for m in self.members if m.handle == handle), None)

    def env(self, name: str) -> Environment | None:
        return next((e for e in self.envs if e.name == name), None)

    def grant(self, handle: str, env_name: str) -> Grant | None:
        return next((g for g in self.grants if g.handle == handle and g.env_name == env_name), None)

    def grants_of(self, handle: str) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.handle == handle)

    def joins(self) -> tuple[TeamMember, ...]:
        return tuple(m for m in self.members if m.status == "pending")

    def invite_of(self, handle: str) -> Invite | None:
        """The invite a pending member joined with."""
        return next(
            (i for i in self.invites_all if i.handle == handle and i.status == "joined"), None
        )


def snapshot(vault: Vault) -> TeamSnapshot:
    """Everything the Access view shows; a team of 50 reads in milliseconds."""
    now = vault.clock.now()
    invites = tuple(list_invites(vault, now))
    return TeamSnapshot(
        me=vault.member,
        now=now,
        envs=tuple(list_environments(vault)),
        members=tuple(list_members(vault)),
        grants=tuple(list_grants(vault)),
        invites=tuple(i for i in invites if i.status in ("open", "expired")),
        requests=tuple(list_requests(vault, "open")),
        invites_all=invites,
    )


def catch_up(vault: Vault) -> bool:
    """Read what teammates published to the shared file since (a join, a request); True when
    the working copy changed. Raises IntegrityFailure when the two histories diverged."""
    return vault.refresh()


# -- who may do what ---------------------------------------------------------------------------
_NOT_ADMIN = "Only an owner or admin can do that."


def why_not_invite(team: TeamSnapshot) -> str | None:
    return None if team.admin else "Only an owner or admin invites teammates."


def why_not_grant(team: TeamSnapshot, handle: str, env_name: str) -> str | None:
    member, env = team.member(handle), team.env(env_name)
    if not team.admin:
        return _NOT_ADMIN
    if member is None or env is None or member.status != "active":
        return "Select an active member's cell in the matrix."
    if member.id == team.me.id:
        return "Nobody grants themselves access: another admin must (two-person rule)."
    if member.role == "auditor":
        return "Auditors are not granted environments: they never read values."
    if not env.readable:
        return f"You do not hold {env.name}'s key: an admin with {env.name} access must grant it."
    return None


def why_not_revoke(team: TeamSnapshot, handle: str, env_name: str) -> str | None:
    member, env = team.member(handle), team.env(env_name)
    if not team.admin:
        return _NOT_ADMIN
    if member is None or env is None or team.grant(handle, env_name) is None:
        return "Select a cell that shows read or write access."
    if member.id == team.me.id:
        return "Another admin must revoke your own access."
    if not env.readable:
        return f"Re-keying {env.name} needs its key, which you do not hold."
    return None


def why_not_remove(team: TeamSnapshot, handle: str) -> str | None:
    member = team.member(handle)
    if not team.admin:
        return _NOT_ADMIN
    if member is None:
        return "Select a member first."
    if member.id == team.me.id:
        return "You cannot remove yourself: another admin must."
    if member.role == "owner":
        return "The owner cannot be removed."
    if member.role == "admin" and team.me.role != "owner":
        return "Only the owner removes admins."
    for found in team.grants_of(handle):
        env = team.env(found.env_name)
        if env is not None and not env.readable:
            return f"Re-keying {env.name} needs its key, which you do not hold."
    return None


def why_not_approve_join(team: TeamSnapshot, handle: str) -> str | None:
    member = team.member(handle)
    if not team.admin:
        return _NOT_ADMIN
    if member is None or member.status != "pending":
        return "Select a join that waits for approval."
    if member.role == "admin" and team.me.role != "owner":
        return "Only the owner approves admins."
    invite = team.invite_of(handle)
    for env_name, _access in invite.grants if invite else ():
        env = team.env(env_name)
        if env is not None and not env.readable:
            return f"The invite grants {env.name}, whose key you do not hold."
    return None


def why_not_refuse_join(team: TeamSnapshot, handle: str) -> str | None:
    member = team.member(handle)
    if not team.admin:
        return _NOT_ADMIN
    if member is None or member.status != "pending":
        return "Select a join that waits for approval."
    if member.role == "admin" and team.me.role != "owner":
        return "Only the owner refuses admins."
    return None


def why_not_decide(team: TeamSnapshot, request: AccessRequest, approving: bool) -> str | None:
    if not team.admin:
        return _NOT_ADMIN
    if request.handle == team.me.handle:
        return "You cannot decide your own request: another admin must (two-person rule)."
    env = team.env(request.env_name)
    if approving and env is not None and not env.readable:
        return f"You do not hold {env.name}'s key: an admin with {env.name} access must approve."
    return None


def requestable(team: TeamSnapshot) -> tuple[Environment, ...]:
    """The environments the member at the keyboard can still ask for (not write already)."""
    mine = {g.env_name: g.access for g in team.grants_of(team.me.handle)}
    return tuple(e for e in team.envs if mine.get(e.name) != "write")


def why_not_request(team: TeamSnapshot) -> str | None:
    if team.me.role == "auditor":
        return "Auditors read the catalog and history, never values: they do not request access."
    if not requestable(team):
        return "You already have write access to every environment."
    return None
