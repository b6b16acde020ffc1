"""`keyledger verify`, `keyledger audit list|verify`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from app.cli.context import Options, emit_json, table, unlock
from app.cli.dates import DATE
from app.core.errors import InvalidInput


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def verify(opts: Options, as_json: bool) -> None:
    """Check every hash, signature and right, and rebuild the tables from the ledger."""
    from app.services.integrity import verify_vault

    report = verify_vault(opts.vault_path())
    if as_json:
        emit_json(
            {
                "ok": True,
                "commits": report.commits,
                "events": report.events,
                "head": report.head,
                "checked": list(report.checked),
            }
        )
        return
    click.echo(
        f"OK: {report.commits} commits, {report.events} events; head {report.head[:16]};"
        f" checked {', '.join(report.checked)}."
    )


@click.group()
def audit() -> None:
    """The audit history."""


audit.add_command(verify, "verify")


@audit.command("list")
@click.option("--since", type=DATE, help="From this UTC day (YYYY-MM-DD), included.")
@click.option("--until", type=DATE, help="To this UTC day (YYYY-MM-DD), included.")
@click.option("--actor", default="", metavar="NAME", help="Only events by this member.")
@click.option(
    "--action", default="", metavar="A", help="Only this action ('secret' for every secret.*)."
)
@click.option("--env", "env_name", default="", metavar="ENV", help="Only this environment.")
@click.option("--text", default="", help="Only events mentioning this text anywhere.")
@click.option("--limit", type=click.IntRange(1), help="Only the newest N events.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the events to this CSV file instead (recorded as an export).",
)
@click.option("--force", is_flag=True, help="Replace the CSV file if it exists.")
@click.pass_obj
def list_(
    opts: Options,
    since: date | None,
    until: date | None,
    actor: str,
    action: str,
    env_name: str,
    text: str,
    limit: int | None,
    as_json: bool,
    csv_file: Path | None,
    force: bool,
) -> None:
    """Every event: time, actor, action, environment, secret, details. Never values."""
    from app.services import audit as service
    from app.services.files import check_target

    if csv_file is not None and as_json:
        raise InvalidInput("choose one of --csv FILE and --json")
    if csv_file is not None and limit:
        raise InvalidInput("--limit is for listing; a CSV file holds every matching event")
    if since and until and since > until:
        raise InvalidInput(f"the period starts ({since}) after it ends ({until})")
    if csv_file is not None:
        check_target(csv_file, force=force)
    flt = service.AuditFilter(since, until, actor, action, env_name, text)
    vault = unlock(opts)
    try:
        if csv_file is not None:
            count = service.export_csv(vault, flt, csv_file, force=force)
            click.echo(f"Wrote {count} event{'' if count == 1 else 's'} to {csv_file}.")
            return
        rows = list(service.query(vault, flt))
    finally:
        vault.lock()
    if limit:
        rows = rows[-limit:]
    if as_json:
        emit_json(
            [
                {
                    "seq": r.seq,
                    "time": r.ts,
                    "actor": r.actor,
                    "action": r.action,
                    "env": r.env,
                    "secret": r.secret,
                    "details": r.details,
                }
                for r in rows
            ]
        )
        return
    table(
        [
            [
                r.ts[:19].replace("T", " "),
                r.actor,
                r.action,
                r.env or "-",
                r.secret or "-",
                json.dumps(r.details, sort_keys=True, ensure_ascii=False)[:80] if r.details else "",
            ]
            for r in rows
        ],
        ["TIME (UTC)", "ACTOR", "ACTION", "ENV", "SECRET", "DETAILS"],
    )
