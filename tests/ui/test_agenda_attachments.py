"""The attachments widget on a checklist item: drop files, a thumbnail for an image, a refused file said,
paste an image, remove with undo."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

import pytest

from app.services.attachments import MAX_BYTES
from app.ui.attachments import AttachmentsDialog
from app.ui.bus import ChangeBus
from tests.services.week_data import build_week


@pytest.fixture
def week(services):
    return build_week(services)


@pytest.fixture
def dialog(qtbot, services, week):
    d = AttachmentsDialog(services, ChangeBus(services.db.feed), week.olands, "checklist_item", week.ids["certificates"],
                          "Certificates sent")
    qtbot.addWidget(d)
    d.show()
    return d


def _photo(path):
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("#2f6f9f"))
    image.save(str(path), "PNG")
    return path


def _drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_dropped_files_attach_to_the_item_with_an_image_thumbnail(dialog, services, week, tmp_path):
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(b"%PDF-1.4 certificate")
    _drop(dialog.files.list, [_photo(tmp_path / "line 3.png"), pdf])
    rows = services.attachments.list(week.olands, "checklist_item", week.ids["certificates"])
    assert sorted(a.name for a in rows) == ["certificate.pdf", "line 3.png"]
    assert dialog.files.list.count() == 2
    item = next(dialog.files.list.item(i) for i in range(2) if dialog.files.list.item(i).text().startswith("line"))
    size = item.icon().availableSizes()[0]
    assert size.width() == 112 and size.height() == 84  # the photo scaled into the thumbnail box


def test_a_file_too_large_is_said_and_the_others_still_attach(dialog, services, week, tmp_path, message_boxes):
    big = tmp_path / "video.mp4"
    with big.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    dialog.files.add_files([big, _photo(tmp_path / "ok.png")])
    assert [a.name for a in services.attachments.list(week.olands)] == ["ok.png"]
    assert any("video.mp4 is 25.0 MB" in text for _kind, text in message_boxes)


def test_paste_an_image_and_remove_it_with_undo(dialog, services, week):
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    QGuiApplication.clipboard().setImage(image)
    QApplication.processEvents()
    pasted = dialog.files.paste_image()
    assert pasted is not None and pasted.mime == "image/png"
    dialog.files.list.setCurrentRow(0)
    dialog.files.remove_current()
    assert services.attachments.list(week.olands) == [] and dialog.files.list.count() == 0
    dialog.files.bus.undo_stack.undo()
    assert [a.id for a in services.attachments.list(week.olands)] == [pasted.id]
    assert dialog.files.list.count() == 1


def test_open_uses_the_system_viewer(dialog, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("app.ui.attachments.widget.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    dialog.files.add_files([_photo(tmp_path / "board.png")])
    assert dialog.files.open_item(dialog.files.list.item(0))
    assert opened and opened[0].endswith("board.png")  # under its name, so the viewer knows the type
    assert open(opened[0], "rb").read() == (tmp_path / "board.png").read_bytes()
