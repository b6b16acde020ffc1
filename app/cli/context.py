"""What every command shares: the vault path, who you are, unlocking, and error reporting."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from app.core.errors import AuthFailed, InvalidInput, KeyLedgerError


@dataclass
class Options:
    vault: Path | None
    member: str | None
    passphrase_file: Path | None
    secret_key_file: Path | None

    def vault_path(self) -> Path:
        if self.vault is None:
            raise InvalidInput("no vault given: pass --vault PATH or set KEYLEDGER_VAULT")
        return self.vault


def fail(error: KeyLedgerError) -> NoReturn:
    click.echo(f"keyledger: {' '.join(str(error).split())}", err=True)
    sys.exit(error.exit_code)


def read_passphrase(opts: Options, *, confirm: bool = False) -> str:
    if opts.passphrase_file is not None:
        try:
            lines = opts.passphrase_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InvalidInput(f"cannot read {opts.passphrase_file}: {exc.strerror}") from None
        if not lines or not lines[0]:
            raise InvalidInput(f"{opts.passphrase_file} is empty")
        return lines[0]
    env = os.environ.get("KEYLEDGER_PASSPHRASE")
    if env:
        return env
    if sys.stdin.isatty():
        text: str = click.prompt(
            "Passphrase", hide_input=True, confirmation_prompt=confirm, err=True
        )
        return text
    raise InvalidInput(
        "no passphrase: run in a terminal, or use --passphrase-file or KEYLEDGER_PASSPHRASE"
    )


def read_value(prompt: str = "Value") -> str:
    """A secret value from stdin (one trailing newline dropped) or a hidden prompt."""
    if sys.stdin.isatty():
        text: str = click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True)
        return text
    data = sys.stdin.read()
    if data.endswith("\r\n"):
        return data[:-2]
    return data[:-1] if data.endswith("\n") else data


def secret_key_from(opts: Options) -> bytes | None:
    from app.services import keychain

    path = opts.secret_key_file or os.environ.get("KEYLEDGER_SECRET_KEY_FILE")
    if path:
        return keychain.read_secret_key_file(Path(path))
    return None


def unlock(opts: Options, meanwhile: Callable[[Any], None] | None = None) -> Any:
    """The vault unlocked; `meanwhile` runs while Argon2 derives the key (Vault.unlock)."""
    from app.services.vault import Vault

    path = opts.vault_path()
    passphrase = read_passphrase(opts)
    secret_key = secret_key_from(opts)
    if secret_key is None and sys.stdin.isatty():
        from app.services import keychain, sync

        vault_id, _ = sync.read_identity(path)
        if not keychain.available():
            from app.crypto import secretkey

            text = click.prompt("Secret Key (KL1-…)", hide_input=True, err=True)
            try:
                secret_key = secretkey.parse(text)
            except secretkey.SecretKeyFormatError as exc:
                raise AuthFailed(str(exc)) from None
    vault = Vault.unlock(path, opts.member, passphrase, secret_key, meanwhile=meanwhile)
    if vault.merge_problem:
        click.echo(f"keyledger: warning: {vault.merge_problem}", err=True)
        click.echo(
            "keyledger: both copies are kept; writes wait until they can merge. To go on from"
            " the shared file, run `keyledger merge --set-aside-mine` (this laptop's changes"
            " are kept in a file beside the vault).",
            err=True,
        )
    elif vault.unlock_merge is not None:  # the shared file and this laptop's copy diverged
        from app.services.merge_story import story

        click.echo("keyledger: merged this laptop's changes with the shared file's.", err=True)
        for line in story(vault, vault.unlock_merge.resolved):
            click.echo(f"keyledger:   - {line}.", err=True)
    if vault.member.role in ("owner", "admin"):
        try:
            expire_grants(vault)
        except BaseException:
            vault.lock()
            raise
    return vault


def expire_grants(vault: Any) -> None:
    """Grants past their end date end when an admin unlocks; each revocation is one line."""
    from app.services import access
    from app.services.commits import PublishFailed

    try:
        revoked = access.expire_grants(vault)
    except PublishFailed as exc:  # in the working copy already; published on the next open
        click.echo(f"keyledger: warning: ending expired grants: {exc}", err=True)
        return
    for done in revoked:
        flagged = len(done.flagged)
        click.echo(
            f"keyledger: {done.handle}'s access to {', '.join(done.environments)} had ended:"
            f" revoked and re-keyed, {flagged} {'key' if flagged == 1 else 'keys'} flagged"
            " rotation required",
            err=True,
        )


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(map(len, column)) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    text = "\n".join(line.format(*row).rstrip() for row in [headers, *rows])
    click.echo(text)  # one write: echoing 100k rows one by one costs 0.8 s


def totp_option(fn: Any) -> Any:
    """`--totp CODE` for commands that open a step-up environment's keys."""
    return click.option(
        "--totp",
        "totp_code",
        metavar="CODE",
        help="TOTP code, when the environment asks for step-up.",
    )(fn)


def step_up_if_needed(vault: Any, env_name: str, code: str | None) -> None:
    """Open a step-up environment with a code from --totp or a prompt; exit 4 without one."""
    from app.core.errors import NotPermitted
    from app.services import stepup
    from app.services.environments import find_environment

    env = find_environment(vault, env_name)
    if not vault.needs_step_up(env.id) or vault.step_up_remaining(env.id):
        return
    if not code and sys.stdin.isatty():
        code = click.prompt(f"TOTP code for {env.name}", err=True)
    if not code:
        raise NotPermitted(f"{env.name} needs a TOTP code: pass --totp CODE")
    stepup.step_up(vault, env, code)
