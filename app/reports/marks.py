"""Small status marks for printed checklists and plans: a box that is ticked, crossed, half-filled or empty.

Drawn as vector shapes, so they print crisply and need no special font glyphs.
"""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect
from reportlab.lib import colors

from app.models.enums import ItemStatus

GREEN = colors.HexColor("#2e7d32")
RED = colors.HexColor("#c62828")
AMBER = colors.HexColor("#ef6c00")
BLUE = colors.HexColor("#1565c0")
GREY = colors.HexColor("#9aa5b1")
INK = colors.HexColor("#1f2933")
OVERDUE_BG = colors.HexColor("#fdecea")
AT_RISK_BG = colors.HexColor("#fff4e5")

STATUS_COLOURS = {
    ItemStatus.TODO: INK, ItemStatus.IN_PROGRESS: BLUE, ItemStatus.DONE: GREEN, ItemStatus.BLOCKED: RED,
    ItemStatus.NOT_APPLICABLE: GREY,
}


def status_mark(status: ItemStatus, size: float = 9) -> Drawing:
    """A checkbox showing ``status``: ticked (done), half-filled (in progress), crossed (blocked),
    dashed (not applicable) or empty (to do: room to tick it by hand)."""
    d = Drawing(size + 2, size + 2)
    colour = STATUS_COLOURS[status]
    d.add(Rect(1, 1, size, size, strokeColor=colour, strokeWidth=0.9, fillColor=None))
    if status is ItemStatus.DONE:
        d.add(PolyLine([2.5, 1 + size * 0.5, 1 + size * 0.4, 2.5, size, size - 0.5], strokeColor=colour,
                       strokeWidth=1.6))
    elif status is ItemStatus.IN_PROGRESS:
        d.add(Rect(1, 1, size / 2, size, strokeColor=None, fillColor=colour))
    elif status is ItemStatus.BLOCKED:
        d.add(Line(2.5, 2.5, size - 0.5, size - 0.5, strokeColor=colour, strokeWidth=1.3))
        d.add(Line(2.5, size - 0.5, size - 0.5, 2.5, strokeColor=colour, strokeWidth=1.3))
    elif status is ItemStatus.NOT_APPLICABLE:
        d.add(Line(2.5, 1 + size / 2, size - 0.5, 1 + size / 2, strokeColor=colour, strokeWidth=1.3))
    return d
