"""`keyledger member invite|list|approve|remove|uninvite`: who is on the team.

Dates are shown on this computer's calendar; instants in JSON are UTC.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click

from app.cli.context import Options, emit_json, table, totp_option, unlock
from app.cli.team_shared import access_text, echo_revoked, local_day, local_minute, with_step_up
from app.core.errors import AuthFailed, InvalidInput
from app.core.team_rules import INVITE_ROLES


@click.group()
def member() -> None:
    """The team: invite teammates, approve their joins, list and remove members."""


@member.command()
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(INVITE_ROLES), help="Their role.")
@click.option(
    "--grant",
    "grants",
    multiple=True,
    metavar="ENV:read|write",
    help="An environment they get once approved (repeatable).",
)
@click.option(
    "--days",
    type=click.IntRange(1, 30),
    default=7,
    show_default=True,
    help="How long the code works.",
)
@click.pass_obj
def invite(opts: Options, name: str, role: str, grants: tuple[str, ...], days: int) -> None:
    """Admin: invite a teammate; prints a one-time code to send them."""
    from app.services import team

    vault = unlock(opts)
    try:
        made, code = team.invite(vault, name, role, team.parse_grants(vault, list(grants)), days)
        path = shlex.quote(str(opts.vault_path()))
    finally:
        vault.lock()
    access = ", ".join(access_text(env, a, None) for env, a in made.grants) or "no environment"
    click.echo(f"Invited {made.handle} as {made.role} with {access}.")
    click.echo(f"One-time invite code (works once, until {local_minute(made.expires)} local):")
    click.echo(f"\n    {code}\n")
    click.echo(
        f"Send it to {made.handle} over a channel you trust (in person, a call, a messenger you"
        " have verified), not beside the vault file. With their copy of the vault file, they run:"
    )
    click.echo(f"\n    keyledger join {path} --invite {code} --name {made.handle}\n")
    click.echo(
        f"Then they read you their key fingerprint; compare it and run: keyledger member approve"
        f" {made.handle}"
    )


def _member_json(m: Any, grants: list[Any]) -> dict[str, object]:
    return {
        "name": m.handle,
        "role": m.role,
        "status": m.status,
        "fingerprint": m.fingerprint,
        "totp": m.totp or None,
        "last_activity": m.last_activity,
        "grants": [
            {
                "env": g.env_name,
                "access": g.access,
                "until": g.until,
                "granted_by": g.granted_by,
                "granted_at": g.granted_at,
                "request": g.request,
            }
            for g in grants
            if g.member_id == m.id
        ],
    }


def _invite_json(i: Any) -> dict[str, object]:
    return {
        "name": i.handle,
        "role": i.role,
        "grants": [{"env": env, "access": a} for env, a in i.grants],
        "expires": i.expires,
        "status": i.status,
        "invited_by": i.created_by,
        "invited_at": i.created_at,
    }


@member.command("list")
@click.option("--all", "everyone", is_flag=True, help="Also removed members and past invites.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(opts: Options, everyone: bool, as_json: bool) -> None:
    """Members with role, status, fingerprint, TOTP, last activity and grants; open invites."""
    from app.services import team

    vault = unlock(opts)
    try:
        members = team.list_members(vault, include_removed=everyone)
        grants = team.list_grants(vault)
        invites = [i for i in team.list_invites(vault) if everyone or i.status == "open"]
    finally:
        vault.lock()
    if as_json:
        emit_json(
            {
                "members": [_member_json(m, grants) for m in members],
                "invites": [_invite_json(i) for i in invites],
            }
        )
        return
    rows = []
    for m in members:
        held = [access_text(g.env_name, g.access, g.until) for g in grants if g.member_id == m.id]
        rows.append(
            [
                m.handle,
                m.role,
                m.status,
                m.fingerprint,
                m.totp or "no",
                local_minute(m.last_activity),
                ", ".join(held) or "-",
            ]
        )
    table(rows, ["NAME", "ROLE", "STATUS", "FINGERPRINT", "TOTP", "LAST ACTIVE", "ACCESS"])
    if invites:
        click.echo()
        table(
            [
                [
                    i.handle,
                    i.role,
                    i.status,
                    local_day(i.expires),
                    i.created_by,
                    ", ".join(access_text(env, a, None) for env, a in i.grants) or "-",
                ]
                for i in invites
            ],
            ["INVITED", "ROLE", "STATUS", "EXPIRES", "BY", "ACCESS"],
        )


def _confirmed_fingerprint(name: str, fingerprint: str) -> str:
    click.echo(
        f"{name} joined with this key fingerprint:\n\n    {fingerprint}\n\nAsk {name} to read"
        " out the fingerprint `keyledger join` showed them, over a channel you trust (a call,"
        " in person).",
        err=True,
    )
    if not click.confirm("Does it match theirs exactly?", default=False, err=True):
        raise AuthFailed(
            f"not approved: the fingerprints differ, so this join may not be {name}'s; refuse it"
            f" with `keyledger member remove {name}`"
        )
    return fingerprint


@member.command()
@click.argument("name")
@click.option(
    "--fingerprint",
    metavar="FP",
    help="The fingerprint they read out (needed without a terminal).",
)
@totp_option
@click.pass_obj
def approve(opts: Options, name: str, fingerprint: str | None, totp_code: str | None) -> None:
    """Admin: let a teammate who joined in, after comparing key fingerprints out of band."""
    from app.services import team

    if fingerprint is None and not sys.stdin.isatty():
        raise InvalidInput(
            f"pass --fingerprint FP with the fingerprint {name} reads out to you (or run this in"
            " a terminal to compare it there)"
        )
    vault = unlock(opts)
    try:
        vault.require_admin()
        pending = team.find_member(vault, name, statuses=("pending",))
        if fingerprint is None:
            fingerprint = _confirmed_fingerprint(name, pending.fingerprint)
        checked = fingerprint
        approved = with_step_up(vault, totp_code, lambda: team.approve(vault, name, checked))
        held = [
            access_text(g.env_name, g.access, g.until)
            for g in team.list_grants(vault)
            if g.member_id == approved.id
        ]
    finally:
        vault.lock()
    opens = ", ".join(held) if held else "no environment yet (grant one with `keyledger grant`)"
    click.echo(f"Approved {approved.handle} as {approved.role}: they can open {opens}.")


@member.command()
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def remove(opts: Options, name: str, yes: bool) -> None:
    """Admin: remove a member (or refuse a pending join) and re-key what they could read."""
    from app.services import access, team

    vault = unlock(opts)
    try:
        vault.require_admin()
        target = team.find_member(vault, name, statuses=("active", "pending"))
        if not yes:
            _show_preview(name, target.status, access.preview(vault, name))
            click.confirm(f"Remove {name}?", abort=True, err=True)
        revoked = access.remove_member(vault, name)
    finally:
        vault.lock()
    if target.status == "pending":
        click.echo(f"Refused {name}'s join; they never held a key.")
        return
    echo_revoked(revoked, f"Removed {name}; the vault key is new, held by the remaining members.")


def _show_preview(name: str, status: str, flagged: list[tuple[str, str]]) -> None:
    if status == "pending":
        click.echo(f"{name} joined but was never approved: they hold no key.", err=True)
        return
    click.echo(
        f"Removing {name} re-keys the vault and every environment they could read.", err=True
    )
    if not flagged:
        click.echo("No key will need rotation: they could read no value.", err=True)
        return
    click.echo(f"These keys will be flagged rotation required ({len(flagged)}):", err=True)
    width = max(len(env) for env, _ in flagged)
    click.echo("\n".join(f"  {env:<{width}}  {secret}" for env, secret in flagged), err=True)


@member.command()
@click.argument("name")
@click.pass_obj
def uninvite(opts: Options, name: str) -> None:
    """Admin: cancel an open invite; its code stops working."""
    from app.services import team

    vault = unlock(opts)
    try:
        cancelled = team.cancel_invite(vault, name)
    finally:
        vault.lock()
    click.echo(f"Cancelled {cancelled.handle}'s invite; its code no longer works.")
