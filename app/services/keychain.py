"""The OS keychain (through `keyring`): members' Secret Keys and each vault's pinned head.

Where no keychain exists (a headless Linux box without Secret Service), Secret Keys are never
written anywhere silently: the user is told, and keeps the key in a file of their choosing or
types it. Pinned heads then fall back to a file in the data folder, which guards against an
accidental rollback but not against someone who can also edit that folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import AuthFailed, KeyLedgerError
from app.crypto import secretkey
from app.services import paths

SERVICE = "keyledger"


class NoKeychain(KeyLedgerError):
    pass


@dataclass(frozen=True)
class Pin:
    seq: int
    hash: str


def available() -> bool:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    chained = getattr(backend, "backends", None)
    return chained is None or bool(chained)


def backend_name() -> str:
    import keyring

    return type(keyring.get_keyring()).__module__.replace("keyring.backends.", "")


def _user(vault_id: str, member_id: str) -> str:
    return f"secret-key:{vault_id}:{member_id}"


def store_secret_key(vault_id: str, member_id: str, key: bytes) -> None:
    import keyring
    from keyring.errors import KeyringError

    if not available():
        raise NoKeychain(
            f"no OS keychain is available ({backend_name()}); keep the Secret Key in a file with"
            " --secret-key-file PATH, or type it when asked"
        )
    try:
        keyring.set_password(SERVICE, _user(vault_id, member_id), secretkey.format_key(key))
    except KeyringError as exc:
        raise NoKeychain(f"the OS keychain refused to store the Secret Key ({exc})") from None


def load_secret_key(vault_id: str, member_id: str) -> bytes | None:
    import keyring
    from keyring.errors import KeyringError

    if not available():
        return None
    try:
        text = keyring.get_password(SERVICE, _user(vault_id, member_id))
    except KeyringError:
        return None
    if text is None:
        return None
    try:
        return secretkey.parse(text)
    except secretkey.SecretKeyFormatError:
        raise AuthFailed("the Secret Key in the OS keychain is damaged") from None


def read_secret_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuthFailed(f"cannot read the Secret Key file {path}: {exc.strerror}") from None
    lines = re.findall(r"KL1-[A-Za-z2-7 -]{29,}", text)
    if not lines:
        raise AuthFailed(f"{path} holds no Secret Key (a line starting with KL1-)")
    try:
        return secretkey.parse(lines[0])
    except secretkey.SecretKeyFormatError as exc:
        raise AuthFailed(f"the Secret Key in {path} is not valid: {exc}") from None


def write_secret_key_file(path: Path, text: str) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def load_pin(vault_id: str) -> Pin | None:
    text: str | None = None
    if available():
        import keyring
        from keyring.errors import KeyringError

        with contextlib.suppress(KeyringError):
            text = keyring.get_password(SERVICE, f"head:{vault_id}")
    if text is None:
        text = _pins_from_file().get(vault_id)
    if not text:
        return None
    data = json.loads(text)
    return Pin(int(data["seq"]), str(data["hash"]))


def save_pin(vault_id: str, pin: Pin) -> None:
    text = json.dumps({"seq": pin.seq, "hash": pin.hash})
    if available():
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, f"head:{vault_id}", text)
            return
        except KeyringError:
            pass
    _write_pin_file(vault_id, text)


def _write_pin_file(name: str, text: str) -> None:
    pins = _pins_from_file()
    pins[name] = text
    target = paths.pins_file()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(pins, sort_keys=True), encoding="utf-8")
    os.replace(tmp, target)


def _pins_from_file() -> dict[str, str]:
    try:
        data = json.loads(paths.pins_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def load_state(name: str) -> dict[str, Any] | None:
    """Small non-secret state mirrored outside the vault file (e.g. TOTP failure counters)."""
    text: str | None = None
    if available():
        import keyring
        from keyring.errors import KeyringError

        with contextlib.suppress(KeyringError):
            text = keyring.get_password(SERVICE, name)
    if text is None:
        text = _pins_from_file().get(name)
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def save_state(name: str, data: dict[str, object]) -> None:
    text = json.dumps(data, sort_keys=True)
    if available():
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, name, text)
            return
        except KeyringError:
            pass
    _write_pin_file(name, text)
