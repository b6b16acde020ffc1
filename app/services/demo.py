"""A realistic demo team vault: three environments, ~40 keys, due and overdue rotations, and a
team: bob (member), carol (auditor), dave waiting for approval, an open invite for erin and
bob's request for prod.

Every value is synthetic (random characters behind real provider prefixes). The demo's
passphrase is public by design and shown on the unlock screen for this vault only.
"""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.clock import FixedClock
from app.crypto import secretkey
from app.services import keychain, paths
from app.services.create import create_vault
from app.services.secrets import add_secret, reveal, rotate_secret

if TYPE_CHECKING:
    from app.services.team import Joined
    from app.services.vault import Vault

PASSPHRASE = "demo-passphrase-acme"  # noqa: S105 - public by design, shown on screen
HANDLE = "alice"

# (provider prefix, length of the random part, name, owner, tags)
_KEYS = [
    ("sk-proj-", 48, "OpenAI", "alice", ("llm",)),
    ("sk-ant-api03-", 60, "Anthropic", "bob", ("llm",)),
    ("AIza", 35, "Gemini", "carol", ("llm",)),
    ("gsk_", 52, "Groq", "bob", ("llm", "fast")),
    ("", 32, "Mistral", "alice", ("llm",)),
    ("", 40, "Cohere", "dave", ("llm", "embeddings")),
    ("xai-", 64, "xAI Grok", "carol", ("llm",)),
    ("pplx-", 48, "Perplexity", "dave", ("search",)),
    ("hf_", 34, "Hugging Face", "alice", ("models",)),
    ("r8_", 37, "Replicate", "bob", ("images",)),
    ("sk-or-v1-", 64, "OpenRouter", "carol", ("llm", "router")),
    ("", 64, "Together", "dave", ("llm",)),
    ("ghp_", 36, "GitHub deploy", "alice", ("ci",)),
    ("AKIA", 16, "AWS access key", "bob", ("cloud",)),
]
_ENV_ROTATIONS = {"dev": (180, 60), "staging": (120, 45), "prod": (90, 30)}


def demo_path() -> Path:
    return paths.data_dir() / "demo" / "acme-demo.kl"


def secret_key_path() -> Path:
    return demo_path().with_name("demo-secret-key.txt")


def totp_seed_path() -> Path:
    """The demo member's TOTP seed, so the console can show the demo's current code."""
    return demo_path().with_name("demo-totp-seed.txt")


def current_code(now: datetime | None = None) -> str | None:
    """The demo's TOTP code right now (demo vault only; a real seed never leaves the vault)."""
    import base64

    from app.core import totp

    try:
        text = totp_seed_path().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    seed = base64.b32decode(text + "=" * (-len(text) % 8))
    return totp.code_at(seed, now or datetime.now(UTC))


