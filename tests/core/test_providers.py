from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.providers import (
    GENERIC,
    PROVIDERS,
    by_id,
    fingerprint,
    guess_from_name,
    mask,
    recognise,
)

# Synthetic keys only: a real prefix followed by obvious filler.
KEYS = [
    ("sk-proj-" + "A" * 40, "openai", "sk-proj-"),
    ("sk-svcacct-" + "B" * 40, "openai", "sk-svcacct-"),
    ("sk-admin-" + "C" * 40, "openai", "sk-admin-"),
    ("sk-" + "D" * 48, "openai", "sk-"),
    ("sk-" + "0123456789abcdef" * 2, "openai", "sk-"),  # DeepSeek-shaped: stays OpenAI
    ("sk-ant-api03-" + "E" * 80, "anthropic", "sk-ant-api03-"),
    ("sk-ant-admin01-" + "F" * 80, "anthropic", "sk-ant-admin01-"),
    ("sk-ant-oat01-" + "G" * 80, "anthropic", "sk-ant-"),
    ("AIza" + "H" * 35, "google", "AIza"),
    ("gsk_" + "I" * 52, "groq", "gsk_"),
    ("xai-" + "J" * 80, "xai", "xai-"),
    ("pplx-" + "K" * 48, "perplexity", "pplx-"),
    ("hf_" + "L" * 34, "huggingface", "hf_"),
    ("r8_" + "M" * 37, "replicate", "r8_"),
    ("sk-or-v1-" + "0" * 64, "openrouter", "sk-or-v1-"),
    ("AKIA" + "EXAMPLE0" * 2, "aws", "AKIA"),
    ("ASIA" + "EXAMPLE1" * 2, "aws", "ASIA"),
    ("ghp_" + "N" * 36, "github", "ghp_"),
    ("gho_" + "N" * 36, "github", "gho_"),
    ("ghu_" + "N" * 36, "github", "ghu_"),
    ("ghs_" + "N" * 36, "github", "ghs_"),
    ("ghr_" + "N" * 36, "github", "ghr_"),
    ("github_pat_" + "O" * 82, "github", "github_pat_"),
    ("sk_live_" + "P" * 24, "stripe", "sk_live_"),
    ("sk_test_" + "Q" * 24, "stripe", "sk_test_"),
    ("rk_live_" + "R" * 24, "stripe", "rk_live_"),
    ("xoxb-" + "1234567890-" * 3 + "S" * 24, "slack", "xoxb-"),
    ("xoxp-" + "1234567890-" * 3 + "T" * 24, "slack", "xoxp-"),
]


@pytest.mark.parametrize(("value", "provider_id", "prefix"), KEYS)
def test_recognise_each_provider(value: str, provider_id: str, prefix: str) -> None:
    found = recognise(value)
    assert found is not None
    assert found.id == provider_id
    assert prefix in found.prefixes


def test_recognise_strips_surrounding_whitespace() -> None:
    found = recognise("  sk-ant-api03-" + "E" * 80 + "\n")
    assert found is not None
    assert found.id == "anthropic"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "sk-",  # bare prefix
        "sk-short",  # body under 8 characters
        "sk-has spaces in it",
        "sk-ant-api03-abc",  # too short for Anthropic and must not fall back to OpenAI
        "AIza" + "H" * 34,  # one short
        "AIza" + "H" * 36,  # one long
        "AKIA" + "example0" * 2,  # AWS key ids are upper case
        "AKIAEXAMPLE",
        "ASKING FOR A FRIEND",
        "0123456789abcdef" * 3,  # Cohere/Mistral/Together-like: no shape guessing
        "password123",
        "SK-PROJ-" + "A" * 40,  # prefixes are case-sensitive
    ],
)
def test_recognise_rejects_non_keys(value: str) -> None:
    assert recognise(value) is None


def test_table_shape() -> None:
    ids = [p.id for p in PROVIDERS]
    assert len(ids) == len(set(ids))
    assert GENERIC.id == "generic"
    for p in PROVIDERS:
        if p is not GENERIC:
            assert p.console_url.startswith("https://")
        assert p.env_var == p.env_var.upper()
    assert {"mistral", "cohere", "together", "deepseek"} <= set(ids)
    for no_prefix in ("mistral", "cohere", "together", "deepseek", "generic"):
        provider = by_id(no_prefix)
        assert provider is not None
        assert provider.prefixes == ()


def test_specific_prefix_listed_before_plain_sk() -> None:
    openai = by_id("openai")
    assert openai is not None
    assert openai.prefixes[-1] == "sk-"


def test_by_id_case_insensitive() -> None:
    found = by_id("OpenAI")
    assert found is not None
    assert found.name == "OpenAI"
    assert by_id("HUGGINGFACE") is by_id("huggingface")
    assert by_id("nope") is None


