"""`keyledger review …` as an admin meets it: start, show, decide, sign off, export, errors."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from app.core.clock import SystemClock
from app.core.csvsafe import ENCODING
from app.services import keychain
from app.services import team as team_service
from app.services.keychain import read_secret_key_file
from app.services.secrets import add_secret, reveal
from app.services.vault import Vault
from app.storage import ledger
from tests.cli.conftest import Cli, one_line
from tests.conftest import PASSPHRASE, open_step_ups
from tests.team import join_as

START = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The CLI's clock, 100 days before START, from before `init` on: a commit is never dated
    before its parent, so a vault made at the real time would move later ones to that time."""
    clock = [START - timedelta(days=100)]
    monkeypatch.setattr(SystemClock, "now", lambda _self: clock[0])
    return clock


@pytest.fixture
def team(now: list[datetime], cli: Cli) -> Cli:
    """alice (owner) with bob (dev write, copied a key) and erin (staging read, never used),
    100 days ago; dora (admin) decides alice's own rows."""
    alice = Vault.unlock(cli.vault, "alice", PASSPHRASE, read_secret_key_file(cli.kit))
    try:
        open_step_ups(alice)
        add_secret(alice, "dev", "OpenAI dev", "sk-proj-" + "d" * 40)
        dora = teammate(alice, "dora", "admin")
        bob = teammate(alice, "bob", "member", ("dev:write",))
        erin = teammate(alice, "erin", "member", ("staging:read",))
        now[0] = START - timedelta(days=2)
        reveal(bob, "dev", "OpenAI dev", channel="copy")
        for other in (dora, bob, erin):
            other.lock()
    finally:
        alice.lock()
    now[0] = START
    return cli


def teammate(alice: Vault, handle: str, role: str, grants: tuple[str, ...] = ()) -> Vault:
    """Joined and approved, with the Secret Key in the keychain as `keyledger join` leaves it."""
    joined = join_as(alice, handle, role, grants)
    team_service.approve(alice, handle, joined.fingerprint)
    keychain.store_secret_key(joined.vault_id, joined.member_id, joined.secret_key)
    return Vault.unlock(alice.published, handle, PASSPHRASE, joined.secret_key, alice.clock)


def head(cli: Cli) -> str:
    import sqlite3

    conn = sqlite3.connect(cli.vault)
    try:
        found = ledger.head(conn)
        assert found is not None
        return found.hash
    finally:
        conn.close()


def as_(cli: Cli, who: str, *args: str):
    """A command run by a teammate, whose Secret Key is in the keychain."""
    return cli("--vault", str(cli.vault), "--as", who, *args)


def started(cli: Cli) -> str:
    made = cli.v("--as", "alice", "review", "start", "--due", "2027-04-30", "--json")
    assert made.code == 0, made.err
    return str(json.loads(made.out)["id"])


def test_a_review_from_start_to_export(team: Cli, tmp_path):
    made = team.v("--as", "alice", "review", "start", "--due", "2027-04-30")
    assert made.code == 0, made.err
    line = one_line(made.out)
    assert "grants to decide by 2027-04-30, reviewer alice; 4 unused for 90 days" in line
    review_id = line.split()[1]
    shown = team.v("--as", "alice", "review", "show", review_id[:6])
    assert shown.code == 0, shown.err
    erin = next(x for x in shown.out.splitlines() if x.startswith("erin"))
    assert "never UNUSED 90d" in erin
    assert "undecided" in erin
    bob = next(x for x in shown.out.splitlines() if x.startswith("bob"))
    assert "2027-03-13 (copy)" in bob
    decided = team.v(
        "--as",
        "alice",
        "review",
        "decide",
        review_id,
        "erin",
        "staging",
        "revoke",
        "--comment",
        "never used",
    )
    assert decided.code == 0, decided.err
    kept = team.v("--as", "alice", "review", "decide", review_id, "bob", "dev", "keep", "--json")
    assert json.loads(kept.out)["decided"] == 2
    for env in ("dev", "staging", "prod"):
        done = as_(team, "dora", "review", "decide", review_id, "alice", env, "keep")
        assert done.code == 0, done.err
    rows = json.loads(team.v("--as", "alice", "review", "show", review_id, "--json").out)["rows"]
    assert all(r["decision"] for r in rows)
    signed = team.v("--as", "alice", "review", "complete", review_id, "--json")
    assert signed.code == 0, signed.err
    result = json.loads(signed.out)
    assert result["status"] == "completed"
    assert result["revoked"] == [{"member": "erin", "environments": ["staging"], "flagged": 0}]
    out = tmp_path / "review.csv"
    exported = team.v("--as", "alice", "review", "export", review_id, "--csv", str(out))
    assert exported.code == 0, exported.err
    with out.open(encoding=ENCODING, newline="") as f:
        table = list(csv.DictReader(f))
    assert {r["account name"] for r in table} == {"alice", "bob", "erin"}
    erin_row = next(r for r in table if r["account name"] == "erin")
    assert (erin_row["access appropriate"], erin_row["comment"]) == ("No", "never used")
    listed = team.v("--as", "alice", "review", "list")
    assert "completed" in listed.out
    assert "The next review is due 2027-06-14." in listed.out


BAD = {
    "a due date in the past": (["review", "start", "--due", "2020-01-01"], 2, "in the past"),
    "a malformed due date": (["review", "start", "--due", "31/12/2026"], 2, "YYYY-MM-DD"),
    "a member as reviewer": (
        ["review", "start", "--due", "2027-04-30", "--reviewer", "bob"],
        2,
        "not an admin",
    ),
    "an unknown review": (["review", "show", "ffffffff"], 1, "no access review"),
    "a short review id": (["review", "show", "ff"], 2, "at least 4"),
}


@pytest.mark.parametrize("case", BAD, ids=BAD.keys())
def test_bad_input_is_one_line_with_its_exit_code_and_changes_nothing(team: Cli, case: str):
    args, code, message = BAD[case]
    before = head(team)
    result = team.v("--as", "alice", *args)
    assert result.code == code
    assert message in one_line(result.err)
    assert head(team) == before


def test_the_rules_of_a_review_hold_at_the_command_line(team: Cli, tmp_path):
    review_id = started(team)
    before = head(team)
    own = team.v("--as", "alice", "review", "decide", review_id, "alice", "dev", "keep")
    assert (own.code, "another admin decides" in own.err) == (4, True)
    silent = team.v("--as", "alice", "review", "decide", review_id, "bob", "dev", "revoke")
    assert (silent.code, "say why" in silent.err) == (2, True)
    early = team.v("--as", "alice", "review", "complete", review_id)
    assert early.code == 1
    assert "undecided" in one_line(early.err)
    member = as_(team, "bob", "review", "decide", review_id, "erin", "staging", "keep")
    assert member.code == 4
    assert head(team) == before
    taken = tmp_path / "taken.csv"
    taken.write_text("mine")
    refused = team.v("--as", "alice", "review", "export", review_id, "--csv", str(taken))
    assert refused.code == 1
    assert taken.read_text() == "mine"
