"""CSV that a spreadsheet opens as data, never as a formula (OWASP "CSV injection").

A text cell that starts with `= + - @`, a tab, CR or LF gets a leading apostrophe, which
spreadsheets show as text; every field is quoted, so a separator or quote inside a cell cannot
start a new one. Numbers stay numbers (a number cannot be a formula), dates are ISO 8601.
Files start with a UTF-8 byte order mark: without it Excel reads UTF-8 as the local code page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
ENCODING = "utf-8-sig"  # what to open a file with, for writing and for reading it back

Cell = str | int | float | date | None


class _Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Cell) -> str:
    """The text of one field: None is empty, a datetime is UTC ISO 8601 to the second."""
    if type(value) is str:  # most cells: skip the checks below (a tenth of an export's time)
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int; spell it
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


class Writer:
    """Rows of cells into a text stream opened with newline="" (the csv module's rule)."""

    def __init__(self, stream: _Writable) -> None:
        self._csv = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        self.count = 0

    def row(self, values: Iterable[Cell]) -> None:
        self._csv.writerow([cell(v) for v in values])
        self.count += 1

    def rows(self, rows: Iterable[Iterable[Cell]]) -> None:
        for values in rows:
            self.row(values)


def to_text(header: Iterable[str], rows: Iterable[Iterable[Cell]]) -> str:
    """A whole CSV document (header row first) as text, without the byte order mark."""
    out = io.StringIO(newline="")
    writer = Writer(out)
    writer.row(header)
    writer.rows(rows)
    return out.getvalue()


def to_bytes(header: Iterable[str], rows: Iterable[Iterable[Cell]]) -> bytes:
    """A whole CSV file's bytes: byte order mark, header row, rows, CRLF line ends."""
    return to_text(header, rows).encode(ENCODING)
