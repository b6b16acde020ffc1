"""The rotation wizard's rules without Qt: defaults, checks on the new value, finishing."""

from __future__ import annotations

import pytest

from app.core import generate, providers
from app.core.clock import FixedClock
from app.core.errors import InvalidInput
from app.core.rotation import RotationStatus
from app.services import rotation
from app.services.rotate_flow import CHOICES, RotateFlow
from app.services.secrets import add_secret, history, reveal
from app.services.vault import Vault

OPENAI = "sk-proj-" + "A" * 40
WEBHOOK = "whsec-" + "w" * 30


@pytest.fixture
def openai(vault: Vault):
    return add_secret(vault, "prod", "OpenAI prod", OPENAI)


@pytest.fixture
def webhook(vault: Vault):
    return add_secret(vault, "dev", "Webhook signing", WEBHOOK)


def test_start_reads_the_key_as_it_is(vault: Vault, openai, clock: FixedClock) -> None:
    clock.advance(days=80)
    flow = RotateFlow.start(vault, openai, clock.now())
    assert flow.fingerprint == providers.fingerprint(OPENAI)
    assert flow.status is RotationStatus.DUE_SOON  # prod rotates every 90 days
    assert flow.provider is providers.by_id("openai")
    assert flow.console_url == "https://platform.openai.com/api-keys"
    assert (flow.reason, flow.flag, flow.can_generate) == ("scheduled", None, False)
    assert flow.problem("key") == ""
    with pytest.raises(InvalidInput, match="create a new key in its console"):
        flow.generate()  # OpenAI issues it: a random value would be no key at all
    assert flow.value == ""


@pytest.mark.parametrize(
    ("flag_reason", "reason"),
    [("exposure", "exposure"), ("incident", "incident"), ("revocation", "offboarding")],
)
def test_a_flag_sets_the_reason(
    vault: Vault, openai, clock: FixedClock, flag_reason: str, reason: str
) -> None:
    flag = rotation.flag_secret(vault, "prod", "OpenAI prod", flag_reason, "seen in a log")
    flow = RotateFlow.start(vault, openai, clock.now(), flag)
    assert flow.reason == reason
    assert flow.reason in CHOICES
    assert flow.status is RotationStatus.OK  # by date; the flag says it is required


def test_value_checks(vault: Vault, openai, clock: FixedClock) -> None:
    flow = RotateFlow.start(vault, openai, clock.now())
    assert flow.problem("value") == "Paste the new value."
    flow.set_value(f"  {OPENAI}\t")
    assert flow.value == OPENAI
    assert flow.problem("value") == "This is the current value; paste the new one."
    new = "sk-proj-" + "B" * 40
    flow.set_value(new)
    assert flow.problem("value") == ""
    assert flow.warning() == ""
    assert flow.new_fingerprint == providers.fingerprint(new)
    flow.set_value("sk-ant-api03-" + "C" * 40)
    assert flow.warning() == (
        "This value looks like a key from Anthropic, but OpenAI prod is a key from OpenAI."
        " Check that you copied the right one."
    )
    flow.set_value("not-a-key-at-all-1234")
    assert flow.warning().startswith("This does not look like a key from OpenAI: theirs start")
    assert "sk-proj-" in flow.warning()


def test_other_secrets_can_be_generated(vault: Vault, webhook, clock: FixedClock) -> None:
    flow = RotateFlow.start(vault, webhook, clock.now())
    assert flow.provider is None
    assert flow.console_url == ""
    assert flow.can_generate
    value = flow.generate()
    assert flow.value == value
    assert len(value) == generate.DEFAULT_LENGTH
    assert flow.problem("value") == ""
    assert flow.warning() == ""
    flow.set_value(OPENAI)
    assert "is not a provider key" in flow.warning()


def test_finish_stores_the_next_version(vault: Vault, openai, clock: FixedClock) -> None:
    flow = RotateFlow.start(vault, openai, clock.now())
    new = "sk-proj-" + "N" * 40
    flow.set_value(new)
    flow.set_reason("incident", "  INC-7 ")
    rotated = flow.finish(vault)
    assert rotated.version == 2
    assert reveal(vault, "prod", "OpenAI prod", channel=None) == new
    latest = history(vault, "prod", "OpenAI prod")[0]
    assert (latest.reason, latest.ticket, latest.fingerprint) == (
        "incident",
        "INC-7",
        providers.fingerprint(new),
    )


def test_finish_refuses_what_a_step_refuses(vault: Vault, openai, clock: FixedClock) -> None:
    flow = RotateFlow.start(vault, openai, clock.now())
    with pytest.raises(InvalidInput, match="Paste the new value"):
        flow.finish(vault)
    flow.set_value("sk-proj-" + "N" * 40)
    flow.set_reason("created")
    with pytest.raises(InvalidInput, match="Choose a reason"):
        flow.finish(vault)
    assert history(vault, "prod", "OpenAI prod")[0].version == 1


def test_the_service_still_refuses_the_same_value(vault: Vault, openai, clock: FixedClock) -> None:
    # A member without the fingerprint gets no early check; the service has the last word.
    flow = RotateFlow.start(vault, openai, clock.now())
    flow.fingerprint = ""
    flow.set_value(OPENAI)
    assert flow.problem("value") == ""
    with pytest.raises(InvalidInput, match="same as the current one"):
        flow.finish(vault)


def test_a_rotation_clears_the_flag(vault: Vault, openai, clock: FixedClock) -> None:
    flag = rotation.flag_secret(vault, "prod", "OpenAI prod", "exposure")
    flow = RotateFlow.start(vault, openai, clock.now(), flag)
    flow.set_value("sk-proj-" + "F" * 40)
    flow.finish(vault)
    assert rotation.flags(vault) == {}
    assert history(vault, "prod", "OpenAI prod")[0].reason == "exposure"
