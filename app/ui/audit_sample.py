"""A synthetic audit history for screenshots: a small team's half year, a few thousand events."""

from __future__ import annotations

import hashlib
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
_GRANTS = {  # role and environments of each teammate, as invited
    "bob": ("admin", (("dev", "write"), ("staging", "write"), ("prod", "write"))),
    "carol": ("member", (("dev", "write"), ("staging", "read"))),
    "dave": ("member", (("dev", "write"), ("staging", "read"), ("prod", "read"))),
    "erin": ("auditor", ()),
    "ci-bot": ("member", (("dev", "read"), ("staging", "read"), ("prod", "read"))),
}
_WRITES = ("secret.create", "secret.rotate", "secret.update")
_DAILY = (  # action, weight
    ("secret.copy", 40), ("secret.reveal", 12), ("env.run", 25), ("totp.success", 8),
    ("secret.rotate", 3), ("secret.update", 2),
)  # fmt: skip


def _fingerprint(handle: str) -> str:
    digest = hashlib.sha256(handle.encode()).hexdigest()[:20]
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


def _fit(actor: str, env: str, action: str) -> str:
    """The actor if their grants allow the action in `env`, else bob (an admin with them all)."""
    if actor == "alice":
        return actor
    access = dict(_GRANTS[actor][1]).get(env)
    allowed = access == "write" if action in _WRITES else access is not None
    return actor if allowed else "bob"


def _utc(t: datetime) -> str:
    return iso(t)[:19] + "Z"


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
    for member, (role, grants) in _GRANTS.items():
        t += timedelta(hours=rng.randint(1, 20))
        seq += 1
        listed = [f"{env}: {access}" for env, access in grants]
        add("member.invite", member=member, role=role, grants=listed,
            expires=_utc(t + timedelta(days=7)))  # fmt: skip
        t += timedelta(minutes=25)
        seq += 1
        add("member.join", actor=member, member=member, role=role, fingerprint=_fingerprint(member))
        t += timedelta(minutes=10)
        seq += 1
        add("member.approve", member=member, role=role, fingerprint=_fingerprint(member))
        add("key.grant", "vault", member=member, epoch=1, via="approval")
        for env, access in grants:
            add("access.grant", env, member=member, access=access)
            add("key.grant", env, member=member, epoch=1, via="grant")
    versions: dict[tuple[str, str], int] = {}
    for env in _POLICIES:
        for name in _KEYS:
            t += timedelta(minutes=rng.randint(5, 90))
            seq += 1
            secret = f"{name} {env}"
            versions[env, secret] = 1
            var = name.upper().replace(" ", "_") + "_KEY"
            actor = _fit(rng.choice(_TEAM[:3]), env, "secret.create")
            add("secret.create", env, secret, actor, env_var=var, provider="")
    actions, weights = zip(*_DAILY, strict=True)
    asked = t + timedelta(days=60)  # carol asks for prod for three days
    until = asked + timedelta(days=3, hours=1)
    while t < now - timedelta(hours=2):
        t += timedelta(minutes=rng.expovariate(1 / 95))
        seq += 1
        if asked is not None and t >= asked:
            reason = "INC-311: a failing prod call only reproduces with the prod key"
            add("access.request", "prod", "", "carol", request="5e0c2a9b71d4f318", access="read",
                until=_utc(until), reason=reason)  # fmt: skip
            t += timedelta(minutes=40)
            seq += 1
            add("access.approve", "prod", "", "bob", request="5e0c2a9b71d4f318", member="carol",
                access="read")  # fmt: skip
            add("access.grant", "prod", "", "bob", member="carol", access="read",
                until=_utc(until), request="5e0c2a9b71d4f318")  # fmt: skip
            add("key.grant", "prod", "", "bob", member="carol", epoch=1, via="grant")
            seq += 1
            asked = None
        elif until is not None and t >= until + timedelta(hours=8):  # alice's next unlock
            add("access.revoke", "prod", "", "alice", member="carol", until=_utc(until),
                expired=True)  # fmt: skip
            add("key.rotate", "prod", "", "alice", key="environment key", epoch=2)
            for member in ("alice", "bob", "dave", "ci-bot"):
                add("key.grant", "prod", "", "alice", member=member, epoch=2, via="re-key")
            add("env.reencrypt", "prod", "", "alice", values=len(_KEYS), epoch=2)
            seq += 1
            until = None
        action = rng.choices(actions, weights)[0]
        env = rng.choice(("dev", "dev", "staging", "prod"))
        secret = f"{rng.choice(_KEYS)} {env}"
        actor = "ci-bot" if action == "env.run" and rng.random() < 0.6 else rng.choice(_TEAM[:5])
        if actor == "erin":
            actor = "carol"  # the auditor never reads values
        actor = _fit(actor, "prod" if action == "totp.success" else env, action)
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
    add("secret.flag", "prod", "Stripe billing prod", "dave", reason="exposure",
        note="Pasted into a support ticket")  # fmt: skip
    return out
