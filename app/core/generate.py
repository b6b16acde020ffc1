"""New values for secrets that are not provider keys (webhook secrets, internal tokens)."""

from __future__ import annotations

import secrets
import string

from app.core.errors import InvalidInput

ALPHABET = string.ascii_letters + string.digits
DEFAULT_LENGTH = 40  # 40 characters of 62 give 238 bits
MIN_LENGTH, MAX_LENGTH = 16, 256


def token(length: int = DEFAULT_LENGTH) -> str:
    """A random value from the OS's CSPRNG, letters and digits only (safe in .env files)."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise InvalidInput(f"length must be between {MIN_LENGTH} and {MAX_LENGTH}")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
