"""A damaged vault file is refused or read unchanged, never half-trusted.

Hypothesis flips one byte (any offset, any xor mask) or truncates the published file, then a
fresh laptop (no working copy, empty keychain, Secret Key given) unlocks it, lists every secret
and reads every value. Allowed outcomes: IntegrityFailure (exit 5); AuthFailed (exit 3) when
the flip lands in what unlocking derives keys from; or the exact original secrets with
`verify_vault` passing. Anything else (another exception, a hang, different data) fails.
"""

from __future__ import annotations

import collections
import contextlib
import signal
import sqlite3
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.clock import FixedClock
from app.core.errors import AuthFailed, IntegrityFailure, KeyLedgerError
from app.services.integrity import verify_vault
from app.services.secrets import add_secret, list_secrets, rotate_secret
from tests.robust.conftest import CliVault, contents, laptop, new_vault, run_cli, unlock

EXAMPLE_TIMEOUT_S = 20

SECRETS = {
    ("dev", "zebra-dev-openai"): "sk-proj-" + "A1b2C3d4" * 5,
    ("dev", "zebra-dev-stripe"): "sk_test_" + "Zz9" * 10,
    ("dev", "zebra-dev-db"): "postgres://app:hunter2-dev@db.internal:5432/app",
    ("prod", "zebra-prod-openai"): "sk-proj-" + "Q7w8E9r0" * 5,
    ("prod", "zebra-prod-stripe"): "sk_live_" + "Xx4" * 10,
}


@dataclass(frozen=True)
class Base:
    image: bytes
    key: bytes


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, fast_kdf: None) -> Base:
    root = tmp_path_factory.mktemp("fuzz-base")
    path = root / "shared" / "team.kl"
    with laptop(root / "data"):
        vault, key = new_vault(path)
        try:
            for (env, name), value in SECRETS.items():
                add_secret(vault, env, name, value, notes=f"notes of {name}")
            assert contents(vault) == SECRETS
        finally:
            vault.lock()
    return Base(path.read_bytes(), key)


class Hang(Exception):
    pass


class WrongOutcome(AssertionError):
    """What the app does with a damaged file is not one of the allowed outcomes."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"opening the damaged file took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def open_on_fresh_laptop(image: bytes, key: bytes, root: Path) -> int:
    """Write `image` as a shared vault, open it on a new laptop; returns 0 or the exit code."""
    path = root / "shared" / "team.kl"
    path.parent.mkdir()
    path.write_bytes(image)
    refused: KeyLedgerError | None = None
    with laptop(root / "data"), deadline(EXAMPLE_TIMEOUT_S):
        try:
            seen = read_all(path, key)
            report = verify_vault(path)
        except KeyLedgerError as exc:
            refused = exc
    untouched(path, image)
    if refused is not None:
        message = str(refused)
        assert isinstance(refused, IntegrityFailure | AuthFailed), (
            f"damaged file gave exit {refused.exit_code} ({type(refused).__name__}: {message})"
        )
        assert message, "a refusal without a message"
        assert "\n" not in message, f"the error message is not one line: {message}"
        return refused.exit_code
    # Accepted: it must be the very same vault.
    assert seen == SECRETS, "a damaged file was accepted with different contents"
    assert report.commits == 1 + len(SECRETS)
    return 0


def read_all(path: Path, key: bytes) -> dict[tuple[str, str], str]:
    vault = unlock(path, key)
    try:
        return contents(vault)
    finally:
        vault.lock()


def untouched(path: Path, image: bytes) -> None:
    """Opening never writes to the shared file or beside it."""
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert path.read_bytes() == image, "opening a damaged file changed it"


def mutation(size: int) -> st.SearchStrategy[tuple[str, int, int]]:
    """Mostly single-byte flips (offset, xor mask), sometimes a truncation (offset = new length)."""
    kinds = st.sampled_from(("flip", "flip", "flip", "truncate"))
    return st.tuples(kinds, st.integers(0, size - 1), st.integers(1, 255))


def apply(image: bytes, change: tuple[str, int, int]) -> tuple[bytes, str]:
    kind, at, mask = change
    if kind == "flip":
        damaged = bytearray(image)
        damaged[at] ^= mask
        return bytes(damaged), f"flip byte {at} ^ {mask:#04x}"
    return image[:at], f"truncate to {at} bytes"


def test_untouched_base_opens_on_a_fresh_laptop(base: Base, tmp_path: Path):
    assert open_on_fresh_laptop(base.image, base.key, tmp_path) == 0


def signature(exc: BaseException) -> str:
    """Where an unexpected outcome came from: its type and the innermost app line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/app/" in f.filename]
    where = f" at {frames[-1].filename.split('/app/')[-1]}:{frames[-1].lineno}" if frames else ""
    first = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, AssertionError):
        return f"AssertionError: {first[:120]}"
    return f"{type(exc).__name__}{where}"


