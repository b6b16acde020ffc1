"""Full verification of a vault file: every hash, signature and right, and the projection.

Needs no keys: signatures check against members' public keys in the ledger, and the projection
is rebuilt from the events into memory and compared row by row with the stored tables.
"""

from __future__ import annotations

import hashlib
import json
import operator
import sqlite3
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from app.core import dag
from app.core.concurrency import ConflictRefused
from app.core.dag import Node
from app.core.errors import IntegrityFailure
from app.core.ledger import (
    FORMAT,
    LedgerState,
    MemberRights,
    check_commit,
    decode_event,
    parse_header,
)
from app.core.model import VerifyReport
from app.core.team_rules import Invite, Request, Review
from app.services import conflicts
from app.storage import ledger, pages, projection
from app.storage.db import mapped
from app.storage.schema import PROJECTION_TABLES, create_or_migrate, projection_schema

Progress = Callable[[int, int], None]
T = TypeVar("T")


def meta(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row is None:
        raise IntegrityFailure(f"the vault file has no {key}")
    return str(row[0])


def verify(conn: sqlite3.Connection, progress: Progress | None = None) -> VerifyReport:
    report, _ = verify_beside(conn, lambda: None, progress)
    return report


def verify_beside(
    conn: sqlite3.Connection, task: Callable[[], T], progress: Progress | None = None
) -> tuple[VerifyReport, T]:
    """verify(conn), with `task` run on the second core after the file's structure check.

    The replay holds the GIL; SQLite work (the structure check, and a task such as comparing
    another copy with `identical_to`) releases it, so it fits beside the replay. `task` runs only
    once the structure check passed, and its answer is returned only if verify passes.
    """
    path = _file_of(conn)
    try:
        if not path:
            check_structure(conn)
            report = _verify(conn, None, progress)
            return report, task()
        # SQLite's own page and index check runs on the second core while Python reads the
        # ledger (sqlite3 releases the GIL while a statement runs).
        with ThreadPoolExecutor(max_workers=1) as pool:
            beside = pool.submit(_structure_then, path, task)
            try:
                report = _verify(conn, path, progress)
            finally:
                problem = beside.exception()
            if problem is not None:
                raise problem
            return report, beside.result()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        raise IntegrityFailure(f"the vault file is damaged ({one_line(exc)})") from None


def _structure_then(path: str, task: Callable[[], T]) -> T:
    _check_structure_at(path)
    return task()


def _file_of(conn: sqlite3.Connection) -> str:
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return str(file or "")
    return ""


def _read_only_uri(path: str) -> str:
    return "file:" + urllib.parse.quote(path) + "?mode=ro"


def _check_structure_at(path: str) -> None:
    other = sqlite3.connect(
        _read_only_uri(path), uri=True, isolation_level=None, check_same_thread=False
    )
    try:
        check_structure(other)
    finally:
        other.close()


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _expected_schema(version: int) -> list[tuple[str, str, str, str | None]]:
    reference = sqlite3.connect(":memory:", isolation_level=None)
    create_or_migrate(reference, version)
    rows = _schema(reference)
    reference.close()
    return rows


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str, str, str | None]]:
    return conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall()


