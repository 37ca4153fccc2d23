"""The export and import dialogs and the conflicts list, driven as a user drives them."""

from __future__ import annotations

import json
import zipfile

import pytest
from PySide6.QtCore import QLocale, Qt

from app.models import Contact, Partner
from app.ui.bus import ChangeBus
from app.ui.sync.dialogs import ExportDialog, ImportDialog
from app.ui.sync.section import ConflictsView
from tests.sync.conftest import add_partner, edit, laptops  # noqa: F401  (laptops is a fixture)


def _manifest(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("manifest.json"))


def _shown(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _export(qtbot, dialog, out):
    dialog.out.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_info is not None, timeout=20_000)
    return _manifest(out)


def test_choosing_changes_since_last_export_keeps_the_package_scoped(laptops, qtbot, tmp_path):
    alice = laptops.new("alice")
    add_partner(alice, "Acme")
    beta = add_partner(alice, "Beta")
    bus = ChangeBus(alice.db.feed)
    bus.viewed_partner_id = beta  # the user is looking at Beta's page
    dialog = _shown(qtbot, ExportDialog(alice, bus))
    assert dialog.some.isChecked() and dialog.selected_partner_ids() == [beta]  # preselected
    qtbot.mouseClick(dialog.since_last, Qt.MouseButton.LeftButton)
    assert dialog.since_last.isChecked()
    assert dialog.some.isChecked(), "choosing the records must not change the scope"
    dialog.recipient.setEditText("Bob's laptop")
    manifest = _export(qtbot, dialog, tmp_path / "beta.tandem")
    assert manifest["scope"] == {"kind": "partners", "partner_ids": [beta], "partner_names": ["Beta"]}


def test_since_a_date_keeps_the_scope_too(laptops, qtbot, tmp_path):
    alice = laptops.new("alice")
    acme = add_partner(alice, "Acme")
    add_partner(alice, "Beta")
    dialog = _shown(qtbot, ExportDialog(alice, ChangeBus(alice.db.feed), partner_id=acme))
    qtbot.mouseClick(dialog.since_date, Qt.MouseButton.LeftButton)
    assert dialog.date.isEnabled() and dialog.some.isChecked()
    manifest = _export(qtbot, dialog, tmp_path / "acme.tandem")
    assert manifest["scope"]["partner_ids"] == [acme] and dialog.result_info.since  # a partial package


def test_no_partner_viewed_starts_on_everything(laptops, qtbot):
    alice = laptops.new("alice")
    add_partner(alice, "Acme")
    dialog = ExportDialog(alice, ChangeBus(alice.db.feed))
    qtbot.addWidget(dialog)
    assert dialog.everything.isChecked() and not dialog.partners.isEnabled()


def test_recipients_are_remembered_and_offered(laptops, qtbot, tmp_path):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    add_partner(alice, "Acme")
    alice.sync.export(tmp_path / "one.tandem", recipient="Carol's laptop")
    laptops.send(bob, alice)  # Bob becomes a known signer on Alice's laptop
    dialog = ExportDialog(alice, ChangeBus(alice.db.feed))
    qtbot.addWidget(dialog)
    offered = [dialog.recipient.itemText(i) for i in range(dialog.recipient.count())]
    assert offered[0] == "Carol's laptop"
    assert "Bob (bob-laptop)" in offered
    assert dialog.recipient.currentText() == ""  # nothing picked for the user
    assert dialog.recipient.isEditable()


# -- import -----------------------------------------------------------------------------------------------------

@pytest.fixture
def english_locale():
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(QLocale.system())


def test_enter_in_the_passphrase_field_opens_the_package(laptops, qtbot):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    add_partner(alice, "Acme")
    path = laptops.package("secret")
    alice.sync.export(path, passphrase="open sesame")
    dialog = _shown(qtbot, ImportDialog(bob, ChangeBus(bob.db.feed), path))
    assert "passphrase" in dialog.status.text().lower()  # not "Checking the package…" while it waits
    qtbot.keyClicks(dialog.passphrase, "open sesame")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert dialog.preview.tables["partners"]["new"] == 1
    assert dialog.isVisible()  # Enter did not close the dialog or import


