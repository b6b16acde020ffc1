"""The evidence pack's layout, its manifest, what is signed, and the check of a pack's parts.

A pack is a zip of flat files. `manifest.json` holds canonical JSON (UTF-8, keys sorted, no
whitespace) of {format, vault_id, vault_name, period {from, to}, generated_at, generated_by
{handle, member_id}, ledger {head, commits}, files {name: sha256 hex}, members [{handle, role,
status, sign_pub}]}, `sign_pub` being the raw Ed25519 key in base64url without padding.
`manifest.sig` is the raw 64-byte Ed25519 signature of the ASCII message
'keyledger/v1|evidence|' + the lower-case SHA-256 hex of manifest.json's bytes, by the key in
`signer.pub` (PEM), which must be an active member's key in the manifest. `files` lists every
file of the pack except manifest.json and manifest.sig.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.core.errors import IntegrityFailure
from app.crypto.encoding import b64d, canonical, parse_canonical, sha256_hex
from app.crypto.errors import SignatureError
from app.crypto.sign import public_from_pem, verify

FORMAT = "keyledger-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNER = "signer.pub"
README = "README.txt"
SUMMARY = "summary.html"
# The tables, each written as .csv and .jsonl, in the order they appear in the pack.
TABLES = (  # in the order the pack writes them
    "audit-events",
    "access-list",
    "access-requests",
    "access-reviews",
    "rotation-log",
    "secret-inventory",
    "policies",
    "policy-history",
    "mfa-enrollment",
)
DATA_FILES = tuple(f"{t}.{ext}" for t in TABLES for ext in ("csv", "jsonl"))

# Limits for reading a pack: far above what a real pack holds, far below what a zip bomb needs.
MAX_FILES = 64
MAX_MEMBER_BYTES = 4 << 30
MAX_RATIO = 200  # uncompressed / compressed, for members over 1 MiB
MAX_SMALL = 1 << 20  # manifest.json, manifest.sig, signer.pub are read whole
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def signing_message(manifest_bytes: bytes) -> bytes:
    return b"keyledger/v1|evidence|" + sha256_hex(manifest_bytes).encode("ascii")


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return canonical(dict(manifest))


def check_name(name: str) -> None:
    """A pack holds flat, plain file names: no folders, no '..', nothing absolute."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise IntegrityFailure(f"the pack holds a file with an unsafe name: {name[:80]!r}")


@dataclass(frozen=True)
class PackMember:
    handle: str
    role: str
    status: str
    sign_pub: bytes


@dataclass(frozen=True)
class Manifest:
    vault_id: str
    vault_name: str
    period: tuple[str, str]
    generated_at: str
    generated_by: str
    generated_by_id: str
    head: str
    commits: int
    files: Mapping[str, str]
    members: tuple[PackMember, ...]


def parse_manifest(data: bytes) -> Manifest:
    """manifest.json's bytes, which must be canonical and complete."""
    try:
        obj = parse_canonical(data)
        if obj["format"] != FORMAT:
            raise ValueError(f"format {str(obj['format'])[:40]!r} is not {FORMAT}")
        files = {str(k): str(v) for k, v in obj["files"].items()}
        for name, digest in files.items():
            check_name(name)
            if not _HEX64.fullmatch(digest):
                raise ValueError(f"the SHA-256 of {name} is not 64 hex digits")
        members = tuple(
            PackMember(str(m["handle"]), str(m["role"]), str(m["status"]), b64d(m["sign_pub"]))
            for m in obj["members"]
        )
        return Manifest(
            str(obj["vault_id"]),
            str(obj["vault_name"]),
            (str(obj["period"]["from"]), str(obj["period"]["to"])),
            str(obj["generated_at"]),
            str(obj["generated_by"]["handle"]),
            str(obj["generated_by"]["member_id"]),
            str(obj["ledger"]["head"]),
            int(obj["ledger"]["commits"]),
            files,
            members,
        )
    except IntegrityFailure:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else exc.__class__.__name__
        raise IntegrityFailure(f"{MANIFEST} is not a valid evidence manifest ({detail})") from None


def check_signature(manifest: Manifest, data: bytes, signature: bytes, signer_pem: bytes) -> bytes:
    """The signer's raw key, once manifest.sig verifies over manifest.json with signer.pub.

    When it does not but verifies with a member key listed in the manifest, signer.pub is the
    file that was changed; otherwise manifest.json or manifest.sig was.
    """
    message = signing_message(data)
    try:
        key = public_from_pem(signer_pem)
        verify(key, signature, message)
        return key
    except SignatureError:
        for member in manifest.members:
            try:
                verify(member.sign_pub, signature, message)
            except SignatureError:
                continue
            raise IntegrityFailure(
                f"{SIGNER} was changed: the signature is by {member.handle}'s key, not {SIGNER}'s"
            ) from None
        raise IntegrityFailure(
            f"{SIGNATURE} does not verify over {MANIFEST} with {SIGNER}: {MANIFEST} or"
            f" {SIGNATURE} was changed, or the pack was signed by someone else"
        ) from None


def check_files(manifest: Manifest, names: list[str], digests: Mapping[str, str]) -> None:
    """The pack holds exactly the listed files (and the manifest and signature), each with the
    SHA-256 the manifest gives."""
    expected = set(manifest.files) | {MANIFEST, SIGNATURE}
    extra = sorted(set(names) - expected)
    if extra:
        raise IntegrityFailure(f"{extra[0]} is in the pack but not listed in {MANIFEST}")
    missing = sorted(expected - set(names))
    if missing:
        raise IntegrityFailure(f"{missing[0]} is listed in {MANIFEST} but missing from the pack")
    for name, digest in manifest.files.items():
        if digests.get(name) != digest:
            raise IntegrityFailure(f"{name} was changed: its SHA-256 does not match {MANIFEST}")


def check_signer(manifest: Manifest, key: bytes) -> PackMember:
    """The signing key belongs to an active member listed in the manifest, who made the pack."""
    for member in manifest.members:
        if member.sign_pub == key and member.status == "active":
            if member.handle != manifest.generated_by:
                raise IntegrityFailure(
                    f"{SIGNER} is {member.handle}'s key, but {MANIFEST} says"
                    f" {manifest.generated_by} made the pack"
                )
            return member
    raise IntegrityFailure(
        f"{SIGNER} is not the signing key of an active member listed in {MANIFEST}"
    )


def verify_parts(
    manifest_data: bytes,
    signature: bytes,
    signer_pem: bytes,
    names: list[str],
    digests: Mapping[str, str],
) -> tuple[Manifest, PackMember]:
    """Every standalone check of a pack, given its file names and each file's SHA-256 (hex)."""
    if len(set(names)) != len(names):
        raise IntegrityFailure("the pack holds two files of the same name")
    for name in names:
        check_name(name)
    manifest = parse_manifest(manifest_data)
    key = check_signature(manifest, manifest_data, signature, signer_pem)
    check_files(manifest, names, digests)
    return manifest, check_signer(manifest, key)


def digest(data: bytes) -> str:
    return sha256_hex(data)


def key_fingerprint(public: bytes) -> str:
    """What to compare out of band: the first 32 hex digits of SHA-256 of the raw 32-byte key,
    in groups of four."""
    text = sha256_hex(public)[:32]
    return " ".join(text[i : i + 4] for i in range(0, 32, 4))
