"""One readable line for an audit event's details ("version 3 · scheduled · CHG-1"), and the
full details for its tooltip. Events this file does not know are shown key by key."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache

from PySide6.QtCore import QCoreApplication

from app.ui.models.secrets_model import provider_name

SEP = " · "
_POLICY_KEYS = ("step_up", "step_up_window_s", "clipboard_s", "rotation_days", "review")
Details = Mapping[str, object]


@cache  # called per row: at 100k rows the lookups add up
def _tr(text: str) -> str:
    return QCoreApplication.translate("AuditDetails", text)


def _value(value: object) -> str:
    if isinstance(value, str):
        return " ".join(value.split())  # one line, whatever a note holds
    if isinstance(value, bool):
        return _tr("yes") if value else _tr("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _policy_value(key: str, value: object) -> str:
    if key == "step_up_window_s" and isinstance(value, int):
        return _tr("%1 min").replace("%1", str(value // 60)) if value % 60 == 0 else f"{value} s"
    if key == "clipboard_s":
        return f"{value} s"
    if key == "rotation_days":
        return _tr("%1 days").replace("%1", str(value))
    return _value(value)


def _policy_label(key: str) -> str:
    labels = {
        "step_up": _tr("step-up"),
        "step_up_window_s": _tr("step-up window"),
        "clipboard_s": _tr("clipboard"),
        "rotation_days": _tr("rotation"),
        "review": _tr("review"),
    }
    return labels.get(key, key.replace("_", " "))


def _policy_keys(policy: Details) -> list[str]:
    return [
        *(k for k in _POLICY_KEYS if k in policy),
        *sorted(k for k in policy if k not in _POLICY_KEYS),
    ]


def policy_text(policy: Details) -> str:
    """A whole policy: "policy: step-up totp · step-up window 5 min · clipboard 10 s · …"."""
    shown = [
        f"{_policy_label(k)} {_policy_value(k, policy[k])}"
        for k in _policy_keys(policy)
        if not (k == "step_up_window_s" and policy.get("step_up") == "none")
    ]
    return _tr("policy: ") + SEP.join(shown)


def policy_changes(before: Details, after: Details) -> str:
    """What changed: "policy: step-up totp → none, clipboard 10 s → 30 s"."""
    changes = [
        f"{_policy_label(k)} {_policy_value(k, before.get(k, '?'))}"
        f" \N{RIGHTWARDS ARROW} {_policy_value(k, after[k])}"
        for k in _policy_keys(after)
        if before.get(k) != after[k]
    ]
    return _tr("policy: ") + (", ".join(changes) if changes else _tr("unchanged"))


def _policy_details(action: str, d: Details, before: Details | None) -> str | None:
    changes = d.get("changes")
    if isinstance(changes, Mapping):  # {"step_up": ["totp", "none"], …}
        pairs = {k: v for k, v in changes.items() if isinstance(v, list | tuple) and len(v) == 2}
        return policy_changes(
            {k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()}
        )
    policy = d.get("policy")
    if not isinstance(policy, Mapping):
        return None
    if action == "env.policy" and before is not None:
        return policy_changes(before, policy)
    return policy_text(policy)


def _secret_update(d: Details) -> list[str]:
    if "changed" not in d:
        return [_value(d.get("env_var", "")), provider_name(str(d.get("provider", "")))]
    parts = [_tr("changed %1").replace("%1", _value(d["changed"]) or _tr("nothing"))]
    if d.get("renamed_from"):
        parts.append(_tr("renamed from %1").replace("%1", _value(d["renamed_from"])))
    return parts


def _when(value: object) -> str:
    """A UTC time from the details ("2026-12-06T09:00:00Z") as "2026-12-06 09:00 UTC"."""
    text = str(value)
    return f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 else text


def _as_role(d: Details) -> str:
    return (
        _tr("%1 as %2")
        .replace("%1", _value(d.get("member", "?")))
        .replace("%2", _value(d.get("role", "?")))
    )


def _request_id(d: Details) -> str:
    return _tr("request %1").replace("%1", _value(d["request"])) if d.get("request") else ""


def _team_details(action: str, d: Details) -> list[str] | None:
    """Invites, joins, approvals, removals, grants and requests; None for other actions."""
    until = _tr("until %1").replace("%1", _when(d["until"])) if d.get("until") else ""
    if action == "member.invite":
        grants = _value(d.get("grants", "")) or _tr("no environments")
        expires = _tr("expires %1").replace("%1", _when(d.get("expires", "?")))
        return [_as_role(d), _tr("grants %1").replace("%1", grants), expires]
    if action in ("member.join", "member.approve"):
        return [_as_role(d), _tr("fingerprint %1").replace("%1", _value(d.get("fingerprint")))]
    if action in ("member.uninvite", "member.remove"):
        who = f"{_value(d.get('member', '?'))} ({_value(d.get('role', '?'))})"
        if action == "member.uninvite":
            return [_tr("invite of %1 cancelled").replace("%1", who)]
        return [who, _tr("join refused") if d.get("join_refused") else ""]
    if action == "access.grant":
        origin = (
            _tr("from request %1").replace("%1", _value(d["request"])) if d.get("request") else ""
        )
        return [_value(d.get("member", "?")), _value(d.get("access", "")), until, origin]
    if action == "access.revoke":
        if d.get("expired"):
            until = _tr("expired (%1)").replace("%1", until)
        return [_value(d.get("member", "?")), until]
    if action == "access.request":
        return [_value(d.get("access", "")), _value(d.get("reason", "")), until, _request_id(d)]
    if action in ("access.approve", "access.deny"):
        parts = [_value(d.get("member", "?")), _value(d.get("access", ""))]
        return [*parts, _value(d.get("reason", "")), _request_id(d)]
    if action == "key.rotate":
        key = _tr("new vault key") if d.get("key") == "vault key" else _tr("new environment key")
        return [key, _tr("key epoch %1").replace("%1", str(d.get("epoch")))]
    if action == "env.reencrypt":
        count = d.get("values", 0)
        values = _tr("1 value") if count == 1 else _tr("%1 values").replace("%1", str(count))
        return [
            _tr("%1 re-encrypted").replace("%1", values),
            _tr("key epoch %1").replace("%1", str(d.get("epoch"))),
        ]
    if action.startswith("review."):
        return _review_details(action, d)
    return None


def _review_details(action: str, d: Details) -> list[str]:
    """An access review's start, a decision on one grant, and its sign-off."""
    if action == "review.start":
        grants = d.get("grants", 0)
        count = _tr("1 grant") if grants == 1 else _tr("%1 grants").replace("%1", str(grants))
        due = _tr("due %1").replace("%1", _when(d.get("due", "?")))
        return [_tr("reviewer %1").replace("%1", _value(d.get("reviewer", "?"))), count, due]
    if action == "review.decide":
        decision = _value(d.get("decision", "?"))
        if d.get("access"):
            decision += f" \N{RIGHTWARDS ARROW} {_value(d['access'])}"
        return [_value(d.get("member", "?")), decision, _value(d.get("comment", ""))]
    if action == "review.complete":
        return [_tr("signed off")]
    return [f"{k.replace('_', ' ')} {_value(v)}" for k, v in d.items() if v not in ("", None)]


