"""`keyledger rotation …` and `secret rotate` as a user meets them: output, files, exit codes."""

from __future__ import annotations

import csv
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from app.core.clock import SystemClock
from app.services.rotation_export import LOG_HEADER
from app.services.settings import Settings
from tests.cli.conftest import Cli, one_line

START = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 1 December, 05:00 in Tokyo
OPENAI = "sk-proj-" + "R" * 40
WEBHOOK = "whsec-" + "w" * 30
EVIL = '=HYPERLINK("http://evil.example","click")'


class Clock:
    """Moves the CLI's system clock (every command reads it through SystemClock)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = START
        monkeypatch.setattr(SystemClock, "now", lambda _self: self.now)

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)


@pytest.fixture
def tokyo() -> Iterator[None]:
    """This computer's local time zone is Tokyo for the test."""
    if not hasattr(time, "tzset"):
        pytest.skip("setting the local time zone needs time.tzset (POSIX)")
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def keys(clock: Clock, tokyo: None, cli: Cli) -> Cli:
    """Four keys added at START: dev every 180 days (one every 10), staging every 120. The
    clock is set before `init`: a commit is never dated before its parent, so a vault made at
    the real time (later than START) would move the keys' dates to that time."""
    for env, name, value, extra in [
        ("dev", "OpenAI dev", OPENAI, ["--owner", "alice"]),
        ("dev", "Short", "value-" + "s" * 20, ["--rotation-days", "10"]),
        ("dev", EVIL, WEBHOOK, []),
        ("staging", "Stage key", "value-" + "t" * 20, []),
    ]:
        assert cli.v("secret", "add", env, name, *extra, stdin=value).code == 0
    return cli


def rows(result) -> list[list[str]]:
    """A table's lines split on runs of two or more spaces (cells have single spaces)."""
    assert result.code == 0, result.err
    return [re.split(r" {2,}", line) for line in result.out.strip().splitlines()]


def unchanged(cli: Cli, before: bytes, result, code: int, message: str) -> None:
    assert result.code == code
    assert message in one_line(result.err)
    assert cli.vault.read_bytes() == before


# -- rotation list ------------------------------------------------------------------------------


def test_list_is_by_due_date_flagged_first_with_days_left(keys: Cli, clock: Clock):
    flagged = keys.v("rotation", "flag", "dev", "OpenAI dev", "--reason", "exposure")
    assert flagged.out == "Flagged OpenAI dev in dev: rotation required (exposure).\n"
    clock.advance(12)
    table = rows(keys.v("rotation", "list"))
    assert table[0] == [
        "ENV",
        "NAME",
        "ENV VAR",
        "PROVIDER",
        "OWNER",
        "LAST ROTATED",
        "NEXT DUE",
        "DAYS LEFT",
        "STATUS",
    ]
    assert table[1:] == [
        [
            "dev",
            "OpenAI dev",
            "OPENAI_API_KEY",
            "openai",
            "alice",
            "2026-12-01",
            "2027-05-30",
            "168",
            "rotation required (exposure)",
        ],
        ["dev", "Short", "SHORT", "-", "-", "2026-12-01", "2026-12-11", "-2", "overdue"],
        ["staging", "Stage key", "STAGE_KEY", "-", "-", "2026-12-01", "2027-03-31", "108", "ok"],
        [
            "dev",
            EVIL,
            "HYPERLINK_HTTP_EVIL_EXAMPLE_CLICK",
            "-",
            "-",
            "2026-12-01",
            "2027-05-30",
            "168",
            "ok",
        ],
    ]


def test_list_json_has_iso_dates_and_the_flag(keys: Cli, clock: Clock):
    keys.v("rotation", "flag", "dev", "Short", "--reason", "incident", "--note", "pager at 3am")
    found = json.loads(keys.v("rotation", "list", "--env", "dev", "--json").out)
    assert [f["name"] for f in found] == ["Short", EVIL, "OpenAI dev"]  # same due: by name
    short = found[0]
    assert set(short) == {
        "env",
        "name",
        "env_var",
        "provider",
        "owner",
        "version",
        "rotation_days",
        "rotated_at",
        "due_at",
        "due_date",
        "days_left",
        "status",
        "flag",
    }
    assert short["rotated_at"] == "2026-11-30T20:00:00.000000Z"
    assert short["due_at"] == "2026-12-10T20:00:00.000000Z"
    assert short["due_date"] == "2026-12-11"  # already the 11th in Tokyo
    assert date.fromisoformat(short["due_date"])
    assert (short["days_left"], short["status"]) == (10, "rotation required")
    assert short["flag"] == {
        "reason": "incident",
        "note": "pager at 3am",
        "flagged_at": "2026-11-30T20:00:00.000000Z",
        "by": "alice",
    }
    assert found[1]["flag"] is None
    assert found[1]["status"] == "ok"


