"""Keeps the unlocked console level with the shared vault file: watches the file and its folder,
takes in what teammates published (fast-forward or merge), and offers to merge the conflicted
copies a sync tool leaves beside it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QFileSystemWatcher, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.core.errors import KeyLedgerError
from app.services import merge_story
from app.services.copies import conflicted_copies
from app.services.merge import MergeRefused, TakenIn
from app.services.set_aside import set_aside
from app.services.team import list_members
from app.services.vault import Vault
from app.ui import shared_jobs
from app.ui.console_controller import ConsoleController, Prepared
from app.ui.shared_texts import came_in, copies_merged
from app.ui.views.console import ConsolePage
from app.ui.worker import Job, run_in_background

# A sync tool writes a file in bursts (a temporary file, a rename, attributes): one look after
# the burst has settled.
DEBOUNCE_MS = 400
# While a dialog is open the views are not reloaded under it: look again a little later.
RETRY_MS = 1500
# A network drive (SMB, NFS) tells this laptop nothing of what other computers write there:
# compare the file's and folder's stat now and then as well.
POLL_MS = 30_000
# After unlock, once the console has settled: did an earlier merge leave values under a
# replaced key? (A query over every version, on a worker; not competing with the unlock.)
REPAIR_CHECK_MS = 3000
_MOVED = shared_jobs.MOVED


def _tr(text: str) -> str:
    return QCoreApplication.translate("SharedFileController", text)


def _one_line(why: BaseException | str) -> str:
    return " ".join(str(why).split())


def _reason(why: BaseException | str) -> str:
    """A refusal's reason without the prefix most of them carry."""
    return _one_line(why).removeprefix("the copies cannot be merged: ").rstrip(".")


def _stamp(published: Path) -> tuple[int, ...]:
    """What changes when anyone writes the file or adds a copy beside it."""
    found: list[int] = []
    for path in (published, published.parent):
        try:
            st = path.stat()
        except OSError:
            found.append(-1)
            continue
        found += [st.st_mtime_ns, st.st_size, st.st_ino]
    return tuple(found)


