"""The Secret Key: 128 random bits, the second secret of the two-secret derivation.

Written for people as 'KL1-' and 29 base32 characters in groups of five (16 bytes of key and
2 bytes of SHA-256 checksum), so a typo is caught before a slow unlock.
"""

from __future__ import annotations

import base64
import hashlib
import os

PREFIX = "KL1"
KEY_LEN = 16


class SecretKeyFormatError(ValueError):
    pass


def new() -> bytes:
    return os.urandom(KEY_LEN)


def _check(key: bytes) -> bytes:
    return hashlib.sha256(b"keyledger-secret-key" + key).digest()[:2]


def format_key(key: bytes) -> str:
    body = base64.b32encode(key + _check(key)).decode("ascii").rstrip("=")
    groups = [body[i : i + 5] for i in range(0, len(body), 5)]
    return "-".join([PREFIX, *groups])


def parse(text: str) -> bytes:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if not cleaned.startswith(PREFIX):
        raise SecretKeyFormatError("a Secret Key starts with KL1-")
    body = cleaned[len(PREFIX) :]
    if len(body) != 29:
        raise SecretKeyFormatError("a Secret Key has 29 characters after KL1-")
    try:
        raw = base64.b32decode(body + "===")
    except ValueError:
        raise SecretKeyFormatError("the Secret Key has characters outside A-Z and 2-7") from None
    if base64.b32encode(raw).decode("ascii").rstrip("=") != body:
        raise SecretKeyFormatError("the Secret Key is mistyped (its last character is wrong)")
    key, check = raw[:KEY_LEN], raw[KEY_LEN:]
    if _check(key) != check:
        raise SecretKeyFormatError("the Secret Key is mistyped (checksum does not match)")
    return key
