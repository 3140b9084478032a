"""The airline plugin's Alembic branch ("airline"), applied by `concierge db upgrade` with Concierge's own."""