def details_text(action: str, details: Details, before: Details | None = None) -> str:
    """One line; `before` is the environment's previous policy for a policy change."""
    d = details
    if action in ("env.add", "env.policy"):
        policy = _policy_details(action, d, before)
        if policy is not None:
            return policy
    parts: list[str]
    team = _team_details(action, d)
    if team is not None:
        parts = team
    elif action == "secret.rotate":
        parts = [_tr("version %1").replace("%1", str(d.get("version", "?")))]
        parts += [_value(d[k]) for k in ("reason", "ticket") if d.get(k)]
    elif action in ("secret.copy", "secret.reveal"):
        parts = [_tr("channel %1").replace("%1", _value(d.get("channel", "?")))]
        if "version" in d:
            parts.append(_tr("version %1").replace("%1", str(d["version"])))
    elif action == "secret.create":
        parts = [_value(d.get("env_var", "")), provider_name(str(d.get("provider", "")))]
    elif action == "secret.update":
        parts = _secret_update(d)
    elif action == "secret.flag":
        reason, note = _value(d.get("reason", "")), _value(d.get("note", ""))
        return f"{reason}: {note}" if note else reason
    elif action == "secret.unflag":
        return _tr("withdrawn: %1").replace("%1", _value(d.get("note", "")))
    elif action == "member.add":
        return _as_role(d)
    elif action == "key.grant":  # a key handed over, at a grant, an approval or a re-key
        parts = [
            _value(d.get("member", "?")),
            _tr("key epoch %1").replace("%1", str(d.get("epoch"))),
            _value(d.get("via", "")),
        ]
    elif action == "vault.create":
        return _value(d.get("name", ""))
    elif action == "export":  # a file left the vault: which, for what period
        parts = [_value(d.get("kind", ""))]
        period = d.get("period")
        if isinstance(period, Mapping):
            first, last = period.get("from") or "…", period.get("to") or "…"
            parts.append(f"{first} \N{EN DASH} {last}")
        parts.append(_value(d.get("files", "")))
    else:
        parts = [f"{k.replace('_', ' ')} {_value(v)}" for k, v in d.items() if v not in ("", None)]
    return SEP.join(p for p in parts if p)


def details_tip(details: Details) -> str:
    """Every detail on its own line, for the cell's tooltip (fingerprints included)."""
    return "\n".join(f"{k.replace('_', ' ')}: {_value(v)}" for k, v in details.items())
