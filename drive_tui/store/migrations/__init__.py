"""Alembic migrations of the local store; they run on open (a laptop may skip several releases)."""
