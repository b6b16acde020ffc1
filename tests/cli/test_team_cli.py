"""The team on the command line, as its members meet it on their own laptops: invite → join →
approve → grant → request → approve → revoke → remove, grants that run out, joining without a
keychain."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import keyring
import pytest
from keyring.backends import fail

from tests.cli.conftest import one_line
from tests.cli.team_world import CODE, FINGERPRINT, Clock, Team, grants, listing, members

OPENAI = "sk-proj-" + "R" * 40
STAGE = "stage-" + "t" * 30


@pytest.fixture
def team(tmp_path, monkeypatch) -> Team:
    root = tmp_path / "team"
    root.mkdir()
    made = Team(root, monkeypatch)
    made.init()
    for env, name, value in [("dev", "OpenAI dev", OPENAI), ("staging", "Stage key", STAGE)]:
        added = made.as_("alice", "secret", "add", env, name, stdin=value)
        assert added.code == 0, added.err
    return made


def test_the_whole_story(team: Team, memory_keyring):
    invited = team.as_(
        "alice", "member", "invite", "bob", "--role", "member", "--grant", "dev:read"
    )
    assert invited.code == 0, invited.err
    code = CODE.search(invited.out).group(0)
    assert invited.out.count(code) == 2  # the code, and the command bob runs
    assert f"keyledger join {team.vault} --invite {code} --name bob" in invited.out
    assert "over a channel you trust" in invited.out
    assert re.search(r"works once, until \d{4}-\d\d-\d\d \d\d:\d\d local", invited.out)
    assert code.encode() not in team.vault.read_bytes()
    assert [(i["name"], i["status"], i["grants"]) for i in listing(team)["invites"]] == [
        ("bob", "open", [{"env": "dev", "access": "read"}])
    ]

    # Bob, on his own laptop, with his own passphrase; his Secret Key goes to his keychain.
    joined = team.join("bob", code)
    assert joined.code == 0, joined.err
    assert "Secret Key:  KL1-" in joined.out
    assert "Read this fingerprint to the admin" in joined.out
    assert "An admin must approve you (keyledger member approve bob)" in joined.out
    assert "Secret Key saved to the OS keychain." in joined.err
    bob_fp = FINGERPRINT.search(joined.out).group(1)
    keys = [v for (_, user), v in memory_keyring.items.items() if user.startswith("secret-key:")]
    assert len(keys) == 2  # alice's and bob's
    assert any(k in joined.out for k in keys)
    waiting = team.as_("bob", "secret", "list")
    assert waiting.code == 4
    assert "waits for an admin to approve" in one_line(waiting.err)
    listed = listing(team)
    assert [(m["name"], m["status"], m["fingerprint"]) for m in listed["members"]][1] == (
        "bob",
        "pending",
        bob_fp,
    )
    assert listed["invites"] == []  # the invite is used

    # Alice compares what Bob reads out (spacing and case do not matter) and approves.
    approved = team.as_("alice", "member", "approve", "bob", "--fingerprint", bob_fp.upper())
    assert approved.code == 0, approved.err
    assert approved.out == "Approved bob as member: they can open dev:read.\n"
    assert team.as_("bob", "secret", "get", "dev", "OpenAI dev").out == OPENAI + "\n"
    no_staging = team.as_("bob", "secret", "get", "staging", "Stage key")
    assert no_staging.code == 4, no_staging.err
    table = team.as_("alice", "member", "list").out.splitlines()
    assert re.split(r" {2,}", table[0]) == [
        "NAME",
        "ROLE",
        "STATUS",
        "FINGERPRINT",
        "TOTP",
        "LAST ACTIVE",
        "ACCESS",
    ]
    assert re.split(r" {2,}", table[2])[:5] == ["bob", "member", "active", bob_fp, "no"]
    assert table[2].endswith("dev:read")

    # Carol becomes an admin; Alice compares her fingerprint in a terminal.
    carol_fp = team.joined("carol", "admin", "dev:write", "staging:read")
    asked = team.as_("alice", "member", "approve", "carol", tty=True, stdin="y\n")
    assert asked.code == 0, asked.err
    assert carol_fp in asked.err
    assert "Does it match theirs exactly?" in asked.err
    assert asked.out.endswith("Approved carol as admin: they can open dev:write, staging:read.\n")

    # Bob asks for staging; he cannot approve it, Carol can.
    requested = team.as_("bob", "access", "request", "staging", "--reason", "incident  42")
    assert requested.code == 0, requested.err
    request_id = re.search(r"request ([0-9a-f]{16})\.", requested.out).group(1)
    open_requests = json.loads(team.as_("alice", "access", "list", "--json").out)
    assert [(r["id"], r["member"], r["env"], r["access"], r["reason"]) for r in open_requests] == [
        (request_id, "bob", "staging", "read", "incident 42")
    ]
    refused = team.as_("bob", "access", "approve", request_id[:6])
    assert refused.code == 4
    assert "only an owner or admin" in one_line(refused.err)
    decided = team.as_("carol", "access", "approve", request_id[:6])
    assert decided.code == 0, decided.err
    assert decided.out == "Approved: bob has staging:read.\n"
    assert team.as_("bob", "secret", "get", "staging", "Stage key").out == STAGE + "\n"

    # Bob asks for prod; Alice says no, with a reason he can read.
    prod = team.as_("bob", "access", "request", "prod", "--reason", "curious", "--access", "write")
    prod_id = re.search(r"request ([0-9a-f]{16})\.", prod.out).group(1)
    denied = team.as_("alice", "access", "deny", prod_id, "--reason", "not needed")
    assert denied.out == "Denied bob's request for write access to prod.\n"
    assert json.loads(team.as_("bob", "access", "list", "--json").out) == []
    history = {
        r["id"]: r for r in json.loads(team.as_("bob", "access", "list", "--all", "--json").out)
    }
    assert (history[request_id]["status"], history[request_id]["decided_by"]) == (
        "approved",
        "carol",
    )
    assert history[prod_id]["status"] == "denied"
    assert history[prod_id]["decision_reason"] == "not needed"
    assert "denied by alice" in team.as_("alice", "access", "list", "--all").out

    # A time-bound upgrade of dev.
    last_day = date.today() + timedelta(days=30)
    upgraded = team.as_(
        "alice", "grant", "bob", "dev", "--access", "write", "--until", str(last_day)
    )
    assert upgraded.out == f"Granted bob write access to dev until {last_day}.\n"
    assert f"dev:write until {last_day}" in team.as_("alice", "member", "list").out
    assert grants(team, "bob") == ["dev:write", "staging:read"]

    # Revoking staging re-keys it and flags what Bob could read.
    revoked = team.as_("alice", "revoke", "bob", "staging")
    assert revoked.code == 0, revoked.err
    assert revoked.out.splitlines() == [
        "Revoked bob's access to staging. Re-keyed staging.",
        "Rotation required (bob could read these values; only a new value at the provider shuts"
        " them out):",
        "  staging  Stage key",
    ]
    assert revoked.err == ""
    gone = team.as_("bob", "secret", "get", "staging", "Stage key")
    assert gone.code == 4
    assert "rotation required (revocation)" in team.as_("alice", "rotation", "list").out

    # Removing Bob: the preview, the confirmation, what was flagged; he cannot open the vault.
    removed = team.as_("alice", "member", "remove", "bob", stdin="y\n")
    assert removed.code == 0, removed.err
    assert "These keys will be flagged rotation required (1):\n  dev  OpenAI dev" in removed.err
    assert "Remove bob?" in removed.err
    assert removed.out.splitlines() == [
        "Removed bob; the vault key is new, held by the remaining members. Re-keyed dev.",
        "Rotation required (bob could read these values; only a new value at the provider shuts"
        " them out):",
        "  dev  OpenAI dev",
    ]
    out = team.as_("bob", "secret", "list")
    assert out.code == 4
    assert "bob was removed from this vault" in one_line(out.err)
    assert "bob" not in members(team)
    everyone = listing(team, "--all")
    bob = next(m for m in everyone["members"] if m["name"] == "bob")
    assert (bob["status"], bob["grants"]) == ("removed", [])
    assert [(i["name"], i["status"]) for i in everyone["invites"]] == [
        ("carol", "approved"),
        ("bob", "approved"),
    ]
    assert team.as_("carol", "secret", "get", "dev", "OpenAI dev").out == OPENAI + "\n"

    verified = team("--vault", str(team.vault), "verify")
    assert verified.code == 0, verified.err
    actions = {e["action"] for e in json.loads(team.as_("alice", "audit", "list", "--json").out)}
    assert {
        "member.invite",
        "member.join",
        "member.approve",
        "access.grant",
        "access.request",
        "access.approve",
        "access.deny",
        "access.revoke",
        "member.remove",
    } <= actions
    assert code not in team.as_("alice", "audit", "list").out


def test_a_grant_past_its_end_is_revoked_when_an_admin_unlocks(team: Team, monkeypatch):
    clock = Clock(monkeypatch)
    team.add("bob", "member")
    last_day = clock.now.astimezone().date() + timedelta(days=2)
    given = team.as_("alice", "grant", "bob", "dev", "--access", "read", "--until", str(last_day))
    assert given.code == 0, given.err
    clock.advance(days=2)
    assert team.as_("bob", "secret", "get", "dev", "OpenAI dev").out == OPENAI + "\n"
    clock.advance(days=1)
    # A plain member's unlock changes nothing; the next admin unlock ends the grant.
    before = team.head()
    assert team.as_("bob", "secret", "list").code == 0
    assert team.head() == before
    listed = team.as_("alice", "member", "list")
    assert listed.code == 0
    assert one_line(listed.err) == (
        "keyledger: bob's access to dev had ended: revoked and re-keyed, 1 key flagged"
        " rotation required"
    )
    assert re.search(r"^bob .* -$", listed.out, re.MULTILINE)
    assert team.as_("bob", "secret", "get", "dev", "OpenAI dev").code == 4
    again = team.as_("alice", "member", "list")
    assert again.err == ""
    revokes = [
        e
        for e in json.loads(team.as_("alice", "audit", "list", "--json").out)
        if e["action"] == "access.revoke"
    ]
    assert [e["details"]["expired"] for e in revokes] == [True]


def test_until_is_the_end_of_that_day_on_this_computers_calendar(team: Team):
    team.add("bob", "member")
    today = date.today()
    given = team.as_("alice", "grant", "bob", "dev", "--access", "read", "--until", str(today))
    assert given.code == 0, given.err
    until = datetime.fromisoformat(members(team)["bob"]["grants"][0]["until"])
    local = until.astimezone()
    assert (local.date(), local.hour, local.minute) == (today, 23, 59)


def test_approving_in_a_terminal_needs_a_yes(team: Team):
    fingerprint = team.joined("bob", "member", "dev:read")
    before = team.head()
    no = team.as_("alice", "member", "approve", "bob", tty=True, stdin="n\n")
    assert no.code == 3
    assert fingerprint in no.err
    assert no.err.strip().endswith(  # after the prompt: a terminal echoes the user's Enter
        "keyledger: not approved: the fingerprints differ, so this join may not be bob's;"
        " refuse it with `keyledger member remove bob`"
    )
    assert team.head() == before
    refused = team.as_("alice", "member", "remove", "bob", "--yes")
    assert refused.out == "Refused bob's join; they never held a key.\n"
    assert members(team, "--all")["bob"]["status"] == "removed"


def test_an_uninvited_code_no_longer_joins(team: Team):
    code = team.invite("bob", "member", "dev:read")
    cancelled = team.as_("alice", "member", "uninvite", "bob")
    assert cancelled.out == "Cancelled bob's invite; its code no longer works.\n"
    before = team.head()
    late = team.join("bob", code)
    assert late.code == 4
    assert "already used or cancelled (cancelled)" in one_line(late.err)
    assert team.head() == before
    again = team.invite("bob", "auditor")
    assert team.join("bob", again).code == 0


def test_join_without_a_keychain_needs_a_file_for_the_secret_key(team: Team, tmp_path):
    code = team.invite("bob", "member", "dev:read")
    keyring.set_keyring(fail.Keyring())  # the autouse fixture puts the test keychain back
    before = team.head()
    refused = team.join("bob", code)
    assert refused.code == 1
    assert "no OS keychain is available" in one_line(refused.err)
    assert "--secret-key-file" in refused.err
    assert team.head() == before
    kit = tmp_path / "bob.kit"
    joined = team.join("bob", code, "--secret-key-file", str(kit))
    assert joined.code == 0, joined.err
    assert f"Secret Key saved to {kit}." in joined.err
    assert "Secret Key:  KL1-" in kit.read_text()
    assert kit.stat().st_mode & 0o077 == 0
    fingerprint = FINGERPRINT.search(joined.out).group(1)
    approved = team.as_("alice", "member", "approve", "bob", "--fingerprint", fingerprint)
    assert approved.code == 0, approved.err
    team.laptop("bob")
    opened = team(
        "--vault",
        str(team.vault),
        "--as",
        "bob",
        "--passphrase-file",
        str(team.passphrase_file("bob")),
        "--secret-key-file",
        str(kit),
        "secret",
        "get",
        "dev",
        "OpenAI dev",
    )
    assert opened.out == OPENAI + "\n", opened.err
