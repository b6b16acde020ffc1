"""Canonical JSON and base64url helpers (app.crypto.encoding)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto.encoding import b64d, b64e, canonical, parse_canonical, sha256_hex

FAST = settings(max_examples=100, deadline=None, database=None)

_B64URL = re.compile(r"[A-Za-z0-9_-]*")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(max_size=16)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _plant(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Wrap a value known to contain a float somewhere inside a list or a dict."""
    in_list = st.builds(
        lambda pre, x, post: [*pre, x, *post],
        st.lists(json_values, max_size=2),
        inner,
        st.lists(json_values, max_size=2),
    )
    in_dict = st.builds(
        lambda k, x, rest: {**rest, k: x},
        st.text(max_size=6),
        inner,
        st.dictionaries(st.text(max_size=6), json_values, max_size=2),
    )
    return in_list | in_dict


# Every example contains at least one float (including nan, inf and -0.0) at some depth.
with_float = st.recursive(st.floats(allow_nan=True, allow_infinity=True), _plant, max_leaves=4)


def _reinsert_reversed(value: Any) -> Any:
    """The same JSON value with every dict built in reverse key order."""
    if isinstance(value, dict):
        return {k: _reinsert_reversed(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reinsert_reversed(v) for v in value]
    return value


def _whitespace_slots(data: bytes) -> list[int]:
    """Offsets where JSON allows insignificant whitespace: both ends, and after any of {[,:
    outside strings."""
    slots = [0, len(data)]
    in_string = escaped = False
    for i, byte in enumerate(data):
        ch = chr(byte)
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[,:":
            slots.append(i + 1)
    return slots


# ---------------------------------------------------------------- base64url


def test_b64e_known_answers() -> None:
    assert b64e(b"") == ""
    assert b64e(b"f") == "Zg"
    assert b64e(b"fo") == "Zm8"
    assert b64e(b"foo") == "Zm9v"
    # URL-safe alphabet: 0xfb 0xff is "+/8=" in standard base64.
    assert b64e(b"\xfb\xff") == "-_8"
    assert b64d("-_8") == b"\xfb\xff"


@FAST
@given(st.binary(max_size=300))
def test_b64_round_trip(data: bytes) -> None:
    text = b64e(data)
    assert _B64URL.fullmatch(text), text
    assert "=" not in text
    assert b64d(text) == data
    # The unpadded form is exactly the standard urlsafe encoding with its padding removed.
    assert text == base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@pytest.mark.parametrize("value", [b"Zg", None, 5, ["Zg"]])
def test_b64d_rejects_non_strings(value: Any) -> None:
    with pytest.raises(ValueError, match="base64url"):
        b64d(value)


def test_b64d_rejects_impossible_length() -> None:
    with pytest.raises(ValueError):
        b64d("A")  # 6 bits cannot encode a byte


# ---------------------------------------------------------------- canonical JSON


def test_canonical_known_answer() -> None:
    obj = {"b": 1, "a": [True, None, "é", {"z": -2, "y": ""}]}
    assert canonical(obj) == '{"a":[true,null,"é",{"y":"","z":-2}],"b":1}'.encode()
    assert parse_canonical(canonical(obj)) == obj


@FAST
@given(json_values)
def test_canonical_is_deterministic_and_order_independent(value: Any) -> None:
    first = canonical(value)
    assert canonical(value) == first
    assert canonical(_reinsert_reversed(value)) == first
    assert canonical(json.loads(first.decode("utf-8"))) == first
    assert parse_canonical(first) == value


@FAST
@given(json_values)
def test_canonical_has_no_insignificant_whitespace(value: Any) -> None:
    data = canonical(value)
    slots = _whitespace_slots(data)
    for offset in slots:
        # A whitespace byte at any structural slot would be JSON-legal; canonical never emits it.
        assert data[offset : offset + 1] not in (b" ", b"\n", b"\t", b"\r")


@FAST
@given(with_float)
def test_canonical_rejects_floats_anywhere(value: Any) -> None:
    with pytest.raises(ValueError, match="float"):
        canonical(value)


@pytest.mark.parametrize(
    "value", [1.0, -0.0, float("nan"), float("inf"), [0.5], {"a": {"b": [2.5]}}]
)
def test_canonical_rejects_float_examples(value: Any) -> None:
    with pytest.raises(ValueError, match="float"):
        canonical(value)


@pytest.mark.parametrize("value", [{1: "a"}, {"a": {None: 1}}, [{b"k": 1}]])
def test_canonical_rejects_non_string_keys(value: Any) -> None:
    with pytest.raises(ValueError, match="keys"):
        canonical(value)


@FAST
@given(json_values, st.data())
def test_parse_canonical_rejects_inserted_whitespace(value: Any, data: st.DataObject) -> None:
    good = canonical(value)
    offset = data.draw(st.sampled_from(_whitespace_slots(good)), label="offset")
    ws = data.draw(st.sampled_from([b" ", b"\n", b"\t", b"\r", b"  "]), label="ws")
    bad = good[:offset] + ws + good[offset:]
    assert json.loads(bad.decode("utf-8")) == value  # still the same JSON value ...
    with pytest.raises(ValueError, match="canonical"):
        parse_canonical(bad)  # ... but not the canonical bytes


@FAST
@given(st.dictionaries(st.text(max_size=6), json_scalars, min_size=2, max_size=5))
def test_parse_canonical_rejects_unsorted_keys(value: dict[str, Any]) -> None:
    reverse_sorted = {k: value[k] for k in sorted(value, reverse=True)}
    bad = json.dumps(reverse_sorted, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert json.loads(bad.decode("utf-8")) == value
    with pytest.raises(ValueError, match="canonical"):
        parse_canonical(bad)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": 1}',
        b'{"b":1,"a":2}',
        b'{"a":1,"a":1}',  # duplicate key
        b'"\\u00e9"',  # escaped where canonical writes UTF-8
        b'"\\/"',  # needless escape
        b"-0",
        b"1.0",
        b"1e3",
        b"NaN",
        b"Infinity",
        b"[1,2] ",
        b"\xef\xbb\xbf{}",  # UTF-8 byte order mark
        b"\xff",  # not UTF-8
        b"",
    ],
)
def test_parse_canonical_rejects_non_canonical_examples(data: bytes) -> None:
    with pytest.raises(ValueError):
        parse_canonical(data)


@given(with_float)
def test_parse_canonical_rejects_a_float_anywhere(value: Any) -> None:
    # Written as the canonical encoder would if it allowed floats: sorted, compact, UTF-8.
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with pytest.raises(ValueError, match="float"):
        parse_canonical(text.encode("utf-8", "surrogatepass"))


def test_sha256_hex_known_answer() -> None:
    # FIPS 180-2 example "abc".
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert sha256_hex(b"") == hashlib.sha256(b"").hexdigest()
