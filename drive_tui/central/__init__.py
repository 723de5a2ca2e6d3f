"""The central service: its store (SQLModel on PostgreSQL, or SQLite embedded), the sync rules, the HTTP API."""
