"""Writer process of test_processes: unlock once, then add secrets one by one.

Usage: python -m tests.robust.writer PREFIX COUNT, with KEYLEDGER_VAULT, KEYLEDGER_PASSPHRASE,
KEYLEDGER_SECRET_KEY_FILE and KEYLEDGER_DATA_DIR set. Prints "ready" once unlocked, then
"ok NAME SEQ" after each add_secret has returned (committed and published), flushed at once,
so whatever the parent read was acknowledged to a user.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    from app.services import keychain
    from app.services.secrets import add_secret
    from app.services.vault import Vault
    from app.storage import ledger

    prefix, count = sys.argv[1], int(sys.argv[2])
    key = keychain.read_secret_key_file(Path(os.environ["KEYLEDGER_SECRET_KEY_FILE"]))
    vault = Vault.unlock(
        Path(os.environ["KEYLEDGER_VAULT"]), "alice", os.environ["KEYLEDGER_PASSPHRASE"], key
    )
    print("ready", flush=True)
    try:
        for i in range(count):
            name = f"{prefix}-{i:04d}"
            add_secret(vault, "dev", name, value_of(name))
            head = ledger.head(vault.conn)
            print(f"ok {name} {head.seq if head else 0}", flush=True)
    finally:
        vault.lock()


def value_of(name: str) -> str:
    return f"value-of-{name}"


if __name__ == "__main__":
    main()
