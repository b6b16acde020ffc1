"""Member unlock key: MUK = HKDF-SHA256(Argon2id(passphrase), salt=Secret Key).

Argon2id parameters are stored per member and authenticated as associated data of the sealed
private keys, so lowering them in the file makes unlocking fail instead of weakening it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_MEMORY_KIB = 64 * 1024
MAX_MEMORY_KIB = 4 * 1024 * 1024
MIN_ITERATIONS = 3
MAX_ITERATIONS = 64
LANES = 4
SALT_LEN = 16


@dataclass(frozen=True)
class KdfParams:
    salt: bytes
    memory_kib: int = MIN_MEMORY_KIB
    iterations: int = MIN_ITERATIONS
    lanes: int = LANES

    def check(self) -> None:
        if len(self.salt) != SALT_LEN:
            raise ValueError("Argon2id salt must be 16 bytes")
        if not MIN_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB:
            raise ValueError("Argon2id memory outside 64 MiB..4 GiB")
        if not MIN_ITERATIONS <= self.iterations <= MAX_ITERATIONS:
            raise ValueError("Argon2id iterations outside 3..64")
        if self.lanes != LANES:
            raise ValueError("Argon2id lanes must be 4")

    def to_dict(self) -> dict[str, Any]:
        from app.crypto.encoding import b64e

        return {
            "alg": "argon2id",
            "salt": b64e(self.salt),
            "m": self.memory_kib,
            "t": self.iterations,
            "p": self.lanes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KdfParams:
        from app.crypto.encoding import b64d

        if data.get("alg") != "argon2id":
            raise ValueError("unknown key derivation")
        params = cls(b64d(data["salt"]), int(data["m"]), int(data["t"]), int(data["p"]))
        params.check()
        return params


def argon2id(passphrase: bytes, params: KdfParams) -> bytes:
    params.check()
    return Argon2id(
        salt=params.salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(passphrase)


def member_unlock_key(passphrase: str, secret_key: bytes, params: KdfParams, info: bytes) -> bytes:
    stretched = argon2id(passphrase.encode("utf-8"), params)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=secret_key, info=info).derive(stretched)


def calibrate(target_seconds: float) -> KdfParams:
    """Largest memory cost (doubling from 64 MiB, t=3) that stays near the target time."""
    salt = os.urandom(SALT_LEN)
    params = KdfParams(salt)
    if target_seconds <= 0:
        return params
    started = time.perf_counter()
    argon2id(b"calibration", params)
    elapsed = time.perf_counter() - started
    memory = MIN_MEMORY_KIB
    while elapsed * 2 <= target_seconds * 1.2 and memory * 2 <= 1024 * 1024:
        memory *= 2
        elapsed *= 2
    return KdfParams(salt, memory_kib=memory)
