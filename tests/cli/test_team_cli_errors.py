"""Every mistake with the team commands: one line that says what is wrong, the documented exit
code, and the vault exactly as it was (same ledger head, same bytes)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest

from app.core.clock import SystemClock
from app.services.team import format_code
from tests.cli.team_world import FINGERPRINT, Team
from tests.conftest import MemoryKeyring


@dataclass(frozen=True)
class World:
    root: Path
    keychain: dict[tuple[str, str], str]
    facts: dict[str, str]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> World:
    """Alice (owner), Carol (admin: dev write, staging read), Bob (member: dev read), Dave
    (auditor), Erin (joined, waiting), Frank (invited); Bob's open request for staging and his
    denied one for prod, Carol's open request for prod."""
    root = tmp_path_factory.mktemp("world") / "team"
    root.mkdir()
    backend, previous = MemoryKeyring(), keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.MonkeyPatch.context() as mp:
            for name in list(os.environ):
                if name.startswith("KEYLEDGER_"):
                    mp.delenv(name)
            mp.setenv("KEYLEDGER_CONFIG_DIR", str(root.parent / "config"))
            facts = _build(Team(root, mp))
    finally:
        keyring.set_keyring(previous)
    return World(root, dict(backend.items), facts)


def _build(team: Team) -> dict[str, str]:
    team.init()
    for env, name in [("dev", "OpenAI dev"), ("staging", "Stage key")]:
        assert team.as_("alice", "secret", "add", env, name, stdin="value-" + "v" * 30).code == 0
    team.add("carol", "admin", "dev:write", "staging:read")
    team.add("bob", "member", "dev:read")
    team.add("dave", "auditor")
    erin_code = team.invite("erin", "member", "dev:read")
    joined = team.join("erin", erin_code)
    assert joined.code == 0, joined.err
    facts = {
        "erin_code": erin_code,
        "erin_fp": FINGERPRINT.search(joined.out).group(1),
        "frank_code": team.invite("frank", "member"),
        "stranger_code": format_code(os.urandom(16)),
    }
    for who, env, reason, key in [
        ("bob", "staging", "incident 42", "bob_request"),
        ("bob", "prod", "curious", "bob_denied"),
        ("carol", "prod", "on call", "carol_request"),
    ]:
        made = team.as_(who, "access", "request", env, "--reason", reason)
        assert made.code == 0, made.err
        facts[key] = made.out.rstrip(".\n").rsplit(" ", 1)[1]
    assert team.as_("alice", "access", "deny", facts["bob_denied"], "--reason", "no").code == 0
    return facts


@pytest.fixture
def world(built: World, tmp_path, monkeypatch, memory_keyring) -> tuple[Team, dict[str, str]]:
    memory_keyring.items.update(built.keychain)
    team = Team(built.root, monkeypatch).copy_to(tmp_path / "team", monkeypatch)
    facts = dict(built.facts, vault=str(team.vault), missing=str(tmp_path / "none.kl"))
    return team, facts


