"""Entry point: `keyledger [--vault PATH] [--as NAME] COMMAND …`."""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
from pathlib import Path

import click

from app import __version__
from app.cli.context import Options, fail
from app.core.errors import IntegrityFailure, KeyLedgerError

EXIT_CODES = """\b
Exit codes:
  0  ok
  1  error (not found, already exists, …)
  2  usage (bad option or input)
  3  authentication failed (passphrase, Secret Key)
  4  not permitted (no access, step-up needed)
  5  integrity (tampered, corrupt, rolled back, unknown format, a copy that cannot merge)
  6  locked out"""


# Command groups are imported when used: `keyledger secret list` need not load the evidence
# pack's code (each module imported up front cost a few ms of every invocation).
_LAZY = {
    "init": ("app.cli.init_cmd", "init"),
    "env": ("app.cli.env_cmd", "env"),
    "secret": ("app.cli.secret_cmd", "secret"),
    "import": ("app.cli.secret_cmd", "import_"),
    "run": ("app.cli.run_cmd", "run"),
    "verify": ("app.cli.audit_cmd", "verify"),
    "audit": ("app.cli.audit_cmd", "audit"),
    "totp": ("app.cli.totp_cmd", "totp"),
    "rotation": ("app.cli.rotation_cmd", "rotation"),
    "evidence": ("app.cli.evidence_cmd", "evidence"),
    "member": ("app.cli.member_cmd", "member"),
    "join": ("app.cli.join_cmd", "join"),
    "grant": ("app.cli.access_cmd", "grant"),
    "revoke": ("app.cli.access_cmd", "revoke"),
    "access": ("app.cli.access_cmd", "access_"),
    "review": ("app.cli.review_cmd", "review"),
    "merge": ("app.cli.merge_cmd", "merge"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY:
            module, attr = _LAZY[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup,
    epilog=EXIT_CODES,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="keyledger")
@click.option(
    "--self-test",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda _ctx, _param, value: _self_test() if value else None,
    help="Check this installation offscreen on the demo vault (unlock, copy, lock) and exit.",
)
@click.option(
    "--vault",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="KEYLEDGER_VAULT",
    help="The team vault file (or KEYLEDGER_VAULT).",
)
@click.option(
    "--as",
    "member",
    envvar="KEYLEDGER_MEMBER",
    metavar="NAME",
    help="Who you are in the vault (or KEYLEDGER_MEMBER).",
)
@click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the passphrase from the first line of this file.",
)
@click.option(
    "--secret-key-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Your Secret Key, where no OS keychain holds it (or KEYLEDGER_SECRET_KEY_FILE).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    vault: Path | None,
    member: str | None,
    passphrase_file: Path | None,
    secret_key_file: Path | None,
) -> None:
    """KeyLedger: the team key vault with a signed audit ledger.

    Without a command, opens the desktop console (on --vault if given).
    """
    ctx.obj = Options(vault, member, passphrase_file, secret_key_file)
    if ctx.invoked_subcommand is None:
        from app.ui.app import run

        sys.exit(run(vault))


def _self_test() -> None:
    from app.ui.self_test import run_self_test

    sys.exit(run_self_test())


@cli.command()
def demo() -> None:
    """Create the demo team vault (if needed) and open it in the console."""
    from app.ui.app import run

    sys.exit(run(demo=True))


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="keyledger", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("keyledger: cancelled", err=True)
        sys.exit(1)
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:  # one line, like every other error
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        click.echo(f"keyledger: {' '.join(exc.format_message().split())}{where}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyLedgerError as exc:
        fail(exc)
    except sqlite3.DatabaseError as exc:
        fail(IntegrityFailure(f"the vault file is damaged ({exc})"))
    except KeyboardInterrupt:
        click.echo("keyledger: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:
        click.echo(f"keyledger: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)
    except Exception as exc:  # an internal bug: one line unless asked for the traceback
        if os.environ.get("KEYLEDGER_DEBUG"):
            raise
        click.echo(
            f"keyledger: internal error ({exc.__class__.__name__}); rerun with"
            " KEYLEDGER_DEBUG=1 for details",
            err=True,
        )
        sys.exit(1)
