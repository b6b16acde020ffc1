"""Which service an API key belongs to, and how to show a key without revealing it.

Recognition is by prefix only where the provider documents a distinctive one. Providers whose
keys have no reliable prefix (Mistral, Cohere, Together, DeepSeek) are found only by name, because
guessing from length or alphabet mislabels other vendors' keys.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    console_url: str
    prefixes: tuple[str, ...]
    env_var: str


PROVIDERS: tuple[Provider, ...] = (
    Provider(
        "openai",
        "OpenAI",
        "https://platform.openai.com/api-keys",
        # Plain "sk-" last: it is the legacy format and also what DeepSeek keys look like.
        ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"),
        "OPENAI_API_KEY",
    ),
    Provider(
        "anthropic",
        "Anthropic",
        "https://console.anthropic.com/settings/keys",
        # "sk-ant-" catches future key versions so they are not mistaken for OpenAI's "sk-".
        ("sk-ant-api03-", "sk-ant-admin01-", "sk-ant-"),
        "ANTHROPIC_API_KEY",
    ),
    Provider(
        "google",
        "Google AI (Gemini)",
        "https://aistudio.google.com/app/apikey",
        ("AIza",),
        "GEMINI_API_KEY",
    ),
    Provider("groq", "Groq", "https://console.groq.com/keys", ("gsk_",), "GROQ_API_KEY"),
    Provider("mistral", "Mistral", "https://console.mistral.ai/api-keys", (), "MISTRAL_API_KEY"),
    Provider("cohere", "Cohere", "https://dashboard.cohere.com/api-keys", (), "COHERE_API_KEY"),
    Provider("xai", "xAI", "https://console.x.ai", ("xai-",), "XAI_API_KEY"),
    Provider(
        "perplexity",
        "Perplexity",
        "https://www.perplexity.ai/settings/api",
        ("pplx-",),
        "PERPLEXITY_API_KEY",
    ),
    Provider(
        "huggingface",
        "Hugging Face",
        "https://huggingface.co/settings/tokens",
        ("hf_",),
        "HF_TOKEN",
    ),
    Provider(
        "replicate",
        "Replicate",
        "https://replicate.com/account/api-tokens",
        ("r8_",),
        "REPLICATE_API_TOKEN",
    ),
    Provider(
        "openrouter",
        "OpenRouter",
        "https://openrouter.ai/settings/keys",
        ("sk-or-v1-", "sk-or-"),
        "OPENROUTER_API_KEY",
    ),
    Provider(
        "together",
        "Together AI",
        "https://api.together.ai/settings/api-keys",
        (),
        "TOGETHER_API_KEY",
    ),
    Provider(
        "deepseek",
        "DeepSeek",
        "https://platform.deepseek.com/api_keys",
        (),  # "sk-" + hex is indistinguishable from a legacy OpenAI key.
        "DEEPSEEK_API_KEY",
    ),
    Provider(
        "aws",
        "AWS",
        "https://console.aws.amazon.com/iam/home#/security_credentials",
        ("AKIA", "ASIA"),
        "AWS_ACCESS_KEY_ID",
    ),
    Provider(
        "github",
        "GitHub",
        "https://github.com/settings/tokens",
        ("github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        "GITHUB_TOKEN",
    ),
    Provider(
        "stripe",
        "Stripe",
        "https://dashboard.stripe.com/apikeys",
        ("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
        "STRIPE_API_KEY",
    ),
    Provider("slack", "Slack", "https://api.slack.com/apps", ("xoxb-", "xoxp-"), "SLACK_BOT_TOKEN"),
    Provider("generic", "Other", "", (), "API_KEY"),
)

GENERIC: Provider = PROVIDERS[-1]

# Longest prefix first, so "sk-ant-" and "sk-or-" win over OpenAI's plain "sk-".
_PREFIXES: tuple[tuple[str, Provider], ...] = tuple(
    sorted(
        ((prefix, p) for p in PROVIDERS for prefix in p.prefixes),
        key=lambda item: len(item[0]),
        reverse=True,
    )
)

# Where the format is fixed, the whole value must fit it; "AKIA" alone starts ordinary words.
_EXACT_SHAPES: dict[str, re.Pattern[str]] = {
    "google": re.compile(r"AIza[0-9A-Za-z_\-]{35}"),
    "aws": re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}"),
}

# Other keys: prefix + at least 8 token characters. A bare prefix or a phrase is not a key.
_BODY = re.compile(r"[0-9A-Za-z_\-]{8,}")

# Words too common to identify a provider ("api", "ai", "key") are deliberately absent.
_NAME_WORDS: dict[str, tuple[str, ...]] = {
    "openai": ("openai",),
    "anthropic": ("anthropic", "claude"),
    "google": ("gemini", "google", "aistudio"),
    "groq": ("groq",),
    "mistral": ("mistral", "mistralai"),
    "cohere": ("cohere",),
    "xai": ("xai", "grok"),
    "perplexity": ("perplexity", "pplx"),
    "huggingface": ("huggingface", "hf"),
    "replicate": ("replicate",),
    "openrouter": ("openrouter",),
    "together": ("together", "togetherai"),
    "deepseek": ("deepseek",),
    "aws": ("aws", "amazon"),
    "github": ("github", "gh"),
    "stripe": ("stripe",),
    "slack": ("slack",),
}

_FULL_MASK = "•" * 8
_MASK_MIN_LEN = 12


def by_id(provider_id: str) -> Provider | None:
    wanted = provider_id.strip().lower()
    for p in PROVIDERS:
        if p.id == wanted:
            return p
    return None


def _match(value: str) -> tuple[Provider, str] | None:
    """The provider and the prefix that identified it; the longest matching prefix decides."""
    for prefix, p in _PREFIXES:
        if not value.startswith(prefix):
            continue
        shape = _EXACT_SHAPES.get(p.id)
        if shape is not None:
            ok = shape.fullmatch(value) is not None
        else:
            ok = _BODY.fullmatch(value, len(prefix)) is not None
        # No fall-through to a shorter prefix: "sk-ant-" + junk is not an OpenAI key.
        return (p, prefix) if ok else None
    return None


def recognise(value: str) -> Provider | None:
    found = _match(value.strip())
    return found[0] if found else None


def _words(name: str) -> list[str]:
    # Split on separators and camelCase so "OpenAI", "OPEN_AI" and "openai-prod" all work.
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)
    words = [w.lower() for w in parts]
    # Adjacent pairs too: "Open AI" and "Hugging Face" are written as two words.
    return words + [a + b for a, b in zip(words, words[1:], strict=False)]


def guess_from_name(name: str) -> Provider | None:
    words = set(_words(name))
    for p in PROVIDERS:
        if any(w in words for w in _NAME_WORDS.get(p.id, ())):
            return p
    return None


def mask(value: str) -> str:
    """A display form that never shows more than about a third of the secret part.

    Recognised prefixes are shown whole: they are public and tell the user which key it is.
    """
    value = value.strip()
    if len(value) < _MASK_MIN_LEN:
        return _FULL_MASK
    found = _match(value)
    if found is not None:
        prefix = found[1]
        body = value[len(prefix) :]
        tail = body[-4:] if len(body) >= _MASK_MIN_LEN else ""
        return prefix + "…" + tail
    # Unknown value: the whole of it is secret, so 3 + 4 visible characters need 21 or more.
    head = value[:3] if len(value) >= 21 else ""
    return head + "…" + value[-4:]


def fingerprint(value: str) -> str:
    """Identifies a key without revealing it. Hashes the exact string: callers strip first."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]
