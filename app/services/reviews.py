"""Access reviews as the CLI and GUI run them: start, decide, sign off, export.

Starting a campaign seals a snapshot of every grant (who, where, what access, granted by and
when, the request it came from, when it was last used) in the ledger. Decisions and comments
are signed events; the sign-off by the reviewer carries out the revocations (re-keying as any
revocation does) and access changes in the same commit.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from app.core import reviews
from app.core.clock import iso, parse_iso
from app.core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from app.core.reviews import Campaign, CurrentGrant, Decision, SnapshotRow
from app.services import access as access_service
from app.services import team
from app.services.catalog import CatalogReader
from app.services.environments import list_environments
from app.services.requests import list_requests
from app.services.secrets import blob_of
from app.services.team import find_member, list_grants
from app.services.vault import Vault, new_id

MAX_COMMENT = 500
USE_ACTIONS = {"secret.reveal": "reveal", "secret.copy": "copy", "env.run": "run"}


def last_used(vault: Vault) -> dict[tuple[str, str], tuple[str, str]]:
    """(member, environment) -> (time, how) of their latest reveal, copy or run, from the
    ledger's audit events."""
    reader = CatalogReader(vault)
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for header, body, epoch in vault.conn.execute(
        "SELECT c.header, json_extract(e.body, '$.body'), json_extract(e.body, '$.epoch')"
        " FROM events e JOIN commits c ON c.seq = e.commit_seq"
        " WHERE json_extract(e.body, '$.t') = 'audit' ORDER BY e.seq"
    ):
        data = reader.open(body, int(epoch), "audit")
        how = USE_ACTIONS.get(str(data.get("action")))
        if how is None:
            continue
        head = json.loads(bytes(header))
        found[(str(head["author"]), str(data.get("env")))] = (str(head["ts"]), how)
    return found


def snapshot(vault: Vault) -> list[SnapshotRow]:
    """Every grant as it stands now, with how it came about and when it was last used."""
    roles = dict(vault.conn.execute("SELECT id, role FROM members").fetchall())
    reasons = {r.id: f"request: {r.reason}" for r in list_requests(vault)}
    used = last_used(vault)
    rows = []
    for g in list_grants(vault):
        when, how = used.get((g.member_id, g.env_id), (None, ""))
        justification = reasons.get(g.request or "", "") or f"granted by {g.granted_by}"
        rows.append(
            SnapshotRow(
                g.member_id,
                g.handle,
                roles.get(g.member_id, ""),
                g.env_id,
                g.env_name,
                g.access,
                g.until,
                g.granted_by,
                g.granted_at,
                justification,
                when,
                how,
            )
        )
    return rows


def start(vault: Vault, due: datetime, reviewer: str | None = None) -> Campaign:
    """Open a campaign over every grant; the reviewer (default: you) signs it off."""
    vault.require_admin()
    if due <= vault.clock.now():
        raise InvalidInput("the due date is in the past")
    who = find_member(vault, reviewer) if reviewer else find_member(vault, vault.member.handle)
    if who.role not in ("owner", "admin"):
        raise InvalidInput(f"{who.handle} is not an admin: a reviewer must be able to revoke")
    if vault.conn.execute("SELECT 1 FROM reviews WHERE status = 'open'").fetchone():
        raise Conflict("a review is already open: complete it first")
    rows = snapshot(vault)
    review_id = new_id()
    sealed, epoch = vault.seal_catalog(
        {"rows": [asdict(r) for r in rows]}, "review-snapshot", review_id
    )
    vault.commit(
        [
            {
                "t": "review.start",
                "review": review_id,
                "reviewer": who.id,
                "due": iso(due),
                "rows": [[r.member_id, r.env_id] for r in rows],
                "snapshot": sealed,
                "snapshot_epoch": epoch,
            }
        ]
    )
    return get(vault, review_id)


def list_campaigns(vault: Vault) -> list[Campaign]:
    """Every campaign, newest first."""
    ids = [r for (r,) in vault.conn.execute("SELECT id FROM reviews ORDER BY started_at DESC")]
    return [get(vault, i) for i in ids]


