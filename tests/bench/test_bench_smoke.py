"""`make bench` in CI: a smoke check at 200 secrets that every operation runs and answers right.

Timings are not checked here (a benchmark, not a timed test); `python -m tests.bench.run` without
--smoke gives the figures and the targets.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ROWS = (
    "open+list 200",
    "add one @200",
    "verify 200 events (CLI: shared file + working copy)",
    "verify 200 events (one pass, in-process)",
    "peak RSS, list 200",
    "evidence export 200 events",
    "peak RSS, evidence export 200",
)


def test_bench_smoke_runs_every_operation(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.run",
            "--smoke",
            "--cache-dir",
            str(tmp_path / "bench"),
        ],
        cwd=ROOT,
        env=dict(os.environ),  # KEYLEDGER_DATA_DIR from the autouse fixture; the bench sets its own
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("KeyLedger smoke check")
    table = {line.split("  ")[0]: line for line in lines[3:] if line and "  " in line}
    for row in ROWS:
        assert row in table, f"no row {row!r} in:\n{proc.stdout}"
        assert table[row].rstrip().endswith("ok"), table[row]
    assert "error:" not in proc.stdout
    assert elapsed < 30, f"the smoke bench took {elapsed:.0f} s"
