"""Step-up in team commands: an invite or a grant of prod needs the approver's TOTP code, asked
for only once every other rule has passed (codes from oathtool, an independent implementation)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime

import pytest

from tests.cli.conftest import one_line
from tests.cli.team_world import Clock, Team, grants

pytestmark = pytest.mark.skipif(
    shutil.which("oathtool") is None, reason="oathtool (Debian oath-toolkit) is not installed"
)

PROD = "sk-ant-api03-" + "P" * 40


@pytest.fixture
def team(tmp_path, monkeypatch) -> Team:
    root = tmp_path / "team"
    root.mkdir()
    made = Team(root, monkeypatch)
    made.init()
    return made


def oathtool(seed: str, at: datetime) -> str:
    return subprocess.run(
        ["oathtool", "--totp", "-b", seed, "-N", f"@{int(at.timestamp())}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_prod_in_an_invite_or_a_grant_takes_a_totp_code(team: Team, monkeypatch):
    clock = Clock(monkeypatch)
    started = team.as_("alice", "totp", "enroll")
    seed = re.search(r"Seed: ([A-Z2-7]+)", started.out).group(1)
    assert team.as_("alice", "totp", "enroll", "--confirm", oathtool(seed, clock.now)).code == 0
    clock.advance(seconds=30)
    added = team.as_(
        "alice",
        "secret",
        "add",
        "prod",
        "Anthropic prod",
        "--totp",
        oathtool(seed, clock.now),
        stdin=PROD,
    )
    assert added.code == 0, added.err
    fingerprint = team.joined("carol", "admin", "dev:read", "prod:read")
    before = team.head()
    needed = team.as_("alice", "member", "approve", "carol", "--fingerprint", fingerprint)
    assert needed.code == 4
    assert one_line(needed.err) == "keyledger: prod needs a TOTP code: pass --totp CODE"
    assert team.head() == before
    wrong = team.as_(
        "alice", "member", "approve", "carol", "--fingerprint", "0" * 20, "--totp", "1"
    )
    assert wrong.code == 3  # the fingerprint is checked before a code is spent
    assert "does not match" in one_line(wrong.err)
    assert team.head() == before
    clock.advance(seconds=30)
    code = oathtool(seed, clock.now)
    approved = team.as_(
        "alice", "member", "approve", "carol", "--fingerprint", fingerprint, "--totp", code
    )
    assert approved.code == 0, approved.err
    assert approved.out == "Approved carol as admin: they can open dev:read, prod:read.\n"

    team.add("bob", "member")
    before = team.head()
    ungated = team.as_("alice", "grant", "bob", "prod", "--access", "read")
    assert ungated.code == 4
    assert "prod needs a TOTP code" in one_line(ungated.err)
    assert team.head() == before
    clock.advance(seconds=30)
    given = team.as_(
        "alice", "grant", "bob", "prod", "--access", "read", "--totp", oathtool(seed, clock.now)
    )
    assert given.code == 0, given.err
    assert grants(team, "bob") == ["prod:read"]
