"""Builds the benchmark databases; run by `bench.run` in a subprocess, never timed.

    python -m tests.bench.build keyledger DIR N   a KeyLedger vault of N secrets in `dev`
  python -m tests.bench.build kdbx FILE N M I P  a KDBX4 file (Argon2id, M bytes, I passes, P lanes)

The KeyLedger vault goes through the service API (create_vault, then import_dotenv in commits of
up to 10,000 secrets), with the cheapest KDF the app allows (Argon2id 64 MiB, t=3, p=4). DIR then
holds vault.klv (the shared file), data/ (KEYLEDGER_DATA_DIR: working copy and pinned head) and
kit.txt (the Secret Key). The environment must name the fail keyring backend.

The KDBX4 file is written with pykeepass, which must be importable (bench.run installs it into
its cache folder, not into the project's venv). Entries are appended to the XML tree directly:
pykeepass's add_entry searches the group for a duplicate first, which is quadratic.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

PASSPHRASE = "bench passphrase, not a secret"  # noqa: S105 - synthetic test databases
CHUNK = 10_000


def entries(n: int) -> Iterator[tuple[str, str]]:
    """N (name, value) pairs: valid variable names and OpenAI-style synthetic keys."""
    for i in range(n):
        yield f"SVC{i:06d}_API_KEY", "sk-proj-" + secrets.token_urlsafe(48)


def build_keyledger(out: Path, n: int) -> None:
    from app.crypto import secretkey
    from app.services.create import create_vault
    from app.services.secrets import import_dotenv

    os.environ["KEYLEDGER_DATA_DIR"] = str(out / "data")
    vault, key = create_vault(out / "vault.klv", "Bench", "bench", PASSPHRASE, kdf_seconds=0)
    try:
        (out / "kit.txt").write_text(secretkey.format_key(key) + "\n", encoding="utf-8")
        pairs = list(entries(n))
        for start in range(0, n, CHUNK):
            import_dotenv(vault, "dev", pairs[start : start + CHUNK])
    finally:
        vault.lock()


def build_kdbx(out: Path, n: int, memory: int, iterations: int, lanes: int) -> None:
    from pykeepass import create_database
    from pykeepass.entry import Entry
    from pykeepass.kdbx_parsing.kdbx4 import kdf_uuids

    kp = create_database(str(out), password=PASSPHRASE)
    params = kp.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    params["$UUID"].value = kdf_uuids["argon2id"]
    params["M"].value = memory
    params["I"].value = iterations
    params["P"].value = lanes
    if n:
        group = kp.add_group(kp.root_group, "dev")
        for name, value in entries(n):
            entry = Entry(title=name, username="", password=value, kp=kp)
            group._element.append(entry._element)
    kp.save()
    if kp.version != (4, 0) or kp.kdf_algorithm != "argon2id":
        raise SystemExit(f"pykeepass wrote KDBX {kp.version} with {kp.kdf_algorithm}")


def main(argv: list[str]) -> None:
    kind, target, *numbers = argv
    if kind == "keyledger":
        build_keyledger(Path(target), int(numbers[0]))
    elif kind == "kdbx":
        n, memory, iterations, lanes = (int(x) for x in numbers)
        build_kdbx(Path(target), n, memory, iterations, lanes)
    else:
        raise SystemExit(f"unknown kind {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
