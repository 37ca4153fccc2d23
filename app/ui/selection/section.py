"""The "Selection" sidebar section: compare candidates side by side, and print blank forms for a segment.

The table has one column per candidate (weighted score, percent, criteria scored, checklist completeness,
stage, then every criterion's score); the chart shows the same scores as grouped bars. Double-clicking a
candidate's column (its name or any cell) opens the partner's Selection tab, its selection workspace. "Print blank forms…" and "Save blank forms as PDF…" print a field form
for every candidate of the chosen segment into one document. The "Criteria sets" tab edits and publishes
versions of the selection criteria (app/ui/selection/criteria_editor.py).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.reports.selection import write_blank
from app.services import Services
from app.services.selection import Assessment, CandidateRow
from app.ui.bus import Change, ChangeBus
from app.ui.printing import print_pdf, save_pdf_as
from app.ui.selection.criteria_editor import CriteriaEditorWidget
from app.ui.selection.workspace import SELECTION_TABLES

ALL = "All segments"
COLOURS = ["#2f6f9f", "#e07b39", "#4caf50", "#9c27b0", "#c62828", "#00897b", "#f9a825", "#5d4037"]
SUMMARY_ROWS = ["Weighted score (1–5)", "Percent", "Criteria scored", "Checklist complete", "Stage"]


def _two_lines(name: str) -> str:
    """A long partner name broken over two lines for a column header."""
    words = name.split()
    if len(name) <= 18 or len(words) < 2:
        return name
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


class SelectionSection(QWidget):
    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services, self._bus = services, bus
        self.rows: list[CandidateRow] = []
        self.assessments: dict[str, Assessment] = {}

        title = QLabel("Selection")
        title.setObjectName("pageTitle")
        self.segment = QComboBox()
        self.segment.setMinimumContentsLength(18)
        self.include_signed = QCheckBox("Include partners already signed")
        self.print_button = QPushButton("Print blank forms…")
        self.save_button = QPushButton("Save blank forms as PDF…")
        self.print_button.clicked.connect(self.print_blank)
        self.save_button.clicked.connect(self.save_blank)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Segment"))
        bar.addWidget(self.segment)
        bar.addWidget(self.include_signed)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)

        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setDefaultSectionSize(160)
        self.table.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.horizontalHeader().sectionDoubleClicked.connect(self._open_column)
        self.table.cellDoubleClicked.connect(lambda _r, c: self._open_column(c))
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(220)
        self.plot.setYRange(0, 5.2)
        self.plot.setLabel("left", "Score (1–5)")
        self.plot.getAxis("left").setTicks([[(v, str(v)) for v in range(0, 6)]])
        self.plot.showGrid(y=True, alpha=0.25)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.empty = QLabel()
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.plot)
        split.setSizes([380, 260])
        compare_page = QWidget()
        layout = QVBoxLayout(compare_page)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        hint = QLabel("Candidates side by side. Double-click a candidate to open their selection workspace.")
        hint.setObjectName("muted")
        layout.addWidget(hint)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        self.criteria_editor = CriteriaEditorWidget(services, bus)
        self.tabs = QTabWidget()
        self.tabs.addTab(compare_page, "Compare candidates")
        self.tabs.addTab(self.criteria_editor, "Criteria sets")
        self.criteria_editor.dirty_changed.connect(
            lambda dirty: self.tabs.setTabText(1, "Criteria sets (unsaved)" if dirty else "Criteria sets"))
        outer = QVBoxLayout(self)
        outer.addWidget(title)
        outer.addWidget(self.tabs, 1)

        self.segment.currentIndexChanged.connect(self.refresh)
        self.include_signed.toggled.connect(self.refresh)
        bus.changed.connect(self._on_change)
        self._load_segments()
        self.refresh()

    def confirm_leave(self) -> bool:
        """Before the window closes: unsaved criteria-set edits are saved, discarded or kept (False: stay)."""
        if self.criteria_editor.is_dirty():
            self.tabs.setCurrentWidget(self.criteria_editor)
        return self.criteria_editor.confirm_leave()

    # -- data ------------------------------------------------------------------------------------------------

    def _load_segments(self) -> None:
        current = self.segment.currentText()
        self.segment.blockSignals(True)
        self.segment.clear()
        self.segment.addItem(ALL)
        segments = sorted({r.segment for r in self._services.selection.candidates() if r.segment})
        self.segment.addItems(segments)
        index = self.segment.findText(current)
        self.segment.setCurrentIndex(max(0, index))
        self.segment.blockSignals(False)

    def selected_segment(self) -> str | None:
        text = self.segment.currentText()
        return None if text in ("", ALL) else text

    def _on_change(self, change: Change) -> None:
        if change.touches(*SELECTION_TABLES):
            self._load_segments()
            self.refresh()

    def refresh(self) -> None:
        segment = self.selected_segment()
        rows = self._services.selection.candidates(segment)
        comparison = self._services.selection.compare([r.partner_id for r in rows])
        self.assessments = {a.partner_id: a for a in comparison.assessments}
        if not self.include_signed.isChecked():
            rows = [r for r in rows if not (r.partner_id in self.assessments
                                            and self.assessments[r.partner_id].is_signed)]
        self.rows = rows
        criteria = comparison.criteria
        candidates_in_segment = [r for r in self._services.selection.candidates(segment, with_assessed=False)]
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)
        what = f"{len(candidates_in_segment)} candidates of {segment}" if segment else "a generic blank form"
        self.print_button.setToolTip(f"Prints {what}")
        if segment and not candidates_in_segment:
            self.print_button.setEnabled(False)
            self.save_button.setEnabled(False)
            self.print_button.setToolTip(f"No candidates in {segment}")

        self.empty.setVisible(not rows)
        self.empty.setText("No candidates here. A partner with the status Candidate appears here; start its "
                           "selection on the partner's Selection tab." if not rows else "")
        self.table.clear()
        self.table.setColumnCount(len(rows))
        self.table.setRowCount(len(SUMMARY_ROWS) + len(criteria))
        self.table.setHorizontalHeaderLabels([_two_lines(r.name) for r in rows])
        self.table.setVerticalHeaderLabels(SUMMARY_ROWS + [f"{c.name} ({c.weight:g})" for c in criteria])
        best = max((a.weighted_score for a in self.assessments.values()
                    if a.weighted_score is not None and any(r.partner_id == a.partner_id for r in rows)), default=None)
        for col, r in enumerate(rows):
            a = self.assessments.get(r.partner_id)
            if a is None:
                values = ["—", "—", "—", "—", "Not started"] + ["" for _ in criteria]
            else:
                score = a.weighted_score
                values = ["—" if score is None else f"{score:.2f}",
                          "—" if score is None else f"{a.percent:.0f} %",
                          f"{a.scored_count} of {len(a.scores)}",
                          f"{a.checklist_done} of {len(a.checklist)}",
                          a.stage]
                values += [self._score_text(comparison.score(a, c.code)) for c in criteria]
            for row, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if row == 0 and a is not None and best is not None and a.weighted_score == best:
                    item.setBackground(QBrush(QColor("#e3f2e5")))
                    item.setToolTip("Highest weighted score of the candidates shown")
                if row == 3 and a is not None and not a.is_complete:
                    item.setForeground(QBrush(QColor("#b71c1c")))
                    item.setToolTip("Missing: " + "; ".join(a.missing_items))
                self.table.setItem(row, col, item)
        bold = QFont(self.table.horizontalHeader().font())
        bold.setBold(True)  # the style sheet draws headers bold; size for that
        metrics = QFontMetrics(bold)
        for col, r in enumerate(rows):
            widest = max(metrics.horizontalAdvance(line) for line in _two_lines(r.name).splitlines())
            self.table.setColumnWidth(col, max(110, widest + 28))
        self._draw_chart(rows, criteria)

    @staticmethod
    def _score_text(score: int | None) -> str:
        return "—" if score is None else str(score)

    def _draw_chart(self, rows: list[CandidateRow], criteria) -> None:
        self.plot.clear()
        if self.plot.plotItem.legend is not None:
            self.plot.plotItem.legend.scene().removeItem(self.plot.plotItem.legend)
            self.plot.plotItem.legend = None
        shown = [r for r in rows if r.partner_id in self.assessments][:len(COLOURS)]
        labels = [c.code for c in criteria] + ["Total"]
        axis = self.plot.getAxis("bottom")
        axis.setTicks([list(enumerate(labels))])
        if not shown:
            return
        legend = self.plot.addLegend(offset=(-10, 10), labelTextColor="#1f2933")
        legend.setColumnCount(min(3, len(shown)))
        width = 0.8 / len(shown)
        for i, r in enumerate(shown):
            a = self.assessments[r.partner_id]
            heights, xs = [], []
            for x, c in enumerate(criteria):
                score = next((s.score for s in a.scores if s.criterion.code == c.code), None)
                if score is not None:
                    xs.append(x - 0.4 + width * (i + 0.5))
                    heights.append(score)
            if a.weighted_score is not None:
                xs.append(len(criteria) - 0.4 + width * (i + 0.5))
                heights.append(a.weighted_score)
            bars = pg.BarGraphItem(x=xs, height=heights, width=width * 0.9, brush=COLOURS[i], pen=None,
                                   name=r.name)
            self.plot.addItem(bars)
        self.plot.setXRange(-0.6, len(labels) - 0.4, padding=0)
        legend_rows = -(-len(shown) // 3)
        self.plot.setYRange(0, 5.3 + 0.7 * legend_rows, padding=0)  # headroom above 5 for the legend

    def _open_column(self, column: int) -> None:
        if 0 <= column < len(self.rows):
            self._bus.open_partner_tab.emit(self.rows[column].partner_id, "Selection")

    # -- printing --------------------------------------------------------------------------------------------

    def _writer(self):
        services, segment = self._services, self.selected_segment()
        if segment:
            return lambda path: write_blank(path, services.selection.blank_forms(segment),
                                            services.settings.paper_size())
        return lambda path: write_blank(path, [services.selection.blank_form(None)], services.settings.paper_size(),
                                        subtitle="Blank form")

    def print_blank(self) -> bool:
        return print_pdf(self, self._writer())

    def save_blank(self):
        segment = self.selected_segment()
        name = f"{segment} - selection field forms.pdf" if segment else "Selection field form (blank).pdf"
        return save_pdf_as(self, name, self._writer())
