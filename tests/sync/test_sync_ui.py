"""The import preview, signer trust and conflict resolution, driven through the real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.models import Partner
from app.ui.bus import ChangeBus
from app.ui.sync.dialogs import ExportDialog, ImportDialog
from app.ui.sync.section import SyncSection
from tests.sync.conftest import add_partner, edit, file_hash, get


def test_import_dialog_previews_then_imports_after_trusting_the_signer(laptops, qtbot, tmp_path):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme Components")
    path = laptops.package("from-alice")
    alice.sync.export(path)
    bus = ChangeBus(bob.db.feed)
    before = file_hash(bob.db.path)
    dialog = ImportDialog(bob, bus, path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert file_hash(bob.db.path) == before  # the preview changed nothing
    assert "Alice" in dialog.signer.text() and dialog.preview.signer.fingerprint in dialog.signer.text()
    assert dialog.status.text().startswith("Preview: 2 new")  # the partner and Alice's device record
    assert dialog.table.item(dialog.table.rowCount() - 1, 1).text() == "2"
    assert not dialog.import_button.isEnabled()  # the signer is new: the user must trust it first
    assert dialog.trust.isVisible() or not dialog.isVisible()
    dialog.trust.setChecked(True)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(bus.changed, timeout=20_000) as changed:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert changed.args[0].touches("partners")
    assert bob.partners.get(pid).name == "Acme Components"
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Imported: 2 new"), timeout=20_000)


def test_import_dialog_shows_a_refusal(laptops, qtbot, tmp_path):
    bob = laptops.new("bob")
    junk = tmp_path / "junk.tandem"
    junk.write_bytes(b"PK\x03\x04 not really")
    dialog = ImportDialog(bob, ChangeBus(bob.db.feed), junk)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Refused"), timeout=20_000)
    assert "Nothing was changed" in dialog.status.text()
    assert not dialog.import_button.isEnabled()


def test_encrypted_package_asks_for_the_passphrase(laptops, qtbot):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    add_partner(alice, "Acme")
    path = laptops.package("secret")
    alice.sync.export(path, passphrase="open sesame")
    dialog = ImportDialog(bob, ChangeBus(bob.db.feed), path)
    qtbot.addWidget(dialog)
    assert not dialog.pass_row.isHidden()
    qtbot.keyClicks(dialog.passphrase, "wrong")
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong passphrase" in dialog.status.text(), timeout=20_000)
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, "open sesame")
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert dialog.preview.tables["partners"]["new"] == 1


def test_conflicts_section_keep_mine_keep_theirs_and_edit(laptops, qtbot, monkeypatch):
    alice, bob = laptops.new("alice"), laptops.new("bob")
    pid = add_partner(alice, "Acme")
    laptops.send(alice, bob)
    edit(alice, Partner, pid, notes="Alice's notes", segment="A-seg", country="France")
    edit(bob, Partner, pid, notes="Bob's notes", segment="B-seg", country="Spain")
    laptops.send(bob, alice)
    section = SyncSection(alice, ChangeBus(alice.db.feed))
    qtbot.addWidget(section)
    section.resize(1100, 600)
    assert section.tabs.tabText(0) == "Conflicts (3)"
    rows = {section.conflicts.table.item(r, 1).text(): r for r in range(section.conflicts.table.rowCount())}
    assert set(rows) == {"Notes", "Segment", "Country"}

    section.conflicts.table.selectRow(rows["Notes"])
    qtbot.mouseClick(section.conflicts.keep_mine, Qt.MouseButton.LeftButton)
    assert get(alice, Partner, pid).notes == "Alice's notes"
    assert section.tabs.tabText(0) == "Conflicts (2)"

    rows = {section.conflicts.table.item(r, 1).text(): r for r in range(section.conflicts.table.rowCount())}
    section.conflicts.table.selectRow(rows["Segment"])
    qtbot.mouseClick(section.conflicts.keep_theirs, Qt.MouseButton.LeftButton)
    assert get(alice, Partner, pid).segment == "B-seg"

    monkeypatch.setattr("app.ui.sync.section.QInputDialog.getMultiLineText",
                        lambda *a, **k: ("Portugal", True))
    section.conflicts.table.selectRow(0)
    qtbot.mouseClick(section.conflicts.edit, Qt.MouseButton.LeftButton)
    assert get(alice, Partner, pid).country == "Portugal"
    assert section.tabs.tabText(0) == "Conflicts"
    assert section.conflicts.empty.isVisibleTo(section)
    # The resolutions travel like any edit.
    laptops.send(alice, bob)
    p = bob.partners.get(pid)
    assert (p.notes, p.segment, p.country) == ("Alice's notes", "B-seg", "Portugal")
    section.history.refresh()
    assert section.history.table.rowCount() >= 1


def test_export_dialog_writes_a_scoped_package_with_progress(laptops, qtbot, tmp_path):
    alice = laptops.new("alice")
    add_partner(alice, "Acme")
    beta = add_partner(alice, "Beta")
    dialog = ExportDialog(alice, ChangeBus(alice.db.feed))
    qtbot.addWidget(dialog)
    dialog.some.setChecked(True)
    for i in range(dialog.partners.count()):
        item = dialog.partners.item(i)
        if item.text() == "Beta":
            item.setCheckState(Qt.CheckState.Checked)
    out = tmp_path / "beta.tandem"
    dialog.out.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_info is not None, timeout=20_000)
    assert out.exists() and dialog.result_info.scope == "partners: Beta"
    assert dialog.progress.value() == dialog.progress.maximum()
    from tests.sync.helpers import read_records

    assert {r["id"] for r in read_records(out)["partners"]} == {beta}
