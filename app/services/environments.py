"""Environments (dev, staging, prod, …) and their policies."""

from __future__ import annotations

import os
from typing import Any

from app.core import names
from app.core.errors import Conflict, NotFound, checked
from app.core.model import Environment
from app.core.policy import Policy, default_for
from app.services.create import env_meta, wrap_event
from app.services.vault import Vault, new_id


def list_environments(vault: Vault) -> list[Environment]:
    counts = dict(
        vault.conn.execute("SELECT env_id, count(*) FROM secrets GROUP BY env_id").fetchall()
    )
    result = []
    for env_id, position, epoch, meta, meta_epoch in vault.conn.execute(
        "SELECT id, position, epoch, meta, meta_epoch FROM environments ORDER BY position"
    ):
        data = vault.open_catalog(bytes(meta), meta_epoch, "env-meta", env_id)
        result.append(
            Environment(
                env_id,
                data["name"],
                position,
                Policy.from_dict(data["policy"]),
                epoch,
                vault.can_read(env_id),
                counts.get(env_id, 0),
            )
        )
    return result


def find_environment(vault: Vault, name: str) -> Environment:
    envs = list_environments(vault)
    for env in envs:
        if env.name == name:
            return env
    known = ", ".join(e.name for e in envs) or "none"
    raise NotFound(f"no environment named {name!r} (environments: {known})")


def add_environment(vault: Vault, name: str, policy: Policy | None = None) -> Environment:
    vault.require_admin()
    name = checked(names.check_env_name, name)
    existing = list_environments(vault)
    if any(e.name == name for e in existing):
        raise Conflict(f"an environment named {name!r} already exists")
    policy = policy or default_for(name)
    env_id = new_id()
    meta, meta_epoch = vault.seal_catalog(env_meta(name, policy), "env-meta", env_id)
    position = max((e.position for e in existing), default=-1) + 1
    events: list[dict[str, Any]] = [
        {
            "t": "env.add",
            "env": env_id,
            "position": position,
            "epoch": 1,
            "meta": meta,
            "meta_epoch": meta_epoch,
        }
    ]
    key = os.urandom(32)
    for member_id, suite, public in _admins(vault):
        events.append(wrap_event(vault.vault_id, (member_id, suite, public), env_id, 1, key))
    vault.commit(events)
    return find_environment(vault, name)


def _admins(vault: Vault) -> list[tuple[str, str, bytes]]:
    rows = vault.conn.execute(
        "SELECT id, kem_suite, kem_pub FROM members WHERE status = 'active'"
        " AND role IN ('owner', 'admin') ORDER BY id"
    ).fetchall()
    return [(m, s, bytes(p)) for m, s, p in rows]


def set_policy(vault: Vault, env_name: str, **changes: Any) -> Environment:
    vault.require_admin()
    env = find_environment(vault, env_name)
    policy = env.policy.with_changes(**changes)
    if policy == env.policy:
        return env
    # Weakening a step-up environment's policy is itself a step-up action.
    vault.require_step_up(env.id, env.name)
    meta, meta_epoch = vault.seal_catalog(env_meta(env.name, policy), "env-meta", env.id)
    vault.commit([{"t": "env.update", "env": env.id, "meta": meta, "meta_epoch": meta_epoch}])
    return find_environment(vault, env_name)
