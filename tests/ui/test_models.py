"""The secrets and environments table models: what each cell shows, filtering and sorting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.core.clock import FixedClock, iso, parse_iso
from app.core.model import Environment, Secret, SecretMeta
from app.core.policy import Policy
from app.core.rotation import DUE_SOON_DAYS, RotationStatus, next_due, status
from app.ui.models import (
    Column,
    EnvColumn,
    EnvironmentsModel,
    EnvRole,
    Role,
    SecretRow,
    SecretsModel,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ASC = Qt.SortOrder.AscendingOrder
DESC = Qt.SortOrder.DescendingOrder
DISPLAY = Qt.ItemDataRole.DisplayRole


def make_secret(
    sid: str,
    name: str,
    env_var: str,
    provider: str,
    owner: str,
    tags: tuple[str, ...],
    rotated_at: str,
    rotation_days: int,
    env: str = "dev",
) -> Secret:
    meta = SecretMeta(name=name, env_var=env_var, provider=provider, owner=owner, tags=tags)
    return Secret(
        id=sid,
        env_id=f"env-{env}",
        env_name=env,
        meta=meta,
        version=1,
        created_at=rotated_at,
        updated_at=rotated_at,
        rotated_at=rotated_at,
        rotation_days=rotation_days,
    )


# Chosen so that every column sorts the six rows into a different order. Due dates at NOW:
# A 2026-12-30 ok, B 2026-08-28 overdue, C 2026-12-08 due soon, D 2027-02-18 ok,
# E 2026-12-01 due soon, F 2025-07-14 overdue.
SECRETS = {
    "A": make_secret(
        "A", "Vision dev", "VISION_KEY", "google", "alice", ("llm",),
        "2026-10-01T12:00:00.000000Z", 90,
    ),
    "B": make_secret(
        "B", "Groq dev", "GROQ_API_KEY", "groq", "bob", ("llm", "fast"),
        "2026-03-01T23:30:00.000000Z", 180,
    ),
    "C": make_secret(
        "C", "stripe staging", "STRIPE_API_KEY", "stripe", "carol", ("billing",),
        "2026-08-10T12:00:00.000000Z", 120, env="staging",
    ),
    "D": make_secret(
        "D", "Anthropic prod", "ANTHROPIC_API_KEY", "anthropic", "Erin", ("llm",),
        "2026-11-20T12:00:00.000000Z", 90, env="prod",
    ),
    "E": make_secret(
        "E", "AWS deploy", "AWS_ACCESS_KEY_ID", "aws", "dave", ("cloud",),
        "2025-12-01T12:00:00.000000Z", 365, env="prod",
    ),
    "F": make_secret(
        "F", "legacy webhook", "WEBHOOK_TOKEN", "", "", (),
        "2025-01-15T12:00:00.000000Z", 180,
    ),
}  # fmt: skip


def shown_ids(model: SecretsModel) -> list[str]:
    return [model.row_at(r).id for r in range(model.rowCount())]


def column_texts(model: SecretsModel, column: Column) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def model(qtmodeltester, clock: FixedClock) -> SecretsModel:
    m = SecretsModel()
    qtmodeltester.check(m)  # empty; the tester stays attached and checks every later change
    m.set_secrets(list(SECRETS.values()), clock.now())
    qtmodeltester.check(m)
    return m


# --- SecretsModel: what the cells show ---------------------------------------------------


def test_empty_model_has_headers_and_no_rows(qtmodeltester) -> None:
    m = SecretsModel()
    qtmodeltester.check(m)
    assert (m.rowCount(), m.columnCount()) == (0, 8)
    assert (m.total_count, m.shown_count) == (0, 0)
    headers = [m.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers == [
        "Name", "Env", "Env var", "Provider", "Owner", "Last rotated", "Next due", "Status",
    ]  # fmt: skip
    assert m.headerData(0, Qt.Orientation.Vertical) is None


def test_row_counts(model: SecretsModel) -> None:
    assert (model.rowCount(), model.columnCount()) == (6, 8)
    assert (model.total_count, model.shown_count) == (6, 6)
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children


def test_display_text_of_a_row(model: SecretsModel) -> None:
    row = model.index_of("B").row()
    texts = [model.index(row, c).data() for c in Column]
    # Rotated at 23:30 UTC: the date stays the UTC date.
    assert texts == [
        "Groq dev", "dev", "GROQ_API_KEY", "Groq", "bob", "2026-03-01", "2026-08-28", "Overdue",
    ]  # fmt: skip


def test_provider_column_shows_display_names(model: SecretsModel) -> None:
    model.sort(Column.NAME, ASC)
    assert column_texts(model, Column.PROVIDER) == [
        "Anthropic", "AWS", "Groq", "", "Stripe", "Google AI (Gemini)",
    ]  # fmt: skip


def test_unknown_provider_id_is_shown_as_stored(qtmodeltester) -> None:
    m = SecretsModel()
    m.set_secrets([make_secret("X", "x", "X", "acme", "", (), iso(NOW), 30)], NOW)
    qtmodeltester.check(m)
    assert m.index(0, Column.PROVIDER).data() == "acme"


def test_status_column_text_tooltip_and_colour(model: SecretsModel) -> None:
    def cell(sid: str, role: int) -> object:
        return model.index(model.index_of(sid).row(), Column.STATUS).data(role)

    tip, fg = Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole
    assert [cell(s, DISPLAY) for s in "ABCDEF"] == [
        "OK", "Overdue", "Due soon", "OK", "Due soon", "Overdue",
    ]  # fmt: skip
    assert cell("B", tip) == "Overdue since 2026-08-28"
    assert cell("C", tip) == "Due soon, on 2026-12-08"
    assert cell("A", tip) == "Next rotation due 2026-12-30"
    overdue, soon = cell("B", fg), cell("C", fg)
    assert isinstance(overdue, QColor)
    assert isinstance(soon, QColor)
    assert overdue != soon
    assert overdue.red() > overdue.green()
    assert cell("A", fg) is None
    # Only the status cell is coloured or has a tooltip.
    name = model.index(model.index_of("B").row(), Column.NAME)
    assert name.data(fg) is None
    assert name.data(tip) is None


def test_dates_are_right_aligned_and_text_is_not(model: SecretsModel) -> None:
    align = Qt.ItemDataRole.TextAlignmentRole
    expected = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert model.index(0, Column.LAST_ROTATED).data(align) == expected
    assert model.index(0, Column.NEXT_DUE).data(align) == expected
    assert model.index(0, Column.NAME).data(align) is None


def test_custom_roles(model: SecretsModel) -> None:
    index = model.index_of("B")
    row = index.data(Role.ROW)
    assert isinstance(row, SecretRow)
    assert row.secret is SECRETS["B"]
    assert index.data(Role.SECRET_ID) == "B"
    assert index.data(Role.STATUS) is RotationStatus.OVERDUE
    assert index.data(Role.SORT_KEY) == "groq dev"
    due_key = model.index(index.row(), Column.NEXT_DUE).data(Role.SORT_KEY)
    assert due_key == datetime(2026, 8, 28, 23, 30, tzinfo=UTC).timestamp()
    assert model.index(index.row(), Column.STATUS).data(Role.SORT_KEY) == 2


def test_rows_are_immutable(model: SecretsModel) -> None:
    with pytest.raises(AttributeError):
        model.row_at(0).status = RotationStatus.OK  # type: ignore[misc]


def test_row_fields_mirror_the_secret() -> None:
    row = SecretRow.from_secret(SECRETS["A"], NOW)
    assert (row.id, row.name, row.env_var, row.owner, row.tags) == (
        "A", "Vision dev", "VISION_KEY", "alice", ("llm",),
    )  # fmt: skip
    assert (row.provider_id, row.provider_name) == ("google", "Google AI (Gemini)")
    assert row.last_rotated == parse_iso(SECRETS["A"].rotated_at)
    assert row.next_due == datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
    assert row.status is RotationStatus.OK


# --- status at an injected time ----------------------------------------------------------


def test_status_follows_the_injected_clock(model: SecretsModel, clock: FixedClock) -> None:
    clock.advance(days=30)  # 2026-12-30 09:00: A falls due 3 hours later, C and E have passed
    model.set_secrets(list(SECRETS.values()), clock.now())
    states = {sid: model.index_of(sid).data(Role.STATUS) for sid in "ABCDEF"}
    assert states == {
        "A": RotationStatus.DUE_SOON,
        "B": RotationStatus.OVERDUE,
        "C": RotationStatus.OVERDUE,
        "D": RotationStatus.OK,
        "E": RotationStatus.OVERDUE,
        "F": RotationStatus.OVERDUE,
    }
    assert model.index(model.index_of("E").row(), Column.STATUS).data(
        Qt.ItemDataRole.ToolTipRole
    ) == ("Overdue since 2026-12-01")


@pytest.mark.parametrize(
    "offset",
    [
        timedelta(days=-1),
        timedelta(microseconds=-1),
        timedelta(0),
        timedelta(microseconds=1),
        timedelta(days=DUE_SOON_DAYS) - timedelta(microseconds=1),
        timedelta(days=DUE_SOON_DAYS),
        timedelta(days=DUE_SOON_DAYS, microseconds=1),
        timedelta(days=400),
    ],
)
def test_status_and_due_date_agree_with_core_rules(offset: timedelta) -> None:
    """The model reads dates its own faster way; the answer must be core's, at every edge."""
    rotated_at = iso(NOW + offset - timedelta(days=90))
    row = SecretRow.from_secret(make_secret("S", "s", "S", "", "", (), rotated_at, 90), NOW)
    assert row.next_due == next_due(rotated_at, 90)
    assert row.status is status(rotated_at, 90, NOW)


