"""HPKE (RFC 9180) base-mode key wrapping to a member's public key.

Suites are named in the file; the hybrid ML-KEM-768 + X25519 is the default, X25519 is accepted.
A public key is serialised as the raw bytes of its parts (ML-KEM-768 public key || X25519).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from app.crypto.errors import DecryptError

HYBRID = "MLKEM768-X25519/HKDF-SHA256/AES-256-GCM"
CLASSIC = "X25519/HKDF-SHA256/AES-256-GCM"
SUITES = (HYBRID, CLASSIC)
_MLKEM768_PUB_LEN = 1184
_MLKEM_SEED_LEN = 64


def _suite(name: str) -> hpke.Suite:
    if name == HYBRID:
        kem = hpke.KEM.MLKEM768_X25519
    elif name == CLASSIC:
        kem = hpke.KEM.X25519
    else:
        raise DecryptError("unknown key-wrapping suite")
    return hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


@dataclass(frozen=True)
class KemKeyPair:
    suite: str
    private: bytes  # ML-KEM seed (64) || X25519 (32), or X25519 (32)
    public: bytes


def generate(suite: str = HYBRID) -> KemKeyPair:
    x = x25519.X25519PrivateKey.generate()
    x_pub = x.public_key().public_bytes_raw()
    if suite == CLASSIC:
        return KemKeyPair(suite, x.private_bytes_raw(), x_pub)
    if suite != HYBRID:
        raise ValueError("unknown key-wrapping suite")
    m = mlkem.MLKEM768PrivateKey.generate()
    return KemKeyPair(
        suite,
        m.private_bytes_raw() + x.private_bytes_raw(),
        m.public_key().public_bytes_raw() + x_pub,
    )


def _public(suite: str, public: bytes) -> object:
    if suite == CLASSIC:
        return x25519.X25519PublicKey.from_public_bytes(public)
    if len(public) != _MLKEM768_PUB_LEN + 32:
        raise DecryptError("malformed hybrid public key")
    return hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(public[:_MLKEM768_PUB_LEN]),
        x25519.X25519PublicKey.from_public_bytes(public[_MLKEM768_PUB_LEN:]),
    )


def _private(suite: str, private: bytes) -> object:
    if suite == CLASSIC:
        return x25519.X25519PrivateKey.from_private_bytes(private)
    if len(private) != _MLKEM_SEED_LEN + 32:
        raise DecryptError("malformed hybrid private key")
    return hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(private[:_MLKEM_SEED_LEN]),
        x25519.X25519PrivateKey.from_private_bytes(private[_MLKEM_SEED_LEN:]),
    )


def wrap(suite: str, public: bytes, key: bytes, info: bytes) -> bytes:
    try:
        return _suite(suite).encrypt(key, _public(suite, public), info=info)  # type: ignore[arg-type]
    except ValueError:
        raise DecryptError("the public key cannot receive a wrapped key") from None


def unwrap(suite: str, private: bytes, blob: bytes, info: bytes) -> bytes:
    try:
        return _suite(suite).decrypt(blob, _private(suite, private), info=info)  # type: ignore[arg-type]
    except (InvalidTag, ValueError):
        raise DecryptError("wrapped key failed to open") from None
