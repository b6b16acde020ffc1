"""A synthetic audit history for screenshots: a small team's half year, a few thousand events."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from app.core.clock import iso
from app.core.model import AuditEntry

_TEAM = ("alice", "bob", "carol", "dave", "erin", "ci-bot")
_KEYS = ("OpenAI", "Anthropic", "Gemini", "Groq", "Mistral", "AWS deploy", "Stripe billing",
         "GitHub deploy", "Hugging Face", "Slack alerts")  # fmt: skip
_POLICIES = {
    "dev": {"step_up": "none", "step_up_window_s": 300, "clipboard_s": 30, "rotation_days": 180,
            "review": "semiannual"},
    "staging": {"step_up": "none", "step_up_window_s": 300, "clipboard_s": 20,
                "rotation_days": 120, "review": "quarterly"},
    "prod": {"step_up": "totp", "step_up_window_s": 300, "clipboard_s": 10, "rotation_days": 90,
             "review": "quarterly"},
}  # fmt: skip
_DAILY = (  # action, weight
    ("secret.copy", 40), ("secret.reveal", 12), ("env.run", 25), ("totp.success", 8),
    ("secret.rotate", 3), ("secret.update", 2),
)  # fmt: skip


def audit_sample(now: datetime, days: int = 180) -> list[AuditEntry]:
    """Events in ledger order, from `days` before `now` until shortly before it."""
    rng = random.Random(8)  # noqa: S311 - synthetic screenshot data
    t = now - timedelta(days=days)
    out: list[AuditEntry] = []
    seq = 0

    def add(
        action: str, env: str = "", secret: str = "", actor: str = "alice", **d: object
    ) -> None:
        out.append(AuditEntry(seq, iso(t), actor, action, env, secret, dict(d)))

    seq += 1
    add("vault.create", name="Acme AI")
    add("member.add", member="alice", role="owner")
    for env, policy in _POLICIES.items():
        add("env.add", env, policy=policy)
    for member, role in (("bob", "admin"), ("carol", "member"), ("dave", "member"),
                         ("erin", "auditor"), ("ci-bot", "member")):  # fmt: skip
        t += timedelta(hours=rng.randint(1, 20))
        seq += 1
        add("member.add", member=member, role=role)
        add("key.grant", "vault", member=member, epoch=1)
    versions: dict[tuple[str, str], int] = {}
    for env in _POLICIES:
        for name in _KEYS:
            t += timedelta(minutes=rng.randint(5, 90))
            seq += 1
            secret = f"{name} {env}"
            versions[env, secret] = 1
            var = name.upper().replace(" ", "_") + "_KEY"
            add("secret.create", env, secret, rng.choice(_TEAM[:3]), env_var=var, provider="")
    actions, weights = zip(*_DAILY, strict=True)
    while t < now - timedelta(hours=2):
        t += timedelta(minutes=rng.expovariate(1 / 95))
        seq += 1
        action = rng.choices(actions, weights)[0]
        env = rng.choice(("dev", "dev", "staging", "prod"))
        secret = f"{rng.choice(_KEYS)} {env}"
        actor = "ci-bot" if action == "env.run" and rng.random() < 0.6 else rng.choice(_TEAM[:5])
        if actor == "erin" and action != "secret.reveal":
            actor = "carol"  # the auditor only looks
        if action in ("secret.copy", "secret.reveal"):
            channel = "copy" if action == "secret.copy" else "reveal"
            add(action, env, secret, actor, version=versions[env, secret], channel=channel)
        elif action == "env.run":
            add(action, env, "", actor, program=rng.choice(("python", "node", "pytest", "make")))
        elif action == "totp.success":
            add(action, "prod", "", actor, member=actor)
        elif action == "secret.rotate":
            versions[env, secret] += 1
            reason = rng.choice(("scheduled", "scheduled", "scheduled", "exposure"))
            ticket = f"CHG-{rng.randint(100, 999)}"
            fingerprint = f"sha256:{rng.getrandbits(48):012x}"
            add(action, env, secret, actor, version=versions[env, secret], reason=reason,
                ticket=ticket, fingerprint=fingerprint)  # fmt: skip
        else:
            add(action, env, secret, actor, changed=[rng.choice(("owner", "tags", "notes"))])
    seq += 1
    relaxed = {**_POLICIES["staging"], "clipboard_s": 30}
    add("env.policy", "staging", "", "bob", policy=relaxed)
    add("secret.flag", "prod", "Stripe billing prod", "carol", reason="exposure",
        note="Pasted into a support ticket")  # fmt: skip
    return out
