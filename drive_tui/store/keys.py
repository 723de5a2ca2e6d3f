"""Keys: a random 256-bit data key opens the database; it is wrapped under a passphrase in a key file
beside the database, and kept in the OS keychain too when a secure one exists.

Unwrapping derives a key from the passphrase once (scrypt), so opening the database itself needs no KDF.
Changing the passphrase rewrites only the key file; the data is not re-encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from drive_tui.store.errors import KeyFileDamaged, KeyFileMissing, WeakPassphrase, WrongPassphrase

DATA_KEY_BYTES = 32
KEY_FILE_FORMAT = "drive-tui-key/1"
SCRYPT_N = 2**16
"""scrypt cost: about 0.2 s and 64 MiB here. Stored in each key file, so it can be raised later."""
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE_LENGTH = 12
_COMMON = frozenset(
    {
        "password1234",
        "passwordpassword",
        "123456789012",
        "qwertyuiopas",
        "letmeinletmein",
        "drivedrivedrive",
        "iloveyou1234",
        "changemechangeme",
        "welcome12345",
        "administrator",
    }
)


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def check_passphrase(passphrase: str) -> None:
    """Refuse a weak passphrase with a message saying why. Long phrases of ordinary words are welcome."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(f"passphrase too short: use at least {MIN_PASSPHRASE_LENGTH} characters (a few words)")
    if len(set(passphrase)) < 6:
        raise WeakPassphrase("passphrase too repetitive: use at least 6 different characters")
    if passphrase.lower() in _COMMON:
        raise WeakPassphrase("passphrase too common: choose a phrase of your own")
    if passphrase != passphrase.strip():
        raise WeakPassphrase("passphrase starts or ends with a space: remove it")


@dataclass(frozen=True, slots=True)
class KeyFile:
    """The contents of a key file: the data key wrapped (AES-256-GCM) under a key derived from the passphrase."""

    store_id: str
    salt: bytes
    nonce: bytes
    wrapped: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": KEY_FILE_FORMAT,
                "store_id": self.store_id,
                "kdf": {"name": "scrypt", "n": self.n, "r": self.r, "p": self.p, "salt": _b64(self.salt)},
                "cipher": "aes-256-gcm",
                "nonce": _b64(self.nonce),
                "wrapped_key": _b64(self.wrapped),
            },
            indent=2,
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32)


def _aad(store_id: str) -> bytes:
    return f"{KEY_FILE_FORMAT}:{store_id}".encode()


def wrap(data_key: bytes, passphrase: str, store_id: str) -> KeyFile:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # imported only when a passphrase is used

    n, r, p = SCRYPT_N, SCRYPT_R, SCRYPT_P
    kek = _derive(passphrase, salt, n, r, p)
    wrapped = AESGCM(kek).encrypt(nonce, data_key, _aad(store_id))
    return KeyFile(store_id=store_id, salt=salt, nonce=nonce, wrapped=wrapped, n=n, r=r, p=p)  # the cost it used


def unwrap(key_file: KeyFile, passphrase: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kek = _derive(passphrase, key_file.salt, key_file.n, key_file.r, key_file.p)
    try:
        return AESGCM(kek).decrypt(key_file.nonce, key_file.wrapped, _aad(key_file.store_id))
    except InvalidTag:
        raise WrongPassphrase() from None


def read_key_file(path: Path) -> KeyFile:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyFileMissing(path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileDamaged(path, exc.__class__.__name__) from None
    try:
        data = json.loads(raw)
        if data.get("format") != KEY_FILE_FORMAT:
            raise KeyFileDamaged(path, f"unknown format {str(data.get('format'))[:40]!r}")
        kdf = data["kdf"]
        if kdf["name"] != "scrypt" or data["cipher"] != "aes-256-gcm":
            raise KeyFileDamaged(path, "unknown KDF or cipher")
        return KeyFile(
            store_id=str(data["store_id"]),
            salt=base64.b64decode(kdf["salt"], validate=True),
            nonce=base64.b64decode(data["nonce"], validate=True),
            wrapped=base64.b64decode(data["wrapped_key"], validate=True),
            n=int(kdf["n"]),
            r=int(kdf["r"]),
            p=int(kdf["p"]),
        )
    except KeyFileDamaged:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KeyFileDamaged(path, "unreadable contents") from None


def write_key_file(path: Path, key_file: KeyFile) -> None:
    """Write atomically and durably: a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key_file.to_json().encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
