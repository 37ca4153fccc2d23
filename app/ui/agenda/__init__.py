"""Between visits in the UI: the *This week* section, File → Export calendar… and File → Prepare visit….

The factories and the menu hook here are what app/ui/sections.py lists.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget

from app.services import Services
from app.ui.bus import ChangeBus


def agenda_section(services: Services, bus: ChangeBus) -> QWidget:
    from app.ui.agenda.section import AgendaSection

    return AgendaSection(services, bus)


def install_menu(window: QMainWindow, services: Services, bus: ChangeBus) -> None:
    """File → Export calendar… and File → Prepare visit… (a MENU_INSTALLERS hook)."""
    calendar = QAction("Export ca&lendar…", window)
    calendar.setStatusTip("Write planned sessions, action items and milestones to an .ics file for your calendar")
    calendar.triggered.connect(lambda: open_calendar_export(window, services, bus))
    visit = QAction("Prepare &visit…", window)
    visit.setStatusTip("Write one folder with the partner's pre-read, session agenda, field forms and package")
    visit.triggered.connect(lambda: open_prepare_visit(window, services, bus,
                                                       getattr(bus, "viewed_partner_id", None)))
    save_brief = QAction("Save partner's pre-read as PDF…", window)
    save_brief.setStatusTip("The pre-read of the partner on screen: scorecard, actions, experiments, plan, "
                            "last decisions")
    save_brief.triggered.connect(lambda: brief_for_viewed_partner(window, services, bus, print_it=False))
    print_brief = QAction("Print partner's pre-read…", window)
    print_brief.triggered.connect(lambda: brief_for_viewed_partner(window, services, bus, print_it=True))
    add = getattr(window, "add_file_action", None)
    for action in (calendar, visit, save_brief, print_brief):
        if add:
            add(action)
        else:
            window.file_menu.addAction(action)


def open_calendar_export(parent: QWidget, services: Services, bus: ChangeBus) -> None:
    from app.ui.agenda.calendar_dialog import CalendarExportDialog

    CalendarExportDialog(services, bus, parent, partner_id=getattr(bus, "viewed_partner_id", None)).exec()


def open_prepare_visit(parent: QWidget, services: Services, bus: ChangeBus, partner_id: str | None = None) -> None:
    """The Prepare visit… dialog, for ``partner_id`` (or the partner being viewed); a partner page button
    calls this too."""
    from app.ui.agenda.visit_dialog import PrepareVisitDialog

    PrepareVisitDialog(services, bus, parent, partner_id=partner_id).exec()


def brief_for_viewed_partner(parent: QWidget, services: Services, bus: ChangeBus, *, print_it: bool,
                             partner_id: str | None = None) -> None:
    """Save or print the pre-read of ``partner_id`` (default: the partner on screen)."""
    from PySide6.QtWidgets import QMessageBox

    from app.reports.brief import write_brief_pdf
    from app.services.brief import gather_brief
    from app.ui.printing import print_pdf, safe_file_name, save_pdf_as

    partner_id = partner_id or getattr(bus, "viewed_partner_id", None)
    if not partner_id:
        QMessageBox.information(parent, "Pre-read", "Open a partner first: the pre-read is about one partner.")
        return
    data = gather_brief(services, partner_id)
    paper = services.settings.paper_size()

    def write(path):
        return write_brief_pdf(path, data, paper=paper)

    if print_it:
        print_pdf(parent, write)
    else:
        save_pdf_as(parent, safe_file_name(f"{data.partner.name} pre-read") + ".pdf", write)
