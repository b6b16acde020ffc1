"""The pack's two documents for people: README.txt (what each file is, how to verify) and
summary.html (key figures and bar charts as plain tables: no script, no external resource, and
markup that Qt's rich-text viewer renders as well as a browser does)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from app.core.evidence import MANIFEST, SIGNATURE, SIGNER, SUMMARY
from app.core.rotation import BY_SEVERITY, RotationStatus
from app.services.overview import Overview

_FILES = (
    (
        "audit-events",
        "every ledger event in the period: time (UTC), actor, action, environment,"
        " secret, details (JSON). Never a value, TOTP seed or code.",
    ),
    (
        "access-list",
        "who was given which key, from when until when (Vanta's access-file columns, plus"
        " environment, access, end date of a time-bound grant, granter, the request it came"
        " from, and who took it away): one row per member and key, the whole history. The"
        " vault key (environment '(all)') opens names and history, an environment's key its"
        " values. Status: active; pending (joined, not approved); revoked; expired (revoked"
        " after its end date); 'expired, not yet revoked' (the key is withdrawn when an admin"
        " next unlocks); changed (a later grant replaced it); removed (the member left);"
        " refused (a join never approved). 'access appropriate' is for the reviewer to fill.",
    ),
    (
        "access-requests",
        "access requests open at some time in the period: who asked for which environment"
        " and access, until when, why, and who approved or denied it, when and why. The"
        " requester never decides their own request.",
    ),
    (
        "access-reviews",
        "every row of the access review campaigns open in the period: the grant as it stood"
        " (Vanta's access-file columns), the decision (keep, revoke, change), who decided it,"
        " when and why, its last use and justification; nobody decides a row about their own"
        " access, and the reviewer's sign-off carries out the revocations.",
    ),
    (
        "rotation-log",
        "every version created, rotation and 'rotation required' flag of the"
        " current keys in the period; fingerprints only where the exporter may read the values.",
    ),
    (
        "secret-inventory",
        "every current key without its value: owner, dates, period, next due date, status.",
    ),
    ("policies", "each environment's policy (step-up, window, clipboard, rotation, review)."),
    ("policy-history", "each policy setting made or changed in the period, old and new."),
    (
        "mfa-enrollment",
        "each active member's step-up environments (those granted to them), TOTP"
        " enrollment and recovery codes left.",
    ),
)

README = """KeyLedger evidence pack
=======================

Vault:        {vault} ({vault_id})
Period:       {start} to {end} (UTC days, both included)
Generated:    {generated_at} by {handle}
Ledger head:  {head} ({commits} commits)
Signer key:   {fingerprint}

Files
-----
Each table comes as .csv (UTF-8 with a byte order mark, every field quoted, ISO 8601 dates;
a cell that starts with = + - @, a tab, CR or LF gets a leading apostrophe so a spreadsheet
shows it as text) and as .jsonl (one JSON object per line, the same rows; text unescaped).

{files}
{summary:<22}key figures and charts (rotation compliance, reviews, step-up use).
{manifest:<22}SHA-256 of every other file, the period, the ledger head, the members.
{signature:<22}Ed25519 signature of the manifest by the member who exported the pack.
{signer:<22}that member's public signing key (PEM).

How to verify
-------------
With KeyLedger (no vault needed):      keyledger evidence verify PACK.zip
Also against the team's vault file:    keyledger evidence verify PACK.zip --vault TEAM.kl

By hand, in the unzipped folder:
1. Every file but manifest.json and manifest.sig is listed in manifest.json "files" with its
   SHA-256; check each:  sha256sum FILE
2. The signed message is the ASCII text  keyledger/v1|evidence|<SHA-256 hex of manifest.json>
   (lower case, no newline). manifest.sig is the raw 64-byte Ed25519 signature of it:
     printf 'keyledger/v1|evidence|%s' "$(sha256sum manifest.json | cut -c1-64)" > message.txt
     openssl pkeyutl -verify -pubin -inkey signer.pub -rawin -in message.txt -sigfile manifest.sig
3. signer.pub must be the sign_pub (base64url, raw 32 bytes) of an active member in
   manifest.json "members", the one named in "generated_by".
4. Ask the team, by another channel, for the signer's key fingerprint and compare it with
     openssl pkey -pubin -in signer.pub -outform DER | tail -c 32 | sha256sum
   (its first 32 hex digits are the fingerprint above).

