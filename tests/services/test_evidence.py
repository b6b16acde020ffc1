"""The evidence pack as an auditor meets it: what the files hold, and what verify catches."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from app.core import csvsafe
from app.core import evidence as layout
from app.core.clock import FixedClock
from app.core.errors import Cancelled, Conflict, IntegrityFailure, InvalidInput
from app.crypto import sign
from app.crypto.encoding import b64e
from app.services.audit import entries
from app.services.evidence import DATA_FILES, TABLES, export_pack, verify_pack
from app.services.files import sha256_file
from app.services.vault import Vault
from tests.services.evidence_world import EVIL, busy

DAY = date(2026, 11, 30)
LATER = date(2026, 12, 10)
ALL_FILES = (*DATA_FILES, layout.README, layout.SUMMARY, layout.SIGNER)
EVERY_MEMBER = (*ALL_FILES, layout.MANIFEST, layout.SIGNATURE)


@pytest.fixture
def world(vault: Vault, clock: FixedClock) -> dict[str, object]:
    return busy(vault, clock)


@pytest.fixture
def pack(vault: Vault, world, clock: FixedClock, tmp_path: Path) -> Path:
    out = tmp_path / "pack.zip"
    export_pack(vault, DAY, LATER, out, now=clock.now())
    return out


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rewrite(path: Path, files: dict[str, bytes] | list[tuple[str, bytes]]) -> Path:
    out = path.with_name("tampered.zip")
    items = files.items() if isinstance(files, dict) else files
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return out


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(csvsafe.ENCODING), newline="")))


def test_the_pack_holds_every_file_and_verifies(vault: Vault, pack: Path):
    report = verify_pack(pack)
    assert sorted(members(pack)) == sorted(EVERY_MEMBER)
    assert (report.vault_name, report.period) == ("Acme AI", ("2026-11-30", "2026-12-10"))
    assert report.generated_by == "alice"
    assert report.signer_fingerprint == layout.key_fingerprint(vault.sign_public)
    assert verify_pack(pack, vault.published).checked[-1] == "signer in the vault"


@pytest.mark.parametrize("name", EVERY_MEMBER)
def test_changing_any_byte_of_any_file_fails_naming_it(pack: Path, name: str):
    files = members(pack)
    data = bytearray(files[name])
    middle = len(data) // 2 if data else 0
    if data:
        data[middle] ^= 0x01
    else:
        data += b"x"
    files[name] = bytes(data)
    with pytest.raises(IntegrityFailure, match=name.replace(".", r"\.")):
        verify_pack(rewrite(pack, files))


def _resign(files: dict[str, bytes], key: bytes, edit=lambda m: None) -> dict[str, bytes]:
    manifest = json.loads(files[layout.MANIFEST])
    public = sign.Signer(key).public
    files[layout.SIGNER] = sign.public_pem(public)
    manifest["files"][layout.SIGNER] = layout.digest(files[layout.SIGNER])
    edit(manifest)
    files[layout.MANIFEST] = layout.manifest_bytes(manifest)
    files[layout.SIGNATURE] = sign.Signer(key).sign(layout.signing_message(files[layout.MANIFEST]))
    return files


def test_a_pack_re_signed_by_a_non_member_fails(pack: Path):
    key, _ = sign.generate()
    tampered = rewrite(pack, _resign(members(pack), key))
    with pytest.raises(IntegrityFailure, match="not the signing key of an active member"):
        verify_pack(tampered)


def test_a_forged_pack_with_its_own_member_list_passes_alone_but_not_against_the_vault(
    vault: Vault, pack: Path
):
    key, public = sign.generate()

    def forge(manifest: dict) -> None:
        manifest["members"].append(
            {"handle": "mallory", "role": "owner", "status": "active", "sign_pub": b64e(public)}
        )
        manifest["generated_by"]["handle"] = "mallory"

    forged = rewrite(pack, _resign(members(pack), key, forge))
    assert verify_pack(forged).generated_by == "mallory"  # SECURITY.md: the trust anchor
    with pytest.raises(IntegrityFailure, match="not the key of a member of team.kl"):
        verify_pack(forged, vault.published)


def test_an_edited_manifest_fails(pack: Path):
    files = members(pack)
    manifest = json.loads(files[layout.MANIFEST])
    manifest["period"]["to"] = "2026-12-31"
    files[layout.MANIFEST] = layout.manifest_bytes(manifest)
    with pytest.raises(IntegrityFailure, match=r"manifest\.sig does not verify over manifest"):
        verify_pack(rewrite(pack, files))


def test_an_extra_a_missing_or_a_traversing_file_fails(pack: Path):
    files = members(pack)
    with pytest.raises(IntegrityFailure, match="notes.txt is in the pack but not listed"):
        verify_pack(rewrite(pack, {**files, "notes.txt": b"hello"}))
    del files["rotation-log.csv"]
    with pytest.raises(IntegrityFailure, match="rotation-log.csv is listed .* but missing"):
        verify_pack(rewrite(pack, files))
    for bad in ("../evil.csv", "/etc/evil.csv", "sub/evil.csv", "..", "C:evil"):
        with pytest.raises(IntegrityFailure, match="unsafe name"):
            verify_pack(rewrite(pack, {**members(pack), bad: b"x"}))


def test_duplicate_names_and_zip_bombs_are_refused(pack: Path):
    files = list(members(pack).items())
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = rewrite(pack, [*files, ("README.txt", b"other")])
    with pytest.raises(IntegrityFailure, match="README.txt' twice"):
        verify_pack(twice)
    bomb = rewrite(pack, [*files, ("zeros.csv", bytes(8 << 20))])
    with pytest.raises(IntegrityFailure, match="zeros.csv expands more than any evidence file"):
        verify_pack(bomb)
    not_zip = pack.with_name("not.zip")
    not_zip.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(IntegrityFailure, match="not a readable zip"):
        verify_pack(not_zip)


def test_formula_cells_are_neutralised_in_every_csv(pack: Path):
    files = members(pack)
    seen = []
    for name in (n for n in files if n.endswith(".csv")):
        text = files[name].decode(csvsafe.ENCODING)
        lines = [line for line in text.split("\r\n") if line]
        assert all(line.startswith('"') and line.endswith('"') for line in lines), name
        for row in csv_rows(files[name]):
            bad = [c for c in row if c.startswith(csvsafe.FORMULA_STARTS)]
            assert not bad, (name, bad)
            seen += row
    assert "'" + EVIL in seen
    for text in (
        "'+false alarm",
        "'-owner",
        "'-tag; @tag",
        "'@alice",
        "'@INC-7",
        "'-pasted in chat",
    ):
        assert text in seen or any(text in cell for cell in seen), text


def test_jsonl_holds_the_same_rows_as_csv(pack: Path):
    files = members(pack)
    for stem in TABLES:
        header, *rows = csv_rows(files[f"{stem}.csv"])
        records = [json.loads(line) for line in files[f"{stem}.jsonl"].decode().splitlines()]
        assert len(records) == len(rows), stem
        for record, row in zip(records, rows, strict=True):
            assert list(record) == header
            as_csv = [
                csvsafe.cell(
                    json.dumps(v, sort_keys=True, ensure_ascii=False)
                    if isinstance(v, dict | list)
                    else v
                )
                for v in record.values()
            ]
            assert as_csv == row, stem
    assert json.loads(files["secret-inventory.jsonl"].splitlines()[0])["name"] in (EVIL, "")


def test_the_period_bounds_the_events_and_the_logs(vault: Vault, world, clock, tmp_path: Path):
    out = tmp_path / "later.zip"
    result = export_pack(vault, LATER, LATER, out, now=clock.now())
    files = members(out)
    actions = [r[3] for r in csv_rows(files["audit-events.csv"])[1:]]
    assert actions == ["totp.enroll", "totp.confirm", "totp.success", "totp.failure",
                       "totp.recovery"]  # fmt: skip
    assert result.events == 5
    assert len(csv_rows(files["rotation-log.csv"])) == 1  # the header: nothing rotated then
    assert len(csv_rows(files["policy-history.csv"])) == 1
    mfa = {r[0]: r for r in csv_rows(files["mfa-enrollment.csv"])[1:]}
    assert mfa["alice"][3:] == ["yes", "2026-12-10T09:00:00Z", "9"]
    assert mfa["bob"][3] == "no"
    inventory = csv_rows(files["secret-inventory.csv"])
    assert len(inventory) == 4  # the current keys, whatever the period


def test_export_is_recorded_and_refuses_to_overwrite(vault: Vault, pack: Path, clock):
    last = list(entries(vault))[-1]
    assert (last.action, last.details["kind"], last.details["files"]) == (
        "export",
        "evidence",
        ["pack.zip"],
    )
    assert last.details["sha256"] == sha256_file(pack)
    assert last.details["period"] == {"from": "2026-11-30", "to": "2026-12-10"}
    with pytest.raises(Conflict, match="already exists"):
        export_pack(vault, DAY, LATER, pack, now=clock.now())
    with pytest.raises(InvalidInput, match="starts .* after it ends"):
        export_pack(vault, LATER, DAY, pack.with_name("x.zip"), now=clock.now())


def test_a_cancelled_export_leaves_nothing(vault: Vault, world, clock, tmp_path: Path):
    before = sorted(tmp_path.rglob("*"))
    count = len(list(entries(vault)))
    polls = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) > 1

    with pytest.raises(Cancelled, match="cancelled; nothing was written"):
        export_pack(vault, DAY, LATER, tmp_path / "p.zip", now=clock.now(), cancelled=cancelled)
    assert sorted(tmp_path.rglob("*")) == before
    assert len(list(entries(vault))) == count  # no export event either


def test_progress_reaches_the_end(vault: Vault, world, clock, tmp_path: Path):
    seen: list[tuple[int, int]] = []
    export_pack(vault, DAY, LATER, tmp_path / "p.zip", now=clock.now(), progress=
                lambda d, t: seen.append((d, t)))  # fmt: skip
    assert seen[-1][0] == seen[-1][1] > 0


def test_the_summary_is_self_contained(pack: Path):
    html = members(pack)[layout.SUMMARY].decode()
    assert "<script" not in html.lower()
    assert "http" not in html.lower().replace("http-equiv", "")
    assert "Rotation compliance" in html
    assert "Step-up use by month" in html
    assert "2026-12" in html  # the month of the step-up
    readme = members(pack)[layout.README].decode()
    assert "keyledger evidence verify PACK.zip" in readme
    assert "keyledger/v1|evidence|" in readme


def test_the_large_tables_agree_with_the_services_that_list_them(
    vault: Vault, world, clock: FixedClock, tmp_path: Path
):
    from app.crypto import aead
    from app.services.environments import list_environments
    from app.services.rotation import rotation_items, rotation_log
    from app.services.rotation_export import log_record
    from app.services.secrets import find_secret, rotate_secret, update_secret

    # Renamed after two rotations (the log and the inventory name keys as they are now), and,
    # after the period, a flag whose reason cannot be read (the inventory, which lists every
    # key whatever the period, says "other" as rotation.flags does).
    rotate_secret(vault, "prod", "OpenAI prod", "sk-proj-" + "S" * 40, "scheduled", "T-1")
    update_secret(vault, "prod", "OpenAI prod", new_name="OpenAI main")
    clock.advance(days=1)
    token = find_secret(vault, "staging", "STAGING_TOKEN")
    junk = b64e(bytes([aead.SUITE_AES256GCM]) + bytes(12) + bytes(40))
    vault.commit([{"t": "secret.flag", "secret": token.id, "info": junk, "info_epoch": 1}])
    out = tmp_path / "all.zip"
    export_pack(vault, DAY, LATER, out, now=clock.now())
    files = members(out)

    log = csv_rows(files["rotation-log.csv"])[1:]
    expected = [
        [csvsafe.cell(v) for v in log_record(e).values()]
        for e in rotation_log(vault, since=DAY, until=LATER)
    ]
    assert log == expected
    assert [r[2] for r in log if r[4] == "rotated"] == ["OpenAI main", "OpenAI main"]

    names = {e.id: e.name for e in list_environments(vault)}
    inventory = {(r[0], r[1]): (r[10], r[11]) for r in csv_rows(files["secret-inventory.csv"])[1:]}
    assert inventory == {
        (names[i.secret.env_id], csvsafe.cell(i.secret.name)): (
            i.status.value,
            i.flag.reason if i.flag else "",
        )
        for i in rotation_items(vault, clock.now())
    }
    assert inventory[("staging", "STAGING_TOKEN")] == ("rotation required", "other")


def test_the_pass_counts_step_ups_by_month_as_the_overview_reads_them(
    vault: Vault, world, clock: FixedClock, tmp_path: Path
):
    from app.services import evidence_split
    from app.services.evidence_history import Period, history
    from app.services.evidence_tables import environments
    from app.services.overview import step_up_uses

    envs = environments(vault)
    out = evidence_split.outputs(tmp_path, envs)
    last = int(vault.conn.execute("SELECT max(seq) FROM events").fetchone()[0])
    try:
        found = history(vault, Period(DAY, LATER, clock.now()), envs, out, lambda _seq: None,
                        range(1, last + 1))  # fmt: skip
    finally:
        evidence_split.close(out)
    assert sum(found.step_ups.values()) >= 1
    assert dict(sorted(found.step_ups.items())) == step_up_uses(vault)
