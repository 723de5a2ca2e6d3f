"""Health and readiness for whoever runs the service: `/healthz` says the process is alive, `/readyz` whether it can
serve (database reachable and migrated, forms loaded) — without a token, and without a word of case data."""

from __future__ import annotations

import httpx
import psycopg
import pytest
from sqlalchemy import make_url

from tests.support.central import Central


def test_alive_and_ready_without_a_token(central: Central) -> None:
    with httpx.Client(base_url=central.url) as http:
        alive, ready = http.get("/healthz"), http.get("/readyz")
        assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        assert ready.headers["cache-control"] == "no-store"
        assert http.get("/openapi.json").status_code == 404  # and still no schema served


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_database_down_is_not_ready_but_alive_and_says_nothing_of_it(central: Central) -> None:
    url = make_url(central.database_url)
    central.engine.dispose()
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:  # the database goes away under the service
        connection.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')
    with httpx.Client(base_url=central.url) as http:
        ready = http.get("/readyz")
        assert ready.status_code == 503
        body = ready.json()
        assert body["status"] == "not ready" and "cannot be reached" in body["problems"][0]
        assert url.database not in ready.text and "127.0.0.1" not in ready.text and "postgres" not in ready.text
        assert http.get("/healthz").status_code == 200  # the process lives: restart is not the cure


def test_a_store_at_another_schema_is_not_ready(central: Central) -> None:
    from sqlalchemy import text

    with central.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    with httpx.Client(base_url=central.url) as http:
        ready = http.get("/readyz")
    assert ready.status_code == 503 and "schema is at 0002" in ready.json()["problems"][0]
