"""`keyledger rotation list|export-ics|log|flag|unflag`.

Dates are shown on this computer's calendar (its local time zone); instants in JSON are UTC.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from app.cli.context import Options, emit_json, step_up_if_needed, table, totp_option, unlock
from app.core.clock import iso, parse_iso
from app.core.errors import InvalidInput
from app.core.rotation import FLAG_REASONS, RotationItem, local_date

LOCAL = None  # a time zone of None: this computer's local time, with its DST rules


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _due_soon_days() -> int:
    from app.services.settings import Settings

    days: int = Settings().get("due_soon_days")
    return days


def _status(item: RotationItem) -> str:
    if item.flag is None:
        return item.status.value
    return f"{item.status.value} ({item.flag.reason})"


def item_json(item: RotationItem, now: datetime) -> dict[str, object]:
    s, m, f = item.secret, item.secret.meta, item.flag
    return {
        "env": s.env_name,
        "name": s.name,
        "env_var": m.env_var,
        "provider": m.provider,
        "owner": m.owner,
        "version": s.version,
        "rotation_days": s.rotation_days,
        "rotated_at": s.rotated_at,
        "due_at": iso(item.due),
        "due_date": local_date(item.due, LOCAL).isoformat(),
        "days_left": item.days_left(now, LOCAL),
        "status": item.status.value,
        "flag": None
        if f is None
        else {"reason": f.reason, "note": f.note, "flagged_at": f.flagged_at, "by": f.by},
    }


@click.group()
def rotation() -> None:
    """Rotation schedules: what is due, flags, the calendar and the log."""


@rotation.command("list")
@click.option("--env", "env_name", help="Only this environment.")
@click.option(
    "--due-within",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Only keys with at most DAYS days left, overdue or flagged.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(opts: Options, env_name: str | None, due_within: int | None, as_json: bool) -> None:
    """Keys by due date, flagged ones first; 'due soon' follows the due_soon_days setting."""
    from app.core.rotation import due_within as only_due
    from app.services.rotation import rotation_items

    soon = _due_soon_days()
    vault = unlock(opts)
    try:
        now = vault.clock.now()
        found = rotation_items(vault, now, env_name=env_name, due_soon_days=soon)
    finally:
        vault.lock()
    if due_within is not None:
        found = only_due(found, now, due_within, LOCAL)
    if as_json:
        emit_json([item_json(i, now) for i in found])
        return
    table(
        [
            [
                i.secret.env_name,
                i.secret.name,
                i.secret.meta.env_var,
                i.secret.meta.provider or "-",
                i.secret.meta.owner or "-",
                local_date(parse_iso(i.secret.rotated_at), LOCAL).isoformat(),
                local_date(i.due, LOCAL).isoformat(),
                str(i.days_left(now, LOCAL)),
                _status(i),
            ]
            for i in found
        ],
        [
            "ENV",
            "NAME",
            "ENV VAR",
            "PROVIDER",
            "OWNER",
            "LAST ROTATED",
            "NEXT DUE",
            "DAYS LEFT",
            "STATUS",
        ],
    )


@rotation.command("export-ics")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_obj
def export_ics(opts: Options, file: Path, env_name: str | None, force: bool) -> None:
    """Write every key's due date as an all-day event to an iCalendar file (no values)."""
    from app.services.files import check_target
    from app.services.rotation_export import write_calendar

    check_target(file, force=force)
    soon = _due_soon_days()
    vault = unlock(opts)
    try:
        count = write_calendar(
            vault,
            file,
            vault.clock.now(),
            LOCAL,
            env_name=env_name,
            due_soon_days=soon,
            force=force,
        )
    finally:
        vault.lock()
    click.echo(f"Wrote {_count(count, 'event', 'events')} to {file}.")


@rotation.command("log")
@click.option("--env", "env_name", help="Only this environment.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the log to this CSV file instead.",
)
@click.option("--force", is_flag=True, help="Replace the CSV file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def log(
    opts: Options, env_name: str | None, csv_file: Path | None, force: bool, as_json: bool
) -> None:
    """Every version, flag and withdrawal of the current keys, oldest first. Never values."""
    from app.services.files import check_target
    from app.services.rotation import rotation_log
    from app.services.rotation_export import log_record, write_log_csv

    if csv_file is not None and as_json:
        raise InvalidInput("choose one of --csv FILE and --json")
    if csv_file is not None:
        check_target(csv_file, force=force)
    vault = unlock(opts)
    try:
        if csv_file is not None:
            count = write_log_csv(vault, csv_file, env_name=env_name, force=force)
            click.echo(f"Wrote {_count(count, 'entry', 'entries')} to {csv_file}.")
            return
        entries = list(rotation_log(vault, env_name))
    finally:
        vault.lock()
    if as_json:
        emit_json([{**log_record(e), "at": e.at} for e in entries])
        return
    table(
        [
            [
                e.at[:19].replace("T", " "),
                e.env,
                e.secret,
                e.action,
                str(e.version),
                e.reason or "-",
                e.ticket or "-",
                e.by,
                e.fingerprint or "-",
                e.note,
            ]
            for e in entries
        ],
        [
            "WHEN (UTC)",
            "ENV",
            "SECRET",
            "ACTION",
            "VERSION",
            "REASON",
            "TICKET",
            "BY",
            "FINGERPRINT",
            "NOTE",
        ],
    )


@rotation.command("flag")
@click.argument("env")
@click.argument("name")
@click.option("--reason", required=True, type=click.Choice(FLAG_REASONS), help="Why.")
@click.option("--note", default="", help="What happened (stored encrypted).")
@click.pass_obj
def flag(opts: Options, env: str, name: str, reason: str, note: str) -> None:
    """Mark a key "rotation required" until its next new version (no step-up needed)."""
    from app.services.rotation import flag_secret

    vault = unlock(opts)
    try:
        flag_secret(vault, env, name, reason, note)
    finally:
        vault.lock()
    click.echo(f"Flagged {name} in {env}: rotation required ({reason}).")


@rotation.command("unflag")
@click.argument("env")
@click.argument("name")
@click.option("--note", required=True, help="Why the flag is withdrawn without rotating.")
@totp_option
@click.pass_obj
def unflag(opts: Options, env: str, name: str, note: str, totp_code: str | None) -> None:
    """Withdraw a flag without rotating (a false alarm); recorded with the note."""
    from app.services.rotation import unflag_secret

    if not note.strip():
        raise InvalidInput("say why the flag is withdrawn (--note)")
    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env, totp_code)
        unflag_secret(vault, env, name, note)
    finally:
        vault.lock()
    click.echo(f"Withdrew the flag on {name} in {env}.")
