import json

import pytest

from app.core.errors import InvalidInput
from app.services.settings import REGISTRY, Settings, config_dir


def test_defaults_then_saved_values_survive_a_restart(tmp_path):
    settings = Settings()
    assert settings.path.parent == config_dir()
    assert settings.get("idle_lock_min") == 5
    assert settings.get("theme") == "system"
    settings.set("idle_lock_min", 15)
    settings.set("theme", "dark")
    again = Settings()
    assert (again.get("idle_lock_min"), again.get("theme")) == (15, "dark")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("idle_lock_min", 0, "at least 1"),
        ("clipboard_max_s", 601, "at most 600"),
        ("theme", "purple", "one of system, light, dark"),
        ("idle_lock_min", "5", "whole number"),
        ("master_password", "hunter2", "unknown setting"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(key, value, message):
    settings = Settings()
    with pytest.raises(InvalidInput, match=message):
        settings.set(key, value)
    assert not settings.path.exists()


def test_a_damaged_file_falls_back_to_defaults():
    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"idle_lock_min": -3, "theme": "light", "junk": 1}))
    settings = Settings()
    assert settings.get("idle_lock_min") == 5
    assert settings.get("theme") == "light"


def test_recent_vaults_newest_first_without_duplicates(tmp_path):
    settings = Settings()
    for name in ("a.kl", "b.kl", "a.kl"):
        settings.remember_vault(tmp_path / name)
    assert settings.get("recent_vaults") == [str(tmp_path / "a.kl"), str(tmp_path / "b.kl")]


def test_every_setting_is_described_and_none_holds_secrets():
    for setting in REGISTRY:
        assert setting.description
        assert not any(w in setting.key for w in ("pass", "secret", "key", "token"))
