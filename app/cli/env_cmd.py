"""`keyledger env list|add|policy`."""

from __future__ import annotations

import click

from app.cli.context import Options, emit_json, step_up_if_needed, table, totp_option, unlock
from app.core.model import Environment
from app.core.policy import REVIEW_CADENCES, STEP_UP_MODES


def env_json(env: Environment) -> dict[str, object]:
    return {
        "name": env.name,
        "secrets": env.secret_count,
        "access": env.readable,
        "policy": env.policy.to_dict(),
    }


def _print(envs: list[Environment], as_json: bool) -> None:
    if as_json:
        emit_json([env_json(e) for e in envs])
        return
    rows = [
        [
            e.name,
            str(e.secret_count),
            e.policy.step_up,
            f"{e.policy.step_up_window_s // 60} min",
            f"{e.policy.clipboard_s} s",
            f"{e.policy.rotation_days} d",
            e.policy.review,
            "yes" if e.readable else "no",
        ]
        for e in envs
    ]
    table(
        rows, ["ENV", "SECRETS", "STEP-UP", "WINDOW", "CLIPBOARD", "ROTATION", "REVIEW", "ACCESS"]
    )


@click.group()
def env() -> None:
    """Environments (sections of the vault) and their policies."""


@env.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(opts: Options, as_json: bool) -> None:
    """List environments with their policies."""
    from app.services.environments import list_environments

    vault = unlock(opts)
    try:
        _print(list_environments(vault), as_json)
    finally:
        vault.lock()


@env.command("add")
@click.argument("name")
@click.pass_obj
def add(opts: Options, name: str) -> None:
    """Add an environment (you get its key; grant others later)."""
    from app.services.environments import add_environment

    vault = unlock(opts)
    try:
        created = add_environment(vault, name)
        click.echo(f"Added environment {created.name}.")
    finally:
        vault.lock()


@env.command("policy")
@click.argument("name")
@click.option("--step-up", type=click.Choice(STEP_UP_MODES), help="Step-up before reading keys.")
@click.option("--window", "step_up_window_s", type=int, help="Step-up window in seconds.")
@click.option("--clipboard", "clipboard_s", type=int, help="Clipboard clear timeout in seconds.")
@click.option("--rotation-days", type=int, help="Default rotation period of its keys.")
@click.option("--review", type=click.Choice(list(REVIEW_CADENCES)), help="Access-review cadence.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@totp_option
@click.pass_obj
def policy(
    opts: Options, name: str, as_json: bool, totp_code: str | None, **changes: object
) -> None:
    """Show or change an environment's policy (a step-up one asks for a code to change)."""
    from app.services.environments import find_environment, set_policy

    vault = unlock(opts)
    try:
        if any(v is not None for v in changes.values()):
            find_environment(vault, name).policy.with_changes(**changes)  # bad values first
            step_up_if_needed(vault, name, totp_code)
            updated = set_policy(vault, name, **changes)
        else:
            updated = find_environment(vault, name)
        _print([updated], as_json)
    finally:
        vault.lock()
