"""Printing helpers: print a PDF through a (PDF) printer, save as PDF, and say clearly when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.reports.layout import PAGE_SIZES, build_pdf, para
from app.ui import printing


def _write_pages(path: Path) -> Path:
    story = [para(f"Line {i} of a document of several pages.") for i in range(90)]
    return build_pdf(path, "Print test", story, subtitle="Printing", page_size=PAGE_SIZES["a4"])


def _pdf_printer(out: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    return printer


@pytest.fixture
def parent(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    return w


def test_prints_every_page_to_a_pdf_printer(parent, tmp_path):
    out = tmp_path / "printed.pdf"
    source = _write_pages(tmp_path / "source.pdf")
    assert printing.print_pdf(parent, _write_pages, printer=_pdf_printer(out), ask=False)
    assert len(PdfReader(str(out)).pages) == len(PdfReader(str(source)).pages) > 1


def test_print_dialog_is_asked_and_cancel_prints_nothing(parent, tmp_path, monkeypatch):
    asked = []

    def cancel(_parent, printer):
        asked.append(printer)
        return False

    monkeypatch.setattr(printing, "_ask_printer", cancel)
    written = []
    assert not printing.print_pdf(parent, lambda p: written.append(_write_pages(p)))
    assert asked and written
    assert not written[0].exists()  # the temporary PDF is cleaned up


def test_print_dialog_accepted_prints_on_the_chosen_paper(parent, tmp_path, monkeypatch):
    out = tmp_path / "chosen.pdf"

    def accept(_parent, printer):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    monkeypatch.setattr(printing, "_ask_printer", accept)
    assert printing.print_pdf(parent, _write_pages)
    page = PdfReader(str(out)).pages[0]
    assert round(float(page.mediabox.width)) == 595  # the printer was set to the document's A4 paper


def test_without_a_pdf_renderer_the_user_is_told_and_offered_the_viewer(parent, monkeypatch):
    monkeypatch.setattr(printing, "RENDERERS", [])
    monkeypatch.setattr(printing, "_ask_printer", lambda *_: True)
    offered = []
    monkeypatch.setattr(printing, "_offer_viewer", lambda _p, pdf, message: offered.append((pdf, message)) or False)
    assert not printing.print_pdf(parent, _write_pages)
    assert "PDF renderer" in offered[0][1]


def test_a_failing_report_is_shown_not_raised(parent, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[2]))

    def broken(_path):
        raise ValueError("No candidates in the segment 'Plastics'.")

    assert not printing.print_pdf(parent, broken)
    assert "No candidates" in shown[0]


def test_save_as_pdf_adds_the_suffix_and_writes(parent, tmp_path, monkeypatch):
    suggested = []

    def ask(_parent, _title, start, _filter):
        suggested.append(start)
        return str(tmp_path / "Kestrel form"), "PDF files (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    path = printing.save_pdf_as(parent, 'Kestrel: "A/B" form', _write_pages)
    assert path == tmp_path / "Kestrel form.pdf" and path.exists()
    assert suggested[0].endswith('Kestrel_ _A_B_ form.pdf')  # characters a file name cannot hold are replaced


def test_save_as_pdf_cancelled_or_failing(parent, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    assert printing.save_pdf_as(parent, "x.pdf", _write_pages) is None
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "y.pdf"), ""))
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: shown.append(args[2]))

    def broken(_path):
        raise OSError("disk full")

    assert printing.save_pdf_as(parent, "y.pdf", broken) is None
    assert "disk full" in shown[0]


def test_rendered_pages_have_the_page_proportions(tmp_path):
    pdf = _write_pages(tmp_path / "r.pdf")
    pages = list(printing.render_pdf_pages(pdf, dpi=40))
    assert len(pages) == len(PdfReader(str(pdf)).pages) > 1
    assert abs(pages[0].height() / pages[0].width() - 842 / 595) < 0.02


@pytest.mark.parametrize("renderer", printing.RENDERERS, ids=lambda r: r.__name__.removeprefix("_render_"))
def test_every_installed_renderer_draws_every_page_with_ink_on_it(renderer, tmp_path):
    pdf = _write_pages(tmp_path / "r.pdf")
    pages = renderer(pdf, 30)
    if pages is None:
        pytest.skip(f"{renderer.__name__} is not installed here")
    images = list(pages)
    assert len(images) == len(PdfReader(str(pdf)).pages)
    first = images[0]
    colours = {first.pixel(x, y) for x in range(0, first.width(), 7) for y in range(0, first.height(), 7)}
    assert len(colours) > 1  # not a blank page
