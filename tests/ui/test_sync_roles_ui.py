"""Signer roles, proposals and "what the partner will see" in the app, driven as a user drives them: the import
dialog trusting a new signer as a colleague or as a partner's own people, the Sync section's Proposals and
Signers tabs, and the export dialog's listing of what a scoped package carries."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from PySide6.QtCore import QEvent, QLocale, QPoint, QRect, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from app.models import Contact, Kpi, Partner
from app.models.enums import Side
from app.ui.bus import ChangeBus
from app.ui.sync.dialogs import ExportDialog, ImportDialog
from app.ui.sync.section import SyncSection
from app.ui.wheel import install_wheel_guard
from tests.sync.conftest import add_partner, edit, get, laptops  # noqa: F401  (laptops is a fixture)
from tests.sync.helpers import KPI_OTD
from tests.ui import layout_checks

LAPTOP = QRect(0, 0, 1366, 768)
WAIT = 20_000


@pytest.fixture(autouse=True)
def english_locale():
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.system())


def _contact(services, partner_id: str, name: str, side: Side = Side.PARTNER) -> str:
    with services.db.sessions.begin() as s:
        c = Contact(partner_id=partner_id, name=name, email=f"{name.split()[0].lower()}@example.com", side=side,
                    role="")
        s.add(c)
        s.flush()
        return c.id


@pytest.fixture
def world(laptops):
    """The lead (partners Acme and Beta), and Acme's own Tandem (Ana Souza's) holding what the lead shared."""
    lead = laptops.new("lead")
    acme, beta = add_partner(lead, "Acme"), add_partner(lead, "Beta")
    _contact(lead, beta, "Bea Beta")
    acme_laptop = laptops.new("acme")
    acme_laptop.identity.set_names("Ana Souza", "acme-laptop")
    laptops.send(lead, acme_laptop, partner_ids=[acme])
    return lead, acme_laptop, acme, beta


def _from_acme(laptops, acme_laptop, acme, *, target: float = 50.0):
    """Acme's people edit in their Tandem: a contact of theirs, a KPI of the lead's library (a proposal), the
    lead's figures about them (refused) and a contact on the lead's side (refused); the package back."""
    _contact(acme_laptop, acme, "Luis Prado")
    _contact(acme_laptop, acme, "Fake Lead", side=Side.OURS)
    edit(acme_laptop, Kpi, KPI_OTD, target=target)
    edit(acme_laptop, Partner, acme, annual_spend=1)
    path = laptops.package()
    acme_laptop.sync.export(path)
    return path


def _shown(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _previewed(qtbot, dialog: ImportDialog) -> ImportDialog:
    qtbot.waitUntil(lambda: dialog.preview is not None and not dialog._previewing, timeout=WAIT)
    return dialog


def _type(widget: QWidget, text: str) -> None:
    """Type ``text`` as a keyboard does, in any script (QTest's key clicks know only ASCII)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def _pick(qtbot, picker, typed: str) -> None:
    """Type part of a partner's name in the picker and take the first suggestion."""
    picker.setFocus()
    picker.lineEdit().selectAll()
    _type(picker.lineEdit(), typed)
    popup = picker.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=WAIT)
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)


def _headers(table) -> list[str]:
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def _row(table, first: str) -> dict[str, str]:
    headers = _headers(table)
    for r in range(table.rowCount()):
        if table.item(r, 0).text() == first:
            return {h: table.item(r, c).text() for c, h in enumerate(headers)}
    raise AssertionError(f"no row {first!r} in {[table.item(r, 0).text() for r in range(table.rowCount())]}")


def _rejected(dialog: ImportDialog) -> list[tuple[str, str]]:
    t = dialog.rejected
    return [(t.item(r, 0).text(), t.item(r, 1).text()) for r in range(t.rowCount())]


def _signer(services, name: str):
    (row,) = [s for s in services.sync.signers() if s.name == name]
    return row


# -- the import dialog ------------------------------------------------------------------------------------------

