from __future__ import annotations

import hashlib
import random
import re
import string

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

# Synthetic keys only: each is built with a seeded random.Random from the provider's prefix and
# the length and alphabet its keys have, so it has the real shape and no real key is ever here.
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"
LOWER_ALNUM = string.ascii_lowercase + string.digits
BASE32 = string.ascii_uppercase + "234567"
DIGITS = string.digits

ALPHABETS = {
    "alnum": ALNUM,
    "b64url": B64URL,
    "hex": HEX,
    "lower": LOWER_ALNUM,
    "letters": string.ascii_letters,
    "base32": BASE32,
    "digits": DIGITS,
}


def synth(template: str, rng: random.Random) -> str:
    """Fill each "{alphabet:n}" in template with n characters drawn from that alphabet."""

    def fill(m: re.Match[str]) -> str:
        return "".join(rng.choice(ALPHABETS[m[1]]) for _ in range(int(m[2])))

    return re.sub(r"\{(\w+):(\d+)\}", fill, template)


# (label, provider id, the prefix mask() shows, template)
SHAPES: list[tuple[str, str, str, str]] = [
    # OpenAI: prefix + base64url around the "T3BlbkFJ" marker (156 after project prefixes).
    ("openai-project", "openai", "sk-proj-", "sk-proj-{b64url:74}T3BlbkFJ{b64url:74}"),
    ("openai-svcacct", "openai", "sk-svcacct-", "sk-svcacct-{b64url:74}T3BlbkFJ{b64url:74}"),
    ("openai-admin", "openai", "sk-admin-", "sk-admin-{b64url:58}T3BlbkFJ{b64url:58}"),
    ("openai-legacy", "openai", "sk-", "sk-{alnum:20}T3BlbkFJ{alnum:20}"),
    # Anthropic: 108 characters, the last two "AA".
    ("anthropic-api", "anthropic", "sk-ant-api03-", "sk-ant-api03-{b64url:93}AA"),
    ("anthropic-admin", "anthropic", "sk-ant-admin01-", "sk-ant-admin01-{b64url:93}AA"),
    ("anthropic-oauth", "anthropic", "sk-ant-", "sk-ant-oat01-{b64url:93}AA"),
    ("google", "google", "AIza", "AIza{b64url:35}"),
    ("groq", "groq", "gsk_", "gsk_{alnum:52}"),
    ("xai", "xai", "xai-", "xai-{alnum:80}"),
    ("perplexity", "perplexity", "pplx-", "pplx-{alnum:48}"),
    ("huggingface", "huggingface", "hf_", "hf_{letters:34}"),
    ("replicate", "replicate", "r8_", "r8_{alnum:37}"),
    ("openrouter", "openrouter", "sk-or-v1-", "sk-or-v1-{hex:64}"),
    ("openrouter-unversioned", "openrouter", "sk-or-", "sk-or-{hex:64}"),
    ("cerebras", "cerebras", "csk-", "csk-{lower:48}"),
    # AWS access key ids: 20 characters, base32 upper case after the prefix.
    ("aws-long-term", "aws", "AKIA", "AKIA{base32:16}"),
    ("aws-temporary", "aws", "ASIA", "ASIA{base32:16}"),
    ("github-classic", "github", "ghp_", "ghp_{alnum:36}"),
    ("github-oauth", "github", "gho_", "gho_{alnum:36}"),
    ("github-user-to-server", "github", "ghu_", "ghu_{alnum:36}"),
    ("github-server-to-server", "github", "ghs_", "ghs_{alnum:36}"),
    ("github-refresh", "github", "ghr_", "ghr_{alnum:36}"),
    ("github-fine-grained", "github", "github_pat_", "github_pat_{alnum:22}_{alnum:59}"),
    ("gitlab-legacy", "gitlab", "glpat-", "glpat-{b64url:20}"),
    ("gitlab-routable", "gitlab", "glpat-", "glpat-{b64url:36}.01.{lower:9}"),
    ("stripe-live", "stripe", "sk_live_", "sk_live_{alnum:99}"),
    ("stripe-test", "stripe", "sk_test_", "sk_test_{alnum:99}"),
    ("stripe-restricted-live", "stripe", "rk_live_", "rk_live_{alnum:99}"),
    ("stripe-restricted-test", "stripe", "rk_test_", "rk_test_{alnum:99}"),
    ("slack-bot", "slack", "xoxb-", "xoxb-{digits:12}-{digits:13}-{alnum:24}"),
    ("slack-user", "slack", "xoxp-", "xoxp-{digits:12}-{digits:12}-{digits:13}-{hex:32}"),
    ("slack-app-level", "slack", "xapp-", "xapp-1-A{base32:10}-{digits:13}-{hex:64}"),
    ("slack-configuration", "slack", "xoxe.xoxp-", "xoxe.xoxp-1-{alnum:140}"),
    ("slack-refresh", "slack", "xoxe-", "xoxe-1-{alnum:140}"),
]


