"""Real processes on one laptop: concurrent writers, and writers killed with SIGKILL.

Writers are `python -m tests.robust.writer`, each unlocking once and adding secrets in a loop;
they share one data folder (one working copy), as two terminals on one laptop do.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.services.integrity import verify_vault
from app.services.secrets import add_secret, list_secrets
from tests.robust.conftest import (
    ROOT,
    TEMP_GLOB,
    CliVault,
    cli_init,
    contents_on_fresh_laptop,
    laptop,
    unlock,
)
from tests.robust.writer import value_of

KILL_SEED = 20261130
MIN_ATTEMPTS = 200
MIN_KILLS = 8


class Writer:
    """One writer process; its stdout is read on a thread so a kill never blocks the test."""

    def __init__(self, vault: CliVault, prefix: str, count: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.robust.writer", prefix, str(count)],
            env=vault.env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("ready"):
                self.ready.set()
        self.ready.set()

    def acknowledged(self) -> list[str]:
        return [line.split()[1] for line in self.lines if line.startswith("ok ")]

    def finish(self, timeout: float) -> str:
        """Wait for exit; returns stderr."""
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def ledger_of(path: Path) -> list[tuple[int, str, dict[str, object]]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT seq, hash, header FROM commits ORDER BY seq").fetchall()
    finally:
        conn.close()
    return [(seq, h, json.loads(header)) for seq, h, header in rows]


def assert_linear(path: Path, commits: int) -> None:
    chain = ledger_of(path)
    assert [seq for seq, _, _ in chain] == list(range(1, commits + 1))
    previous: list[str] = []
    for seq, commit_hash, header in chain:
        assert header["parents"] == previous, f"commit #{seq} does not follow #{seq - 1}"
        previous = [commit_hash]


def published_names(path: Path, key: bytes, scratch: Path) -> dict[str, str]:
    """Names -> values in the shared file as a new laptop sees it, after full verification."""
    scratch.mkdir(parents=True)
    snapshot = scratch / "shared" / "team.kl"
    snapshot.parent.mkdir()
    shutil.copy(path, snapshot)
    found = contents_on_fresh_laptop(snapshot, key, scratch / "data")
    with laptop(scratch / "data2"):
        report = verify_vault(snapshot)
    assert report.commits == 1 + len(found)
    return {name: value for (_, name), value in found.items()}


@pytest.fixture
def shared(tmp_path: Path) -> CliVault:
    return cli_init(tmp_path / "team")


def test_two_processes_each_committing_100_changes(shared: CliVault, tmp_path: Path):
    writers = [Writer(shared, prefix, 100) for prefix in ("left", "right")]
    errors = [w.finish(timeout=120) for w in writers]
    for w, err in zip(writers, errors, strict=True):
        assert w.proc.returncode == 0, err
        assert len(w.acknowledged()) == 100
    names = published_names(shared.path, shared.key, tmp_path / "fresh")
    expected = {n: value_of(n) for w in writers for n in w.acknowledged()}
    assert len(expected) == 200
    assert names == expected
    assert_linear(shared.path, 201)
    with laptop(shared.data_dir):  # the writers' own laptop: working copy and pins
        report = verify_vault(shared.path)
    assert report.commits == 201
    assert report.head == ledger_of(shared.path)[-1][1]
    assert list(shared.path.parent.glob(TEMP_GLOB)) == []


def test_writers_killed_with_sigkill_lose_nothing_acknowledged(shared: CliVault, tmp_path: Path):
    rng = random.Random(KILL_SEED)
    acknowledged: set[str] = set()
    attempted: set[str] = set()
    attempts = kills = 0
    started = time.monotonic()
    while attempts < MIN_ATTEMPTS or kills < MIN_KILLS:
        assert time.monotonic() - started < 70, f"only {attempts} writes in 70 s"
        prefix = f"k{kills:02d}"
        writer = Writer(shared, prefix, 10_000)
        assert writer.ready.wait(timeout=30), writer.finish(timeout=5)
        time.sleep(rng.uniform(0.01, 0.4))
        writer.kill()
        kills += 1
        acked = writer.acknowledged()
        assert writer.lines[0] == "ready"
        attempts += len(acked) + 1  # and the one in flight when the kill landed
        acknowledged.update(acked)
        attempted.update(f"{prefix}-{i:04d}" for i in range(len(acked) + 1))

        names = published_names(shared.path, shared.key, tmp_path / f"after-kill-{kills}")
        missing = acknowledged - names.keys()
        assert not missing, f"kill {kills}: acknowledged but not published: {sorted(missing)}"
        assert names.keys() <= attempted, "the file holds secrets nobody wrote"
        assert all(value == value_of(name) for name, value in names.items())
        assert_linear(shared.path, 1 + len(names))
        with laptop(shared.data_dir):
            assert verify_vault(shared.path).commits >= 1 + len(names)

    # One more ordinary commit on the same laptop publishes anything a kill left unpublished
    # and removes a temp file a kill left behind.
    with laptop(shared.data_dir):
        vault = unlock(shared.path, shared.key)
        try:
            add_secret(vault, "dev", "after-the-kills", value_of("after-the-kills"))
            local = {s.name for s in list_secrets(vault)}
        finally:
            vault.lock()
    assert list(shared.path.parent.glob(TEMP_GLOB)) == []
    final = published_names(shared.path, shared.key, tmp_path / "final")
    assert final.keys() == local
    assert acknowledged <= final.keys()
    assert_linear(shared.path, 1 + len(final))