def test_trusting_a_new_signer_as_partner_acme_binds_it_to_acme(laptops, world, qtbot):
    lead, acme_laptop, acme, _beta = world
    before = get(lead, Kpi, KPI_OTD).target
    dialog = _previewed(qtbot, _shown(qtbot, ImportDialog(lead, ChangeBus(lead.db.feed), _from_acme(laptops, acme_laptop, acme))))
    assert dialog.trust_box.isVisible() and dialog.role.team.isChecked()  # a colleague's laptop unless told
    assert "Proposed" in _headers(dialog.table)

    qtbot.mouseClick(dialog.trust, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.role.partner, Qt.MouseButton.LeftButton)
    assert not dialog.import_button.isEnabled()  # which partner? not chosen yet
    assert "Choose the partner" in dialog.status.text()
    _pick(qtbot, dialog.role.picker, "acm")
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=WAIT)  # previewed again, as Acme's own people

    assert "partner Acme's own people" in dialog.signer.text()
    assert _row(dialog.table, "KPIs")["Proposed"] == "1"  # the KPI edit waits for the lead
    assert _row(dialog.table, "Contacts")["New"] == "1"  # Luis Prado, on Acme's side
    rejected = _rejected(dialog)
    assert ("Partner: Acme", "a partner's package may not change Annual spend") in rejected
    assert ("Contact: Fake Lead (Acme)", "a partner's package may change only contacts on the partner's side") \
        in rejected  # a record the lead never held, named as the package carries it

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_info is not None, timeout=WAIT)
    assert _signer(lead, "Ana Souza").role_text == "partner: Acme"
    assert "(trusted)" in dialog.signer.text() and "partner Acme" in dialog.signer.text()
    assert get(lead, Kpi, KPI_OTD).target == before  # nothing changed in the library
    assert [p.table for p in lead.sync.proposals()] == ["kpis"]
    assert "1 proposed" in dialog.status.text()


def test_trusted_as_a_colleague_the_same_package_changes_the_library(laptops, world, qtbot):
    lead, acme_laptop, acme, _beta = world
    dialog = _previewed(qtbot, _shown(qtbot, ImportDialog(lead, ChangeBus(lead.db.feed), _from_acme(laptops, acme_laptop, acme))))
    assert _row(dialog.table, "KPIs")["Updated"] == "1" and _row(dialog.table, "KPIs")["Proposed"] == "0"
    dialog.trust.setChecked(True)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_info is not None, timeout=WAIT)
    assert _signer(lead, "Ana Souza").role_text == "team"
    assert get(lead, Kpi, KPI_OTD).target == 50.0


def test_changing_the_role_quickly_previews_the_last_choice(laptops, world, qtbot):
    lead, acme_laptop, acme, _beta = world
    dialog = _previewed(qtbot, _shown(qtbot, ImportDialog(lead, ChangeBus(lead.db.feed), _from_acme(laptops, acme_laptop, acme))))
    dialog.trust.setChecked(True)
    dialog.role.picker.select(acme)
    team, partner = dialog.role.team, dialog.role.partner
    # Each click while the previous preview may still run; back to where it started, then somewhere else.
    for clicks in ([partner, team], [partner, team, partner, team, partner]):
        for button in clicks:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(dialog.import_button.isEnabled, timeout=WAIT)
        kpis = _row(dialog.table, "KPIs")
        # the counts are those of the last choice: a colleague's edit applies, a partner's waits
        assert (kpis["Updated"], kpis["Proposed"]) == (("1", "0") if clicks[-1] is team else ("0", "1"))
        assert dialog.status.text().startswith("Preview:")


def test_the_partner_picker_finds_names_in_any_script_case_and_accents(laptops, world, qtbot):
    lead, acme_laptop, acme, _beta = world
    ids = {name: add_partner(lead, name) for name in ("Société Générale", "Ωμέγα Α.Ε.", "東京精密", "Øresund ApS")}
    dialog = _previewed(qtbot, _shown(qtbot, ImportDialog(lead, ChangeBus(lead.db.feed), _from_acme(laptops, acme_laptop, acme))))
    qtbot.mouseClick(dialog.role.partner, Qt.MouseButton.LeftButton)
    picker = dialog.role.picker
    for typed, name in (("societe gen", "Société Générale"), ("ωμεγα", "Ωμέγα Α.Ε."), ("精密", "東京精密"),
                        ("ØRESUND", "Øresund ApS")):
        _pick(qtbot, picker, typed)
        assert (picker.currentText(), picker.partner_id()) == (name, ids[name])
    picker.lineEdit().selectAll()
    _type(picker.lineEdit(), "nobody")
    assert picker.partner_id() is None and not dialog.import_button.isEnabled()


