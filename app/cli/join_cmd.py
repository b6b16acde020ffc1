"""`keyledger join`: a teammate joins with an invite code, on their own laptop."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.cli.context import Options, read_passphrase
from app.core.errors import InvalidInput


@click.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--invite",
    "code",
    metavar="CODE",
    help="The invite code an admin sent you (asked for in a terminal if left out).",
)
@click.option("--name", "handle", help="Your member name (the one you were invited as).")
@click.option(
    "--kdf-seconds",
    type=click.FloatRange(0, 5),
    default=0.5,
    show_default=True,
    help="Target time of Argon2id at unlock (never below 64 MiB, t=3, p=4).",
)
@click.option(
    "--secret-key-file",
    "kit_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the Secret Key to this new file (needed where no keychain exists).",
)
@click.pass_obj
def join(
    opts: Options,
    path: Path,
    code: str | None,
    handle: str | None,
    kdf_seconds: float,
    kit_file: Path | None,
) -> None:
    """Join the team vault at PATH: your own passphrase and Secret Key; an admin approves."""
    from app.cli.kit import check_kit_file, keep_secret_key
    from app.services import team
    from app.services.create import check_handle

    if code is None:
        if not sys.stdin.isatty():
            raise InvalidInput("pass --invite CODE with the code an admin sent you")
        code = click.prompt("Invite code", hide_input=True, err=True)
    team.parse_code(code)  # a mistyped code fails before the passphrase is asked
    if handle is not None:
        handle = check_handle(handle)
    check_kit_file(kit_file)
    passphrase = read_passphrase(opts, confirm=True)
    joined = team.join(path, code, handle, passphrase, kdf_seconds=kdf_seconds)
    saved = keep_secret_key(
        joined.vault_name,
        path,
        joined.handle,
        (joined.vault_id, joined.member_id),
        joined.secret_key,
        kit_file,
    )
    click.echo(
        f"\nJoined {joined.vault_name} as {joined.handle} ({joined.role}). Read this fingerprint"
        " to the admin who invited you, over a channel you trust (a call, in person):"
    )
    click.echo(f"\n    {joined.fingerprint}\n")
    click.echo(
        f"An admin must approve you (keyledger member approve {joined.handle}) before you can"
        " open the vault."
    )
    click.echo(f"Secret Key saved to {saved}.", err=True)
