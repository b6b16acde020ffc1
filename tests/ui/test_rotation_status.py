"""The secrets table's rotation states: flags, the due-soon window and the status filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from app.core.clock import iso
from app.core.rotation import Flag, RotationStatus, status
from app.ui.models import Column, Role, SecretRow, SecretsModel
from app.ui.models.secrets_model import (
    DUE_SOON_COLOUR,
    OVERDUE_COLOUR,
    REQUIRED_COLOUR,
    build_rows,
)
from app.ui.models.versions_model import VersionsModel
from tests.ui.test_models import NOW, SECRETS, make_secret, shown_ids

FLAGS = {
    "A": Flag("A", "exposure", "Pasted into a public gist", "2026-11-28T10:00:00.000000Z", "bob"),
    "B": Flag("B", "offboarding", "", "2026-11-29T10:00:00.000000Z", "carol"),
}
NEEDS_ROTATION = {RotationStatus.OVERDUE, RotationStatus.REQUIRED}


@pytest.fixture
def flagged(qtmodeltester) -> SecretsModel:
    model = SecretsModel()
    qtmodeltester.check(model)
    model.set_rows(build_rows(list(SECRETS.values()), NOW, FLAGS))
    qtmodeltester.check(model)
    return model


def cell(model: SecretsModel, sid: str, role: int, column: int = Column.STATUS) -> object:
    return model.index(model.index_of(sid).row(), column).data(role)


def test_a_flag_makes_rotation_required_whatever_the_date(flagged: SecretsModel) -> None:
    # A is not due until 2026-12-30 and B is overdue: both are required now.
    texts = [cell(flagged, s, Qt.ItemDataRole.DisplayRole) for s in "ABCDEF"]
    assert texts == [
        "Rotation required", "Rotation required", "Due soon", "OK", "Due soon", "Overdue",
    ]  # fmt: skip
    assert cell(flagged, "A", Role.STATUS) is RotationStatus.REQUIRED
    assert cell(flagged, "A", Role.SORT_KEY) == 3
    assert flagged.index_of("A").data(Role.ROW).flag is FLAGS["A"]


def test_rotation_required_has_its_own_colour_and_says_why(flagged: SecretsModel) -> None:
    fg, tip = Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole
    assert cell(flagged, "A", fg) == REQUIRED_COLOUR
    assert REQUIRED_COLOUR not in (OVERDUE_COLOUR, DUE_SOON_COLOUR)
    assert cell(flagged, "A", tip) == (
        "Rotation required (exposure): flagged by bob on 2026-11-28. Pasted into a public gist"
    )
    assert cell(flagged, "B", tip) == (
        "Rotation required (offboarding): flagged by carol on 2026-11-29"
    )
    assert cell(flagged, "A", fg, Column.NAME) is None


def test_sorting_by_status_puts_required_first(flagged: SecretsModel) -> None:
    flagged.sort(Column.STATUS, Qt.SortOrder.DescendingOrder)
    assert shown_ids(flagged) == ["B", "A", "F", "E", "C", "D"]


def test_due_soon_window_comes_from_the_caller(qtmodeltester) -> None:
    model = SecretsModel()
    qtmodeltester.check(model)
    secrets = list(SECRETS.values())
    model.set_rows(build_rows(secrets, NOW, due_soon_days=31))
    assert cell(model, "A", Role.STATUS) is RotationStatus.DUE_SOON  # due in 30 days
    model.set_rows(build_rows(secrets, NOW, due_soon_days=1))
    assert cell(model, "A", Role.STATUS) is RotationStatus.OK
    assert cell(model, "E", Role.STATUS) is RotationStatus.OK  # due in 27 hours
    model.set_rows(build_rows(secrets, NOW, due_soon_days=2))
    assert cell(model, "E", Role.STATUS) is RotationStatus.DUE_SOON
    model.set_rows(build_rows(secrets, NOW, due_soon_days=90))
    assert cell(model, "D", Role.STATUS) is RotationStatus.DUE_SOON  # 2027-02-18


@pytest.mark.parametrize("days", [1, 14, 30])
@pytest.mark.parametrize("flagged", [False, True])
@pytest.mark.parametrize(
    "offset",
    [timedelta(days=-1), timedelta(0), timedelta(days=1), timedelta(days=14), timedelta(days=30)],
)
def test_status_agrees_with_core_rules(days: int, flagged: bool, offset: timedelta) -> None:
    rotated_at = iso(NOW + offset - timedelta(days=90))
    secret = make_secret("S", "s", "S", "", "", (), rotated_at, 90)
    flags = {"S": FLAGS["A"]} if flagged else {}
    (row,) = build_rows([secret], NOW, flags, days)
    assert row.status is status(rotated_at, 90, NOW, days, flagged)


def test_status_filter_narrows_on_top_of_the_text_filter(flagged: SecretsModel, qtbot) -> None:
    with qtbot.waitSignal(flagged.modelReset):
        flagged.set_status_filter(NEEDS_ROTATION)
    assert shown_ids(flagged) == ["B", "F", "A"]  # name order: Groq, legacy, Vision
    assert (flagged.shown_count, flagged.total_count) == (3, 6)
    assert not flagged.index_of("C").isValid()
    assert flagged.index_of("F").row() == 1
    flagged.set_filter("llm")
    assert shown_ids(flagged) == ["B", "A"]
    flagged.set_filter("ll")  # wider text: the status filter still holds
    assert shown_ids(flagged) == ["B", "A"]
    flagged.set_filter("")
    with qtbot.assertNotEmitted(flagged.modelReset):
        flagged.set_status_filter(set(NEEDS_ROTATION))  # the same set: nothing to do
    flagged.set_status_filter(None)
    assert len(shown_ids(flagged)) == 6
    assert flagged.status_filter() is None


def test_status_filter_survives_new_rows_and_sorting(flagged: SecretsModel) -> None:
    flagged.set_status_filter({RotationStatus.REQUIRED})
    flagged.set_rows(build_rows(list(SECRETS.values()), NOW, {"C": FLAGS["A"]}))
    assert shown_ids(flagged) == ["C"]
    flagged.sort(Column.OWNER, Qt.SortOrder.AscendingOrder)
    assert shown_ids(flagged) == ["C"]


def test_row_without_flags_has_none() -> None:
    row = SecretRow.from_secret(SECRETS["A"], NOW)
    assert row.flag is None
    assert row.status is RotationStatus.OK


def test_versions_model_finds_rows_by_version(qtmodeltester) -> None:
    from app.core.model import Version

    model = VersionsModel()
    qtmodeltester.check(model)
    model.set_versions(
        [
            Version(2, "2026-11-30T09:00:00.000000Z", "bob", "exposure", "SEC-1", "sha256:b", True),
            Version(1, "2026-06-01T09:00:00.000000Z", "alice", "created", "", "sha256:a", False),
        ]
    )
    qtmodeltester.check(model)
    assert model.row_of(1) == 1
    assert model.row_of(3) is None
    assert model.version_at(0).ticket == "SEC-1"
    assert model.index(0, 3).data() == "exposure · SEC-1"
