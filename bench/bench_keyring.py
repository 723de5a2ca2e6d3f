"""A keychain for benchmarks: answers the one data key in ``DRIVE_TUI_BENCH_KEY`` (base64), keeps nothing.

Chosen with ``PYTHON_KEYRING_BACKEND=bench_keyring.BenchKeyring``, so ``keyring`` is imported where the app
imports it (in the thread that opens the store), as on a laptop with a real keychain.
"""

from __future__ import annotations

import os

from keyring.backend import KeyringBackend


class BenchKeyring(KeyringBackend):
    priority = 10  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return os.environ.get("DRIVE_TUI_BENCH_KEY") if service == "drive-tui" else None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError("the benchmark keychain is read-only")

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError("the benchmark keychain is read-only")
