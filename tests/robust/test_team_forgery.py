"""Team changes forged behind KeyLedger's back fail `verify`, in process and as `keyledger verify`.

A base file is built once through the real flows: alice (owner), bob (member, dev:read), dora
(admin, dev:write, with an open request for prod), carl (removed), frank (an admin who joined and
waits for approval) and an open invite for erin. Each test copies it and forges one thing: a row
written straight into the file, or a commit signed with a real member's (or a real joiner's) key
that breaks a team rule. Forged commits carry their projection rows too, so `verify` fails on the
rule itself, not on a table that no longer matches.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.clock import iso, parse_iso
from app.core.errors import IntegrityFailure
from app.core.ledger import build_header, signing_message
from app.core.team_rules import join_message
from app.crypto import sign, wrap
from app.crypto.encoding import b64e, canonical, sha256_hex
from app.crypto.kdf import KdfParams
from app.services import access, requests, team
from app.services.create import wrap_event
from app.services.environments import find_environment
from app.services.integrity import verify_vault
from app.services.secrets import add_secret
from app.services.vault import MemberKeys, new_id
from app.storage import ledger, projection
from app.storage.ledger import CommitRow
from tests.robust.conftest import CliVault, laptop, new_vault, run_cli
from tests.team import add_teammate, join_as


@dataclass(frozen=True)
class Base:
    image: bytes
    vault_id: str
    ts: str  # the time of every commit in the base
    ids: dict[str, str]  # handle -> member id
    keys: dict[str, MemberKeys]  # handle -> private keys (carl's as he had them)
    envs: dict[str, str]  # environment name -> id
    erin_invite: str
    erin_code: str
    erin_expires: str
    dora_request: str


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    root = tmp_path_factory.mktemp("forgery")
    path = root / "shared" / "team.kl"
    with laptop(root / "data"):
        alice, _ = new_vault(path)
        add_secret(alice, "dev", "openai-dev", "sk-dev-forgery-1111")
        add_secret(alice, "prod", "openai-prod", "sk-prod-forgery-2222")
        bob = add_teammate(alice, "bob", "member", ("dev:read",))
        dora = add_teammate(alice, "dora", "admin", ("dev:write",))
        carl = add_teammate(alice, "carl", "member", ("dev:read",))
        opened = [alice, bob, dora, carl]
        try:
            asked = requests.request_access(dora, "prod", "read", "incident 42")
            access.remove_member(alice, "carl")
            join_as(alice, "frank", "admin")
            invite, code = team.invite(alice, "erin", "member", [])
            ids = {m.handle: m.id for m in team.list_members(alice, include_removed=True)}
            made = Base(
                image=path.read_bytes(),
                vault_id=alice.vault_id,
                ts=iso(alice.clock.now()),
                ids=ids,
                keys={v.member.handle: v._keys for v in opened},
                envs={n: find_environment(alice, n).id for n in ("dev", "staging", "prod")},
                erin_invite=invite.id,
                erin_code=code,
                erin_expires=invite.expires,
                dora_request=asked.id,
            )
        finally:
            for vault in opened:
                vault.lock()
    return made


def later(ts: str, **delta: float) -> str:
    return iso(parse_iso(ts) + timedelta(**delta))


class Forger:
    """A copy of the base file, changed as an attacker with sqlite3 and some private keys can."""

    def __init__(self, base: Base, path: Path) -> None:
        self.base = base
        self.path = path
        path.parent.mkdir(parents=True)
        path.write_bytes(base.image)

    def sql(self, statement: str, *args: object) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            assert conn.execute(statement, args).rowcount == 1, statement
        finally:
            conn.close()

    def commit(
        self, author: str, signer: bytes, events: list[dict[str, Any]], ts: str | None = None
    ) -> int:
        """Append a correctly hashed and signed commit with its projection rows; returns its
        number."""
        ts = ts or self.base.ts
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            head = ledger.head(conn)
            assert head is not None
            bodies = [canonical(e) for e in events]
            header = build_header(self.base.vault_id, [head.hash], author, ts, bodies)
            digest = sha256_hex(header)
            row = CommitRow(
                head.seq + 1, digest, header, sign.Signer(signer).sign(signing_message(digest))
            )
            conn.execute("BEGIN")
            seqs = ledger.append(conn, row, bodies)
            projection.apply_all(conn, events, seqs, author=author, ts=ts)
            conn.execute("COMMIT")
            return row.seq
        finally:
            conn.close()

    def by(self, handle: str, events: list[dict[str, Any]], ts: str | None = None) -> int:
        keys = self.base.keys[handle]
        return self.commit(self.base.ids[handle], keys.sign_private, events, ts)

    def join(
        self, role: str = "member", ts: str | None = None, proof_code: str | None = None
    ) -> int:
        """erin's join as `team.join` writes it, with her own new keys; the proof is signed with
        the invite code's key (or with the key of another code)."""
        code = team.parse_code(proof_code or self.base.erin_code)
        invite_key = team._invite_key(code)
        kem = wrap.generate()
        sign_private, sign_public = sign.generate()
        member = new_id()
        event = {
            "t": "member.join",
            "member": member,
            "handle": "erin",
            "role": role,
            "kem_suite": kem.suite,
            "kem_pub": b64e(kem.public),
            "sign_pub": b64e(sign_public),
            "kdf": KdfParams(os.urandom(16)).to_dict(),
            "sealed": b64e(os.urandom(120)),  # only erin ever opens it; the ledger cannot tell
            "invite": self.base.erin_invite,
        }
        event["proof"] = b64e(invite_key.sign(join_message(self.base.vault_id, event)))
        return self.commit(member, sign_private, [event], ts)