def test_a_revoked_signer_is_refused_with_the_reason_and_reinstating_takes_it_back(laptops, world, qtbot,
                                                                                    monkeypatch):
    lead, acme_laptop, acme, _beta = world
    lead.sync.import_package(_from_acme(laptops, acme_laptop, acme), trust_new_signer=f"partner:{acme}")
    section = _shown(qtbot, SyncSection(lead, ChangeBus(lead.db.feed)))
    section.tabs.setCurrentWidget(section.signers)
    view = section.signers
    view.select(_signer(lead, "Ana Souza").device_id)
    assert _row(view.table, "Ana Souza")["Role"] == "partner: Acme"
    assert view.revoke.isEnabled() and not view.reinstate.isEnabled()

    asked = []
    monkeypatch.setattr("app.ui.sync.section.QInputDialog.getText",
                        lambda _parent, _title, label, *a, **k: (asked.append(label), ("laptop lost", True))[1])
    qtbot.mouseClick(view.revoke, Qt.MouseButton.LeftButton)
    assert "Ana Souza" in asked[0]
    assert _row(view.table, "Ana Souza")["Role"] == "revoked: laptop lost"
    assert "revoked" in view.selected.text() and "laptop lost" in view.selected.text()
    assert view.reinstate.isEnabled() and not view.revoke.isEnabled()

    again = laptops.package()
    acme_laptop.sync.export(again)
    dialog = _shown(qtbot, ImportDialog(lead, ChangeBus(lead.db.feed), again))
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Refused"), timeout=WAIT)
    assert "revoked" in dialog.status.text() and "laptop lost" in dialog.status.text()
    assert "Nothing" in dialog.status.text() and not dialog.import_button.isEnabled()

    qtbot.mouseClick(view.reinstate, Qt.MouseButton.LeftButton)
    assert _row(view.table, "Ana Souza")["Role"] == "partner: Acme"
    dialog = _previewed(qtbot, _shown(qtbot, ImportDialog(lead, ChangeBus(lead.db.feed), again)))
    assert "partner Acme" in dialog.signer.text()


def test_a_signers_role_is_changed_in_the_signers_tab(laptops, world, qtbot):
    lead, acme_laptop, acme, _beta = world
    laptops.send(acme_laptop, lead)  # trusted as a colleague's laptop first (the default)
    section = _shown(qtbot, SyncSection(lead, ChangeBus(lead.db.feed)))
    section.tabs.setCurrentWidget(section.signers)
    view = section.signers
    view.select(_signer(lead, "Ana Souza").device_id)
    assert _row(view.table, "Ana Souza")["Role"] == "team" and not view.apply_role.isEnabled()
    qtbot.mouseClick(view.role.partner, Qt.MouseButton.LeftButton)
    assert not view.apply_role.isEnabled()  # no partner chosen yet
    _pick(qtbot, view.role.picker, "acme")
    assert view.apply_role.isEnabled()
    qtbot.mouseClick(view.apply_role, Qt.MouseButton.LeftButton)
    assert _signer(lead, "Ana Souza").role_text == "partner: Acme"
    assert _row(view.table, "Ana Souza")["Role"] == "partner: Acme" and not view.apply_role.isEnabled()
    # From now on its library edits wait as proposals.
    result = lead.sync.import_package(_from_acme(laptops, acme_laptop, acme))
    assert result.tables["kpis"]["proposed"] == 1
    # A partner added meanwhile can be chosen at once.
    gamma = add_partner(lead, "Gamma")
    assert view.role.picker.findData(gamma) >= 0


# -- proposals ------------------------------------------------------------------------------------------------

@pytest.fixture
def proposed(laptops, world):
    """The lead imported Acme's package as Acme's own people: its KPI edit (target 50) waits as a proposal."""
    lead, acme_laptop, acme, _beta = world
    lead.sync.import_package(_from_acme(laptops, acme_laptop, acme), trust_new_signer=f"partner:{acme}")
    return lead


