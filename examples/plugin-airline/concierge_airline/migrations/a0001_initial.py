"""The airline's tables: members, payment methods, flights, flight dates, reservations.

Revision airline_0001 starts the plugin's own branch (down_revision None, branch label "airline").
"""

import sqlalchemy as sa
from alembic import op

revision = "airline_0001"
down_revision = None
branch_labels = ("airline",)
depends_on = None
TABLES = ["airline_members", "airline_payment_methods", "airline_flights", "airline_flight_dates",
          "airline_reservations"]


def upgrade() -> None:
    op.create_table(
        "airline_members",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("first_name", sa.String(), nullable=False),
        sa.Column("last_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("dob", sa.String(), nullable=False),
        sa.Column("membership", sa.String(), nullable=False),
        sa.Column("address", sa.JSON(), nullable=False),
        sa.Column("saved_passengers", sa.JSON(), nullable=False),
        sa.Column("reservation_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_airline_members_email", "airline_members", ["email"])
    op.create_table(
        "airline_payment_methods",
        sa.Column("member_id", sa.String(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("brand", sa.String(), nullable=True),
        sa.Column("last_four", sa.String(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["airline_members.id"]),
        sa.PrimaryKeyConstraint("member_id", "id"),
    )
    op.create_table(
        "airline_flights",
        sa.Column("flight_number", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("destination", sa.String(), nullable=False),
        sa.Column("scheduled_departure_time_est", sa.String(), nullable=False),
        sa.Column("scheduled_arrival_time_est", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("flight_number"),
    )
    op.create_index("ix_airline_flights_origin", "airline_flights", ["origin"])
    op.create_index("ix_airline_flights_destination", "airline_flights", ["destination"])
    op.create_table(
        "airline_flight_dates",
        sa.Column("flight_number", sa.String(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["flight_number"], ["airline_flights.flight_number"]),
        sa.PrimaryKeyConstraint("flight_number", "date"),
    )
    op.create_table(
        "airline_reservations",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("destination", sa.String(), nullable=False),
        sa.Column("flight_type", sa.String(), nullable=False),
        sa.Column("cabin", sa.String(), nullable=False),
        sa.Column("flights", sa.JSON(), nullable=False),
        sa.Column("passengers", sa.JSON(), nullable=False),
        sa.Column("payment_history", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("total_baggages", sa.Integer(), nullable=False),
        sa.Column("nonfree_baggages", sa.Integer(), nullable=False),
        sa.Column("insurance", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("cabin_now", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["airline_members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_airline_reservations_user_id", "airline_reservations", ["user_id"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
