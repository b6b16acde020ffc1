"""The audit history as a user filters it: every action named, details readable, no secrets."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from app.core import totp
from app.core.clock import FixedClock
from app.core.errors import Conflict, InvalidInput, NotFound
from app.crypto.encoding import b64e
from app.services import team
from app.services.audit import AuditFilter, entries, export_csv, query
from app.services.environments import find_environment
from app.services.files import sha256_file
from app.services.team import list_members
from app.services.vault import Vault
from tests.services import team_world
from tests.services.evidence_world import EVIL, busy
from tests.team import add_teammate

DAY = date(2026, 11, 30)
LATER = date(2026, 12, 10)


@pytest.fixture
def world(vault: Vault, clock: FixedClock) -> dict[str, object]:
    return busy(vault, clock)


def test_every_action_is_named_with_readable_details(vault: Vault, world):
    seen = {e.action: e for e in entries(vault)}
    assert {
        "vault.create", "member.add", "key.grant", "env.add", "env.policy", "secret.create",
        "secret.update", "secret.rotate", "secret.delete", "secret.flag", "secret.unflag",
        "secret.reveal", "secret.copy", "env.run", "import", "totp.enroll", "totp.confirm",
        "totp.success", "totp.failure", "totp.recovery", "totp.reset",
    } <= set(seen)  # fmt: skip
    assert seen["env.policy"].details == {
        "changes": {"clipboard_s": [30, 15], "rotation_days": [180, 60]}
    }
    assert seen["secret.update"].details == {"changed": ["owner", "notes"]}
    assert seen["totp.reset"].details == {"member": "bob"}
    assert seen["totp.confirm"].details == {"member": "alice", "recovery_codes": 10}
    assert seen["totp.success"].env == "prod"
    assert seen["totp.recovery"].details == {"member": "alice", "recovery_code": "#1 of 10"}
    assert (seen["secret.delete"].env, seen["secret.delete"].secret) == ("dev", "Gone soon")


def test_no_value_seed_or_code_appears_in_any_event(vault: Vault, world):
    text = repr(list(entries(vault)))
    codes = world["codes"]
    forbidden = [*world["values"], world["seed_text"], *codes, *map(totp.hash_recovery, codes)]
    assert not [f for f in forbidden if str(f) in text]


def test_filters_by_period_actor_action_environment_and_text(vault: Vault, world):
    later = list(query(vault, AuditFilter(since=LATER)))
    assert [e.action for e in later] == [
        "totp.enroll", "totp.confirm", "totp.success", "totp.failure", "totp.recovery",
    ]  # fmt: skip
    assert all(e.ts.startswith("2026-11-30") for e in query(vault, AuditFilter(until=DAY)))
    assert {e.actor for e in query(vault, AuditFilter(actor="bob"))} == {"bob"}
    secret_events = list(query(vault, AuditFilter(action="secret")))
    assert secret_events
    assert all(e.action.startswith("secret.") for e in secret_events)
    assert {e.action for e in query(vault, AuditFilter(action="secret.flag"))} == {"secret.flag"}
    assert {e.env for e in query(vault, AuditFilter(env="staging"))} == {"staging"}
    found = list(query(vault, AuditFilter(text="PASTED IN")))
    assert [(e.action, e.secret) for e in found] == [("secret.flag", EVIL)]


def test_impossible_filters_are_refused_plainly(vault: Vault):
    with pytest.raises(InvalidInput, match="starts .* after it ends"):
        list(query(vault, AuditFilter(since=LATER, until=DAY)))
    with pytest.raises(NotFound, match="no member named 'carol'"):
        query(vault, AuditFilter(actor="carol"))
    with pytest.raises(NotFound, match="no environment named 'qa'"):
        query(vault, AuditFilter(env="qa"))


def test_the_csv_export_is_neutralised_complete_and_recorded(vault: Vault, world, tmp_path):
    out = tmp_path / "audit.csv"
    count = export_csv(vault, AuditFilter(until=DAY), out)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["seq", "time", "actor", "action", "environment", "secret", "details"]
    assert len(rows) == count + 1
    assert list({r[5] for r in rows if "HYPERLINK" in r[5]}) == ["'" + EVIL]
    export = list(entries(vault))[-1]
    assert (export.action, export.details) == (
        "export",
        {
            "kind": "audit-csv",
            "period": {"from": None, "to": "2026-11-30"},
            "files": ["audit.csv"],
            "sha256": sha256_file(out),
        },
    )
    with pytest.raises(Conflict, match="already exists"):
        export_csv(vault, AuditFilter(), out)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- team access ------------------------------------------------------------------------------
def _team(vault: Vault) -> list[tuple[str, str, str, dict[str, object]]]:
    kinds = ("member.", "access.", "key.rotate", "env.reencrypt")
    return [
        (e.actor, e.action, e.env, e.details) for e in entries(vault) if e.action.startswith(kinds)
    ]


def test_every_team_event_is_told_with_who_what_where_and_why(vault: Vault, clock: FixedClock):
    world = team_world.build(vault, clock)
    told = _team(vault)
    fingerprints = {m.handle: m.fingerprint for m in list_members(vault, include_removed=True)}
    staging, prod = world.staging_request, world.prod_request
    week = "2026-12-07T09:00:00Z"
    assert [t[1] for t in told[5:12]] == [
        "member.invite", "member.join", "member.approve", "access.grant",  # carol, dev write
        "member.invite", "member.join", "member.approve",  # dave, an auditor: no grant
    ]  # fmt: skip
    assert told[1:5] + told[12:] == [  # [0]: the owner's member.add at creation
        ("alice", "member.invite", "", {"member": "bob", "role": "member",
                                        "grants": ["dev: read"], "expires": week}),
        ("bob", "member.join", "", {"member": "bob", "role": "member",
                                    "fingerprint": fingerprints["bob"]}),
        ("alice", "member.approve", "", {"member": "bob", "role": "member",
                                         "fingerprint": fingerprints["bob"]}),
        ("alice", "access.grant", "dev", {"member": "bob", "access": "read"}),
        ("alice", "member.invite", "", {"member": "erin", "role": "member",
                                        "grants": ["dev: read"], "expires": week}),
        ("alice", "member.uninvite", "", {"member": "erin", "role": "member"}),
        ("alice", "member.invite", "", {"member": "frank", "role": "member", "expires": week}),
        ("frank", "member.join", "", {"member": "frank", "role": "member",
                                      "fingerprint": fingerprints["frank"]}),
        ("alice", "member.remove", "", {"member": "frank", "role": "member",
                                        "join_refused": True}),
        ("alice", "access.grant", "prod", {"member": "bob", "access": "read",
                                           "until": "2026-12-06T09:00:00Z"}),
        ("bob", "access.request", "staging", {"request": staging, "access": "write",
                                              "reason": "incident 42: hotfix"}),
        ("alice", "access.approve", "staging", {"request": staging, "member": "bob",
                                                "access": "write"}),
        ("alice", "access.grant", "staging", {"member": "bob", "access": "write",
                                              "request": staging}),
        ("carol", "access.request", "prod", {"request": prod, "access": "read",
                                             "reason": "curious about prod"}),
        ("alice", "access.deny", "prod", {"request": prod, "member": "carol", "access": "read",
                                          "reason": "not needed for your work"}),
        ("alice", "access.revoke", "dev", {"member": "carol"}),
        ("alice", "key.rotate", "dev", {"key": "environment key", "epoch": 2}),
        ("alice", "env.reencrypt", "dev", {"values": 1, "epoch": 2}),
        ("alice", "access.revoke", "prod", {"member": "bob", "until": "2026-12-06T09:00:00Z",
                                            "expired": True}),
        ("alice", "key.rotate", "prod", {"key": "environment key", "epoch": 2}),
        ("alice", "env.reencrypt", "prod", {"values": 1, "epoch": 2}),
        ("alice", "member.remove", "", {"member": "bob", "role": "member"}),
        ("alice", "key.rotate", "vault", {"key": "vault key", "epoch": 2}),
        ("alice", "key.rotate", "dev", {"key": "environment key", "epoch": 3}),
        ("alice", "env.reencrypt", "dev", {"values": 1, "epoch": 3}),
        ("alice", "key.rotate", "staging", {"key": "environment key", "epoch": 2}),
        ("alice", "env.reencrypt", "staging", {"values": 1, "epoch": 2}),
    ]  # fmt: skip


def test_key_deliveries_say_what_they_serve(vault: Vault, clock: FixedClock):
    team_world.build(vault, clock)
    keys = [(e.env, e.details) for e in query(vault, AuditFilter(action="key.grant"))]
    assert keys[:4] == [
        ("vault", {"member": "alice", "epoch": 1, "via": "new member"}),
        ("dev", {"member": "alice", "epoch": 1, "via": "new environment"}),
        ("staging", {"member": "alice", "epoch": 1, "via": "new environment"}),
        ("prod", {"member": "alice", "epoch": 1, "via": "new environment"}),
    ]
    assert ("vault", {"member": "bob", "epoch": 1, "via": "approval"}) in keys
    assert ("staging", {"member": "bob", "epoch": 1, "via": "grant"}) in keys
    rekeyed = [d["member"] for env, d in keys if env == "dev" and d.get("via") == "re-key"]
    assert rekeyed == ["alice", "bob", "alice"]  # after carol's revocation, after bob left
    assert "bob" not in [d["member"] for env, d in keys if env == "vault" and d["epoch"] == 2]


def test_team_events_filter_export_and_hide_codes_and_values(
    vault: Vault, clock: FixedClock, tmp_path
):
    world = team_world.build(vault, clock)
    assert {e.action for e in query(vault, AuditFilter(action="access"))} == {
        "access.grant", "access.revoke", "access.request", "access.approve", "access.deny",
    }  # fmt: skip
    found = list(query(vault, AuditFilter(text="incident 42")))
    assert [e.action for e in found] == ["access.request"]
    assert {e.env for e in query(vault, AuditFilter(action="env.reencrypt"))} == {
        "dev", "prod", "staging",
    }  # fmt: skip
    out = tmp_path / "audit.csv"
    export_csv(vault, AuditFilter(), out)
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    deny = next(r for r in rows if r[3] == "access.deny")
    assert (deny[2], deny[4]) == ("alice", "prod")
    assert json.loads(deny[6])["reason"] == "not needed for your work"
    shown = repr(list(entries(vault))) + text
    pubs = [r[0] for r in vault.conn.execute("SELECT pub FROM invites")]
    codes = [*world.codes, *(team.parse_code(c).hex() for c in world.codes)]
    forbidden = [*world.values, *codes, *(b64e(bytes(p)) for p in pubs)]
    assert not [f for f in forbidden if f in shown]


def test_an_unreadable_request_reason_does_not_stop_the_history(vault: Vault, clock: FixedClock):
    bob = add_teammate(vault, "bob", "member", ("dev:read",))
    try:
        bob.commit(
            [{"t": "access.request", "request": "0123456789abcdef", "env": find_environment(
                bob, "prod").id, "access": "read", "until": None, "reason": b64e(bytes(40)),
              "reason_epoch": 1}]
        )  # fmt: skip
    finally:
        bob.lock()
    asked = next(e for e in entries(vault) if e.action == "access.request")
    assert asked.details["reason"] == "(cannot be read)"


def test_an_access_review_is_told_start_decisions_and_sign_off(vault: Vault, clock: FixedClock):
    review = team_world.reviewed(vault, clock)
    told = [
        (e.actor, e.action, e.env, e.details) for e in query(vault, AuditFilter(action="review"))
    ]
    assert told[0] == (
        "alice",
        "review.start",
        "",
        {"review": review, "reviewer": "alice", "due": "2026-12-30T09:00:00Z", "grants": 5},
    )
    assert told[1:4] == [
        ("dora", "review.decide", env, {"review": review, "member": "alice", "decision": "keep",
                                        "comment": "owner keeps every environment"})
        for env in ("dev", "staging", "prod")
    ]  # fmt: skip
    assert told[5] == (
        "alice",
        "review.decide",
        "dev",
        {"review": review, "member": "bob", "decision": "revoke", "comment": "left the project"},
    )
    assert told[6] == ("alice", "review.complete", "", {"review": review})
    revoked = list(query(vault, AuditFilter(action="access.revoke")))
    assert [(e.env, e.details["member"]) for e in revoked] == [("dev", "bob")]