def _wrap_event(forger: Forger, handle: str, env: str) -> dict[str, Any]:
    """A well-formed wrap of a random key to a member (the ledger cannot see inside it)."""
    conn = sqlite3.connect(forger.path)
    try:
        suite, public = conn.execute(
            "SELECT kem_suite, kem_pub FROM members WHERE id = ?", (forger.base.ids[handle],)
        ).fetchone()
    finally:
        conn.close()
    recipient = (forger.base.ids[handle], suite, bytes(public))
    return wrap_event(forger.base.vault_id, recipient, forger.base.envs[env], 1, os.urandom(32))


# -- each forgery and what verify says ----------------------------------------------------------
Forgery = Callable[[Forger], None]


def member_row(f: Forger) -> None:
    f.sql(
        "INSERT INTO members SELECT ?, 'mallory', 'admin', 'active', kem_suite, kem_pub, sign_pub,"
        " kdf, sealed, added_seq FROM members WHERE handle = 'bob'",
        "mallory" + "0" * 9,
    )


def grant_row(f: Forger) -> None:
    f.sql(
        "INSERT INTO grants SELECT member_id, ?, 'read', NULL, granted_by, granted_at, event"
        " FROM grants WHERE member_id = ?",
        f.base.envs["prod"],
        f.base.ids["bob"],
    )


def member_grants(f: Forger) -> None:
    grant = access.grant_event(f.base.ids["dora"], f.base.envs["prod"], "read", None, None)
    f.by("bob", [grant])


def member_invites(f: Forger) -> None:
    f.by(
        "bob",
        [
            {
                "t": "member.invite",
                "invite": new_id(),
                "handle": "mallory",
                "role": "member",
                "grants": [[f.base.envs["dev"], "read"]],
                "expires": later(f.base.ts, days=7),
                "pub": b64e(sign.generate()[1]),
            }
        ],
    )


def member_wraps(f: Forger) -> None:
    f.by("bob", [_wrap_event(f, "dora", "staging")])


def admin_grants_herself(f: Forger) -> None:
    grant = access.grant_event(f.base.ids["dora"], f.base.envs["prod"], "read", None, None)
    f.by("dora", [grant])


def admin_approves_her_own_request(f: Forger) -> None:
    request = f.base.dora_request
    grant = access.grant_event(f.base.ids["dora"], f.base.envs["prod"], "read", None, request)
    f.by("dora", [{"t": "access.approve", "request": request}, grant])


def admin_approves_an_admin(f: Forger) -> None:
    f.by("dora", [{"t": "member.approve", "member": f.base.ids["frank"]}])


def admin_removes_the_owner(f: Forger) -> None:
    f.by("dora", [{"t": "member.remove", "member": f.base.ids["alice"]}])


def key_without_grant(f: Forger) -> None:
    f.by("alice", [_wrap_event(f, "bob", "prod")])


def join_without_proof(f: Forger) -> None:
    f.join(proof_code=team.format_code(os.urandom(16)))


def join_as_admin(f: Forger) -> None:
    f.join(role="admin")


def join_after_expiry(f: Forger) -> None:
    f.join(ts=later(f.base.erin_expires, seconds=1))


def removed_member_commits(f: Forger) -> None:
    f.by("carl", [{"t": "audit", "body": b64e(os.urandom(40)), "epoch": 1}])


def blob_altered(f: Forger) -> None:
    f.sql(
        "UPDATE blobs SET data = zeroblob(length(data))"
        " WHERE rowid = (SELECT min(rowid) FROM blobs)"
    )


def blob_deleted(f: Forger) -> None:
    f.sql("DELETE FROM blobs WHERE rowid = (SELECT min(rowid) FROM blobs)")


