"""The command line as a user meets it: output, exit codes, one-line errors, nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, one_line
from tests.conftest import PASSPHRASE

OPENAI = "sk-proj-" + "R" * 40


def test_init_shows_the_emergency_kit_once_and_keeps_the_key(cli: Cli, memory_keyring):
    kit = cli.kit.read_text()
    assert "Secret Key:  KL1-" in kit
    assert "Acme AI" in kit
    assert cli.kit.stat().st_mode & 0o077 == 0
    stored = [v for (svc, user), v in memory_keyring.items.items() if user.startswith("secret-")]
    assert len(stored) == 1
    assert stored[0] in kit
    again = cli("init", str(cli.vault), "--name", "X", "--member", "alice", "--kdf-seconds", "0")
    assert again.code == 1
    assert "already exists" in one_line(again.err)


def test_add_list_get_show_history(cli: Cli):
    added = cli.v("secret", "add", "dev", "OpenAI dev", "--tag", "llm", stdin=OPENAI + "\n")
    assert added.code == 0
    assert "as $OPENAI_API_KEY" in added.out
    listed = cli.v("secret", "list", "--json")
    rows = json.loads(listed.out)
    assert [(r["env"], r["name"], r["provider"], r["tags"]) for r in rows] == [
        ("dev", "OpenAI dev", "openai", ["llm"])
    ]
    assert OPENAI not in listed.out
    got = cli.v("secret", "get", "dev", "OpenAI dev")
    assert got.code == 0
    assert got.out == OPENAI + "\n"
    shown = cli.v("secret", "show", "dev", "OpenAI dev")
    assert "fingerprint: sha256:" in shown.out
    assert OPENAI not in shown.out
    rotated = cli.v(
        "secret", "rotate", "dev", "OpenAI dev", "--reason", "exposure", stdin="sk-proj-" + "S" * 40
    )
    assert rotated.code == 0
    assert "version 2" in rotated.out
    hist = json.loads(cli.v("secret", "history", "dev", "OpenAI dev", "--json").out)
    assert [(h["version"], h["reason"]) for h in hist] == [(2, "exposure"), (1, "created")]


def test_import_and_run(cli: Cli, tmp_path: Path):
    dotenv = tmp_path / "app.env"
    dotenv.write_text('export GROQ_API_KEY="gsk_' + "T" * 30 + '"\nFOO=bar # comment\n')
    imported = cli.v("import", "--env", "dev", str(dotenv))
    assert imported.code == 0
    assert "2 added" in imported.out
    again = cli.v("import", "--env", "dev", str(dotenv))
    assert again.code == 1
    assert "nothing was imported" in one_line(again.err)
    script = "import os,sys; sys.exit(0 if os.environ['FOO']=='bar' else 9)"
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--vault",
            str(cli.vault),
            "--secret-key-file",
            str(cli.kit),
            "run",
            "--env",
            "dev",
            "--",
            sys.executable,
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert ran.returncode == 0, ran.stderr
    failing = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--vault",
            str(cli.vault),
            "--secret-key-file",
            str(cli.kit),
            "run",
            "--env",
            "dev",
            "--",
            sys.executable,
            "-c",
            "raise SystemExit(7)",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert failing.returncode == 7


def test_bad_dotenv_is_a_usage_error_naming_the_line(cli: Cli, tmp_path: Path):
    bad = tmp_path / "bad.env"
    bad.write_text("GOOD=1\nthis line has no equals\n")
    result = cli.v("import", "--env", "dev", str(bad))
    assert result.code == 2
    assert "line 2" in one_line(result.err)
    assert json.loads(cli.v("secret", "list", "--json").out) == []


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (("secret", "add", "dev", "k"), "", 2, "empty"),
        (("secret", "add", "qa", "k"), "v" * 20, 1, "no environment named 'qa'"),
        (("secret", "add", "dev", "k", "--env-var", "9X"), "v" * 20, 2, "variable name"),
        (("secret", "get", "dev", "missing"), "", 1, "no secret named 'missing'"),
        (
            ("secret", "rotate", "dev", "missing", "--reason", "scheduled"),
            "v" * 20,
            1,
            "no secret named",
        ),
        (("env", "policy", "prod", "--clipboard", "1"), "", 2, "clipboard timeout"),
        (("env", "add", "Bad Name"), "", 2, "environment name"),
    ],
)
def test_mistakes_get_one_line_and_an_exit_code(cli: Cli, args, stdin, code, message):
    before = cli.vault.read_bytes()
    result = cli.v(*args, stdin=stdin)
    assert result.code == code
    assert message in one_line(result.err)
    assert cli.vault.read_bytes() == before


def test_authentication_failures_exit_3(cli: Cli, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("KEYLEDGER_PASSPHRASE", "a wrong passphrase")
    result = cli.v("secret", "list")
    assert result.code == 3
    assert "wrong passphrase or Secret Key" in one_line(result.err)
    monkeypatch.setenv("KEYLEDGER_PASSPHRASE", PASSPHRASE)
    typo = tmp_path / "typo.txt"
    typo.write_text(cli.kit.read_text().replace("KL1-", "KL1-A"))
    result = cli("--vault", str(cli.vault), "--secret-key-file", str(typo), "secret", "list")
    assert result.code == 3
    assert "Secret Key" in one_line(result.err)


def test_passphrase_file_and_missing_passphrase(cli: Cli, monkeypatch, tmp_path: Path):
    monkeypatch.delenv("KEYLEDGER_PASSPHRASE")
    result = cli.v("secret", "list")
    assert result.code == 2
    assert "no passphrase" in one_line(result.err)
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSPHRASE + "\n")
    assert cli.v("--passphrase-file", str(pw), "secret", "list").code == 0


@pytest.mark.parametrize(
    "content", [b"", b"hello, not a vault\n", b"SQLite format 3\x00" + bytes(90)]
)
def test_not_a_vault_exits_5(cli: Cli, tmp_path: Path, content: bytes):
    other = tmp_path / "other.kl"
    other.write_bytes(content)
    result = cli("--vault", str(other), "--secret-key-file", str(cli.kit), "secret", "list")
    assert result.code == 5, result.err
    one_line(result.err)
    assert other.read_bytes() == content


def test_missing_vault_and_no_vault(cli: Cli, tmp_path: Path):
    result = cli("--vault", str(tmp_path / "nope.kl"), "secret", "list")
    assert result.code == 1
    assert "no vault at" in one_line(result.err)
    result = cli("secret", "list")
    assert result.code == 2
    assert "--vault" in one_line(result.err)


def test_verify_and_audit(cli: Cli):
    cli.v("secret", "add", "dev", "k1", stdin="value-for-k1-xyz")
    cli.v("secret", "get", "dev", "k1")
    verified = cli.v("verify", "--json")
    assert verified.code == 0
    assert json.loads(verified.out)["commits"] == 3
    entries = json.loads(cli.v("audit", "list", "--json").out)
    assert [e["action"] for e in entries[-2:]] == ["secret.create", "secret.reveal"]
    assert "value-for-k1-xyz" not in json.dumps(entries)


def test_help_documents_exit_codes():
    done = subprocess.run(
        [sys.executable, "-m", "app", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    for line in ("3  authentication failed", "5  integrity", "6  locked out"):
        assert line in done.stdout


def test_values_are_never_taken_from_arguments():
    from app.cli.main import cli as group

    def params(cmd):
        yield from cmd.params
        for sub in getattr(cmd, "commands", {}).values():
            yield from params(sub)

    names = {p.name for p in params(group)}
    assert not names & {"value", "password", "passphrase", "secret"}


class FakeBoard:
    name = "fake"

    def __init__(self) -> None:
        self.text = "what the user had"
        self.copies: list[str] = []

    def copy(self, text: str) -> None:
        self.copies.append(text)
        self.text = text

    def paste(self) -> str:
        return self.text


def test_copy_puts_the_value_on_the_clipboard_then_clears_it(cli: Cli, monkeypatch):
    from app.services import clipboard

    board = FakeBoard()
    monkeypatch.setattr(clipboard, "detect", lambda: board)
    cli.v("secret", "add", "dev", "k1", stdin="value-for-k1-xyz")
    result = cli.v("secret", "copy", "dev", "k1", "--timeout", "1")
    assert result.code == 0
    assert board.copies == ["value-for-k1-xyz", ""]
    assert "Clipboard cleared." in result.err
    entries = json.loads(cli.v("audit", "list", "--json").out)
    assert entries[-1]["action"] == "secret.copy"


def test_copy_leaves_what_the_user_copied_meanwhile(monkeypatch):
    from app.services import clipboard

    board = FakeBoard()
    board.copy("our secret value")
    monkeypatch.setattr(clipboard.time, "sleep", lambda _s: board.copy("the user's own text"))
    assert clipboard.hold_then_clear(board, "our secret value", 0.01) is False
    assert board.text == "the user's own text"


def test_copy_without_a_clipboard_is_a_clear_error(cli: Cli, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    cli.v("secret", "add", "dev", "k1", stdin="value-for-k1-xyz")
    result = cli.v("secret", "copy", "dev", "k1")
    assert result.code == 1
    assert "no clipboard found" in one_line(result.err)
