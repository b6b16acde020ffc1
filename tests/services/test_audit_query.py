"""The audit history as a user filters it: every action named, details readable, no secrets."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from app.core import totp
from app.core.clock import FixedClock
from app.core.errors import Conflict, InvalidInput, NotFound
from app.services.audit import AuditFilter, entries, export_csv, query
from app.services.files import sha256_file
from app.services.vault import Vault
from tests.services.evidence_world import EVIL, busy

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
