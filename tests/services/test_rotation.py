"""Rotation as the CLI and GUI use it: flags, who may raise them, the log, due dates, verify."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.core.clock import FixedClock, iso
from app.core.errors import Conflict, IntegrityFailure, InvalidInput, NotPermitted
from app.core.rotation import RotationStatus
from app.crypto import secretkey
from app.services.audit import entries
from app.services.environments import find_environment, set_policy
from app.services.evidence import export_pack
from app.services.integrity import verify_vault
from app.services.rotation import (
    flag_secret,
    flags,
    generated_value,
    rotation_items,
    rotation_log,
    unflag_secret,
)
from app.services.secrets import (
    add_secret,
    delete_secret,
    find_secret,
    history,
    reveal,
    rotate_secret,
)
from app.services.vault import StepUpRequired, Vault
from app.services.verify import verify
from app.storage import ledger
from tests.conftest import PASSPHRASE, open_step_ups
from tests.forge import forge
from tests.team import add_teammate

OPENAI = "sk-proj-" + "Q" * 40
WEBHOOK = "whsec-" + "w" * 30


def teammate(owner: Vault, handle: str, role: str, envs: list[str], clock: FixedClock) -> Vault:
    """A teammate invited, joined and approved with write access to `envs`; unlocked as them."""
    grants = () if role == "auditor" else tuple(f"{e}:write" for e in envs)
    return add_teammate(owner, handle, role, grants, clock)


@pytest.fixture
def keys(vault: Vault) -> Vault:
    add_secret(vault, "dev", "Webhook dev", WEBHOOK)
    add_secret(vault, "prod", "OpenAI prod", OPENAI, owner="alice")
    return vault


def head(vault: Vault) -> str:
    found = ledger.head(vault.conn)
    assert found is not None
    return found.hash


def test_a_flag_stays_until_the_next_version(keys: Vault, clock: FixedClock):
    flag = flag_secret(keys, "prod", "OpenAI prod", "exposure", "  pasted\nin chat  ")
    assert (flag.reason, flag.note, flag.by, flag.flagged_at) == (
        "exposure",
        "pasted in chat",
        "alice",
        iso(clock.now()),
    )
    by_name = {i.secret.name: i for i in rotation_items(keys, clock.now())}
    assert by_name["OpenAI prod"].status is RotationStatus.REQUIRED
    assert by_name["OpenAI prod"].flag == flag
    assert by_name["Webhook dev"].status is RotationStatus.OK
    assert [i.secret.name for i in rotation_items(keys, clock.now())][0] == "OpenAI prod"
    rotate_secret(keys, "prod", "OpenAI prod", "sk-proj-" + "R" * 40, "exposure", "INC-7")
    assert flags(keys) == {}
    assert keys.conn.execute("SELECT count(*) FROM flags").fetchone()[0] == 0
    (item,) = rotation_items(keys, clock.now(), env_name="prod")
    assert item.status is RotationStatus.OK


def test_deleting_a_flagged_key_removes_its_flag(keys: Vault):
    flag_secret(keys, "dev", "Webhook dev", "incident")
    delete_secret(keys, "dev", "Webhook dev")
    assert flags(keys) == {}
    assert keys.conn.execute("SELECT count(*) FROM flags").fetchone()[0] == 0


def test_withdrawing_a_flag_needs_a_note_and_an_open_flag(keys: Vault):
    with pytest.raises(Conflict, match="not flagged"):
        unflag_secret(keys, "dev", "Webhook dev", "false alarm")
    flag_secret(keys, "dev", "Webhook dev", "exposure")
    before = head(keys)
    with pytest.raises(InvalidInput, match="--note"):
        unflag_secret(keys, "dev", "Webhook dev", "  \n ")
    assert head(keys) == before
    unflag_secret(keys, "dev", "Webhook dev", "it was a test key")
    assert flags(keys) == {}
    last = list(rotation_log(keys, "dev"))[-1]
    assert (last.action, last.note, last.reason) == ("unflagged", "it was a test key", "")


def test_bad_reasons_and_long_notes_change_nothing(keys: Vault):
    before = head(keys)
    with pytest.raises(InvalidInput, match="reason must be one of"):
        flag_secret(keys, "dev", "Webhook dev", "bored")
    with pytest.raises(InvalidInput, match="500 characters"):
        flag_secret(keys, "dev", "Webhook dev", "other", "x" * 501)
    assert head(keys) == before
    assert flags(keys) == {}


def test_flagging_needs_no_step_up_but_withdrawing_does(keys: Vault):
    prod = find_environment(keys, "prod")
    keys.close_step_up(prod.id)
    flag_secret(keys, "prod", "OpenAI prod", "revocation")
    with pytest.raises(StepUpRequired):
        unflag_secret(keys, "prod", "OpenAI prod", "false alarm")
    assert set(flags(keys)) == {find_secret(keys, "prod", "OpenAI prod").id}


def test_reasons_and_notes_are_not_in_the_file_in_clear(keys: Vault, vault_path: Path):
    flag_secret(keys, "prod", "OpenAI prod", "offboarding", "Mallory left on Friday")
    unflag_secret(keys, "prod", "OpenAI prod", "Mallory never had prod access")
    flag_secret(keys, "dev", "Webhook dev", "offboarding", "Mallory again")
    (row,) = keys.conn.execute("SELECT * FROM flags").fetchall()
    assert b"offboarding" not in repr(row).encode()
    bodies = b"".join(bytes(b) for (b,) in keys.conn.execute("SELECT body FROM events"))
    assert b'"t":"secret.flag"' in bodies  # the events are there, sealed
    for clear in (b"offboarding", b"Mallory"):
        assert clear not in bodies
        assert clear not in vault_path.read_bytes()
    assert [e.note for e in rotation_log(keys) if e.action != "created"] == [
        "Mallory left on Friday",
        "Mallory never had prod access",
        "Mallory again",
    ]


def test_an_auditor_cannot_flag_or_withdraw(keys: Vault, clock: FixedClock):
    flag_secret(keys, "dev", "Webhook dev", "exposure")
    auditor = teammate(keys, "carol", "auditor", ["dev"], clock)
    try:
        before = head(auditor)
        with pytest.raises(NotPermitted, match="auditors"):
            flag_secret(auditor, "dev", "Webhook dev", "incident")
        with pytest.raises(NotPermitted, match="auditors"):
            unflag_secret(auditor, "dev", "Webhook dev", "I say so")
        assert head(auditor) == before
        assert [f.reason for f in flags(auditor).values()] == ["exposure"]  # still reads them
    finally:
        auditor.lock()


def test_a_member_without_the_environment_key_cannot_flag_there(keys: Vault, clock: FixedClock):
    bob = teammate(keys, "bob", "member", ["dev"], clock)
    try:
        with pytest.raises(NotPermitted, match="no access to prod"):
            flag_secret(bob, "prod", "OpenAI prod", "exposure")
        flag_secret(bob, "dev", "Webhook dev", "exposure", "seen in a screenshot")
        assert [f.by for f in flags(bob).values()] == ["bob"]
    finally:
        bob.lock()
    assert [f.by for f in flags(keys).values()] == ["bob"]


def test_the_log_is_in_order_and_hides_fingerprints_of_unreadable_keys(
    keys: Vault, clock: FixedClock
):
    add_secret(keys, "dev", "Gone", "value-" + "g" * 20)
    clock.advance(days=1)
    open_step_ups(keys)
    rotate_secret(keys, "prod", "OpenAI prod", "sk-proj-" + "R" * 40, "scheduled", "CHG-1")
    flag_secret(keys, "dev", "Webhook dev", "incident", "pager at 3am")
    delete_secret(keys, "dev", "Gone")
    expected = [
        ("dev", "Webhook dev", "created", 1, "created", ""),
        ("prod", "OpenAI prod", "created", 1, "created", ""),
        ("prod", "OpenAI prod", "rotated", 2, "scheduled", "CHG-1"),
        ("dev", "Webhook dev", "flagged", 1, "incident", ""),
    ]
    mine = list(rotation_log(keys))
    assert [(e.env, e.secret, e.action, e.version, e.reason, e.ticket) for e in mine] == expected
    assert [e.at for e in mine] == sorted(e.at for e in mine)
    assert mine[2].at == iso(clock.now())
    current = history(keys, "prod", "OpenAI prod")[0].fingerprint
    assert mine[2].fingerprint == current
    assert mine[2].fingerprint.startswith("sha256:")
    assert mine[3].fingerprint == ""  # a flag holds no value
    bob = teammate(keys, "bob", "member", ["dev"], clock)
    try:
        theirs = list(rotation_log(bob))
        prod_only = list(rotation_log(bob, "prod"))
    finally:
        bob.lock()
    assert [(e.env, e.secret, e.action) for e in theirs] == [x[:3] for x in expected]
    assert [bool(e.fingerprint) for e in theirs] == [True, False, False, False]
    assert theirs[0].fingerprint == mine[0].fingerprint
    assert [e.action for e in prod_only] == ["created", "rotated"]


def test_due_soon_then_overdue_as_the_clock_moves(vault: Vault, clock: FixedClock):
    add_secret(vault, "dev", "Short", "value-" + "s" * 20, rotation_days=30)

    def status() -> tuple[RotationStatus, int]:
        (item,) = rotation_items(vault, clock.now(), env_name="dev", due_soon_days=7)
        return item.status, item.days_left(clock.now())

    assert status() == (RotationStatus.OK, 30)
    clock.advance(days=23)
    assert status() == (RotationStatus.DUE_SOON, 7)
    clock.advance(days=7)
    assert status() == (RotationStatus.OVERDUE, 0)  # due this very moment
    clock.advance(days=5)
    assert status() == (RotationStatus.OVERDUE, -5)
    open_step_ups(vault)
    rotate_secret(vault, "dev", "Short", "value-" + "t" * 20, "scheduled")
    assert status() == (RotationStatus.OK, 30)


def test_a_period_change_moves_the_due_date(vault: Vault, clock: FixedClock):
    add_secret(vault, "staging", "K", "value-" + "k" * 20)
    set_policy(vault, "staging", rotation_days=10)
    (item,) = rotation_items(vault, clock.now(), env_name="staging")
    assert item.due == clock.now() + timedelta(days=10)
    assert item.status is RotationStatus.DUE_SOON


@pytest.mark.parametrize("forgery", ["insert", "delete"])
def test_a_forged_flags_row_fails_verify(keys: Vault, vault_path: Path, forgery: str):
    flag_secret(keys, "prod", "OpenAI prod", "exposure")
    webhook = find_secret(keys, "dev", "Webhook dev")
    keys.lock()
    file = sqlite3.connect(vault_path)
    with file:
        if forgery == "insert":  # a flag nobody signed, pointing at a real event
            file.execute(
                "INSERT INTO flags (secret_id, event, info_epoch, author, flagged_at)"
                " SELECT ?, event, info_epoch, author, flagged_at FROM flags",
                (webhook.id,),
            )
        else:  # a flag hidden from the console
            file.execute("DELETE FROM flags")
    file.close()
    with pytest.raises(IntegrityFailure, match="flags table differs"):
        verify_vault(vault_path)


def test_a_forged_flags_row_in_the_working_copy_fails_verify(keys: Vault):
    webhook = find_secret(keys, "dev", "Webhook dev")
    keys.conn.execute(
        "INSERT INTO flags (secret_id, event, info_epoch, author, flagged_at)"
        " VALUES (?, 1, 1, ?, ?)",
        (webhook.id, keys.member.id, "2026-11-30T09:00:00.000000Z"),
    )
    with pytest.raises(IntegrityFailure, match="flags table differs"):
        verify(keys.conn)


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_a_file_of_the_previous_release_opens_as_format_4_and_verifies(
    tmp_path: Path, clock: FixedClock
):
    """tests/fixtures/v3-team.kl was written by the format-3 release: values inline in events."""
    shared = tmp_path / "old" / "team.kl"
    shared.parent.mkdir()
    shutil.copyfile(FIXTURES / "v3-team.kl", shared)
    key = secretkey.parse((FIXTURES / "v3-team.key").read_text())
    assert verify_vault(shared).commits == 4
    assert user_version(shared) == 3  # verifying never writes the shared file
    old = Vault.unlock(shared, "alice", PASSPHRASE, key, clock)
    try:
        assert old.conn.execute("PRAGMA user_version").fetchone()[0] == 4
        grants = old.conn.execute("SELECT access, until, granted_by FROM grants").fetchall()
        assert grants == [("write", None, old.member.id)] * 3  # the owner's, from creation
        assert verify(old.conn).commits == 4  # the migration's grants equal a replay's
        open_step_ups(old)
        assert reveal(old, "dev", "OpenAI dev", channel=None) == "sk-proj-" + "E" * 40
        assert reveal(old, "dev", "OpenAI dev", channel=None, version=1) == "sk-proj-" + "D" * 40
        add_secret(old, "dev", "Webhook", WEBHOOK)  # a format-4 value, in the blobs table
        assert reveal(old, "dev", "Webhook", channel=None) == WEBHOOK
    finally:
        old.lock()
    assert user_version(shared) == 4
    assert verify_vault(shared).commits == 5


def test_generated_values_only_for_keys_no_provider_issues(keys: Vault):
    webhook = find_secret(keys, "dev", "Webhook dev")
    value = generated_value(webhook, 24)
    assert len(value) == 24
    assert value.isalnum()
    assert generated_value(webhook) != generated_value(webhook)
    with pytest.raises(InvalidInput, match=r"OpenAI issues 'OpenAI prod'.*platform\.openai"):
        generated_value(find_secret(keys, "prod", "OpenAI prod"))
    with pytest.raises(InvalidInput, match="between 16 and 256"):
        generated_value(webhook, 8)


def test_the_audit_history_shows_flags_and_hides_fingerprints_of_unreadable_keys(
    keys: Vault, clock: FixedClock
):
    from app.services.audit import entries

    open_step_ups(keys)
    rotate_secret(keys, "prod", "OpenAI prod", "sk-proj-" + "R" * 40, "exposure", "INC-7")
    flag_secret(keys, "dev", "Webhook dev", "incident", "pager at 3am")
    mine = [e for e in entries(keys) if e.action in ("secret.rotate", "secret.flag")]
    assert [(e.action, e.env, e.secret) for e in mine] == [
        ("secret.rotate", "prod", "OpenAI prod"),
        ("secret.flag", "dev", "Webhook dev"),
    ]
    assert mine[0].details["fingerprint"] == history(keys, "prod", "OpenAI prod")[0].fingerprint
    assert mine[1].details == {"reason": "incident", "note": "pager at 3am"}
    bob = teammate(keys, "bob", "member", ["dev"], clock)
    try:
        theirs = [e for e in entries(bob) if e.action == "secret.rotate"]
    finally:
        bob.lock()
    assert theirs[0].details == {"version": 2, "reason": "exposure", "ticket": "INC-7"}


def test_a_ticket_longer_than_200_characters_is_refused_not_cut(keys: Vault):
    open_step_ups(keys)
    with pytest.raises(InvalidInput, match="limited to 200"):
        rotate_secret(keys, "prod", "OpenAI prod", "sk-proj-" + "R" * 40, "scheduled", "T" * 201)
    assert find_secret(keys, "prod", "OpenAI prod").version == 1


@pytest.mark.parametrize(
    ("info", "epoch"),
    [("AAAA", 1), (None, 1), ("A" * 60, "1"), ("not base64!", 1)],
)
def test_a_malformed_flag_event_fails_verify(keys: Vault, info, epoch):
    secret = find_secret(keys, "dev", "Webhook dev")
    event = {"t": "secret.flag", "secret": secret.id, "info": info, "info_epoch": epoch}
    forge(keys, [event], "secret.flag event is malformed")
    with pytest.raises(IntegrityFailure, match="secret.flag event is malformed"):
        verify(keys.conn)


def test_a_flag_whose_reason_cannot_be_read_still_flags_without_hiding_the_rest(
    keys: Vault, tmp_path: Path
):
    from app.crypto import aead
    from app.crypto.encoding import b64e

    secret = find_secret(keys, "dev", "Webhook dev")
    junk = b64e(bytes([aead.SUITE_AES256GCM]) + bytes(12) + bytes(40))  # sealed shape, wrong key
    keys.commit([{"t": "secret.flag", "secret": secret.id, "info": junk, "info_epoch": 1}])
    flag_secret(keys, "prod", "OpenAI prod", "incident", "pager")
    found = flags(keys)
    assert found[secret.id].reason == "other"
    assert found[secret.id].note == "the reason alice gave cannot be read"
    assert found[find_secret(keys, "prod", "OpenAI prod").id].note == "pager"
    assert verify(keys.conn).commits > 0  # signed and well-formed: the ledger keeps it
    # nor does it stop the audit history or the rotation log the evidence pack holds
    flagged = [e for e in entries(keys) if e.action == "secret.flag"]
    assert [e.details.get("reason") for e in flagged] == ["(cannot be read)", "incident"]
    out = tmp_path / "pack.zip"
    export_pack(keys, date(2026, 1, 1), date(2026, 12, 31), out, now=keys.clock.now())
    with zipfile.ZipFile(out) as pack:
        log = pack.read("rotation-log.csv").decode("utf-8-sig")
    assert "the reason cannot be read" in log