def _key(label: str, seed: int = 0) -> str:
    template = next(t for lbl, _, _, t in SHAPES if lbl == label)
    return synth(template, random.Random(f"{label}/{seed}"))


KEYS = [(label, _key(label), pid, prefix) for label, pid, prefix, _ in SHAPES]
KEY_IDS = [k[0] for k in KEYS]


def test_every_documented_prefix_has_a_synthetic_key() -> None:
    covered = {(pid, prefix) for _, pid, prefix, _ in SHAPES}
    for p in PROVIDERS:
        for prefix in p.prefixes:
            assert (p.id, prefix) in covered, f"no synthetic key for {p.id} {prefix!r}"


@pytest.mark.parametrize(("label", "value", "provider_id", "prefix"), KEYS, ids=KEY_IDS)
def test_recognise_each_provider(label: str, value: str, provider_id: str, prefix: str) -> None:
    found = recognise(value)
    assert found is not None, label
    assert found.id == provider_id
    assert prefix in found.prefixes


@pytest.mark.parametrize(("label", "value", "provider_id", "prefix"), KEYS, ids=KEY_IDS)
def test_mask_shows_only_prefix_and_dashboard_tail(
    label: str, value: str, provider_id: str, prefix: str
) -> None:
    shown = mask(value)
    assert shown == prefix + "…" + value[-4:]
    body = value[len(prefix) :]
    # What is visible beyond the public prefix is the four-character tail: at most a third.
    assert len(body) >= 3 * 4
    assert body[4:-4] not in shown


def test_anthropic_mask_ends_like_the_console_hint() -> None:
    # The console hint ends with the same four characters ("...igAA"); keys end in "AA".
    shown = mask(_key("anthropic-api"))
    assert shown.startswith("sk-ant-api03-…")
    assert shown.endswith("AA")


@pytest.mark.parametrize(("label", "value", "provider_id", "prefix"), KEYS, ids=KEY_IDS)
def test_fingerprint_is_stable_short_and_distinct(
    label: str, value: str, provider_id: str, prefix: str
) -> None:
    first = fingerprint(value)
    assert re.fullmatch(r"sha256:[0-9a-f]{12}", first)
    assert fingerprint(value) == first
    assert first == "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:12]
    assert fingerprint(_key(label, seed=1)) != first
    # Two keys with the same prefix and tail mask alike; the fingerprint still tells them apart.
    twin = value[:-5] + ("B" if value[-5] != "B" else "C") + value[-4:]
    assert mask(twin) == mask(value)
    assert fingerprint(twin) != first


def test_fingerprints_of_all_synthetic_keys_differ() -> None:
    prints = {fingerprint(value) for _, value, _, _ in KEYS}
    assert len(prints) == len(KEYS)


def test_fingerprint_known_values() -> None:
    assert fingerprint("abc") == "sha256:ba7816bf8f01"  # FIPS 180-2 test vector
    assert fingerprint("") == "sha256:e3b0c44298fc"
    assert len(fingerprint("é" * 1000)) == len("sha256:") + 12


def test_recognise_strips_surrounding_whitespace() -> None:
    found = recognise("  " + _key("anthropic-api") + "\n")
    assert found is not None
    assert found.id == "anthropic"


