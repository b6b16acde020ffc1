"""An access review for the auditor: Vanta's access-file columns plus each decision, as CSV,
and the whole campaign as JSON for scripts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.core import csvsafe, reviews
from app.core.reviews import Campaign
from app.services import files
from app.services.audit import record_export
from app.services.environments import list_environments
from app.services.reviews import find
from app.services.vault import Vault

EXPORT_HEADER = (
    "account name",
    "account owner",
    "role",
    "status",
    "access appropriate",
    "date created",
    "date deactivated",
    "environment",
    "access",
    "decision",
    "new access",
    "reviewer",
    "decided by",
    "comment",
    "decided at",
    "last used",
    "justification",
)


def export_rows(vault: Vault, campaign: Campaign) -> list[tuple[csvsafe.Cell, ...]]:
    """One row per grant in the campaign, in Vanta's access-file columns plus the decision."""
    statuses = dict(vault.conn.execute("SELECT handle, status FROM members").fetchall())
    ended = _ended(vault)
    rows: list[tuple[csvsafe.Cell, ...]] = []
    for row in campaign.rows:
        s, d = row.snapshot, row.decision
        rows.append(
            (
                s.handle,
                s.handle,
                s.role,
                statuses.get(s.handle, "removed"),
                reviews.access_appropriate(d),
                _day(s.granted_at),
                _day(ended.get(s.key)),
                s.env_name,
                s.access,
                d.decision if d else "",
                (d.access or "") if d else "",
                campaign.reviewer,
                d.decided_by if d else "",
                d.comment if d else "",
                d.decided_at if d else "",
                s.last_used or "never",
                s.justification,
            )
        )
    return rows


def _day(moment: str | None) -> str:
    return moment[:10] if moment else ""


def _ended(vault: Vault) -> dict[tuple[str, str], str]:
    """(member, environment) -> when their access ended (a revocation or a removal)."""
    found: dict[tuple[str, str], str] = {}
    envs = [e.id for e in list_environments(vault)]
    for kind, member, env, header in vault.conn.execute(
        "SELECT json_extract(e.body, '$.t'), json_extract(e.body, '$.member'),"
        " json_extract(e.body, '$.env'), c.header FROM events e"
        " JOIN commits c ON c.seq = e.commit_seq"
        " WHERE json_extract(e.body, '$.t') IN ('access.revoke', 'member.remove') ORDER BY e.seq"
    ):
        ts = str(json.loads(bytes(header))["ts"])
        for scope in [env] if kind == "access.revoke" else envs:
            found[(member, scope)] = ts
    return found


def export_csv(vault: Vault, review_id: str, out: Path, *, force: bool = False) -> int:
    """The campaign as a CSV an auditor opens in a spreadsheet (whole or not at all); records
    the export. Returns the row count."""
    campaign = find(vault, review_id)
    rows = export_rows(vault, campaign)
    data = csvsafe.to_bytes(EXPORT_HEADER, rows)
    files.write_new(out, data, force=force)
    record_export(
        vault,
        "review-csv",
        review=campaign.id,
        files=[out.name],
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return len(rows)


def as_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "reviewer": campaign.reviewer,
        "started_by": campaign.started_by,
        "started_at": campaign.started_at,
        "due": campaign.due,
        "status": campaign.status,
        "completed_at": campaign.completed_at,
        "decided": campaign.decided,
        "rows": [
            {
                **asdict(r.snapshot),
                "state": r.state.value,
                "unused": r.unused,
                "decision": asdict(r.decision) if r.decision else None,
            }
            for r in campaign.rows
        ],
    }
