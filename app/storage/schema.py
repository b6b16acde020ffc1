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
SCHEMA_VERSION = 4

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

# v4: team access. Value ciphertexts move out of event bodies into `blobs`, addressed by their
# SHA-256 (the event commits to the hash), so a revocation can re-encrypt them under a new epoch
# and purge the old bytes without breaking a signature. Grants, invites, access requests and the
# chain of retired epoch keys join the projection. Files from v3 keep their older values inline;
# the wraps made with an environment (genesis, env.add) become its creators' write grants.
_V4 = """
CREATE TABLE blobs (hash TEXT PRIMARY KEY, data BLOB NOT NULL);
ALTER TABLE versions ADD COLUMN value_ref TEXT;
CREATE TABLE grants (
    member_id TEXT NOT NULL,
    env_id TEXT NOT NULL,
    access TEXT NOT NULL,
    until TEXT,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    event INTEGER NOT NULL,
    PRIMARY KEY (member_id, env_id)
);
CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    handle TEXT NOT NULL,
    role TEXT NOT NULL,
    grants TEXT NOT NULL,
    expires TEXT NOT NULL,
    pub BLOB NOT NULL,
    status TEXT NOT NULL,
    member_id TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL,
    env_id TEXT NOT NULL,
    access TEXT NOT NULL,
    until TEXT,
    status TEXT NOT NULL,
    event INTEGER NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_event INTEGER
);
CREATE TABLE chains (
    scope TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    under INTEGER NOT NULL,
    blob BLOB NOT NULL,
    PRIMARY KEY (scope, epoch)
);
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    reviewer TEXT NOT NULL,
    due TEXT NOT NULL,
    status TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    event INTEGER NOT NULL,
    completed_at TEXT
);
CREATE TABLE review_decisions (
    review_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    env_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    access TEXT,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    event INTEGER NOT NULL,
    PRIMARY KEY (review_id, member_id, env_id)
);
INSERT INTO grants (member_id, env_id, access, until, granted_by, granted_at, event)
SELECT json_extract(e.body, '$.member'), json_extract(e.body, '$.scope'), 'write', NULL,
       json_extract(CAST(c.header AS TEXT), '$.author'),
       json_extract(CAST(c.header AS TEXT), '$.ts'), e.seq
FROM events e JOIN commits c ON c.seq = e.commit_seq
WHERE json_extract(e.body, '$.t') = 'key.wrap' AND json_extract(e.body, '$.scope') != 'vault'
ORDER BY e.seq;
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
    "grants": "member_id, env_id",
    "invites": "id",
    "requests": "id",
    "chains": "scope, epoch",
    "reviews": "id",
    "review_decisions": "review_id, member_id, env_id",
}

MIGRATIONS: dict[int, str] = {0: _V1, 1: _V2, 2: _V3, 3: _V4}


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
    statements = [s.strip() for s in (_V1 + _V2 + _V3 + _V4).split(";") if s.strip()]
    keep = [  # tables only: their primary keys serve the replay; other indexes cost inserts
        s
        for s in statements
        if s.startswith(("CREATE TABLE", "ALTER TABLE"))
        and any(f" {t} " in s.split("(")[0] + " " for t in PROJECTION_TABLES)
    ]
    return ";\n".join(keep) + ";"
