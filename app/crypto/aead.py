"""AES-256-GCM envelopes: suite byte, 96-bit random nonce, ciphertext and tag.

The associated data binds each ciphertext to its place (vault, scope, epoch, record, version,
field), so a ciphertext moved to another row or environment fails to open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.errors import DecryptError

SUITE_AES256GCM = 1
NONCE_LEN = 12
OVERHEAD = 1 + NONCE_LEN + 16


def context(*parts: str | int) -> bytes:
    """Associated data: 'keyledger/v1' and the parts joined by '|'. Parts must not contain '|'."""
    text = [str(p) for p in parts]
    for p in text:
        if "|" in p:
            raise ValueError("context parts must not contain '|'")
    try:
        return "|".join(["keyledger/v1", *text]).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("context parts must be valid Unicode text") from None


class Sealer:
    """One reusable AES-256-GCM key (building AESGCM per call costs ~3x more)."""

    __slots__ = ("_aes",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aes = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_LEN)
        return bytes([SUITE_AES256GCM]) + nonce + self._aes.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        if len(blob) < OVERHEAD or blob[0] != SUITE_AES256GCM:
            raise DecryptError("unknown or truncated ciphertext")
        try:
            return self._aes.decrypt(blob[1 : 1 + NONCE_LEN], blob[1 + NONCE_LEN :], aad)
        except InvalidTag:
            raise DecryptError("ciphertext failed authentication") from None


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return Sealer(key).seal(plaintext, aad)


def open_(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return Sealer(key).open(blob, aad)
