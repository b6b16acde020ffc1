"""A vault with a little of everything in its history, for the audit and evidence tests."""

from __future__ import annotations

import contextlib

from app.core import totp
from app.core.clock import FixedClock
from app.core.errors import AuthFailed
from app.services import stepup
from app.services.environments import find_environment, set_policy
from app.services.rotation import flag_secret, unflag_secret
from app.services.secrets import (
    add_secret,
    delete_secret,
    import_dotenv,
    reveal,
    rotate_secret,
    run_environment,
    update_secret,
)
from app.services.vault import Vault
from tests.services.test_rotation import teammate

EVIL = '=HYPERLINK("http://x","y")'
OPENAI = "sk-proj-" + "Q" * 40
ROTATED = "sk-proj-" + "R" * 40
WEBHOOK = "whsec-" + "w" * 30


def busy(vault: Vault, clock: FixedClock) -> dict[str, object]:
    """Every kind of event, on two days (the clock's today and ten days later). Returns what
    must appear nowhere: the values, the TOTP seed and the recovery codes."""
    add_secret(vault, "dev", EVIL, WEBHOOK, owner="+owner", tags=["-tag", "@tag"])
    add_secret(vault, "prod", "OpenAI prod", OPENAI, owner="@alice")
    update_secret(vault, "dev", EVIL, notes="-rotate by hand", owner="-owner")
    rotate_secret(vault, "prod", "OpenAI prod", ROTATED, "exposure", "@INC-7")
    flag_secret(vault, "dev", EVIL, "incident", "-pasted in chat")
    unflag_secret(vault, "dev", EVIL, "+false alarm")
    flag_secret(vault, "dev", EVIL, "exposure", "@again")
    reveal(vault, "prod", "OpenAI prod", channel="get")
    reveal(vault, "prod", "OpenAI prod", channel="copy")
    run_environment(vault, "dev", "/usr/bin/python3")
    import_dotenv(vault, "staging", [("STAGING_TOKEN", "t" * 24)])
    add_secret(vault, "dev", "Gone soon", "g" * 24)
    delete_secret(vault, "dev", "Gone soon")
    set_policy(vault, "dev", clipboard_s=15, rotation_days=60)
    bob = teammate(vault, "bob", "member", ["dev"], clock)
    try:
        stepup.begin_enrollment(bob)
    finally:
        bob.lock()
    stepup.reset(vault, "bob")
    clock.advance(days=10)
    pending = stepup.begin_enrollment(vault)
    codes = stepup.confirm_enrollment(vault, totp.code_at(pending.seed, clock.now()))
    clock.advance(seconds=30)
    prod = find_environment(vault, "prod")
    stepup.step_up(vault, prod, totp.code_at(pending.seed, clock.now()))
    wrong = "000000" if totp.code_at(pending.seed, clock.now()) != "000000" else "111111"
    with contextlib.suppress(AuthFailed):  # the failure is the event wanted
        stepup.step_up(vault, prod, wrong)
    stepup.use_recovery_code(vault, prod, codes[0])
    return {
        "values": [OPENAI, ROTATED, WEBHOOK, "t" * 24, "g" * 24],
        "seed": pending.seed,
        "seed_text": pending.seed_text,
        "codes": codes,
    }
