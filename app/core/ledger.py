"""Commits and the rules that make a ledger valid.

A commit header is canonical JSON {v, vault, parents, author, ts, events: [sha256 of each event
body]}; its hash is SHA-256 of those bytes; the author signs 'keyledger/v1|commit|<hash>' with
Ed25519. A commit is valid when its hash, event hashes, parent link and signature check and its
author held the right to make each of its events at that point in the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from app.core import team_rules
from app.core.errors import IntegrityFailure
from app.crypto.encoding import b64d, canonical, parse_canonical, read_json, sha256_hex
from app.crypto.errors import SignatureError
from app.crypto.sign import verify as verify_signature

FORMAT = 1
ADMIN_ROLES = frozenset({"owner", "admin"})
WRITER_ROLES = frozenset({"owner", "admin", "member"})
ROLES = ("owner", "admin", "member", "auditor")
_MIN_SEALED = 1 + 12 + 16  # suite byte, nonce, GCM tag: the shortest ciphertext there is

_ADMIN_EVENTS = frozenset({"member.add", "key.wrap", "env.add", "env.update"})
# Changing a secret needs a write grant on its environment (valid at the commit's time);
# flagging one needs only its key.
_WRITE_EVENTS = frozenset({"secret.add", "secret.update", "secret.version", "secret.delete"})
_SECRET_EVENTS = _WRITE_EVENTS | {"secret.flag", "secret.unflag"}
# A member's own step-up record: only that member may write it (an admin may reset it).
_SELF_EVENTS = frozenset(
    {
        "totp.enroll",
        "totp.confirm",
        "totp.success",
        "totp.failure",
        "totp.lockout",
        "totp.recovery",
    }
)
KNOWN_EVENTS = (
    _ADMIN_EVENTS
    | _SECRET_EVENTS
    | _SELF_EVENTS
    | team_rules.TEAM_EVENTS
    | team_rules.SELF_TEAM_EVENTS
    | {"vault.init", "audit", "totp.reset", "merge"}
)
Grants = dict[str, dict[str, tuple[str, str | None]]]  # member -> env -> (access, until)


@dataclass(frozen=True)
class Header:
    vault: str
    parents: tuple[str, ...]
    author: str
    ts: str
    events: tuple[str, ...]


def build_header(
    vault: str, parents: list[str], author: str, ts: str, bodies: list[bytes]
) -> bytes:
    return canonical(
        {
            "v": FORMAT,
            "vault": vault,
            "parents": parents,
            "author": author,
            "ts": ts,
            "events": [sha256_hex(b) for b in bodies],
        }
    )


def signing_message(commit_hash: str) -> bytes:
    return b"keyledger/v1|commit|" + commit_hash.encode("ascii")


def parse_header(data: bytes) -> Header:
    try:
        obj = parse_canonical(data)
        if obj["v"] != FORMAT:
            raise IntegrityFailure(f"commit format {obj['v']} is not supported by this version")
        return Header(
            str(obj["vault"]),
            tuple(str(p) for p in obj["parents"]),
            str(obj["author"]),
            str(obj["ts"]),
            tuple(str(h) for h in obj["events"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityFailure(f"a commit header is malformed ({exc.__class__.__name__})") from None


@dataclass
class MemberRights:
    role: str
    status: str
    sign_pub: bytes


@dataclass
class LedgerState:
    """What the rules need to know about the history so far."""

    vault: str
    head: str | None = None
    count: int = 0
    ts: str = ""  # the last commit's time: times never go back along the chain
    members: dict[str, MemberRights] = field(default_factory=dict)
    access: dict[str, set[str]] = field(default_factory=dict)  # member -> scopes wrapped to them
    secret_env: dict[str, str] = field(default_factory=dict)
    grants: Grants = field(default_factory=dict)
    epochs: dict[str, int] = field(default_factory=dict)  # 'vault' or env id -> current epoch
    invites: dict[str, team_rules.Invite] = field(default_factory=dict)
    requests: dict[str, team_rules.Request] = field(default_factory=dict)
    reviews: dict[str, team_rules.Review] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)  # every commit's hash so far
    # Events that a concurrent change overrides (app/core/concurrency.py): commit -> indexes.
    void: dict[str, frozenset[int]] = field(default_factory=dict)


def _fail(seq: int, what: str) -> IntegrityFailure:
    return IntegrityFailure(f"ledger commit #{seq}: {what}")


def check_commit(
    state: LedgerState,
    seq: int,
    commit_hash: str,
    header_bytes: bytes,
    sig: bytes,
    bodies: list[bytes],
) -> tuple[Header, list[dict[str, Any]]]:
    """Validate one commit against the history so far and advance `state`."""
    if not all(issubclass(t, bytes) for t in {type(header_bytes), type(sig), *map(type, bodies)}):
        raise _fail(seq, "a ledger column holds text where bytes belong")
    if sha256_hex(header_bytes) != commit_hash:
        raise _fail(seq, "hash does not match its header")
    header = parse_header(header_bytes)
    if header.vault != state.vault:
        raise _fail(seq, "belongs to another vault")
    _check_parents(state, seq, header)
    if header.ts < state.ts:  # the one timestamp form sorts as text
        raise _fail(seq, "is dated before the commit it extends")
    if tuple([sha256(b).hexdigest() for b in bodies]) != header.events:
        raise _fail(seq, "its events do not match the signed list")
    try:
        events = [decode_event(b) for b in bodies]
    except (ValueError, UnicodeDecodeError):
        raise _fail(seq, "an event is not valid JSON") from None
    if not all(type(e) is dict and type(e.get("t")) is str for e in events):
        raise _fail(seq, "an event has no type")
    if state.head is None:
        _check_genesis(state, seq, header, events)
    if (len(header.parents) == 2) != any(e["t"] == "merge" for e in events) or (
        len(header.parents) == 2 and len(events) != 1
    ):
        raise _fail(seq, "a merge commit must hold its merge record and nothing else")
    author = state.members.get(header.author)
    if author is None or author.status != "active":
        _check_join(state, seq, commit_hash, header, sig, events)
    else:
        try:
            verify_signature(author.sign_pub, sig, signing_message(commit_hash))
        except SignatureError:
            raise _fail(seq, "signature does not verify") from None
        dead = state.void.get(commit_hash, frozenset())
        _check_events(state, seq, header, author.role, events, dead)
        if dead:
            events = _without_void(state, seq, header, author.role, events, dead)
    state.head = commit_hash
    state.known.add(commit_hash)
    state.ts = header.ts
    state.count += 1
    return header, events


def _check_parents(state: LedgerState, seq: int, header: Header) -> None:
    """The first commit has no parent; any other names one or two (a merge) of the commits
    before it. Which commits come first is the canonical order (app/core/dag.py), checked over
    the whole ledger by `verify`."""
    parents = header.parents
    if state.head is None:
        if parents:
            raise _fail(seq, "the first commit names a parent")
    elif parents != (state.head,) and (
        not 1 <= len(parents) <= 2
        or len(set(parents)) != len(parents)
        or not all(p in state.known for p in parents)
    ):
        raise _fail(seq, "does not extend the commits before it")


# An event body's JSON (ValueError if it is not valid UTF-8 JSON): `read_json` itself.
decode_event = read_json


def _check_join(
    state: LedgerState,
    seq: int,
    commit_hash: str,
    header: Header,
    sig: bytes,
    events: list[dict[str, Any]],
) -> None:
    """A commit by someone who is not a member can only be their own join."""
    try:
        team_rules.check_join(state, header.author, header.ts, events)
        sign_pub = b64d(events[0]["sign_pub"])
        verify_signature(sign_pub, sig, signing_message(commit_hash))
    except team_rules.RuleBroken as exc:
        raise _fail(seq, str(exc)) from None
    except (SignatureError, ValueError, KeyError, TypeError):
        raise _fail(seq, "a join's signature does not verify") from None
    join = events[0]
    state.members[header.author] = MemberRights(join["role"], "pending", sign_pub)
    state.invites[join["invite"]].open = False


VOIDABLE = frozenset({"secret.delete", "access.grant", "key.wrap"})


def _without_void(
    state: LedgerState,
    seq: int,
    header: Header,
    role: str,
    events: list[dict[str, Any]],
    dead: frozenset[int],
) -> list[dict[str, Any]]:
    """The commit's events with those a concurrent change overrides replaced by a no-op (the
    projection has no handler for "void"). Checked after the others: a void event has no
    effect, but its author still needed the right to write it."""
    kept = list(events)
    for index in dead:
        if index >= len(events) or events[index]["t"] not in VOIDABLE:
            raise _fail(seq, "a merge overrides an event that cannot be overridden")
        e = events[index]
        if e["t"] == "secret.delete":  # the secret is gone already if deleted on both sides
            env = state.secret_env.get(e.get("secret"))  # type: ignore[arg-type]
            held = state.access.get(header.author, set())
            if role not in WRITER_ROLES or (env is not None and env not in held):
                raise _fail(seq, "secret.delete without the right to write it")
        elif role not in ADMIN_ROLES:
            raise _fail(seq, f"{e['t']} by a member without the admin role")
        kept[index] = {"t": "void", "was": e["t"]}
    return kept


def _writable(state: LedgerState, author: str, ts: str) -> set[str]:
    """Environments whose write grant the author holds at time `ts`."""
    held = state.grants.get(author, {})
    keys = state.access.get(author, set())
    return {
        env
        for env, (access, until) in held.items()
        if access == "write" and env in keys and (until is None or ts <= until)
    }


def _check_events(
    state: LedgerState,
    seq: int,
    header: Header,
    role: str,
    events: list[dict[str, Any]],
    dead: frozenset[int] = frozenset(),
) -> None:
    """_check_event for each event, with the common secret.add that passes every rule inlined.
    Events in `dead` are void: _without_void checks them."""
    secret_env = state.secret_env
    author = header.author
    writes = _writable(state, author, header.ts) if role in WRITER_ROLES else set()
    fresh: set[str] = set()  # environments created in this commit
    for index, event in enumerate(events):
        if index in dead:
            continue
        kind = event["t"]
        if kind == "secret.add":
            env, secret = event.get("env"), event.get("secret")
            if (
                type(env) is str
                and type(secret) is str
                and env in writes
                and secret not in secret_env
                and type(event.get("value_ref", "")) is str
            ):
                secret_env[secret] = env
                continue
        _check_event(state, seq, header, role, event, fresh)  # the rules in full
        if kind in ("key.wrap", "access.grant", "access.revoke", "member.remove"):
            writes = _writable(state, author, header.ts) if role in WRITER_ROLES else set()


def _check_genesis(
    state: LedgerState, seq: int, header: Header, events: list[dict[str, Any]]
) -> None:
    if len(events) < 2 or events[0]["t"] != "vault.init" or events[1]["t"] != "member.add":
        raise _fail(seq, "the first commit must create the vault and its owner")
    init, owner = events[0], events[1]
    if init.get("vault") != state.vault or init.get("format") != FORMAT:
        raise _fail(seq, "the vault's identity does not match")
    if owner.get("member") != header.author or owner.get("role") != "owner":
        raise _fail(seq, "the first commit must be signed by the vault's owner")
    state.members[header.author] = MemberRights("owner", "active", b64d(owner["sign_pub"]))
    state.epochs["vault"] = 1


def _check_event(
    state: LedgerState, seq: int, header: Header, role: str, e: dict[str, Any], fresh: set[str]
) -> None:
    kind = e["t"]
    author = header.author
    try:
        if kind not in KNOWN_EVENTS:
            raise _fail(seq, f"unknown event type (written by a newer KeyLedger?): {kind[:40]}")
        if kind == "vault.init":
            if state.head is not None:
                raise _fail(seq, "a second vault.init")
            return
        if (kind in _ADMIN_EVENTS or kind == "totp.reset") and role not in ADMIN_ROLES:
            raise _fail(seq, f"{kind} by a member without the admin role")
        if kind in team_rules.TEAM_EVENTS or kind in team_rules.SELF_TEAM_EVENTS:
            team_rules.check_team_event(state, author, role, header.ts, e)
        elif kind == "member.add":
            if state.head is not None:  # members join by invite from the second commit on
                raise _fail(seq, "a member added without an invite")
            if e["role"] not in ROLES:
                raise _fail(seq, "unknown role")
            state.members[e["member"]] = MemberRights(e["role"], "active", b64d(e["sign_pub"]))
        elif kind == "env.add":
            if e["env"] in state.epochs or e["epoch"] != 1:
                raise _fail(seq, "an environment added twice")
            state.epochs[e["env"]] = 1
            fresh.add(e["env"])
        elif kind == "key.wrap":
            team_rules.check_wrap(state, e, fresh)
            state.access.setdefault(e["member"], set()).add(e["scope"])
        elif kind in _SELF_EVENTS:
            if e["member"] != author:
                raise _fail(seq, f"{kind} written for another member")
        elif kind in _SECRET_EVENTS:
            if role not in WRITER_ROLES:
                raise _fail(seq, f"{kind} by a read-only role")
            env = e["env"] if kind == "secret.add" else state.secret_env.get(e["secret"])
            if env is None:
                raise _fail(seq, f"{kind} of an unknown secret")
            if env not in state.access.get(author, set()):
                raise _fail(seq, f"{kind} in an environment the author has no key for")
            if kind in _WRITE_EVENTS and env not in _writable(state, author, header.ts):
                raise _fail(seq, f"{kind} without a current write grant on its environment")
            if kind in ("secret.add", "secret.version") and "value_ref" in e:
                team_rules.check_ref(e["value_ref"])
            if kind == "secret.add":
                if e["secret"] in state.secret_env:
                    raise _fail(seq, "secret added twice")
                state.secret_env[e["secret"]] = env
            elif kind == "secret.delete":
                del state.secret_env[e["secret"]]
            # Readers decrypt a flag's `info` to show the reason: it must at least be sealed.
            elif kind in ("secret.flag", "secret.unflag") and (
                type(e["info_epoch"]) is not int or len(b64d(e["info"])) < _MIN_SEALED
            ):
                raise ValueError(kind)
    except team_rules.RuleBroken as exc:
        raise _fail(seq, str(exc)) from None
    except (KeyError, TypeError, ValueError):
        raise _fail(seq, f"a {kind[:40]} event is malformed") from None
