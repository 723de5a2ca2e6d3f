"""``python -m drive_tui``: the same as the ``drive-tui`` command."""

from drive_tui.cli import main

main()
