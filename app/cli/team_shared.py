"""What the team commands share: local dates, grants as text, revocations, step-up on demand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, TypeVar

import click

from app.cli.context import step_up_if_needed
from app.core.clock import local_zone, parse_iso

T = TypeVar("T")


def end_of_day(day: date) -> datetime:
    """`--until DATE`: the access lasts to the end of that day on this computer's calendar."""
    return datetime.combine(day, time.max, tzinfo=local_zone())


def local_day(stamp: str | None) -> str:
    return parse_iso(stamp).astimezone(local_zone()).date().isoformat() if stamp else "-"


def local_minute(stamp: str | None) -> str:
    return f"{parse_iso(stamp).astimezone(local_zone()):%Y-%m-%d %H:%M}" if stamp else "-"


def access_text(env_name: str, access: str, until: str | None) -> str:
    """`dev:read`, `prod:write until 2026-12-31` (the last day, local)."""
    return f"{env_name}:{access}" + (f" until {local_day(until)}" if until else "")


def count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def with_step_up(vault: Any, code: str | None, action: Callable[[], T]) -> T:
    """Run `action`; where it stops at a step-up environment's key, open that environment
    (--totp, else a prompt) and run it again. The service checks every rule before it reaches
    a key, so nobody spends a code on a change that is refused anyway. Nothing is written
    before the stop. A code works once, so a second environment asks for a new one."""
    from app.services.environments import list_environments
    from app.services.vault import StepUpRequired

    opened: set[str] = set()
    while True:
        try:
            return action()
        except StepUpRequired as exc:
            if exc.env_id in opened:
                raise
            name = next(e.name for e in list_environments(vault) if e.id == exc.env_id)
            step_up_if_needed(vault, name, None if opened else code)
            opened.add(exc.env_id)


def echo_revoked(revoked: Any, done: str) -> None:
    """What a revocation or removal did: the scopes re-keyed and every key now flagged."""
    envs = ", ".join(revoked.environments)
    click.echo(f"{done}" + (f" Re-keyed {envs}." if envs else ""))
    if revoked.flagged:
        click.echo(
            f"Rotation required ({revoked.handle} could read these values; only a new value at"
            " the provider shuts them out):"
        )
        width = max(len(env) for env, _ in revoked.flagged)
        for env, name in revoked.flagged:
            click.echo(f"  {env:<{width}}  {name}")
    if revoked.kept_inline:
        click.echo(
            f"keyledger: warning: {count(revoked.kept_inline, 'value', 'values')} written before"
            f" format 4 stay in the ledger's history under keys {revoked.handle} held; rotate"
            " them at the provider",
            err=True,
        )
