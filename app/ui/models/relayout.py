"""Re-sorting a table model of precomputed rows while selections follow their rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel


def reorder(
    model: QAbstractTableModel, shown: Sequence[object], change: Callable[[], Sequence[object]]
) -> None:
    """Run `change` (which returns the new shown rows, the same rows in another order) between
    Qt's layout signals, moving every persistent index to its row's new place."""
    model.layoutAboutToBeChanged.emit()
    persistent = model.persistentIndexList()
    kept = [(shown[i.row()], i.column()) for i in persistent]
    after = change()
    if persistent:
        where = {id(row): n for n, row in enumerate(after)}
        model.changePersistentIndexList(
            persistent, [model.index(where[id(row)], col) for row, col in kept]
        )
    model.layoutChanged.emit()
