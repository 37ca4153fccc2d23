"""The live screen says what the capture line did not understand, and @first-name finds the attendee."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from app.models.enums import SessionType, Side
from app.services.coaching import Attendee, SessionPlan
from app.services.partners import PartnerData
from app.ui.bus import ChangeBus
from app.ui.coaching.live import LiveSessionWidget


def _session(services):
    services.identity.set_names("Mira Holm", "Field laptop")
    partner = services.partners.create(PartnerData(name="Atlasforge Machining GmbH"))
    return services.coaching.plan(SessionPlan(
        partner.id, SessionType.MONTHLY_REVIEW, datetime(2026, 11, 24, 9),
        attendees=(Attendee("Maria Schmidt", Side.PARTNER), Attendee("Mira Holm", Side.OURS))))


def _type_line(qtbot, widget, text):
    qtbot.keyClicks(widget.capture, text)
    qtbot.keyClick(widget.capture, Qt.Key.Key_Return)


def test_first_name_owner_and_what_was_not_understood(qtbot, services):
    session = _session(services)
    widget = LiveSessionWidget(services, ChangeBus(services.db.feed), session.id)
    qtbot.addWidget(widget)
    widget.show()
    _type_line(qtbot, widget, "a: Send the audit plan @Maria")
    [item] = services.actions.list()
    assert (item.owner, item.owner_side) == ("Maria Schmidt", Side.PARTNER)
    assert "not" not in widget.saved_label.text()

    _type_line(qtbot, widget, "a: Chase the samples @Nobody due someday")
    said = widget.saved_label.text()
    assert "@Nobody is not an attendee or contact" in said
    assert "'due someday' is not a date" in said
