"""Save a report as PDF, or print it through the system's print dialog. Shared by every screen that prints.

Reports are written by reportlab (app/reports/) to a PDF file. Both helpers take ``write``: a callable that
writes the PDF to the path it is given (for example ``lambda path: write_selection_pdf(path, ...)``).

- `save_pdf_as(parent, suggested_name, write)`: asks for a .pdf file name, writes it, returns the path
  (None when the user cancelled or writing failed; a failure is shown in a message box).
- `print_pdf(parent, write)`: writes a temporary PDF, shows the system print dialog (QPrintDialog) and prints
  the PDF's pages, rendered to images at the printer's resolution (up to 300 dpi), one per sheet. Returns
  True when something was sent to the printer.

Rendering a PDF page to an image uses the first of: Qt's own PDF module (``PySide6.QtPdf``, in the
PySide6-Addons wheel), ``pypdfium2``, or poppler's ``pdftoppm`` program. When none is there, the user is told
so and offered to open the PDF in their PDF viewer to print it from there.

Both run on the UI thread (writing a report takes well under a second); they show a busy cursor meanwhile.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

PdfWriter = Callable[[Path], object]
MAX_DPI = 300

_last_folder: Path | None = None  # where the user saved the last PDF: the next save dialog starts there


class PrintUnavailable(RuntimeError):
    """No way to render PDF pages to images is installed on this computer."""


@contextmanager
def _busy() -> Iterator[None]:
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


def _default_folder() -> Path:
    if _last_folder is not None and _last_folder.is_dir():
        return _last_folder
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def safe_file_name(name: str) -> str:
    """A file name made from free text (a partner's name): no path separators or characters Windows refuses."""
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in name).strip(" .")
    return cleaned or "report"


def save_pdf_as(parent: QWidget | None, suggested_name: str, write: PdfWriter) -> Path | None:
    """Ask for a .pdf file name (starting from ``suggested_name``), write the PDF there and return its path.

    Returns None if the user cancels or writing fails (the error is shown in a message box).
    """
    global _last_folder
    name = safe_file_name(suggested_name)
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    chosen, _filter = QFileDialog.getSaveFileName(parent, "Save as PDF", str(_default_folder() / name),
                                                  "PDF files (*.pdf)")
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")
    try:
        with _busy():
            write(path)
    except Exception as exc:  # shown to the user; nothing else to clean up
        QMessageBox.critical(parent, "Could not save the PDF", f"Tandem could not write {path}:\n\n{exc}")
        return None
    _last_folder = path.parent
    return path


# -- rendering PDF pages ---------------------------------------------------------------------------------


def _render_qtpdf(pdf: Path, dpi: int) -> Iterator[QImage] | None:
    try:
        from PySide6.QtCore import QSize
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        return None

    def pages() -> Iterator[QImage]:
        doc = QPdfDocument(None)
        doc.load(str(pdf))
        for i in range(doc.pageCount()):
            size = doc.pagePointSize(i)
            yield doc.render(i, QSize(round(size.width() * dpi / 72), round(size.height() * dpi / 72)))

    return pages()


def _render_pdfium(pdf: Path, dpi: int) -> Iterator[QImage] | None:
    try:
        import pypdfium2
    except ImportError:
        return None

    def pages() -> Iterator[QImage]:
        doc = pypdfium2.PdfDocument(str(pdf))
        try:
            for page in doc:
                bitmap = page.render(scale=dpi / 72).to_pil().convert("RGB")
                data = bitmap.tobytes()
                yield QImage(data, bitmap.width, bitmap.height, 3 * bitmap.width,
                             QImage.Format.Format_RGB888).copy()
        finally:
            doc.close()

    return pages()


