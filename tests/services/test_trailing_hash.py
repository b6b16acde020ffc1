"""The pack's hash read behind its writer: the hash of the final file, whatever was rewritten
before an offset was settled, and no thread left behind."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from app.services import trailing_hash
from app.services.trailing_hash import TrailingHash

pytestmark = pytest.mark.skipif(not trailing_hash.available(), reason="needs os.pread")


def test_the_hash_is_of_the_final_bytes_even_where_they_were_rewritten(tmp_path: Path):
    with (tmp_path / "f").open("w+b") as out:
        hasher = TrailingHash(out.fileno())
        for i in range(40):
            start = out.tell()
            out.write(b"header??")
            out.write(os.urandom(50_000 + i))
            out.seek(start)
            out.write(b"HEADER%02d" % i)  # as zipfile rewrites a member's header
            out.seek(0, os.SEEK_END)
            out.flush()
            hasher.settle(out.tell())
        out.write(b"the central directory")
        out.flush()
        digest = hasher.finish(out.tell())
    assert digest == hashlib.sha256((tmp_path / "f").read_bytes()).hexdigest()


def test_stop_ends_the_thread_without_reading_on(tmp_path: Path):
    before = threading.active_count()
    with (tmp_path / "f").open("w+b") as out:
        out.write(b"x" * 1_000_000)
        out.flush()
        hasher = TrailingHash(out.fileno())
        hasher.settle(1_000_000)
        hasher.stop()
        hasher.stop()  # twice is harmless
    assert threading.active_count() == before


def test_a_file_shorter_than_settled_is_an_error(tmp_path: Path):
    with (tmp_path / "f").open("w+b") as out:
        out.write(b"short")
        out.flush()
        hasher = TrailingHash(out.fileno())
        with pytest.raises(OSError, match="ended at 5 bytes"):
            hasher.finish(10)


def test_a_cancel_while_zipping_ends_the_hash_and_leaves_nothing(vault, clock, tmp_path: Path):
    from datetime import date

    from app.core.errors import Cancelled
    from app.services.evidence import export_pack
    from tests.services.evidence_world import busy

    busy(vault, clock)
    before = sorted(tmp_path.rglob("*"))
    threads = threading.active_count()
    polls: list[int] = []

    def cancelled() -> bool:  # the pass polls once here; the zip's members poll next
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(Cancelled):
        export_pack(vault, date(2026, 11, 30), date(2026, 12, 10), tmp_path / "p.zip",
                    now=clock.now(), cancelled=cancelled)  # fmt: skip
    assert sorted(tmp_path.rglob("*")) == before
    assert threading.active_count() == threads


@pytest.mark.parametrize("threads", [True, False])
def test_the_pack_and_its_event_agree_with_or_without_threads(
    vault, clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: bool
):
    from datetime import date

    from app.services.audit import entries
    from app.services.evidence import export_pack, verify_pack
    from app.services.files import sha256_file
    from tests.services.evidence_world import busy

    busy(vault, clock)
    monkeypatch.setattr(trailing_hash, "available", lambda: threads)  # False: as on Windows
    out = tmp_path / "p.zip"
    export_pack(vault, date(2026, 11, 30), date(2026, 12, 10), out, now=clock.now())
    verify_pack(out, None)
    assert list(entries(vault))[-1].details["sha256"] == sha256_file(out)