@pytest.mark.parametrize(
    ("name", "provider_id"),
    [
        ("ANTHROPIC_API_KEY", "anthropic"),
        ("OpenAI prod", "openai"),
        ("OPEN_AI_KEY", "openai"),
        ("GEMINI_API_KEY", "google"),
        ("Groq staging", "groq"),
        ("MISTRAL_API_KEY", "mistral"),
        ("cohere-trial", "cohere"),
        ("XAI_API_KEY", "xai"),
        ("xAI grok", "xai"),
        ("PERPLEXITY_API_KEY", "perplexity"),
        ("HF_TOKEN", "huggingface"),
        ("Hugging Face read token", "huggingface"),
        ("REPLICATE_API_TOKEN", "replicate"),
        ("OpenRouter", "openrouter"),
        ("TOGETHER_API_KEY", "together"),
        ("DeepSeek chat", "deepseek"),
        ("AWS_ACCESS_KEY_ID", "aws"),
        ("GITHUB_TOKEN", "github"),
        ("GH_TOKEN", "github"),
        ("STRIPE_API_KEY", "stripe"),
        ("SLACK_BOT_TOKEN", "slack"),
    ],
)
def test_guess_from_name(name: str, provider_id: str) -> None:
    found = guess_from_name(name)
    assert found is not None
    assert found.id == provider_id


@pytest.mark.parametrize("name", ["API_KEY", "my key", "", "DATABASE_URL", "laws", "shf"])
def test_guess_from_name_unknown(name: str) -> None:
    assert guess_from_name(name) is None


def test_every_default_env_var_guesses_its_own_provider() -> None:
    for p in PROVIDERS:
        if p is not GENERIC:
            assert guess_from_name(p.env_var) is p


@pytest.mark.parametrize(("value", "provider_id", "prefix"), KEYS)
def test_mask_shows_prefix_and_last_four(value: str, provider_id: str, prefix: str) -> None:
    assert mask(value) == prefix + "…" + value[-4:]


def test_mask_examples() -> None:
    assert mask("sk-proj-" + "A" * 36 + "wxyz") == "sk-proj-…wxyz"
    assert mask("short") == "••••••••"
    assert mask("elevenchars") == "••••••••"
    assert mask("") == "••••••••"
    # Unknown, 12..20 characters: only the last four (a third of 12).
    assert mask("abcdefghijkl") == "…ijkl"
    # Unknown, 21+: first three and last four.
    assert mask("abcdefghijklmnopqrstu") == "abc…rstu"
    # Recognised but the part after the prefix is short: the prefix alone.
    assert mask("sk-ant-api03-abcdefgh") == "sk-ant-api03-…"
    assert mask("  ghp_" + "N" * 32 + "9999\n") == "ghp_…9999"


def _middle_leaks(value: str, shown: str) -> bool:
    # Any 5-character run from the middle third appearing in the mask counts as a leak.
    third = len(value) // 3
    middle = value[third : len(value) - third]
    return any(middle[i : i + 5] in shown for i in range(len(middle) - 4))


# "…" is excluded only so the mask can be split back into head and tail unambiguously.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="…"))


@given(ANY_TEXT)
def test_mask_never_shows_the_middle_or_more_than_a_third(value: str) -> None:
    shown = mask(value)
    stripped = value.strip()
    assert not _middle_leaks(stripped, shown)
    if shown == "••••••••":
        return
    head, _, tail = shown.partition("…")
    # A recognised prefix is public; the third is measured over the rest of the value.
    public = head if recognise(stripped) else ""
    assert stripped.startswith(head)
    assert stripped.endswith(tail)
    visible_secret = len(head) + len(tail) - len(public)
    assert visible_secret * 3 <= len(stripped) - len(public)


@given(
    st.sampled_from([k[0][: len(k[2])] for k in KEYS]),
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789", min_size=8),
)
def test_mask_of_recognised_keys_hides_the_middle(prefix: str, body: str) -> None:
    shown = mask(prefix + body)
    # The prefix is public; what must stay hidden is the middle of the rest.
    assert not _middle_leaks(body, shown.removeprefix(prefix))
    assert len(shown) <= len(prefix) + 1 + 4


def test_fingerprint_is_stable_and_short() -> None:
    value = "sk-proj-" + "A" * 40
    expected = "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:12]
    assert fingerprint(value) == expected
    assert fingerprint("abc") == "sha256:ba7816bf8f01"  # FIPS 180-2 test vector
    assert fingerprint(value) != fingerprint(value + "B")
    assert fingerprint("") == "sha256:e3b0c44298fc"
    assert len(fingerprint("é" * 1000)) == len("sha256:") + 12
