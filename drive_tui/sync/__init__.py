"""Sync: the wire protocol shared with the central service, the HTTP client, and the engine that runs a sync."""
