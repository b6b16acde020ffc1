"""The export's pass shared with a forked child: the same pack, and no child left behind."""

from __future__ import annotations

import os
import struct
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

from app.core.clock import FixedClock
from app.core.errors import Cancelled, IntegrityFailure
from app.services import evidence_split
from app.services.evidence import DATA_FILES, export_pack
from app.services.secrets import rotate_secret, update_secret
from app.services.vault import Vault
from tests.services.evidence_world import busy

DAY = date(2026, 11, 30)
LATER = date(2026, 12, 10)
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forking needs os.fork")


@pytest.fixture
def world(vault: Vault, clock: FixedClock) -> None:
    busy(vault, clock)


def data_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in DATA_FILES}


def no_children() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence_split, "MIN_EVENTS", 0)
    monkeypatch.setattr(evidence_split, "can_fork", lambda: True)


def test_two_processes_write_the_pack_one_writes(
    vault: Vault, world, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # A key added early (before the child's range) is rotated and renamed late: the child
    # names the rotation as the key was called then, and the log and inventory by its new name.
    rotate_secret(vault, "prod", "OpenAI prod", "sk-proj-" + "S" * 40, "scheduled")
    update_secret(vault, "prod", "OpenAI prod", new_name="OpenAI main")
    clock.advance(days=1)  # the exports' own events fall after the period
    export_pack(vault, DAY, LATER, tmp_path / "one.zip", now=clock.now())
    forced(monkeypatch)
    progress: list[tuple[int, int]] = []
    export_pack(vault, DAY, LATER, tmp_path / "two.zip", now=clock.now(), progress=
                lambda d, t: progress.append((d, t)))  # fmt: skip
    assert data_files(tmp_path / "two.zip") == data_files(tmp_path / "one.zip")
    assert b"OpenAI main" in data_files(tmp_path / "two.zip")["rotation-log.csv"]
    assert progress[-1][0] == progress[-1][1]
    assert no_children()


def test_a_cancel_while_the_child_works_ends_it_and_leaves_nothing(
    vault: Vault, world, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    forced(monkeypatch)
    parent = os.getpid()
    real = evidence_split.history

    def slow_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            time.sleep(60)  # ended by the parent long before
        return real(*args, **kwargs)

    monkeypatch.setattr(evidence_split, "history", slow_in_the_child)
    polls: list[int] = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) > 2  # one before the pass, one while waiting, then cancel

    before = sorted(tmp_path.iterdir())
    started = time.monotonic()
    with pytest.raises(Cancelled):
        export_pack(vault, DAY, LATER, tmp_path / "p.zip", now=clock.now(), cancelled=cancelled)
    assert time.monotonic() - started < 30
    assert no_children()
    assert sorted(tmp_path.iterdir()) == before


def test_an_error_in_the_child_is_raised_in_the_parent(
    vault: Vault, world, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    forced(monkeypatch)
    parent = os.getpid()
    real = evidence_split.history

    def failing_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise IntegrityFailure("a sealed record failed to decrypt: the file was altered")
        return real(*args, **kwargs)

    monkeypatch.setattr(evidence_split, "history", failing_in_the_child)
    with pytest.raises(IntegrityFailure, match="failed to decrypt"):
        export_pack(vault, DAY, LATER, tmp_path / "p.zip", now=clock.now())
    assert no_children()
    assert not list(tmp_path.glob("*.zip"))


def test_the_child_stops_when_its_parent_is_gone(monkeypatch: pytest.MonkeyPatch):
    """Its pass checks the parent every few hundred events and exits once orphaned."""
    exited: list[int] = []
    monkeypatch.setattr(os, "getppid", lambda: 1)
    monkeypatch.setattr(os, "_exit", lambda code: exited.append(code) or _stop())
    span = evidence_split._Span(1, 1000)
    advance = evidence_split._child_ticker(memoryview(bytearray(32)), 12345, span)
    for seq in range(1, evidence_split._CHECK_EVERY):
        advance(seq)
    assert exited == []
    with pytest.raises(_Stopped):
        advance(evidence_split._CHECK_EVERY)
    assert exited == [1]


def _offered(offer: int) -> memoryview:
    shared = memoryview(bytearray(32))
    struct.pack_into("q", shared, evidence_split._OFFER, offer)
    return shared


def test_the_child_agrees_to_hand_over_only_events_it_has_not_written(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(evidence_split, "_CHECK_EVERY", 1)
    parent = os.getppid()
    # Offered from seq 50 while at 10: it stops before 50 and says so.
    span = evidence_split._Span(1, 100)
    shared = _offered(50)
    evidence_split._child_ticker(shared, parent, span)(10)
    assert span.stop == 50
    assert evidence_split._read(shared, evidence_split._ANSWER) == 50
    assert evidence_split._read(shared, evidence_split._AT) == 10
    # Offered from seq 50 once it has written 50: it refuses and goes on to the end.
    span = evidence_split._Span(1, 100)
    shared = _offered(50)
    evidence_split._child_ticker(shared, parent, span)(50)
    assert span.stop == 100
    assert evidence_split._read(shared, evidence_split._ANSWER) == -1
    # It answers once: a later offer is not taken up.
    struct.pack_into("q", shared, evidence_split._OFFER, 90)
    evidence_split._child_ticker(shared, parent, span)(60)
    assert span.stop == 100


def test_the_parent_takes_over_the_end_of_a_slow_childs_events(
    vault: Vault, world, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    clock.advance(days=1)
    export_pack(vault, DAY, LATER, tmp_path / "one.zip", now=clock.now())
    forced(monkeypatch)
    monkeypatch.setattr(evidence_split, "_CHECK_EVERY", 1)
    monkeypatch.setattr(evidence_split, "_TAKEOVER_COST", 1)
    monkeypatch.setattr(evidence_split, "PARENT_SHARE", 0.1)
    parent = os.getpid()
    real = evidence_split.history
    ranges: list[tuple[int, int]] = []

    def slow_child(*args, **kwargs):
        if os.getpid() != parent:
            tick = args[4]

            def slowly(seq: int) -> None:
                time.sleep(0.02)
                tick(seq)

            args = (*args[:4], slowly, *args[5:])
        else:
            ranges.append((args[5].start, args[5].stop))
        return real(*args, **kwargs)

    monkeypatch.setattr(evidence_split, "history", slow_child)
    progress: list[tuple[int, int]] = []
    export_pack(vault, DAY, LATER, tmp_path / "two.zip", now=clock.now(), progress=
                lambda d, t: progress.append((d, t)))  # fmt: skip
    assert len(ranges) == 2, "the parent took nothing over"
    (first, middle), (taken, end) = ranges
    assert first == 1
    assert middle < taken < end
    assert data_files(tmp_path / "two.zip") == data_files(tmp_path / "one.zip")
    assert progress[-1][0] == progress[-1][1]
    assert no_children()


class _Stopped(Exception):
    pass


def _stop() -> None:
    raise _Stopped


def test_a_child_that_finishes_before_it_answers_keeps_its_events(
    vault: Vault, world, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    clock.advance(days=1)
    export_pack(vault, DAY, LATER, tmp_path / "one.zip", now=clock.now())
    forced(monkeypatch)
    monkeypatch.setattr(evidence_split, "_CHECK_EVERY", 10**6)  # it never looks at the offer
    monkeypatch.setattr(evidence_split, "_TAKEOVER_COST", 1)
    monkeypatch.setattr(evidence_split, "PARENT_SHARE", 0.1)
    offers: list[int | None] = []
    real = evidence_split._take_over
    monkeypatch.setattr(
        evidence_split, "_take_over", lambda *a: offers.append(real(*a)) or offers[-1]
    )
    export_pack(vault, DAY, LATER, tmp_path / "two.zip", now=clock.now())
    assert offers == [None]
    assert data_files(tmp_path / "two.zip") == data_files(tmp_path / "one.zip")
    assert no_children()
