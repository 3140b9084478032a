"""The engine's tables as of the first migrated release: conversations, tickets, transcripts, Slack threads, the tool
audit and email codes.

Revision e0001: the first revision of the engine branch. TABLES lets Concierge adopt a database made before
migrations existed: when all of them are there and the branch has no version yet, it is stamped, not re-created.
"""

import sqlalchemy as sa
from alembic import op

revision = "e0001"
down_revision = None
branch_labels = ("engine",)
depends_on = None
TABLES = ['conversations', 'email_codes', 'slack_threads', 'tool_audit', 'tickets', 'transcript_messages']


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('id', sa.String(), nullable=False),
    sa.Column('customer_id', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mode', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_conversations_customer_id'), 'conversations', ['customer_id'], unique=False)
    op.create_table('email_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(), nullable=False),
    sa.Column('customer_id', sa.String(), nullable=False),
    sa.Column('code_hash', sa.String(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_email_codes_conversation_id'), 'email_codes', ['conversation_id'], unique=False)
    op.create_table('slack_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('ts', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_slack_threads_conversation_id'), 'slack_threads', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_slack_threads_ts'), 'slack_threads', ['ts'], unique=False)
    op.create_table('tool_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(), nullable=True),
    sa.Column('conversation_id', sa.String(), nullable=False),
    sa.Column('customer_id', sa.String(), nullable=True),
    sa.Column('tool', sa.String(), nullable=False),
    sa.Column('plugin', sa.String(), nullable=False),
    sa.Column('risk', sa.String(), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('args_hash', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(), nullable=True),
    sa.Column('confirmed_by', sa.String(), nullable=True),
    sa.Column('approved_by', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_tool_audit_conversation_id'), 'tool_audit', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_tool_audit_customer_id'), 'tool_audit', ['customer_id'], unique=False)
    op.create_index(op.f('ix_tool_audit_idempotency_key'), 'tool_audit', ['idempotency_key'], unique=True)
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(), nullable=False),
    sa.Column('customer_id', sa.String(), nullable=True),
    sa.Column('reason', sa.String(), nullable=False),
    sa.Column('summary', sa.String(), nullable=False),
    sa.Column('priority', sa.String(), nullable=False),
    sa.Column('status', sa.String(), nullable=False),
    sa.Column('agent', sa.String(), nullable=True),
    sa.Column('pending_action', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_tickets_conversation_id'), 'tickets', ['conversation_id'], unique=False)
    op.create_table('transcript_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(), nullable=False),
    sa.Column('role', sa.String(), nullable=False),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('citations', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_transcript_messages_conversation_id'), 'transcript_messages', ['conversation_id'], unique=False)

def downgrade() -> None:
    op.drop_table('transcript_messages')
    op.drop_table('tickets')
    op.drop_table('tool_audit')
    op.drop_table('slack_threads')
    op.drop_table('email_codes')
    op.drop_table('conversations')