def _value(rng: random.Random, prefix: str, length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    if prefix == "AKIA":
        alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def ensure_demo(now: datetime | None = None) -> Path:
    """Create the demo vault if it does not exist yet; returns its path."""
    path = demo_path()
    if path.exists() and secret_key_path().exists() and totp_seed_path().exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in (path, secret_key_path(), totp_seed_path()):
        stale.unlink(missing_ok=True)
    now = now or datetime.now(UTC)
    rng = random.Random(2026)  # noqa: S311 - synthetic demo data, not a secret
    clock = FixedClock(now - timedelta(days=125))
    vault, key = create_vault(
        path, "Acme AI (demo)", HANDLE, PASSPHRASE, kdf_seconds=0, clock=clock
    )
    try:
        keychain.write_secret_key_file(secret_key_path(), secretkey.format_key(key) + "\n")
        if keychain.available():
            keychain.store_secret_key(vault.vault_id, vault.member.id, key)
        _fill(vault, clock, rng, now)
    finally:
        vault.lock()
    return path


def _fill(vault: object, clock: FixedClock, rng: random.Random, now: datetime) -> None:
    from app.core import totp
    from app.services import stepup
    from app.services.environments import find_environment
    from app.services.vault import Vault

    assert isinstance(vault, Vault)
    pending = stepup.begin_enrollment(vault)
    totp_seed_path().write_text(pending.seed_text + "\n", encoding="utf-8")
    stepup.confirm_enrollment(vault, totp.code_at(pending.seed, clock.now()))
    prod = find_environment(vault, "prod")
    clock.advance(days=1)
    bob = _teammate(vault, clock, "bob", "member", [("dev", "write"), ("staging", "read")])
    clock.advance(hours=5)
    _teammate(vault, clock, "carol", "auditor", [])

    def open_prod() -> None:  # the demo admin types a fresh code whenever prod has closed
        if not vault.step_up_remaining(prod.id):
            clock.advance(seconds=30)
            stepup.step_up(vault, prod, totp.code_at(pending.seed, clock.now()))

    added: list[tuple[str, str]] = []
    for env in ("dev", "staging", "prod"):
        period, spread = _ENV_ROTATIONS[env]
        picks = [k for k in _KEYS if env != "staging" or rng.random() < 0.7]
        clock.advance(days=3)
        for prefix, length, name, owner, tags in picks:
            clock.advance(hours=rng.randint(1, 30))
            label = f"{name} {env}"
            if env == "prod":
                open_prod()
            add_secret(
                vault,
                env,
                label,
                _value(rng, prefix, length),
                owner=owner,
                tags=tags,
                notes=f"Team key for {name} in {env}.",
                provider=_provider_hint(name),
            )
            added.append((env, label))
    # rotations spread over the last months: some recent, some overdue
    for env, label in rng.sample(added, 16):
        days_back = rng.randint(3, _ENV_ROTATIONS[env][0] - 3)
        target = now - timedelta(days=days_back)
        if target > clock.now():
            clock.advance(seconds=(target - clock.now()).total_seconds())
        if env == "prod":
            open_prod()
        current = reveal(vault, env, label, channel=None)
        prefix = next((k[0] for k in _KEYS if label.startswith(k[2])), "")
        new = _value(rng, prefix, max(16, len(current) - len(prefix)))
        rotate_secret(
            vault,
            env,
            label,
            new,
            rng.choice(["scheduled", "scheduled", "exposure"]),
            f"CHG-{rng.randint(100, 999)}",
        )
    _recent_team(vault, clock, now, bob.secret_key)
    if clock.now() < now:
        clock.advance(seconds=(now - clock.now()).total_seconds())
    reveal(vault, "dev", "OpenAI dev", channel="copy")
    # One key waits for rotation after it leaked, as the Rotation view and the banner show.
    from app.services.rotation import flag_secret

    leaked = next(label for env, label in added if env == "staging")
    flag_secret(vault, "staging", leaked, "exposure", "Pasted into a support ticket (synthetic).")


def _teammate(
    vault: Vault, clock: FixedClock, handle: str, role: str, grants: list[tuple[str, str]]
) -> Joined:
    """Invite, join on "their laptop" (the cheapest KDF) and approve, as a team does."""
    from app.services import team
    from app.services.environments import find_environment

    ids = [(find_environment(vault, env).id, access) for env, access in grants]
    _invite, code = team.invite(vault, handle, role, ids)
    clock.advance(hours=2)
    joined = team.join(vault.published, code, handle, PASSPHRASE, kdf_seconds=0, clock=clock)
    clock.advance(minutes=20)
    team.approve(vault, handle, joined.fingerprint)
    return joined


def _recent_team(vault: Vault, clock: FixedClock, now: datetime, bob_key: bytes) -> None:
    """The last days: a time-bound grant, dave's join to approve, an invite for erin, and
    bob's request for prod (what the Access view's Pending list shows)."""
    from app.services import access, requests, team
    from app.services.environments import find_environment
    from app.services.vault import Vault

    def at(delta: timedelta) -> None:
        if clock.now() < now - delta:
            clock.advance(seconds=(now - delta - clock.now()).total_seconds())

    at(timedelta(days=3))
    until = (now + timedelta(days=30)).replace(hour=12, minute=0, second=0, microsecond=0)
    access.grant(vault, "bob", "staging", "read", until)  # a contractor's month on staging
    dev = find_environment(vault, "dev").id
    _invite, code = team.invite(vault, "dave", "member", [(dev, "read")])
    at(timedelta(days=2, hours=-3))
    team.join(vault.published, code, "dave", PASSPHRASE, kdf_seconds=0, clock=clock)
    at(timedelta(days=1))
    team.invite(vault, "erin", "member", [(dev, "read")])
    at(timedelta(hours=20))
    bob = Vault.unlock(vault.published, "bob", PASSPHRASE, bob_key, clock)
    try:
        reason = "Incident 42: the prod Anthropic key returns 401s; I am on call tonight."
        requests.request_access(bob, "prod", "read", reason, until=now + timedelta(days=2))
    finally:
        bob.lock()


def _provider_hint(name: str) -> str | None:
    return {"Mistral": "mistral", "Cohere": "cohere", "Together": "together"}.get(name)
