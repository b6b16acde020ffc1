"""TOTP step-up with an injected clock: windows, replay, backoff, lockout, recovery, reset."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from app.core import totp
from app.core.errors import AuthFailed, LockedOut, NotFound, NotPermitted
from app.services import audit, stepup
from app.services.create import create_vault
from app.services.environments import find_environment
from app.services.secrets import add_secret, reveal
from app.services.vault import StepUpRequired, Vault
from tests.conftest import PASSPHRASE


@pytest.fixture
def gated(vault_path: Path, clock) -> Vault:
    vault_path.parent.mkdir()
    vault, _ = create_vault(vault_path, "Acme AI", "alice", PASSPHRASE, kdf_seconds=0, clock=clock)
    yield vault
    vault.lock()


def enroll(vault: Vault, clock) -> tuple[bytes, list[str]]:
    pending = stepup.begin_enrollment(vault)
    codes = stepup.confirm_enrollment(vault, totp.code_at(pending.seed, clock.now()))
    clock.advance(seconds=30)  # the confirming code's time step is spent
    return pending.seed, codes


def prod(vault: Vault):
    return find_environment(vault, "prod")


def actions(vault: Vault) -> list[str]:
    return [e.action for e in audit.entries(vault)]


def test_prod_stays_closed_until_a_code_and_says_enroll_first(gated, clock):
    with pytest.raises(StepUpRequired):
        add_secret(gated, "prod", "k", "v" * 20)
    with pytest.raises(stepup.EnrollFirst, match="enroll"):
        stepup.step_up(gated, prod(gated), "123456")
    add_secret(gated, "dev", "dev key", "v" * 20)  # dev asks for nothing


def test_enrollment_gives_ten_strong_recovery_codes(gated, clock):
    pending = stepup.begin_enrollment(gated)
    assert pending.uri.startswith("otpauth://totp/KeyLedger:alice")
    assert len(pending.seed) == 20
    assert stepup.state(gated).status == "pending"
    with pytest.raises(AuthFailed):
        stepup.confirm_enrollment(
            gated, "000000" if totp.code_at(pending.seed, clock.now()) != "000000" else "111111"
        )
    codes = stepup.confirm_enrollment(gated, totp.code_at(pending.seed, clock.now()))
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(len(totp.normalise_recovery(c)) * 5 >= 112 for c in codes)
    assert stepup.state(gated).status == "active"
    raw = gated.conn.execute("SELECT seed, recovery FROM totp").fetchone()
    assert pending.seed not in bytes(raw[0])
    assert all(totp.normalise_recovery(c) not in raw[1] for c in codes)
    assert actions(gated)[-3:] == ["totp.enroll", "totp.failure", "totp.confirm"]


@pytest.mark.skipif(shutil.which("oathtool") is None, reason="oathtool (oath-toolkit) missing")
def test_codes_from_an_independent_implementation_are_accepted(gated, clock):
    seed, _ = enroll(gated, clock)
    moment = clock.now().strftime("%Y-%m-%d %H:%M:%S UTC")
    code = subprocess.run(
        ["oathtool", "--totp", "-b", totp.seed_text(seed), "--now", moment],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stepup.step_up(gated, prod(gated), code)
    add_secret(gated, "prod", "Anthropic prod", "sk-ant-api03-" + "A" * 40)


def test_window_edges_and_keys_dropped_when_it_ends(gated, clock):
    seed, _ = enroll(gated, clock)
    until = stepup.step_up(gated, prod(gated), totp.code_at(seed, clock.now()))
    assert until == clock.now() + timedelta(minutes=5)
    add_secret(gated, "prod", "k", "value-1234567890")
    clock.advance(seconds=299)
    assert reveal(gated, "prod", "k", channel=None) == "value-1234567890"
    assert any(scope == prod(gated).id for scope, _ in gated._sealers)
    clock.advance(seconds=1)
    with pytest.raises(StepUpRequired):
        reveal(gated, "prod", "k", channel=None)
    assert not any(scope == prod(gated).id for scope, _ in gated._sealers)


def test_one_step_either_side_and_no_more(gated, clock):
    seed, _ = enroll(gated, clock)
    now = clock.now()
    with pytest.raises(AuthFailed):
        stepup.step_up(gated, prod(gated), totp.code_at(seed, now + timedelta(seconds=60)))
    stepup.step_up(gated, prod(gated), totp.code_at(seed, now + timedelta(seconds=30)))


def test_a_code_is_never_accepted_twice(gated, clock):
    seed, _ = enroll(gated, clock)
    code = totp.code_at(seed, clock.now())
    stepup.step_up(gated, prod(gated), code)
    gated.close_step_up(prod(gated).id)
    with pytest.raises(AuthFailed, match="already used"):
        stepup.step_up(gated, prod(gated), code)
    older = totp.code_at(seed, clock.now() - timedelta(seconds=30))
    with pytest.raises(AuthFailed, match="already used"):
        stepup.step_up(gated, prod(gated), older)


def wrong(seed: bytes, clock) -> str:
    right = {totp.code_at(seed, clock.now() + timedelta(seconds=30 * d)) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def test_backoff_doubles_after_five_failures_up_to_an_hour(gated, clock):
    seed, _ = enroll(gated, clock)
    for _ in range(5):  # five free tries
        with pytest.raises(AuthFailed):
            stepup.step_up(gated, prod(gated), wrong(seed, clock))
    waits = []
    for _ in range(9):  # after failures 5..13
        with pytest.raises(stepup.WaitBeforeRetry) as waiting:
            stepup.step_up(gated, prod(gated), totp.code_at(seed, clock.now()))
        waits.append(waiting.value.seconds)
        clock.advance(seconds=waiting.value.seconds)
        with pytest.raises(AuthFailed):
            stepup.step_up(gated, prod(gated), wrong(seed, clock))
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert waiting.value.exit_code == 6


def test_twenty_failures_lock_out_until_a_recovery_code(gated, clock):
    seed, codes = enroll(gated, clock)
    for _ in range(20):
        clock.advance(hours=1, seconds=1)
        with pytest.raises((AuthFailed, LockedOut)):
            stepup.step_up(gated, prod(gated), wrong(seed, clock))
    clock.advance(hours=2)
    with pytest.raises(LockedOut, match="locked"):
        stepup.step_up(gated, prod(gated), totp.code_at(seed, clock.now()))
    assert stepup.state(gated).throttle.locked_out
    assert "totp.lockout" in actions(gated)
    stepup.use_recovery_code(gated, prod(gated), codes[3].lower())
    add_secret(gated, "prod", "k", "value-1234567890")
    assert stepup.state(gated).status == "recovered"
    assert stepup.state(gated).recovery_left == 9
    gated.close_step_up(prod(gated).id)
    with pytest.raises(AuthFailed, match="already used"):
        stepup.use_recovery_code(gated, prod(gated), codes[3])
    assert actions(gated).count("totp.recovery") == 1


def test_counters_survive_an_older_copy_of_the_file(gated, clock):
    seed, _ = enroll(gated, clock)
    for _ in range(5):
        with pytest.raises(AuthFailed):
            stepup.step_up(gated, prod(gated), wrong(seed, clock))
    # as if the ledger's counters were rolled back: only the keychain mirror remembers
    gated.conn.execute("UPDATE totp SET failures = 0, last_failure = NULL")
    assert stepup.state(gated).throttle.failures == 5
    with pytest.raises(stepup.WaitBeforeRetry):
        stepup.step_up(gated, prod(gated), totp.code_at(seed, clock.now()))


def test_nobody_resets_their_own_step_up(gated, clock):
    enroll(gated, clock)
    with pytest.raises(NotPermitted, match="cannot reset your own step-up"):
        stepup.reset(gated, "alice")
    assert stepup.state(gated).status == "active"
    with pytest.raises(NotFound):
        stepup.reset(gated, "nobody")


def test_changes_to_prod_need_the_window_too(gated, clock):
    from app.services.environments import set_policy
    from app.services.secrets import delete_secret, update_secret

    seed, _ = enroll(gated, clock)
    stepup.step_up(gated, prod(gated), totp.code_at(seed, clock.now()))
    add_secret(gated, "prod", "k", "value-1234567890")
    gated.close_step_up(prod(gated).id)
    with pytest.raises(StepUpRequired):
        update_secret(gated, "prod", "k", env_var="EVIL_VAR")
    with pytest.raises(StepUpRequired):
        delete_secret(gated, "prod", "k")
    with pytest.raises(StepUpRequired):
        set_policy(gated, "prod", step_up="none")
    assert prod(gated).policy.step_up == "totp"
    set_policy(gated, "dev", clipboard_s=20)  # dev asks for nothing


def test_wrong_recovery_codes_count_as_failures(gated, clock):
    seed, codes = enroll(gated, clock)
    for _ in range(5):
        with pytest.raises(AuthFailed):
            stepup.use_recovery_code(gated, prod(gated), "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    with pytest.raises(stepup.WaitBeforeRetry):
        stepup.use_recovery_code(gated, prod(gated), codes[0])
    gated.conn.execute("UPDATE totp SET failures = 0")  # the keychain mirror still counts
    assert stepup.state(gated).throttle.failures == 5
    for _ in range(15):
        clock.advance(hours=1, seconds=1)
        with pytest.raises((AuthFailed, LockedOut)):
            stepup.step_up(gated, prod(gated), wrong(seed, clock))
    assert stepup.state(gated).throttle.locked_out
    assert actions(gated).count("totp.lockout") == 1
    stepup.use_recovery_code(gated, prod(gated), codes[0])  # allowed at once when locked out
    assert not stepup.state(gated).throttle.locked_out


def test_already_enrolled_cannot_silently_re_enroll(gated, clock):
    enroll(gated, clock)
    with pytest.raises(NotPermitted, match="already enrolled"):
        stepup.begin_enrollment(gated)
