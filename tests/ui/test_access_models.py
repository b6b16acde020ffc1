"""The Access view's models: members, the member × environment matrix, and what is pending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.core.clock import iso
from app.core.model import Environment, Member
from app.core.policy import default_for
from app.services.requests import AccessRequest
from app.services.team import Grant, Invite, TeamMember
from app.services.team_snapshot import TeamSnapshot
from app.ui.models.grants_model import GrantRole, GrantsModel
from app.ui.models.members_model import MemberColumn, MemberRole, MembersModel
from app.ui.models.pending_model import PendingColumn, PendingModel, PendingRole, pending_items
from app.ui.models.secrets_model import DUE_SOON_COLOUR, OVERDUE_COLOUR

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TIP = Qt.ItemDataRole.ToolTipRole


def at(days: float) -> str:
    return iso(NOW + timedelta(days=days))


ENVS = tuple(
    Environment(f"e-{name}", name, n, default_for(name), 1, True)
    for n, name in enumerate(("dev", "staging", "prod"))
)
MEMBERS = (
    TeamMember("m-a", "alice", "owner", "active", "aaaa 1111 2222 3333 4444", "active", at(0)),
    TeamMember("m-b", "bob", "member", "active", "bbbb 1111 2222 3333 4444", "", at(-1)),
    TeamMember("m-c", "carol", "auditor", "active", "cccc 1111 2222 3333 4444", "recovered", None),
    TeamMember("m-d", "dave", "member", "pending", "dddd 1111 2222 3333 4444", "", at(-2)),
)


def grant(member: str, env: str, access: str, until: str | None = None, request=None) -> Grant:
    handle = {"m-a": "alice", "m-b": "bob"}[member]
    return Grant(member, handle, f"e-{env}", env, access, until, "alice", at(-10), request)


GRANTS = (
    grant("m-a", "dev", "write"),
    grant("m-a", "staging", "write"),
    grant("m-a", "prod", "write"),
    grant("m-b", "dev", "write"),
    grant("m-b", "staging", "read", until=at(30)),
    grant("m-b", "prod", "read", until=at(-1), request="5a7b9c1d2e3f4a5b"),
)


def member_cells(model: MembersModel, row: int) -> list[str]:
    return [model.index(row, c).data() for c in MemberColumn]


def test_members_show_role_status_fingerprint_totp_and_last_activity(qtmodeltester):
    model = MembersModel()
    model.set_members(MEMBERS, UTC)
    qtmodeltester.check(model)
    assert member_cells(model, 0) == [
        "alice", "Owner", "Active", "aaaa 1111 2222 3333 4444", "Enrolled", "2026-11-30 09:00",
    ]  # fmt: skip
    assert member_cells(model, 2)[4:] == ["Recovery code used", "—"]
    assert member_cells(model, 3)[2] == "Awaiting approval"
    assert "approves" in model.index(3, MemberColumn.STATUS).data(TIP)
    assert model.index(1, 0).data(MemberRole.HANDLE) == "bob"
    assert model.index(3, 0).data(MemberRole.STATUS) == "pending"
    model.sort(MemberColumn.LAST_ACTIVITY, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    assert [model.index(r, 0).data() for r in range(4)] == ["alice", "bob", "dave", "carol"]
    model.sort(MemberColumn.ROLE, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 0).data() for r in range(4)] == ["alice", "bob", "dave", "carol"]
    model.set_members([])
    assert model.rowCount() == 0


def test_the_matrix_shows_read_write_none_and_end_dates(qtmodeltester):
    model = GrantsModel()
    model.set_matrix(MEMBERS, ENVS, GRANTS, NOW, UTC)
    qtmodeltester.check(model)
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert header == ["Member", "dev", "staging", "prod (TOTP)"]
    rows = [[model.index(r, c).data() for c in range(4)] for r in range(model.rowCount())]
    assert rows == [  # dave joined but is not approved: he holds nothing yet
        ["alice (owner)", "write", "write", "write"],
        ["bob (member)", "write", "read until 2026-12-30", "read, ended 2026-11-29"],
        ["carol (auditor)", "—", "—", "—"],
    ]
    ended = model.index(1, 3)
    assert ended.data(Qt.ItemDataRole.ForegroundRole) == QColor(OVERDUE_COLOUR)
    assert "request 5a7b9c1d" in ended.data(TIP)
    assert "revoked at an admin's next unlock" in ended.data(TIP)
    assert model.index(1, 2).data(Qt.ItemDataRole.ForegroundRole) is None
    assert "never read values" in model.index(2, 1).data(TIP)
    assert model.index(1, 2).data(GrantRole.GRANT) == GRANTS[4]
    assert model.index(2, 2).data(GrantRole.GRANT) is None
    assert (
        model.index(1, 2).data(GrantRole.HANDLE),
        model.index(1, 2).data(GrantRole.ENV_NAME),
    ) == (
        "bob",
        "staging",
    )
    assert model.cell(1, 0) == ("bob", None)
    assert model.index_of("carol", "prod") == model.index(2, 3)
    assert not model.index_of("dave", "dev").isValid()


ALICE = Member("m-a", "alice", "owner", "active")


def snapshot(me: Member = ALICE) -> TeamSnapshot:
    invites = (
        Invite("i-e", "erin", "member", (("dev", "read"),), at(6), "open", "alice", at(-1)),
        Invite("i-f", "frank", "auditor", (), at(-1), "expired", "alice", at(-8)),
    )
    joined = Invite("i-d", "dave", "member", (("dev", "read"),), at(5), "joined", "alice", at(-2))
    request = AccessRequest(
        "r-1", "bob", "prod", "read", at(2), "incident 42", "open", at(-0.5), "", None, ""
    )
    return TeamSnapshot(me, NOW, ENVS, MEMBERS, GRANTS, invites, (request,), (*invites, joined))


def test_pending_lists_joins_then_requests_then_invites(qtmodeltester):
    model = PendingModel()
    model.set_items(pending_items(snapshot(), UTC))
    qtmodeltester.check(model)
    rows = [[model.index(r, c).data() for c in PendingColumn] for r in range(model.rowCount())]
    assert rows == [
        ["Join", "dave", "Joined as member; the invite grants dev read", "2026-11-28 09:00",
         "Fingerprint dddd 1111 2222 3333 4444: compare it before approving"],
        ["Request", "bob", "prod read until 2026-12-02", "2026-11-29 21:00", "incident 42"],
        ["Invite", "erin", "Invited as member with dev read", "expires 2026-12-06",
         "Waiting for erin to join"],
        ["Invite", "frank", "Invited as auditor with no environment", "expired 2026-11-29",
         "Expired: cancel it and invite again"],
    ]  # fmt: skip
    late = model.index(3, PendingColumn.WHEN)
    assert late.data(Qt.ItemDataRole.ForegroundRole) == QColor(DUE_SOON_COLOUR)
    assert model.index(2, PendingColumn.WHEN).data(Qt.ItemDataRole.ForegroundRole) is None
    assert [model.index(r, 0).data(PendingRole.KIND) for r in range(4)] == [
        "join", "request", "invite", "invite",
    ]  # fmt: skip
    assert model.index(1, 0).data(PendingRole.KEY) == "r-1"
    assert model.row_of("invite", "frank") == 3
    assert "read out the fingerprint" in model.index(0, 0).data(TIP)
    model.set_items([])
    assert model.rowCount() == 0