class SharedFileController(QObject):
    """Signals:
    message(str): a short note for the status bar.
    changed(): commits came in from the shared file or a copy; the console has reloaded.
    """

    message = Signal(str)
    changed = Signal()

    def __init__(self, page: ConsolePage, console: ConsoleController, window: QWidget) -> None:
        super().__init__(window)
        self.page, self.console, self.window = page, console, window
        self.warning, self.copies_banner = page.merge_warning, page.copies_banner
        self.settled = page.settled_banner
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._on_watcher_file_changed)
        self.watcher.directoryChanged.connect(self._on_watcher_directory_changed)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._on_poll_timeout)
        self.seen: tuple[int, ...] = ()  # the stat the last look saw
        self.offered: list[Path] = []  # the copies the banner lists
        self.declined: set[Path] = set()  # "Not now", or refused: not offered again until lock
        self.dismissed_warning = ""  # the warning text the user closed
        self.shared_warning = False  # the warning is about the shared file (not a copy)
        self.job: Job | None = None  # the catch-up running on a worker thread
        self.check_job: Job | None = None  # after unlock: does an earlier merge need repairs?
        self.repair_timer = QTimer(self)
        self.repair_timer.setSingleShot(True)
        self.repair_timer.timeout.connect(self._on_repair_timer_timeout)
        self.job_vault: Vault | None = None  # the vault it catches up
        self.again = False  # the file moved while the job ran: look again when it ends
        self.merge_wanted = False  # Merge was clicked while the job ran: merge when it ends
        self.copies_banner.merge_requested.connect(self.merge_copies)
        self.copies_banner.later_requested.connect(self._on_copies_banner_later_requested)
        self.warning.dismissed.connect(self._on_warning_dismissed)
        self.warning.set_aside_requested.connect(self._on_warning_set_aside_requested)

    @property
    def vault(self) -> Vault | None:
        return self.console.vault

    # -- watching ----------------------------------------------------------------------------
    def start(self) -> None:
        """After unlock: watch the vault file and its folder, say why it could not be merged at
        unlock if so, and offer the copies beside it."""
        vault = self.vault
        if vault is None:
            return
        self._watch(vault)
        self.seen = _stamp(vault.published)
        self.poll.start()
        if vault.merge_problem:
            self._warn_shared(vault.merge_problem)
        elif vault.unlock_merge is not None:
            self._show_settled(vault, [vault.unlock_merge])
        self.check_copies()
        self.repair_timer.start(REPAIR_CHECK_MS)

    @Slot()
    def _on_repair_timer_timeout(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self.check_job = run_in_background(
            lambda: shared_jobs.repairs_needed(vault),
            lambda envs: self._on_repairs_needed(vault, envs),
            lambda _exc: None,  # locked meanwhile, or unreadable: the next merge looks again
            self,
        )

    def _on_repairs_needed(self, vault: Vault, envs: list[str]) -> None:
        """What an earlier merge left under replaced keys: put right now if this member can
        (an admin holding the key), else said in the settled-conflicts banner."""
        if not envs or vault is not self.vault or vault.locked:
            return
        try:
            vault.after_merge()
        except KeyLedgerError as exc:
            self.message.emit(_one_line(exc))
            return
        if vault.repair_waiting:
            self._show_settled(vault, [])
        else:
            self.message.emit(_tr("Re-encrypted what an earlier merge left under replaced keys."))

    def unload(self) -> None:
        """At lock: stop watching, forget what was declined, hide the banners."""
        self.timer.stop()
        self.poll.stop()
        self.repair_timer.stop()
        watched = self.watcher.files() + self.watcher.directories()
        if watched:
            self.watcher.removePaths(watched)
        self.offered, self.declined = [], set()
        self.dismissed_warning, self.shared_warning = "", False
        self.warning.set_text("")
        self.settled.set_lines([])
        self.copies_banner.set_copies([])

    def _watch(self, vault: Vault) -> None:
        # Replacing the file atomically (our own publish, every sync tool) drops the old inode
        # and with it the watch on the path: add it again whenever it is missing.
        file, folder = vault.published.absolute(), vault.published.absolute().parent
        if str(folder) not in self.watcher.directories() and folder.is_dir():
            self.watcher.addPath(str(folder))
        if str(file) not in self.watcher.files() and file.is_file():
            self.watcher.addPath(str(file))

    @Slot(str)
    def _on_watcher_file_changed(self, _path: str) -> None:
        self.timer.start(DEBOUNCE_MS)

    @Slot(str)
    def _on_watcher_directory_changed(self, _path: str) -> None:
        self.timer.start(DEBOUNCE_MS)

    @Slot()
    def _on_poll_timeout(self) -> None:
        vault = self.vault
        if vault is not None and _stamp(vault.published) != self.seen and not self.timer.isActive():
            self.timer.start(DEBOUNCE_MS)

    @Slot()
    def _on_timer_timeout(self) -> None:
        vault = self.vault
        if vault is None:
            return
        if QApplication.activeModalWidget() is not None:
            self.timer.start(RETRY_MS)
            return
        self._watch(vault)
        self.seen = _stamp(vault.published)
        if vault.published.is_file():  # a sync tool may be between removing and renaming
            self.take_in()
        self.check_copies()

    # -- the shared file ---------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A catch-up with the shared file is running on a worker thread."""
        return self.job is not None and self.job.running

    def take_in(self) -> None:
        """Catch up with the shared file on a worker thread and show what came in.

        The worker writes through a connection of its own (WAL lets the console read on while
        it merges) and lays out the console's rows; a commit made meanwhile waits for it on
        the working copy's file lock. Our own publish shows up as 'same' and says nothing."""
        vault = self.vault
        if vault is None:
            return
        if self.busy:
            self.again = True  # the file moved again while we were reading it
            return
        self.again = False
        merger, now = vault.merger(), self.console.session.clock.now()
        due_soon = self.console.settings.get("due_soon_days")
        self._run(
            vault, lambda: shared_jobs.catch_up(vault, merger, now, due_soon), self._on_job_done
        )

    @Slot(object)
    def _on_job_done(self, result: shared_jobs.CaughtUp) -> None:
        vault, (done, prepared, needed) = self.vault, result
        if vault is None or vault is not self.job_vault:
            return  # locked meanwhile: the next unlock catches up anyway
        try:
            vault.took_in(done, needed)
        except KeyLedgerError as exc:
            self._on_job_failed(exc)
            return
        if self.shared_warning:  # the two copies are level again
            self.warning.set_text("")
            self.shared_warning = False
        if done.outcome in _MOVED:
            self._reload(prepared)
            self.message.emit(came_in(done, self._handles(vault)))
            self._show_settled(vault, [done])
        elif done.outcome == "published":
            self.message.emit(
                _tr("The shared file lacked this laptop's latest changes; published them again.")
            )
        self._next()

    def _next(self) -> None:
        """What was asked for while a job ran: a merge of the copies, or another look."""
        if self.merge_wanted:
            self.merge_copies()
        elif self.again:
            self.take_in()

    @Slot(object)
    def _on_job_failed(self, exc: BaseException) -> None:
        self.copies_banner.merge_button.setEnabled(True)
        if self.vault is None or self.vault is not self.job_vault:
            return
        self._show_failure(exc)
        self._next()

    def _show_failure(self, exc: BaseException) -> None:
        if isinstance(exc, MergeRefused):
            self._warn_shared(exc)
        elif isinstance(exc, KeyLedgerError):
            self._warn(
                _tr("Could not take in the shared vault file: %1.").replace(
                    "%1", _one_line(exc).rstrip(".")
                ),
                shared=True,
            )
        else:
            raise exc

    def _reload(self, prepared: Prepared | None = None) -> None:
        self.console.load(prepared)  # every view reloads on its `loaded`
        self.changed.emit()

    @staticmethod
    def _handles(vault: Vault) -> dict[str, str]:
        try:
            return {
                m.id: m.handle for m in list_members(vault, include_removed=True, activity=False)
            }
        except KeyLedgerError:
            return {}

    # -- warnings ----------------------------------------------------------------------------
    def _warn_shared(self, why: BaseException | str) -> None:
        self._warn(
            _tr(
                "This laptop's copy and the shared vault file cannot be merged: %1. Both copies"
                " are kept as they were."
            ).replace("%1", _reason(why)),
            shared=True,
        )

    def _warn(self, text: str, *, shared: bool) -> None:
        if text == self.dismissed_warning:
            return  # the same problem, seen again at the next change of the folder
        self.shared_warning = shared
        vault = self.vault
        self.warning.offer_set_aside(shared and vault is not None and bool(vault.merge_problem))
        self.warning.set_text(text)

    @Slot()
    def _on_warning_set_aside_requested(self) -> None:
        """This laptop's copy cannot merge with the shared file: keep its changes in a file
        beside the vault, lock, and let the next unlock start from the shared file."""
        vault = self.vault
        if vault is None or not vault.merge_problem or not self.confirm_set_aside(vault):
            return
        try:
            kept = set_aside(vault)
        except KeyLedgerError as exc:
            self.message.emit(_one_line(exc))
            return
        self.console.session.lock("set-aside")
        self.message.emit(
            _tr(
                "Kept this laptop's unmerged changes in %1. Unlock to go on from the shared file."
            ).replace("%1", kept.name)
        )

    def confirm_set_aside(self, vault: Vault) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _tr("Keep my changes aside"),
            _tr("Go on from the shared vault file?"),
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        go = box.addButton(_tr("Keep mine aside"), QMessageBox.ButtonRole.AcceptRole)
        box.setInformativeText(
            _tr(
                "This laptop's changes that cannot merge are kept, signed as they were, in a file"
                " beside %1; the vault locks and goes on from the shared file when you unlock."
                " Redo what still matters; that file can be merged later."
            ).replace("%1", vault.published.name)
        )
        box.exec()
        chosen = box.clickedButton() is go
        box.deleteLater()
        return chosen

    @Slot()
    def _on_warning_dismissed(self) -> None:
        self.dismissed_warning = self.warning.text.text()
        self.shared_warning = False
        self.warning.set_text("")

    # -- conflicted copies -------------------------------------------------------------------
    def check_copies(self) -> None:
        """Offer the copies of this vault a sync tool left beside its file."""
        vault = self.vault
        if vault is None:
            return
        try:
            found = conflicted_copies(vault.published, vault.vault_id)
        except OSError:
            found = []  # the folder is away (a network drive): look again at its next change
        self.offered = [p for p in found if p not in self.declined]
        self.copies_banner.set_copies([p.name for p in self.offered])

    @Slot()
    def _on_copies_banner_later_requested(self) -> None:
        self.declined.update(self.offered)
        self.offered = []
        self.copies_banner.set_copies([])

    @Slot()
    def merge_copies(self) -> None:
        """Take in each offered copy on a worker thread, publish, and remove it; stop at the
        first refusal, which leaves that copy and the vault file as they were."""
        vault = self.vault
        if vault is None:
            return
        if self.busy:  # a catch-up runs: the merge follows it
            self.merge_wanted = True
            return
        self.merge_wanted = False
        self.copies_banner.merge_button.setEnabled(False)
        merger, now = vault.merger(), self.console.session.clock.now()
        due_soon, offered = self.console.settings.get("due_soon_days"), list(self.offered)
        self._run(
            vault,
            lambda: shared_jobs.merge_copies(vault, merger, offered, now, due_soon),
            self._on_copies_merged,
        )

    def _run(self, vault: Vault, work: Callable[[], object], done: Callable[[Any], None]) -> None:
        """The one background job on the vault's file; its answer counts only for `vault`."""
        self.job = run_in_background(work, done, self._on_job_failed, self)
        self.job_vault = vault

    @Slot(object)
    def _on_copies_merged(self, result: shared_jobs.CopiesMerged) -> None:
        self.copies_banner.merge_button.setEnabled(True)
        vault = self.vault
        if vault is None or vault is not self.job_vault:
            return
        done: list[TakenIn] = []
        try:
            for path, shared, merged in result.merged:
                vault.took_in(shared, result.needed)
                vault.took_in(merged, result.needed)
                done.append(merged)
                try:  # only now: the published file holds everything the copy held
                    path.unlink()
                except OSError as exc:
                    self.declined.add(path)
                    self.message.emit(
                        _tr("Merged %1 but could not remove it: %2")
                        .replace("%1", path.name)
                        .replace("%2", _one_line(exc))
                    )
                    break
        except KeyLedgerError as exc:
            self._show_failure(exc)
        if result.refused is not None:
            refused, why = result.refused
            self.declined.add(refused)
            self._warn(
                _tr("%1 cannot be merged: %2. Both copies are kept as they were.")
                .replace("%1", refused.name)
                .replace("%2", _reason(why)),
                shared=False,
            )
        # Always: each merge first caught up with the shared file, which may have moved even
        # when a copy held nothing new or was refused.
        self._reload(result.prepared)
        self.check_copies()
        if done:
            self.message.emit(copies_merged(done, self._handles(vault)))
            self._show_settled(vault, done)
        self._next()

    def _show_settled(self, vault: Vault, done: Sequence[TakenIn]) -> None:
        """What the merges settled, and what waits for an admin with the keys, if anything."""
        resolved = tuple(r for d in done for r in d.resolved)
        if resolved or vault.repair_waiting:
            try:
                self.settled.set_lines(merge_story.story(vault, resolved), settled=bool(resolved))
            except KeyLedgerError as exc:  # the names could not be read: say so, briefly
                self.message.emit(_one_line(exc))
