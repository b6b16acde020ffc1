"""`keyledger verify` and `keyledger audit list`."""

from __future__ import annotations

import json

import click

from app.cli.context import Options, emit_json, table, unlock


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


@audit.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--limit", type=click.IntRange(1), help="Only the newest N events.")
@click.pass_obj
def list_(opts: Options, as_json: bool, limit: int | None) -> None:
    """Every event: time, actor, action, environment, secret, details. Never values."""
    from app.services.audit import entries

    vault = unlock(opts)
    try:
        rows = list(entries(vault))
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
                json.dumps(r.details, sort_keys=True)[:80] if r.details else "",
            ]
            for r in rows
        ],
        ["TIME (UTC)", "ACTOR", "ACTION", "ENV", "SECRET", "DETAILS"],
    )
