"""The one way drive-tui runs a function in a thread of its own (outside Textual's workers)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def in_background(function: Callable[[], T], *, name: str) -> Future[T]:
    """Run ``function`` in a daemon thread — a hung keychain must not keep the process alive at exit — and hand its
    result, or what it raised, to whoever waits on the future."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(function())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