def _conflicting(laptops):
    """Alice and Bob both edited Acme's annual spend and notes after syncing."""
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    long_notes = "Bob's notes " + "about the quality audit and the delivery plan " * 4
    edit(alice, Partner, pid, annual_spend=2525430, notes="Alice's notes")
    edit(bob, Partner, pid, annual_spend=14296954, notes=long_notes)
    return alice, bob, pid, long_notes


def test_preview_names_the_conflicting_fields_and_the_header_follows_trust(laptops, qtbot, english_locale):
    alice, bob, pid, _ = _conflicting(laptops)
    path = laptops.package("from-bob")
    bob.sync.export(path)
    dialog = _shown(qtbot, ImportDialog(alice, ChangeBus(alice.db.feed), path))
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert "Partner Acme: " in dialog.details.text()
    assert "Annual spend" in dialog.details.text() and "Notes" in dialog.details.text()
    assert "not yet trusted" in dialog.signer.text()
    dialog.trust.setChecked(True)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_info is not None, timeout=20_000)
    assert "not yet trusted" not in dialog.signer.text() and "(trusted)" in dialog.signer.text()


def test_conflicts_list_reads_like_the_app(laptops, qtbot, english_locale):
    alice, bob, pid, long_notes = _conflicting(laptops)
    laptops.send(bob, alice)
    view = ConflictsView(alice, ChangeBus(alice.db.feed))
    qtbot.addWidget(view)
    rows = {view.table.item(r, 1).text(): r for r in range(view.table.rowCount())}
    assert set(rows) == {"Annual spend", "Notes"}
    spend = rows["Annual spend"]
    assert view.table.item(spend, 0).text() == "Partner: Acme"
    assert {view.table.item(spend, 2).text(), view.table.item(spend, 3).text()} == {"2,525,430", "14,296,954"}
    view.table.selectRow(rows["Notes"])
    assert {view.mine_full.toPlainText(), view.theirs_full.toPlainText()} == {"Alice's notes", long_notes}


def test_conflicts_on_a_contact_name_the_partner(laptops, qtbot):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    with alice.db.sessions.begin() as s:
        contact = Contact(partner_id=pid, name="Jane Doe")
        s.add(contact)
    laptops.send(alice, bob)
    edit(alice, Contact, contact.id, role="Buyer")
    edit(bob, Contact, contact.id, role="Head of purchasing")
    laptops.send(bob, alice)
    view = ConflictsView(alice, ChangeBus(alice.db.feed))
    qtbot.addWidget(view)
    assert view.table.item(0, 0).text() == "Contact: Jane Doe (Acme)"
    assert view.table.item(0, 1).text() == "Role"


def test_cancel_while_importing_stops_the_import_and_changes_nothing(laptops, qtbot, monkeypatch):
    from app.services.sync import importer

    alice, bob = laptops.new("alice"), laptops.new("bob")
    for i in range(30):
        add_partner(alice, f"Partner {i:02d}")
    path = laptops.package("many")
    alice.sync.export(path)
    monkeypatch.setattr(importer, "BATCH", 3)
    dialog = _shown(qtbot, ImportDialog(bob, ChangeBus(bob.db.feed), path))
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    dialog.trust.setChecked(True)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # at once, while the import runs on the writer
    assert dialog.isVisible()  # the dialog stays to say what happened
    qtbot.waitUntil(lambda: "Import stopped" in dialog.status.text(), timeout=20_000)
    assert "nothing was changed" in dialog.status.text()
    assert dialog.result_info is None
    assert {p.name for p in bob.partners.list()} == set()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # and now Cancel closes it
    assert not dialog.isVisible()
