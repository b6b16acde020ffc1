"""The pack's three large tables from one pass over the ledger: the audit events, the rotation
log and the secret inventory.

Each secret.add and secret.version event is decrypted once for all three: its metadata names
the audit row, its version info gives the log's reason and the inventory's fingerprint. What
still exists (and its current name, version and flag) comes from one cursor over versions and
secrets in event order, merged with the ledger's, so nothing is kept per secret here. A key's
inventory row is written at the event that created it, into its environment's part: the table
lists the environments in order, each one's keys in the order added.

A pass covers a range of events, so two processes can share an export: for names as they were
then it follows the events before its range, skipping those that hold a key's metadata for good
(the projection has those names), and writes rows only for the events in its range.
"""

from __future__ import annotations

import json
import json.encoder
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from typing import Any, Protocol

from app.core import rotation
from app.core.errors import IntegrityFailure
from app.core.ledger import parse_header
from app.core.model import AuditEntry, Environment
from app.core.rotation import RotationStatus
from app.services.audit_events import LABELS, Describer, added_details
from app.services.catalog import decode_body
from app.services.evidence_access import ACCESS_KINDS, Change, change
from app.services.evidence_spool import Spool
from app.services.evidence_tables import utc
from app.services.vault import Vault
from app.storage import ledger

_LOG_KINDS = {
    "secret.add": "created",
    "secret.version": "rotated",
    "secret.flag": "flagged",
    "secret.unflag": "unflagged",
}
_UPDATES = ("secret.update", "env.update")
_POLICY = ("env.add", "env.policy")
_REQUIRED = RotationStatus.REQUIRED.value
_CREATE = LABELS["secret.add"]
_DETAILS = json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False)
# The C encoder built once: JSONEncoder.encode builds a new one per call, half the cost of a
# small dict's text. (Not in the typing stubs, and absent without the C accelerator.)
_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_details_c: Any = None
if _make_encoder is not None:
    _details_c = _make_encoder(
        None, _DETAILS.default, json.encoder.encode_basestring, None, ": ", ", ", True, False, True
    )


_string = json.encoder.encode_basestring  # a str as JSON text, not escaped to ASCII


def _added_text(meta: dict[str, Any]) -> str:
    """`_details_text(added_details(meta))`, written as a template: a fifth of the time, for
    the commonest event of a large vault."""
    var, provider = meta["env_var"], meta["provider"]
    if type(var) is str and type(provider) is str:
        return '{"env_var": ' + _string(var) + ', "provider": ' + _string(provider) + "}"
    return _details_text(added_details(meta))


def _details_text(details: dict[str, object]) -> str:
    """Details as JSON text, keys sorted, as the CSV holds them and the JSON Lines embed them."""
    if _details_c is None:
        return _DETAILS.encode(details)
    return "".join(_details_c(details, 0))


# Each version of each key that still exists, in event order, with what the log and the
# inventory need of its key (its id is the event's): environment, current metadata, version,
# times and open flag. Each column fetched costs, so none is fetched twice.
_CURRENT = (
    "SELECT v.event, s.env_id, s.meta_event, s.meta_epoch, s.version, s.created_at,"
    " s.rotated_at, f.event, f.info_epoch FROM versions v JOIN secrets s ON s.id = v.secret_id"
    " LEFT JOIN flags f ON f.secret_id = s.id WHERE v.event >= ? AND v.event < ?"
    " ORDER BY v.event"
)
# The same without the flags (nor their columns), when no key is flagged: the join's lookup
# per version was a third of the query (0.07 s of a pass over 50k events).
_CURRENT_UNFLAGGED = (
    "SELECT v.event, s.env_id, s.meta_event, s.meta_epoch, s.version, s.created_at,"
    " s.rotated_at FROM versions v JOIN secrets s ON s.id = v.secret_id"
    " WHERE v.event >= ? AND v.event < ? ORDER BY v.event"
)
_FLAG = 7  # where a row of _CURRENT has its flag's event and epoch

_EARLIER = (
    "SELECT seq, body FROM events WHERE seq < ?"
    " AND seq NOT IN (SELECT meta_event FROM secrets WHERE meta_event < ?) ORDER BY seq"
)


class Span(Protocol):
    """Events start..stop-1, as a range; a pass reads `stop` again after every event."""

    @property
    def start(self) -> int: ...

    @property
    def stop(self) -> int: ...


