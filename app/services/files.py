"""Files written for the user (exports): whole or not at all, and never over one unasked."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from app.core.errors import Conflict, InvalidInput


def check_target(path: Path, *, force: bool) -> None:
    """Refuse before any work is done: a folder, a missing folder, a file not to replace."""
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise InvalidInput(f"the folder {path.parent} does not exist")
    if path.exists() and not force:
        raise Conflict(f"{path} already exists; pass --force to replace it")


def write_new(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write through a temporary file in the same folder, then rename it into place.

    A reader never sees half a file, and a failure leaves any earlier file as it was. The file
    is private (0600, as mkstemp makes it): exports list key names, though never a value.
    """
    with replacing(path, force=force) as out:
        out.write(data)


@contextlib.contextmanager
def replacing(path: Path, *, force: bool = False) -> Iterator[IO[bytes]]:
    """A private temporary file beside `path`, renamed onto it when the block ends without an
    error, deleted otherwise (also on Ctrl+C): written whole or not at all, as `write_new`."""
    check_target(path, force=force)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w+b") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if path.exists() and not force:  # appeared while we wrote
            raise Conflict(f"{path} already exists; pass --force to replace it")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def sha256_file(path: Path | IO[bytes]) -> str:
    """SHA-256 (hex) of a file, read into one buffer: the same memory for any size of file."""
    digest = hashlib.sha256()
    buffer = bytearray(1 << 18)
    view = memoryview(buffer)
    with contextlib.ExitStack() as stack:
        stream = stack.enter_context(open(path, "rb")) if isinstance(path, Path) else path
        if not isinstance(path, Path):
            stream.seek(0)
        while size := stream.readinto(buffer):  # type: ignore[attr-defined]
            digest.update(view[:size])
    return digest.hexdigest()


class _BinarySink(Protocol):
    def write(self, data: bytes, /) -> object: ...


class HashedText:
    """Text written as UTF-8 into a binary stream and hashed (SHA-256) on the way, in blocks of
    about 64 KiB (a zip member compresses each write: one per CSV row costs a third more)."""

    BLOCK = 1 << 16

    def __init__(self, out: _BinarySink) -> None:
        self._out = out
        self._hash = hashlib.sha256()
        self._parts: list[str] = []
        self._pending = 0
        self.size = 0

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._pending += len(text)
        if self._pending >= self.BLOCK:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if not self._parts:
            return
        data = "".join(self._parts).encode("utf-8")
        self._parts.clear()
        self._pending = 0
        self._hash.update(data)
        self._out.write(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        """The hash of everything written (flushes first)."""
        self.flush()
        return self._hash.hexdigest()
