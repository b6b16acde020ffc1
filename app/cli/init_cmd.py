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
    from app.crypto import secretkey
    from app.services import keychain
    from app.services.create import check_handle, check_passphrase, create_vault, emergency_kit

    check_handle(handle)
    if kit_file is None and not keychain.available():
        raise keychain.NoKeychain(
            f"no OS keychain is available ({keychain.backend_name()}); pass --secret-key-file"
            " PATH to keep your Secret Key in a file of your choosing"
        )
    if kit_file is not None and kit_file.exists():
        raise click.BadParameter(f"{kit_file} already exists", param_hint="--secret-key-file")
    passphrase = read_passphrase(opts, confirm=True)
    check_passphrase(passphrase)
    vault, key = create_vault(path, name, handle, passphrase, kdf_seconds=kdf_seconds)
    try:
        text = secretkey.format_key(key)
        kit = emergency_kit(vault.name, path.resolve(), handle, text)
        click.echo(kit)  # first, so that a keychain failure below cannot lose the key
        where = []
        if kit_file is not None:
            keychain.write_secret_key_file(kit_file, kit + "\n")
            where.append(str(kit_file))
        if keychain.available():
            try:
                keychain.store_secret_key(vault.vault_id, vault.member.id, key)
                where.append("the OS keychain")
            except keychain.NoKeychain as exc:
                click.echo(f"keyledger: warning: {exc}", err=True)
        saved = " and ".join(where) or "nowhere: copy the Emergency Kit above now"
        click.echo(
            f"\nCreated {path} with dev, staging and prod. Secret Key saved to {saved}.", err=True
        )
    finally:
        vault.lock()
