"""Fast reading of sealed catalog records (names, metadata, audit bodies) in bulk.

`Vault.open_catalog` checks and decodes with care for one record; a history or a pack of 100k
records needs the same check with less overhead: one AES key per epoch, the associated data
built from a prefix, and bodies that already passed their hash check decoded directly.
"""

from __future__ import annotations

import json
from base64 import urlsafe_b64decode
from typing import Any

from app.core.errors import IntegrityFailure
from app.crypto import aead
from app.crypto.errors import DecryptError
from app.services.vault import Vault

_decode = json.JSONDecoder().decode  # json.loads sniffs the encoding of bytes every call


class CatalogReader:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._sealers: dict[int, aead.Sealer] = {}
        self._prefix = aead.context(vault.vault_id) + b"|"

    def open(self, blob: str, epoch: int, *context: str | int) -> dict[str, Any]:
        """A record sealed under the vault key at `epoch` with context (…, epoch)."""
        sealer = self._sealers.get(epoch)
        if sealer is None:
            sealer = self._sealers[epoch] = self.vault.sealer("vault", epoch)
        aad = self._prefix + "|".join([*map(str, context), str(epoch)]).encode()
        try:
            plain = sealer.open(urlsafe_b64decode(blob + "=="), aad)
            data: dict[str, Any] = _decode(plain.decode("utf-8"))
        except (DecryptError, ValueError, TypeError):
            raise IntegrityFailure(
                "a sealed record failed to decrypt: the file was altered"
            ) from None
        return data


def decode_body(body: bytes) -> dict[str, Any]:
    """An event body (hash-checked bytes of canonical JSON)."""
    try:
        event: dict[str, Any] = _decode(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise IntegrityFailure("an event in the ledger is not valid JSON") from None
    return event
