"""The export's ledger pass, shared with a forked child process where that is safe.

The pass is nearly all Python, so a second core helps only through a second process. Forked
after unlocking, the child has the keys and everything read so far. It reads through a
connection of its own (`Vault.reader`: a connection must not cross a fork), follows the earlier
events for their names and writes the rows of the later events into spools the parent made before
forking (temporary files with no name: nothing is left behind, whoever dies). It sends back
only what the small tables and the summary need, then exits without running any of the
parent's clean-up. The parent writes the earlier events meanwhile; the parts go into the zip
in order.

How fast each process goes varies from run to run, so no fixed split keeps both busy to the
end. The parent starts with the smaller part; when done, it offers to take over the end of the
child's events, from a seq half way through what is left. The child answers at its next check
(every few hundred events): it agrees while it has written none of those events and then stops
before them; the parent, once it has the answer, writes them into a third set of spools.

Forking is safe only in a process that runs nothing else: on Linux, from the main thread, with
no other thread and no Qt loaded (the console exports on a worker thread and so stays on one
process). Small histories stay on one process too: a fork costs more than they take.

The parent polls for a cancel while it waits; a cancel, an error or the parent's own death ends
the child (it checks its parent every few hundred events), and the parent reaps it.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import select
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

from app.core.errors import IntegrityFailure
from app.core.model import Environment
from app.services import evidence_tables as tables
from app.services.audit import HEADER as AUDIT_HEADER
from app.services.evidence_history import Found, Outputs, Period, history
from app.services.evidence_spool import Spool
from app.services.rotation_export import LOG_HEADER
from app.services.vault import Vault

MIN_EVENTS = 20_000  # below this one process is as fast
# The parent starts with the smaller part, so that it is done first and can take over the end
# of the child's (the slower process: it follows the earlier events first and starts cold).
PARENT_SHARE = 0.4
_CHECK_EVERY = 256
_WAIT_S = 0.05
# Taking over: a pass that starts late costs the parent about this many events' time (follow
# the events before it, its first query: 0.05-0.12 s at 90k of 100k, measured); fewer left
# than twice that are not worth it.
_TAKEOVER_COST = 3_000
# The shared page: the child's count of events written, its last seq written (both every
# _CHECK_EVERY events), the parent's offer to take the events from a seq on, and the child's
# answer (that seq: agreed; -1: refused).
_DONE, _AT, _OFFER, _ANSWER = 0, 8, 16, 24


def outputs(folder: Path, envs: list[Environment]) -> Outputs:
    return Outputs(
        Spool(AUDIT_HEADER, folder, json_last=True),
        Spool(LOG_HEADER, folder),
        {e.id: Spool(tables.INVENTORY_HEADER, folder) for e in envs},
    )


def close(out: Outputs) -> None:
    for spool in (out.audit, out.log, *out.inventory.values()):
        spool.close()


def can_fork() -> bool:
    return (
        sys.platform.startswith("linux")
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
        and not any(name.startswith("PySide6") for name in sys.modules)
    )


@contextlib.contextmanager
def passes(
    vault: Vault,
    period: Period,
    envs: list[Environment],
    folder: Path,
    tick: Callable[[int], None],
    poll: Callable[[], None],
) -> Iterator[tuple[list[Outputs], Found]]:
    """Run the pass over every event; yields the spools that hold the rows, in order, and what
    the pass found. `tick(n)` reports events done so far (both processes); `poll` raises to
    cancel."""
    last = int(vault.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])
    parts = [outputs(folder, envs)]
    try:
        if last < MIN_EVENTS or not can_fork():
            found = history(vault, period, envs, parts[0], _counter(tick, poll), range(1, last + 1))
        else:
            # The parent's part, the child's, and the end of the child's events if the parent
            # takes them over (empty otherwise).
            parts += [outputs(folder, envs), outputs(folder, envs)]
            middle = 1 + int(last * PARENT_SHARE)
            found = _split(vault, period, envs, parts, tick, poll, middle, last)
        yield parts, found
    finally:
        for out in parts:
            close(out)


def _counter(tick: Callable[[int], None], poll: Callable[[], None]) -> Callable[[int], None]:
    done = [0]

    def advance(_seq: int) -> None:
        done[0] += 1
        if done[0] % _CHECK_EVERY == 0:
            tick(done[0])
            poll()

    return advance


class _Span:
    """The child's events: from `start` up to `stop`, which the parent may lower."""

    __slots__ = ("start", "stop")

    def __init__(self, start: int, stop: int) -> None:
        self.start = start
        self.stop = stop


