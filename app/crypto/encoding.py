"""Canonical encoding used for every hashed or signed structure.

Canonical JSON: UTF-8, keys sorted, no insignificant whitespace, no floats; bytes are carried as
base64url strings without padding. SECURITY.md specifies it for independent verifiers.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import orjson


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected a base64url string")
    pad = "=" * (-len(text) % 4)
    data = base64.urlsafe_b64decode(text + pad)
    if b64e(data) != text:  # one value, one encoding: no padding, '+', '/' or stray bits
        raise ValueError("not canonical base64url")
    return data


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        raise ValueError("floats are not allowed in canonical JSON")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError("object keys must be strings")
            _reject_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _reject_floats(v)


def canonical(obj: Any) -> bytes:
    _reject_floats(obj)
    return _encode(obj)


def _encode(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


# JSON from UTF-8 bytes or text; ValueError (orjson.JSONDecodeError) if it is not one valid
# JSON value. Stricter than `json.loads` where a canonical writer never goes (NaN, Infinity, a
# lone surrogate, nesting past 1024; an integer past 64 bits is read as a float) and otherwise
# the same: the last of two equal keys wins, space around the value is allowed. Every reader
# of event bodies and sealed records uses it, so all read one file alike. orjson's own
# function, not a wrapper: it is called for every event of a verify or an export.
read_json: Callable[[bytes | str], Any] = orjson.loads


def _no_float(text: str) -> Any:
    raise ValueError("floats are not allowed in canonical JSON")


def parse_canonical(data: bytes) -> Any:
    """Parse bytes that must already be in canonical form; anything else is rejected.

    A float (or NaN, Infinity) is refused as it is parsed, so the value needs no walk for
    floats before it is encoded again for the comparison (a commit header lists 10k hashes).
    """
    obj = json.loads(data.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
    if _encode(obj) != data:
        raise ValueError("not in canonical form")
    return obj


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