def test_due_within_includes_overdue_and_flagged(keys: Cli, clock: Clock):
    keys.v("rotation", "flag", "dev", EVIL, "--reason", "other")
    clock.advance(12)

    def names(*args: str) -> list[str]:
        result = keys.v("rotation", "list", "--json", *args)
        assert result.code == 0, result.err
        return [f["name"] for f in json.loads(result.out)]

    assert names("--due-within", "0") == [EVIL, "Short"]
    assert names("--due-within", "108") == [EVIL, "Short", "Stage key"]
    assert names("--due-within", "107") == [EVIL, "Short"]
    assert names("--due-within", "200", "--env", "staging") == ["Stage key"]


def test_due_soon_follows_the_setting(keys: Cli, clock: Clock):
    clock.advance(12)

    def staging_status() -> str:
        found = json.loads(keys.v("rotation", "list", "--env", "staging", "--json").out)
        return str(found[0]["status"])

    assert staging_status() == "ok"  # 108 days left; due soon is 14 days by default
    Settings().set("due_soon_days", 90)
    assert staging_status() == "ok"
    clock.advance(20)  # 88 days left
    assert staging_status() == "due soon"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--env", "qa"), 1, "no environment named 'qa' (environments: dev, staging, prod)"),
        (("--due-within", "-1"), 2, "-1 is not in the range x>=0"),
        (("--due-within", "soon"), 2, "'soon' is not a valid integer"),
        (("--due", "3"), 2, "No such option '--due'"),
    ],
)
def test_list_mistakes(keys: Cli, args, code, message):
    before = keys.vault.read_bytes()
    result = keys.v("rotation", "list", *args)
    unchanged(keys, before, result, code, message)
    assert result.out == ""


# -- rotation export-ics ------------------------------------------------------------------------


def test_export_ics_writes_one_event_per_key(keys: Cli, clock: Clock, tmp_path: Path):
    keys.v("rotation", "flag", "dev", "OpenAI dev", "--reason", "exposure")
    clock.advance(12)
    target = tmp_path / "rotations.ics"
    result = keys.v("rotation", "export-ics", str(target))
    assert result.code == 0, result.err
    assert result.out == f"Wrote 4 events to {target}.\n"
    data = target.read_bytes()
    for value in (OPENAI, WEBHOOK, "s" * 20):
        assert value.encode() not in data
    assert target.stat().st_mode & 0o077 == 0
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["X-WR-CALNAME"]) == "KeyLedger rotations — Acme AI"
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    today = date(2026, 12, 13)  # in Tokyo, at 2026-12-12T20:00Z
    assert set(events) == {
        "Rotate OpenAI dev (dev) — rotation required",
        "Rotate Short (dev) — overdue",
        "Rotate Stage key (staging)",
        f"Rotate {EVIL} (dev)",
    }
    openai = events["Rotate OpenAI dev (dev) — rotation required"]
    assert openai.decoded("DTSTART") == today
    assert str(openai["URL"]).startswith("https://platform.openai.com/")
    assert events["Rotate Short (dev) — overdue"].decoded("DTSTART") == today
    assert events["Rotate Stage key (staging)"].decoded("DTSTART") == date(2027, 3, 31)
    uids = {str(e["UID"]) for e in events.values()}
    assert len(uids) == 4
    again = keys.v("rotation", "export-ics", str(target), "--force")
    assert again.code == 0
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    assert {str(e["UID"]) for e in cal.walk("VEVENT")} == uids  # re-import updates, not adds
    staging = keys.v("rotation", "export-ics", str(tmp_path / "s.ics"), "--env", "staging")
    assert staging.out.startswith("Wrote 1 event to ")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".ics", ".tmp")) == [
        "rotations.ics",
        "s.ics",
    ]


def test_export_ics_never_replaces_a_file_unasked(keys: Cli, tmp_path: Path):
    target = tmp_path / "mine.ics"
    target.write_text("my own calendar")
    before = keys.vault.read_bytes()
    result = keys.v("rotation", "export-ics", str(target))
    unchanged(keys, before, result, 1, "already exists; pass --force to replace it")
    assert target.read_text() == "my own calendar"
    missing = tmp_path / "no" / "such" / "folder.ics"
    result = keys.v("rotation", "export-ics", str(missing))
    unchanged(keys, before, result, 2, "does not exist")
    assert not missing.parent.exists()
    result = keys.v("rotation", "export-ics", str(tmp_path / "x.ics"), "--env", "qa")
    unchanged(keys, before, result, 1, "no environment named 'qa'")
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file() and p.suffix != ".txt") == [
        "mine.ics",
        "team.kl",
    ]


