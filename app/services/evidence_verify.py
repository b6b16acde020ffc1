"""`evidence verify`: check a pack with no vault (and, given one, against its ledger).

The zip is read defensively: flat names only, no duplicates, no encrypted or exotic members,
sizes and compression ratios bounded, every member hashed as it streams.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.core import evidence as layout
from app.core.errors import IntegrityFailure, NotFound
from app.core.evidence import Manifest, PackMember


@dataclass(frozen=True)
class PackReport:
    path: Path
    vault_id: str
    vault_name: str
    period: tuple[str, str]
    generated_at: str
    generated_by: str
    head: str
    commits: int
    files: int
    signer_fingerprint: str
    checked: tuple[str, ...]


def _check_member(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if info.flag_bits & 0x1:
        raise IntegrityFailure(f"{name} is encrypted in the zip; a pack never is")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise IntegrityFailure(f"{name} uses a compression a pack never uses")
    if info.file_size > layout.MAX_MEMBER_BYTES:
        raise IntegrityFailure(f"{name} is too large for an evidence file")
    if info.file_size > 1 << 20 and info.file_size > layout.MAX_RATIO * max(info.compress_size, 1):
        raise IntegrityFailure(f"{name} expands more than any evidence file (a zip bomb?)")


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int | None = None) -> bytes:
    if limit is not None and info.file_size > limit:
        raise IntegrityFailure(f"{info.filename} is too large")
    return _stream(zf, info, keep=True)[1]


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, keep: bool = False) -> tuple[str, bytes]:
    """SHA-256 of a member, read in blocks and never past its declared size."""
    digest = hashlib.sha256()
    kept = bytearray()
    size = 0
    try:
        with zf.open(info) as member:
            while block := member.read(1 << 20):
                size += len(block)
                if size > info.file_size:
                    raise IntegrityFailure(f"{info.filename} is larger than the zip says")
                digest.update(block)
                if keep:
                    kept += block
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise IntegrityFailure(f"{info.filename} is damaged in the zip ({exc})") from None
    return digest.hexdigest(), bytes(kept)


def verify_pack(path: Path, vault_path: Path | None = None) -> PackReport:
    """Every file listed with its SHA-256, the signature by signer.pub, and signer.pub the key of
    an active member in the manifest; with `vault_path` also the ledger head and the signer in
    that (fully verified) vault. IntegrityFailure names the first file or check that fails."""
    if not path.is_file():
        raise NotFound(f"no evidence pack at {path}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IntegrityFailure(f"{path.name} is not a readable zip file ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > layout.MAX_FILES:
            raise IntegrityFailure(f"{path.name} holds {len(infos)} files; a pack holds fewer")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})[0]
            raise IntegrityFailure(f"the pack holds {twice!r} twice")
        for info in infos:
            layout.check_name(info.filename)
            _check_member(info)
        by_name = {i.filename: i for i in infos}
        small: dict[str, bytes] = {}
        for name in (layout.MANIFEST, layout.SIGNATURE, layout.SIGNER):
            if name not in by_name:
                raise IntegrityFailure(f"{name} is missing from the pack")
            small[name] = _read(zf, by_name[name], layout.MAX_SMALL)
        digests = {
            i.filename: _stream(zf, i)[0]
            for i in infos
            if i.filename not in (layout.MANIFEST, layout.SIGNATURE)
        }
    manifest, signer = layout.verify_parts(
        small[layout.MANIFEST], small[layout.SIGNATURE], small[layout.SIGNER], names, digests
    )
    checked = ["file list", "SHA-256 of every file", "signature", "signer is a listed member"]
    if vault_path is not None:
        _check_vault(manifest, signer, vault_path)
        checked += ["vault ledger verified", "head in the vault's ledger", "signer in the vault"]
    return PackReport(
        path,
        manifest.vault_id,
        manifest.vault_name,
        manifest.period,
        manifest.generated_at,
        manifest.generated_by,
        manifest.head,
        manifest.commits,
        len(names),
        layout.key_fingerprint(signer.sign_pub),
        tuple(checked),
    )


def _check_vault(manifest: Manifest, signer: PackMember, vault_path: Path) -> None:
    from app.services import sync
    from app.services.verify import meta, verify

    conn = sync.open_shared(vault_path)
    try:
        verify(conn)
        if meta(conn, "vault_id") != manifest.vault_id:
            raise IntegrityFailure(f"the pack is of another vault than {vault_path.name}")
        row = conn.execute("SELECT hash FROM commits WHERE seq = ?", (manifest.commits,)).fetchone()
        if row is None or row[0] != manifest.head:
            raise IntegrityFailure(
                f"the pack's ledger head {manifest.head[:16]} is not commit #{manifest.commits}"
                f" of {vault_path.name}'s ledger"
            )
        found = conn.execute(
            "SELECT handle FROM members WHERE sign_pub = ?", (signer.sign_pub,)
        ).fetchone()
        if found is None:
            raise IntegrityFailure(f"signer.pub is not the key of a member of {vault_path.name}")
    finally:
        conn.close()