def _near_misses() -> list[tuple[str, str]]:
    project = _key("openai-project")
    aws = _key("aws-long-term")
    google = _key("google")
    return [
        ("empty", ""),
        ("blank", "   "),
        ("bare-prefix", "sk-proj-"),
        ("project-short-body", "sk-proj-" + "aB3dE6g"),
        ("project-with-space", project[:40] + " " + project[41:]),
        ("project-upper-prefix", "SK-PROJ-" + project[8:]),
        ("project-inside-text", "key: " + project),
        ("anthropic-short", "sk-ant-api03-abc"),
        ("anthropic-junk", "sk-ant-" + "!" * 40),  # not Anthropic, and not OpenAI either
        ("deepseek-shaped", synth("sk-{hex:32}", random.Random(7))),
        ("sk-without-marker", synth("sk-{alnum:48}", random.Random(8))),
        (
            "legacy-marker-misplaced",
            synth("sk-{alnum:19}", random.Random(9)) + "T3BlbkFJ" + "x" * 21,
        ),
        ("aws-lower-case", aws[:4] + aws[4:].lower()),
        ("aws-one-short", aws[:-1]),
        ("aws-one-long", aws + "Q"),
        ("aws-in-a-phrase", "ASKING FOR A FRIEND"),
        ("google-one-short", google[:-1]),
        ("google-one-long", google + "x"),
        ("groq-short", "gsk_abc"),
        ("hf-short", "hf_abcdefg"),
        ("glpat-bad-char", "glpat-" + "a" * 20 + "!"),
        ("slack-bare", "xoxb-"),
        ("fireworks-undocumented", synth("fw_{alnum:24}", random.Random(10))),
        ("password", "password123"),
    ]


@pytest.mark.parametrize(
    "value", [v for _, v in _near_misses()], ids=[n for n, _ in _near_misses()]
)
def test_near_misses_are_not_recognised(value: str) -> None:
    assert recognise(value) is None


# Keys of providers with no documented prefix, in their usual shape: never guessed from shape.
PREFIXLESS = [
    ("mistral", synth("{alnum:32}", random.Random(1))),
    ("cohere", synth("{alnum:40}", random.Random(2))),
    ("together", synth("{hex:64}", random.Random(3))),
    ("deepseek", synth("sk-{hex:32}", random.Random(4))),
    ("azure-openai", synth("{hex:32}", random.Random(5))),
    ("fireworks", synth("fw_{alnum:24}", random.Random(6))),
]


@pytest.mark.parametrize(("provider_id", "value"), PREFIXLESS, ids=[p for p, _ in PREFIXLESS])
def test_prefixless_keys_are_left_to_the_name(provider_id: str, value: str) -> None:
    assert recognise(value) is None
    provider = by_id(provider_id)
    assert provider is not None
    assert provider.prefixes == ()
    assert guess_from_name(provider.env_var) is provider


def test_table_shape() -> None:
    ids = [p.id for p in PROVIDERS]
    assert len(ids) == len(set(ids))
    assert GENERIC.id == "generic"
    assert PROVIDERS[-1] is GENERIC
    for p in PROVIDERS:
        if p is not GENERIC:
            assert p.console_url.startswith("https://")
        assert p.env_var == p.env_var.upper()
    for no_prefix in ("mistral", "cohere", "together", "deepseek", "fireworks", "generic"):
        provider = by_id(no_prefix)
        assert provider is not None
        assert provider.prefixes == ()


def test_no_prefix_is_claimed_twice() -> None:
    prefixes = [prefix for p in PROVIDERS for prefix in p.prefixes]
    assert len(prefixes) == len(set(prefixes))


def test_specific_prefix_listed_before_plain_sk() -> None:
    openai = by_id("openai")
    assert openai is not None
    assert openai.prefixes[-1] == "sk-"


def test_by_id_case_insensitive() -> None:
    found = by_id("OpenAI")
    assert found is not None
    assert found.name == "OpenAI"
    assert by_id("HUGGINGFACE") is by_id("huggingface")
    assert by_id(" Azure-OpenAI ") is by_id("azure-openai")
    assert by_id("nope") is None