# -- rotation log -------------------------------------------------------------------------------


def test_log_table_json_and_csv(keys: Cli, clock: Clock, tmp_path: Path):
    clock.advance(1)
    rotated = keys.v(
        "secret", "rotate", "dev", "Short", "--reason", "scheduled", "--ticket", "=1+1",
        stdin="value-" + "u" * 20,
    )  # fmt: skip
    assert rotated.code == 0, rotated.err
    keys.v("rotation", "flag", "dev", EVIL, "--reason", "exposure", "--note", "@here saw it")
    table = rows(keys.v("rotation", "log"))
    assert table[0] == [
        "WHEN (UTC)",
        "ENV",
        "SECRET",
        "ACTION",
        "VERSION",
        "REASON",
        "TICKET",
        "BY",
        "FINGERPRINT",
        "NOTE",
    ]
    assert [r[1:6] for r in table[1:]] == [
        ["dev", "OpenAI dev", "created", "1", "created"],
        ["dev", "Short", "created", "1", "created"],
        ["dev", EVIL, "created", "1", "created"],
        ["staging", "Stage key", "created", "1", "created"],
        ["dev", "Short", "rotated", "2", "scheduled"],
        ["dev", EVIL, "flagged", "1", "exposure"],
    ]
    assert table[5][0] == "2026-12-01 20:00:00"
    entries = json.loads(keys.v("rotation", "log", "--json").out)
    assert all(set(e) == set(LOG_HEADER) for e in entries)
    assert entries[4]["at"] == "2026-12-01T20:00:00.000000Z"
    assert (entries[4]["version"], entries[4]["ticket"]) == (2, "=1+1")
    assert entries[4]["fingerprint"].startswith("sha256:")
    assert entries[5]["note"] == "@here saw it"

    target = tmp_path / "log.csv"
    written = keys.v("rotation", "log", "--csv", str(target))
    assert written.out == f"Wrote 6 entries to {target}.\n"
    assert target.read_bytes().startswith(b'\xef\xbb\xbf"at","environment"')
    with target.open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.reader(f))
    assert back[0] == list(LOG_HEADER)
    assert back[5] == [
        "2026-12-01T20:00:00Z",
        "dev",
        "Short",
        "SHORT",
        "rotated",
        "2",
        "scheduled",
        "'=1+1",
        "",
        "alice",
        entries[4]["fingerprint"],
    ]
    assert back[3][2] == "'" + EVIL
    assert back[6][8] == "'@here saw it"
    for row in back:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    staging = keys.v("rotation", "log", "--env", "staging", "--csv", str(tmp_path / "s.csv"))
    assert staging.out.startswith("Wrote 1 entry to ")


def test_log_mistakes_write_nothing(keys: Cli, tmp_path: Path):
    target = tmp_path / "log.csv"
    target.write_text("keep me")
    before = keys.vault.read_bytes()
    result = keys.v("rotation", "log", "--csv", str(target))
    unchanged(keys, before, result, 1, "already exists; pass --force")
    assert target.read_text() == "keep me"
    result = keys.v("rotation", "log", "--csv", str(tmp_path / "x.csv"), "--json")
    unchanged(keys, before, result, 2, "choose one of --csv FILE and --json")
    result = keys.v("rotation", "log", "--env", "qa")
    unchanged(keys, before, result, 1, "no environment named 'qa'")
    assert not (tmp_path / "x.csv").exists()
    forced = keys.v("rotation", "log", "--csv", str(target), "--force")
    assert forced.code == 0
    with target.open(encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f)) == list(LOG_HEADER)


# -- rotation flag / unflag ---------------------------------------------------------------------