# --- filtering ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deploy", ["E"]),  # name
        ("DePlOy", ["E"]),  # any case
        ("stripe_api", ["C"]),  # env var
        ("anthropic", ["D"]),  # provider display name (and id)
        ("Gemini", ["A"]),  # only in the provider display name
        ("google", ["A"]),  # provider id
        ("carol", ["C"]),  # owner
        ("erin", ["D"]),  # owner, stored as "Erin"
        ("billing", ["C"]),  # tag
        ("llm", ["D", "B", "A"]),  # tag on three rows, shown in name order
        ("llm alice", ["A"]),  # every term must match
        ("  fast   llm ", ["B"]),  # any whitespace
        ("llm billing", []),
        ("zzz", []),
    ],
)
def test_filter(model: SecretsModel, text: str, expected: list[str]) -> None:
    model.set_filter(text)
    assert shown_ids(model) == expected
    assert model.shown_count == model.rowCount() == len(expected)
    assert model.total_count == 6


def test_terms_do_not_match_across_fields(model: SecretsModel) -> None:
    # B's name ends in "dev" and its env var starts with "GROQ": no term spans the two.
    model.set_filter("devgroq")
    assert model.rowCount() == 0


def test_clearing_the_filter_restores_all_rows(model: SecretsModel, qtbot) -> None:
    model.set_filter("zzz")
    assert model.rowCount() == 0
    with qtbot.waitSignal(model.modelReset):
        model.set_filter("")
    assert sorted(shown_ids(model)) == list("ABCDEF")
    model.set_filter("llm")
    model.set_filter("   ")
    assert model.rowCount() == 6


