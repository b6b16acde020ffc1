"""`keyledger grant|revoke` and `keyledger access request|list|approve|deny`.

`--until DATE` means to the end of that day on this computer's calendar; instants in JSON are UTC.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from app.cli.context import Options, emit_json, table, totp_option, unlock
from app.cli.dates import DATE
from app.cli.team_shared import access_text, echo_revoked, end_of_day, local_day, with_step_up
from app.core.team_rules import ACCESS

_UNTIL_HELP = "Access ends after this day (YYYY-MM-DD, this computer's calendar)."


def _until(day: date | None) -> str:
    return f" until {day.isoformat()}" if day else ""


@click.command()
@click.argument("name")
@click.argument("env")
@click.option("--access", "level", required=True, type=click.Choice(ACCESS), help="What they get.")
@click.option("--until", "day", type=DATE, help=_UNTIL_HELP)
@totp_option
@click.pass_obj
def grant(
    opts: Options, name: str, env: str, level: str, day: date | None, totp_code: str | None
) -> None:
    """Admin: give a member read or write access to ENV (or change it)."""
    from app.services import access

    until = end_of_day(day) if day else None
    vault = unlock(opts)
    try:
        given = with_step_up(vault, totp_code, lambda: access.grant(vault, name, env, level, until))
    finally:
        vault.lock()
    click.echo(f"Granted {given.handle} {given.access} access to {given.env_name}{_until(day)}.")


@click.command()
@click.argument("name")
@click.argument("env")
@click.pass_obj
def revoke(opts: Options, name: str, env: str) -> None:
    """Admin: end a member's access to ENV; re-keys it and flags what they could read."""
    from app.services import access

    vault = unlock(opts)
    try:
        revoked = access.revoke(vault, name, env)
    finally:
        vault.lock()
    echo_revoked(revoked, f"Revoked {name}'s access to {env}.")


@click.group("access")
def access_() -> None:
    """Access requests: ask for an environment; another admin decides."""


@access_.command()
@click.argument("env")
@click.option("--reason", required=True, help="Why (the approver and the auditor read it).")
@click.option(
    "--access",
    "level",
    type=click.Choice(ACCESS),
    default="read",
    show_default=True,
    help="What you ask for.",
)
@click.option("--until", "day", type=DATE, help=_UNTIL_HELP)
@click.pass_obj
def request(opts: Options, env: str, reason: str, level: str, day: date | None) -> None:
    """Ask for access to ENV."""
    from app.services.requests import request_access

    until = end_of_day(day) if day else None
    vault = unlock(opts)
    try:
        made = request_access(vault, env, level, reason, until)
    finally:
        vault.lock()
    click.echo(
        f"Asked for {made.access} access to {made.env_name}{_until(day)}: request {made.id}."
    )
    click.echo(
        f"Another admin decides it: keyledger access approve {made.id} (or deny it)", err=True
    )


def _request_json(r: Any) -> dict[str, object]:
    return {
        "id": r.id,
        "member": r.handle,
        "env": r.env_name,
        "access": r.access,
        "until": r.until,
        "reason": r.reason,
        "status": r.status,
        "requested_at": r.requested_at,
        "decided_by": r.decided_by or None,
        "decided_at": r.decided_at,
        "decision_reason": r.decision_reason or None,
    }


def _status(r: Any) -> str:
    if r.status == "open":
        return "open"
    text = f"{r.status} by {r.decided_by} {local_day(r.decided_at)}"
    return f"{text}: {r.decision_reason}" if r.decision_reason else text


@access_.command("list")
@click.option("--all", "everything", is_flag=True, help="Also approved and denied requests.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(opts: Options, everything: bool, as_json: bool) -> None:
    """Open access requests, newest first (--all: decided ones too)."""
    from app.services.requests import list_requests

    vault = unlock(opts)
    try:
        found = list_requests(vault, None if everything else "open")
    finally:
        vault.lock()
    if as_json:
        emit_json([_request_json(r) for r in found])
        return
    table(
        [
            [
                r.id,
                r.handle,
                access_text(r.env_name, r.access, r.until),
                local_day(r.requested_at),
                r.reason,
                _status(r),
            ]
            for r in found
        ],
        ["ID", "MEMBER", "ACCESS", "ASKED", "REASON", "STATUS"],
    )


@access_.command()
@click.argument("ident", metavar="ID")
@totp_option
@click.pass_obj
def approve(opts: Options, ident: str, totp_code: str | None) -> None:
    """Admin: approve someone else's request (ID or its first characters)."""
    from app.services.requests import approve_request

    vault = unlock(opts)
    try:
        given = with_step_up(vault, totp_code, lambda: approve_request(vault, ident))
    finally:
        vault.lock()
    click.echo(
        f"Approved: {given.handle} has {access_text(given.env_name, given.access, given.until)}."
    )


@access_.command()
@click.argument("ident", metavar="ID")
@click.option("--reason", required=True, help="Why not (the requester and the auditor read it).")
@click.pass_obj
def deny(opts: Options, ident: str, reason: str) -> None:
    """Admin: deny someone else's request (ID or its first characters)."""
    from app.services.requests import deny_request

    vault = unlock(opts)
    try:
        denied = deny_request(vault, ident, reason)
    finally:
        vault.lock()
    click.echo(f"Denied {denied.handle}'s request for {denied.access} access to {denied.env_name}.")