def test_a_proposal_accepted_in_the_proposals_tab_changes_the_kpi(proposed, qtbot):
    lead = proposed
    before = get(lead, Kpi, KPI_OTD).target
    bus = ChangeBus(lead.db.feed)
    section = _shown(qtbot, SyncSection(lead, bus))
    assert section.tabs.tabText(1) == "Proposals (1)"
    section.tabs.setCurrentWidget(section.proposals)
    view = section.proposals
    row = _row(view.table, "KPI: On-time delivery")
    assert row["What changes"] == "Target" and row["Proposed by"] == "Ana Souza (partner: Acme)"
    assert "Ana Souza (partner: Acme)" in view.title.text() and "On-time delivery" in view.title.text()
    assert _row(view.diff, "Target") == {"Field": "Target", "Yours": f"{before:g}", "Proposed": "50"}

    with qtbot.waitSignal(bus.changed) as changed:
        qtbot.mouseClick(view.accept, Qt.MouseButton.LeftButton)
    assert changed.args[0].touches("kpis")  # the KPI library and dashboards reload
    assert get(lead, Kpi, KPI_OTD).target == 50.0
    assert get(lead, Kpi, KPI_OTD).updated_by == lead.db.device_id  # the lead's own edit: it travels
    assert section.tabs.tabText(1) == "Proposals"
    assert view.empty.isVisibleTo(section) and not view.accept.isEnabled()


def test_a_declined_proposal_leaves_the_kpi_as_it_was(proposed, qtbot):
    lead = proposed
    before = get(lead, Kpi, KPI_OTD)
    section = _shown(qtbot, SyncSection(lead, ChangeBus(lead.db.feed)))
    section.tabs.setCurrentWidget(section.proposals)
    qtbot.mouseClick(section.proposals.decline, Qt.MouseButton.LeftButton)
    after = get(lead, Kpi, KPI_OTD)
    assert (after.target, after.rev) == (before.target, before.rev)
    assert lead.sync.proposals() == [] and section.tabs.tabText(1) == "Proposals"


def test_a_proposal_arriving_in_an_import_shows_up_in_the_open_section(laptops, world, qtbot):
    lead, acme_laptop, acme, _beta = world
    bus = ChangeBus(lead.db.feed)
    section = _shown(qtbot, SyncSection(lead, bus))
    assert section.tabs.tabText(1) == "Proposals"
    dialog = _previewed(qtbot, _shown(qtbot, ImportDialog(lead, bus, _from_acme(laptops, acme_laptop, acme))))
    dialog.trust.setChecked(True)
    dialog.role.partner.setChecked(True)
    dialog.role.picker.select(acme)
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=WAIT)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: section.tabs.tabText(1) == "Proposals (1)", timeout=WAIT)
    assert _row(section.signers.table, "Ana Souza")["Role"] == "partner: Acme"


# -- what the partner will see --------------------------------------------------------------------------------