def test_typing_narrows_and_backspace_widens(model: SecretsModel) -> None:
    steps = [
        ("d", ["D", "E", "B", "F", "A"]),  # not C: no "d" in any of its fields
        ("de", ["E", "B", "F", "A"]),
        ("dev", ["B", "F", "A"]),  # F lives in dev
        ("dev ", ["B", "F", "A"]),
        ("dev b", ["B", "F"]),  # bob, and the b of "webhook"
        ("dev bo", ["B"]),
        ("dev b", ["B", "F"]),
        ("dev ", ["B", "F", "A"]),
        ("de", ["E", "B", "F", "A"]),
        ("dev a", ["B", "F", "A"]),  # "a" is in GROQ_API_KEY, legacy and alice
        ("v a", ["E", "B", "F", "A"]),  # widens again: E's owner is dave
        ("", ["D", "E", "B", "F", "C", "A"]),
    ]
    model.sort(Column.NAME, ASC)
    for text, expected in steps:
        model.set_filter(text)
        assert shown_ids(model) == expected, text


def test_same_terms_do_not_reset(model: SecretsModel, qtbot) -> None:
    model.set_filter("llm")
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_filter(" LLM ")
    assert model.filter_terms() == ("llm",)


def test_filter_keeps_the_current_sort(model: SecretsModel) -> None:
    model.sort(Column.NEXT_DUE, DESC)
    model.set_filter("llm")
    assert shown_ids(model) == ["D", "A", "B"]


