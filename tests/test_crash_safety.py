"""Crash safety: a process saving drafts is killed with SIGKILL; every save that returned is there afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from sqlalchemy import text
from sqlmodel import select

from drive_tui.config import Settings
from drive_tui.domain.vocab import Timepoint
from drive_tui.store.assessments import get_assessment, start_assessment
from drive_tui.store.cases import create_case
from drive_tui.store.journal import verify_chain
from drive_tui.store.store import Store, unlock
from drive_tui.store.tables import OutboxRow
from tests.support.data import PASSPHRASE, profile

SAVER = textwrap.dedent(
    """
    import sys
    from drive_tui.config import Settings
    from drive_tui.store.store import unlock
    from drive_tui.store.assessments import save_draft_answer

    settings = Settings.from_env(keyring=False)
    with unlock(settings, sys.argv[2]) as store:
        i = 0
        while True:
            i += 1
            with store.transaction() as tx:
                save_draft_answer(tx, sys.argv[1], "notes", f"save {i}")
            print(i, flush=True)  # only after the commit returned
    """
)


def test_saves_that_returned_survive_sigkill(store: Store, settings: Settings) -> None:
    with store.transaction() as tx:
        case = create_case(tx, profile())
        draft = start_assessment(tx, case.id, Timepoint.INTAKE)
    store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", SAVER, draft.id, PASSPHRASE],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DRIVE_TUI_HOME": str(settings.home)},
    )
    acknowledged = 0
    assert child.stdout is not None
    for line in child.stdout:
        acknowledged = int(line)
        if acknowledged >= 150:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert acknowledged >= 150

    with unlock(settings, PASSPHRASE) as reopened:
        with reopened.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert connection.execute(text("PRAGMA cipher_integrity_check")).all() == []
        with reopened.transaction() as tx:
            saved = [
                row.payload["value"]
                for row in tx.session.exec(select(OutboxRow).where(OutboxRow.op == "assessment.answer"))
            ]
            numbers = [int(value.split()[1]) for value in saved]
            assert numbers == list(range(1, len(numbers) + 1))  # in order, none missing
            assert len(numbers) >= acknowledged  # every acknowledged save, and perhaps the one in flight
            final = get_assessment(tx, draft.id).answers["notes"]
            assert final == f"save {len(numbers)}"
            assert verify_chain(tx.session).ok
