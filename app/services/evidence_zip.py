"""The pack's zip, written after the ledger pass: members, their SHA-256s for the manifest, and
the SHA-256 of the zip itself for the `export` event.

On one thread this was ~0.4 s at 100k events with the second core idle: each large table hashed
while copied into the zip, then the whole zip read back and hashed. Where os.pread exists, three
things now run at once: the main thread copies a table into the zip (reads, CRC-32, writes), a
worker hashes the same table's files for the manifest (`parts_digest`), and `TrailingHash`
hashes the zip behind the writer. hashlib, zlib and file I/O release the GIL.

Then the worker writes the zip to disk (fsync) while the export event is committed and
published. The threads start only after the pass, which forks (a fork needs a process of one
thread), and end with the `writing` block, also when the export fails or is cancelled.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import IO

from app.core import evidence as layout
from app.services import files, trailing_hash
from app.services.evidence_spool import Spool, copy_member, csv_head, parts_digest
from app.services.trailing_hash import TrailingHash

Step = Callable[[], None]  # raises to cancel


class PackWriter:
    def __init__(
        self, zf: zipfile.ZipFile, raw: IO[bytes], when: datetime, check: Step, *, hash_zip: bool
    ) -> None:
        self.zf = zf
        self.raw = raw
        self.stamp = when.timetuple()[:6]
        self.check = check
        self.digests: dict[str, str] = {}
        self._hash_zip = hash_zip
        threads = trailing_hash.available()
        self._pool = ThreadPoolExecutor(max_workers=1) if threads else None
        self._hasher = TrailingHash(raw.fileno()) if threads and hash_zip else None

    def finish(self) -> str:
        """Close the zip (whole) and return its SHA-256 ("" unless hash_zip). The worker starts
        writing the zip to disk (fsync), which goes on while the caller commits the export
        event and publishes; files.replacing's own fsync then finds little left to write."""
        self.zf.close()
        self.raw.flush()
        if self._pool is not None:
            self._pool.submit(os.fsync, self.raw.fileno())
        if self._hasher is not None:
            return self._hasher.finish(self.raw.tell())
        return files.sha256_file(self.raw) if self._hash_zip else ""

    def close(self) -> None:
        """End the threads (before the file they read closes), then the zip if still open."""
        if self._hasher is not None:
            self._hasher.stop()
        if self._pool is not None:
            self._pool.shutdown()
        self.zf.close()

    def _info(self, name: str, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self.stamp)
        info.compress_type = compress
        info.external_attr = 0o644 << 16
        return info

    def spooled(self, stem: str, header: tuple[str, ...], parts: list[Spool]) -> None:
        """A large table from the spools that hold its rows, in order, stored uncompressed:
        deflating 100k events' tables (125 MB of text to 7 MB) took a seventh of the export."""
        self.check()
        for spool in parts:
            spool.flush()
        head = csv_head(header)
        self._member(f"{stem}.csv", head, [p.csv for p in parts])
        self._member(f"{stem}.jsonl", b"", [p.jsonl for p in parts])

    def _member(self, name: str, head: bytes, parts: list[IO[bytes]]) -> None:
        info = self._info(name, zipfile.ZIP_STORED)
        if self._pool is None:
            self.digests[name] = copy_member(self.zf, info, head, parts)
        else:
            digest = self._pool.submit(parts_digest, head, parts)
            copy_member(self.zf, info, head, parts, hashed=False)
            self.digests[name] = digest.result()
        self._written()

    def data(self, name: str, data: bytes, *, listed: bool = True) -> None:
        self.zf.writestr(self._info(name), data)
        self._written()
        if listed:
            self.digests[name] = layout.digest(data)

    def _written(self) -> None:
        """After each member: the zip is final up to its end."""
        if self._hasher is not None:
            self.raw.flush()
            self._hasher.settle(self.raw.tell())


@contextlib.contextmanager
def writing(raw: IO[bytes], when: datetime, check: Step, *, hash_zip: bool) -> Iterator[PackWriter]:
    """A pack writer over a zip in `raw`: write the members, then `finish`."""
    zf = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
    pack = PackWriter(zf, raw, when, check, hash_zip=hash_zip)
    try:
        yield pack
    finally:
        pack.close()
