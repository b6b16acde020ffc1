"""`keyledger evidence …` and `audit list` filters as a user meets them: output, files, codes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import evidence_cmd
from tests.cli.conftest import Cli, one_line

EVIL = '=HYPERLINK("http://x","y")'
THIS_YEAR = ("--from", "2000-01-01", "--to", "2099-12-31")


@pytest.fixture
def team(cli: Cli) -> Cli:
    assert cli.v("secret", "add", "dev", EVIL, stdin="whsec-" + "w" * 30 + "\n").code == 0
    return cli


def exported(cli: Cli, tmp_path: Path) -> Path:
    out = tmp_path / "pack.zip"
    result = cli.v("evidence", "export", *THIS_YEAR, "--out", str(out))
    assert result.code == 0, result.err
    assert result.out.startswith(f"Wrote {out}: ")
    assert "signed by alice (key fingerprint " in result.out
    return out


def last_event(cli: Cli) -> dict:
    return json.loads(cli.v("audit", "list", "--json").out)[-1]


def test_export_then_verify_says_ok_and_names_what_it_checked(team: Cli, tmp_path: Path):
    pack = exported(team, tmp_path)
    result = team("evidence", "verify", str(pack))
    assert result.code == 0
    assert one_line(result.out).startswith("OK: pack.zip: Acme AI, 2000-01-01 to 2099-12-31,")
    with_vault = team("evidence", "verify", str(pack), "--vault", str(team.vault), "--json")
    report = json.loads(with_vault.out)
    assert report["ok"] is True
    assert "head in the vault's ledger" in report["checked"]
    event = last_event(team)
    assert (event["action"], event["details"]["kind"]) == ("export", "evidence")


def test_a_changed_file_fails_with_exit_5_naming_it(team: Cli, tmp_path: Path):
    pack = exported(team, tmp_path)
    with zipfile.ZipFile(pack) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist()}
    files["secret-inventory.csv"] = files["secret-inventory.csv"].replace(b"dev", b"dew")
    with zipfile.ZipFile(pack, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    result = team("evidence", "verify", str(pack))
    assert result.code == 5
    assert "secret-inventory.csv was changed" in one_line(result.err)
    as_json = team("evidence", "verify", str(pack), "--json")
    assert as_json.code == 5
    assert json.loads(as_json.out)["ok"] is False


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--from", "2026-13-01", "--to", "2026-12-31"), 2, "is not a date of the form"),
        (("--from", "2026-06-30", "--to", "2026-01-01"), 2, "starts (2026-06-30) after it ends"),
        (("--from", "2026-01-01"), 2, "Missing option '--to'"),
    ],
)
def test_bad_periods_are_one_line_errors(team: Cli, tmp_path: Path, args, code, message):
    result = team.v("evidence", "export", *args, "--out", str(tmp_path / "p.zip"))
    assert result.code == code
    assert message in one_line(result.err)
    assert not (tmp_path / "p.zip").exists()


def test_existing_output_missing_folder_and_missing_pack(team: Cli, tmp_path: Path):
    pack = exported(team, tmp_path)
    again = team.v("evidence", "export", *THIS_YEAR, "--out", str(pack))
    assert again.code == 1
    assert "already exists; pass --force" in one_line(again.err)
    assert team.v("evidence", "export", *THIS_YEAR, "--out", str(pack), "--force").code == 0
    nowhere = team.v("evidence", "export", *THIS_YEAR, "--out", str(tmp_path / "no" / "p.zip"))
    assert nowhere.code == 2
    assert "does not exist" in one_line(nowhere.err)
    missing = team("evidence", "verify", str(tmp_path / "missing.zip"))
    assert missing.code == 1
    assert "no evidence pack at" in one_line(missing.err)


def test_ctrl_c_cancels_cleanly(team: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    @contextlib.contextmanager
    def pressed() -> Iterator[list[bool]]:
        yield [True]

    monkeypatch.setattr(evidence_cmd, "_ctrl_c", pressed)
    before = sorted(tmp_path.iterdir())
    result = team.v("evidence", "export", *THIS_YEAR, "--out", str(tmp_path / "p.zip"))
    assert result.code == 1
    assert one_line(result.err) == "keyledger: cancelled; nothing was written"
    assert sorted(tmp_path.iterdir()) == before


def test_ctrl_c_sets_the_cancel_flag_instead_of_interrupting():
    with evidence_cmd._ctrl_c() as asked:
        os.kill(os.getpid(), signal.SIGINT)
        assert asked == [True]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_audit_list_filters_and_their_errors(team: Cli, tmp_path: Path):
    mine = json.loads(
        team.v("audit", "list", "--actor", "alice", "--action", "secret", "--json").out
    )
    assert [(e["action"], e["secret"]) for e in mine] == [("secret.create", EVIL)]
    dev = json.loads(team.v("audit", "list", "--env", "dev", "--json").out)
    assert {e["env"] for e in dev} == {"dev"}
    none = json.loads(team.v("audit", "list", "--until", "2000-01-01", "--json").out)
    assert none == []
    for args, code, message in [
        (("--actor", "carol"), 1, "no member named 'carol'"),
        (("--env", "qa"), 1, "no environment named 'qa'"),
        (("--since", "yesterday"), 2, "is not a date of the form"),
        (("--since", "2026-02-01", "--until", "2026-01-01"), 2, "after it ends"),
        (("--json", "--csv", str(tmp_path / "a.csv")), 2, "choose one of --csv FILE and --json"),
    ]:
        result = team.v("audit", "list", *args)
        assert result.code == code, args
        assert message in one_line(result.err)
    assert team.v("audit", "verify").out.startswith("OK: ")


def test_every_export_is_an_audit_event(team: Cli, tmp_path: Path):
    for args, kind, name in [
        (("audit", "list", "--csv", str(tmp_path / "a.csv")), "audit-csv", "a.csv"),
        (("rotation", "log", "--csv", str(tmp_path / "r.csv")), "rotation-log-csv", "r.csv"),
        (("rotation", "export-ics", str(tmp_path / "r.ics")), "rotation-calendar", "r.ics"),
    ]:
        result = team.v(*args)
        assert result.code == 0, result.err
        event = last_event(team)
        assert (event["action"], event["details"]["kind"]) == ("export", kind)
        assert event["details"]["files"] == [name]
        assert len(event["details"]["sha256"]) == 64
    filtered = team.v("rotation", "log", "--env", "prod", "--csv", str(tmp_path / "p.csv"))
    assert filtered.code == 0, filtered.err
    assert last_event(team)["env"] == "prod"  # named in the history like any other event
    refused = team.v("audit", "list", "--csv", str(tmp_path / "a.csv"))
    assert refused.code == 1
    assert "already exists" in one_line(refused.err)


def test_the_export_loads_its_modules_while_argon2_runs(
    team: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from app.services.vault import Vault

    given: list[object] = []
    real = Vault.unlock.__func__  # type: ignore[attr-defined]

    def unlock(cls, *args, meanwhile=None, **kwargs):
        given.append(meanwhile)
        return real(cls, *args, meanwhile=meanwhile, **kwargs)

    monkeypatch.setattr(Vault, "unlock", classmethod(unlock))
    exported(team, tmp_path)
    assert given == [evidence_cmd._load_export]