def check_structure(conn: sqlite3.Connection) -> None:
    """The file's tables are exactly ours, and SQLite finds its pages and indexes consistent."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if _schema(conn) != _expected_schema(version):
        raise IntegrityFailure("the vault file's table definitions were changed")
    problems = conn.execute("PRAGMA integrity_check(1)").fetchone()[0]
    if problems != "ok":
        raise IntegrityFailure(f"the vault file is damaged ({' '.join(problems.split())[:120]})")


def _verify(conn: sqlite3.Connection, path: str | None, progress: Progress | None) -> VerifyReport:
    """A ledger that was never merged is replayed once. One with merges is replayed again if
    its conflicts (app/core/concurrency.py) make events void: which ones is known only once the
    whole graph is read, and an event made void may come before the commit it conflicts with."""
    try:
        state, rebuilt, nodes, events, name = _replay(conn, {}, progress)
    except IntegrityFailure:
        void = _void_after_failure(conn)
        if not void:  # nothing a merge settled explains it: the replay's failure stands
            raise
        state, rebuilt, nodes, events, name = _replay(conn, void, progress)
    else:
        if not dag.is_linear(nodes):
            void = _void_of(conn, nodes)
            if void:
                rebuilt.close()
                state, rebuilt, nodes, events, name = _replay(conn, void, progress)
    return _compare(conn, path, state, rebuilt, nodes, events, name)


def _void_after_failure(conn: sqlite3.Connection) -> dict[str, frozenset[int]]:
    """The void events of a ledger whose plain replay failed: none when it never merged or its
    graph is broken (then the replay's own failure is the one to say). A merge record that
    differs from the rules fails here."""
    try:
        nodes = stored_nodes(conn)
        if dag.is_linear(nodes):
            return {}
        check_order(nodes)
    except (IntegrityFailure, sqlite3.DatabaseError, UnicodeDecodeError):
        return {}
    return _void_of(conn, nodes)


def stored_nodes(conn: sqlite3.Connection) -> list[Node]:
    """The ledger's commits as graph nodes, in stored order."""
    found = []
    for commit_hash, header in conn.execute("SELECT hash, header FROM commits ORDER BY seq"):
        parsed = parse_header(bytes(header))
        found.append(Node(str(commit_hash), parsed.parents, parsed.ts))
    return found


def _void_of(
    conn: sqlite3.Connection, nodes: list[Node] | None = None
) -> dict[str, frozenset[int]]:
    """The void events of the stored ledger; each merge commit's record checked against them."""
    order = nodes if nodes is not None else stored_nodes(conn)
    check_order(order)
    try:
        settled = conflicts.resolve(order, {}, conn)
    except ConflictRefused as exc:
        raise IntegrityFailure(f"the ledger merges changes that cannot stand ({exc})") from None
    seq_of = {n.hash: i + 1 for i, n in enumerate(order)}

    def recorded(merge: str) -> object:
        bodies = conn.execute(
            "SELECT body FROM events WHERE commit_seq = ? ORDER BY seq", (seq_of[merge],)
        ).fetchall()
        return decode_event(bytes(bodies[0][0])).get("resolved", []) if bodies else None

    conflicts.check_records(settled, recorded)
    return conflicts.void_map(settled)


def _replay(
    conn: sqlite3.Connection, void: dict[str, frozenset[int]], progress: Progress | None
) -> tuple[LedgerState, sqlite3.Connection, list[Node], int, object]:
    """Check every commit in stored order and rebuild the projection into memory."""
    state = LedgerState(vault=meta(conn, "vault_id"), void=void)
    rebuilt = sqlite3.connect(
        "file::memory:", uri=True, isolation_level=None, check_same_thread=False
    )
    rebuilt.executescript(_bulk_schema())
    rebuilt.execute("BEGIN")
    indexed = False
    total = ledger.count(conn)
    events = 0
    name = None
    nodes: list[Node] = []
    for row, bodies, seqs in ledger.commits(conn):
        if row.seq != state.count + 1:
            raise IntegrityFailure(f"ledger commit #{state.count + 1} is missing")
        header, parsed = check_commit(state, row.seq, row.hash, row.header, row.sig, bodies)
        nodes.append(Node(row.hash, header.parents, header.ts))
        if row.seq == 1:
            name = parsed[0].get("name")
        if not indexed and not _KEYED_CHANGES.isdisjoint(map(_type_of, parsed)):
            for statement in _BULK_KEYS:  # updates from here on look rows up by key
                rebuilt.execute(statement)
            indexed = True
        try:
            projection.apply_all(rebuilt, parsed, seqs, author=header.author, ts=header.ts)
        except (KeyError, TypeError, ValueError, sqlite3.IntegrityError):
            raise IntegrityFailure(
                f"ledger commit #{row.seq}: an event cannot be applied"
            ) from None
        events += len(parsed)
        if progress and row.seq % 256 == 0:
            progress(row.seq, total)
    rebuilt.execute("COMMIT")
    return state, rebuilt, nodes, events, name


def _compare(
    conn: sqlite3.Connection,
    path: str | None,
    state: LedgerState,
    rebuilt: sqlite3.Connection,
    nodes: list[Node],
    events: int,
    name: object,
) -> VerifyReport:
    """The replayed ledger against the file: order, counts, meta, projection and values."""
    vault_id = state.vault
    if state.head is None:
        raise IntegrityFailure("the vault file has an empty ledger")
    check_order(nodes)
    if ledger.event_count(conn) != events:
        raise IntegrityFailure("the events table holds rows that no commit signed")
    if ledger.count(conn) != state.count:
        raise IntegrityFailure("the commits table holds rows outside the signed chain")
    stored_meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    if stored_meta.get("name") != name:
        raise IntegrityFailure("the vault's name was changed outside the ledger")
    if stored_meta != {"vault_id": vault_id, "name": name, "format": str(FORMAT)}:
        raise IntegrityFailure("the meta table was changed outside the ledger")
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not path:
        _compare_projection(rebuilt, conn, present)
        if "blobs" in present:
            check_blobs(conn)
    else:
        # The comparison is SQLite's work, which releases the GIL: it runs on the other core
        # while Python hashes the stored values. A projection that differs is reported first,
        # as when the two ran one after the other.
        rebuilt.execute("ATTACH DATABASE ? AS file", (_read_only_uri(path),))
        with ThreadPoolExecutor(max_workers=1) as pool:
            compared = pool.submit(_compare_projection, rebuilt, None, present)
            try:
                if "blobs" in present:
                    check_blobs(conn)
            finally:
                compared.result()
    rebuilt.close()
    return VerifyReport(
        state.count, events, state.head, ("hashes", "signatures", "rights", "projection")
    )


def _compare_projection(
    rebuilt: sqlite3.Connection, stored: sqlite3.Connection | None, present: set[str]
) -> None:
    """Every projection table holds what the replay rebuilt: compared with `stored`'s rows in
    Python, or (None) in SQL with the file attached to `rebuilt` as `file`."""
    for table, key in PROJECTION_TABLES.items():
        if table not in present:
            if table == "grants":  # before format 4, the environments' creators' keys alone
                continue
            if _rows(rebuilt, table, key):  # events of a newer format in an older file
                raise IntegrityFailure(f"the file lacks the {table} table its ledger needs")
            continue
        same = (
            _same_in_sql(rebuilt, table, key)
            if stored is None
            else (_rows(stored, table, key) == _rows(rebuilt, table, key))
        )
        if not same:
            raise IntegrityFailure(f"the {table} table differs from what the ledger says")


# The two big tables are rebuilt without keys while events only add to them (a keyed insert
# costs twice as much); their unique keys are built in one pass before the first change that
# must find a row by key, and a duplicate then fails that build.
_KEYED_CHANGES = frozenset({"secret.update", "secret.version", "secret.delete"})
_type_of = operator.itemgetter("t")  # check_commit made sure every event has one
_BULK_KEYS = (
    "CREATE UNIQUE INDEX bulk_secrets ON secrets (id)",
    "CREATE UNIQUE INDEX bulk_versions ON versions (secret_id, version)",
)


def _bulk_schema() -> str:
    ddl = projection_schema()
    ddl = ddl.replace("id TEXT PRIMARY KEY,\n    env_id", "id TEXT NOT NULL,\n    env_id")
    return ddl.replace(",\n    PRIMARY KEY (secret_id, version)\n)", "\n)")


def check_order(nodes: list[Node]) -> None:
    """The commits are stored in canonical order and all lead to the last one (one head)."""
    if dag.is_linear(nodes):
        return
    try:
        order = dag.canonical_order(nodes)
    except ValueError as exc:
        raise IntegrityFailure(f"the ledger's commits do not form one history ({exc})") from None
    if [n.hash for n in nodes] != order:
        raise IntegrityFailure("the ledger's commits are not stored in their canonical order")
    if dag.tips(nodes) != {nodes[-1].hash}:
        raise IntegrityFailure("the ledger has branches that no merge joins")


def _same_in_sql(rebuilt: sqlite3.Connection, table: str, key: str) -> bool:
    return _same_tables(rebuilt, "file", "main", table, key)


def _rows(conn: sqlite3.Connection, table: str, key: str) -> list[tuple[object, ...]]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()  # noqa: S608


def check_blobs(conn: sqlite3.Connection) -> None:
    """Every stored value is the ciphertext its event names; none that a version needs is gone."""
    for ref, data in conn.execute("SELECT hash, data FROM blobs"):
        if type(data) is not bytes or hashlib.sha256(data).hexdigest() != ref:
            raise IntegrityFailure("a stored value does not match the hash its event signed")
    missing = conn.execute(
        "SELECT count(*) FROM versions v WHERE v.value_ref IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = v.value_ref)"
    ).fetchone()[0]
    if missing:
        raise IntegrityFailure(
            f"{missing} value(s) that the ledger names are missing from the file"
        )


def state_from_projection(conn: sqlite3.Connection, secrets: set[str] | None = None) -> LedgerState:
    """Rule state at the working copy's head, read back from its (verified) projection.

    `secrets`: only these secrets' environments are read (what one new commit names), not all.
    """
    head = ledger.head(conn)
    state = LedgerState(vault=meta(conn, "vault_id"))
    if head is None:
        return state
    state.head, state.count = head.hash, head.seq
    if secrets is None:  # a catch-up may bring merges, whose parents can be any commit
        state.known = {r[0] for r in conn.execute("SELECT hash FROM commits")}
    else:
        state.known = {head.hash}
    state.ts = parse_header(head.header).ts
    for member_id, role, status, sign_pub in conn.execute(
        "SELECT id, role, status, sign_pub FROM members"
    ):
        state.members[member_id] = MemberRights(role, status, bytes(sign_pub))
    for member_id, scope in conn.execute("SELECT DISTINCT member_id, scope FROM wraps"):
        state.access.setdefault(member_id, set()).add(scope)
    if secrets is None:
        state.secret_env = dict(conn.execute("SELECT id, env_id FROM secrets").fetchall())
    else:
        for sid in secrets:
            found = conn.execute("SELECT env_id FROM secrets WHERE id = ?", (sid,)).fetchone()
            if found is not None:
                state.secret_env[sid] = found[0]
    if "grants" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}:
        return state  # an older file, read before its migration
    for member_id, env_id, access, until in conn.execute(
        "SELECT member_id, env_id, access, until FROM grants"
    ):
        state.grants.setdefault(member_id, {})[env_id] = (access, until)
    state.epochs = dict(conn.execute("SELECT id, epoch FROM environments").fetchall())
    vault_epoch = conn.execute("SELECT max(under) FROM chains WHERE scope = 'vault'").fetchone()
    state.epochs["vault"] = int(vault_epoch[0] or 1)
    for invite_id, pub, role, expires, status in conn.execute(
        "SELECT id, pub, role, expires, status FROM invites"
    ):
        state.invites[invite_id] = Invite(bytes(pub), role, expires, status == "open")
    for request_id, member_id, env_id, status in conn.execute(
        "SELECT id, member_id, env_id, status FROM requests"
    ):
        state.requests[request_id] = Request(member_id, env_id, status == "open")
    for review_id, reviewer, status, rows in conn.execute(
        "SELECT r.id, r.reviewer, r.status, json_extract(e.body, '$.rows') FROM reviews r"
        " JOIN events e ON e.seq = r.event"
    ):
        decided = conn.execute(
            "SELECT member_id, env_id FROM review_decisions WHERE review_id = ?", (review_id,)
        ).fetchall()
        state.reviews[review_id] = Review(
            reviewer,
            {(m, env) for m, env in json.loads(rows)},
            {(m, env) for m, env in decided},
            status == "open",
        )
    return state