@dataclass
class Outputs:
    """Where the rows go: a spool per table, the inventory's per environment id."""

    audit: Spool
    log: Spool
    inventory: dict[str, Spool]


@dataclass
class Found:
    """What the small tables and the summary need from the pass; small, whatever the history."""

    events: int = 0  # audit rows written
    policy: list[AuditEntry] = field(default_factory=list)  # env.add and env.policy events
    confirmed: dict[tuple[str, str], str] = field(default_factory=dict)  # totp.confirm times
    step_ups: Counter[str] = field(default_factory=Counter)  # successful step-ups by month
    counts: Counter[tuple[str, RotationStatus]] = field(default_factory=Counter)
    access: list[Change] = field(default_factory=list)  # membership and grant changes

    def merge(self, other: Found) -> None:
        """Add a later range's findings (ledger order is kept: `other` comes after)."""
        self.events += other.events
        self.policy += other.policy
        self.confirmed.update(other.confirmed)
        self.step_ups.update(other.step_ups)
        self.counts.update(other.counts)
        self.access += other.access


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    now: datetime


def history(
    vault: Vault,
    period: Period,
    envs: list[Environment],
    out: Outputs,
    tick: Callable[[int], None],
    events: Span,
) -> Found:
    """Write the rows of the events whose seq is in `events` (all of them: range(1, end)).
    `tick(seq)` follows each event written; it may lower `events.stop` (evidence_split: the
    other process takes the rest), never to an event already written."""
    return _Pass(vault, period, envs, out, tick).run(events)


def _due(now: datetime, rotated: str, days: int) -> tuple[str, str, str]:
    """(last rotated, next due, status unless flagged) as text."""
    due = rotation.next_due(rotated, days)
    return utc(rotated), due.isoformat()[:19] + "Z", rotation.status_of(due, now).value