def test_flag_and_unflag(keys: Cli):
    before = keys.vault.read_bytes()
    result = keys.v("rotation", "unflag", "dev", "Short", "--note", "false alarm")
    unchanged(keys, before, result, 1, "'Short' in dev is not flagged")
    result = keys.v("rotation", "flag", "dev", "Short", "--reason", "leak")
    unchanged(keys, before, result, 2, "'leak' is not one of 'exposure', 'incident'")
    result = keys.v("rotation", "flag", "dev", "Nope", "--reason", "other")
    unchanged(keys, before, result, 1, "no secret named 'Nope' in dev")
    result = keys.v("rotation", "flag", "dev", "Short", "--reason", "other", "--note", "x" * 501)
    unchanged(keys, before, result, 2, "the note is limited to 500 characters")

    assert keys.v("rotation", "flag", "dev", "Short", "--reason", "offboarding").code == 0
    flagged = keys.vault.read_bytes()
    result = keys.v("rotation", "unflag", "dev", "Short")
    unchanged(keys, flagged, result, 2, "Missing option '--note'")
    result = keys.v("rotation", "unflag", "dev", "Short", "--note", "  ")
    unchanged(keys, flagged, result, 2, "say why the flag is withdrawn (--note)")
    done = keys.v("rotation", "unflag", "dev", "Short", "--note", "Dana stays after all")
    assert done.out == "Withdrew the flag on Short in dev.\n"
    found = json.loads(keys.v("rotation", "list", "--env", "dev", "--json").out)
    assert all(f["flag"] is None for f in found)
    log = json.loads(keys.v("rotation", "log", "--env", "dev", "--json").out)
    assert [(e["action"], e["reason"], e["note"]) for e in log[-2:]] == [
        ("flagged", "offboarding", ""),
        ("unflagged", "", "Dana stays after all"),
    ]


# -- secret rotate ------------------------------------------------------------------------------


def test_rotate_generate_stores_a_new_value_and_prints_its_fingerprint(keys: Cli):
    result = keys.v("secret", "rotate", "dev", "Short", "--reason", "scheduled", "--generate")
    assert result.code == 0, result.err
    first, second = result.out.splitlines()
    shown = json.loads(keys.v("secret", "show", "dev", "Short", "--json").out)
    assert first == f"Rotated Short in dev: now version 2, fingerprint {shown['fingerprint']}."
    assert second.startswith("Generated 40 characters;")
    value = keys.v("secret", "get", "dev", "Short").out.rstrip("\n")
    assert len(value) == 40
    assert value.isalnum()
    assert value not in result.out
    short = keys.v(
        "secret", "rotate", "dev", "Short", "--reason", "other", "--generate", "--length", "16"
    )
    assert short.code == 0
    assert len(keys.v("secret", "get", "dev", "Short").out.rstrip("\n")) == 16


def test_rotate_a_provider_key_points_at_its_console(keys: Cli):
    result = keys.v(
        "secret", "rotate", "dev", "OpenAI dev", "--reason", "exposure", "--ticket", "INC-42",
        stdin="sk-proj-" + "S" * 40,
    )  # fmt: skip
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Rotated OpenAI dev in dev: now version 2, fingerprint sha256:")
    assert lines[1].startswith("Revoke the old key in the OpenAI console: https://")
    history = json.loads(keys.v("secret", "history", "dev", "OpenAI dev", "--json").out)
    assert (history[0]["reason"], history[0]["ticket"]) == ("exposure", "INC-42")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("OpenAI dev", "--reason", "scheduled", "--generate"), 2, "OpenAI issues 'OpenAI dev'"),
        (("Short", "--reason", "scheduled", "--length", "20"), 2, "--length goes with --generate"),
        (("Short", "--reason", "scheduled", "--generate", "--length", "8"), 2, "8 is not in"),
        (("Short", "--reason", "update"), 2, "'update' is not one of 'scheduled', 'exposure'"),
        (("Short", "--reason", "whim"), 2, "'whim' is not one of"),
        (("Short",), 2, "Missing option '--reason'"),
    ],
)
def test_rotate_mistakes(keys: Cli, args, code, message):
    before = keys.vault.read_bytes()
    result = keys.v("secret", "rotate", "dev", *args, stdin="value-" + "n" * 20)
    unchanged(keys, before, result, code, message)
    assert keys.v("secret", "get", "dev", args[0]).code == 0
    hist = json.loads(keys.v("secret", "history", "dev", args[0], "--json").out)
    assert len(hist) == 1


def test_usage_errors_are_one_line_everywhere(cli: Cli):
    result = cli.v("audit", "list", "--limit", "0")
    assert result.code == 2
    assert one_line(result.err) == (
        "keyledger: Invalid value for '--limit': 0 is not in the range x>=1."
        " (see 'keyledger audit list --help')"
    )
    result = cli.v("rotation", "nope")
    assert result.code == 2
    assert "No such command 'nope'" in one_line(result.err)
    assert "Usage:" in cli.v("rotation").err  # a bare group still shows its help
