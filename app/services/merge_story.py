"""What a merge settled, in words: for the CLI, the console's status line and the audit view.

A merge commit records each settled conflict by ids (app/core/concurrency.py); these sentences
name the key, the environment and the member, as far as the reader can see them (a key in an
environment they cannot read is still named: names are in the catalog every member reads).
"""

from __future__ import annotations

from typing import Protocol

from app.services.environments import list_environments
from app.services.secrets import list_secrets
from app.services.team import list_members
from app.services.vault import Vault


class Names(Protocol):
    def secret_name(self, secret_id: str) -> str: ...
    def env_name(self, env_id: str) -> str: ...
    def handle(self, member_id: str) -> str: ...


def sentence(record: list[str], names: Names) -> str:
    kind, *ids = record
    if kind == "kept-edited":
        return (
            f"{names.secret_name(ids[0])} was deleted on one copy and changed on the other:"
            " kept, with the change"
        )
    if kind == "deleted-on-both":
        return f"{names.secret_name(ids[0])} was deleted on both copies: deleted once"
    if kind == "changed-on-both":
        return (
            f"{names.secret_name(ids[0])} was changed on both copies: both versions kept,"
            " the later one current"
        )
    if kind == "revocation-wins":
        who, env = names.handle(ids[0]), names.env_name(ids[1])
        return f"{who} was given access to {env} on one copy and lost it on the other: revoked"
    if kind == "key-replaced":
        who, env = names.handle(ids[0]), names.env_name(ids[1])
        return (
            f"{who} was handed {env}'s key on one copy while the other copy replaced it:"
            " only the new key counts"
        )
    return " ".join(record)


class VaultNames:
    """Names as the unlocked vault shows them now (a deleted key by its id's first digits)."""

    def __init__(self, vault: Vault) -> None:
        self.secrets = {s.id: s.name for s in list_secrets(vault)}
        self.envs = {e.id: e.name for e in list_environments(vault)}
        self.handles = {m.id: m.handle for m in list_members(vault, activity=False)}

    def secret_name(self, secret_id: str) -> str:
        return self.secrets.get(secret_id, f"a deleted key ({secret_id[:8]})")

    def env_name(self, env_id: str) -> str:
        return "the vault" if env_id == "vault" else self.envs.get(env_id, env_id)

    def handle(self, member_id: str) -> str:
        return self.handles.get(member_id, member_id[:8])


def story(vault: Vault, resolved: tuple[list[str], ...]) -> list[str]:
    """One sentence per settled conflict, then one per environment left for an admin."""
    lines = []
    if resolved:  # naming keys decrypts the catalog: only when there is something to name
        names = VaultNames(vault)
        lines = [sentence(r, names) for r in resolved]
    lines += [
        f"values or keys of {env} wait for an admin with {env} access to re-encrypt them"
        " (they run `keyledger merge`)"
        for env in vault.repair_waiting
    ]
    return lines