def _split(
    vault: Vault,
    period: Period,
    envs: list[Environment],
    out: list[Outputs],
    tick: Callable[[int], None],
    poll: Callable[[], None],
    middle: int,
    last: int,
) -> Found:
    shared = mmap.mmap(-1, 32)  # see _DONE
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(vault, period, envs, out[1], _Span(middle, last + 1), shared, write_end, parent)
    os.close(write_end)
    try:
        count = [0]

        def waiting() -> None:
            tick(count[0] + _read(shared, _DONE))
            poll()

        def advance(_seq: int) -> None:
            count[0] += 1
            if count[0] % _CHECK_EVERY == 0:
                waiting()

        found = history(vault, period, envs, out[0], advance, range(1, middle))
        start = _take_over(shared, read_end, waiting, middle, last)
        later = None
        if start is not None:
            later = history(vault, period, envs, out[2], advance, range(start, last + 1))
        data = _wait(read_end, waiting)
        _, status = os.waitpid(pid, 0)
        pid = 0
        try:
            result = pickle.loads(data) if data else None  # noqa: S301 - our child, our pipe
        except Exception:
            result = None
        if isinstance(result, BaseException):
            raise result
        if not isinstance(result, Found) or os.waitstatus_to_exitcode(status) != 0:
            raise IntegrityFailure("the export's second process failed")
        found.merge(result)
        if later is not None:
            found.merge(later)
        return found
    finally:
        os.close(read_end)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        shared.close()


def _read(shared: mmap.mmap | memoryview, at: int) -> int:
    value: int = struct.unpack_from("q", shared, at)[0]
    return value


def _take_over(
    shared: mmap.mmap, fd: int, poll: Callable[[], None], middle: int, last: int
) -> int | None:
    """Offer to write the end of the child's events; the first seq the parent then writes, or
    None where the child is nearly done, or finished or refused before it answered."""
    at = max(_read(shared, _AT), middle - 1)  # the child wrote up to here, or a little further
    left = last - at
    if left < 2 * _TAKEOVER_COST:
        return None
    offer = at + 1 + (left + _TAKEOVER_COST) // 2
    struct.pack_into("q", shared, _OFFER, offer)
    while True:
        answer = _read(shared, _ANSWER)
        if answer:
            return offer if answer == offer else None
        ready, _, _ = select.select([fd], [], [], 0.002)
        if ready:  # the child is done (or died); it answers before it finishes, if at all
            return offer if _read(shared, _ANSWER) == offer else None
        poll()


def _wait(fd: int, poll: Callable[[], None]) -> bytes:
    """Everything the child sends, until it closes the pipe; polls for a cancel meanwhile."""
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([fd], [], [], _WAIT_S)
        if not ready:
            poll()
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _child_ticker(
    shared: mmap.mmap | memoryview, parent: int, span: _Span
) -> Callable[[int], None]:
    """The child's tick: its progress for the parent, an answer to the parent's offer to take
    over its last events, and an exit once orphaned."""
    done = [0]

    def advance(seq: int) -> None:
        done[0] += 1
        if done[0] % _CHECK_EVERY == 0:
            struct.pack_into("qq", shared, _DONE, done[0], seq)
            if os.getppid() != parent:  # the parent died: nobody wants these rows
                os._exit(1)
            offer = _read(shared, _OFFER)
            if offer and not _read(shared, _ANSWER):
                # Agreed only while none of the events from `offer` on is written yet.
                agreed = seq < offer < span.stop
                if agreed:
                    span.stop = offer
                struct.pack_into("q", shared, _ANSWER, offer if agreed else -1)

    return advance


def _child(
    vault: Vault,
    period: Period,
    envs: list[Environment],
    out: Outputs,
    span: _Span,
    shared: mmap.mmap,
    fd: int,
    parent: int,
) -> NoReturn:
    code = 1
    # `vault` keeps the parent's connection referenced until os._exit: closing it here could
    # checkpoint and remove the parent's write-ahead log under it.
    try:
        reader = vault.reader()
        advance = _child_ticker(shared, parent, span)
        result: object = history(reader, period, envs, out, advance, span)
        code = 0
    except BaseException as exc:  # sent to the parent, which raises it
        result = exc
    try:
        data = pickle.dumps(result)
        pickle.loads(data)  # noqa: S301 - an error that cannot be rebuilt is sent as text
    except Exception:
        data = pickle.dumps(IntegrityFailure(f"the export's second process failed: {result}"))
    with contextlib.suppress(BaseException):
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    os._exit(code)
