"""`keyledger secret …` and `keyledger import`."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.context import (
    Options,
    emit_json,
    read_value,
    step_up_if_needed,
    table,
    totp_option,
    unlock,
)
from app.core.errors import InvalidInput
from app.core.generate import DEFAULT_LENGTH, MAX_LENGTH, MIN_LENGTH
from app.core.model import Secret
from app.core.rotation import ROTATE_REASONS


def secret_json(s: Secret) -> dict[str, object]:
    m = s.meta
    return {
        "env": s.env_name,
        "name": m.name,
        "env_var": m.env_var,
        "provider": m.provider,
        "owner": m.owner,
        "tags": list(m.tags),
        "notes": m.notes,
        "version": s.version,
        "rotation_days": s.rotation_days,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "rotated_at": s.rotated_at,
    }


@click.group()
def secret() -> None:
    """Keys and other secrets, by environment."""


@secret.command("add")
@click.argument("env")
@click.argument("name")
@click.option("--env-var", help="Variable name for `run` (default: from provider or name).")
@click.option("--provider", help="Provider id (default: recognised from the value).")
@click.option("--owner", default="", help="Who is responsible for this key.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.option("--notes", default="", help="Free text (stored encrypted).")
@click.option("--rotation-days", type=int, help="Rotation period (default: the environment's).")
@totp_option
@click.pass_obj
def add(opts: Options, env: str, name: str, totp_code: str | None, **fields: object) -> None:
    """Add a secret; the value is read from stdin or a hidden prompt, never from arguments."""
    from app.services.secrets import add_secret

    value = read_value()
    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env, totp_code)
        created = add_secret(vault, env, name, value, **fields)
        provider = f" ({created.meta.provider})" if created.meta.provider else ""
        click.echo(
            f"Added {created.name}{provider} to {created.env_name} as ${created.meta.env_var}."
        )
    finally:
        vault.lock()


@secret.command("list")
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(opts: Options, env_name: str | None, as_json: bool) -> None:
    """List secrets (never their values)."""
    from app.services.secrets import list_secrets

    vault = unlock(opts)
    try:
        found = list_secrets(vault, env_name)
    finally:
        vault.lock()
    if as_json:
        emit_json([secret_json(s) for s in found])
        return
    table(
        [
            [
                s.env_name,
                s.name,
                s.meta.env_var,
                s.meta.provider or "-",
                s.meta.owner or "-",
                str(s.version),
                s.rotated_at[:10],
            ]
            for s in found
        ],
        ["ENV", "NAME", "ENV VAR", "PROVIDER", "OWNER", "VERSION", "ROTATED"],
    )


@secret.command("show")
@click.argument("env")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def show(opts: Options, env: str, name: str, as_json: bool) -> None:
    """Show a secret's metadata and its fingerprint (not its value)."""
    from app.services.secrets import find_secret, history

    vault = unlock(opts)
    try:
        found = find_secret(vault, env, name)
        current = history(vault, env, name)[0]
    finally:
        vault.lock()
    data = secret_json(found)
    data["fingerprint"] = current.fingerprint
    if as_json:
        emit_json(data)
        return
    for key in (
        "env",
        "name",
        "env_var",
        "provider",
        "owner",
        "tags",
        "version",
        "fingerprint",
        "rotation_days",
        "created_at",
        "rotated_at",
        "notes",
    ):
        value = data[key]
        text = ", ".join(value) if isinstance(value, list) else str(value)  # type: ignore[arg-type]
        click.echo(f"{key.replace('_', ' '):>14}: {text}")


@secret.command("get")
@click.argument("env")
@click.argument("name")
@click.option("--version", "version", type=int, help="An older version from the history.")
@totp_option
@click.pass_obj
def get(opts: Options, env: str, name: str, version: int | None, totp_code: str | None) -> None:
    """Print a secret's value to stdout (recorded in the ledger)."""
    from app.services.secrets import reveal

    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env, totp_code)
        value = reveal(vault, env, name, channel="get", version=version)
    finally:
        vault.lock()
    click.echo(value)


@secret.command("copy")
@click.argument("env")
@click.argument("name")
@click.option(
    "--timeout",
    type=click.IntRange(1, 600),
    help="Seconds before clearing (default: the environment's policy).",
)
@totp_option
@click.pass_obj
def copy(opts: Options, env: str, name: str, timeout: int | None, totp_code: str | None) -> None:
    """Copy a value to the clipboard and clear it after the policy's timeout."""
    from app.services import clipboard
    from app.services.environments import find_environment
    from app.services.secrets import reveal

    board = clipboard.detect()
    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env, totp_code)
        wait = timeout or find_environment(vault, env).policy.clipboard_s
        value = reveal(vault, env, name, channel="copy")
    finally:
        vault.lock()
    board.copy(value)
    click.echo(f"Copied {name} ({board.name}); clearing in {wait} s — Ctrl+C clears now.", err=True)
    cleared = clipboard.hold_then_clear(board, value, wait)
    click.echo(
        "Clipboard cleared." if cleared else "Clipboard left alone: it holds something else now.",
        err=True,
    )


