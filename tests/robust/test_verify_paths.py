"""verify's fast paths answer exactly as the general code they stand in for.

An event body reads as the stdlib JSON decoder reads it or is refused, and whatever the canonical
encoding writes reads back whole; the inlined check of a secret.add refuses what the full rules
refuse, with the same message; tables paired by rowid first still match when a file's rowids
differ and still catch a changed row; `identical_to` compares rows beside its structure check,
and either one failing answers False.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.clock import FixedClock
from app.core.errors import IntegrityFailure
from app.core.ledger import (
    LedgerState,
    build_header,
    check_commit,
    decode_event,
    parse_header,
    signing_message,
)
from app.crypto.encoding import b64e, canonical, sha256_hex
from app.crypto.sign import Signer, generate
from app.services.integrity import verify_vault
from app.services.secrets import add_secret
from app.services.verify import identical_to
from app.storage import ledger
from tests.robust.conftest import laptop, new_vault, sqlite_edit

# -- event bodies -------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
SPACE = st.sampled_from(["", " ", "\n", "\t\r\n "])
AFTER = st.sampled_from(["", " ", "\n", "x", "{}", "]", ",1"])
INT64 = range(-(2**63), 2**63)


def as_json_decodes(body: bytes) -> object:
    return json.JSONDecoder().decode(body.decode("utf-8"))


def as_read(value: object) -> object:
    """`value` as decode_event gives it: an integer past 64 bits becomes a float."""
    if isinstance(value, list):
        return [as_read(v) for v in value]
    if isinstance(value, dict):
        return {k: as_read(v) for k, v in value.items()}
    if type(value) is int and value not in INT64:
        return float(value)
    return value


def read_or_refused(body: bytes) -> None:
    """decode_event reads `body` as the stdlib decoder does, or refuses it with a ValueError
    (never another error); it never reads what the stdlib decoder refuses."""
    try:
        read = decode_event(body)
    except ValueError:
        return
    assert read == as_read(as_json_decodes(body))


@given(value=JSON, before=SPACE, after=AFTER)
def test_an_event_body_is_read_as_json_decodes_reads_it_or_refused(
    value: object, before: str, after: str
):
    read_or_refused((before + json.dumps(value) + after).encode("utf-8"))


CANONICAL = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(value=CANONICAL)
def test_whatever_the_canonical_encoding_writes_is_read_back_whole(value: object):
    assert decode_event(canonical(value)) == value


@given(body=st.binary(max_size=48) | st.just(b"\xef\xbb\xbf{}"))
def test_any_bytes_are_read_as_json_decodes_reads_them_or_refused(body: bytes):
    read_or_refused(body)


def test_a_canonical_event_reads_whole():
    event = {"env": "e1", "secret": "s1", "t": "secret.add", "version": 1, "value": "ab\u00e9"}
    assert decode_event(canonical(event)) == event


# -- the rights of a secret.add -----------------------------------------------------------------


class Chain:
    """A ledger in memory: alice (owner, key to dev), bob (auditor), carol (member, no key),
    signed commit by commit and checked with check_commit."""

    def __init__(self) -> None:
        self.vault = "v" * 32
        self.keys = {who: generate() for who in ("alice", "bob", "carol")}
        self.state = LedgerState(vault=self.vault)
        self.ts = "2026-11-30T09:00:00Z"
        self.commit(
            "alice",
            [
                {"t": "vault.init", "vault": self.vault, "format": 1},
                self._member("alice", "owner"),
                wrap("alice", "vault"),
                {"t": "env.add", "env": "dev", "epoch": 1},
                wrap("alice", "dev"),
                self._member("bob", "auditor"),
                self._member("carol", "member"),
            ],
        )

    def _member(self, who: str, role: str) -> dict[str, object]:
        return {"t": "member.add", "member": who, "role": role, "sign_pub": b64e(self.keys[who][1])}

    def commit(self, author: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        bodies = [canonical(e) for e in events]
        parents = [self.state.head] if self.state.head else []
        header = build_header(self.vault, parents, author, self.ts, bodies)
        commit_hash = sha256_hex(header)
        sig = Signer(self.keys[author][0]).sign(signing_message(commit_hash))
        _, parsed = check_commit(self.state, self.state.count + 1, commit_hash, header, sig, bodies)
        return parsed


def wrap(member: str, scope: str) -> dict[str, object]:
    return {"t": "key.wrap", "member": member, "scope": scope, "epoch": 1}


PROD = {"t": "env.add", "env": "prod", "epoch": 1}


def add(sid: object = "s1", env: object = "dev", **more: object) -> dict[str, object]:
    return {"t": "secret.add", "secret": sid, "env": env, **more}


def test_secret_adds_that_pass_every_rule_are_recorded():
    chain = Chain()
    parsed = chain.commit("alice", [add("s1"), add("s2", extra=[1, {"a": None}])])
    assert parsed[1]["extra"] == [1, {"a": None}]
    # a key wrapped earlier in the same commit counts for the additions after it
    chain.commit("alice", [PROD, wrap("alice", "prod"), add("s3", "prod")])
    assert chain.state.secret_env == {"s1": "dev", "s2": "dev", "s3": "prod"}
    assert chain.state.count == 3


REFUSED = {
    "an environment without a key": ("alice", [add(env="prod")], "the author has no key for"),
    "an author with no key at all": ("carol", [add()], "the author has no key for"),
    "a read-only role": ("bob", [add()], "secret.add by a read-only role"),
    "the same secret twice": ("alice", [add("s1"), add("s1")], "secret added twice"),
    "no environment": ("alice", [{"t": "secret.add", "secret": "s1"}], "is malformed"),
    "a null environment": ("alice", [add(env=None)], "secret.add of an unknown secret"),
    "a number for an environment": ("alice", [add(env=7)], "the author has no key for"),
    "a list for an environment": ("alice", [add(env=["dev"])], "is malformed"),
    "no secret id": ("alice", [{"t": "secret.add", "env": "dev"}], "is malformed"),
    "a list for a secret id": ("alice", [add(sid=["s1"])], "is malformed"),
    "a key wrapped after the addition": (
        "alice",
        [PROD, add(env="prod"), wrap("alice", "prod")],
        "the author has no key for",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=REFUSED.keys())
def test_a_secret_add_against_the_rules_is_refused_with_its_reason(case: str):
    author, events, reason = REFUSED[case]
    chain = Chain()
    with pytest.raises(IntegrityFailure, match="ledger commit #2: ") as caught:
        chain.commit(author, events)
    assert reason in str(caught.value)
    assert chain.state.count == 1


def test_a_secret_added_in_an_earlier_commit_cannot_be_added_again():
    chain = Chain()
    chain.commit("alice", [add("s1")])
    with pytest.raises(IntegrityFailure, match="ledger commit #3: secret added twice"):
        chain.commit("alice", [add("s2"), add("s1")])


# -- tables paired by rowid, then by key --------------------------------------------------------


RENUMBER = [
    ("CREATE TEMP TABLE s AS SELECT * FROM secrets", ()),
    ("DELETE FROM secrets", ()),
    ("INSERT INTO secrets SELECT * FROM s ORDER BY id DESC", ()),
    ("CREATE TEMP TABLE v AS SELECT * FROM versions", ()),
    ("DELETE FROM versions", ()),
    ("INSERT INTO versions SELECT * FROM v ORDER BY secret_id DESC, version DESC", ()),
]


def renumbered_copy(shared: Path, name: str, *more: tuple[str, tuple[object, ...]]) -> Path:
    copy = shared.with_name(name)
    shutil.copy(shared, copy)
    sqlite_edit(copy, *RENUMBER, *more)
    conn = sqlite3.connect(copy)
    try:
        rowids = [r[0] for r in conn.execute("SELECT rowid FROM secrets ORDER BY id")]
    finally:
        conn.close()
    assert rowids == sorted(rowids, reverse=True), "the rows did not move"
    return copy


def test_a_file_whose_rows_moved_to_other_rowids_still_verifies(shared: Path, tmp_path: Path):
    copy = renumbered_copy(shared, "moved.kl")
    with laptop(tmp_path / "laptop2"):
        assert verify_vault(copy).commits == verify_vault(shared).commits


def test_a_changed_row_is_caught_whether_or_not_rowids_moved(shared: Path, tmp_path: Path):
    swap = (
        "UPDATE secrets SET meta_epoch = meta_epoch + 1"
        " WHERE id = (SELECT id FROM secrets ORDER BY id LIMIT 1)",
        (),
    )
    moved = renumbered_copy(shared, "moved.kl", swap)
    kept = shared.with_name("kept.kl")
    shutil.copy(shared, kept)
    sqlite_edit(kept, swap)
    for n, path in enumerate((moved, kept)):
        with (
            laptop(tmp_path / f"laptop{n}"),
            pytest.raises(IntegrityFailure, match="the secrets table differs"),
        ):
            verify_vault(path)


def test_identical_to_pairs_rows_by_key_when_rowids_differ(shared: Path):
    moved = renumbered_copy(shared, "moved.kl")
    changed = renumbered_copy(
        shared, "changed.kl", ("UPDATE versions SET info_epoch = 9 WHERE version = 2", ())
    )
    for path, expected in ((shared, True), (moved, True), (changed, False)):
        conn = sqlite3.connect(path)
        try:
            assert identical_to(conn, shared) is expected, path.name
        finally:
            conn.close()


def test_identical_to_answers_false_for_a_damaged_index_with_the_same_rows(shared: Path):
    damaged = shared.with_name("damaged.kl")
    shutil.copy(shared, damaged)
    conn = sqlite3.connect(damaged)
    try:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'secrets_env'")
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        (env,) = conn.execute("SELECT env_id FROM secrets LIMIT 1").fetchone()
    finally:
        conn.close()
    data = bytearray(damaged.read_bytes())
    start = (root[0] - 1) * size
    at = data.index(env.encode("ascii"), start, start + size)
    data[at] ^= 0x01  # one index entry no longer matches its row; the table itself is intact
    damaged.write_bytes(bytes(data))
    conn = sqlite3.connect(damaged)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA integrity_check").fetchone() != ("ok",)
        assert identical_to(conn, shared) is False
    finally:
        conn.close()


def test_a_commit_dated_before_the_one_it_extends_is_refused():
    chain = Chain()
    chain.ts = "2026-11-30T08:59:59Z"  # a second before the genesis
    with pytest.raises(IntegrityFailure, match="ledger commit #2: is dated before"):
        chain.commit("alice", [add("s1")])
    chain.ts = "2026-11-30T09:00:00Z"  # the same second is fine
    chain.commit("alice", [add("s1")])


def test_a_laptop_with_a_slow_clock_dates_its_commit_at_the_last_one(tmp_path: Path):
    path = tmp_path / "shared" / "team.kl"
    vault, _ = new_vault(path)
    try:
        add_secret(vault, "dev", "zebra", "value-1")
        last = ledger.head(vault.conn)
        assert last is not None
        vault.clock = FixedClock(datetime(2020, 1, 1, tzinfo=UTC))  # years behind
        add_secret(vault, "dev", "zebra-2", "value-2")
        now = ledger.head(vault.conn)
        assert now is not None
        assert parse_header(now.header).ts == parse_header(last.header).ts
    finally:
        vault.lock()
    assert verify_vault(path).commits == 3
