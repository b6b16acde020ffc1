"""Each ledger event told in words: its action label, environment, secret and readable details.

Names are resolved as they were when the event happened. Values, TOTP seeds, recovery codes
and their hashes never appear. Memory grows neither with the number of events nor with the
number of secrets: where each secret's latest name is (a pointer to its event) is kept for the
most recent secrets only (see `Pointers`), and a name is decrypted again from its event when it
is needed and not in the small cache.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from app.core.errors import IntegrityFailure
from app.services.audit_pointers import Pointers
from app.services.audit_team import DESCRIBED, TRACKED, TeamEvents
from app.services.catalog import CatalogReader, decode_body
from app.services.merge_story import sentence
from app.services.vault import Vault

__all__ = ["LABELS", "Describer", "Pointers", "added_details"]

# Actions as the audit history names them, where the event type is not already the word a
# user would use. Team events keep their type: member.invite, access.grant, key.rotate, …
LABELS = {
    "vault.init": "vault.create",
    "key.wrap": "key.grant",  # a key handed to a member (at a grant, approval or re-key)
    "env.update": "env.policy",
    "env.rekey": "env.reencrypt",  # every value of an environment sealed under its new key
    "secret.add": "secret.create",
    "secret.version": "secret.rotate",
}
_CACHE = 2048
_META_FIELDS = ("name", "env_var", "provider", "owner", "tags", "notes", "rotation_days")


def added_details(meta: dict[str, Any]) -> dict[str, object]:
    """The details of a secret.add: its variable and provider."""
    return {"env_var": meta["env_var"], "provider": meta["provider"]}


class Describer:
    """Turns events into (action, env, secret, details), in ledger order."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.handles: dict[str, str] = dict(
            vault.conn.execute("SELECT id, handle FROM members").fetchall()
        )
        self.env_names: dict[str, str] = {}
        self.env_policy: dict[str, dict[str, Any]] = {}
        self._envs: dict[str, str] = {}  # one string object per environment id
        self._secret = Pointers(vault.conn)
        self._metas: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()  # (seq, meta)
        self._reader = CatalogReader(vault)
        self._readable: dict[str, bool] = {}
        self._event: object = None  # the event whose records are below, once decrypted
        self._event_meta: dict[str, Any] | None = None
        self._event_info: dict[str, Any] | None = None
        self.team = TeamEvents(vault.conn, self.handle, self.env_name, self.open)

    def open(self, blob: str, epoch: int, *context: str | int) -> dict[str, Any]:
        return self._reader.open(blob, epoch, *context)

    def _meta(self, secret_id: str) -> dict[str, Any] | None:
        """A secret's latest metadata seen so far (None: not seen, e.g. before a filter)."""
        known = self._secret.get(secret_id)
        if known is None:
            return None
        return self.meta_at(secret_id, known[0], known[1])

    def meta_at(self, secret_id: str, seq: int, epoch: int) -> dict[str, Any]:
        """The metadata that the event at `seq` (an add or update of the secret) holds."""
        cached = self._metas.get(secret_id)
        if cached is not None and cached[0] == seq:
            self._metas.move_to_end(secret_id)
            return cached[1]
        row = self.vault.conn.execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()
        if row is None:
            raise IntegrityFailure("a secret's record points at a missing event")
        event = decode_body(bytes(row[0]))
        return self._remember(
            secret_id, seq, self.open(event["meta"], epoch, "secret-meta", secret_id)
        )

    def _remember(self, secret_id: str, seq: int, meta: dict[str, Any]) -> dict[str, Any]:
        self._metas[secret_id] = (seq, meta)
        self._metas.move_to_end(secret_id)
        if len(self._metas) > _CACHE:
            self._metas.popitem(last=False)
        return meta

    def _opening(self, e: dict[str, Any]) -> None:
        if self._event is not e:
            self._event, self._event_meta, self._event_info = e, None, None

    def event_meta(self, e: dict[str, Any]) -> dict[str, Any]:
        """The metadata a secret.add or secret.update event holds, decrypted once per event
        (describing it and the evidence pack's log and inventory all read it)."""
        self._opening(e)
        if self._event_meta is None:
            sid = e["secret"]
            self._event_meta = self._reader.open(e["meta"], e["meta_epoch"], "secret-meta", sid)
        return self._event_meta

    def version_info(self, e: dict[str, Any]) -> dict[str, Any]:
        """The version info (reason, ticket, fingerprint) of a secret.add or secret.version
        event, decrypted once per event like `event_meta`."""
        self._opening(e)
        if self._event_info is None:
            sid = e["secret"]
            info = self._reader.open(e["info"], e["info_epoch"], "version-info", sid, e["version"])
            self._event_info = info
        return self._event_info

    def secret_name(self, secret_id: str) -> str:
        meta = self._meta(secret_id)
        return str(meta["name"]) if meta else secret_id

    def secret_env(self, secret_id: str) -> str:
        known = self._secret.get(secret_id)
        return self.env_names.get(known[2], "") if known else ""

    def env_name(self, env_id: str) -> str:
        return "vault" if env_id == "vault" else self.env_names.get(env_id, env_id)

    def handle(self, member_id: str) -> str:
        return self.handles.get(member_id, member_id)

    def can_read(self, env_id: str) -> bool:
        if env_id not in self._readable:
            self._readable[env_id] = self.vault.can_read(env_id)
        return self._readable[env_id]

    # -- following the history (every event, also those a filter leaves out) -----------------
    def track(self, seq: int, e: dict[str, Any], *, final: bool = False) -> None:
        """Remember what later events need: names of environments and where secrets' names are.

        Cheap for secrets: only a pointer to the event that holds the sealed name. `final`: the
        caller knows this add or update holds the key's metadata for good (the projection's).
        """
        kind = e["t"]
        if kind in ("secret.add", "secret.update"):
            sid = e["secret"]
            if kind == "secret.add":
                env = e["env"]
            else:
                known = self._secret.get(sid)
                if known is None:
                    raise IntegrityFailure("an update of a secret that was never added")
                env = known[2]
            pointer = (seq, int(e["meta_epoch"]), self._envs.setdefault(env, env))
            self._secret.set(sid, pointer, final=final)
        elif kind in ("env.add", "env.update"):
            meta = self.open(e["meta"], e["meta_epoch"], "env-meta", e["env"])
            self.env_names[e["env"]] = str(meta["name"])
            self.env_policy[e["env"]] = dict(meta["policy"])
        elif kind in ("member.add", "member.join"):
            self.handles.setdefault(e["member"], str(e["handle"]))
        if kind in TRACKED:
            self.team.track(e)

    def secret_added(
        self, seq: int, e: dict[str, Any], *, final: bool
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """`track` and then `describe` of a secret.add in one call (the evidence pack's fast path:
        most events of a large vault): its environment's name, its metadata (from which its
        name and details follow: `added_details`) and its version info. Both are decrypted here
        and handed back, not kept for `event_meta` and `version_info`.

        A `final` add (the key still exists and its metadata never changes) is not remembered:
        `Pointers.get` finds its pointer in the projection, and at 100k keys the caches would
        drop nearly every such entry unused."""
        sid, env, reader = e["secret"], e["env"], self._reader
        meta = reader.open(e["meta"], e["meta_epoch"], "secret-meta", sid)
        info = reader.open(e["info"], e["info_epoch"], "version-info", sid, e["version"])
        if not final:
            pointer = (seq, int(e["meta_epoch"]), self._envs.setdefault(env, env))
            self._secret.set(sid, pointer)
            self._remember(sid, seq, meta)
        return self.env_names.get(env, ""), meta, info

    # -- describing (only events that are shown) ----------------------------------------------
    def describe(
        self, seq: int, e: dict[str, Any], before: dict[str, Any] | None, ts: str = ""
    ) -> tuple[str, str, str, dict[str, object]]:
        """(action, env, secret, details) of an event already tracked, written at `ts` (the
        commit's time); `before` is the secret's or environment's previous metadata for
        updates."""
        kind = e["t"]
        env = secret = ""
        details: dict[str, object] = {}
        if kind == "vault.init":
            details = {"name": e["name"]}
        elif kind == "member.add":
            details = {"member": e["handle"], "role": e["role"]}
        elif kind in DESCRIBED:
            env, details = self.team.describe(e, ts)
        elif kind == "env.add":
            env = self.env_names[e["env"]]
            details = {"policy": self.env_policy[e["env"]]}
        elif kind == "env.update":
            env = self.env_names[e["env"]]
            old = before or {}
            new = self.env_policy[e["env"]]
            details = {
                "changes": {
                    k: [old.get(k), new.get(k)] for k in sorted(new) if old.get(k) != new.get(k)
                }
            }
        elif kind.startswith("secret."):
            env, secret, details = self._secret_details(kind, seq, e, before)
        elif kind.startswith("totp."):
            env, details = self._totp_details(kind, e)
        elif kind == "audit":
            return self._audit(e)
        elif kind == "merge":  # two copies' histories joined (app/services/merge.py)
            details = {"commits_taken_in": e.get("taken_in", 0)}
            if e.get("resolved"):
                details["settled"] = [sentence(r, self) for r in e["resolved"]]
        return LABELS.get(kind, kind), env, secret, details

    def _secret_details(
        self, kind: str, seq: int, e: dict[str, Any], before: dict[str, Any] | None
    ) -> tuple[str, str, dict[str, object]]:
        sid = e["secret"]
        env = self.secret_env(sid)
        if kind in ("secret.add", "secret.update"):
            meta = self._remember(sid, seq, self.event_meta(e))
            if kind == "secret.add":
                return env, meta["name"], added_details(meta)
            old = before or {}
            changed = [f for f in _META_FIELDS if old.get(f) != meta.get(f)]
            details: dict[str, object] = {"changed": changed}
            if "name" in changed:
                details["renamed_from"] = old.get("name", "")
            return env, meta["name"], details
        name = self.secret_name(sid)
        if kind == "secret.version":
            info = self.version_info(e)
            details = {
                "version": e["version"],
                "reason": info["reason"],
                "ticket": info.get("ticket", ""),
            }
            # Unsalted: only for members who may read the value (see secrets.history()).
            known = self._secret.get(sid)
            if known is not None and self.can_read(known[2]):
                details["fingerprint"] = info["fingerprint"]
            return env, name, details
        if kind in ("secret.flag", "secret.unflag"):
            context = "secret-flag" if kind == "secret.flag" else "secret-unflag"
            try:
                return env, name, dict(self.open(e["info"], e["info_epoch"], context, sid))
            except IntegrityFailure:  # a signed flag with a bad seal must not hide the history
                return env, name, {"reason": "(cannot be read)"}
        return env, name, {}

    def _totp_details(self, kind: str, e: dict[str, Any]) -> tuple[str, dict[str, object]]:
        details: dict[str, object] = {"member": self.handle(e["member"])}
        if kind == "totp.confirm":
            details["recovery_codes"] = len(e.get("recovery", ()))
        elif kind == "totp.recovery":
            details["recovery_code"] = f"#{int(e['index']) + 1} of 10"
        return self.env_name(e["env"]) if "env" in e else "", details

    def _audit(self, e: dict[str, Any]) -> tuple[str, str, str, dict[str, object]]:
        body = self.open(e["body"], e["epoch"], "audit")
        action = str(body.pop("action"))
        env = self.env_names.get(str(body.pop("env", "")), "")
        sid = str(body.pop("secret", ""))
        secret = self.secret_name(sid) if sid else ""
        body.pop("secrets", None)
        return action, env, secret, body

    def previous(self, e: dict[str, Any]) -> dict[str, Any] | None:
        """What an update replaces (call before `track`)."""
        if e["t"] == "secret.update":
            return self._meta(e["secret"])
        if e["t"] == "env.update":
            return self.env_policy.get(e["env"])
        return None
