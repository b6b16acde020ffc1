"""The pack's access reviews: every row of every campaign open at some time in the period, in
the columns of `review export` (Vanta's access-file columns plus the decision, the reviewer,
the comment, the last use and the justification), each prefixed with its campaign."""

from __future__ import annotations

from datetime import date

from app.services.evidence_tables import Rows, Table, utc
from app.services.review_export import EXPORT_HEADER, export_rows
from app.services.reviews import list_campaigns
from app.services.vault import Vault

REVIEW_HEADER = ("review", "review started", "review due", "review completed", *EXPORT_HEADER)


def access_reviews(vault: Vault, start: date, end: date) -> Table:
    """Campaigns started by the period's end and not completed before its start, oldest
    first, each row as its CSV export writes it."""
    first, last = start.isoformat(), end.isoformat()
    campaigns = [
        c
        for c in reversed(list_campaigns(vault))
        if c.started_at[:10] <= last and (c.completed_at is None or c.completed_at[:10] >= first)
    ]

    def rows() -> Rows:
        for c in campaigns:
            done = utc(c.completed_at) if c.completed_at else None
            for row in export_rows(vault, c):
                yield (c.id, utc(c.started_at), utc(c.due), done, *row)

    return REVIEW_HEADER, rows()
