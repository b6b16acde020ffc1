"""Errors a user can meet, each with the exit code the CLI documents.

Messages are one line, name what is wrong and what to do, and never contain a secret value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_PERMITTED = 4
EXIT_INTEGRITY = 5
EXIT_LOCKED_OUT = 6


class KeyLedgerError(Exception):
    exit_code = EXIT_ERROR


class NotFound(KeyLedgerError):
    pass


class Conflict(KeyLedgerError):
    pass


class InvalidInput(KeyLedgerError):
    exit_code = EXIT_USAGE


class AuthFailed(KeyLedgerError):
    exit_code = EXIT_AUTH


class NotPermitted(KeyLedgerError):
    exit_code = EXIT_NOT_PERMITTED


class IntegrityFailure(KeyLedgerError):
    exit_code = EXIT_INTEGRITY


class LockedOut(KeyLedgerError):
    exit_code = EXIT_LOCKED_OUT


class Cancelled(KeyLedgerError):
    """Long work stopped at the user's request; nothing was written."""

    def __init__(self, message: str = "cancelled; nothing was written") -> None:
        super().__init__(message)


def checked(check: Callable[[T], T], value: T) -> T:
    """Run a validator that raises ValueError; report its message as a usage error."""
    try:
        return check(value)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
