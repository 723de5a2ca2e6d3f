"""A central store made before the trust boundary (schema 0001), with data in it, migrates to today's schema: the
change log keeps every row under its new per-device key, and case managers get the sites of the cases they hold."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from drive_tui.central import db
from drive_tui.central.db import open_central


def test_a_store_of_schema_0001_with_data_migrates_keeping_it(database_url: str) -> None:
    engine = create_engine(database_url)
    if database_url.startswith("sqlite"):
        from pathlib import Path

        Path(engine.url.database or "").parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(db._MIGRATIONS))
    now = datetime(2026, 11, 1, tzinfo=UTC).isoformat()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        sites = "CAST(:sites AS jsonb)" if connection.dialect.name == "postgresql" else ":sites"
        for user_id, name, role in (
            ("u1", "cm1", "case_manager"),
            ("u2", "cm2", "case_manager"),
            ("u3", "sup", "supervisor"),
        ):
            connection.execute(
                text(
                    f"INSERT INTO users (id, username, role, sites, active, created_at) VALUES "
                    f"(:id, :name, :role, {sites}, true, :at)"
                ),
                {
                    "id": user_id,
                    "name": name,
                    "role": role,
                    "at": now,
                    "sites": json.dumps(["Kent"] if role == "supervisor" else []),
                },
            )
        for case_id, site in (("c1", "Essex"), ("c2", "Kent")):
            connection.execute(
                text(
                    "INSERT INTO cases (id, reference, site, allocated_on, case_manager, service_user, victims, "
                    "status, created_at, updated_at, seq) VALUES (:id, :ref, :site, :on, 'cm1', "
                    f"{sites.replace(':sites', ':su')}, {sites.replace(':sites', ':v')}, 'open', :at, :at, 1)"
                ),
                {
                    "id": case_id,
                    "ref": f"R-{case_id}",
                    "site": site,
                    "on": date(2026, 1, 5),
                    "at": now,
                    "su": "{}",
                    "v": "[]",
                },
            )
        connection.execute(
            text(
                "INSERT INTO changes (change_id, device_id, user_id, received_at, made_at, entity, entity_id, op, "
                "outcome) VALUES ('x1', 'd1', 'u1', :at, :at, 'case', 'c1', 'case.create', 'applied')"
            ),
            {"at": now},
        )
    engine.dispose()

    migrated = open_central(database_url)
    try:
        with migrated.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == db.SCHEMA_HEAD
            users = {
                name: json.loads(s) if isinstance(s, str) else s
                for name, s in connection.execute(text("SELECT username, sites FROM users"))
            }
            kept = connection.execute(text("SELECT device_id, change_id, outcome FROM changes")).all()
        assert users == {"cm1": ["Essex", "Kent"], "cm2": [], "sup": ["Kent"]}
        assert [tuple(row) for row in kept] == [("d1", "x1", "applied")]
        with migrated.begin() as connection:  # the same change id from another device is now a row of its own
            connection.execute(
                text(
                    "INSERT INTO changes (change_id, device_id, user_id, received_at, made_at, entity, entity_id, op, "
                    "outcome) VALUES ('x1', 'd2', 'u2', :at, :at, 'case', 'c2', 'case.update', 'applied')"
                ),
                {"at": now},
            )
    finally:
        migrated.dispose()
