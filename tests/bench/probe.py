"""In-process timings that a whole-process figure cannot isolate; prints one JSON object.

python -m tests.bench.probe kdf VAULT RUNS   Argon2id with the vault owner's stored parameters
python -m tests.bench.probe verify DB        one `verify` pass over a vault file (no catch-up)
python -m tests.bench.probe gui VAULT        console offscreen: unlock to table, filter keystrokes
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path


def probe_kdf(vault: Path, runs: int) -> dict[str, object]:
    from app.crypto.kdf import KdfParams, argon2id

    conn = sqlite3.connect(f"file:{vault}?mode=ro", uri=True)
    try:
        (text,) = conn.execute("SELECT kdf FROM members ORDER BY added_seq LIMIT 1").fetchone()
    finally:
        conn.close()
    params = KdfParams.from_dict(json.loads(text))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        argon2id(b"bench", params)
        times.append(time.perf_counter() - started)
    return {
        "seconds": statistics.median(times),
        "memory_kib": params.memory_kib,
        "iterations": params.iterations,
        "lanes": params.lanes,
    }


def probe_verify(db: Path) -> dict[str, object]:
    from app.services.verify import verify
    from app.storage.db import open_published

    conn = open_published(db)
    try:
        started = time.perf_counter()
        report = verify(conn)
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    return {"seconds": seconds, "commits": report.commits, "events": report.events}


def probe_gui(vault: Path) -> dict[str, object]:
    """The console, offscreen: unlock click to a populated table, then filter keystrokes."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.crypto import secretkey
    from app.services import keychain
    from app.services.settings import Settings
    from app.ui.app import make_app
    from app.ui.main_window import MainWindow

    app = make_app()
    window = MainWindow(Settings())
    window.show()
    window.open_vault(vault)
    key = keychain.read_secret_key_file(Path(os.environ["KEYLEDGER_SECRET_KEY_FILE"]))
    window.unlock_page.passphrase.setText(os.environ["KEYLEDGER_PASSPHRASE"])
    window.unlock_page.secret_key.setText(secretkey.format_key(key))
    from PySide6.QtCore import QEventLoop, QTimer

    done: list[float] = []
    waiting = QEventLoop()  # idle like the app's own loop: a busy poll would steal the GIL

    def unlocked_now() -> None:
        done.append(time.perf_counter())
        QTimer.singleShot(0, waiting.quit)  # after the table has been laid out

    window.vault_unlocked.connect(unlocked_now)
    started = time.perf_counter()
    window.unlock_page.unlock.click()
    waiting.exec()
    app.processEvents()  # the first paint of the populated table
    unlocked = time.perf_counter() - started
    rows = window.console.secrets.rowCount()
    keystrokes = []
    for text in ("b", "be", "ben", "benc", "bench", "bench_", "bench_1", "bench_12", ""):
        t = time.perf_counter()
        window.console.filter.setText(text)
        app.processEvents()
        keystrokes.append(time.perf_counter() - t)
    window.close()
    QApplication.processEvents()
    return {
        "unlock_to_table_s": unlocked,
        "rows": rows,
        "filter_median_ms": statistics.median(keystrokes) * 1000,
        "filter_max_ms": max(keystrokes) * 1000,
    }


def main(argv: list[str]) -> None:
    kind, target, *rest = argv
    if kind == "kdf":
        result = probe_kdf(Path(target), int(rest[0]) if rest else 5)
    elif kind == "verify":
        result = probe_verify(Path(target))
    elif kind == "gui":
        result = probe_gui(Path(target))
    else:
        raise SystemExit(f"unknown probe {kind!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
