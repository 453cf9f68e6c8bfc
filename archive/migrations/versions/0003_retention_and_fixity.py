"""retention holds, disposal lists, fixity runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "fixity_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("bytes_read", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("journal_ok", sa.Boolean(), nullable=True),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fixity_runs")),
    )
    with op.batch_alter_table("fixity_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fixity_runs_started_at"), ["started_at"], unique=False)

    op.create_table(
        "disposal_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reject_reason", sa.String(length=500), nullable=True),
        sa.Column("destroyed_by", sa.String(length=100), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.Column("witnesses", sa.JSON(), nullable=False),
        sa.Column("reports", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["township_id"], ["townships.id"], name=op.f("fk_disposal_lists_township_id_townships")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_disposal_lists_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_lists")),
        sa.UniqueConstraint("number", name=op.f("uq_disposal_lists_number")),
    )
    with op.batch_alter_table("disposal_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposal_lists_status"), ["status"], unique=False)

    op.create_table(
        "disposal_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("archival_code", sa.String(length=100), nullable=False),
        sa.Column("retention", sa.String(length=10), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("remarks", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_disposal_items_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["disposal_lists.id"],
            name=op.f("fk_disposal_items_list_id_disposal_lists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_items")),
        sa.UniqueConstraint(
            "list_id", "document_id", name=op.f("uq_disposal_items_list_id_document_id")
        ),
    )
    with op.batch_alter_table("disposal_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disposal_items_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disposal_items_list_id"), ["list_id"], unique=False)

    op.create_table(
        "retention_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("extended_by", sa.String(length=100), nullable=False),
        sa.Column("extended_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_retention_extensions_document_id_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_extensions")),
    )
    with op.batch_alter_table("retention_extensions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retention_extensions_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "retention_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("release_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_retention_holds_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_retention_holds_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_retention_holds_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_holds")),
    )
    with op.batch_alter_table("retention_holds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retention_holds_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_retention_holds_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_retention_holds_released_at"), ["released_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_retention_holds_village_id"), ["village_id"], unique=False
        )

    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fixity_error", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("destroyed_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_files_last_verified_at"), ["last_verified_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_files_last_verified_at"))
        batch_op.drop_column("destroyed_at")
        batch_op.drop_column("fixity_error")

    with op.batch_alter_table("retention_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_holds_village_id"))
        batch_op.drop_index(batch_op.f("ix_retention_holds_released_at"))
        batch_op.drop_index(batch_op.f("ix_retention_holds_household_id"))
        batch_op.drop_index(batch_op.f("ix_retention_holds_document_id"))

    op.drop_table("retention_holds")
    with op.batch_alter_table("retention_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_extensions_document_id"))

    op.drop_table("retention_extensions")
    with op.batch_alter_table("disposal_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_items_list_id"))
        batch_op.drop_index(batch_op.f("ix_disposal_items_document_id"))

    op.drop_table("disposal_items")
    with op.batch_alter_table("disposal_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_lists_status"))

    op.drop_table("disposal_lists")
    with op.batch_alter_table("fixity_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fixity_runs_started_at"))

    op.drop_table("fixity_runs")
