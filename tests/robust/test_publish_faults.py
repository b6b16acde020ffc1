"""A publish that fails part-way leaves the shared file exactly as it was, and no temp file.

Publishing is VACUUM INTO a temp file beside the vault, fsync, os.replace. A failure after the
temp is written, after it is synced, or in the rename itself must leave the old file byte for
byte; the commit is already in this laptop's working copy, so the next commit or the next open
publishes it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.services.commits import PublishFailed
from app.services.integrity import verify_vault
from app.services.secrets import add_secret, list_secrets
from app.services.vault import Vault
from tests.robust.conftest import (
    TEMP_GLOB,
    contents,
    contents_on_fresh_laptop,
    new_vault,
    unlock,
)

BEFORE = ("dev", "zebra-before")
DURING = ("dev", "zebra-during")
AFTER = ("prod", "zebra-after")
VALUES = {BEFORE: "value-before-1111", DURING: "value-during-2222", AFTER: "value-after-3333"}


class InjectedFault(OSError):
    def __init__(self, step: str) -> None:
        super().__init__(errno.EIO, f"injected I/O error at {step}")


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Vault, bytes, Path]]:
    path = tmp_path / "shared" / "team.kl"
    vault, key = new_vault(path)
    add_secret(vault, *BEFORE, VALUES[BEFORE])
    yield vault, key, path
    vault.lock()


def fail_at(step: str) -> Callable[[str], None]:
    def hook(current: str) -> None:
        if current == step:
            raise InjectedFault(step)

    return hook


def temps(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(TEMP_GLOB))


FAULTS = ["written", "synced", "os.replace"]


def fail_once(vault: Vault, path: Path, fault: str) -> None:
    """Add DURING with a publish failure injected at `fault`; the failure must reach the caller."""
    with pytest.MonkeyPatch.context() as mp:
        if fault == "os.replace":
            real = os.replace

            def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
                if Path(dst) == path:
                    raise InjectedFault("os.replace")
                real(src, dst)

            mp.setattr(os, "replace", replace)
        else:
            vault.fault = fail_at(fault)
        try:
            with pytest.raises(PublishFailed, match=f"saved on this laptop.*at {fault}"):
                add_secret(vault, *DURING, VALUES[DURING])
        finally:
            vault.fault = None


@pytest.mark.parametrize("fault", FAULTS)
def test_failed_publish_leaves_the_old_file_intact(
    setup: tuple[Vault, bytes, Path], fault: str, tmp_path: Path
):
    vault, key, path = setup
    before = path.read_bytes()
    fail_once(vault, path, fault)
    assert path.read_bytes() == before, "a failed publish changed the shared file"
    assert temps(path) == [], "a failed publish left its temp file behind"
    assert sorted(p.name for p in path.parent.iterdir()) == ["team.kl"]
    # The commit itself is in this laptop's working copy, only not yet shared.
    assert {s.name for s in list_secrets(vault)} == {BEFORE[1], DURING[1]}
    assert contents_on_fresh_laptop(path, key, tmp_path / "other") == {BEFORE: VALUES[BEFORE]}
    assert verify_vault(path).commits == 3  # catching up publishes the missing commit


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("recovery", ["next commit", "next open"])
def test_next_operation_publishes_what_a_failed_publish_left_behind(
    setup: tuple[Vault, bytes, Path],
    fault: str,
    recovery: str,
    tmp_path: Path,
):
    vault, key, path = setup
    fail_once(vault, path, fault)
    expected = {BEFORE: VALUES[BEFORE], DURING: VALUES[DURING]}
    if recovery == "next commit":
        add_secret(vault, *AFTER, VALUES[AFTER])
        expected[AFTER] = VALUES[AFTER]
    else:
        vault.lock()
        again = unlock(path, key)
        try:
            assert contents(again) == expected
        finally:
            again.lock()
    assert temps(path) == []
    assert contents_on_fresh_laptop(path, key, tmp_path / "other") == expected
    with_fresh = verify_vault(path)
    assert with_fresh.commits == 1 + len(expected)


def test_failure_after_the_rename_still_leaves_a_whole_new_file(
    setup: tuple[Vault, bytes, Path], tmp_path: Path
):
    vault, key, path = setup
    fail_once(vault, path, "replaced")
    assert temps(path) == []
    assert contents_on_fresh_laptop(path, key, tmp_path / "other") == {
        BEFORE: VALUES[BEFORE],
        DURING: VALUES[DURING],
    }


def test_stale_temp_from_a_crashed_publish_is_removed_by_the_next_one(
    setup: tuple[Vault, bytes, Path],
):
    vault, _, path = setup
    stale = path.with_name(".team.kl.kl-publish-99999")
    stale.write_bytes(b"half a vault")
    assert temps(path) == [stale.name]
    add_secret(vault, *DURING, VALUES[DURING])
    assert temps(path) == []


def test_fault_hook_sees_every_step_in_order(setup: tuple[Vault, bytes, Path]):
    vault, _, path = setup
    seen: list[str] = []
    vault.fault = seen.append
    add_secret(vault, *DURING, VALUES[DURING])
    assert seen == ["written", "synced", "replaced"]