def identical_to(conn: sqlite3.Connection, other: Path, *, beside: bool = True) -> bool:
    """Whether `conn`'s file holds exactly the rows of `other` (a file verified, or being
    verified: the answer counts only once `other` passed).

    A file that holds the very pages of `other` (a publish copied it whole) is identical; else
    this checks the file's own structure, then compares every table by primary key in SQLite.
    Any difference (a newer or damaged copy) answers False, and the caller verifies in full.
    With `beside` the two run on two threads; without, one after the other (for a caller
    that already keeps the other core busy).
    """
    path = _file_of(conn)
    if not path:
        return False
    if pages.same_pages(conn, path, other):
        return True
    if not beside:
        return _same_structure(conn, other) and _same_rows(path, other)
    # The row comparison runs beside the structure check (sqlite3 releases the GIL while a
    # statement runs); either one failing answers False.
    with ThreadPoolExecutor(max_workers=1) as pool:
        rows = pool.submit(_same_rows, path, other)
        try:
            same = _same_structure(conn, other)
        finally:
            same_rows = rows.result()
    return same and same_rows


_UNREADABLE = (sqlite3.DatabaseError, UnicodeDecodeError, IntegrityFailure)


def _same_structure(conn: sqlite3.Connection, other: Path) -> bool:
    try:
        # integrity_check probes every index for every row; memory-mapped reads take a quarter
        # off that (this is the local working copy).
        with mapped(conn):
            check_structure(conn)
        return _schema(conn) == _schema_of(other)
    except _UNREADABLE:
        return False


