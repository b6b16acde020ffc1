"""`keyledger merge [COPY.kl]...`: take other copies of the vault file into it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.cli.context import Options, emit_json, unlock
from app.core.errors import InvalidInput

if TYPE_CHECKING:
    from app.services.vault import Vault

_DONE = {
    "merged": "merged {n} {changes} from {who} with this vault's",
    "fast-forward": "took in {n} {changes} from {who}",
    "same": "nothing new: the vault already holds all of it",
    "published": "nothing new: the vault already holds all of it",
}


@click.command()
@click.argument(
    "paths", metavar="[COPY.kl]...", nargs=-1, type=click.Path(path_type=Path, dir_okay=False)
)
@click.option("--remove", is_flag=True, help="Delete each copy once the vault file holds it all.")
@click.option(
    "--set-aside-mine",
    "set_aside_mine",
    is_flag=True,
    help="When this laptop's changes cannot merge with the shared file: keep them in a file"
    " beside the vault and go on from the shared file.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def merge(
    opts: Options, paths: tuple[Path, ...], remove: bool, set_aside_mine: bool, as_json: bool
) -> None:
    """Take other copies of the vault into it and publish: the COPY.kl files named, or else
    the conflicted copies a sync tool left beside the vault file (Dropbox, Syncthing,
    OneDrive, Nextcloud, Google Drive, iCloud). Both histories are kept under a merge commit,
    and changes made on both at once are settled and listed: a key deleted on one and changed
    on the other is kept; both new values of one key are kept, the later current; a revocation
    beats a grant; values written under a key the other copy replaced are re-encrypted (by an
    admin holding the key: with nothing to merge, this command does what is left). A copy of
    another vault, one that fails its checks, or one whose changes cannot stand beside the
    vault's is refused (exit 5) and nothing changes."""
    from app.services import copies, merge_story, team

    vault = unlock(opts)
    if set_aside_mine:
        _set_aside(vault, paths, as_json)
        return
    waiting: list[str] = []
    try:
        found = list(paths) or copies.conflicted_copies(vault.published, vault.vault_id)
        handles = {m.id: m.handle for m in team.list_members(vault, activity=False)}
        results: list[dict[str, Any]] = []
        for path in found:
            done = copies.merge_copy(vault, path, remove=remove)
            who = [handles.get(a, a[:8]) for a in done.authors]
            settled = merge_story.story(vault, done.resolved)
            results.append(
                {
                    "copy": str(path),
                    "outcome": done.outcome,
                    "incoming": done.incoming,
                    "from": who,
                    "removed": remove,
                    "settled": settled,
                }
            )
            if not as_json:
                text = _DONE[done.outcome].format(
                    n=done.incoming,
                    changes="change" if done.incoming == 1 else "changes",
                    who=", ".join(who),
                )
                click.echo(f"{path.name}: {text}{'; removed the copy' if remove else ''}.")
                for line in settled:
                    click.echo(f"  - {line}.")
        if not found:  # what an earlier merge left for an admin with the keys
            vault.after_merge()
            waiting = list(vault.repair_waiting)
    finally:
        vault.lock()
    if as_json:
        emit_json({"ok": True, "merged": results, "waiting": waiting})
    elif not found:
        click.echo(f"No conflicted copies of {vault.published.name} beside it.")
        for env in waiting:
            click.echo(f"  - {env} still waits for an admin with {env} access to re-encrypt it.")


def _set_aside(vault: Vault, paths: tuple[Path, ...], as_json: bool) -> None:
    from app.services.set_aside import set_aside

    try:
        if paths:
            raise InvalidInput("--set-aside-mine takes no COPY.kl")
        kept = set_aside(vault)
    finally:
        vault.lock()
    if as_json:
        emit_json({"ok": True, "set_aside": str(kept)})
        return
    click.echo(
        f"Kept this laptop's unmerged changes in {kept.name}; the vault goes on from the shared"
        " file. Redo what still matters, then `keyledger merge` that file if its changes can"
        " stand beside the vault's."
    )
