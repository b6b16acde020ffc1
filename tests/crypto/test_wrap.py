"""HPKE key wrapping (app.crypto.wrap): hybrid ML-KEM-768 + X25519 and classic X25519."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto import wrap
from app.crypto.errors import DecryptError
from app.crypto.wrap import CLASSIC, HYBRID, KemKeyPair, generate, unwrap

FAST = settings(max_examples=30, deadline=None, database=None)

INFO = b"keyledger/v1|wrap|vault-1|epoch-1|member-1"
KEY = bytes(range(32))

# Generated once per test session: ML-KEM key generation is cheap, but there is no need to
# repeat it inside every Hypothesis example.
PAIRS = {suite: generate(suite) for suite in wrap.SUITES}
OTHER_PAIRS = {suite: generate(suite) for suite in wrap.SUITES}

suites = pytest.mark.parametrize("suite", [HYBRID, CLASSIC])


def test_suite_names() -> None:
    assert wrap.SUITES == (HYBRID, CLASSIC)
    assert HYBRID == "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
    assert CLASSIC == "X25519/HKDF-SHA256/AES-256-GCM"


@pytest.mark.parametrize(
    ("suite", "private_len", "public_len", "wrapped_len"),
    [
        # ML-KEM seed (64) + X25519 (32); ML-KEM-768 pk (1184) + X25519 (32);
        # enc (1088 + 32) + 32-byte key + 16-byte tag.
        (HYBRID, 96, 1216, 1168),
        # X25519 keys; enc (32) + 32-byte key + 16-byte tag.
        (CLASSIC, 32, 32, 80),
    ],
)
def test_sizes(suite: str, private_len: int, public_len: int, wrapped_len: int) -> None:
    pair = generate(suite)
    assert isinstance(pair, KemKeyPair)
    assert pair.suite == suite
    assert len(pair.private) == private_len
    assert len(pair.public) == public_len
    assert len(wrap.wrap(suite, pair.public, KEY, INFO)) == wrapped_len


def test_generate_defaults_to_hybrid() -> None:
    assert generate().suite == HYBRID


def test_generate_rejects_unknown_suite() -> None:
    with pytest.raises(ValueError, match="unknown"):
        generate("X448/HKDF-SHA512/AES-256-GCM")


@suites
def test_keys_are_fresh(suite: str) -> None:
    assert generate(suite).private != generate(suite).private


@suites
@FAST
@given(key=st.binary(max_size=96), info=st.binary(max_size=64))
def test_round_trip(suite: str, key: bytes, info: bytes) -> None:
    pair = PAIRS[suite]
    blob = wrap.wrap(suite, pair.public, key, info)
    assert unwrap(suite, pair.private, blob, info) == key


@suites
def test_encapsulation_is_randomised(suite: str) -> None:
    pair = PAIRS[suite]
    first = wrap.wrap(suite, pair.public, KEY, INFO)
    second = wrap.wrap(suite, pair.public, KEY, INFO)
    assert first != second
    assert unwrap(suite, pair.private, first, INFO) == unwrap(suite, pair.private, second, INFO)


@suites
@FAST
@given(other=st.binary(max_size=64))
def test_wrong_info_fails(suite: str, other: bytes) -> None:
    if other == INFO:
        other += b"\x00"
    pair = PAIRS[suite]
    blob = wrap.wrap(suite, pair.public, KEY, INFO)
    with pytest.raises(DecryptError):
        unwrap(suite, pair.private, blob, other)


@suites
def test_wrong_private_key_fails(suite: str) -> None:
    blob = wrap.wrap(suite, PAIRS[suite].public, KEY, INFO)
    with pytest.raises(DecryptError):
        unwrap(suite, OTHER_PAIRS[suite].private, blob, INFO)


def test_hybrid_needs_both_private_halves() -> None:
    """Swapping either half of the hybrid private key for another member's half fails."""
    pair, other = PAIRS[HYBRID], OTHER_PAIRS[HYBRID]
    blob = wrap.wrap(HYBRID, pair.public, KEY, INFO)
    wrong_mlkem = other.private[:64] + pair.private[64:]
    wrong_x25519 = pair.private[:64] + other.private[64:]
    for private in (wrong_mlkem, wrong_x25519):
        with pytest.raises(DecryptError):
            unwrap(HYBRID, private, blob, INFO)


