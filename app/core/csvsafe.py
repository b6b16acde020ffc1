"""CSV that a spreadsheet opens as data, never as a formula (OWASP "CSV injection").

A text cell that starts with `= + - @`, a tab, CR or LF gets a leading apostrophe, which
spreadsheets show as text; every field is quoted, so a separator or quote inside a cell cannot
start a new one. Numbers stay numbers (a number cannot be a formula), dates are ISO 8601.
Files start with a UTF-8 byte order mark: without it Excel reads UTF-8 as the local code page.
"""

from __future__ import annotations

import csv
import io
import re
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


class Block:
    """Many rows at once, for exports of 100k rows: the csv module's C loop writes them quoted,
    then one scan of the text puts the apostrophe into each field that starts like a formula.
    The same text as `Writer`, at a fraction of the cost, for cells of text, None or an int
    of at least 0 (the scan cannot tell -1 from text, and would keep it as text: '-1)."""

    def __init__(self) -> None:
        self._out = io.StringIO(newline="")
        self._csv = csv.writer(self._out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")

    def text(self, rows: Iterable[Iterable[str | int | None]]) -> str:
        self._csv.writerows(rows)
        text = self._out.getvalue()
        self._out.seek(0)
        self._out.truncate()
        return neutralise_fields(text)


_OPENINGS = tuple('"' + c for c in FORMULA_STARTS)
# A quote then a formula character; not CR, which follows the closing quote at every line end:
# for CR the separator or line end before the quote is part of the search.
_QUOTED_FORMULA = re.compile('"[' + re.escape("".join(FORMULA_STARTS).replace("\r", "")) + "]")
_CR_MARKS = (',"\r', '\n"\r')


def neutralise_fields(text: str) -> str:
    """Whole rows of quoted CSV (every field quoted, as `Writer` and `Block` write them) with an
    apostrophe after each opening quote that a formula character follows.

    An opening quote starts the text or follows a separator or a line end, with an even number
    of quotes before it: inside a field every quote is doubled, and a closing quote has an odd
    count before it. Most text holds no such quote at all, which a few searches tell at once."""
    found = [m.start() for m in _QUOTED_FORMULA.finditer(text)]
    found = [at for at in found if at == 0 or text[at - 1] in ",\n"]
    if text.startswith('"\r'):
        found.append(0)
    for mark in _CR_MARKS:
        at = text.find(mark)
        while at != -1:
            found.append(at + 1)
            at = text.find(mark, at + 1)
    if not found:
        return text
    found.sort()
    parts: list[str] = []
    quotes = counted = start = 0
    for at in found:
        quotes += text.count('"', counted, at)
        counted = at
        if quotes % 2 == 0:
            parts += (text[start : at + 1], "'")
            start = at + 1
    parts.append(text[start:])
    return "".join(parts)


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
