"""A partner's Learning tab: the certification summary, the learning matrix (people x modules), the
certifications held, and Assign…, Record completion… and Certificate… for the selected person."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import label
from app.reports.certificate import write_certificate_pdf
from app.services import Services
from app.services.errors import NotFound, ValidationError
from app.services.learning import EXPIRED, EXPIRING, PersonChoice
from app.ui.attachments import FilesButton
from app.ui.bus import Change, ChangeBus
from app.ui.formatting import format_date
from app.ui.learning.dialogs import AssignDialog, CompletionDialog
from app.ui.learning.matrix_model import BACKGROUNDS, CELL_ROLE, FIXED, LearningMatrixTableModel
from app.ui.printing import safe_file_name, save_pdf_as
from app.ui.tables import read_only_table

TABLES = ("learning_assignments", "learning_completions", "learning_certifications", "learning_modules",
          "learning_track_versions", "contacts", "partners")
LEGEND = ("✓ done · ⚠ expiring within 30 days · ✗ expired or overdue · due: still to do · "
          "empty: not in their tracks")


class LearningTab(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.bus = services, bus
        self.partner_id: str | None = None
        self.today = date.today()  # tests set the day they look at

        self.summary = QLabel()
        self.summary.setStyleSheet("font-weight:600")
        self.assign_button = QPushButton("Assign track…")
        self.complete_button = QPushButton("Record completion…")
        self.certificate_button = QPushButton("Certificate PDF…")
        self.assign_button.clicked.connect(self.assign)
        self.complete_button.clicked.connect(self.record_completion)
        self.certificate_button.clicked.connect(self.save_certificate)
        self.files_button = FilesButton(services, bus)  # the evidence of the selected completion
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        for b in (self.assign_button, self.complete_button, self.files_button, self.certificate_button):
            top.addWidget(b)

        self.model = LearningMatrixTableModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.doubleClicked.connect(lambda _ix: self.record_completion())
        self.view.selectionModel().currentChanged.connect(lambda *_: self._point_files())
        self.empty = QLabel()
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        legend = QLabel(LEGEND)
        legend.setObjectName("muted")
        legend.setWordWrap(True)

        self.certs = read_only_table(["Person", "Side", "Track", "Granted", "Valid until", "Status"])
        h = self.certs.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        upper = QWidget()
        uv = QVBoxLayout(upper)
        uv.setContentsMargins(0, 0, 0, 0)
        uv.addWidget(self.empty)
        uv.addWidget(self.view, 1)
        uv.addWidget(legend)
        lower = QWidget()
        lv = QVBoxLayout(lower)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("Certifications"))
        lv.addWidget(self.certs)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setChildrenCollapsible(False)
        split.setSizes([380, 180])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        bus.changed.connect(self._changed)
        self.set_partner(None)

    # -- loading -----------------------------------------------------------------------------------------------

    def set_partner(self, partner_id: str | None) -> None:
        self.partner_id = partner_id
        self.reload()

    def _changed(self, change: Change) -> None:
        if self.partner_id and change.touches(*TABLES, partner_id=self.partner_id):
            self.reload()

    def reload(self) -> None:
        has = self.partner_id is not None
        for b in (self.assign_button, self.complete_button, self.certificate_button):
            b.setEnabled(has)
        if not has:
            self.summary.setText("")
            self.model.set_matrix(None)
            self.certs.setRowCount(0)
            self.empty.setText("Select a partner.")
            self.empty.show()
            return
        try:
            matrix = self.services.learning.matrix(self.partner_id, self.today)
            summary = self.services.learning.summary(self.partner_id, self.today)
            certs = self.services.learning.certifications(self.partner_id)
        except NotFound:
            self.partner_id = None
            self.reload()
            return
        self.summary.setText(summary.text)
        self.model.set_matrix(matrix)
        self.empty.setVisible(not matrix.rows)
        self.empty.setText("No learning track is assigned here yet. Assign track… gives one to a contact on "
                           "either side; their completions then show in the matrix.")
        self.certificate_button.setEnabled(bool(certs))
        self._point_files()
        self.certs.setRowCount(len(certs))
        for r, c in enumerate(certs):
            state = c.state(self.today)
            status = {EXPIRED: "Expired", EXPIRING: "Expiring"}.get(state, "Current")
            if c.renewed_from:
                status += " (renewal)"
            values = [c.person, label(c.side), f"{c.track_name} · v{c.version}", format_date(c.granted_on),
                      format_date(c.expires_on) if c.expires_on else "no expiry", status]
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if state in BACKGROUNDS:
                    item.setBackground(BACKGROUNDS[state])
                item.setData(Qt.ItemDataRole.UserRole, c)
                self.certs.setItem(r, col, item)

    def _point_files(self) -> None:
        """Point Files… at the completion in the current cell (none: disabled)."""
        index = self.view.currentIndex()
        picked = index.data(CELL_ROLE) if index.isValid() else None
        if not picked or self.partner_id is None:
            self.files_button.set_target(None)
            return
        row, module = picked
        cell = row.cells[index.column() - len(FIXED)]
        self.files_button.set_target(self.partner_id, "learning_completion", cell.completion_id or "",
                                     f"{row.person} · {module.label}")

    # -- actions -----------------------------------------------------------------------------------------------

    def _people(self) -> list[PersonChoice]:
        """The partnership's contacts, and the people in the matrix named without being a contact."""
        people = self.services.learning.people(self.partner_id)
        for row in (self.model.matrix.rows if self.model.matrix else ()):
            if row.contact_id is None:
                people.append(PersonChoice(None, row.person, row.side))
        return people

    def assign(self) -> AssignDialog | None:
        tracks = self.services.learning.published_versions(self.partner_id)
        if not tracks:
            QMessageBox.information(self, "Assign track", "No track is published yet: publish one in the "
                                                          "Learning section first.")
            return None
        partner_id = self.partner_id

        def submit(values: dict):
            version = values.pop("track_version_id")
            return self.services.learning.assign(partner_id, version, **values)

        dialog = AssignDialog(self._people(), tracks, self.today, submit, self)
        dialog.exec()
        return dialog

    def record_completion(self) -> CompletionDialog | None:
        modules = self.services.learning.modules()
        partner_id, today = self.partner_id, self.today
        dialog = CompletionDialog(self._people(), modules, today, lambda v: self.services.learning.record_completion(
            partner_id, v.pop("module_id"), today=today, **v), self)
        index = self.view.currentIndex()
        picked = index.data(CELL_ROLE) if index.isValid() else None
        row = self.model.person_at(index.row()) if index.isValid() else None
        if picked:
            dialog.preselect(picked[0].contact_id, picked[0].person, picked[1].id)
        elif row:
            dialog.preselect(row.contact_id, row.person, None)
        if dialog.exec():
            result = dialog.result_value
            for cert in getattr(result, "granted", ()):
                self.bus.status_message.emit(f"{cert.person} is certified: {cert.track_name}, valid until "
                                             f"{cert.expires_on or 'no expiry'}.")
        return dialog

    def selected_certification(self):
        rows = self.certs.selectionModel().selectedRows() if self.certs.selectionModel() else []
        r = rows[0].row() if rows else 0
        item = self.certs.item(r, 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def save_certificate(self) -> None:
        cert = self.selected_certification()
        if cert is None:
            return
        try:
            data = self.services.learning.certificate(self.partner_id, cert.person, cert.track_id)
        except (ValidationError, NotFound) as exc:
            QMessageBox.warning(self, "Certificate", f"{exc}\n\nOur company's name is set in the Learning "
                                                     "section, under Certifications.")
            return
        paper = self.services.settings.paper_size()
        save_pdf_as(self, safe_file_name(f"certificate {data.person} {data.track_name}") + ".pdf",
                    lambda path: write_certificate_pdf(path, data, paper))
