"""One evidence export as a task for the worker thread: progress thinned out, no file left
behind when it fails or is cancelled, and the pack's SHA-256 once written."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

ExportFn = Callable[..., Any]  # app.services.evidence.export_pack's signature


class Exported(NamedTuple):
    """What the real export returns: its result, and `record`, to run on the GUI thread."""

    path: Path
    files: tuple[str, ...]
    events: int
    head: str
    record: Callable[[], None]


def real_export(vault: Any, start: date, end: date, out: Path, **kwargs: Any) -> Exported:
    """Export over a read-only connection of the worker's own (the GUI thread keeps using the
    vault's); the `export` event is recorded afterwards, by `record`, on the GUI thread."""
    from app.services.evidence import export_pack, record_pack  # only when used

    with vault.reading() as reader:
        result = export_pack(reader, start, end, out, record=False, **kwargs)
    with result.path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return Exported(
        result.path,
        result.files,
        result.events,
        result.head,
        lambda: record_pack(vault, start, end, result, digest),
    )


def shown_path(path: Path) -> str:
    """A path as typed: "~/Documents/pack.zip" under the home folder."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class Written(NamedTuple):
    path: Path
    sha256: str
    files: int
    events: int
    head: str
    result: Any  # what the export returned


def export_task(
    export: ExportFn,
    vault: object,
    period: tuple[date, date],
    out: Path,
    *,
    now: datetime,
    force: bool,
    report: Callable[[int, int], None],
    cancelled: Callable[[], bool],
) -> Callable[[], Written]:
    """The function to run in the background; `report` gets at most ~1,000 calls."""
    seen = [-1]

    def progress(done: int, total: int) -> None:
        step = done * 1000 // total if total > 0 else 0
        if step != seen[0]:  # each report is a queued event on the GUI thread
            seen[0] = step
            report(done, total)

    def run() -> Written:
        # The export writes a temporary file and renames it only when whole, so a failure or a
        # cancel leaves nothing to clean up; a file at `out` then is someone else's: keep it.
        result = export(
            vault, *period, out, now=now, force=force, progress=progress, cancelled=cancelled
        )
        path = Path(getattr(result, "path", out))
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        files = getattr(result, "files", 0)
        count = files if isinstance(files, int) else len(files)
        events = int(getattr(result, "events", 0))
        return Written(path, digest, count, events, str(getattr(result, "head", "")), result)

    return run
