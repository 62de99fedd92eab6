"""Contact data and bank details on members; approval requests for data changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("street", sa.String(200)))
        batch.add_column(sa.Column("house_number", sa.String(20)))
        batch.add_column(sa.Column("city", sa.String(100)))
        batch.add_column(sa.Column("iban", sa.String(34)))
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("kind", sa.Enum("address", "email", "phone", "iban", name="change_kind", native_enum=False, length=20), nullable=False),
        sa.Column("new_value", sa.Text, nullable=False),
        sa.Column("status", sa.Enum("pending", "applied", "rejected", "expired", name="approval_status",
                                    native_enum=False, length=20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime),
    )
    op.create_index("ix_approval_member_status", "approval_requests", ["member_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_approval_member_status", "approval_requests")
    op.drop_table("approval_requests")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("iban")
        batch.drop_column("city")
        batch.drop_column("house_number")
        batch.drop_column("street")
