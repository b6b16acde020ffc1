"""An unlocked vault: who you are, your keys, and the one way to change anything (a commit).

Every change is a list of events in a signed commit, appended to the working copy together with
its projection rows in one transaction, then published atomically to the shared file.
"""

from __future__ import annotations

import contextlib
import copy
import secrets as _random
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.core.clock import Clock, SystemClock, iso
from app.core.errors import (
    AuthFailed,
    IntegrityFailure,
    InvalidInput,
    NotFound,
    NotPermitted,
)
from app.core.model import Member
from app.crypto import aead, wrap
from app.crypto.encoding import b64d, b64e, canonical, read_json, sha256_hex
from app.crypto.errors import DecryptError
from app.crypto.kdf import KdfParams, member_unlock_key
from app.crypto.sign import Signer
from app.services import paths, sync
from app.services.commits import append_commit
from app.services.merge import Merger, MergeRefused, TakenIn
from app.storage.db import file_lock, open_reader, open_working
from app.storage.publish import FaultHook


class StepUpRequired(NotPermitted):
    """A step-up environment's key stays wrapped until a TOTP code opens it."""

    def __init__(self, env_id: str, message: str) -> None:
        super().__init__(message)
        self.env_id = env_id


def new_id() -> str:
    return _random.token_hex(8)


def sealed_keys_context(vault_id: str, member_id: str, kdf: dict[str, Any]) -> bytes:
    return aead.context(vault_id, "member-keys", member_id, sha256_hex(canonical(kdf)))


def muk_info(vault_id: str, member_id: str) -> bytes:
    return aead.context(vault_id, "muk", member_id)


def wrap_info(vault_id: str, member_id: str, scope: str, epoch: int) -> bytes:
    return aead.context(vault_id, "wrap", member_id, scope, epoch)


def chain_info(vault_id: str, scope: str, epoch: int) -> bytes:
    """Context of a retired epoch's key sealed under the key of the epoch after it."""
    return aead.context(vault_id, "chain", scope, epoch, epoch + 1)


