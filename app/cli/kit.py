"""A new member's Secret Key (the owner at `init`, a teammate at `join`): shown once as an
Emergency Kit, then kept in the OS keychain and, when asked, in a file of the user's choosing."""

from __future__ import annotations

from pathlib import Path

import click


def check_kit_file(kit_file: Path | None) -> None:
    """Refuse before any key exists: no keychain and no file, or a file that is already there."""
    from app.services import keychain

    if kit_file is None and not keychain.available():
        raise keychain.NoKeychain(
            f"no OS keychain is available ({keychain.backend_name()}); pass --secret-key-file"
            " PATH to keep your Secret Key in a file of your choosing"
        )
    if kit_file is not None and kit_file.exists():
        raise click.BadParameter(f"{kit_file} already exists", param_hint="--secret-key-file")


def keep_secret_key(
    vault_name: str,
    path: Path,
    handle: str,
    ids: tuple[str, str],
    key: bytes,
    kit_file: Path | None,
) -> str:
    """Print the Emergency Kit, then save the key; returns where it went, for a closing line.

    `ids` is (vault id, member id), the keychain entry's name.
    """
    from app.crypto import secretkey
    from app.services import keychain
    from app.services.create import emergency_kit

    kit = emergency_kit(vault_name, path.resolve(), handle, secretkey.format_key(key))
    click.echo(kit)  # first, so that a keychain failure below cannot lose the key
    where = []
    if kit_file is not None:
        keychain.write_secret_key_file(kit_file, kit + "\n")
        where.append(str(kit_file))
    if keychain.available():
        try:
            keychain.store_secret_key(*ids, key)
            where.append("the OS keychain")
        except keychain.NoKeychain as exc:
            click.echo(f"keyledger: warning: {exc}", err=True)
    return " and ".join(where) or "nowhere: copy the Emergency Kit above now"
