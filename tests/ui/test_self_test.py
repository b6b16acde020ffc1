"""`keyledger --self-test`: passes on a working install, and says in one line what broke."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from app.cli.main import main
from app.services import paths
from app.ui import resources
from app.ui.self_test import run_self_test


def test_passes_and_leaves_no_trace(qapp, capsys, memory_keyring):
    assert run_self_test() == 0
    out, err = capsys.readouterr()
    assert out.startswith("keyledger: self-test passed in ")
    assert "unlock, copy, clipboard clear, lock" in out
    assert err == ""
    assert not paths.data_dir().exists()  # it worked in a folder of its own
    assert memory_keyring.items == {}  # and never wrote to the keychain
    assert keyring.get_keyring() is memory_keyring


def test_a_missing_file_fails_in_one_line(qapp, capsys, monkeypatch):
    monkeypatch.setattr(resources, "_APP", Path("/nowhere/app"))
    with pytest.raises(SystemExit) as exit_:
        main(["--self-test"])
    assert exit_.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("keyledger: self-test failed at resources: ")
    assert "resources/themes/light.qss" in err
