"""The evidence files of a report's records: a table with a thumbnail of each image, its name, the record it
belongs to and its size. Reports take `ReportFile`s (services/attachments.py) and say what each record is."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image

from app.reports.layout import MUTED, mm, para, table
from app.services.attachments import ReportFile, megabytes

THUMB_W, THUMB_H = 30 * mm, 22 * mm


def thumbnail(file: ReportFile) -> Image | str:
    """The image scaled into the thumbnail box, or a dash when the file is not an image (or cannot be read)."""
    if file.image is None:
        return "—"
    try:
        w, h = ImageReader(str(file.image)).getSize()
    except Exception:  # a damaged or unsupported image still lists its name (reportlab raises its own errors)
        return "—"
    scale = min(THUMB_W / w, THUMB_H / h, 1.0)
    return Image(str(file.image), width=w * scale, height=h * scale)


def files_section(files: Sequence[ReportFile], what: Callable[[ReportFile], str], title: str = "Files") -> list:
    """A heading and the table of ``files`` (nothing when there are none); ``what(file)`` names its record."""
    if not files:
        return []
    rows = [["", "File", "Attached to", "Size"]]
    for f in files:
        name = f.name + (f" · {f.note}" if f.note else "")
        rows.append([thumbnail(f), name, what(f), megabytes(f.size)])
    return [para(title, "h1"), table(rows, [0.2, 0.38, 0.3, 0.12], style=[("TEXTCOLOR", (3, 1), (3, -1), MUTED)])]
