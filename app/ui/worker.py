"""The one way slow work leaves the GUI thread: run a function in the pool, get the result
back as a signal on the GUI thread. No nested event loops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class Job(QObject):
    """One background call.

    Signals:
        done(object): the function's return value, delivered on the GUI thread.
        failed(object): the exception it raised, delivered on the GUI thread.
    """

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running = True

    def _finish(self) -> None:
        self.running = False


class _Task(QRunnable):
    def __init__(self, job: Job, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._job, self._fn = job, fn

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # handed to the GUI thread, which shows it
            self._job.failed.emit(exc)
        else:
            self._job.done.emit(result)


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
    parent: QObject,
) -> Job:
    job = Job(parent)
    job.done.connect(job._finish)
    job.failed.connect(job._finish)
    job.done.connect(on_done)
    job.failed.connect(on_failed)
    QThreadPool.globalInstance().start(_Task(job, fn))
    return job