What the signature proves: the files are exactly those the holder of the signer's key
exported. It does not prove by itself that the signer belongs to this team: anyone can make a
self-consistent pack with a member list of their own. Step 4 (or verifying with --vault against
the team's vault file) ties the pack to the team's ledger: its head and its signer. It does not
compare each row with the ledger's events: a team member could edit a table and sign it.
"""


def readme(info: Mapping[str, object]) -> str:
    files = "\n".join(f"{stem + '.csv/.jsonl':<22}{_wrap(text)}" for stem, text in _FILES)
    return README.format(
        files=files,
        summary=SUMMARY,
        manifest=MANIFEST,
        signature=SIGNATURE,
        signer=SIGNER,
        **info,
    ).replace("\n", "\r\n")


def _wrap(text: str, width: int = 72) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return ("\n" + " " * 22).join(lines)


_COLOURS = {
    RotationStatus.OK: "#2e7d32",
    RotationStatus.DUE_SOON: "#f9a825",
    RotationStatus.OVERDUE: "#c62828",
    RotationStatus.REQUIRED: "#6a1b9a",
}


def _bar(share: float, colour: str, width: int = 320) -> str:
    """A horizontal bar: a one-row table of two coloured cells (Qt and browsers alike)."""
    filled = max(0, min(width, round(share * width)))
    cells = ""
    if filled:
        cells += f'<td width="{filled}" bgcolor="{colour}" height="14">&nbsp;</td>'
    if width - filled:
        cells += f'<td width="{width - filled}" bgcolor="#e6e6e6" height="14">&nbsp;</td>'
    return f'<table cellspacing="0" cellpadding="0" width="{width}"><tr>{cells}</tr></table>'


def _figure(title: str, value: str, share: float, colour: str, note: str) -> str:
    return (
        f'<tr><td><b>{escape(title)}</b></td><td align="right"><b>{escape(value)}</b></td>'
        f"<td>{_bar(share, colour)}</td><td>{escape(note)}</td></tr>"
    )


def summary(ov: Overview, info: Mapping[str, object], uses: Mapping[str, int]) -> str:
    """The summary page; `uses` are successful step-ups by month within the period."""
    compliance = ov.rotation_compliance
    late = ov.count(RotationStatus.OVERDUE) + ov.count(RotationStatus.REQUIRED)
    coverage = ov.step_up_enrolled / ov.step_up_members if ov.step_up_members else 1.0
    reviews = ov.reviews
    review_note = (
        f"{reviews.completed} completed; next due {reviews.next_due[:10]}"
        + (" (overdue)" if reviews.overdue else "")
        if reviews.completed
        else f"none completed yet; first due {reviews.next_due[:10]}"
        + (" (overdue)" if reviews.overdue else "")
    )
    figures = "".join(
        [
            _figure(
                "Rotation compliance",
                f"{int(compliance * 100)}%",  # floored like the Overview: 99.6% is not 100%
                compliance,
                "#2e7d32" if late == 0 else "#c62828",
                f"{ov.keys - late} of {ov.keys} keys neither overdue nor flagged",
            ),
            _figure(
                "Access reviews",
                f"{reviews.completed}",
                1.0 if reviews.completed and not reviews.overdue else 0.0,
                "#2e7d32",
                review_note,
            ),
            _figure(
                "TOTP coverage",
                f"{coverage:.0%}",
                coverage,
                "#1565c0",
                f"{ov.step_up_enrolled} of {ov.step_up_members} members with step-up access"
                " enrolled",
            ),
        ]
    )
    head = "".join(f"<th>{escape(s.value)}</th>" for s in BY_SEVERITY)
    env_rows = "".join(
        f"<tr><td>{escape(e.name)}{' (step-up)' if e.step_up else ''}</td>"
        f'<td align="right">{e.keys}</td>'
        + "".join(
            f'<td align="right" bgcolor="{_COLOURS[s] if e.by_status[s] else "#ffffff"}">'
            f'<font color="{"#ffffff" if e.by_status[s] else "#000000"}">{e.by_status[s]}'
            "</font></td>"
            for s in BY_SEVERITY
        )
        + "</tr>"
        for e in ov.envs
    )
    peak = max(uses.values(), default=0)
    use_rows = (
        "".join(
            f'<tr><td>{escape(month)}</td><td align="right">{count}</td>'
            f"<td>{_bar(count / peak if peak else 0.0, '#1565c0', 240)}</td></tr>"
            for month, count in uses.items()
        )
        or '<tr><td colspan="3">No step-up in the period.</td></tr>'
    )
    t = ov.team
    team_rows = "".join(
        f'<tr><td>{escape(label)}</td><td align="right">{count}</td></tr>'
        for label, count in (
            ("active members", t.members.get("active", 0)),
            ("joined, awaiting approval", t.pending_joins),
            ("removed members", t.members.get("removed", 0)),
            ("open invites", t.open_invites),
            ("open access requests", t.open_requests),
            ("grants past their end date, not yet revoked", t.expired_grants),
        )
    )
    verified = ov.verification
    checked = (
        f"last full verification on the exporting computer: {verified.at[:19]} UTC,"
        f" {verified.commits} commits"
        if verified.at
        else "the history was not fully verified on the exporting computer"
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>KeyLedger evidence: {escape(str(info["vault"]))}</title>
</head><body>
<h1>Evidence summary: {escape(str(info["vault"]))}</h1>
<p>Period {info["start"]} to {info["end"]} (UTC). Generated {info["generated_at"]} by
{escape(str(info["handle"]))}. {info["events"]} events in the period; ledger head
<code>{str(info["head"])[:16]}</code> ({info["commits"]} commits); {escape(checked)}.</p>
<h2>Key figures</h2>
<table cellspacing="4" cellpadding="2">{figures}</table>
<h2>Keys by environment and rotation status</h2>
<table border="1" cellspacing="0" cellpadding="4"><tr><th>environment</th><th>keys</th>{head}
</tr>{env_rows}</table>
<h2>Team access</h2>
<table border="1" cellspacing="0" cellpadding="4">{team_rows}</table>
<p>access-list and access-requests hold who could read what, from when until when, and why.</p>
<h2>Step-up use by month</h2>
<table cellspacing="2" cellpadding="2"><tr><th>month</th><th>successful step-ups</th><th></th>
</tr>{use_rows}</table>
<p>Figures as of {escape(ov.generated_at[:19])} UTC. The tables in this pack hold the detail;
README.txt says how to verify the pack.</p>
</body></html>
"""
