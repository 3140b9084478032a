"""The ledger of goodwill credit: the plugin's own table, migrated with Concierge's.

A plugin's first revision starts its own branch (down_revision None, a branch label of its name).
TABLES lets Concierge adopt the table if an earlier version of the plugin created it without migrations.
"""

import sqlalchemy as sa
from alembic import op

revision = "store_credit_0001"
down_revision = None
branch_labels = ("store-credit",)
depends_on = None
TABLES = ["goodwill_credits"]


def upgrade() -> None:
    op.create_table(
        "goodwill_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(), nullable=False),
        sa.Column("gift_card", sa.String(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_goodwill_credits_customer_id"), "goodwill_credits", ["customer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("goodwill_credits")
