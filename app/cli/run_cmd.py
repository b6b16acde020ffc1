"""`keyledger run --env ENV -- CMD …`: run a program with an environment's keys injected."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from app.cli.context import Options, step_up_if_needed, totp_option, unlock
from app.core.errors import InvalidInput


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--env", "env_name", required=True, help="The environment whose keys to inject.")
@totp_option
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@click.pass_obj
def run(opts: Options, env_name: str, command: tuple[str, ...], totp_code: str | None) -> None:
    """Run COMMAND with the environment's keys as variables; exits with its exit code."""
    from app.services.secrets import run_environment

    if not command:
        raise InvalidInput("nothing to run: keyledger run --env ENV -- COMMAND [ARGS…]")
    vault = unlock(opts)
    try:
        step_up_if_needed(vault, env_name, totp_code)
        values = run_environment(vault, env_name, command[0])
    finally:
        vault.lock()
    child_env = {k: v for k, v in os.environ.items() if k != "KEYLEDGER_PASSPHRASE"}
    child_env.update(values)
    try:
        done = subprocess.run(list(command), env=child_env, check=False)
    except FileNotFoundError:
        raise InvalidInput(f"{command[0]}: command not found") from None
    except PermissionError:
        raise InvalidInput(f"{command[0]}: permission denied") from None
    sys.exit(done.returncode if done.returncode >= 0 else 128 - done.returncode)
