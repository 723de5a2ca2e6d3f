"""Layer rules and start-up hygiene, checked rather than hoped for; the migrations match the tables."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from drive_tui.domain.terms import DeviceState, Operation, ReviewDecision, Role
from drive_tui.domain.vocab import AssessmentStatus
from drive_tui.store.engine import _MIGRATIONS, SCHEMA_HEAD
from drive_tui.store.store import Store

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout


def test_ruff_lint_and_format_hold() -> None:
    """The agreed rule set (``[tool.ruff]`` in pyproject.toml) and one format, checked like the import contracts."""
    ruff = Path(sys.executable).with_name("ruff")
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        result = subprocess.run([str(ruff), *command], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr


def test_store_and_cli_do_not_import_textual_or_heavy_libraries_up_front() -> None:
    code = (
        "import sys, drive_tui.cli, drive_tui.store.store, drive_tui.store.assessments, drive_tui.store.transfer;"
        "print(sorted(m for m in ('textual', 'alembic', 'fastapi', 'httpx') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_schema_head_constant_is_the_newest_migration() -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrated_schema_matches_the_tables(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, SQLModel.metadata)
        # autogenerate cannot read an index on an expression back from SQLite: the caseload's is compared here
        caseload_index = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_assessments_caseload'"
        ).scalar_one()
    assert differences == []
    assert "(case_id, timepoint, status, json_extract(answers, '$.risk_to_victim'))" in caseload_index
    with store.transaction() as tx:
        plan = tx.dbapi.execute(
            "EXPLAIN QUERY PLAN SELECT case_id, timepoint, status, json_extract(answers, '$.risk_to_victim') "
            "FROM assessments"
        ).fetchall()
    assert "COVERING INDEX ix_assessments_caseload" in str(plan)


def test_central_migrations_match_the_central_tables(tmp_path: Path) -> None:
    from drive_tui.central.db import _MIGRATIONS as CENTRAL_MIGRATIONS
    from drive_tui.central.db import SCHEMA_HEAD as CENTRAL_HEAD
    from drive_tui.central.db import open_central
    from drive_tui.central.tables import CentralModel

    config = Config()
    config.set_main_option("script_location", str(CENTRAL_MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == CENTRAL_HEAD
    engine = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), CentralModel.metadata)
    engine.dispose()
    assert differences == []


def test_the_app_starts_without_the_orm() -> None:
    """What runs before the caseload first shows (the app, its first screens, opening the file and reading the
    caseload) loads no SQLAlchemy, pydantic, YAML or cryptography: together they cost more than Textual itself
    to import, and they load behind the caseload instead (see bench/RESULTS.md)."""
    code = (
        "import sys, drive_tui.ui.app, drive_tui.ui.screens.unlock, drive_tui.ui.screens.caseload, "
        "drive_tui.store.opening, drive_tui.store.caseload; "
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'yaml', 'cryptography', 'alembic') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_sync_imports_no_textual() -> None:
    code = "import sys, drive_tui.sync.engine, drive_tui.cli.sync; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stdout + result.stderr


def test_a_store_from_an_older_release_is_migrated_on_open(store: Store) -> None:
    """A laptop may skip releases: a store at 0001 opens at the newest schema, data intact."""
    from alembic import command

    from drive_tui.config import Settings
    from drive_tui.store.cases import create_case, list_cases
    from drive_tui.store.store import unlock
    from tests.support.data import PASSPHRASE, profile

    with store.transaction() as tx:
        create_case(tx, profile())
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    settings = Settings(home=store.home, keyring=False)
    store.close()
    with unlock(settings, PASSPHRASE) as reopened:
        with reopened.engine.connect() as connection:
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        assert revision == SCHEMA_HEAD
        with reopened.transaction() as tx:
            assert [case.reference for case in list_cases(tx)] == ["DRV-0001"]


_DOMAIN_WORDS = {
    *(role.value for role in Role if role is not Role.CASE_MANAGER),  # case_manager is also a case field's name
    *(state.value for state in DeviceState),
    *(decision.value for decision in ReviewDecision),
    *(status.value for status in AssessmentStatus),
    *(operation.value for operation in Operation),
}


def _string_literals(path: Path) -> Iterator[tuple[int, str]]:
    """Every string constant in ``path`` but a dict's keys (column and field names, e.g. the users table's "active")
    and docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    keys = {id(key) for node in ast.walk(tree) if isinstance(node, ast.Dict) for key in node.keys}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in keys:
            yield node.lineno, node.value


_NOT_DOMAIN_WORDS = {("drive_tui/store/keys.py", "administrator")}
"""Where one of those words means something else: a passphrase too common to allow."""


def test_roles_statuses_decisions_and_operations_are_written_only_in_the_domain() -> None:
    """A role, a device state, a review decision, an assessment status or an operation is named by its enum
    (``domain/terms.py``, ``domain/vocab.py``) everywhere else, so renaming or adding one is one change."""
    package = ROOT / "drive_tui"
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in sorted(package.rglob("*.py"))
        if path.parent != package / "domain" and "migrations" not in path.parts
        for line, value in _string_literals(path)
        if value in _DOMAIN_WORDS and (str(path.relative_to(ROOT)), value) not in _NOT_DOMAIN_WORDS
    ]
    assert found == []