FORGERIES: dict[str, tuple[Forgery, str]] = {
    "a member row inserted into the file": (member_row, "the members table differs"),
    "a grant row inserted into the file": (grant_row, "the grants table differs"),
    "a plain member signs a grant": (
        member_grants,
        "access.grant by a member without the admin role",
    ),
    "a plain member signs an invite": (
        member_invites,
        "member.invite by a member without the admin role",
    ),
    "a plain member wraps a key": (member_wraps, "key.wrap by a member without the admin role"),
    "an admin grants herself": (admin_grants_herself, r"a grant to its own author \(two-person"),
    "an admin approves her own request": (
        admin_approves_her_own_request,
        "a request decided by its own requester",
    ),
    "an admin approves an admin": (admin_approves_an_admin, "only the owner approves"),
    "an admin removes the owner": (admin_removes_the_owner, "removing someone who cannot be"),
    "an environment key wrapped without a grant": (
        key_without_grant,
        "an environment key wrapped to someone without a grant",
    ),
    "a join without the invite's proof": (
        join_without_proof,
        "a join does not prove the invite code",
    ),
    "a join claiming another role": (join_as_admin, "a join claims another role than its invite"),
    "a join after the invite expired": (join_after_expiry, "a join after its invite expired"),
    "a removed member's later commit": (
        removed_member_commits,
        "signed by someone who is not an active member",
    ),
    "a value blob altered": (blob_altered, "does not match the hash"),
    "a value blob deleted": (blob_deleted, "missing from the file"),
}


@pytest.mark.parametrize("forgery", FORGERIES, ids=FORGERIES.keys())
def test_a_forgery_fails_verify_and_the_cli_exits_5(base: Base, tmp_path: Path, forgery: str):
    forge, problem = FORGERIES[forgery]
    forger = Forger(base, tmp_path / "copy" / "team.kl")
    forge(forger)
    forged = forger.path.read_bytes()
    assert forged != base.image
    with laptop(tmp_path / "fresh"):
        with pytest.raises(IntegrityFailure, match=problem) as caught:
            verify_vault(forger.path)
        assert caught.value.exit_code == 5
    env = CliVault(forger.path, tmp_path / "no-kit.txt", tmp_path / "cli-data", b"").env()
    result = run_cli(env, "verify")
    assert result.returncode == 5, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("keyledger: ")
    assert problem.replace("\\", "") in line
    assert forger.path.read_bytes() == forged, "verify changed the file it refused"


# -- the forger makes what the app makes: its honest commits verify ---------------------------
HONEST: dict[str, Forgery] = {
    "the base file itself": lambda f: None,
    "erin's join before the expiry": lambda f: f.join(ts=later(f.base.ts, days=1)),
    "alice grants bob prod with the key": lambda f: f.by(
        "alice",
        [
            access.grant_event(f.base.ids["bob"], f.base.envs["prod"], "read", None, None),
            _wrap_event(f, "bob", "prod"),
        ],
    ),
    "alice approves dora's request": lambda f: f.by(
        "alice",
        [
            {"t": "access.approve", "request": f.base.dora_request},
            access.grant_event(
                f.base.ids["dora"], f.base.envs["prod"], "read", None, f.base.dora_request
            ),
        ],
    ),
    "alice approves frank": lambda f: f.by(
        "alice", [{"t": "member.approve", "member": f.base.ids["frank"]}]
    ),
}


@pytest.mark.parametrize("honest", HONEST, ids=HONEST.keys())
def test_the_same_commits_made_by_someone_with_the_right_verify(
    base: Base, tmp_path: Path, honest: str
):
    forger = Forger(base, tmp_path / "copy" / "team.kl")
    HONEST[honest](forger)
    with laptop(tmp_path / "fresh"):
        assert verify_vault(forger.path).commits >= 1


# -- time in a commit header is the author's word ---------------------------------------------
def test_a_join_backdated_below_a_later_commit_is_still_after_the_expiry(
    base: Base, tmp_path: Path
):
    """The invite expired, alice has committed since (her commit's time is past the expiry);
    erin then joins with a header time from before the expiry. In ledger order her join comes
    after a commit made once the invite had expired, so it is a join after expiry."""
    forger = Forger(base, tmp_path / "copy" / "team.kl")
    after = later(base.erin_expires, days=1)
    forger.by("alice", [{"t": "audit", "body": b64e(os.urandom(40)), "epoch": 1}], ts=after)
    forger.join(ts=later(base.ts, hours=1))
    with laptop(tmp_path / "fresh"), pytest.raises(IntegrityFailure) as caught:
        verify_vault(forger.path)
    assert caught.value.exit_code == 5
