"""The human-readable Secret Key format (app.crypto.secretkey)."""

from __future__ import annotations

import base64
import hashlib
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto import secretkey
from app.crypto.secretkey import SecretKeyFormatError, format_key, parse

FAST = settings(max_examples=150, deadline=None, database=None)

keys = st.binary(min_size=16, max_size=16)
SHAPE = re.compile(r"KL1(-[A-Z2-7]{5}){5}-[A-Z2-7]{4}")
BASE32 = string.ascii_uppercase + "234567"
# A single-character substitution: every uppercase letter and digit (base32 or not) plus two
# non-ASCII alphanumerics. Case changes and separators are tolerated by design (see below).
SUBSTITUTES = string.ascii_uppercase + string.digits + "\uff21\u00b2"  # fullwidth A, superscript 2

# Fixed keys for the exhaustive checks. With a 16-bit checksum a random key has a ~1.4% chance
# that one of its ~1,400 single-character variants collides; for these keys it was computed
# that none does, so the checks are deterministic and allow no miss.
FIXED_KEYS = [
    bytes(16),
    bytes(range(16)),
    b"\xff" * 16,
    bytes.fromhex("00112233445566778899aabbccddeeff"),
]
LAST = len("KL1-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAA") - 1  # index of the final character


def _expected(key: bytes) -> str:
    check = hashlib.sha256(b"keyledger-secret-key" + key).digest()[:2]
    body = base64.b32encode(key + check).decode("ascii").rstrip("=")
    return "KL1-" + "-".join(body[i : i + 5] for i in range(0, 29, 5))


def _padding_sibling(ch: str) -> str:
    """The base32 character differing from ch only in the unused low bit of the last symbol."""
    return BASE32[BASE32.index(ch) ^ 1]


def test_known_format() -> None:
    assert format_key(bytes(16)) == _expected(bytes(16))
    assert format_key(bytes(16)) == "KL1-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-CI2W"


def test_new_is_random_16_bytes() -> None:
    first, second = secretkey.new(), secretkey.new()
    assert len(first) == 16
    assert first != second


@FAST
@given(keys)
def test_format_parse_round_trip(key: bytes) -> None:
    text = format_key(key)
    assert SHAPE.fullmatch(text), text
    assert text == _expected(key)
    assert parse(text) == key


@FAST
@given(keys)
def test_parse_tolerates_case_and_separators(key: bytes) -> None:
    """Documented tolerance: letters in any case, dashes and spaces optional."""
    text = format_key(key)
    assert parse(text.lower()) == key
    assert parse(text.replace("-", "")) == key
    assert parse(text.replace("-", " ")) == key
    assert parse(f"  {text}\n") == key


@pytest.mark.parametrize("key", FIXED_KEYS, ids=lambda k: k.hex())
def test_every_single_character_substitution_is_caught(key: bytes) -> None:
    text = format_key(key)
    checked = 0
    missed = []
    for index, original in enumerate(text):
        for ch in SUBSTITUTES:
            if ch == original:
                continue
            if index == LAST and ch == _padding_sibling(original):
                continue  # known bug, see test_last_character_padding_bit_is_checked
            checked += 1
            try:
                parse(text[:index] + ch + text[index + 1 :])
            except SecretKeyFormatError:
                continue
            missed.append((index, original, ch))
    assert missed == []
    assert checked > 1000


@pytest.mark.parametrize("key", FIXED_KEYS, ids=lambda k: k.hex())
def test_every_adjacent_transposition_is_caught(key: bytes) -> None:
    text = format_key(key)
    checked = 0
    for index in range(4, len(text) - 1):
        a, b = text[index], text[index + 1]
        if a == b or "-" in (a, b):
            continue
        checked += 1
        with pytest.raises(SecretKeyFormatError):
            parse(text[:index] + b + a + text[index + 2 :])
    assert checked > 0


@FAST
@given(keys, st.data())
def test_deleted_or_inserted_character_is_caught(key: bytes, data: st.DataObject) -> None:
    text = format_key(key)
    positions = [i for i, ch in enumerate(text) if ch != "-"]
    index = data.draw(st.sampled_from(positions), label="index")
    with pytest.raises(SecretKeyFormatError):
        parse(text[:index] + text[index + 1 :])
    extra = data.draw(st.sampled_from(BASE32), label="extra")
    with pytest.raises(SecretKeyFormatError):
        parse(text[:index] + extra + text[index:])


@FAST
@given(keys, st.data())
def test_non_base32_character_is_caught(key: bytes, data: st.DataObject) -> None:
    text = format_key(key)
    index = data.draw(st.integers(4, len(text) - 1).filter(lambda i: text[i] != "-"))
    bad = data.draw(st.sampled_from("0189\uff21\u00b2"), label="bad")
    with pytest.raises(SecretKeyFormatError):
        parse(text[:index] + bad + text[index + 1 :])


@pytest.mark.parametrize(
    "text",
    [
        "",
        "KL1",
        "KL1-",
        "KL2-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-CI2W",
        "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-CI2W",
        "KL1-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-CI2",
        "KL1-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-CI2WA",
        "KL1-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-CI2W-KL1",
        "KL1-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAA",
    ],
)
def test_malformed_examples(text: str) -> None:
    with pytest.raises(SecretKeyFormatError):
        parse(text)


def test_format_error_is_a_value_error() -> None:
    assert issubclass(SecretKeyFormatError, ValueError)


@pytest.mark.parametrize("key", FIXED_KEYS, ids=lambda k: k.hex())
def test_last_character_padding_bit_is_checked(key: bytes) -> None:
    text = format_key(key)
    sibling = text[:LAST] + _padding_sibling(text[LAST])
    assert sibling != text
    with pytest.raises(SecretKeyFormatError):
        parse(sibling)
