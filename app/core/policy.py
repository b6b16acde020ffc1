"""Environment policies: step-up, its window, clipboard timeout, rotation period, review cadence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from app.core.errors import InvalidInput

STEP_UP_MODES = ("none", "totp")
REVIEW_CADENCES = {"monthly": 30, "quarterly": 91, "semiannual": 182, "annual": 365}


@dataclass(frozen=True)
class Policy:
    step_up: str = "none"
    step_up_window_s: int = 300
    clipboard_s: int = 30
    rotation_days: int = 180
    review: str = "quarterly"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data}).checked()

    def with_changes(self, **changes: Any) -> Policy:
        return replace(self, **{k: v for k, v in changes.items() if v is not None}).checked()

    def checked(self) -> Policy:
        if self.step_up not in STEP_UP_MODES:
            raise InvalidInput(f"step-up must be one of {', '.join(STEP_UP_MODES)}")
        if not 30 <= self.step_up_window_s <= 8 * 3600:
            raise InvalidInput("step-up window must be between 30 seconds and 8 hours")
        if not 5 <= self.clipboard_s <= 600:
            raise InvalidInput("clipboard timeout must be between 5 and 600 seconds")
        if not 1 <= self.rotation_days <= 3650:
            raise InvalidInput("rotation period must be between 1 and 3650 days")
        if self.review not in REVIEW_CADENCES:
            raise InvalidInput(f"review cadence must be one of {', '.join(REVIEW_CADENCES)}")
        return self


DEFAULTS = {
    "dev": Policy(step_up="none", clipboard_s=30, rotation_days=180, review="semiannual"),
    "staging": Policy(step_up="none", clipboard_s=20, rotation_days=120, review="quarterly"),
    "prod": Policy(step_up="totp", step_up_window_s=300, clipboard_s=10, rotation_days=90),
}


def default_for(env_name: str) -> Policy:
    return DEFAULTS.get(env_name, Policy())
