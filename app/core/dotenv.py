"""A strict .env parser for importing keys.

Error messages name the line and the problem but never quote a value: the values are secrets
and messages end up in dialogs, logs and bug reports. An invalid variable name is not quoted
either, because a line without a real name is often a pasted secret ("abc+def==").
"""

from __future__ import annotations

import re

from app.core.names import env_var_problem

_EXPORT = re.compile(r"export\s+")
# An unquoted value's comment needs whitespace before "#", so "pa#ss" keeps its "#".
_INLINE_COMMENT = re.compile(r"\s#")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


class DotenvError(ValueError):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line


def _read_quoted(lines: list[str], row: int, text: str, quote: str) -> tuple[str, int, str]:
    """Read a quoted value starting just after its opening quote, across lines if needed.

    Returns the value, the row holding the closing quote and the text after it.
    """
    start = row
    out: list[str] = []
    while True:
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == quote:
                return "".join(out), row, text[i + 1 :]
            if ch == "\\" and quote == '"' and i + 1 < len(text):
                nxt = text[i + 1]
                # Unknown escapes stay as written, so Windows paths survive.
                out.append(_ESCAPES.get(nxt, "\\" + nxt))
                i += 2
                continue
            out.append(ch)
            i += 1
        row += 1
        if row >= len(lines):
            raise DotenvError(start + 1, "unterminated quoted value")
        out.append("\n")
        text = lines[row]


def parse_dotenv(text: str) -> list[tuple[str, str]]:
    """Return (name, value) pairs in file order. Raises DotenvError on the first problem."""
    lines = [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]
    result: list[tuple[str, str]] = []
    first_seen: dict[str, int] = {}
    row = 0
    while row < len(lines):
        lineno = row + 1
        line = lines[row].strip()
        row += 1
        if not line or line.startswith("#"):
            continue
        exported = _EXPORT.match(line)
        if exported and not line[exported.end() :].startswith("="):
            line = line[exported.end() :]
        key, eq, raw = line.partition("=")
        if not eq:
            raise DotenvError(lineno, "missing '='")
        key = key.strip()
        problem = env_var_problem(key)
        if problem is not None:
            raise DotenvError(lineno, f"variable name {problem}")
        if key in first_seen:
            raise DotenvError(lineno, f"{key!r} is defined twice (first on line {first_seen[key]})")
        first_seen[key] = lineno

        raw = raw.lstrip()
        if raw[:1] in ("'", '"'):
            value, end_row, rest = _read_quoted(lines, lineno - 1, raw[1:], raw[0])
            row = end_row + 1
            rest = rest.strip()
            if rest and not rest.startswith("#"):
                raise DotenvError(end_row + 1, "unexpected text after the closing quote")
        else:
            comment = _INLINE_COMMENT.search(raw)
            value = (raw[: comment.start()] if comment else raw).strip()
        result.append((key, value))
    return result
