"""A large table's text for the pack, in blocks: CSV (csvsafe) and JSON Lines, each into a
temporary file of its own, later copied into the zip (behind the header and any earlier part).

Rows are tuples of text, ints of at least 0 and None; a table may end with a column that
already holds JSON text (the audit events' details), which the CSV holds as text and the JSON
Lines as the value. A block of 512 rows takes a few string operations for both texts, with no
Python per cell: per-cell Python was most of an export's time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from pathlib import Path
from typing import IO, Any

from app.core import csvsafe

BATCH = 512
_BLOCK = 1 << 16  # larger blocks copy no faster, and would show in a small export's peak

# Scalars joined by NUL, which JSON text never holds raw: one encoder call for a whole block,
# split back into cells. SOH marks where a column of JSON text goes in.
_FLAT = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=("\x00", ": "))
_RAW = "\x01"
# Before each cell of a block joined for the checks: a formula character right after it marks a
# cell that csvsafe neutralises (one inside a cell only costs a needless call). Not a character
# JSON escapes.
_CELL = "\x7f"
# The joined cells' UTF-8 bytes as marks, by one translate, for two byte searches: "#" where
# JSON escapes (a control character, quote or backslash; no other character's bytes include
# these; CSV quotes " as ""), "!" for the formula characters that are not control characters,
# the cell mark itself, and a space for the rest.
_ESCAPED, _FORMULA = b"#", b"!"
_MARKS = bytes(
    _ESCAPED[0]
    if b < 0x20 or b in b'"\\'
    else _FORMULA[0]
    if chr(b) in csvsafe.FORMULA_STARTS
    else b
    if b == ord(_CELL)
    else 0x20
    for b in range(256)
)
_MARK = _CELL.encode()

Row = tuple[Any, ...]


class BlockText:
    """A block of rows as CSV text (csvsafe's, byte for byte) and JSON Lines text (objects
    keyed by the header, as `json.dumps` writes them: ", " and ": ", text not escaped to ASCII).

    Where no text cell holds an escape (a quote, backslash or control character), a text
    cell is its own JSON string and its own CSV field inside quotes, so both texts are joins of
    the cells (`_plain`). Otherwise the JSON encoder writes the whole block's cells at once, and
    where those cells give the CSV too it comes from them; a block with a None or an unexpected
    type goes through the csv module. csvsafe neutralises formulas either way."""

    def __init__(self, header: Sequence[str], *, json_last: bool = False) -> None:
        if json_last and len(header) < 2:
            raise ValueError("a table of JSON text needs another column")
        self._names = [json.dumps(h, ensure_ascii=False) + ": " for h in header]  # JSON keys
        self._keys = [name.replace("%", "%%") for name in self._names]  # in a template
        self._json_last = json_last
        self._width = len(header) - json_last  # the cells the encoder writes
        cells = [key + "%s" for key in self._keys]
        if json_last:
            cells[-1] = self._keys[-1] + _RAW
        self._line = "{" + ", ".join(cells) + "}\n"
        self._csv_lines: dict[tuple[int, ...], str] = {}  # by the int columns
        self._separators: dict[tuple[int, ...], tuple[list[str], str]] = {}
        self._csv = csvsafe.Block()

    def texts(self, rows: Sequence[Row]) -> tuple[str, str]:
        """(CSV text, JSON Lines text) of the rows."""
        if not rows:
            return "", ""
        plain = self._plain(rows)
        if plain is not None:
            return plain
        values: list[str] = []
        if self._json_last:
            values = [row[-1] for row in rows]
            flat = _FLAT.encode([row[:-1] for row in rows])
        else:
            flat = _FLAT.encode(rows)
        cells = flat[2:-2].replace("]\x00[", "\x00").split("\x00")
        args = tuple(cells)
        lines = (self._line * len(rows)) % args
        if self._json_last:
            lines = _interleave(lines.split(_RAW), values)
        text = self._plain_csv(rows, flat, cells, args, values)
        if text is None:
            text = self._csv.text(rows)
        return csvsafe.neutralise_fields(text), lines

    def _plain(self, rows: Sequence[Row]) -> tuple[str, str] | None:
        """Both texts joined from the cells, without the JSON encoder, where no cell needs an
        escape: each column all text (no quote, backslash or control character) or all ints of
        at least 0, as nearly every block of the pack. Its text cell is then its own JSON
        string and CSV field inside quotes. None where a cell is anything else."""
        columns = list(zip(*rows, strict=True))
        texts: list[tuple[Any, ...]] = []
        ints: list[int] = []
        for i in range(self._width):
            column = columns[i]
            if type(column[0]) is int:
                if set(map(type, column)) != {int} or min(column) < 0:
                    return None
                ints.append(i)
            else:
                texts.append(column)
        try:
            joined = _CELL + _CELL.join(chain.from_iterable(texts))  # TypeError: not text
            marks = joined.encode("utf-8").translate(_MARKS)  # UnicodeEncodeError: a surrogate
            if self._json_last:  # JSON text: only its formulas count (a tab, say, is one)
                values = columns[-1]
                json_marks = (_CELL + _CELL.join(values)).encode("utf-8").translate(_MARKS)
        except (TypeError, UnicodeEncodeError):
            return None
        # Byte searches in the marks: 2% of a pass's instructions fewer than the regex search
        # they replace, which tests each character against a class in turn.
        if _ESCAPED in marks:
            return None
        # Ints of at least 0 start with a digit; nothing to neutralise unless a text or JSON
        # cell starts with a formula character.
        formula = _MARK + _FORMULA in marks
        # Joins, once every cell is text, took 60% of the time of %-formatting line templates.
        # The JSON Lines: each cell behind what comes before it in a line, column by column.
        for i in ints:
            columns[i] = tuple(map(str, columns[i]))
        n = len(rows)
        before, end = self._json_separators(tuple(ints))
        parts: list[Iterable[str]] = []
        for separator, column in zip(before, columns, strict=True):
            parts += (repeat(separator, n), column)
        lines = "".join(chain.from_iterable(zip(*parts, repeat(end, n), strict=True)))
        # The CSV: one separator, so row by row.
        csv_rows: Iterable[Sequence[str]] = rows
        if ints or self._json_last:
            if self._json_last:
                formula = (
                    formula or _MARK + _FORMULA in json_marks or _MARK + _ESCAPED in json_marks
                )
                columns[-1] = tuple("\x00".join(values).replace('"', '""').split("\x00"))
            csv_rows = zip(*columns, strict=True)
        text = '"' + '"\r\n"'.join(map('","'.join, csv_rows)) + '"\r\n'
        if formula:
            return csvsafe.neutralise_fields(text), lines
        return text, lines

    def _json_separators(self, ints: tuple[int, ...]) -> tuple[list[str], str]:
        """What comes before each cell in a JSON line of a block whose int columns are `ints`
        (text cells are quoted, ints and JSON text not), and what ends the line."""
        found = self._separators.get(ints)
        if found is None:
            quote = ['"' if i not in ints else "" for i in range(len(self._names))]
            if self._json_last:
                quote[-1] = ""
            closed = ["{", *(q + ", " for q in quote[:-1])]  # the cell before's end quote
            before = [c + name + q for c, name, q in zip(closed, self._names, quote, strict=True)]
            found = self._separators[ints] = (before, quote[-1] + "}\n")
        return found

    def _plain_csv(
        self,
        rows: Sequence[Row],
        flat: str,
        cells: list[str],
        args: tuple[str, ...],
        values: list[str],
    ) -> str | None:
        """The CSV from the JSON cells, or None where they cannot give it."""
        if "\\" in flat or "null" in flat:
            return None
        width = self._width
        ints = tuple(i for i in range(width) if type(rows[0][i]) is int)
        if flat.count('"') != 2 * len(rows) * (width - len(ints)):
            return None  # a text column holds something else
        if any('"' in "".join(cells[i::width]) for i in ints):
            return None  # an int column holds text (which the count above let through)
        line = self._csv_lines.get(ints)
        if line is None:
            fields = ['"%s"' if i in ints else "%s" for i in range(width)]
            if self._json_last:
                fields.append('"' + _RAW + '"')
            line = self._csv_lines[ints] = ",".join(fields) + "\r\n"
        text = (line * len(rows)) % args
        if not self._json_last:
            return text
        quoted = "\x00".join(values).replace('"', '""').split("\x00")
        return _interleave(text.split(_RAW), quoted)


def _interleave(parts: list[str], values: list[str]) -> str:
    """parts[0] values[0] parts[1] values[1] … parts[-1]: each SOH replaced by its value."""
    return "".join(chain.from_iterable(zip(parts, values, strict=False))) + parts[-1]


class Spool:
    """One table's rows (or one process's part of them) as CSV and JSON Lines text in two
    anonymous temporary files in `folder`. `add` a row at a time; `flush` before reading."""

    def __init__(self, header: Sequence[str], folder: Path, *, json_last: bool = False) -> None:
        self.csv: IO[bytes] = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - see close
        self.jsonl: IO[bytes] = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self._rows: list[Row] = []
        self._text = BlockText(header, json_last=json_last)

    def add(self, row: Row) -> None:
        self._rows.append(row)
        if len(self._rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        rows = self._rows
        if rows:
            csv_text, lines = self._text.texts(rows)
            self.csv.write(csv_text.encode("utf-8"))
            self.jsonl.write(lines.encode("utf-8"))
            rows.clear()
        self.csv.flush()
        self.jsonl.flush()

    def close(self) -> None:
        self.csv.close()
        self.jsonl.close()


def csv_head(header: Sequence[str]) -> bytes:
    """A CSV file's start: the byte order mark (Excel reads UTF-8 only with it) and the header."""
    return ("\ufeff" + csvsafe.Block().text([header])).encode("utf-8")


def copy_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    head: bytes,
    parts: list[IO[bytes]],
    *,
    hashed: bool = True,
) -> str:
    """Write `head` and then each file from its start into one zip member; its SHA-256, or ""
    unless `hashed` (the caller hashes the parts meanwhile with `parts_digest`)."""
    digest = hashlib.sha256(head)
    with zf.open(info, "w", force_zip64=True) as member:
        member.write(head)
        for part in parts:
            part.seek(0)
            while block := part.read(_BLOCK):
                if hashed:
                    digest.update(block)
                member.write(block)
    return digest.hexdigest() if hashed else ""


def parts_digest(head: bytes, parts: list[IO[bytes]]) -> str:
    """The SHA-256 of `head` and the files after it, read with os.pread (Unix): another thread
    can copy the same files meanwhile, since their positions are left alone."""
    digest = hashlib.sha256(head)
    for part in parts:
        fd = part.fileno()
        done, size = 0, os.fstat(fd).st_size
        while done < size:
            block = os.pread(fd, min(_BLOCK, size - done), done)
            if not block:
                raise OSError("a spooled table ended early")
            digest.update(block)
            done += len(block)
    return digest.hexdigest()
