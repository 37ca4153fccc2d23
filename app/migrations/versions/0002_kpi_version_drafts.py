"""KPI versions have a status: a lead can save an edit as a draft before publishing it

Revision ID: 0002_kpi_version_drafts
Revises: 0001_initial
Create Date: 2026-11-24

Every KPI version made before drafts existed is published (the column's default). Its number in the history
comes from the rev of the field that published it (app/services/library_versions.py), which is now the
status; a version row edited since it was made (a rare tombstone) lists the rev of its snapshot in
``field_revs`` but none for the new column, so the status takes the snapshot's rev and every number stays as it
was. No rev changes: the migration makes no change that travels.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = '0002_kpi_version_drafts'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kpi_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('draft', 'published', name='templatestatus',
                                                        native_enum=False, length=32),
                                      server_default='published', nullable=False))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, field_revs FROM kpi_versions WHERE field_revs IS NOT NULL "
                                "AND field_revs <> '{}'")).all()
    for row_id, text in rows:
        revs = json.loads(text) if isinstance(text, str) else dict(text or {})
        if isinstance(revs, dict) and "snapshot" in revs and "status" not in revs:
            revs["status"] = revs["snapshot"]
            conn.execute(sa.text("UPDATE kpi_versions SET field_revs = :revs WHERE id = :id"),
                         {"revs": json.dumps(revs, separators=(",", ":")), "id": row_id})


def downgrade() -> None:
    with op.batch_alter_table('kpi_versions', schema=None) as batch_op:
        batch_op.drop_column('status')