@secret.command("update")
@click.argument("env")
@click.argument("name")
@click.option("--rename", "new_name", help="A new name.")
@click.option("--env-var", help="A new variable name.")
@click.option("--provider", help="Provider id.")
@click.option("--owner", help="Owner.")
@click.option("--tag", "tags", multiple=True, help="Replace the tags (repeatable).")
@click.option("--notes", help="Replace the notes.")
@click.option(
    "--rotation-days", type=int, help="Rotation period in days (0: the environment's period)."
)
@totp_option
@click.pass_obj
def update(
    opts: Options,
    env: str,
    name: str,
    new_name: str | None,
    tags: tuple[str, ...],
    totp_code: str | None,
    **changes: object,
) -> None:
    """Change a secret's metadata (use `rotate` for a new value)."""
    from app.services.secrets import update_secret

    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env, totp_code)
        updated = update_secret(vault, env, name, new_name=new_name, tags=tags or None, **changes)
        click.echo(f"Updated {updated.name} in {updated.env_name}.")
    finally:
        vault.lock()


@secret.command("rotate")
@click.argument("env")
@click.argument("name")
@click.option(
    "--reason", required=True, type=click.Choice(ROTATE_REASONS), help="Why the key changes."
)
@click.option("--ticket", default="", help="A ticket or change reference.")
@click.option(
    "--generate",
    is_flag=True,
    help="Store a new random value instead of reading one (not for provider keys).",
)
@click.option(
    "--length",
    type=click.IntRange(MIN_LENGTH, MAX_LENGTH),
    help=f"Length of a generated value (default {DEFAULT_LENGTH}).",
)
@totp_option
@click.pass_obj
def rotate(
    opts: Options,
    env: str,
    name: str,
    reason: str,
    ticket: str,
    generate: bool,
    length: int | None,
    totp_code: str | None,
) -> None:
    """Store a new value (from stdin, a prompt or --generate); the old one stays in the history."""
    from app.core.rotation import issuer
    from app.services.rotation import generated_value
    from app.services.secrets import find_secret, history, rotate_secret

    if length is not None and not generate:
        raise InvalidInput("--length goes with --generate")
    value = None if generate else read_value("New value")
    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env, totp_code)
        current = find_secret(vault, env, name)
        if value is None:
            value = generated_value(current, length or DEFAULT_LENGTH)
        rotated = rotate_secret(vault, env, name, value, reason, ticket)
        fingerprint = history(vault, env, name)[0].fingerprint
    finally:
        vault.lock()
    click.echo(
        f"Rotated {rotated.name} in {rotated.env_name}: now version {rotated.version},"
        f" fingerprint {fingerprint}."
    )
    if generate:
        click.echo(f"Generated {len(value)} characters; `keyledger secret get` shows the value.")
    provider = issuer(rotated)
    if provider is not None and provider.console_url:
        click.echo(f"Revoke the old key in the {provider.name} console: {provider.console_url}")


@secret.command("history")
@click.argument("env")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def history_(opts: Options, env: str, name: str, as_json: bool) -> None:
    """A secret's versions: when, by whom, why, and fingerprints."""
    from app.services.secrets import history

    vault = unlock(opts)
    try:
        versions = history(vault, env, name)
    finally:
        vault.lock()
    if as_json:
        emit_json([v.__dict__ for v in versions])
        return
    table(
        [
            [
                str(v.version) + (" *" if v.current else ""),
                v.created_at[:19].replace("T", " "),
                v.author,
                v.reason,
                v.ticket or "-",
                v.fingerprint,
            ]
            for v in versions
        ],
        ["VERSION", "WHEN (UTC)", "BY", "REASON", "TICKET", "FINGERPRINT"],
    )


@secret.command("delete")
@click.argument("env")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@totp_option
@click.pass_obj
def delete(opts: Options, env: str, name: str, yes: bool, totp_code: str | None) -> None:
    """Delete a secret (its history stays in the ledger, encrypted)."""
    from app.services.secrets import delete_secret

    if not yes:
        click.confirm(f"Delete {name} from {env}?", abort=True, err=True)
    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env, totp_code)
        delete_secret(vault, env, name)
        click.echo(f"Deleted {name} from {env}.")
    finally:
        vault.lock()


@click.command("import")
@click.option("--env", "env_name", required=True, help="The environment to import into.")
@click.option(
    "--on-conflict",
    type=click.Choice(["fail", "skip", "update"]),
    default="fail",
    show_default=True,
    help="What to do with variables that already exist.",
)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@totp_option
@click.pass_obj
def import_(
    opts: Options, env_name: str, on_conflict: str, file: Path, totp_code: str | None
) -> None:
    """Import a .env file as secrets, all in one commit."""
    from app.core.dotenv import DotenvError, parse_dotenv
    from app.core.errors import InvalidInput
    from app.services.secrets import import_dotenv

    try:
        pairs = parse_dotenv(file.read_text(encoding="utf-8"))
    except DotenvError as exc:
        raise InvalidInput(f"{file.name}: {exc}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{file.name} is not UTF-8 text") from None
    if not pairs:
        raise InvalidInput(f"{file.name} defines no variables")
    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env_name, totp_code)
        counts = import_dotenv(vault, env_name, pairs, on_conflict)
    finally:
        vault.lock()
    click.echo(
        f"Imported {file.name} into {env_name}: {counts['added']} added,"
        f" {counts['updated']} updated, {counts['skipped']} skipped."
    )