def find(vault: Vault, ident: str) -> Campaign:
    """A campaign by id or a unique prefix of it (at least 4 characters)."""
    ident = ident.strip().lower()
    if len(ident) < 4:
        raise InvalidInput("give at least 4 characters of the review id")
    ids = [r for (r,) in vault.conn.execute("SELECT id FROM reviews") if str(r).startswith(ident)]
    if not ids:
        raise NotFound(f"no access review {ident!r}")
    if len(ids) > 1:
        raise InvalidInput(f"{ident!r} matches several reviews; give more of the id")
    return get(vault, ids[0])


def get(vault: Vault, review_id: str) -> Campaign:
    row = vault.conn.execute(
        "SELECT r.reviewer, r.started_by, r.started_at, r.due, r.completed_at,"
        " json_extract(e.body, '$.snapshot'), json_extract(e.body, '$.snapshot_epoch')"
        " FROM reviews r JOIN events e ON e.seq = r.event WHERE r.id = ?",
        (review_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no access review {review_id!r}")
    reviewer, started_by, started_at, due, completed, sealed, epoch = row
    handles = dict(vault.conn.execute("SELECT id, handle FROM members").fetchall())
    data = vault.open_catalog(blob_of(sealed), int(epoch), "review-snapshot", review_id)
    rows = [SnapshotRow(**r) for r in data["rows"]]
    current = {
        (g.member_id, g.env_id): CurrentGrant(g.access, g.until, g.granted_at)
        for g in list_grants(vault)
    }
    return reviews.build(
        review_id,
        handles.get(reviewer, reviewer),
        handles.get(started_by, started_by),
        started_at,
        due,
        completed,
        rows,
        _decisions(vault, review_id, handles),
        current,
    )


def _decisions(
    vault: Vault, review_id: str, handles: dict[str, str]
) -> dict[tuple[str, str], Decision]:
    found = {}
    for member, env, decision, new_access, by, at, comment, epoch in vault.conn.execute(
        "SELECT d.member_id, d.env_id, d.decision, d.access, d.decided_by, d.decided_at,"
        " json_extract(e.body, '$.comment'), json_extract(e.body, '$.comment_epoch')"
        " FROM review_decisions d JOIN events e ON e.seq = d.event WHERE d.review_id = ?",
        (review_id,),
    ):
        text = vault.open_catalog(blob_of(comment), int(epoch), "review-comment", review_id)
        found[(member, env)] = Decision(
            decision, new_access, str(text["comment"]), handles.get(by, by), at
        )
    return found


def decide(
    vault: Vault,
    review_id: str,
    choices: list[tuple[str, str, str, str | None]],
    comment: str,
) -> Campaign:
    """Record decisions (handle, environment, keep|revoke|change, new access) with a comment,
    in one commit (the GUI's bulk actions decide many rows at once)."""
    vault.require_admin()
    campaign = find(vault, review_id)
    if campaign.status != "open":
        raise Conflict(f"review {campaign.id} is already completed")
    comment = " ".join(comment.split())
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"the comment is limited to {MAX_COMMENT} characters")
    by_name = {(r.snapshot.handle, r.snapshot.env_name): r for r in campaign.rows}
    events = []
    for handle, env_name, decision, new_access in choices:
        row = by_name.get((handle, env_name))
        if row is None:
            raise NotFound(f"the review has no row for {handle} on {env_name}")
        if row.snapshot.member_id == vault.member.id:
            raise NotPermitted("nobody reviews their own access: another admin decides that row")
        if decision not in reviews.DECISIONS:
            raise InvalidInput(f"decide one of {', '.join(reviews.DECISIONS)}")
        if (
            decision != "keep"
            and row.snapshot.role in ("owner", "admin")
            and vault.member.role != "owner"
        ):
            raise NotPermitted(f"only the owner revokes or changes an admin's access ({handle})")
        if decision == "change":
            if new_access not in ("read", "write") or new_access == row.snapshot.access:
                raise InvalidInput("a change needs the new access (read or write), not the same")
        else:
            new_access = None
        if not comment and decision != "keep":
            raise InvalidInput("say why (--comment): revocations and changes need a reason")
        sealed, epoch = vault.seal_catalog({"comment": comment}, "review-comment", campaign.id)
        events.append(
            {
                "t": "review.decide",
                "review": campaign.id,
                "member": row.snapshot.member_id,
                "env": row.snapshot.env_id,
                "decision": decision,
                "access": new_access,
                "comment": sealed,
                "comment_epoch": epoch,
            }
        )
    if not events:
        raise InvalidInput("no rows to decide")
    vault.commit(events)
    return get(vault, campaign.id)


def complete(vault: Vault, review_id: str) -> tuple[Campaign, list[access_service.Revoked]]:
    """Sign off (the reviewer only, every row decided) and carry out the decisions in the same
    commit: each revocation re-keys its environment once, each change replaces the access. It
    all happens or nothing does (a key this reviewer lacks stops it before anything is written).
    """
    vault.require_admin()
    campaign = find(vault, review_id)
    if campaign.status != "open":
        raise Conflict(f"review {campaign.id} is already completed")
    if campaign.reviewer != vault.member.handle:
        raise NotPermitted(f"only the campaign's reviewer ({campaign.reviewer}) signs it off")
    left = campaign.undecided()
    if left:
        names = ", ".join(f"{r.snapshot.handle}/{r.snapshot.env_name}" for r in left[:5])
        raise Conflict(f"{len(left)} row(s) are undecided ({names}); decide every row first")
    envs = {e.id: e for e in list_environments(vault)}
    current = {(g.member_id, g.env_id): g for g in list_grants(vault)}
    events: list[dict[str, Any]] = [{"t": "review.complete", "review": campaign.id}]
    leaving: dict[str, set[str]] = {}
    handles: dict[str, list[str]] = {}
    for row in campaign.rows:
        grant = current.get(row.snapshot.key)
        if grant is None or row.decision is None:
            continue  # ended while the campaign ran
        if row.decision.decision == "revoke":
            access_service.check_revocable(vault, find_member(vault, grant.handle))
            events.append({"t": "access.revoke", "member": grant.member_id, "env": grant.env_id})
            leaving.setdefault(grant.env_id, set()).add(grant.member_id)
            handles.setdefault(grant.handle, []).append(grant.env_id)
        elif row.decision.decision == "change" and row.decision.access != grant.access:
            until = parse_iso(grant.until) if grant.until else None
            new = row.decision.access or "read"
            events.append(team.grant_event(grant.member_id, grant.env_id, new, until, None))
            events += team.key_for(vault, grant.member_id, envs[grant.env_id])
    touched = [envs[e] for e in envs if e in leaving]
    note = f"access review {campaign.id[:8]} revoked " + ", ".join(sorted(handles))
    built = access_service.rekey(vault, leaving, touched, "revocation", note)
    vault.commit(events + built.events, built.blobs)
    done = []
    for handle, env_ids in sorted(handles.items()):
        env_names = tuple(envs[e].name for e in env_ids)
        flagged = tuple(f for f in built.flagged if f[0] in env_names)
        done.append(access_service.Revoked(handle, env_names, flagged, built.inline))
    return get(vault, campaign.id), done


def due(vault: Vault) -> tuple[datetime, bool]:
    """When the next review falls due by the environments' cadence, and whether it is overdue."""
    created = vault.conn.execute(
        "SELECT json_extract(CAST(header AS TEXT), '$.ts') FROM commits WHERE seq = 1"
    ).fetchone()[0]
    last = vault.conn.execute(
        "SELECT max(completed_at) FROM reviews WHERE status = 'completed'"
    ).fetchone()[0]
    cadence = reviews.cadence_days([e.policy.review for e in list_environments(vault)])
    when = reviews.next_review_due(created, last, cadence)
    return when, when < vault.clock.now()
