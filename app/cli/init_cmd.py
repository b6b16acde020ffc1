"""`keyledger init`: create a team vault and show the owner's Emergency Kit once."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.context import Options, read_passphrase


@click.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", required=True, help="The vault's display name, e.g. 'Acme AI'.")
@click.option("--member", "handle", required=True, help="Your member name, e.g. alice.")
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
def init(
    opts: Options, path: Path, name: str, handle: str, kdf_seconds: float, kit_file: Path | None
) -> None:
    """Create a team vault at PATH with dev, staging and prod."""
    from app.cli.kit import check_kit_file, keep_secret_key
    from app.services.create import check_handle, check_passphrase, create_vault

    check_handle(handle)
    check_kit_file(kit_file)
    passphrase = read_passphrase(opts, confirm=True)
    check_passphrase(passphrase)
    vault, key = create_vault(path, name, handle, passphrase, kdf_seconds=kdf_seconds)
    try:
        saved = keep_secret_key(
            vault.name, path, handle, (vault.vault_id, vault.member.id), key, kit_file
        )
        click.echo(
            f"\nCreated {path} with dev, staging and prod. Secret Key saved to {saved}.", err=True
        )
    finally:
        vault.lock()
