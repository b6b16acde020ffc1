"""The command line run in-process, the way a user's shell would run it."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli.main import main
from tests.conftest import PASSPHRASE


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
        self.vault = tmp_path / "team.kl"
        self.kit = tmp_path / "kit.txt"
        self.monkeypatch, self.capsys = monkeypatch, capsys
        monkeypatch.setenv("KEYLEDGER_PASSPHRASE", PASSPHRASE)

    def __call__(self, *args: str, stdin: str = "") -> Result:
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def v(self, *args: str, stdin: str = "") -> Result:
        return self(
            "--vault", str(self.vault), "--secret-key-file", str(self.kit), *args, stdin=stdin
        )


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys) -> Cli:
    runner = Cli(tmp_path, monkeypatch, capsys)
    made = runner(
        "init",
        str(runner.vault),
        "--name",
        "Acme AI",
        "--member",
        "alice",
        "--kdf-seconds",
        "0",
        "--secret-key-file",
        str(runner.kit),
    )
    assert made.code == 0, made.err
    return runner


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]
