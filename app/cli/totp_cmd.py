"""`keyledger totp enroll|status|reset`: the authenticator app behind production step-up."""

from __future__ import annotations

import io
import sys

import click

from app.cli.context import Options, emit_json, table, unlock


@click.group()
def totp() -> None:
    """TOTP step-up for environments that ask for it (prod by default)."""


def _print_recovery(codes: list[str]) -> None:
    click.echo("Recovery codes (each works once; store them offline, they are not shown again):")
    for code in codes:
        click.echo(f"  {code}")


@totp.command()
@click.option("--confirm", "code", metavar="CODE", help="Finish enrolling with a first code.")
@click.pass_obj
def enroll(opts: Options, code: str | None) -> None:
    """Enroll your authenticator app: prints the otpauth:// URI and a QR code."""
    import segno

    from app.services import stepup

    vault = unlock(opts)
    try:
        pending = stepup.pending_enrollment(vault)
        if code is not None:
            _print_recovery(stepup.confirm_enrollment(vault, code))
            click.echo("Enrolled.", err=True)
            return
        if pending is None:
            pending = stepup.begin_enrollment(vault)
        qr = io.StringIO()
        segno.make(pending.uri, error="m").terminal(out=qr, compact=True)
        click.echo(qr.getvalue())
        click.echo(f"URI:  {pending.uri}")
        click.echo(f"Seed: {pending.seed_text}")
        if sys.stdin.isatty():
            first = click.prompt("Code from your authenticator app", err=True)
            _print_recovery(stepup.confirm_enrollment(vault, first))
            click.echo("Enrolled.", err=True)
        else:
            click.echo("Scan the code, then run: keyledger totp enroll --confirm CODE", err=True)
    finally:
        vault.lock()


@totp.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(opts: Options, as_json: bool) -> None:
    """Who is enrolled, failures and lockouts."""
    from app.services import stepup

    vault = unlock(opts)
    try:
        members = vault.conn.execute(
            "SELECT id, handle FROM members WHERE status = 'active' ORDER BY handle"
        ).fetchall()
        rows = []
        now = vault.clock.now()
        for member_id, handle in members:
            st = stepup.state(vault, member_id)
            wait = int(st.throttle.wait(now).total_seconds()) if st else 0
            rows.append(
                {
                    "member": handle,
                    "status": st.status if st else "not enrolled",
                    "failures": st.throttle.failures if st else 0,
                    "locked_out": bool(st and st.throttle.locked_out),
                    "wait_s": wait,
                    "recovery_codes_left": st.recovery_left if st and st.usable else 0,
                }
            )
    finally:
        vault.lock()
    if as_json:
        emit_json(rows)
        return
    table(
        [
            [
                r["member"],
                r["status"],
                str(r["failures"]),
                "yes" if r["locked_out"] else "no",
                str(r["recovery_codes_left"]),
            ]
            for r in rows
        ],
        ["MEMBER", "STATUS", "FAILURES", "LOCKED", "RECOVERY LEFT"],
    )


@totp.command()
@click.argument("name")
@click.pass_obj
def reset(opts: Options, name: str) -> None:
    """Admin: remove another member's enrollment and lockout; they enroll again."""
    from app.services import stepup

    vault = unlock(opts)
    try:
        stepup.reset(vault, name)
    finally:
        vault.lock()
    click.echo(f"Reset {name}'s step-up; they must enroll again.")
