"""The OS keychain through ``keyring``, guarded: insecure backends are refused, and a keychain that hangs
(a locked or absent D-Bus session) is given up on after a timeout so the passphrase path takes over.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from drive_tui.background import in_background

SERVICE = "drive-tui"
T = TypeVar("T")

_INSECURE_MARKERS = ("plaintext", "null", "fail", "uncrypted", "unencrypted")
"""Backend class or module names containing these keep secrets in clear files, or not at all."""


class KeychainUnavailable(Exception):
    """No secure keychain answered in time; use the passphrase."""


def _call_with_timeout(function: Callable[[], T], timeout: float) -> T:
    """Run ``function`` in a daemon thread, waiting at most ``timeout`` seconds for it."""
    future = in_background(function, name="drive-tui-keychain")
    try:
        return future.result(timeout)
    except FutureTimeout:
        raise KeychainUnavailable(f"the keychain did not answer within {timeout:g} s") from None
    except Exception as exc:  # noqa: BLE001 - any backend's failure means: use the passphrase
        raise KeychainUnavailable(f"the keychain failed: {exc.__class__.__name__}") from None


def is_secure_backend(backend: Any) -> bool:
    """False for backends that store secrets in plain files, or store nothing (fail/null)."""
    names = [type(backend).__name__, type(backend).__module__]
    inner = getattr(backend, "backends", None)  # keyring's ChainerBackend
    if inner is not None:
        return bool(inner) and all(is_secure_backend(b) for b in inner)
    if getattr(type(backend), "priority", 1) <= 0:
        return False
    return not any(marker in name.lower() for name in names for marker in _INSECURE_MARKERS)


class Keychain:
    """Data keys in the OS keychain, one entry per store id."""

    def __init__(self, *, enabled: bool = True, timeout: float = 3.0) -> None:
        self.enabled = enabled
        self.timeout = timeout
        self._backend: Any = None

    def _get_backend(self) -> Any:
        if not self.enabled:
            raise KeychainUnavailable("the keychain is turned off (DRIVE_TUI_KEYRING=0)")
        if self._backend is None:
            import keyring

            backend = _call_with_timeout(keyring.get_keyring, self.timeout)
            if not is_secure_backend(backend):
                raise KeychainUnavailable(f"no secure keychain (backend {type(backend).__name__} refused)")
            self._backend = backend
        return self._backend

    def describe(self) -> str:
        """The backend in use, or why there is none (for ``drive-tui doctor``)."""
        try:
            backend = self._get_backend()
        except KeychainUnavailable as exc:
            return f"none: {exc}"
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def get(self, store_id: str) -> bytes | None:
        backend = self._get_backend()
        secret = _call_with_timeout(lambda: backend.get_password(SERVICE, store_id), self.timeout)
        return base64.b64decode(secret) if secret else None

    def put(self, store_id: str, data_key: bytes) -> None:
        backend = self._get_backend()
        encoded = base64.b64encode(data_key).decode("ascii")
        _call_with_timeout(lambda: backend.set_password(SERVICE, store_id, encoded), self.timeout)

    def delete(self, store_id: str) -> None:
        backend = self._get_backend()
        _call_with_timeout(lambda: backend.delete_password(SERVICE, store_id), self.timeout)