ONLY_ADMINS = "only an owner or admin can do that"
MISTAKES = [
    # Who may do what.
    ("bob", "member invite zed --role member", 4, ONLY_ADMINS),
    ("bob", "member approve erin --fingerprint {erin_fp}", 4, ONLY_ADMINS),
    ("bob", "member remove dave --yes", 4, ONLY_ADMINS),
    ("bob", "member uninvite frank", 4, ONLY_ADMINS),
    ("bob", "grant dave dev --access read", 4, ONLY_ADMINS),
    ("bob", "revoke carol dev", 4, ONLY_ADMINS),
    ("bob", "access approve {carol_request}", 4, ONLY_ADMINS),
    ("bob", "access deny {carol_request} --reason no", 4, ONLY_ADMINS),
    ("dave", "access request dev --reason look", 4, "auditors do not read values"),
    ("carol", "grant carol staging --access write", 4, "nobody grants themselves access"),
    ("alice", "grant alice dev --access read", 4, "nobody grants themselves access"),
    ("carol", "access approve {carol_request}", 4, "cannot decide your own request"),
    ("carol", "access deny {carol_request} --reason no", 4, "cannot decide your own request"),
    ("carol", "member invite zed --role admin", 4, "only the owner can invite admins"),
    ("carol", "member remove alice --yes", 4, "the owner cannot be removed"),
    ("alice", "member remove alice --yes", 4, "you cannot remove yourself"),
    ("erin", "member list", 4, "erin has joined and waits for an admin to approve"),
    ("alice", "grant bob prod --access read", 4, "prod needs a TOTP code: pass --totp CODE"),
    ("alice", "grant bob prod --access read --totp 123456", 4, "you have not enrolled"),
    # Approving a join.
    ("alice", "member approve erin --fingerprint 0000-0000-0000-0000-0000", 3, "does not match"),
    ("alice", "member approve erin", 2, "pass --fingerprint FP with the fingerprint erin reads"),
    ("alice", "member approve bob --fingerprint {erin_fp}", 1, "no pending member named 'bob'"),
    ("alice", "member approve zed --fingerprint {erin_fp}", 1, "no pending member named 'zed'"),
    # Joining.
    ("new", "join {vault} --invite KLI-NOT-A-CODE --name zed", 2, "an invite code looks like"),
    ("new", "join {vault} --invite {erin_code} --name erin", 4, "already used or cancelled"),
    ("new", "join {vault} --invite {stranger_code} --name zed", 3, "not one of Acme AI's invites"),
    ("new", "join {vault} --invite {frank_code} --name zed", 2, "this invite is for 'frank'"),
    ("new", "join {vault} --invite {frank_code} --name Frank!", 2, "a member name is 1-32"),
    ("new", "join {vault} --name frank", 2, "pass --invite CODE"),
    ("new", "join {missing} --invite {frank_code}", 1, "no vault at"),
    # Inviting.
    ("alice", "member invite zed --role auditor --grant dev:read", 2, "auditors are not granted"),
    ("alice", "member invite zed --role member --grant dev:admin", 2, "access is read or write"),
    ("alice", "member invite zed --role member --grant nope", 1, "no environment named 'nope'"),
    ("alice", "member invite zed --role owner", 2, "'owner' is not one of"),
    ("alice", "member invite zed --role member --days 31", 2, "31 is not in the range 1<=x<=30"),
    ("alice", "member invite Zed! --role member", 2, "a member name is 1-32"),
    ("alice", "member invite bob --role member", 1, "bob is already a member"),
    ("alice", "member invite frank --role member", 1, "frank already has an open invite"),
    ("alice", "member invite zed", 2, "Missing option '--role'"),
    ("alice", "member uninvite zed", 1, "no open invite for 'zed'"),
    # Granting and revoking.
    ("alice", "grant bob nope --access read", 1, "no environment named 'nope'"),
    ("alice", "grant zed dev --access read", 1, "no active member named 'zed'"),
    ("alice", "grant erin dev --access read", 4, "erin has joined but waits for approval"),
    ("alice", "grant bob dev --access read", 1, "bob already has read access to dev"),
    ("alice", "grant dave dev --access read", 2, "auditors are not granted environments"),
    (
        "alice",
        "grant bob staging --access read --until 2000-01-01",
        2,
        "the end date is in the past",
    ),
    ("alice", "grant bob staging --access read --until 31/12/2030", 2, "of the form YYYY-MM-DD"),
    ("alice", "grant bob staging --access admin", 2, "'admin' is not one of 'read', 'write'"),
    ("alice", "grant bob staging", 2, "Missing option '--access'"),
    ("alice", "revoke dave dev", 1, "dave has no grant on dev"),
    ("alice", "revoke bob nope", 1, "no environment named 'nope'"),
    ("alice", "revoke zed dev", 1, "no active member named 'zed'"),
    # Removing.
    ("alice", "member remove zed --yes", 1, "no active or pending member named 'zed'"),
    # Requests.
    ("bob", "access request staging --reason again", 1, "you already asked for staging"),
    ("bob", "access request dev --reason more", 1, "you already have read access to dev"),
    ("bob", "access request prod --reason _", 2, "say why (--reason)"),
    (
        "bob",
        "access request prod --reason now --until 2000-01-01",
        2,
        "the end date is in the past",
    ),
    ("bob", "access request nope --reason now", 1, "no environment named 'nope'"),
    ("bob", "access request prod --reason now --access admin", 2, "'admin' is not one of"),
    ("alice", "access approve 0000000000000000", 1, "no access request '0000000000000000'"),
    ("alice", "access approve ab", 2, "give at least 4 characters of the request id"),
    ("alice", "access approve {bob_denied}", 1, "was already denied"),
    ("alice", "access deny {bob_request}", 2, "Missing option '--reason'"),
    ("alice", "access deny {bob_request} --reason _", 2, "say why (--reason)"),
]


def _args(text: str, facts: dict[str, str]) -> list[str]:
    """The command's words with the world's facts filled in; `_` is a blank argument."""
    return [" " if word == "_" else word.format(**facts) for word in text.split()]


@pytest.mark.parametrize(("who", "command", "code", "message"), MISTAKES)
def test_a_mistake_is_one_line_an_exit_code_and_no_change(world, who, command, code, message):
    team, facts = world
    before, data = team.head(), team.vault.read_bytes()
    if who == "new":
        team.laptop("newcomer")
        result = team(*_args(command, facts))
    else:
        result = team.as_(who, *_args(command, facts))
    assert (result.code, result.out) == (code, ""), result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("keyledger: ")
    assert message in lines[0]
    assert team.head() == before
    assert team.vault.read_bytes() == data


def test_an_expired_invite_code_no_longer_joins(world, monkeypatch):
    team, facts = world
    later = datetime.now(UTC) + timedelta(days=8)
    monkeypatch.setattr(SystemClock, "now", lambda _self: later)
    before = team.head()
    team.laptop("frank")
    late = team.join("frank", facts["frank_code"])
    assert late.code == 4
    assert late.err == "keyledger: this invite has expired: ask an admin for a new one\n"
    assert team.head() == before
    listed = team.as_("alice", "member", "list", "--all")
    assert re.search(r"^frank +member +expired ", listed.out, re.MULTILINE)


def test_answering_no_removes_nobody(world):
    team, _ = world
    before = team.head()
    kept = team.as_("alice", "member", "remove", "bob", stdin="n\n")
    assert kept.code == 1
    assert "  dev  OpenAI dev" in kept.err
    assert kept.err.strip().endswith("keyledger: cancelled")
    assert team.head() == before
