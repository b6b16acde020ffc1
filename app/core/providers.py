"""Which service an API key belongs to, and how to show a key without revealing it.

Recognition is by prefix only where the provider documents a distinctive one, and by exact shape
where the format is fixed (AWS access key ids, Google API keys, OpenAI's legacy keys). Providers
whose keys have no reliable prefix (Mistral, Cohere, Together, DeepSeek, Fireworks, Azure OpenAI,
Google Cloud) are found only by name, because guessing from length or alphabet mislabels other
vendors' keys.

A key is shown to people in two forms, for two different comparisons:

- ``mask`` gives the documented prefix and the last four characters (``sk-proj-…Ab3Q``). The last
  four are what provider dashboards list next to each key (OpenAI's and Stripe's key lists;
  Anthropic's key hint ``sk-ant-api03-R2D...igAA``), so this is how a user matches a stored key
  against the dashboard without revealing it.
- ``fingerprint`` gives ``sha256:`` and the first 12 hex digits of the SHA-256 of the value. No
  dashboard shows it; it tells two KeyLedger copies, CLI outputs or history entries apart, which
  the last four characters cannot do reliably.
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
        # Plain "sk-" only in the legacy shape (see _EXACT_SHAPES): DeepSeek and other
        # OpenAI-compatible vendors also issue "sk-" keys.
        ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"),
        "OPENAI_API_KEY",
    ),
    Provider(
        "anthropic",
        "Anthropic",
        "https://platform.claude.com/settings/keys",
        # "sk-ant-" catches other key kinds (OAuth tokens, future versions) so they are never
        # mistaken for OpenAI's "sk-".
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
    Provider(
        "google-cloud",
        "Google Cloud (Vertex AI)",
        "https://console.cloud.google.com/apis/credentials",
        (),  # Service-account keys have no prefix; Cloud API keys are "AIza", as Gemini's.
        "GOOGLE_API_KEY",
    ),
    Provider(
        "azure-openai",
        "Azure OpenAI",
        "https://portal.azure.com/",
        (),  # Hex or base62 keys without a prefix.
        "AZURE_OPENAI_API_KEY",
    ),
    Provider("groq", "Groq", "https://console.groq.com/keys", ("gsk_",), "GROQ_API_KEY"),
    Provider("mistral", "Mistral", "https://console.mistral.ai/api-keys", (), "MISTRAL_API_KEY"),
    Provider("cohere", "Cohere", "https://dashboard.cohere.com/api-keys", (), "COHERE_API_KEY"),
    Provider(
        "xai",
        "xAI",
        "https://console.x.ai/team/default/api-keys",
        ("xai-",),
        "XAI_API_KEY",
    ),
    Provider(
        "perplexity",
        "Perplexity",
        "https://www.perplexity.ai/account/api/keys",
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
        "fireworks",
        "Fireworks AI",
        "https://app.fireworks.ai/settings/users/api-keys",
        (),  # Fireworks does not document a key prefix.
        "FIREWORKS_API_KEY",
    ),
    Provider(
        "cerebras",
        "Cerebras",
        "https://cloud.cerebras.ai",
        ("csk-",),
        "CEREBRAS_API_KEY",
    ),
    Provider(
        "deepseek",
        "DeepSeek",
        "https://platform.deepseek.com/api_keys",
        (),  # "sk-" + hex, which other vendors issue too.
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
        "gitlab",
        "GitLab",
        "https://gitlab.com/-/user_settings/personal_access_tokens",
        ("glpat-",),  # The default; self-managed instances can configure their own.
        "GITLAB_TOKEN",
    ),
    Provider(
        "stripe",
        "Stripe",
        "https://dashboard.stripe.com/apikeys",
        ("sk_live_", "sk_test_", "rk_live_", "rk_test_"),
        "STRIPE_API_KEY",
    ),
    Provider(
        "slack",
        "Slack",
        "https://api.slack.com/apps",
        # Bot, user, app-level, configuration and refresh tokens.
        ("xoxb-", "xoxp-", "xapp-", "xoxe.xoxp-", "xoxe-"),
        "SLACK_BOT_TOKEN",
    ),
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

# Where the format is fixed, the whole value must fit it: "AKIA" alone starts ordinary words, and
# plain "sk-" is common to many vendors. OpenAI's legacy keys carry "T3BlbkFJ" (base64 "OpenAI").
_EXACT_SHAPES: dict[str, re.Pattern[str]] = {
    "AIza": re.compile(r"AIza[0-9A-Za-z_\-]{35}"),
    "AKIA": re.compile(r"AKIA[0-9A-Z]{16}"),
    "ASIA": re.compile(r"ASIA[0-9A-Z]{16}"),
    "sk-": re.compile(r"sk-[0-9A-Za-z]{20}T3BlbkFJ[0-9A-Za-z]{20}"),
}

# Other keys: prefix + at least 8 token characters. A bare prefix or a phrase is not a key.
_BODY = re.compile(r"[0-9A-Za-z_\-]{8,}")
# GitLab's routable tokens end in ".<version>.<length+crc>".
_BODIES: dict[str, re.Pattern[str]] = {"gitlab": re.compile(r"[0-9A-Za-z_\-.]{8,}")}

# Words too common to identify a provider ("api", "ai", "key", "azure", "cloud") are deliberately
# absent. When several providers match, the longest word wins: "AZURE_OPENAI_API_KEY" is Azure
# ("azureopenai") rather than OpenAI ("openai").
_NAME_WORDS: dict[str, tuple[str, ...]] = {
    "openai": ("openai",),
    "anthropic": ("anthropic", "claude"),
    "google": ("gemini", "google", "aistudio"),
    "google-cloud": ("googlecloud", "googleapi", "gcloud", "gcp", "vertex", "vertexai"),
    "azure-openai": ("azureopenai", "azureai", "aoai"),
    "groq": ("groq",),
    "mistral": ("mistral", "mistralai"),
    "cohere": ("cohere",),
    "xai": ("xai", "grok"),
    "perplexity": ("perplexity", "pplx"),
    "huggingface": ("huggingface", "hf"),
    "replicate": ("replicate",),
    "openrouter": ("openrouter",),
    "together": ("together", "togetherai"),
    "fireworks": ("fireworks", "fireworksai"),
    "cerebras": ("cerebras",),
    "deepseek": ("deepseek",),
    "aws": ("aws", "amazon"),
    "github": ("github", "gh"),
    "gitlab": ("gitlab",),
    "stripe": ("stripe",),
    "slack": ("slack",),
}

_FULL_MASK = "•" * 8
_MASK_MIN_LEN = 12
_TAIL = 4  # What provider dashboards show of a key.


def by_id(provider_id: str) -> Provider | None:
    """The provider with this id, ignoring case and surrounding spaces."""
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
        shape = _EXACT_SHAPES.get(prefix)
        if shape is not None:
            ok = shape.fullmatch(value) is not None
        else:
            ok = _BODIES.get(p.id, _BODY).fullmatch(value, len(prefix)) is not None
        # No fall-through to a shorter prefix: "sk-ant-" + junk is not an OpenAI key.
        return (p, prefix) if ok else None
    return None


def recognise(value: str) -> Provider | None:
    """The provider whose documented prefix or shape the whole value fits, else None."""
    found = _match(value.strip())
    return found[0] if found else None


def _words(name: str) -> list[str]:
    # Split on separators and camelCase so "OpenAI", "OPEN_AI" and "openai-prod" all work.
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)
    words = [w.lower() for w in parts]
    # Runs of two and three words too: "Hugging Face" is two words, "Azure OpenAI" three.
    pairs = ["".join(words[i : i + 2]) for i in range(len(words) - 1)]
    triples = ["".join(words[i : i + 3]) for i in range(len(words) - 2)]
    return words + pairs + triples


def guess_from_name(name: str) -> Provider | None:
    """The provider a secret's name mentions (a word, or two or three adjacent words joined).

    The longest matching word decides; on a tie, the provider listed first.
    """
    words = set(_words(name))
    best: Provider | None = None
    best_len = 0
    for p in PROVIDERS:
        for w in _NAME_WORDS.get(p.id, ()):
            if w in words and len(w) > best_len:
                best, best_len = p, len(w)
    return best


def mask(value: str) -> str:
    """A display form that never shows more than a third of the secret part.

    A recognised key shows its documented prefix whole (it is public and says which kind of key
    it is) and the last four characters, the tail provider dashboards list, when at least 12
    characters follow the prefix; with fewer, only the prefix. An unrecognised value is all
    secret: under 12 characters nothing is shown, from 12 the last four, from 21 also the first
    three. Surrounding whitespace is ignored.
    """
    value = value.strip()
    if len(value) < _MASK_MIN_LEN:
        return _FULL_MASK
    found = _match(value)
    if found is not None:
        prefix = found[1]
        body = value[len(prefix) :]
        tail = body[-_TAIL:] if len(body) >= _MASK_MIN_LEN else ""
        return prefix + "…" + tail
    # Unknown value: the whole of it is secret, so 3 + 4 visible characters need 21 or more.
    head = value[:3] if len(value) >= 21 else ""
    return head + "…" + value[-_TAIL:]


def fingerprint(value: str) -> str:
    """``sha256:`` and the first 12 hex digits of the SHA-256 of the exact UTF-8 value.

    It tells two stored keys apart (KeyLedger copies, CLI output, version history) without
    revealing either; provider dashboards show no hash, so match against them with ``mask``.
    The hash is unsalted, so anyone holding it can test guesses of a weak value: show it only to
    those who may read the value. Callers strip the value first, as they do before storing it.
    """
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]
