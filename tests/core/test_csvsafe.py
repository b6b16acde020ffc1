"""CSV that a spreadsheet reads as data: what the bytes hold and what the csv module reads back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import csvsafe


def read_back(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(csvsafe.ENCODING), newline="")))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("OpenAI prod", "OpenAI prod"),
        ("a=b", "a=b"),
        (" =1", " =1"),  # only the first character starts a formula
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_a_cell_that_would_run_as_a_formula_gets_an_apostrophe(text, shown):
    assert csvsafe.cell(text) == shown


def test_numbers_dates_and_empty_cells():
    assert csvsafe.cell(-3) == "-3"  # a number is data, not a formula
    assert csvsafe.cell(2.5) == "2.5"
    assert csvsafe.cell(True) == "true"
    assert csvsafe.cell(None) == ""
    assert csvsafe.cell(date(2026, 2, 28)) == "2026-02-28"
    tokyo = timezone(timedelta(hours=9))
    assert csvsafe.cell(datetime(2026, 12, 1, 8, 30, 5, 123, tzinfo=tokyo)) == (
        "2026-11-30T23:30:05Z"
    )
    assert csvsafe.cell(datetime(2026, 12, 1, 8, 30)) == "2026-12-01T08:30:00Z"  # naive is UTC


def test_the_file_quotes_every_field_and_starts_with_a_byte_order_mark():
    data = csvsafe.to_bytes(
        ["name", "count", "when"],
        [['a, "b"; c', 3, datetime(2026, 11, 30, 9, tzinfo=UTC)], ["=1+1", -1, None]],
    )
    assert data.startswith(b'\xef\xbb\xbf"name","count","when"\r\n')
    text = data.decode("utf-8-sig")
    assert text.splitlines() == [
        '"name","count","when"',
        '"a, ""b""; c","3","2026-11-30T09:00:00Z"',
        '"\'=1+1","-1",""',
    ]
    assert read_back(data) == [
        ["name", "count", "when"],
        ['a, "b"; c', "3", "2026-11-30T09:00:00Z"],
        ["'=1+1", "-1", ""],
    ]


def test_the_writer_counts_rows_on_any_stream():
    out = io.StringIO(newline="")
    writer = csvsafe.Writer(out)
    writer.row(["h"])
    writer.rows([["@x"], ["y"]])
    assert writer.count == 3
    assert out.getvalue() == '"h"\r\n"\'@x"\r\n"y"\r\n'


cells = st.lists(st.text(max_size=30), min_size=1, max_size=6)


@given(st.lists(cells, max_size=5))
def test_read_back_is_the_neutralised_text_and_never_a_formula(rows):
    header = [f"c{i}" for i in range(max((len(r) for r in rows), default=1))]
    back = read_back(csvsafe.to_bytes(header, rows))
    assert back[0] == header
    assert back[1:] == [[csvsafe.neutralise(c) for c in row] for row in rows]
    for row in back[1:]:
        for value in row:
            assert not value.startswith(csvsafe.FORMULA_STARTS)


_TRICKY = st.text(alphabet="=+-@\t\r\n\",;' aZ", max_size=8)
_CELLS = st.one_of(_TRICKY, st.integers(0, 99), st.none())


@given(st.lists(st.lists(_CELLS, min_size=1, max_size=5), max_size=6))
def test_a_block_of_rows_is_the_text_the_writer_writes(rows):
    one_by_one = io.StringIO(newline="")
    writer = csvsafe.Writer(one_by_one)
    writer.rows(rows)
    block = csvsafe.Block()
    assert block.text(rows) == one_by_one.getvalue()
    assert block.text(rows) == one_by_one.getvalue()  # the block starts empty again


def test_a_block_neutralises_only_fields_that_start_like_a_formula():
    rows = [["=1", 'a,"=b', "a\r\n=c", "x,", "-"], ['"=', "\r", "\n", "ok", 1]]
    text = csvsafe.Block().text(rows)
    assert read_back(text.encode()) == [
        ["'=1", 'a,"=b', "a\r\n=c", "x,", "'-"],
        ['"=', "'\r", "'\n", "ok", "1"],
    ]