def test_the_export_dialog_lists_what_the_partner_will_see_before_writing(world, qtbot, tmp_path):
    lead, _acme_laptop, acme, _beta = world
    _contact(lead, acme, "Ana Souza")
    dialog = _shown(qtbot, ExportDialog(lead, ChangeBus(lead.db.feed), partner_id=acme))
    out = tmp_path / "acme.tandem"
    dialog.out.setText(str(out))
    assert dialog.contents_button.isEnabled()
    qtbot.mouseClick(dialog.contents_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.contents_info is not None, timeout=WAIT)
    pane = dialog.contents
    assert pane.isVisible() and pane.title.text() == "<b>What Acme will see</b>"
    assert pane.lines("partners") == ["Acme"] and pane.lines("contacts") == ["Ana Souza"]
    assert not any("Beta" in line for t in dialog.contents_info for line in pane.lines(t))
    assert not out.exists()  # nothing written

    # Ticking Beta too (found by typing, accents or not): the listing follows the choice.
    qtbot.keyClicks(dialog.filter, "BETA")
    _type(dialog.filter, "\u0301")  # a combining accent typed after it: "BETÁ" still finds Beta
    shown = [dialog.partners.item(i) for i in range(dialog.partners.count()) if not dialog.partners.item(i).isHidden()]
    assert [item.text() for item in shown] == ["Beta"]
    beta_item = shown[0]
    beta_item.setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: "Bea Beta" in pane.lines("contacts"), timeout=WAIT)
    assert pane.title.text() == "<b>What Acme and Beta will see</b>"

    # Everything is not a partner's package: the listing goes.
    qtbot.mouseClick(dialog.everything, Qt.MouseButton.LeftButton, pos=QPoint(8, dialog.everything.height() // 2))
    assert not dialog.contents_button.isEnabled() and not pane.isVisible()


# -- fits a field laptop, keyboard and wheel ----------------------------------------------------------------------

@contextmanager
def _app_look(qapp):
    from app.ui.style import STYLE_SHEET

    style, sheet = qapp.style().name(), qapp.styleSheet()
    qapp.setStyle("Fusion")
    qapp.setStyleSheet(STYLE_SHEET)
    install_wheel_guard(qapp)
    try:
        yield
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setStyle(style)


def _problems(widget: QWidget) -> list[str]:
    findings = (layout_checks.cut_off_controls(widget) + layout_checks.sideways_scrolling(widget)
                + layout_checks.larger_than(widget.window(), LAPTOP) + layout_checks.wheel_edits(widget))
    return [str(f) for f in findings]


def test_the_sync_windows_fit_a_field_laptop_and_the_wheel_edits_nothing(proposed, laptops, world, qtbot, qapp):
    from app.ui.main_window import MainWindow

    lead, acme_laptop, acme, _beta = world
    with _app_look(qapp):
        window = MainWindow(lead, ChangeBus(lead.db.feed), screen=LAPTOP)
        qtbot.addWidget(window)
        window.showNormal()
        window.resize(LAPTOP.size())
        qtbot.waitExposed(window)
        section = window.show_section("Sync")
        for tab in (section.proposals, section.signers):
            section.tabs.setCurrentWidget(tab)
            QApplication.processEvents()
            assert _problems(window) == [], section.tabs.tabText(section.tabs.currentIndex())

        laptops.send(lead, other := laptops.new("other"))  # a new signer for the other laptop, with refusals
        path = laptops.package()
        _contact(other, acme, "Someone Else", side=Side.OURS)
        edit(other, Kpi, KPI_OTD, definition="Changed on the other laptop")
        other.sync.export(path)
        dialog = _previewed(qtbot, _shown(qtbot, ImportDialog(lead, ChangeBus(lead.db.feed), path, window)))
        dialog.role.partner.setChecked(True)
        dialog.role.picker.select(acme)
        _previewed(qtbot, dialog)
        assert dialog.rejected.isVisible()
        assert _problems(dialog) == []

        export = _shown(qtbot, ExportDialog(lead, ChangeBus(lead.db.feed), window, partner_id=acme))
        export.contents_button.setChecked(True)
        qtbot.waitUntil(lambda: export.contents_info is not None, timeout=WAIT)
        assert _problems(export) == []


def test_the_import_dialog_is_driven_from_the_keyboard(laptops, world, qtbot):
    lead, acme_laptop, acme, _beta = world
    dialog = _previewed(qtbot, _shown(qtbot, ImportDialog(lead, ChangeBus(lead.db.feed), _from_acme(laptops, acme_laptop, acme))))
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    # A mnemonic clicks its button the way a click does (animated: a moment later).
    QTest.keyClick(dialog, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # "I have &checked this fingerprint"
    qtbot.waitUntil(dialog.trust.isChecked, timeout=WAIT)
    QTest.keyClick(dialog, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # "This pa&rtner's own people"
    qtbot.waitUntil(dialog.role.partner.isChecked, timeout=WAIT)
    # ... and the focus goes straight on to the partner picker
    qtbot.waitUntil(lambda: QApplication.focusWidget() in (dialog.role.picker, dialog.role.picker.lineEdit()),
                    timeout=WAIT)
    QTest.keyClicks(QApplication.focusWidget(), "Acme")
    qtbot.waitUntil(dialog.import_button.isEnabled, timeout=WAIT)
    # Tab reaches every control in reading order (of the two options, the chosen one: arrows choose another).
    focusable, w = [], dialog.trust
    while True:
        if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            focusable.append(w)
        w = w.nextInFocusChain()
        if w is dialog.trust:
            break
    wanted = {"trust": dialog.trust, "role": dialog.role.partner, "picker": dialog.role.picker,
              "counts": dialog.table, "rejected": dialog.rejected, "import": dialog.import_button}
    names = {id(c): n for n, c in wanted.items()}
    assert [names[id(c)] for c in focusable if id(c) in names] == list(wanted)
    QTest.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # "&Import"
    qtbot.waitUntil(lambda: dialog.result_info is not None, timeout=WAIT)
    assert _signer(lead, "Ana Souza").role_text == "partner: Acme"
