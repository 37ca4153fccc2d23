"""The files attached to one record: thumbnails of images, an icon for other files, and the ways to add one
(drop files on the list, Add file…, Paste image) or use one (Open with the system viewer, Remove).

`AttachmentsWidget.set_target(partner_id, kind, record_id)` shows one record's files; writes go through
`services.attachments`; the list reloads from the change feed like every view (app/ui/bus.py). Remove is a
tombstone and on Edit → Undo.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.services import Services
from app.services.attachments import AttachmentData, megabytes
from app.services.errors import NotFound, ValidationError
from app.ui.bus import Change, ChangeBus
from app.ui.undo import ServiceCommand

THUMB = QSize(112, 84)
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def open_attachment(parent: QWidget, services: Services, a: AttachmentData) -> bool:
    """Open an attached file with the system's viewer for its type (a file not on this laptop is said)."""
    try:
        path = services.attachments.viewable_copy(a)
    except (NotFound, OSError) as exc:
        QMessageBox.information(parent, "Open", str(exc))
        return False
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class _RemoveCommand(ServiceCommand):
    """Undo brings a removed attachment back (the service wrote the tombstone first)."""

    def __init__(self, services: Services, bus: ChangeBus, data: AttachmentData) -> None:
        super().__init__(f"Remove {data.name}", bus)
        self._attachments, self._data = services.attachments, data

    def forward(self) -> None:
        self._attachments.remove(self._data.id)

    def back(self) -> None:
        self._attachments.restore(self._data.id)


class _FileList(QListWidget):
    """Icon view that takes dropped files."""

    def __init__(self, owner: AttachmentsWidget) -> None:
        super().__init__()
        self._owner = owner
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(THUMB)
        self.setGridSize(QSize(THUMB.width() + 40, THUMB.height() + 44))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWordWrap(True)
        self.setAcceptDrops(True)
        self.setDragEnabled(False)
        self.setMinimumHeight(THUMB.height() + 56)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self._owner.add_files(paths)


class AttachmentsWidget(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.partner_id: str | None = None
        self.kind = "partner"
        self.record_id: str | None = None
        self.rows: list[AttachmentData] = []

        self.list = _FileList(self)
        self.list.itemActivated.connect(lambda item: self.open_item(item))
        self.hint = QLabel("Drop files here, or use Add file… (up to 25 MB each).")
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.add_button = QPushButton("Add file…")
        self.paste_button = QPushButton("Paste image")
        self.open_button = QPushButton("Open")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self._pick)
        self.paste_button.clicked.connect(self.paste_image)
        self.open_button.clicked.connect(lambda: self.open_item(self.list.currentItem()))
        self.remove_button.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.paste_button, self.open_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        self.list.currentRowChanged.connect(lambda _r: self._enable())
        bus.changed.connect(self._on_change)
        self._enable()

    # -- showing -------------------------------------------------------------------------------------------

    def set_target(self, partner_id: str | None, kind: str = "partner", record_id: str | None = None) -> None:
        self.partner_id, self.kind, self.record_id = partner_id, kind, record_id
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        self.rows = []
        if self.partner_id:
            record = self.record_id or self.partner_id
            self.rows = self.services.attachments.list(self.partner_id, self.kind, record)
        for a in self.rows:
            item = QListWidgetItem(self._icon(a), f"{a.name}\n{megabytes(a.size)}")
            item.setData(ID_ROLE, a.id)
            tip = f"{a.name} · {megabytes(a.size)} · added by {a.added_by or 'unknown'}"
            if a.note:
                tip += f"\n{a.note}"
            if not a.has_blob:
                tip += "\nThe file has not arrived on this laptop yet."
            item.setToolTip(tip)
            self.list.addItem(item)
        self._enable()

    def _icon(self, a: AttachmentData) -> QIcon:
        style = self.style()
        if not a.has_blob:
            return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        if a.is_image:
            image = QImage(str(self.services.attachments.store.path(a.sha256)))
            if not image.isNull():
                return QIcon(QPixmap.fromImage(image.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                            Qt.TransformationMode.SmoothTransformation)))
        return style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)

    def _enable(self) -> None:
        has_target = self.partner_id is not None
        for b in (self.add_button, self.paste_button):
            b.setEnabled(has_target)
        selected = self.list.currentItem() is not None
        self.open_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)

    def _on_change(self, change: Change) -> None:
        if self.partner_id and change.touches("attachments", partner_id=self.partner_id):
            self.reload()

    # -- adding --------------------------------------------------------------------------------------------

    def _pick(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach files", "", "All files (*)")
        self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path]) -> list[AttachmentData]:
        """Attach each file; a refused one (too large, unreadable) is said and the others still attach."""
        added, refused = [], []
        for path in paths:
            try:
                added.append(self.services.attachments.attach(self.partner_id, path, target_kind=self.kind,
                                                              target_id=self.record_id))
            except (ValidationError, NotFound, OSError) as exc:
                refused.append(str(exc))
        if added:
            self.bus.status_message.emit(f"Attached {', '.join(a.name for a in added)}")
        if refused:
            QMessageBox.warning(self, "Not attached", "\n".join(refused))
        return added

    def paste_image(self) -> AttachmentData | None:
        """Attach the image on the clipboard as a PNG (a screenshot, a photo copied from a chat)."""
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            QMessageBox.information(self, "Paste image", "There is no image on the clipboard.")
            return None
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        name = f"pasted image {len(self.rows) + 1}.png"
        try:
            a = self.services.attachments.attach_bytes(self.partner_id, name, bytes(data.data()),
                                                       target_kind=self.kind, target_id=self.record_id)
        except ValidationError as exc:
            QMessageBox.warning(self, "Not attached", str(exc))
            return None
        return a

    # -- using ---------------------------------------------------------------------------------------------

    def _data(self, item: QListWidgetItem | None) -> AttachmentData | None:
        if item is None:
            return None
        return next((a for a in self.rows if a.id == item.data(ID_ROLE)), None)

    def open_item(self, item: QListWidgetItem | None) -> bool:
        """Open the file with the system's viewer for its type."""
        a = self._data(item)
        return a is not None and open_attachment(self, self.services, a)

    def remove_current(self) -> None:
        a = self._data(self.list.currentItem())
        if a is None:
            return
        self.services.attachments.remove(a.id)
        self.bus.undo_stack.push(_RemoveCommand(self.services, self.bus, a))
        self.bus.status_message.emit(f"Removed {a.name} (Edit → Undo brings it back)")


class AttachmentsDialog(QDialog):
    """The files of one record in a window of their own (from a checklist item, a criterion score, ...)."""

    def __init__(self, services: Services, bus: ChangeBus, partner_id: str, kind: str, record_id: str,
                 title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Files · {title}")
        self.resize(640, 380)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        heading.setWordWrap(True)
        self.files = AttachmentsWidget(services, bus)
        self.files.set_target(partner_id, kind, record_id)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.files, 1)
        layout.addWidget(close)
