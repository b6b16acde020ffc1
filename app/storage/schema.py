"""Schema of a vault file (published file and working copy share it).

`PRAGMA user_version` holds the schema version; MIGRATIONS[n] upgrades n -> n + 1.
Columns hold ids, counts, timestamps, public keys, signatures and ciphertext; the only clear
human-readable text is the vault's display name and the member handles (needed to unlock).
Secret metadata and values are not copied into the projection: `secrets.meta_event` and
`versions.event` point at the ledger event (events.seq) whose body carries the ciphertext, so
the file holds each ciphertext once and `verify` compares small rows.
"""

from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x4B4C4731  # "KLG1": marks the file as a KeyLedger vault
SCHEMA_VERSION = 3

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE commits (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    header BLOB NOT NULL,
    sig BLOB NOT NULL
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    commit_seq INTEGER NOT NULL REFERENCES commits(seq),
    idx INTEGER NOT NULL,
    body BLOB NOT NULL,
    UNIQUE (commit_seq, idx)
);
CREATE TABLE members (
    id TEXT PRIMARY KEY,
    handle TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    kem_suite TEXT NOT NULL,
    kem_pub BLOB NOT NULL,
    sign_pub BLOB NOT NULL,
    kdf TEXT NOT NULL,
    sealed BLOB NOT NULL,
    added_seq INTEGER NOT NULL
);
CREATE TABLE wraps (
    member_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    suite TEXT NOT NULL,
    blob BLOB NOT NULL,
    PRIMARY KEY (member_id, scope, epoch)
);
CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    meta BLOB NOT NULL,
    meta_epoch INTEGER NOT NULL
);
CREATE TABLE secrets (
    id TEXT PRIMARY KEY,
    env_id TEXT NOT NULL,
    meta_event INTEGER NOT NULL,
    meta_epoch INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    rotated_at TEXT NOT NULL
);
CREATE INDEX secrets_env ON secrets (env_id);
CREATE TABLE versions (
    secret_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    event INTEGER NOT NULL,
    info_epoch INTEGER NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (secret_id, version)
);
"""

# v2: each member's TOTP step-up record (seed sealed under the member's own keys).
_V2 = """
CREATE TABLE totp (
    member_id TEXT PRIMARY KEY,
    enrollment TEXT NOT NULL,
    status TEXT NOT NULL,
    seed BLOB NOT NULL,
    recovery TEXT NOT NULL,
    used TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failure TEXT,
    last_step INTEGER NOT NULL
);
"""

# v3: keys marked "rotation required" (an exposure, an incident, a revocation) until their next
# version. `event` points at the flag event, whose body holds the sealed reason.
_V3 = """
CREATE TABLE flags (
    secret_id TEXT PRIMARY KEY,
    event INTEGER NOT NULL,
    info_epoch INTEGER NOT NULL,
    author TEXT NOT NULL,
    flagged_at TEXT NOT NULL
);
"""

# Tables derived from the ledger; `verify` rebuilds them and compares row by row.
PROJECTION_TABLES = {
    "members": "id",
    "wraps": "member_id, scope, epoch",
    "environments": "id",
    "secrets": "id",
    "versions": "secret_id, version",
    "totp": "member_id",
    "flags": "secret_id",
}

MIGRATIONS: dict[int, str] = {0: _V1, 1: _V2, 2: _V3}


def create_or_migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    while version < target:
        conn.executescript(
            "BEGIN;"
            + MIGRATIONS[version]
            + f"PRAGMA user_version={version + 1};"
            + f"PRAGMA application_id={APPLICATION_ID}; COMMIT;"
        )
        version += 1


def projection_schema() -> str:
    """DDL of the projection tables alone, for rebuilding them in memory."""
    statements = [s.strip() for s in (_V1 + _V2 + _V3).split(";") if s.strip()]
    keep = [  # tables only: their primary keys serve the replay; other indexes cost inserts
        s
        for s in statements
        if s.startswith("CREATE TABLE")
        and any(f" {t} " in s.split("(")[0] + " " for t in PROJECTION_TABLES)
    ]
    return ";\n".join(keep) + ";"
