"""What the Reviews view may offer whom, and what a sign-off will carry out.

The same rules `services.reviews` enforces, asked before acting, so a button is enabled only
when its action can succeed and a disabled one can say why. `plan` lists what `complete` will do
(the revocations with the keys they flag, the access changes, the rows it skips) and anything
that would stop it half way, for the confirmation the reviewer reads before signing off.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.model import Member
from app.core.reviews import Campaign, Row
from app.services import access
from app.services.environments import list_environments
from app.services.team import list_grants
from app.services.vault import Vault

ADMINS = ("owner", "admin")


def why_not_start(me: Member, campaigns: list[Campaign]) -> str | None:
    if me.role not in ADMINS:
        return "Only an owner or admin starts an access review."
    if any(c.status == "open" for c in campaigns):
        return "A review is already open: sign it off before starting the next."
    return None


def why_not_decide(me: Member, campaign: Campaign, row: Row) -> str | None:
    """Why `me` may not decide this row (None: they may)."""
    if campaign.status != "open":
        return "This review is signed off: its decisions are final."
    if me.role not in ADMINS:
        return "Only an owner or admin decides; you can read the review."
    if row.snapshot.member_id == me.id:
        return "This row is about your own access: another admin decides it."
    return None


def why_not_sign_off(me: Member, campaign: Campaign) -> str | None:
    if campaign.status != "open":
        return "This review is already signed off."
    if me.handle != campaign.reviewer or me.role not in ADMINS:
        return f"Only the review's reviewer, {campaign.reviewer}, signs it off."
    left = len(campaign.undecided())
    if left:
        rows = "1 row is" if left == 1 else f"{left} rows are"
        return f"{rows} still undecided: every row needs a decision before sign-off."
    return None


@dataclass(frozen=True)
class PlannedRevocation:
    handle: str
    env_name: str
    flagged: tuple[tuple[str, str], ...]  # (environment, secret name) flagged rotation required


@dataclass(frozen=True)
class PlannedChange:
    handle: str
    env_name: str
    old_access: str
    new_access: str


@dataclass(frozen=True)
class SignOffPlan:
    """What signing off carries out, as the grants stand now."""

    revocations: tuple[PlannedRevocation, ...]
    changes: tuple[PlannedChange, ...]
    kept: int
    skipped: tuple[tuple[str, str], ...]  # (handle, environment): ended or already as decided
    problem: str | None  # why the sign-off could not carry everything out

    @property
    def flagged(self) -> tuple[tuple[str, str], ...]:
        """Every key the revocations flag, once each, in environment then name order."""
        found = {pair for r in self.revocations for pair in r.flagged}
        return tuple(sorted(found))


def plan(vault: Vault, campaign: Campaign) -> SignOffPlan:
    """What `reviews.complete` would do now (it skips grants that ended, and changes the
    grant already has)."""
    current = {(g.member_id, g.env_id): g for g in list_grants(vault)}
    readable = {e.name: e.readable for e in list_environments(vault)}
    revocations: list[PlannedRevocation] = []
    changes: list[PlannedChange] = []
    skipped: list[tuple[str, str]] = []
    kept = 0
    problem = None
    for row in campaign.rows:
        s, decision = row.snapshot, row.decision
        grant = current.get(s.key)
        if decision is None:
            continue
        if decision.decision == "keep":
            kept += 1
        elif grant is None:
            skipped.append((s.handle, s.env_name))
        elif decision.decision == "revoke":
            flagged = tuple(access.preview(vault, grant.handle, grant.env_name))
            revocations.append(PlannedRevocation(grant.handle, grant.env_name, flagged))
            if not readable.get(grant.env_name, False) and problem is None:
                problem = (
                    f"Revoking {grant.handle} on {grant.env_name} re-keys {grant.env_name}, whose"
                    f" key you do not hold: an admin with {grant.env_name} access must grant you"
                    " access to it before you sign off."
                )
        elif decision.access and decision.access != grant.access:
            changes.append(
                PlannedChange(grant.handle, grant.env_name, grant.access, decision.access)
            )
        else:
            skipped.append((s.handle, s.env_name))
    return SignOffPlan(tuple(revocations), tuple(changes), kept, tuple(skipped), problem)