@pytest.mark.parametrize(
    ("name", "provider_id"),
    [
        ("ANTHROPIC_API_KEY", "anthropic"),
        ("OpenAI prod", "openai"),
        ("OPEN_AI_KEY", "openai"),
        ("GEMINI_API_KEY", "google"),
        ("Google AI Studio", "google"),
        ("VERTEX_AI_KEY", "google-cloud"),
        ("GCP service account", "google-cloud"),
        ("Google Cloud prod", "google-cloud"),
        ("AZURE_OPENAI_API_KEY", "azure-openai"),
        ("Azure OpenAI eastus", "azure-openai"),
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
        ("Together AI batch", "together"),
        ("FIREWORKS_API_KEY", "fireworks"),
        ("Cerebras inference", "cerebras"),
        ("DeepSeek chat", "deepseek"),
        ("AWS_ACCESS_KEY_ID", "aws"),
        ("GITHUB_TOKEN", "github"),
        ("GH_TOKEN", "github"),
        ("GITLAB_TOKEN", "gitlab"),
        ("STRIPE_API_KEY", "stripe"),
        ("SLACK_BOT_TOKEN", "slack"),
    ],
)
def test_guess_from_name(name: str, provider_id: str) -> None:
    found = guess_from_name(name)
    assert found is not None
    assert found.id == provider_id


@pytest.mark.parametrize(
    "name", ["API_KEY", "my key", "", "DATABASE_URL", "laws", "shf", "AZURE_STORAGE_KEY", "cloud"]
)
def test_guess_from_name_unknown(name: str) -> None:
    assert guess_from_name(name) is None


def test_every_default_env_var_guesses_its_own_provider() -> None:
    for p in PROVIDERS:
        if p is not GENERIC:
            assert guess_from_name(p.env_var) is p


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
    # A DeepSeek key is not recognised, so "sk-" counts as secret: three plus four of 35.
    deepseek = dict(PREFIXLESS)["deepseek"]
    assert mask(deepseek) == "sk-…" + deepseek[-4:]


def _middle_leaks(value: str, shown: str) -> bool:
    # Any 5-character run from the middle third appearing in the mask counts as a leak.
    third = len(value) // 3
    middle = value[third : len(value) - third]
    return any(middle[i : i + 5] in shown for i in range(len(middle) - 4))


def _visible_beyond_prefix(value: str) -> tuple[int, int]:
    """(characters of the secret part the mask shows, length of the secret part)."""
    stripped = value.strip()
    shown = mask(value)
    if shown == "••••••••":
        return 0, len(stripped)
    head, _, tail = shown.partition("…")
    assert stripped.startswith(head)
    assert stripped.endswith(tail)
    # A recognised prefix is public; the third is measured over the rest of the value.
    public = head if recognise(stripped) else ""
    return len(head) + len(tail) - len(public), len(stripped) - len(public)


# "…" is excluded only so the mask can be split back into head and tail unambiguously.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="…"))


@given(ANY_TEXT)
def test_mask_never_shows_more_than_a_third_of_any_value(value: str) -> None:
    visible, secret = _visible_beyond_prefix(value)
    assert visible * 3 <= secret
    assert not _middle_leaks(value.strip(), mask(value))


@given(st.sampled_from([label for label, _, _, _ in SHAPES]), st.integers(0, 2**32))
def test_mask_never_shows_more_than_a_third_of_a_synthetic_key(label: str, seed: int) -> None:
    value = _key(label, seed)
    visible, secret = _visible_beyond_prefix(value)
    assert visible == 4
    assert visible * 3 <= secret


@given(
    st.sampled_from(sorted({prefix for p in PROVIDERS for prefix in p.prefixes})),
    st.text(alphabet=B64URL, min_size=0, max_size=200),
)
def test_mask_of_any_prefixed_value_hides_the_middle(prefix: str, body: str) -> None:
    value = prefix + body
    visible, secret = _visible_beyond_prefix(value)
    assert visible * 3 <= secret
    shown = mask(value)
    assert not _middle_leaks(body, shown.removeprefix(prefix))
    assert len(shown) <= max(len(prefix) + 1 + 4, 8)
