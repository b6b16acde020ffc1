"""The Reviews view's two models over the synthetic team: what each cell says, the amber tint
on grants unused for 90 days, the changed marker, rows about the viewer's own access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from app.core.model import Member
from app.ui.models.campaigns_model import CampaignColumn, CampaignRole, CampaignsModel
from app.ui.models.review_rows_model import (
    UNUSED_BACKGROUND,
    ReviewColumn,
    ReviewRole,
    ReviewRowsModel,
)
from app.ui.models.secrets_model import OVERDUE_COLOUR
from app.ui.review_sample import ME, review_sample

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BG = Qt.ItemDataRole.BackgroundRole
TIP = Qt.ItemDataRole.ToolTipRole


def cell(model, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    return model.index(row, column).data(role)


def test_campaigns_show_status_due_and_progress(qtmodeltester) -> None:
    model = CampaignsModel()
    model.set_campaigns(review_sample(NOW), NOW, UTC)
    qtmodeltester.check(model)
    assert [cell(model, 0, c) for c in CampaignColumn] == [
        "2026-11-28", "Open", "alice", "2026-12-14", "6 of 11 decided",
    ]  # fmt: skip
    assert cell(model, 1, CampaignColumn.STATUS) == "Signed off 2026-09-03"
    assert cell(model, 0, CampaignColumn.PROGRESS, CampaignRole.PROGRESS) == (6, 11)
    assert cell(model, 0, CampaignColumn.DUE, Qt.ItemDataRole.ForegroundRole) is None
    later = NOW + timedelta(days=20)  # past the open review's due date
    model.set_campaigns(review_sample(NOW), later, UTC)
    assert cell(model, 0, CampaignColumn.STATUS) == "Open · overdue"
    assert cell(model, 0, CampaignColumn.DUE, Qt.ItemDataRole.ForegroundRole) == OVERDUE_COLOUR
    assert cell(model, 1, CampaignColumn.STATUS, CampaignRole.OVERDUE) is False  # signed off
    assert model.row_of(review_sample(NOW)[1].id) == 1
    assert model.row_of("nope") == -1


def rows_model(me: Member = ME) -> ReviewRowsModel:
    model = ReviewRowsModel()
    model.set_campaign(review_sample(NOW)[0], me, UTC)
    return model


def row_of(model: ReviewRowsModel, handle: str, env: str) -> int:
    return model.index_of(handle, env).row()


def test_rows_show_the_grant_its_use_and_its_decision(qtmodeltester) -> None:
    model = rows_model()
    qtmodeltester.check(model)
    bob_dev = row_of(model, "bob", "dev")
    assert [cell(model, bob_dev, c) for c in ReviewColumn] == [
        "bob", "dev", "write", "alice, 2026-03-23", "granted by alice", "2026-11-28 (run)", "",
        "Change to read", "least privilege: deploys run from CI now",
    ]  # fmt: skip
    assert cell(model, bob_dev, ReviewColumn.DECISION, TIP).startswith("Decided by alice on ")
    assert cell(model, row_of(model, "dora", "prod"), ReviewColumn.MEMBER) == "dora (admin)"
    assert cell(model, row_of(model, "dora", "prod"), ReviewColumn.DECISION) == "Undecided"
    frank = row_of(model, "frank", "dev")
    assert cell(model, frank, ReviewColumn.DECISION) == "Revoke"
    assert cell(model, frank, ReviewColumn.DECISION, Qt.ItemDataRole.ForegroundRole) == (
        OVERDUE_COLOUR
    )


def test_unused_rows_are_tinted_and_say_so() -> None:
    model = rows_model()
    erin, frank, bob = (row_of(model, *k) for k in [("erin", "staging"), ("frank", "dev"),
                                                     ("bob", "dev")])  # fmt: skip
    assert cell(model, erin, ReviewColumn.LAST_USED) == "never · unused 90+ days"
    assert cell(model, frank, ReviewColumn.LAST_USED) == "2026-07-21 (copy) · unused 90+ days"
    for column in ReviewColumn:
        assert cell(model, erin, column, BG) == UNUSED_BACKGROUND
        assert cell(model, bob, column, BG) is None
    assert cell(model, erin, ReviewColumn.LAST_USED, ReviewRole.UNUSED) is True
    assert "90 days" in cell(model, erin, ReviewColumn.LAST_USED, TIP)
    unused = [i.row.snapshot.handle for i in model.items() if i.row.unused]
    assert unused == ["erin", "frank", "grace"]


def test_a_grant_changed_since_the_snapshot_is_marked() -> None:
    model = rows_model()
    bob_prod = row_of(model, "bob", "prod")
    assert cell(model, bob_prod, ReviewColumn.NOW) == "Changed"
    assert "changed while the review ran" in cell(model, bob_prod, ReviewColumn.NOW, TIP)
    assert cell(model, row_of(model, "bob", "dev"), ReviewColumn.NOW) == ""


def test_rows_about_the_viewers_own_access_are_not_theirs_to_decide() -> None:
    model = rows_model()
    own = row_of(model, "alice", "prod")
    assert cell(model, own, ReviewColumn.DECISION) == "Another admin decides"
    why = "This row is about your own access: another admin decides it."
    assert cell(model, own, ReviewColumn.DECISION, ReviewRole.WHY_NOT) == why
    assert cell(model, own, ReviewColumn.MEMBER, TIP) == why
    decided_by_dora = row_of(model, "alice", "dev")
    assert cell(model, decided_by_dora, ReviewColumn.DECISION) == "Keep"
    assert cell(model, row_of(model, "bob", "dev"), 0, ReviewRole.WHY_NOT) is None
    # dora reads alice's rows as hers to decide, and her own as not.
    dora = rows_model(Member("m-dora", "dora", "admin", "active"))
    assert cell(dora, row_of(dora, "alice", "prod"), 0, ReviewRole.WHY_NOT) is None
    assert cell(dora, row_of(dora, "dora", "prod"), ReviewColumn.DECISION) == (
        "Another admin decides"
    )
    # An auditor decides nothing; nothing says "another admin" to them.
    auditor = rows_model(Member("m-ann", "ann", "auditor", "active"))
    assert cell(auditor, 0, 0, ReviewRole.WHY_NOT) == (
        "Only an owner or admin decides; you can read the review."
    )
    assert cell(auditor, row_of(auditor, "dora", "prod"), ReviewColumn.DECISION) == "Undecided"


def test_sorting_keeps_the_selection_on_its_row(qtmodeltester) -> None:
    model = rows_model()
    kept = model.index(row_of(model, "erin", "staging"), 0)
    from PySide6.QtCore import QPersistentModelIndex

    persistent = QPersistentModelIndex(kept)
    model.sort(ReviewColumn.LAST_USED, Qt.SortOrder.AscendingOrder)
    handles = [cell(model, r, ReviewColumn.MEMBER) for r in range(model.rowCount())]
    assert handles[0] == "erin"  # never used sorts first
    assert persistent.row() == 0
    model.sort(ReviewColumn.DECISION, Qt.SortOrder.AscendingOrder)
    decisions = [cell(model, r, ReviewColumn.DECISION) for r in range(model.rowCount())]
    assert decisions[-1] == "Keep"
    assert cell(model, persistent.row(), ReviewColumn.MEMBER) == "erin"
    model.sort(-1)
    assert cell(model, 0, ReviewColumn.MEMBER) == "alice (owner)"
    qtmodeltester.check(model)