def _render_pdftoppm(pdf: Path, dpi: int) -> Iterator[QImage] | None:
    program = shutil.which("pdftoppm")
    if program is None:
        return None

    def pages() -> Iterator[QImage]:
        with tempfile.TemporaryDirectory(prefix="tandem-print-") as folder:
            subprocess.run([program, "-r", str(dpi), "-png", str(pdf), str(Path(folder) / "page")],
                           check=True, capture_output=True, timeout=300)
            # pdftoppm pads page numbers to the width of the last one: sort by the number, not the text
            for png in sorted(Path(folder).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
                yield QImage(str(png))

    return pages()


RENDERERS: list[Callable[[Path, int], Iterator[QImage] | None]] = [_render_qtpdf, _render_pdfium, _render_pdftoppm]


def render_pdf_pages(pdf: Path, dpi: int = 150) -> Iterator[QImage]:
    """Each page of ``pdf`` as an image at ``dpi``. Raises PrintUnavailable when no renderer is installed."""
    for renderer in RENDERERS:
        pages = renderer(pdf, dpi)
        if pages is not None:
            return pages
    raise PrintUnavailable(
        "Printing needs a PDF renderer, and none is installed on this computer "
        "(Qt PDF, pypdfium2 or poppler's pdftoppm).")


def _first_page_size(pdf: Path) -> QPageSize | None:
    """The size of the PDF's first page, read from its MediaBox (reportlab writes one per page)."""
    import re

    match = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    if not match:
        return None
    x0, y0, x1, y1 = (float(v) for v in match.groups())
    return QPageSize(QSizeF(x1 - x0, y1 - y0), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)


# -- printing --------------------------------------------------------------------------------------------


def _ask_printer(parent: QWidget | None, printer: QPrinter) -> bool:
    """Show the system print dialog; True when the user chose to print."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print")
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


def print_pages(printer: QPrinter, pages: Iterator[QImage]) -> int:
    """Paint each page image on its own sheet, scaled to fit the paper and centred. Returns the page count."""
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("The printer could not be started.")
    count = 0
    try:
        for image in pages:
            if count:
                printer.newPage()
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(target.x() + (target.width() - scaled.width()) // 2,
                                target.y() + (target.height() - scaled.height()) // 2,
                                scaled.width(), scaled.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(target)
            painter.setWindow(target)
            count += 1
    finally:
        painter.end()
    return count


def print_pdf(parent: QWidget | None, write: PdfWriter, *, printer: QPrinter | None = None,
              ask: bool = True) -> bool:
    """Write the report to a temporary PDF and print it through the system print dialog.

    ``printer`` and ``ask=False`` let a caller (or a test) print to a printer already set up, without the
    dialog. Returns True when pages went to the printer; False when the user cancelled or it failed (the
    failure is shown in a message box).
    """
    folder = Path(tempfile.mkdtemp(prefix="tandem-print-"))
    pdf = folder / "print.pdf"
    try:
        with _busy():
            write(pdf)
    except Exception as exc:
        shutil.rmtree(folder, ignore_errors=True)
        QMessageBox.critical(parent, "Could not print", f"Tandem could not prepare the document:\n\n{exc}")
        return False
    keep_file = False
    try:
        if printer is None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            page_size = _first_page_size(pdf)
            if page_size is not None:
                printer.setPageSize(page_size)
            printer.setPageOrientation(QPageLayout.Orientation.Portrait)
            printer.setDocName(pdf.stem)
        # The PDF has its own margins: paint on the whole sheet.
        printer.setFullPage(True)
        if ask and not _ask_printer(parent, printer):
            return False
        dpi = max(72, min(MAX_DPI, printer.resolution()))
        try:
            pages = render_pdf_pages(pdf, dpi)
        except PrintUnavailable as exc:
            keep_file = _offer_viewer(parent, pdf, str(exc))
            return False
        with _busy():
            count = print_pages(printer, pages)
        return count > 0
    except Exception as exc:
        QMessageBox.critical(parent, "Could not print", f"Printing failed:\n\n{exc}")
        return False
    finally:
        if not keep_file:
            shutil.rmtree(folder, ignore_errors=True)


def _offer_viewer(parent: QWidget | None, pdf: Path, message: str) -> bool:
    """Offer to open the PDF in the system's PDF viewer instead. True if it was opened (keep the file)."""
    box = QMessageBox(QMessageBox.Icon.Information, "Print", message, parent=parent)
    box.setInformativeText("You can open the document in your PDF viewer and print it from there.")
    open_button = box.addButton("Open in PDF viewer", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    if box.clickedButton() is open_button:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(pdf)))
    return False


__all__ = ["PrintUnavailable", "print_pages", "print_pdf", "render_pdf_pages", "safe_file_name", "save_pdf_as"]
