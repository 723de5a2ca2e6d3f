"""Health of an unlocked store, for ``drive-tui doctor``: versions, integrity, audit chain. Never case data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from drive_tui.store.engine import SCHEMA_HEAD, schema_revision
from drive_tui.store.journal import pending_changes, verify_chain
from drive_tui.store.store import Store


@dataclass(frozen=True, slots=True)
class Diagnosis:
    unlocked_by: str
    sqlcipher: str
    schema: str
    integrity: str
    cipher_integrity: str
    audit: str
    pending: int
    ok: bool

    def lines(self) -> list[tuple[str, str]]:
        return [
            ("unlocked by", self.unlocked_by),
            ("sqlcipher", self.sqlcipher),
            ("schema", self.schema),
            ("integrity", self.integrity),
            ("cipher", self.cipher_integrity),
            ("audit chain", self.audit),
            ("unsynced", f"{self.pending} change(s)"),
            ("result", "ok" if self.ok else "PROBLEMS FOUND"),
        ]


def diagnose(store: Store) -> Diagnosis:
    with store.engine.connect() as connection:
        version = connection.execute(text("PRAGMA cipher_version")).scalar_one()
        integrity = [row[0] for row in connection.execute(text("PRAGMA integrity_check"))]
        cipher = [row[0] for row in connection.execute(text("PRAGMA cipher_integrity_check"))]
    revision = schema_revision(store.engine)
    with store.transaction() as tx:
        chain = verify_chain(tx.session)
        pending = pending_changes(tx.session)
    integrity_ok = integrity == ["ok"]
    cipher_ok = not cipher
    schema_ok = revision == SCHEMA_HEAD
    audit = f"ok ({chain.events} events)" if chain.ok else f"BROKEN at event {chain.broken_at}"
    return Diagnosis(
        unlocked_by=store.unlocked_by,
        sqlcipher=str(version),
        schema=f"{revision} ({'current' if schema_ok else 'expected ' + SCHEMA_HEAD})",
        integrity="ok" if integrity_ok else f"FAILED ({len(integrity)} problem(s))",
        cipher_integrity="ok" if cipher_ok else f"FAILED ({len(cipher)} page(s) with bad HMAC)",
        audit=audit,
        pending=pending,
        ok=integrity_ok and cipher_ok and schema_ok and chain.ok,
    )
