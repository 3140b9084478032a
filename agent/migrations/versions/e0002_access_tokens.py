"""Conversations get an access token (stored as its hash), the site they came from, and a last-activity time.

Conversations from before have no token anyone holds: they stay stored, and nobody can open them again.
"""

import sqlalchemy as sa
from alembic import op

revision = "e0002"
down_revision = "e0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("site_key", sa.String(), nullable=True))
        batch.add_column(sa.Column("access_token_hash", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE conversations SET last_active_at = created_at")
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("last_active_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column("access_token_hash", existing_type=sa.String(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_active_at")
        batch.drop_column("access_token_hash")
        batch.drop_column("site_key")
