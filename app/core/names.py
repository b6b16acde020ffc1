"""Validation of user-chosen names. Each check returns the accepted name or raises ValueError."""

from __future__ import annotations

import re
import unicodedata

ENV_VAR_MAX = 128
SECRET_NAME_MAX = 200
ENV_NAME_MAX = 32

_ENV_VAR_CHAR = re.compile(r"[A-Za-z0-9_]")
_ENV_NAME = re.compile(r"[a-z][a-z0-9_\-]*")
# Bidi embeddings/overrides/isolates are format characters, not control characters, but they
# let a name display differently from what it is, which matters in a vault listing.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def env_var_problem(name: str) -> str | None:
    """Why `name` is not a portable variable name, or None if it is.

    The reason never repeats the name (at most one offending character), so a parser can report
    it for a line that may really be a pasted secret.
    """
    if not name:
        return "is empty"
    if len(name) > ENV_VAR_MAX:
        return f"is longer than {ENV_VAR_MAX} characters"
    for ch in name:
        if not (ch.isascii() and _ENV_VAR_CHAR.fullmatch(ch)):
            return f"contains {ch!r} (use only letters, digits and '_')"
    if name[0].isdigit():
        return "starts with a digit"
    return None


def check_env_var(name: str) -> str:
    problem = env_var_problem(name)
    if problem is None:
        return name
    # Empty and over-long names are not worth echoing back.
    subject = "variable name" if problem.startswith("is ") else f"variable name {name!r}"
    raise ValueError(f"{subject} {problem}")


def check_secret_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValueError("secret name is empty")
    if len(name) > SECRET_NAME_MAX:
        raise ValueError(f"secret name is longer than {SECRET_NAME_MAX} characters")
    for ch in name:
        # Zl/Zp are Unicode line breaks; a name must stay on one line.
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            raise ValueError(f"secret name contains a control character ({ch!r})")
        if ch in _BIDI:
            raise ValueError(f"secret name contains a text-direction character ({ch!r})")
    return name


def check_env_name(name: str) -> str:
    if not name:
        raise ValueError("environment name is empty")
    if len(name) > ENV_NAME_MAX:
        raise ValueError(f"environment name is longer than {ENV_NAME_MAX} characters")
    if not ("a" <= name[0] <= "z"):
        raise ValueError(f"environment name {name!r} must start with a lowercase letter")
    if not _ENV_NAME.fullmatch(name):
        raise ValueError(
            f"environment name {name!r} may only contain lowercase letters, digits, '-' and '_'"
        )
    return name


def suggest_env_var(name: str) -> str:
    # Fold accents ("Café" -> "Cafe") before dropping whatever is still not ASCII.
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z0-9]+", folded)
    suggestion = "_".join(words).upper()
    if not suggestion:
        return "SECRET"
    if suggestion[0].isdigit():
        suggestion = "_" + suggestion
    return suggestion[:ENV_VAR_MAX]
