"""SHA-256 of a file while it is still being written, by a thread that reads behind the writer.

The evidence export used to hash its pack after writing it: 125 MB read back and hashed on one
core (0.13 s at 100k events) while the other waited. Here the writer says how far the file is
final (`settle`) and a thread hashes up to there as it goes, so the hash is ready about when the
file is. hashlib and the reads release the GIL, so the thread runs on the second core.

The thread reads with os.pread, which leaves the writer's file position alone (Unix only:
`available()`); the writer must flush its buffer before it settles an offset. Only bytes before
the settled offset are read: zipfile rewrites a member's local header once the member is
written, so a zip is final up to the start of the member being written.
"""

from __future__ import annotations

import hashlib
import os
import threading

_BLOCK = 1 << 16  # as the copy's blocks: larger ones showed in a small export's peak


def available() -> bool:
    return hasattr(os, "pread")


class TrailingHash:
    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._digest = hashlib.sha256()
        self._settled = 0
        self._closing = False
        self._abandoned = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="trailing-hash", daemon=True)
        self._thread.start()

    def settle(self, offset: int) -> None:
        """The file will not change before `offset` (flushed to the file already)."""
        with self._changed:
            if offset > self._settled:
                self._settled = offset
                self._changed.notify()

    def finish(self, size: int) -> str:
        """The hex SHA-256 of the whole file, `size` bytes long and flushed."""
        self.settle(size)
        self._end(abandon=False)
        if self._error is not None:
            raise self._error
        return self._digest.hexdigest()

    def stop(self) -> None:
        """End the thread without finishing the hash (the writer failed); call before the file is
        closed. Does nothing after `finish`."""
        self._end(abandon=True)

    def _end(self, *, abandon: bool) -> None:
        with self._changed:
            self._closing = True
            self._abandoned = abandon
            self._changed.notify()
        self._thread.join()

    def _run(self) -> None:
        done = 0
        try:
            while True:
                with self._changed:
                    while self._settled <= done and not self._closing:
                        self._changed.wait()
                    target = self._settled
                    if target <= done or self._abandoned:
                        return
                while done < target and not self._abandoned:
                    block = os.pread(self._fd, min(_BLOCK, target - done), done)
                    if not block:
                        raise OSError(f"the file ended at {done} bytes, before {target}")
                    self._digest.update(block)
                    done += len(block)
        except BaseException as exc:  # raised by finish() in the writer's thread
            self._error = exc