class _Pass:
    def __init__(
        self,
        vault: Vault,
        period: Period,
        envs: list[Environment],
        out: Outputs,
        tick: Callable[[int], None],
    ) -> None:
        self.vault = vault
        self.d = Describer(vault)
        self.out = out
        self.tick = tick
        self.envs = {e.id: e for e in envs}
        self.first = period.start.isoformat()
        self.last = period.end.isoformat()
        self.by = dict(vault.conn.execute("SELECT id, handle FROM members").fetchall())
        self.found = Found()
        self.statuses: Counter[tuple[str, str]] = Counter()  # (env id, status text)
        # Keys added or rotated in one commit share these (a function of `now`, not of self:
        # a cache holding this object would keep it alive until the cycle collector ran).
        self.due = lru_cache(maxsize=256)(partial(_due, period.now))

    def run(self, events: Span) -> Found:
        conn = self.vault.conn
        after = 0
        if events.start > 1:
            after = self._follow(events.start)
        flagged = conn.execute("SELECT EXISTS (SELECT 1 FROM flags)").fetchone()[0]
        query = _CURRENT if flagged else _CURRENT_UNFLAGGED
        current = iter(conn.execute(query, (events.start, events.stop)))
        pending = next(current, None)
        for row, bodies, seqs in ledger.commits(conn, after):
            if seqs and seqs[0] >= events.stop:
                break
            header = parse_header(bytes(row.header))
            ts = header.ts
            shown = self.first <= ts[:10] <= self.last
            actor = self.d.handle(header.author)
            commit = (row.seq, utc(ts), actor, self.by.get(header.author, "?"), ts)
            for body, seq in zip(bodies, seqs, strict=True):
                if seq >= events.stop:
                    break
                if seq < events.start:  # followed already
                    continue
                event = decode_body(body)
                kind = event["t"]
                cur = None
                if kind in ("secret.add", "secret.version"):
                    while pending is not None and pending[0] < seq:
                        pending = next(current, None)
                    if pending is not None and pending[0] == seq:
                        cur = pending
                # An add or update that holds its key's metadata for good (the projection's
                # secrets.meta_event): the name it points to need not be remembered.
                if kind == "secret.add" and shown and cur is not None:
                    self._added(seq, event, commit, cur, cur[2] == seq)
                else:
                    final = cur is not None and cur[2] == seq
                    if kind == "secret.update":
                        final = self._meta_event(event["secret"]) == seq
                    self._event(seq, event, kind, commit, shown, cur, final)
                self.tick(seq)
            del bodies, seqs  # before the next commit's are read: one commit in memory, not two
        for spool in (self.out.audit, self.out.log, *self.out.inventory.values()):
            spool.flush()
        for (env_id, status), n in self.statuses.items():
            self.found.counts[(env_id, RotationStatus(status))] += n
        return self.found

    def _follow(self, start: int) -> int:
        """Track the events before `start` for the names they give later ones; those that hold
        a key's metadata for good are skipped (a name they give is read from the projection).
        Returns the commit to read on from: the one before `start`'s."""
        for seq, body in self.vault.conn.execute(_EARLIER, (start, start)):
            self.d.track(seq, decode_body(bytes(body)))
        row = self.vault.conn.execute("SELECT commit_seq FROM events WHERE seq = ?", (start,))
        found = row.fetchone()
        return int(found[0]) - 1 if found else 0

    def _event(
        self,
        seq: int,
        event: dict[str, Any],
        kind: str,
        commit: tuple[int, str, str, str, str],
        shown: bool,
        cur: tuple[Any, ...] | None,
        final: bool,
    ) -> None:
        d = self.d
        before = d.previous(event) if shown and kind in _UPDATES else None
        d.track(seq, event, final=final)
        if kind == "totp.confirm":
            self.found.confirmed[(event["member"], event["enrollment"])] = commit[4]
        elif kind == "totp.success":
            self.found.step_ups[commit[4][:7]] += 1
        elif kind == "secret.add" and cur is not None:
            self._inventory(seq, event, cur, self._meta(seq, event, cur))
        elif kind in ACCESS_KINDS:  # the whole history, whatever the period
            self.found.access.append(change(event, commit[4], commit[2]))
        if not shown:
            return
        act, env, secret, details = d.describe(seq, event, before, commit[4])
        self.out.audit.add(
            (commit[0], commit[1], commit[2], act, env, secret, _details_text(details))
        )
        self.found.events += 1
        if act in _POLICY:
            self.found.policy.append(
                AuditEntry(commit[0], commit[4], commit[2], act, env, secret, details)
            )
        if kind in _LOG_KINDS:
            self._log(seq, event, kind, commit, cur)

    def _added(
        self,
        seq: int,
        event: dict[str, Any],
        commit: tuple[int, str, str, str, str],
        cur: tuple[Any, ...],
        final: bool,
    ) -> None:
        """A secret.add shown in the period, of a key that still exists (nearly every event of
        a large vault): the rows `_event` writes for it, with the calls between its steps
        (track, inventory, describe, log) folded into one; at 100k events they cost as much as
        decrypting. Test: test_evidence_history's fast path against the general one."""
        d = self.d
        env_name, meta, info = d.secret_added(seq, event, final=final)
        sid, env_id, meta_event, meta_epoch = event["secret"], cur[1], cur[2], cur[3]
        current = meta if meta_event == seq else d.meta_at(sid, meta_event, meta_epoch)
        env = self.envs[env_id]
        self._inventory(seq, event, cur, current, info)
        row, ts, actor, handle = commit[0], commit[1], commit[2], commit[3]
        self.out.audit.add((row, ts, actor, _CREATE, env_name, meta["name"], _added_text(meta)))
        self.found.events += 1
        self.out.log.add(
            (
                ts,
                env.name,
                current["name"],
                current["env_var"],
                "created",
                int(event["version"]),
                info["reason"],
                info.get("ticket", ""),
                "",
                handle,
                info["fingerprint"] if env.readable else "",
            )
        )

    def _meta_event(self, sid: str) -> int | None:
        """The event that holds a key's current metadata (None: the key was deleted)."""
        row = self.vault.conn.execute("SELECT meta_event FROM secrets WHERE id = ?", (sid,))
        found = row.fetchone()
        return int(found[0]) if found else None

    def _meta(self, seq: int, event: dict[str, Any], cur: tuple[Any, ...]) -> dict[str, Any]:
        """The key's current metadata: this event's, unless it changed later."""
        sid, meta_event, meta_epoch = event["secret"], cur[2], cur[3]
        if meta_event == seq:
            return self.d.event_meta(event)
        return self.d.meta_at(sid, meta_event, meta_epoch)

    def _log(
        self,
        seq: int,
        event: dict[str, Any],
        kind: str,
        commit: tuple[int, str, str, str, str],
        cur: tuple[Any, ...] | None,
    ) -> None:
        action = _LOG_KINDS[kind]
        if kind in ("secret.add", "secret.version"):
            if cur is None:
                return  # the key was deleted since: its history stays in the audit events
            env = self.envs[cur[1]]
            meta = self._meta(seq, event, cur)
            info = self.d.version_info(event)
            reason, ticket, note = info["reason"], info.get("ticket", ""), ""
            fingerprint = info["fingerprint"] if env.readable else ""
            version = int(event["version"])
        else:
            found = self._flagged(seq, event)
            if found is None:
                return
            env, meta, version = found
            context = "secret-flag" if kind == "secret.flag" else "secret-unflag"
            try:
                data = self.d.open(event["info"], event["info_epoch"], context, event["secret"])
            except IntegrityFailure:  # as rotation.flags: one bad seal must not stop the pack
                data = {"reason": "other", "note": "the reason cannot be read"}
            reason, ticket, note = data.get("reason", ""), "", data.get("note", "")
            fingerprint = ""
        self.out.log.add(
            (
                commit[1],
                env.name,
                meta["name"],
                meta["env_var"],
                action,
                version,
                reason,
                ticket,
                note,
                commit[3],
                fingerprint,
            )
        )

    def _flagged(
        self, seq: int, event: dict[str, Any]
    ) -> tuple[Environment, dict[str, Any], int] | None:
        """A flag's or withdrawal's key, if it still exists: environment, current metadata and
        the version it had then."""
        sid = event["secret"]
        row = self.vault.conn.execute(
            "SELECT s.env_id, s.meta_event, s.meta_epoch, (SELECT coalesce(max(version), 0)"
            " FROM versions WHERE secret_id = s.id AND event < ?) FROM secrets s WHERE s.id = ?",
            (seq, sid),
        ).fetchone()
        if row is None:
            return None
        env_id, meta_event, meta_epoch, version = row
        return self.envs[env_id], self.d.meta_at(sid, meta_event, meta_epoch), int(version)

    def _inventory(
        self,
        seq: int,
        event: dict[str, Any],
        cur: tuple[Any, ...],
        meta: dict[str, Any],
        info: dict[str, Any] | None = None,
    ) -> None:
        """The row of a key that still exists, at the event that created it; `meta` is its
        current metadata, `info` the event's version info if already decrypted."""
        sid, env_id, version, created, rotated = event["secret"], cur[1], cur[4], cur[5], cur[6]
        env = self.envs[env_id]
        days = int(meta.get("rotation_days") or env.policy.rotation_days)
        last, due, status = self.due(rotated, days)
        reason = ""
        if len(cur) > _FLAG and cur[_FLAG] is not None:
            reason = self._flag_reason(sid, cur[_FLAG], cur[_FLAG + 1])
            status = _REQUIRED
        self.statuses[(env_id, status)] += 1
        fingerprint = ""
        if env.readable:
            fingerprint = self._current_info(event, sid, version, info)["fingerprint"]
        self.out.inventory[env_id].add(
            (
                env.name,
                meta["name"],
                meta["env_var"],
                meta.get("provider", ""),
                meta.get("owner", ""),
                "; ".join(meta.get("tags", ())),
                created[:19] + "Z",
                last,
                days,
                due,
                status,
                reason,
                fingerprint,
            )
        )

    def _current_info(
        self, event: dict[str, Any], sid: str, version: int, info: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The version info of the key's current version (`info`: this event's, if known)."""
        if event["version"] == version:
            return info if info is not None else self.d.version_info(event)
        row = self.vault.conn.execute(
            "SELECT e.body, v.info_epoch FROM versions v JOIN events e ON e.seq = v.event"
            " WHERE v.secret_id = ? AND v.version = ?",
            (sid, version),
        ).fetchone()
        if row is None:
            return {"fingerprint": ""}
        body = decode_body(bytes(row[0]))  # sealed under its event's number (secrets.py)
        return self.d.open(body["info"], row[1], "version-info", sid, body["version"])

    def _flag_reason(self, sid: str, flag_event: int, epoch: int) -> str:
        """An open flag's reason; "other" where it cannot be read, as rotation.flags says."""
        row = self.vault.conn.execute("SELECT body FROM events WHERE seq = ?", (flag_event,))
        try:
            body = decode_body(bytes(row.fetchone()[0]))
            return str(self.d.open(body["info"], epoch, "secret-flag", sid)["reason"])
        except (IntegrityFailure, KeyError, TypeError):
            return "other"
