"""Record which edition of the shipped defaults each shipped record's content belongs to.

Run after changing anything under resources/ that Tandem loads as a default (KPIs, criteria, playbooks,
learning modules, plan templates):

    python tools/shipped_editions.py

A record whose content changed (or a new record) gets the next edition; unchanged records keep theirs. The
edition becomes the record's rev (app/services/reference_data.py), so laptops of an older release take the
change like an edit, and a user's own edits and deletes of defaults stand. tests/services/test_reference_data.py
fails while this file is out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.paths import resource_path  # noqa: E402
from app.services.reference_data import EDITIONS_FILE, content_digest, shipped_editions, shipped_records  # noqa: E402


def updated_editions() -> dict[str, list]:
    old = shipped_editions()
    current = {f"{table}/{row['id']}": content_digest(table, row)
               for table, rows in shipped_records().items() for row in rows}
    changed = [k for k, digest in current.items() if old.get(k, (0, ""))[1] != digest]
    next_edition = max((e for e, _ in old.values()), default=0) + 1
    return {k: [next_edition if k in changed else old[k][0], digest] for k, digest in sorted(current.items())}


def main() -> None:
    path = resource_path(EDITIONS_FILE)
    editions = updated_editions()
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in editions.items()]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: {len(editions)} records, newest edition "
          f"{max(e for e, _ in editions.values())}")


if __name__ == "__main__":
    main()
