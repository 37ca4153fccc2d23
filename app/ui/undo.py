"""The shape of every undoable edit: a QUndoCommand whose redo and undo call services, never a session.

The view writes first (so a refused write never reaches the stack) and then pushes the command; the push runs
``redo()`` once, which does not write again: it announces ``change`` on the bus, unless the view refreshes
itself after its write (``announce_push=False``: a form that must keep what the user typed after a refusal).
Later redo/undo call `forward()`/`back()` and announce ``change``. If the service refuses (the record was
deleted elsewhere meanwhile, say), the status bar says why and the command drops out of the stack.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from app.services.errors import NotFound, ValidationError
from app.ui.bus import Change, ChangeBus


class ServiceCommand(QUndoCommand):
    def __init__(self, text: str, bus: ChangeBus, change: Change, *, announce_push: bool = True) -> None:
        super().__init__(text)
        self.bus, self.change = bus, change
        self._announce_push = announce_push
        self._pushed = False

    def redo(self) -> None:
        if self._pushed:
            self._run(self.forward, "redo")
        else:
            self._pushed = True  # the write already happened before the push
            if self._announce_push:
                self.bus.changed.emit(self.change)

    def undo(self) -> None:
        self._run(self.back, "undo")

    def forward(self) -> None:
        raise NotImplementedError

    def back(self) -> None:
        raise NotImplementedError

    def _run(self, step, verb: str) -> None:
        try:
            step()
        except (NotFound, ValidationError) as exc:
            self.bus.status_message.emit(f"Cannot {verb} “{self.text()}”: {exc}")
            self.setObsolete(True)
        self.bus.changed.emit(self.change)
