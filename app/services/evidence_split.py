"""The export's ledger pass, shared with a forked child process where that is safe.

The pass is nearly all Python, so a second core helps only through a second process. Forked
after unlocking, the child has the keys and everything read so far. It reads through a
connection of its own (`Vault.reader`: a connection must not cross a fork), follows the earlier
events for their names and writes the rows of the later events into spools the parent made before
forking (temporary files with no name: nothing is left behind, whoever dies). It sends back
only what the small tables and the summary need, then exits without running any of the
parent's clean-up. The parent writes the earlier events meanwhile; both parts go into the zip
in order.

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
# The child also follows the earlier events, but reads only those that do not hold a key's
# final name (few). At 100k events, with half each the parent finished last in four runs of
# six; with 42% it waited 0.2-0.37 s for the child. It takes 46%.
PARENT_SHARE = 0.46
_CHECK_EVERY = 256
_WAIT_S = 0.05


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
    mine = outputs(folder, envs)
    parts = [mine]
    try:
        if last < MIN_EVENTS or not can_fork():
            found = history(vault, period, envs, mine, _counter(tick, poll), range(1, last + 1))
        else:
            theirs = outputs(folder, envs)
            parts.append(theirs)
            middle = 1 + int(last * PARENT_SHARE)
            found = _split(vault, period, envs, (mine, theirs), tick, poll, middle, last)
        yield parts, found
    finally:
        for out in parts:
            close(out)


def _counter(tick: Callable[[int], None], poll: Callable[[], None]) -> Callable[[], None]:
    done = [0]

    def advance() -> None:
        done[0] += 1
        if done[0] % _CHECK_EVERY == 0:
            tick(done[0])
            poll()

    return advance


def _split(
    vault: Vault,
    period: Period,
    envs: list[Environment],
    out: tuple[Outputs, Outputs],
    tick: Callable[[int], None],
    poll: Callable[[], None],
    middle: int,
    last: int,
) -> Found:
    shared = mmap.mmap(-1, 8)  # the child's count of events done
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(vault, period, envs, out[1], range(middle, last + 1), shared, write_end, parent)
    os.close(write_end)
    try:
        count = [0]

        def theirs() -> int:
            done: int = struct.unpack_from("q", shared)[0]
            return done

        def waiting() -> None:
            tick(count[0] + theirs())
            poll()

        def advance() -> None:
            count[0] += 1
            if count[0] % _CHECK_EVERY == 0:
                waiting()

        found = history(vault, period, envs, out[0], advance, range(1, middle))
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
        return found
    finally:
        os.close(read_end)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        shared.close()


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


def _child_ticker(shared: mmap.mmap | memoryview, parent: int) -> Callable[[], None]:
    """The child's tick: its count for the parent's progress, and an exit once orphaned."""
    done = [0]

    def advance() -> None:
        done[0] += 1
        if done[0] % _CHECK_EVERY == 0:
            struct.pack_into("q", shared, 0, done[0])
            if os.getppid() != parent:  # the parent died: nobody wants these rows
                os._exit(1)

    return advance


def _child(
    vault: Vault,
    period: Period,
    envs: list[Environment],
    out: Outputs,
    events: range,
    shared: mmap.mmap,
    fd: int,
    parent: int,
) -> NoReturn:
    code = 1
    # `vault` keeps the parent's connection referenced until os._exit: closing it here could
    # checkpoint and remove the parent's write-ahead log under it.
    try:
        reader = vault.reader()
        advance = _child_ticker(shared, parent)
        result: object = history(reader, period, envs, out, advance, events)
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