def test_new_secrets_keep_filter_and_sort(model: SecretsModel, clock: FixedClock) -> None:
    model.sort(Column.OWNER, DESC)
    model.set_filter("llm")
    model.set_secrets([SECRETS[s] for s in "ABC"], clock.now())
    assert shown_ids(model) == ["B", "A"]
    assert (model.shown_count, model.total_count) == (2, 3)


def test_index_of_after_filter(model: SecretsModel) -> None:
    model.sort(Column.NAME, ASC)
    model.set_filter("llm")
    index = model.index_of("A")
    assert index.isValid()
    assert (index.row(), index.column()) == (2, Column.NAME)
    assert index.data(Role.SECRET_ID) == "A"
    assert model.index_of("B", Column.STATUS).data() == "Overdue"
    assert not model.index_of("C").isValid()  # hidden by the filter
    assert not model.index_of("nope").isValid()
    model.set_filter("")
    assert model.index_of("C").row() == 4


# --- sorting -----------------------------------------------------------------------------

ORDERS = {
    Column.NAME: "DEBFCA",  # case-insensitive: "AWS" after "Anthropic", "legacy" before "stripe"
    Column.ENVIRONMENT: "BFADEC",  # dev, prod, staging; ties by name
    Column.ENV_VAR: "DEBCAF",
    Column.PROVIDER: "FDEABC",  # no provider first
    Column.OWNER: "FABCED",  # case-insensitive: "Erin" after "dave"
    Column.LAST_ROTATED: "FEBCAD",
    Column.NEXT_DUE: "FBECAD",
    Column.STATUS: "DAECBF",  # ok, due soon, overdue; ties by name
}


@pytest.mark.parametrize("column", list(Column))
def test_sort_ascending(model: SecretsModel, column: Column, qtbot) -> None:
    with qtbot.waitSignal(model.layoutChanged):
        model.sort(column, ASC)
    assert "".join(shown_ids(model)) == ORDERS[column]
    assert (model.sort_column(), model.sort_order()) == (column, ASC)


@pytest.mark.parametrize("column", list(Column))
def test_sort_descending(model: SecretsModel, column: Column) -> None:
    model.sort(column, DESC)
    expected = ORDERS[column][::-1]
    if column == Column.STATUS:
        expected = "BFECDA"  # overdue first; ties stay in name order
    if column == Column.ENVIRONMENT:
        expected = "CDEBFA"  # staging, prod, dev; ties stay in name order
    assert "".join(shown_ids(model)) == expected


def test_sort_by_dates_shows_dates_in_order(model: SecretsModel) -> None:
    model.sort(Column.NEXT_DUE, ASC)
    assert column_texts(model, Column.NEXT_DUE) == [
        "2025-07-14", "2026-08-28", "2026-12-01", "2026-12-08", "2026-12-30", "2027-02-18",
    ]  # fmt: skip


def test_no_sort_column_goes_back_to_name_order(model: SecretsModel) -> None:
    model.sort(Column.OWNER, DESC)
    model.sort(-1, ASC)
    assert "".join(shown_ids(model)) == ORDERS[Column.NAME]


def test_sort_moves_persistent_indexes_with_their_rows(model: SecretsModel) -> None:
    """A view's selection and current index follow the secret, not the row number."""
    model.sort(Column.NAME, ASC)
    model.set_filter("llm")
    kept = QPersistentModelIndex(model.index_of("B", Column.OWNER))
    assert kept.row() == 1
    model.sort(Column.NEXT_DUE, ASC)
    assert shown_ids(model) == ["B", "A", "D"]
    assert (kept.row(), kept.column()) == (0, Column.OWNER)
    assert kept.data() == "bob"


def test_model_tester_through_filter_and_sort(qtmodeltester, model: SecretsModel) -> None:
    for column in Column:
        for order in (ASC, DESC):
            model.sort(column, order)
            qtmodeltester.check(model)
    model.set_filter("llm")
    qtmodeltester.check(model)
    model.sort(Column.STATUS, DESC)
    qtmodeltester.check(model)
    model.set_filter("zzz")
    qtmodeltester.check(model)
    model.sort(Column.NAME, ASC)
    model.set_secrets([], NOW)
    qtmodeltester.check(model)


