"""The evidence export rows of `make bench`: whole-process time at the largest size, and peak
RSS at every size (flat = the largest within FLAT_RSS of the smallest).

Each run writes a new pack into the scratch folder (and appends one `export` event to the
scratch vault, which changes nothing the other figures measure); the warm-up's pack is checked
with `evidence verify`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.bench import run as bench

TARGET_EXPORT_S = 3.0  # evidence export of 100k events
FLAT_RSS = 1.2  # peak RSS at the largest size / at the smallest


def measure_export(vault: bench.KeyLedgerVault, n: int, runs: int, scratch: Path) -> bench.Measure:
    packs = scratch / f"packs-{n}"
    packs.mkdir(exist_ok=True)

    def argv(i: int) -> tuple[list[str], str]:
        out = packs / f"pack-{i}.zip"
        period = ["--from", "2000-01-01", "--to", "2099-12-31"]
        return vault.cli("evidence", "export", *period, "--out", str(out)), ""

    try:
        return bench.measure(
            f"KeyLedger evidence export {n}", argv, vault.env(), runs, _check(vault, packs, n)
        )
    finally:
        for pack in packs.glob("*.zip"):
            pack.unlink()


def _check(vault: bench.KeyLedgerVault, packs: Path, n: int) -> Callable[[bench.Proc], None]:
    def check(proc: bench.Proc) -> None:
        bench.expect(proc.stdout.startswith("Wrote "), f"unexpected output {proc.stdout!r}")
        events = int(proc.stdout.split(": ", 1)[1].split(" events", 1)[0])
        bench.expect(events >= n, f"the pack holds {events} events, expected at least {n}")
        verified = subprocess.run(
            [bench.PY, "-m", "app", "evidence", "verify", str(packs / "pack-0.zip")],
            env=vault.env(),
            cwd=bench.ROOT,
            capture_output=True,
            text=True,
        )
        bench.expect(verified.returncode == 0, f"verify said {verified.stderr.strip()!r}")

    return check


def rows(sizes: list[int], exports: dict[int, bench.Measure], smoke: bool) -> list[bench.Row]:
    largest, smallest = max(sizes), min(sizes)
    big = bench.size_label(largest)
    timed = exports.get(largest)
    seconds = timed.seconds if timed else None
    result = [
        bench.absolute_row(
            f"evidence export {big} events",
            seconds,
            bench.fmt_s(seconds),
            TARGET_EXPORT_S,
            "s",
            smoke,
        )
    ]
    low, high = exports.get(smallest), exports.get(largest)
    label = f"peak RSS, evidence export {bench.size_label(smallest)}"
    if largest != smallest:
        label += f" → {big}"
    if low is None or high is None:
        text, ratio = "—", None
    elif largest == smallest:
        text, ratio = bench.fmt_mb(high.maxrss_kib), 1.0
    else:
        text = f"{bench.fmt_mb(low.maxrss_kib)} → {bench.fmt_mb(high.maxrss_kib)}"
        ratio = high.maxrss_kib / low.maxrss_kib
    row = bench.absolute_row(label, ratio, text, FLAT_RSS, "×", smoke)
    if not smoke:
        row.target = f"≤ {FLAT_RSS:g}×"
    if ratio is not None:
        row.ratio = f"{ratio:.3f}×"
    result.append(row)
    return result
