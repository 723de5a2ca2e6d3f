"""drive-tui: offline-first, encrypted recording of Drive case work."""

__version__ = "0.1.0"
