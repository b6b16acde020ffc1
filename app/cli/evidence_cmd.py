"""`keyledger evidence export|verify`: the signed SOC2 evidence pack."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path
from types import FrameType

import click

from app.cli.context import Options, emit_json, unlock
from app.cli.dates import DATE
from app.core.errors import IntegrityFailure, InvalidInput


@click.group()
def evidence() -> None:
    """Evidence packs for auditors: export one, verify one (no vault needed)."""


class _Bar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if not self.shown or percent == self.last:
            return
        self.last = percent
        filled = percent * 30 // 100
        click.echo(
            f"\rExporting [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%", nl=False, err=True
        )

    def close(self) -> None:
        if self.shown and self.last >= 0:
            click.echo("\r" + " " * 48 + "\r", nl=False, err=True)


@contextlib.contextmanager
def _ctrl_c() -> Iterator[list[bool]]:
    """Ctrl+C asks the export to stop at its next poll (it then removes what it wrote)."""
    asked = [False]

    def handler(_signum: int, _frame: FrameType | None) -> None:
        asked[0] = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: leave Ctrl+C as it is
        yield asked
        return
    try:
        yield asked
    finally:
        signal.signal(signal.SIGINT, previous)


def _load_export(_conn: object) -> None:
    """Load the export's modules while Argon2 derives the key on the other core: ~0.2 s of
    imports that delayed the unlock, in a window where the main thread waited ~0.15 s."""
    import app.core.evidence  # noqa: F401
    import app.services.evidence  # noqa: F401


@evidence.command("export")
@click.option("--from", "start", type=DATE, required=True, help="First UTC day (YYYY-MM-DD).")
@click.option("--to", "end", type=DATE, required=True, help="Last UTC day (YYYY-MM-DD), included.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The zip file to write (PACK.zip).",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_obj
def export(opts: Options, start: date, end: date, out: Path, force: bool) -> None:
    """Write the signed evidence pack for a period: CSV and JSON Lines tables, summary.html,
    manifest.json with every file's SHA-256, and your Ed25519 signature. Never values."""
    from app.services.files import check_target

    if start > end:
        raise InvalidInput(f"the period starts ({start}) after it ends ({end})")
    check_target(out, force=force)
    vault = unlock(opts, meanwhile=_load_export)
    from app.core.evidence import key_fingerprint
    from app.services.evidence import export_pack

    bar = _Bar()
    try:
        with _ctrl_c() as asked:
            result = export_pack(
                vault,
                start,
                end,
                out,
                now=vault.clock.now(),
                force=force,
                progress=bar,
                cancelled=lambda: asked[0],
            )
        fingerprint = key_fingerprint(vault.sign_public)
        handle = vault.member.handle
    finally:
        bar.close()
        vault.lock()
    click.echo(
        f"Wrote {out}: {result.events} events from {start} to {end}, {len(result.files)} files;"
        f" signed by {handle} (key fingerprint {fingerprint})."
    )
    click.echo(f"Check it with: keyledger evidence verify {out}")


@evidence.command("verify")
@click.argument("pack", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--vault",
    "vault_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also check the pack against this vault file's verified ledger.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def verify(pack: Path, vault_file: Path | None, as_json: bool) -> None:
    """Check every file's SHA-256, the signature and the signer (exit 5 naming what fails)."""
    from app.services.evidence import verify_pack

    try:
        report = verify_pack(pack, vault_file)
    except IntegrityFailure as exc:
        if as_json:
            emit_json({"ok": False, "error": " ".join(str(exc).split())})
            sys.exit(exc.exit_code)
        raise
    if as_json:
        data = asdict(report)
        data.update(ok=True, path=str(report.path), period=list(report.period))
        emit_json(data)
        return
    click.echo(
        f"OK: {pack.name}: {report.vault_name}, {report.period[0]} to {report.period[1]},"
        f" {report.files} files; head {report.head[:16]} ({report.commits} commits);"
        f" signed by {report.generated_by}, key fingerprint {report.signer_fingerprint};"
        f" checked {', '.join(report.checked)}."
    )
