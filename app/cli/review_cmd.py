"""`keyledger review start|list|show|decide|complete|export`: quarterly access reviews."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import click

from app.cli.context import Options, emit_json, table, unlock
from app.cli.dates import DATE
from app.core.reviews import DECISIONS, Campaign, RowState

LOCAL = None  # this computer's time zone


def end_of_day(day: date) -> datetime:
    """The last second of a calendar day on this computer's clock."""
    return datetime.combine(day, time(23, 59, 59)).astimezone(LOCAL)


def _progress(c: Campaign) -> str:
    return f"{c.decided}/{len(c.rows)} decided"


@click.group()
def review() -> None:
    """Access reviews: snapshot every grant, decide each, sign off, export for the auditor."""


@review.command()
@click.option("--due", "due_day", type=DATE, required=True, help="Due date (YYYY-MM-DD).")
@click.option("--reviewer", metavar="NAME", help="The admin who signs it off (default: you).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def start(opts: Options, due_day: date, reviewer: str | None, as_json: bool) -> None:
    """Start a review of every grant, due at the end of DATE."""
    from app.services import review_export, reviews

    vault = unlock(opts)
    try:
        campaign = reviews.start(vault, end_of_day(due_day), reviewer)
        if as_json:
            emit_json(review_export.as_json(campaign))
            return
        unused = sum(r.unused for r in campaign.rows)
        click.echo(
            f"Review {campaign.id} started: {len(campaign.rows)} grants to decide by"
            f" {due_day.isoformat()}, reviewer {campaign.reviewer}"
            + (f"; {unused} unused for 90 days" if unused else "")
        )
    finally:
        vault.lock()


@review.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(opts: Options, as_json: bool) -> None:
    """Every review, newest first, with its progress and when the next one is due."""
    from app.services import review_export, reviews

    vault = unlock(opts)
    try:
        campaigns = reviews.list_campaigns(vault)
        when, overdue = reviews.due(vault)
        now = vault.clock.now()
    finally:
        vault.lock()
    if as_json:
        emit_json(
            {
                "reviews": [review_export.as_json(c) for c in campaigns],
                "next_due": when.isoformat(),
                "overdue": overdue,
            }
        )
        return
    rows = [
        [
            c.id,
            c.status + (" (overdue)" if c.overdue(now) else ""),
            c.reviewer,
            c.started_at[:10],
            c.due[:10],
            _progress(c),
        ]
        for c in campaigns
    ]
    if rows:
        table(rows, ["ID", "STATUS", "REVIEWER", "STARTED", "DUE", "PROGRESS"])
    else:
        click.echo("No access reviews yet.")
    state = "A review is overdue since" if overdue else "The next review is due"
    click.echo(f"{state} {when.astimezone(LOCAL).date().isoformat()}.")


@review.command()
@click.argument("review_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def show(opts: Options, review_id: str, as_json: bool) -> None:
    """Every row of a review: the grant, its last use, how it stands now, the decision."""
    from app.services import review_export, reviews

    vault = unlock(opts)
    try:
        campaign = reviews.find(vault, review_id)
    finally:
        vault.lock()
    if as_json:
        emit_json(review_export.as_json(campaign))
        return
    click.echo(
        f"Review {campaign.id}: {campaign.status}, reviewer {campaign.reviewer}, due"
        f" {campaign.due[:10]}, {_progress(campaign)}"
    )
    rows = []
    for r in campaign.rows:
        s, d = r.snapshot, r.decision
        used = f"{s.last_used[:10]} ({s.last_used_how})" if s.last_used else "never"
        rows.append(
            [
                s.handle,
                s.env_name,
                s.access + (f" until {s.until[:10]}" if s.until else ""),
                used + (" UNUSED 90d" if r.unused else ""),
                "" if r.state is RowState.UNCHANGED else r.state.value,
                _decision_text(d.decision, d.access, d.comment) if d else "undecided",
            ]
        )
    table(rows, ["MEMBER", "ENV", "ACCESS", "LAST USED", "NOW", "DECISION"])


def _decision_text(decision: str, access: str | None, comment: str) -> str:
    text = f"change to {access}" if decision == "change" else decision
    return f"{text}: {comment}" if comment else text


@review.command()
@click.argument("review_id", metavar="ID")
@click.argument("member", metavar="NAME")
@click.argument("env_name", metavar="ENV")
@click.argument("decision", type=click.Choice(DECISIONS))
@click.option(
    "--access",
    "new_access",
    type=click.Choice(["read", "write"]),
    help="The new access of a 'change'.",
)
@click.option("--comment", default="", help="Why (needed for revoke and change).")
@click.option("--json", "as_json", is_flag=True, help="Print the review as JSON afterwards.")
@click.pass_obj
def decide(
    opts: Options,
    review_id: str,
    member: str,
    env_name: str,
    decision: str,
    new_access: str | None,
    comment: str,
    as_json: bool,
) -> None:
    """Decide one row: keep, revoke or change (with --access)."""
    from app.services import review_export, reviews

    vault = unlock(opts)
    try:
        choice = [(member, env_name, decision, new_access)]
        campaign = reviews.decide(vault, review_id, choice, comment)
    finally:
        vault.lock()
    if as_json:
        emit_json(review_export.as_json(campaign))
        return
    click.echo(f"{member} on {env_name}: {decision}; {_progress(campaign)}")


@review.command()
@click.argument("review_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def complete(opts: Options, review_id: str, as_json: bool) -> None:
    """Sign off (every row decided) and carry out the revocations and changes."""
    from app.services import review_export, reviews

    vault = unlock(opts)
    try:
        campaign, revoked = reviews.complete(vault, review_id)
    finally:
        vault.lock()
    if as_json:
        done = [
            {"member": r.handle, "environments": list(r.environments), "flagged": len(r.flagged)}
            for r in revoked
        ]
        emit_json({**review_export.as_json(campaign), "revoked": done})
        return
    click.echo(f"Review {campaign.id} signed off by {campaign.reviewer}.")
    for done in revoked:
        flagged = len(done.flagged)
        click.echo(
            f"Revoked {done.handle} on {', '.join(done.environments)}: re-keyed;"
            f" {flagged} key{'s' if flagged != 1 else ''} flagged rotation required"
        )


@review.command("export")
@click.argument("review_id", metavar="ID")
@click.option(
    "--csv",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Write the review to this CSV file (Vanta's access-file columns and the decisions).",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_obj
def export(opts: Options, review_id: str, out: Path, force: bool) -> None:
    """Export a review for the auditor."""
    from app.services import review_export

    vault = unlock(opts)
    try:
        count = review_export.export_csv(vault, review_id, out, force=force)
    finally:
        vault.lock()
    click.echo(f"Wrote {count} rows to {out}")
