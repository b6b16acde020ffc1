"""Step-up from the command line, with codes from oathtool (an independent implementation)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.cli.conftest import Cli, one_line

pytestmark = pytest.mark.skipif(
    shutil.which("oathtool") is None, reason="oathtool (Debian oath-toolkit) is not installed"
)


def oathtool(seed: str, at: str = "now") -> str:
    return subprocess.run(
        ["oathtool", "--totp", "-b", seed, "-N", at], capture_output=True, text=True, check=True
    ).stdout.strip()


def enroll(cli: Cli) -> str:
    started = cli.v("totp", "enroll")
    assert started.code == 0, started.err
    assert "otpauth://totp/KeyLedger" in started.out
    assert "█" in started.out or "▀" in started.out  # the terminal QR code
    seed = re.search(r"Seed: ([A-Z2-7]+)", started.out).group(1)
    done = cli.v("totp", "enroll", "--confirm", oathtool(seed))
    assert done.code == 0, done.err
    codes = [ln.strip() for ln in done.out.splitlines() if re.fullmatch(r"\s+[A-Z2-7-]{20,}", ln)]
    assert len(codes) == 10
    return seed


def test_prod_needs_a_code_and_takes_oathtool_codes_once(cli: Cli):
    needed = cli.v("secret", "add", "prod", "Anthropic prod", stdin="sk-ant-api03-" + "A" * 40)
    assert needed.code == 4
    assert "needs a TOTP code" in one_line(needed.err)
    not_enrolled = cli.v(
        "secret",
        "add",
        "prod",
        "Anthropic prod",
        "--totp",
        "123456",
        stdin="sk-ant-api03-" + "A" * 40,
    )
    assert not_enrolled.code == 4
    assert "enroll" in one_line(not_enrolled.err)
    seed = enroll(cli)
    code = oathtool(seed, "now + 30 seconds")  # the next step: the confirming one is spent
    added = cli.v(
        "secret", "add", "prod", "Anthropic prod", "--totp", code, stdin="sk-ant-api03-" + "A" * 40
    )
    assert added.code == 0, added.err
    again = cli.v("secret", "get", "prod", "Anthropic prod", "--totp", code)
    assert again.code == 3
    assert "already used" in one_line(again.err) or "wrong" in again.err
    wrong = cli.v("secret", "get", "prod", "Anthropic prod", "--totp", "12345x")
    assert wrong.code == 3
    status = json.loads(cli.v("totp", "status", "--json").out)
    assert status[0]["status"] == "active"
    assert status[0]["failures"] == 2
    actions = [e["action"] for e in json.loads(cli.v("audit", "list", "--json").out)]
    assert {"totp.enroll", "totp.confirm", "totp.success", "totp.failure"} <= set(actions)


def test_backoff_exits_6_and_nobody_resets_themself(cli: Cli):
    seed = enroll(cli)
    for _ in range(5):
        assert cli.v("secret", "get", "prod", "x", "--totp", "000000").code in (3, 1)
    waiting = cli.v("secret", "get", "prod", "x", "--totp", oathtool(seed))
    assert waiting.code == 6
    assert "try again in" in one_line(waiting.err)
    reset = cli.v("totp", "reset", "alice")
    assert reset.code == 4
    assert "cannot reset your own step-up" in one_line(reset.err)
    weaken = cli.v("env", "policy", "prod", "--step-up", "none")
    assert weaken.code == 4
    assert "needs a TOTP code" in one_line(weaken.err)
