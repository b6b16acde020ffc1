"""What the console says when commits came in from the shared file or another copy."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication

from app.services.merge import TakenIn


def _tr(text: str) -> str:
    return QCoreApplication.translate("SharedFileController", text)


def _changes(count: int) -> str:
    return _tr("1 change") if count == 1 else _tr("%1 changes").replace("%1", str(count))


def changes_from(done: Sequence[TakenIn], handles: dict[str, str]) -> str:
    """E.g. "3 changes from bob, carol" ("" when nothing came in)."""
    count = sum(d.incoming for d in done)
    if not count:
        return ""
    authors = dict.fromkeys(a for d in done for a in d.authors)
    who = ", ".join(handles.get(a, a[:8]) for a in authors)
    return _changes(count) + (_tr(" from %1").replace("%1", who) if who else "")


def came_in(done: TakenIn, handles: dict[str, str]) -> str:
    """E.g. "Took in 3 changes from bob, carol." or "Merged 2 changes from bob with yours." """
    what = changes_from([done], handles)
    if done.outcome == "merged":
        return _tr("Merged %1 with yours.").replace("%1", what)
    return _tr("Took in %1.").replace("%1", what)


def copies_merged(done: Sequence[TakenIn], handles: dict[str, str]) -> str:
    """E.g. "Merged the other copy (1 change from bob) with yours and removed it." """
    what = changes_from(done, handles)
    one = len(done) == 1
    if not what:
        return (
            _tr("The other copy held nothing new; removed it.")
            if one
            else _tr("The %1 other copies held nothing new; removed them.")
        ).replace("%1", str(len(done)))
    if any(d.outcome == "merged" for d in done):
        text = (
            _tr("Merged the other copy (%2) with yours and removed it.")
            if one
            else _tr("Merged %1 other copies (%2) with yours and removed them.")
        )
    else:
        text = (
            _tr("Took in the other copy (%2) and removed it.")
            if one
            else _tr("Took in %1 other copies (%2) and removed them.")
        )
    return text.replace("%1", str(len(done))).replace("%2", what)