def test_single_byte_flips_and_truncations_are_refused_or_harmless(base: Base, tmp_path: Path):
    outcomes: list[tuple[str, int]] = []
    violations: dict[str, str] = {}

    @settings(
        max_examples=500,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(change=mutation(len(base.image)))
    def check(change: tuple[str, int, int]) -> None:
        damaged, what = apply(base.image, change)
        assert damaged != base.image
        with tempfile.TemporaryDirectory(dir=tmp_path) as root:
            try:
                code = open_on_fresh_laptop(damaged, base.key, Path(root))
            except Exception as exc:  # every other outcome is a bug; collect them all
                violations.setdefault(signature(exc), f"{what}: {exc!r}"[:300])
                code = -1
        outcomes.append((change[0], code))

    check()
    counts = collections.Counter(outcomes)
    assert len(outcomes) >= 500, counts
    assert counts[("flip", 5)] > 0, counts
    assert counts[("truncate", 5)] > 0, counts
    if violations:
        raise WrongOutcome(
            f"{len(violations)} kinds of wrong outcome:\n"
            + "\n".join(
                f"  {kind}  (e.g. {example})" for kind, example in sorted(violations.items())
            )
        )


# -- kinds of damage the fuzzer found, each pinned down deterministically ---------------------


def page_bounds(image: bytes, tmp: Path, name: str) -> tuple[int, int]:
    """Byte range of the root page of table or index `name` in a vault file image."""
    probe = tmp / "probe.kl"
    probe.write_bytes(image)
    conn = sqlite3.connect(f"file:{probe}?mode=ro", uri=True)
    try:
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)
        ).fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
    finally:
        conn.close()
    probe.unlink()
    return (root - 1) * size, root * size


def retype_in_page(image: bytes, bounds: tuple[int, int], text: str) -> bytes:
    """Change one character of `text` where it is stored inside `bounds` (stays valid UTF-8)."""
    at = image.index(text.encode(), *bounds) + 3
    damaged = bytearray(image)
    damaged[at] = ord("x") if damaged[at] != ord("x") else ord("y")
    return bytes(damaged)


