"""The pack's access list, access requests and MFA enrollment after team changes: what an
auditor reads about who could open what, from when until when, and why."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from app.core.clock import FixedClock
from app.services import access, requests
from app.services.evidence import DATA_FILES, export_pack, verify_pack
from app.services.vault import Vault
from tests.conftest import open_step_ups
from tests.services import team_world
from tests.services.test_evidence import csv_rows, members
from tests.team import add_teammate, join_as

DAY = date(2026, 11, 30)


def _pack(vault: Vault, clock: FixedClock, tmp_path: Path, start: date = DAY) -> dict[str, bytes]:
    out = tmp_path / f"pack-{start}.zip"
    export_pack(vault, start, start + timedelta(days=20), out, now=clock.now())
    verify_pack(out)
    return members(out)


def _table(files: dict[str, bytes], stem: str) -> list[dict[str, str]]:
    header, *rows = csv_rows(files[f"{stem}.csv"])
    return [dict(zip(header, r, strict=True)) for r in rows]


def _short(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
    keys = ("account name", "status", "environment", "date created", "date deactivated")
    return [tuple(r[k] for k in keys) for r in rows]


def test_the_access_list_holds_the_history_of_every_key(
    vault: Vault, clock: FixedClock, tmp_path: Path
):
    world = team_world.build(vault, clock)
    rows = _table(_pack(vault, clock, tmp_path), "access-list")
    d0, d1, d2, d7, d8 = (f"2026-{d}T09:00:00Z" for d in
                          ("11-30", "12-01", "12-02", "12-07", "12-08"))  # fmt: skip
    assert _short(rows) == [
        ("alice", "active", "(all)", d0, ""),
        ("alice", "active", "dev", d0, ""),
        ("alice", "active", "staging", d0, ""),
        ("alice", "active", "prod", d0, ""),
        ("bob", "removed", "(all)", d0, d8),
        ("bob", "removed", "dev", d0, d8),
        ("bob", "removed", "staging", d1, d8),
        ("bob", "expired", "prod", d1, d7),  # time-bound: revoked at the next admin unlock
        ("carol", "active", "(all)", d0, ""),
        ("carol", "revoked", "dev", d0, d2),
        ("dave", "active", "(all)", d0, ""),  # the auditor: the catalog and history only
        ("frank", "refused", "", d0, d1),  # joined, never approved
    ]
    bob_prod, bob_staging = rows[7], rows[6]
    assert bob_prod["access"] == "values: read; TOTP step-up"
    assert bob_prod["access until"] == "2026-12-06T09:00:00Z"
    assert (bob_prod["granted by"], bob_prod["deactivated by"]) == ("alice", "alice")
    assert bob_staging["request"] == world.staging_request
    assert bob_staging["access"] == "values: read and write"
    assert rows[0]["access"] == "catalog and history: read"
    assert rows[-1]["access"] == "none: joined, awaiting approval"
    assert {r["role"] for r in rows if r["account name"] == "dave"} == {"auditor"}
    assert {r["access appropriate"] for r in rows} == {""}  # the reviewer's column


def test_a_grant_past_its_end_a_changed_grant_and_a_pending_join(
    vault: Vault, clock: FixedClock, tmp_path: Path
):
    open_step_ups(vault)
    add_teammate(vault, "bob", "member", ("dev:read",)).lock()
    access.grant(vault, "bob", "prod", "read", until=clock.now() + timedelta(days=1))
    clock.advance(hours=1)
    access.grant(vault, "bob", "dev", "write")
    join_as(vault, "carol")
    clock.advance(days=2)  # no admin unlocked since: prod's key is still bob's
    rows = _table(_pack(vault, clock, tmp_path), "access-list")
    bob = [(r["status"], r["environment"], r["access"], r["date deactivated"])
           for r in rows if r["account name"] == "bob"]  # fmt: skip
    assert bob == [
        ("active", "(all)", "catalog and history: read", ""),
        ("changed", "dev", "values: read", "2026-11-30T10:00:00Z"),
        ("active", "dev", "values: read and write", ""),
        ("expired, not yet revoked", "prod", "values: read; TOTP step-up", ""),
    ]
    carol = [r for r in rows if r["account name"] == "carol"]
    assert [(r["status"], r["date created"], r["granted by"]) for r in carol] == [
        ("pending", "2026-11-30T10:00:00Z", "")
    ]


def test_access_requests_open_in_the_period_with_reasons_and_decisions(
    vault: Vault, clock: FixedClock, tmp_path: Path
):
    world = team_world.build(vault, clock)
    erin = add_teammate(vault, "erin", "member", ("dev:read",))
    try:
        asked = requests.request_access(erin, "staging", "read", "=cmd|' /C calc'!A0")
    finally:
        erin.lock()
    files = _pack(vault, clock, tmp_path)
    rows = _table(files, "access-requests")
    assert [
        (r["request"], r["requested by"], r["environment"], r["access"], r["status"]) for r in rows
    ] == [  # fmt: skip
        (world.staging_request, "bob", "staging", "write", "approved"),
        (world.prod_request, "carol", "prod", "read", "denied"),
        (asked.id, "erin", "staging", "read", "open"),
    ]
    approved, denied, still_open = rows
    assert (approved["reason"], approved["decided by"], approved["decision reason"]) == (
        "incident 42: hotfix",
        "alice",
        "",
    )
    assert approved["decided at"] == "2026-12-01T09:00:00Z"
    assert (denied["reason"], denied["decision reason"]) == (
        "curious about prod",
        "not needed for your work",
    )
    assert still_open["reason"] == "'=cmd|' /C calc'!A0"  # neutralised in the CSV
    assert (still_open["decided by"], still_open["decided at"]) == ("", "")
    lines = [json.loads(x) for x in files["access-requests.jsonl"].splitlines()]
    assert lines[2]["reason"] == "=cmd|' /C calc'!A0"  # as typed in the JSON Lines
    assert lines[2]["decided at"] is None
    later = _table(_pack(vault, clock, tmp_path, DAY + timedelta(days=5)), "access-requests")
    assert [r["request"] for r in later] == [asked.id]  # those decided before it are out


def test_mfa_enrollment_and_coverage_follow_grants(vault: Vault, clock: FixedClock, tmp_path: Path):
    open_step_ups(vault)
    add_teammate(vault, "bob", "member", ("dev:read", "prod:read")).lock()
    add_teammate(vault, "carol", "member", ("dev:read",)).lock()
    mfa = {
        r["member"]: r["step-up access"]
        for r in _table(_pack(vault, clock, tmp_path), "mfa-enrollment")
    }
    assert mfa == {"alice": "prod", "bob": "prod", "carol": ""}
    access.revoke(vault, "bob", "prod")
    clock.advance(hours=1)
    after = _table(_pack(vault, clock, tmp_path, DAY + timedelta(days=1)), "mfa-enrollment")
    assert {r["member"]: r["step-up access"] for r in after} == {
        "alice": "prod",
        "bob": "",
        "carol": "",
    }


def test_no_invite_code_or_value_in_any_file(vault: Vault, clock: FixedClock, tmp_path: Path):
    world = team_world.build(vault, clock)
    files = _pack(vault, clock, tmp_path)
    assert {"access-requests.csv", "access-requests.jsonl"} <= set(files)
    assert set(DATA_FILES) <= set(files)
    text = b"".join(files.values())
    assert not [s for s in [*world.codes, *world.values] if s.encode() in text]
    readme = files["README.txt"].decode()
    assert "access-requests.csv/.jsonl" in readme
    assert "expired, not yet revoked" in readme
    assert "header only" not in readme  # reviews are in the pack now


def test_access_reviews_of_the_period_with_their_decisions(
    vault: Vault, clock: FixedClock, tmp_path: Path
):
    review = team_world.reviewed(vault, clock)
    rows = _table(_pack(vault, clock, tmp_path), "access-reviews")
    assert {r["review"] for r in rows} == {review}
    assert {(r["review started"], r["review completed"]) for r in rows} == {
        ("2026-11-30T09:00:00Z", "2026-12-02T09:00:00Z")
    }
    decided = {(r["account name"], r["environment"]): r for r in rows}
    assert len(decided) == 5
    bob = decided[("bob", "dev")]
    assert (bob["decision"], bob["access appropriate"], bob["comment"]) == (
        "revoke",
        "No",
        "left the project",
    )
    assert decided[("alice", "prod")]["decided by"] == "dora"
    later = _table(_pack(vault, clock, tmp_path, DAY + timedelta(days=5)), "access-reviews")
    assert later == []  # completed before that period began