def test_data_for_an_invalid_index_is_none(model: SecretsModel) -> None:
    assert model.data(QModelIndex()) is None
    assert model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    flags = model.flags(model.index(0, 0))
    assert flags & Qt.ItemFlag.ItemIsSelectable
    assert not flags & Qt.ItemFlag.ItemIsEditable


# --- EnvironmentsModel -------------------------------------------------------------------


def make_env(name: str, count: int, step_up: str = "none", readable: bool = True) -> Environment:
    return Environment(
        id=f"env-{name}",
        name=name,
        position=0,
        policy=Policy(step_up=step_up),
        epoch=1,
        readable=readable,
        secret_count=count,
    )


ENVS = [
    make_env("dev", 2),
    make_env("staging", 1, readable=False),
    make_env("prod", 12, step_up="totp"),
]


@pytest.fixture
def envs_model(qtmodeltester) -> EnvironmentsModel:
    m = EnvironmentsModel()
    qtmodeltester.check(m)
    m.set_environments(ENVS)
    qtmodeltester.check(m)
    return m


def env_texts(model: EnvironmentsModel) -> list[tuple[str, str]]:
    return [
        (model.index(r, EnvColumn.NAME).data(), model.index(r, EnvColumn.COUNT).data())
        for r in range(model.rowCount())
    ]


def test_environments_empty_has_only_the_all_row(qtmodeltester) -> None:
    m = EnvironmentsModel()
    qtmodeltester.check(m)
    assert env_texts(m) == [("All environments", "0")]
    assert m.env_at(0) is None
    assert m.index(0, 0).data(EnvRole.ENV_ID) is None
    assert m.columnCount() == 2


def test_environments_rows_and_counts(envs_model: EnvironmentsModel) -> None:
    assert env_texts(envs_model) == [
        ("All environments", "15"),
        ("dev", "2"),
        ("staging", "1"),
        ("prod", "12"),
    ]
    assert envs_model.total_count == 15
    assert [envs_model.env_at(r) for r in range(4)] == [None, *ENVS]
    ids = [envs_model.index(r, 0).data(EnvRole.ENV_ID) for r in range(4)]
    assert ids == [None, "env-dev", "env-staging", "env-prod"]
    assert [envs_model.row_of(i) for i in ids] == [0, 1, 2, 3]
    assert envs_model.row_of("env-gone") == -1


def test_environments_step_up_and_readable_roles(envs_model: EnvironmentsModel) -> None:
    step_up = [envs_model.index(r, EnvColumn.NAME).data(EnvRole.STEP_UP) for r in range(4)]
    readable = [envs_model.index(r, EnvColumn.NAME).data(EnvRole.READABLE) for r in range(4)]
    assert step_up == [False, False, False, True]
    assert readable == [True, True, False, True]


def test_environments_tooltip_only_for_step_up(envs_model: EnvironmentsModel) -> None:
    tips = [envs_model.index(r, 0).data(Qt.ItemDataRole.ToolTipRole) for r in range(4)]
    assert tips == [None, None, None, "prod asks for a TOTP code before keys open"]


def test_environments_no_decoration_and_counts_right_aligned(
    envs_model: EnvironmentsModel,
) -> None:
    assert envs_model.index(3, 0).data(Qt.ItemDataRole.DecorationRole) is None
    align = Qt.ItemDataRole.TextAlignmentRole
    assert envs_model.index(1, EnvColumn.COUNT).data(align) == (
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert envs_model.index(1, EnvColumn.NAME).data(align) is None


def test_environments_headers(envs_model: EnvironmentsModel) -> None:
    headers = [envs_model.headerData(c, Qt.Orientation.Horizontal) for c in EnvColumn]
    assert headers == ["Environment", "Keys"]


def test_environments_replaced_and_cleared(
    qtmodeltester, envs_model: EnvironmentsModel, qtbot
) -> None:
    with qtbot.waitSignal(envs_model.modelReset):
        envs_model.set_environments(ENVS[:1])
    assert env_texts(envs_model) == [("All environments", "2"), ("dev", "2")]
    envs_model.set_environments([])
    qtmodeltester.check(envs_model)
    assert envs_model.rowCount() == 1
