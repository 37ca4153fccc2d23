"""How fast the live session screen reacts with a thousand entries in the log.

Measures, on a fresh database holding a session with 1,000 entries (offscreen Qt, real widgets and SQLite):

- opening the live screen (loading the log);
- one keystroke in the capture box (what the user feels while typing);
- saving the draft (runs at most every 0.4 s while typing);
- keystroke to saved entry: from pressing Enter to the entry committed in its own transaction and its row
  appended to the log, then also until the window has repainted;
- the same for an action item (owner and due date parsed, action item created with the entry).

Run: ``QT_QPA_PLATFORM=offscreen python bench/bench_session_typing.py``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.models.enums import SessionType, Side  # noqa: E402
from app.services import build_services  # noqa: E402
from app.services.coaching import Attendee, SessionPlan  # noqa: E402
from app.services.database import open_database  # noqa: E402
from app.services.partners import ContactData, PartnerData  # noqa: E402
from app.ui.bus import ChangeBus  # noqa: E402
from app.ui.coaching.live import LiveSessionWidget  # noqa: E402

EXISTING = 1000
LINES = 60
LINE = "Partner shows the scrap Pareto for line 2, week 46"


def figures(name: str, samples_s: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{name:<44} n={len(ms):>5}  median {statistics.median(ms):7.2f} ms  p95 {p95:7.2f} ms  "
          f"max {ms[-1]:7.2f} ms")


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "bench.sqlite")
        services = build_services(db)
        services.identity.set_names("Bench", "Bench laptop")
        partner = services.partners.create(PartnerData(
            name="Bench Partner GmbH", contacts=(ContactData("Anna Becker", Side.PARTNER, is_primary=True),)))
        session = services.coaching.plan(SessionPlan(partner.id, SessionType.MONTHLY_REVIEW, datetime(2026, 11, 24, 9),
                                                     attendees=(Attendee("Anna Becker", Side.PARTNER),)))
        services.coaching.start(session.id)
        t0 = time.perf_counter()
        for i in range(EXISTING):
            services.coaching.log(session.id, f"{'d: ' if i % 10 == 0 else ''}Earlier entry number {i}")
        print(f"Logged {EXISTING} entries through the service in {time.perf_counter() - t0:.2f} s")

        t0 = time.perf_counter()
        widget = LiveSessionWidget(services, ChangeBus(), session.id)
        widget.resize(1280, 800)
        widget.show()
        app.processEvents()
        figures(f"open the live screen ({EXISTING} entries)", [time.perf_counter() - t0])

        keystrokes, drafts, enter, actions, shown = [], [], [], [], []
        original_save = widget.capture._save_draft

        def timed_save(text: str) -> None:
            start = time.perf_counter()
            original_save(text)
            drafts.append(time.perf_counter() - start)

        widget.capture._save_draft = timed_save
        for n in range(LINES):
            line = LINE if n % 4 else f"a: Send the data @Anna Becker due friday {n}"
            for ch in line:
                start = time.perf_counter()
                QTest.keyClick(widget.capture, ch)
                app.processEvents()  # the character on screen
                keystrokes.append(time.perf_counter() - start)
            widget.capture.flush_draft()  # what the timer does during a pause
            start = time.perf_counter()
            QTest.keyClick(widget.capture, Qt.Key.Key_Return)
            saved = time.perf_counter()
            app.processEvents()  # repaint: the new row on screen
            (actions if line.startswith("a:") else enter).append(saved - start)
            shown.append(time.perf_counter() - start)
        assert widget.model.rowCount() == EXISTING + LINES
        assert len(services.coaching.entries(session.id)) == EXISTING + LINES

        figures("keystroke -> character on screen", keystrokes)
        figures("draft save (every <= 0.4 s while typing)", drafts)
        figures("Enter -> note committed (row appended)", enter)
        figures("Enter -> action item committed (row appended)", actions)
        figures("Enter -> any entry committed and repainted", shown)
        widget.close()
        widget.deleteLater()
        app.processEvents()
        db.close()


if __name__ == "__main__":
    main()