def identifier(image: bytes, tmp: Path, sql: str) -> str:
    probe = tmp / "probe.kl"
    probe.write_bytes(image)
    conn = sqlite3.connect(f"file:{probe}?mode=ro", uri=True)
    try:
        return str(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()
        probe.unlink()


def schema_edit(image: bytes, tmp: Path, sql: str) -> bytes:
    """Rewrite sqlite_master (the schema text) of a copy, as a hex editor could."""
    copy = tmp / "schema-edit.kl"
    copy.write_bytes(image)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute("PRAGMA writable_schema=ON")
        assert conn.execute(sql).rowcount == 1
    finally:
        conn.close()
    damaged = copy.read_bytes()
    copy.unlink()
    return damaged


def open_expecting_integrity_failure(image: bytes, key: bytes, root: Path) -> None:
    path = root / "shared" / "team.kl"
    path.parent.mkdir()
    path.write_bytes(image)
    with laptop(root / "data"):
        with pytest.raises(IntegrityFailure):
            read_all(path, key)
        with pytest.raises(IntegrityFailure):
            verify_vault(path)
        untouched(path, image)


def test_found_by_fuzzing_table_row_that_differs_from_its_index(base: Base, tmp_path: Path):
    member_id = identifier(base.image, tmp_path, "SELECT id FROM members")
    bounds = page_bounds(base.image, tmp_path, "members")
    damaged = retype_in_page(base.image, bounds, member_id)
    open_expecting_integrity_failure(damaged, base.key, tmp_path)


def test_found_by_fuzzing_index_entry_that_differs_from_its_row(base: Base, tmp_path: Path):
    dev_id = identifier(base.image, tmp_path, "SELECT id FROM environments WHERE position = 0")
    bounds = page_bounds(base.image, tmp_path, "secrets_env")
    damaged = retype_in_page(base.image, bounds, dev_id)
    open_expecting_integrity_failure(damaged, base.key, tmp_path)


def test_found_by_fuzzing_undecodable_schema_text(base: Base, tmp_path: Path):
    damaged = schema_edit(
        base.image,
        tmp_path,
        "UPDATE sqlite_master SET name = CAST(X'c76f6d6d697473' AS TEXT) WHERE name = 'commits'",
    )
    open_expecting_integrity_failure(damaged, base.key, tmp_path)


def test_found_by_fuzzing_renamed_column(base: Base, tmp_path: Path):
    damaged = schema_edit(
        base.image,
        tmp_path,
        "UPDATE sqlite_master SET sql = replace(sql, 'role TEXT', 'rolx TEXT')"
        " WHERE name = 'members'",
    )
    open_expecting_integrity_failure(damaged, base.key, tmp_path)


def test_found_by_fuzzing_swapped_columns_change_what_is_shown(tmp_path: Path):
    path = tmp_path / "shared" / "team.kl"
    with laptop(tmp_path / "data"):
        vault, key = new_vault(path)
        clock = FixedClock(datetime(2027, 1, 1, tzinfo=UTC))  # after the vault was made
        vault.clock = clock
        add_secret(vault, "dev", "zebra-rotated", "first-value-0001")
        clock.advance(days=30)
        rotate_secret(vault, "dev", "zebra-rotated", "second-value-0002", "scheduled")
        rotated = list_secrets(vault)[0].rotated_at
        vault.lock()
    assert rotated.startswith("2027-01-31")
    damaged = schema_edit(
        path.read_bytes(),
        tmp_path,
        "UPDATE sqlite_master SET sql = replace(replace(replace(sql, 'created_at TEXT', 'x TEXT'),"
        " 'rotated_at TEXT', 'created_at TEXT'), 'x TEXT', 'rotated_at TEXT')"
        " WHERE name = 'secrets'",
    )
    path.write_bytes(damaged)
    with laptop(tmp_path / "fresh"):
        try:
            vault = unlock(path, key)
        except IntegrityFailure:
            return  # refused: what should happen
        shown = list_secrets(vault)[0].rotated_at
        vault.lock()
    if shown != rotated:
        raise WrongOutcome(f"accepted, and shows the secret rotated at {shown}, not {rotated}")


def test_found_by_fuzzing_multi_line_error_message(base: Base, tmp_path: Path):
    damaged = schema_edit(
        base.image,
        tmp_path,
        "UPDATE sqlite_master SET sql = replace(sql, 'header BLOB', '`der BLOB')"
        " WHERE name = 'commits'",
    )
    path = tmp_path / "team.kl"
    path.write_bytes(damaged)
    env = CliVault(path, tmp_path / "no-kit.txt", tmp_path / "data", b"").env()
    result = run_cli(env, "verify")
    assert result.returncode == 5, result.stderr
    assert "Traceback" not in result.stderr
    if len(result.stderr.splitlines()) != 1:
        raise WrongOutcome(f"the error takes several lines: {result.stderr!r}")
