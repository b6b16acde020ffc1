"""Personal settings: one declarative registry, stored as JSON in the user's config folder.

Nothing secret is ever a setting: the registry only admits ints, strings from a fixed choice
and lists of file paths.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import InvalidInput


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type
    default: Any
    description: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()


REGISTRY: tuple[Setting, ...] = (
    Setting(
        "clipboard_max_s",
        int,
        30,
        "Clear the clipboard after at most this many seconds"
        " (an environment's policy may clear it sooner)",
        5,
        600,
    ),
    Setting(
        "idle_lock_min", int, 5, "Lock the vault after this many minutes without input", 1, 240
    ),
    Setting(
        "due_soon_days",
        int,
        14,
        "Call a key 'due soon' this many days before its rotation date",
        1,
        90,
    ),
    Setting("theme", str, "system", "Colour theme", choices=("system", "light", "dark")),
    Setting("recent_vaults", list, [], "Vault files opened recently, newest first"),
)
_BY_KEY = {s.key: s for s in REGISTRY}
MAX_RECENT = 8


def config_dir() -> Path:
    override = os.environ.get("KEYLEDGER_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("keyledger", appauthor=False))


def validate(key: str, value: Any) -> Any:
    setting = _BY_KEY.get(key)
    if setting is None:
        raise InvalidInput(f"unknown setting {key!r}")
    if setting.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"{key} must be a whole number")
        if setting.minimum is not None and value < setting.minimum:
            raise InvalidInput(f"{key} must be at least {setting.minimum}")
        if setting.maximum is not None and value > setting.maximum:
            raise InvalidInput(f"{key} must be at most {setting.maximum}")
    elif setting.kind is str:
        if value not in setting.choices:
            raise InvalidInput(f"{key} must be one of {', '.join(setting.choices)}")
    elif setting.kind is list and not (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        raise InvalidInput(f"{key} must be a list of paths")
    return value


class Settings:
    """Read once, written whole on every change (atomically)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "settings.json"
        self._values: dict[str, Any] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        if isinstance(raw, dict):
            for key, value in raw.items():
                try:
                    self._values[key] = validate(key, value)
                except InvalidInput:
                    continue  # an unknown or broken entry falls back to the default

    def get(self, key: str) -> Any:
        if key in self._values:
            return self._values[key]
        return _BY_KEY[key].default

    def set(self, key: str, value: Any) -> None:
        self._values[key] = validate(key, value)
        self._save()

    def remember_vault(self, path: Path) -> None:
        text = str(path.resolve())
        recent = [p for p in self.get("recent_vaults") if p != text]
        self.set("recent_vaults", [text, *recent][:MAX_RECENT])

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._values, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