@dataclass(frozen=True)
class MemberKeys:
    kem_suite: str
    kem_private: bytes
    sign_private: bytes

    def to_bytes(self) -> bytes:
        return canonical(
            {
                "kem_suite": self.kem_suite,
                "kem": b64e(self.kem_private),
                "sign": b64e(self.sign_private),
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> MemberKeys:
        import json

        obj = json.loads(data)
        return cls(obj["kem_suite"], b64d(obj["kem"]), b64d(obj["sign"]))


class Vault:
    """An unlocked vault. Holds key material in memory until `lock()`."""

    def __init__(
        self,
        published: Path,
        conn: sqlite3.Connection,
        vault_id: str,
        name: str,
        member: Member,
        keys: MemberKeys,
        clock: Clock,
    ) -> None:
        self.published = published
        self.conn = conn
        self.vault_id = vault_id
        self.name = name
        self.member = member
        self.clock = clock
        self.fault: FaultHook | None = None  # test hook for publish failures
        self._keys: MemberKeys | None = keys
        self._signer: Signer | None = Signer(keys.sign_private)
        self._sealers: dict[tuple[str, int], aead.Sealer] = {}
        self._gated: dict[str, int] = {}  # step-up environment id -> window in seconds
        self._open_until: dict[str, datetime] = {}
        self._notes: list[dict[str, Any]] = []  # audit events that ride on the next commit
        self._reader = False
        # Why this laptop's changes and the shared file's could not be merged at unlock (both
        # kept as they are; each write tries the merge again and is refused while it fails), or
        # None once they merged.
        self.merge_problem: str | None = None
        # Environments a merge left with values under a replaced key, or a grantee without the
        # current key, which this member cannot put right (services/merge_repair.py).
        self.repair_waiting: tuple[str, ...] = ()
        self.unlock_merge: TakenIn | None = None  # what unlocking merged, if it had to
        self._open = [True]  # shared with readers(): locking this vault stops them too
        self._load_gates()

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def unlock(
        cls,
        published: Path,
        handle: str | None,
        passphrase: str,
        secret_key: bytes | None,
        clock: Clock | None = None,
        meanwhile: Callable[[sqlite3.Connection], None] | None = None,
    ) -> Vault:
        """`meanwhile`: called with the caught-up working copy while Argon2 runs, to read what
        needs no key (the console's list of sealed records); a failed unlock discards it."""
        vault_id, name = sync.read_identity(published)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Argon2id (which releases the GIL) starts at once from the shared file's copy of
            # this member's record; catching up the working copy and the keychain's pinned head
            # proceed meanwhile. The result counts only if the working copy agrees.
            early = sync.member_record(published, handle)
            derived = None
            if early is not None and secret_key is not None:
                derived = pool.submit(
                    open_member_keys, vault_id, early[0], early[4], early[5], passphrase, secret_key
                )
            with file_lock(sync.lock_path(vault_id)):
                conn, diverged = sync.open_working_copy(published, vault_id)
            try:
                if meanwhile is not None and not diverged:  # a merge below would move it on
                    meanwhile(conn)
            except BaseException:
                conn.close()
                raise
            finally:
                if derived is not None:
                    derived.exception()  # wait, so no thread outlives a failed open below
        try:
            member_id = resolve_member(conn, vault_id, handle)
            row = conn.execute(
                "SELECT handle, role, status, kdf, sealed FROM members WHERE id = ?", (member_id,)
            ).fetchone()
            m_handle, role, status, kdf_text, sealed = row
            if status != "active":
                raise NotPermitted(f"{m_handle} is no longer a member of this vault")
            if secret_key is None:
                from app.services import keychain

                secret_key = keychain.load_secret_key(vault_id, member_id)
            if secret_key is None:
                raise AuthFailed(
                    f"no Secret Key for {m_handle} in the OS keychain; pass --secret-key-file"
                    " PATH or set KEYLEDGER_SECRET_KEY_FILE"
                )
            same = early is not None and (early[0], early[4], bytes(early[5])) == (
                member_id,
                kdf_text,
                bytes(sealed),
            )
            if derived is not None and same:
                keys = derived.result()
            else:
                keys = open_member_keys(
                    vault_id, member_id, kdf_text, bytes(sealed), passphrase, secret_key
                )
            member = Member(member_id, m_handle, role, status)
            vault = cls(published, conn, vault_id, name, member, keys, clock or SystemClock())
        except BaseException:
            conn.close()
            raise
        if diverged:  # opening kept this laptop's copy: the member can sign the merge now
            try:
                vault.unlock_merge = vault.take_in_shared()
            except MergeRefused as exc:
                vault.merge_problem = str(exc)
        return vault

    def reader(self) -> Vault:
        """This unlocked vault over a read-only connection of its own, for one worker thread.

        Two threads must not share a connection: a publish cannot VACUUM while another
        thread's read is in progress. A reader cannot commit (it can sign a statement, such as
        an evidence manifest), and fails as soon as this vault locks. Close it with
        `close_reader`.
        """
        if self.locked:
            raise NotPermitted("the vault is locked")
        other = copy.copy(self)
        other.conn = open_reader(paths.working_copy(self.vault_id))
        other._reader = True  # signs statements (an evidence manifest), never a commit
        other._notes = []
        return other

    def open_writer(self) -> sqlite3.Connection:
        """A second writer connection to the working copy, for `catch_up_with` on a worker
        thread (SQLite's locks and the file lock serialise it with this vault's own)."""
        if self.locked:
            raise NotPermitted("the vault is locked")
        return open_working(paths.working_copy(self.vault_id))

    def close_reader(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Vault]:
        """`reader()` for the length of a with-block."""
        other = self.reader()
        try:
            yield other
        finally:
            other.close_reader()

    def lock(self) -> None:
        """Drop every key and close the working copy."""
        self._open[0] = False
        self._sealers.clear()
        self._open_until.clear()
        self._notes.clear()
        self._keys = None
        self._signer = None
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    @property
    def locked(self) -> bool:
        return self._keys is None or not self._open[0]

    # -- keys ------------------------------------------------------------------------------
    # -- step-up --------------------------------------------------------------------------
    def _load_gates(self) -> None:
        gates = {}
        for env_id, meta, meta_epoch in self.conn.execute(
            "SELECT id, meta, meta_epoch FROM environments"
        ):
            policy = self.open_catalog(bytes(meta), meta_epoch, "env-meta", env_id)["policy"]
            if policy.get("step_up", "none") != "none":
                gates[env_id] = int(policy["step_up_window_s"])
        self._gated = gates

    def needs_step_up(self, env_id: str) -> bool:
        return env_id in self._gated

    def require_step_up(self, env_id: str, env_name: str) -> None:
        """Changes to a step-up environment (even ones that need no key) need an open window."""
        if env_id in self._gated and not self.step_up_remaining(env_id):
            raise StepUpRequired(env_id, f"{env_name} needs a TOTP code first")

    def step_up_remaining(self, env_id: str) -> timedelta:
        until = self._open_until.get(env_id)
        if until is None:
            return timedelta(0)
        left = until - self.clock.now()
        if left <= timedelta(0):
            self.close_step_up(env_id)
            return timedelta(0)
        return left

    def open_step_up(self, env_id: str) -> datetime:
        until = self.clock.now() + timedelta(seconds=self._gated.get(env_id, 0))
        self._open_until[env_id] = until
        return until

    def close_step_up(self, env_id: str) -> None:
        """End the window: forget the environment's unwrapped keys."""
        self._open_until.pop(env_id, None)
        for key in [k for k in self._sealers if k[0] == env_id]:
            del self._sealers[key]

    def close_expired_step_ups(self) -> list[str]:
        """Close every window that has ended; returns those environments' ids."""
        return [e for e in list(self._open_until) if not self.step_up_remaining(e)]

    # -- keys ------------------------------------------------------------------------------
    def sealer(self, scope: str, epoch: int) -> aead.Sealer:
        """The AES key of a scope ('vault' or an environment id) at an epoch, unwrapped once.

        A step-up environment's key is unwrapped only inside an open step-up window.
        """
        keys = self._keys
        if keys is None or self.locked:
            raise NotPermitted("the vault is locked")
        if scope in self._gated and not self.step_up_remaining(scope):
            raise StepUpRequired(scope, "this environment needs a TOTP code first")
        cached = self._sealers.get((scope, epoch))
        if cached is not None:
            return cached
        sealer = aead.Sealer(self._key_bytes(keys, scope, epoch))
        self._sealers[(scope, epoch)] = sealer
        return sealer

    def scope_key(self, scope: str, epoch: int, *, gated: bool = True) -> bytes:
        """A scope's raw key, to wrap it to another member (a grant, an approval).

        `gated=False` passes the step-up gate: only for re-keying after a revocation, which
        takes access away and shows nothing to anyone.
        """
        keys = self._keys
        if keys is None or self.locked:
            raise NotPermitted("the vault is locked")
        if gated and scope in self._gated and not self.step_up_remaining(scope):
            raise StepUpRequired(scope, "this environment needs a TOTP code first")
        return self._key_bytes(keys, scope, epoch)

    def _key_bytes(self, keys: MemberKeys, scope: str, epoch: int) -> bytes:
        """The key wrapped to this member at that epoch, else opened from the next epoch's key
        (a retired epoch's key is chained under its successor's)."""
        row = self.conn.execute(
            "SELECT suite, blob FROM wraps WHERE member_id = ? AND scope = ? AND epoch = ?",
            (self.member.id, scope, epoch),
        ).fetchone()
        if row is None:
            chained = self.conn.execute(
                "SELECT under, blob FROM chains WHERE scope = ? AND epoch = ?", (scope, epoch)
            ).fetchone()
            if chained is None:
                raise NotPermitted("you have no key for this environment")
            newer = aead.Sealer(self._key_bytes(keys, scope, int(chained[0])))
            try:
                return newer.open(bytes(chained[1]), chain_info(self.vault_id, scope, epoch))
            except DecryptError:
                raise IntegrityFailure(
                    "a retired key failed to open: the file was altered"
                ) from None
        if row[0] != keys.kem_suite:
            raise IntegrityFailure("a key was wrapped with a suite that does not match yours")
        try:
            return wrap.unwrap(
                row[0],
                keys.kem_private,
                bytes(row[1]),
                wrap_info(self.vault_id, self.member.id, scope, epoch),
            )
        except DecryptError:
            raise IntegrityFailure("a wrapped key failed to open: the file was altered") from None

    def can_read(self, scope: str) -> bool:
        """Whether this member holds the scope's key (wraps of revoked access are gone)."""
        row = self.conn.execute(
            "SELECT 1 FROM wraps WHERE member_id = ? AND scope = ? LIMIT 1", (self.member.id, scope)
        ).fetchone()
        return row is not None

    def vault_epoch(self) -> int:
        row = self.conn.execute(
            "SELECT max(epoch) FROM wraps WHERE member_id = ? AND scope = 'vault'",
            (self.member.id,),
        ).fetchone()
        if row[0] is None:
            raise NotPermitted("you have no vault key")
        return int(row[0])

    def seal_catalog(self, data: dict[str, Any], *context: str | int) -> tuple[str, int]:
        epoch = self.vault_epoch()
        blob = self.sealer("vault", epoch).seal(
            canonical(data), aead.context(self.vault_id, *context, epoch)
        )
        return b64e(blob), epoch

    def open_catalog(self, blob: bytes, epoch: int, *context: str | int) -> dict[str, Any]:
        try:
            plain = self.sealer("vault", epoch).open(
                blob, aead.context(self.vault_id, *context, epoch)
            )
        except DecryptError:
            raise IntegrityFailure(
                "a catalog record failed to decrypt: the file was altered"
            ) from None
        data: dict[str, Any] = read_json(plain)
        return data

    def refresh(self) -> bool:
        """Take in what teammates published since (a join, a request, a policy change), merging
        when both sides changed; True when the working copy moved on. MergeRefused (both copies
        kept as they were) when their changes cannot both stand."""
        return self.take_in_shared().outcome in ("fast-forward", "merged")

    def take_in_shared(self) -> TakenIn:
        """Catch up with the shared file; what came in."""
        done = self.catch_up_with(self.conn, self.merger())
        self.took_in(done)
        return done

    def catch_up_with(self, conn: sqlite3.Connection, merger: Merger | None) -> TakenIn:
        """take_in_shared's work on the working copy through `conn`: this vault's own, or a
        worker thread's writer connection of its own (db.open_working), so that a merge runs
        off the GUI thread. Then `took_in`, on this vault's thread."""
        with file_lock(sync.lock_path(self.vault_id)):
            shared = sync.open_shared(self.published)
            try:
                return sync.catch_up(conn, shared, self.published, merger)
            finally:
                shared.close()

    def took_in(self, done: TakenIn, needed: list[str] | None = None) -> None:
        """After a catch-up: pin the new head, forget a refusal that no longer holds, and put
        right what a merge left under replaced keys (`needed`: as `after_merge`)."""
        if done.outcome in ("fast-forward", "merged"):
            self.moved_on()
        if done.outcome != "diverged":
            self.merge_problem = None
        if done.outcome == "merged" or done.joined:
            self.after_merge(needed)

    def after_merge(self, needed: list[str] | None = None) -> None:
        """Re-encrypt and hand on what a merge left under replaced keys, where this member can
        (services/merge_repair.py); what is left is kept in `repair_waiting`. `needed`: the
        environments concerned, when a worker thread has looked already."""
        from app.services import merge_repair

        try:
            self.repair_waiting = merge_repair.repair(self, needed).waiting
        except NotPermitted:  # the merge stands; what this member may not do waits
            from app.services.environments import list_environments

            todo = set(needed if needed is not None else merge_repair.needed(self))
            self.repair_waiting = tuple(e.name for e in list_environments(self) if e.id in todo)

    def merger(self) -> Merger | None:
        """Who signs a merge commit now: this member, unless locked or on a reader."""
        if self._signer is None or self.locked or self._reader:
            return None
        return Merger(self.member.id, self._signer, iso(self.clock.now()))

    def moved_on(self) -> None:
        """The working copy took in commits: pin its head, reread the environments' gates."""
        sync.save_pin(self.conn, self.vault_id)
        self._load_gates()

    # -- changing --------------------------------------------------------------------------
    def note(self, event: dict[str, Any]) -> None:
        """Keep an audit event for the next commit (or `flush_notes`), so recording it does not
        cost a publish of its own (the console's unlock)."""
        self._notes.append(event)

    def flush_notes(self) -> None:
        if self._notes:
            self.commit([])

    def commit(self, events: list[dict[str, Any]], blobs: dict[str, bytes] | None = None) -> str:
        """Sign and append one commit, update the projection, publish. Returns the hash.

        `blobs`: value ciphertexts by the SHA-256 their events name, stored beside the ledger.
        """
        if self._signer is None or self.locked:
            raise NotPermitted("the vault is locked")
        if self._reader:
            raise NotPermitted("a reader's connection cannot commit")
        events = [*self._notes, *events]
        commit_hash = append_commit(
            self.conn,
            self.published,
            self.vault_id,
            self.member.id,
            self._signer,
            iso(self.clock.now()),
            events,
            blobs or {},
            self.fault,
            after=self._committed,
        )
        return commit_hash

    def _committed(self) -> None:
        self._notes.clear()  # in the ledger now, whatever happens to the publish
        self._load_gates()

    @property
    def sign_public(self) -> bytes:
        """This member's Ed25519 public key (the one their commits are signed with)."""
        if self._signer is None:
            raise NotPermitted("the vault is locked")
        return self._signer.public

    def sign_statement(self, message: bytes) -> bytes:
        """Sign a domain-separated statement other than a commit (an evidence manifest)."""
        if self._signer is None:
            raise NotPermitted("the vault is locked")
        if not message.startswith(b"keyledger/v1|") or message.startswith(b"keyledger/v1|commit|"):
            raise ValueError("only non-commit keyledger/v1 statements are signed this way")
        return self._signer.sign(message)

    def require_writer(self) -> None:
        if self.member.role == "auditor":
            raise NotPermitted("auditors can read the catalog and history but not change it")

    def require_admin(self) -> None:
        if self.member.role not in ("owner", "admin"):
            raise NotPermitted("only an owner or admin can do that")


def resolve_member(conn: sqlite3.Connection, vault_id: str, handle: str | None) -> str:
    rows = conn.execute("SELECT id, handle FROM members WHERE status = 'active'").fetchall()
    if handle is not None:
        for member_id, h in rows:
            if h == handle:
                return str(member_id)
        statuses = {
            s for (s,) in conn.execute("SELECT status FROM members WHERE handle = ?", (handle,))
        }
        if "pending" in statuses:
            raise NotPermitted(
                f"{handle} has joined and waits for an admin to approve (`keyledger member"
                f" approve {handle}` on an admin's laptop, after comparing fingerprints)"
            )
        if "removed" in statuses:
            raise NotPermitted(f"{handle} was removed from this vault")
        raise NotFound(f"no member named {handle!r} in this vault")
    if len(rows) == 1:
        return str(rows[0][0])
    from app.services import keychain

    mine = [m for m, _ in rows if keychain.load_secret_key(vault_id, m) is not None]
    if len(mine) == 1:
        return str(mine[0])
    raise InvalidInput("this vault has several members: say who you are with --as NAME")


def open_member_keys(
    vault_id: str,
    member_id: str,
    kdf_text: str,
    sealed: bytes,
    passphrase: str,
    secret_key: bytes,
) -> MemberKeys:
    import json

    try:
        kdf_dict = json.loads(kdf_text)
        params = KdfParams.from_dict(kdf_dict)
    except (ValueError, KeyError, TypeError):
        raise IntegrityFailure("this member's key-derivation settings are damaged") from None
    muk = member_unlock_key(passphrase, secret_key, params, muk_info(vault_id, member_id))
    try:
        plain = aead.open_(muk, sealed, sealed_keys_context(vault_id, member_id, kdf_dict))
    except DecryptError:
        raise AuthFailed("wrong passphrase or Secret Key") from None
    return MemberKeys.from_bytes(plain)