@pytest.mark.parametrize(("wrapped_as", "opened_as"), [(HYBRID, CLASSIC), (CLASSIC, HYBRID)])
def test_suite_mismatch_fails(wrapped_as: str, opened_as: str) -> None:
    blob = wrap.wrap(wrapped_as, PAIRS[wrapped_as].public, KEY, INFO)
    with pytest.raises(DecryptError):
        unwrap(opened_as, PAIRS[wrapped_as].private, blob, INFO)
    with pytest.raises(DecryptError):
        unwrap(opened_as, PAIRS[opened_as].private, blob, INFO)


@suites
def test_every_byte_flip_fails(suite: str) -> None:
    """Exhaustive over the whole blob: the KEM encapsulation(s), the ciphertext and the tag."""
    pair = PAIRS[suite]
    blob = wrap.wrap(suite, pair.public, KEY, INFO)
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(DecryptError):
            unwrap(suite, pair.private, bytes(tampered), INFO)


@suites
@FAST
@given(data=st.data())
def test_random_byte_change_fails(suite: str, data: st.DataObject) -> None:
    pair = PAIRS[suite]
    blob = wrap.wrap(suite, pair.public, KEY, INFO)
    index = data.draw(st.integers(0, len(blob) - 1), label="index")
    tampered = bytearray(blob)
    tampered[index] ^= data.draw(st.integers(1, 255), label="mask")
    with pytest.raises(DecryptError):
        unwrap(suite, pair.private, bytes(tampered), INFO)


@suites
def test_truncated_or_extended_blob_fails(suite: str) -> None:
    pair = PAIRS[suite]
    blob = wrap.wrap(suite, pair.public, KEY, INFO)
    for length in (*range(0, 40), *range(len(blob) - 40, len(blob))):
        with pytest.raises(DecryptError):
            unwrap(suite, pair.private, blob[:length], INFO)
    with pytest.raises(DecryptError):
        unwrap(suite, pair.private, blob + b"\x00", INFO)


@pytest.mark.parametrize("suite", ["", "AES-256-GCM", HYBRID.lower(), CLASSIC + " ", "X25519"])
def test_unknown_suite_raises_decrypt_error(suite: str) -> None:
    pair = PAIRS[HYBRID]
    blob = wrap.wrap(HYBRID, pair.public, KEY, INFO)
    with pytest.raises(DecryptError):
        unwrap(suite, pair.private, blob, INFO)
    with pytest.raises(DecryptError):
        wrap.wrap(suite, pair.public, KEY, INFO)
    with pytest.raises(DecryptError):
        wrap.wrap(suite, PAIRS[CLASSIC].public, KEY, INFO)


@suites
@pytest.mark.parametrize("cut", [1, -1])
def test_malformed_public_key_raises_decrypt_error(suite: str, cut: int) -> None:
    public = PAIRS[suite].public
    malformed = public[:-1] if cut < 0 else public + b"\x00"
    with pytest.raises(DecryptError):
        wrap.wrap(suite, malformed, KEY, INFO)


@suites
@pytest.mark.parametrize("cut", [1, -1])
def test_malformed_private_key_raises_decrypt_error(suite: str, cut: int) -> None:
    pair = PAIRS[suite]
    blob = wrap.wrap(suite, pair.public, KEY, INFO)
    malformed = pair.private[:-1] if cut < 0 else pair.private + b"\x00"
    with pytest.raises(DecryptError):
        unwrap(suite, malformed, blob, INFO)


@suites
def test_low_order_x25519_public_key_raises_decrypt_error(suite: str) -> None:
    public = PAIRS[suite].public
    low_order = public[:-32] + bytes(32)
    with pytest.raises(DecryptError):
        wrap.wrap(suite, low_order, KEY, INFO)


@pytest.mark.parametrize(
    ("suite", "start"),
    [(CLASSIC, 0), (HYBRID, 0), (HYBRID, 1088)],
)
def test_low_order_encapsulation_raises_decrypt_error(suite: str, start: int) -> None:
    """An all-zero (low-order) X25519 share in the blob is rejected as DecryptError."""
    pair = PAIRS[suite]
    blob = wrap.wrap(suite, pair.public, KEY, INFO)
    tampered = blob[:start] + bytes(32) + blob[start + 32 :]
    with pytest.raises(DecryptError):
        unwrap(suite, pair.private, tampered, INFO)
