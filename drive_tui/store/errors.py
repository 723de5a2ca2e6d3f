"""Errors of the local store. Messages are one line, for a person, and never carry case data or key material."""

from __future__ import annotations


class StoreError(Exception):
    """Base of store errors; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class UnlockError(StoreError):
    """The store could not be opened: nothing was read or changed."""

    exit_code = 2


class WrongPassphrase(UnlockError):
    def __init__(self) -> None:
        super().__init__("wrong passphrase: the store was not opened and nothing was changed")


class KeyFileMissing(UnlockError):
    def __init__(self, path: object) -> None:
        super().__init__(f"no key file at {path}: restore it from your backup; the store cannot be opened without it")


class KeyFileDamaged(UnlockError):
    def __init__(self, path: object, why: str) -> None:
        super().__init__(f"the key file {path} is damaged ({why}); restore it from your backup")


class PassphraseNeeded(UnlockError):
    def __init__(self) -> None:
        super().__init__("a passphrase is needed to unlock the store (type it, or set DRIVE_TUI_PASSPHRASE)")


class StoreMissing(UnlockError):
    def __init__(self, path: object) -> None:
        super().__init__(f"no store at {path}: create one with 'drive-tui init'")


class StoreExists(StoreError):
    def __init__(self, path: object) -> None:
        super().__init__(f"a store already exists at {path}; nothing was changed")


class NotEncrypted(UnlockError):
    def __init__(self, path: object) -> None:
        super().__init__(f"{path} is a plain, unencrypted SQLite file: refusing to use it")


class WrongKey(UnlockError):
    def __init__(self, path: object) -> None:
        super().__init__(f"the key does not open {path} (wrong key, or not a drive-tui store)")


class WeakPassphrase(StoreError):
    pass


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    """An operation that would break a rule of the store (e.g. changing a submitted assessment)."""


class Invalid(StoreError):
    """Input that fails validation; ``problems`` lists each one. ``reason`` is what is wrong with one field, without
    its name, for a message shown beside that field."""

    def __init__(self, message: str, problems: list[str] | None = None, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
        self.reason = reason or message


class StoreBusy(StoreError):
    """Another connection held the store's write lock for longer than the busy timeout (a sync applying a page)."""

    def __init__(self) -> None:
        super().__init__("the store is busy (a sync is writing to it): nothing was changed; try again in a moment")


class StoreFailed(StoreError):
    """The database refused a read or a write (full disk, I/O error). Only the error's type is named: SQLite's
    messages can quote a statement."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"the store could not be read or written ({kind}); nothing half-done was kept")
