"""The rotation calendar, read back with the independent `icalendar` package."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import ical
from app.core.clock import iso
from app.core.model import Secret, SecretMeta
from app.core.rotation import Flag, items

NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # already 1 December in Tokyo
TOKYO = ZoneInfo("Asia/Tokyo")


def secret(name, env="prod", *, due, sid, provider="", version=3, owner=""):
    rotated = iso(due - timedelta(days=90))
    meta = SecretMeta(name, "API_KEY", provider, owner)
    return Secret(sid, env, env, meta, version, rotated, rotated, rotated, 90)


def parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text.encode("utf-8"))


def events(text: str) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in parse(text).walk("VEVENT")}


def build(found_secrets, flags=None, now=NOW, tz=TOKYO, vault="Acme AI") -> str:
    return ical.calendar(vault, items(found_secrets, flags or {}, now), now, tz)


def test_one_all_day_event_on_the_due_date_in_the_users_zone():
    due = datetime(2027, 1, 14, 18, 0, tzinfo=UTC)  # 15 January in Tokyo
    text = build([secret("OpenAI prod", due=due, provider="openai", sid="s1", owner="alice")])
    cal = parse(text)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == ical.PRODID
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    event = events(text)["s1@keyledger"]
    assert event.decoded("DTSTART") == date(2027, 1, 15)
    assert event.decoded("DTEND") == date(2027, 1, 16)
    assert "DTSTART;VALUE=DATE:20270115\r\n" in text
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["SUMMARY"]) == "Rotate OpenAI prod (prod)"
    assert event.decoded("DESCRIPTION").splitlines() == [
        "Variable: API_KEY",
        "Provider: OpenAI",
        "Owner: alice",
        "Rotation period: 90 days",
        "Due: 2027-01-15",
        "Status: ok",
        "Console: https://platform.openai.com/api-keys",
    ]
    assert str(event["URL"]) == "https://platform.openai.com/api-keys"
    assert [str(c) for c in event["CATEGORIES"].cats] == ["KeyLedger", "prod"]
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(days=-7)


def test_a_key_keeps_its_uid_across_exports_and_rotations_and_a_later_export_is_newer():
    due = NOW + timedelta(days=30)
    first = events(build([secret("k", due=due, sid="abc", version=3)]))
    later = events(build([secret("k", due=due, sid="abc", version=3)], now=NOW + timedelta(days=2)))
    rotated = events(build([secret("k", due=due + timedelta(90), sid="abc", version=4)]))
    assert set(first) == set(later) == set(rotated) == {"abc@keyledger"}
    assert later["abc@keyledger"].decoded("SEQUENCE") > first["abc@keyledger"].decoded("SEQUENCE")
    assert rotated["abc@keyledger"].decoded("DTSTART") > first["abc@keyledger"].decoded("DTSTART")


def test_overdue_and_flagged_keys_are_dated_today_and_say_so():
    late = secret("late", due=NOW - timedelta(days=10), sid="late")
    leaked = secret("leaked", due=NOW + timedelta(days=60), sid="leaked", provider="groq")
    flag = Flag("leaked", "exposure", "pasted in chat", iso(NOW), "bob")
    found = events(build([late, leaked], {"leaked": flag}))
    today = date(2026, 12, 1)  # in Tokyo
    overdue, required = found["late@keyledger"], found["leaked@keyledger"]
    assert overdue.decoded("DTSTART") == today == required.decoded("DTSTART")
    assert str(overdue["SUMMARY"]) == "Rotate late (prod) — overdue"
    assert str(required["SUMMARY"]) == "Rotate leaked (prod) — rotation required"
    description = required.decoded("DESCRIPTION")
    assert "Status: rotation required (exposure)" in description
    assert "Due: 2027-01-30" in description  # the schedule's own date is still told
    assert "pasted in chat" not in description  # the note stays in the vault
    assert overdue.walk("VALARM")[0].decoded("TRIGGER") == timedelta(hours=9)


def test_a_key_without_a_known_provider_has_no_url():
    event = events(build([secret("Webhook", due=NOW + timedelta(days=5), sid="w")]))["w@keyledger"]
    assert "URL" not in event
    assert "Provider" not in event.decoded("DESCRIPTION")
    assert "Status: due soon" in event.decoded("DESCRIPTION")


AWKWARD = [
    "OpenAI, prod; main",
    "back\\slash",
    "🔑 Anthropic 🧪 staging 👩‍💻",
    "Ünïcödé — clé d’API",
    "x" * 200,
    "é" * 120 + "🔑" * 30,
    '=HYPERLINK("http://evil","x")',
]


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_names_round_trip_exactly(name):
    text = build([secret(name, env="dev-eu", due=NOW + timedelta(days=40), sid="n")])
    event = events(text)["n@keyledger"]
    assert str(event["SUMMARY"]) == f"Rotate {name} (dev-eu)"
    alarm_text = event.walk("VALARM")[0]["DESCRIPTION"]
    assert str(alarm_text) == f"Rotate {name} (dev-eu)"


def test_text_escaping_is_rfc_5545():
    assert ical.escape("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    assert ical.escape("bell\x07 and tab\t") == "bell and tab\t"
    text = build([], vault="Acme, AI; Ltd")
    # icalendar leaves X- properties undecoded; RFC 5545 gives them the TEXT type.
    assert "X-WR-CALNAME:KeyLedger rotations — Acme\\, AI\\; Ltd\r\n" in text
    assert str(parse(text)["X-WR-CALNAME"]) == "KeyLedger rotations — Acme\\, AI\\; Ltd"


def physical_lines(text: str) -> list[bytes]:
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare LF or CR anywhere
    assert b"\r" not in data.replace(b"\r\n", b"")
    return data[:-2].split(b"\r\n")


def test_every_line_is_folded_to_75_octets_without_splitting_a_character():
    names = AWKWARD[3:6]
    found = [secret(n, due=NOW + timedelta(days=9 + i), sid=f"s{i}") for i, n in enumerate(names)]
    text = build(found, vault="🔑" * 40)
    lines = physical_lines(text)
    assert max(len(line) for line in lines) == 75  # the long ones were folded, to the limit
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # each physical line is whole UTF-8 characters


@given(st.text(max_size=400).map(lambda s: "SUMMARY:" + ical.escape(s)))
def test_folding_keeps_the_line_and_its_characters(line):
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert parts[0] == line[: len(parts[0])]
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p[1:] for p in parts[1:])  # no empty continuation lines
