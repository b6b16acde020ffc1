"""A block of rows as the pack writes it: the CSV csvsafe writes, the JSON json.dumps writes."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from app.core import csvsafe
from app.services.evidence_spool import BlockText

_TEXT = st.text(alphabet="=+-@\t\r\n\",;\\' aZé\x00\x7f", max_size=8)
_CELL = st.one_of(_TEXT, st.integers(0, 99), st.none(), st.just("null"))


def _expected(header, rows, json_last=False):
    out = io.StringIO(newline="")
    csvsafe.Writer(out).rows(rows)
    lines = ""
    for row in rows:
        record = dict(zip(header, row, strict=True))
        if json_last:
            record[header[-1]] = json.loads(row[-1])
        lines += json.dumps(record, ensure_ascii=False) + "\n"
    return out.getvalue(), lines


@given(st.integers(1, 5).flatmap(lambda n: st.lists(st.tuples(*[_CELL] * n), max_size=5)))
def test_a_block_is_what_the_csv_writer_and_json_dumps_write(rows):
    width = len(rows[0]) if rows else 3
    header = tuple(f"col {i} %s" for i in range(width))
    assert BlockText(header).texts(rows) == _expected(header, rows)


@st.composite
def _typed_rows(draw):
    """Rows whose columns keep one type each (text or int), as the pack's tables do, ending
    with JSON text (the audit events' details: an object, or here any JSON, such as -1, which
    starts with a formula character)."""
    kinds = draw(st.lists(st.sampled_from(["text", "int"]), min_size=1, max_size=4))
    cell = {"text": _TEXT, "int": st.integers(0, 99)}
    values = st.one_of(_TEXT, st.integers())
    details = st.one_of(st.dictionaries(_TEXT, values), values).map(
        lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True)
    )
    return draw(st.lists(st.tuples(*[cell[k] for k in kinds], details), max_size=5))


@given(_typed_rows())
def test_a_block_ending_with_json_text_holds_it_as_text_and_as_json(rows):
    width = len(rows[0]) if rows else 2
    header = tuple(f"c{i}" for i in range(width))
    assert BlockText(header, json_last=True).texts(rows) == _expected(header, rows, json_last=True)


def test_plain_text_takes_the_fast_path_and_formulas_are_still_neutralised():
    header = ("seq", "name", "details")
    rows = [(1, "=cmd", '{"a": 1}'), (2, "plain", "{}")]
    text, lines = BlockText(header, json_last=True).texts(rows)
    assert text == '"1","\'=cmd","{""a"": 1}"\r\n"2","plain","{}"\r\n'
    assert lines.splitlines()[0] == '{"seq": 1, "name": "=cmd", "details": {"a": 1}}'


def test_json_text_that_starts_with_white_space_is_neutralised_in_the_csv():
    """No encoder of the pack writes such JSON; a tab, CR or LF first is a formula all the same."""
    header = ("seq", "name", "details")
    for first in "\t\r\n":
        text, _ = BlockText(header, json_last=True).texts([(1, "plain", first + "{}")])
        assert text == f'"1","plain","\'{first}{{}}"\r\n'


@given(_typed_rows())
def test_blocks_without_escapes_take_the_template_path_and_agree(rows):
    width = len(rows[0]) if rows else 2
    header = tuple(f"c{i} %s" for i in range(width))
    block = BlockText(header, json_last=True)
    unsafe = set('"\\\r\n\t\x00')
    plain = [r for r in rows if not any(isinstance(c, str) and set(c) & unsafe for c in r[:-1])]
    if plain:
        assert block._plain(plain) is not None
        assert block.texts(plain) == _expected(header, plain, json_last=True)


def test_the_template_path_keeps_percent_signs_formulas_and_other_characters():
    header = ("n", "text", "details")
    rows = [(0, "=1+2 100% é\x7f\u2028", '{"a": "%s"}'), (7, "-x", "{}")]
    block = BlockText(header, json_last=True)
    assert block._plain(rows) is not None
    assert block.texts(rows) == _expected(header, rows, json_last=True)
    assert block._plain([(1, None, "{}")]) is None
    assert block._plain([(-1, "a", "{}")]) is None
    assert block._plain([(True, "a", "{}")]) is None
