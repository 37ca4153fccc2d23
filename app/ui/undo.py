"""The shape of every undoable edit: a QUndoCommand whose redo and undo call services, never a session.

The view writes first (so a refused write never reaches the stack) and then pushes the command; the push runs
``redo()`` once, which does not write again. Later redo/undo call `forward()`/`back()`; what they write reaches
every view through the change feed (app/ui/bus.py), the view that made the edit included. If the service
refuses (the record was deleted elsewhere meanwhile, say), the status bar says why and the command drops out
of the stack.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from app.services.errors import NotFound, ValidationError
from app.ui.bus import ChangeBus


class ServiceCommand(QUndoCommand):
    def __init__(self, text: str, bus: ChangeBus) -> None:
        super().__init__(text)
        self.bus = bus
        self._pushed = False

    def redo(self) -> None:
        if self._pushed:
            self._run(self.forward, "redo")
        else:
            self._pushed = True  # the write already happened before the push

    def undo(self) -> None:
        self._run(self.back, "undo")

    def forward(self) -> None:
        raise NotImplementedError

    def back(self) -> None:
        raise NotImplementedError

    def _run(self, step, verb: str) -> None:
        try:
            with self.bus.acting(self):
                step()
        except (NotFound, ValidationError) as exc:
            self.bus.status_message.emit(f"Cannot {verb} “{self.text()}”: {exc}")
            self.setObsolete(True)