def _same_rows(path: str, other: Path) -> bool:
    try:
        probe = sqlite3.connect("file::memory:", uri=True, isolation_level=None)
        try:
            probe.execute("ATTACH DATABASE ? AS main2", (_read_only_uri(path),))
            probe.execute("ATTACH DATABASE ? AS other", (_read_only_uri(str(other)),))
            return all(
                _same_tables(probe, "main2", "other", table, key)
                for table, key in _ALL_TABLES.items()
            )
        finally:
            probe.close()
    except _UNREADABLE:
        return False


_ALL_TABLES = {
    "meta": "key",
    "commits": "seq",
    "events": "seq",
    "blobs": "hash",
    **PROJECTION_TABLES,
}


def _schema_of(path: Path) -> list[tuple[str, str, str, str | None]]:
    other = sqlite3.connect(_read_only_uri(str(path)), uri=True, isolation_level=None)
    try:
        return _schema(other)
    finally:
        other.close()


def _same_tables(probe: sqlite3.Connection, a: str, b: str, table: str, key: str) -> bool:
    """Same row count, and every row of `a` has a twin in `b` equal in every column.

    Joined on the primary key (an index lookup per row) rather than EXCEPT, which sorts whole
    rows. Both tables have the same columns: the schema was checked first.

    Rows are first paired by rowid, a lookup that needs no index (a third of the cost): a copy
    (backup, VACUUM INTO) and a replay of the same events normally keep rowids. When the counts
    match and every row has an equal twin under its rowid, the key join cannot answer otherwise;
    any other outcome is decided by the key join.
    """
    columns = [r[1] for r in probe.execute(f"PRAGMA {a}.table_info({table})")]
    if not columns:
        return True  # a table of a later format that neither file has
    counts = f"SELECT (SELECT count(*) FROM {a}.{table}), (SELECT count(*) FROM {b}.{table})"  # noqa: S608
    every = " AND ".join(f"x.{c} IS y.{c}" for c in columns)
    by_rowid = (
        f"{counts}, (SELECT count(*) FROM {a}.{table} AS x JOIN {b}.{table} AS y"  # noqa: S608
        f" ON y.rowid = x.rowid WHERE {every})"
    )
    left, right, matching = probe.execute(by_rowid).fetchone()
    if left != right or left == matching:
        return bool(left == right)
    keys = [k.strip() for k in key.split(",")]
    equal = " AND ".join(f"x.{c} IS y.{c}" for c in columns if c not in keys) or "1"
    by_key = (
        f"{counts}, (SELECT count(*) FROM {a}.{table} AS x JOIN {b}.{table} AS y"  # noqa: S608
        f" USING ({key}) WHERE {equal})"
    )
    left, right, matching = probe.execute(by_key).fetchone()
    return bool(left == right == matching)
