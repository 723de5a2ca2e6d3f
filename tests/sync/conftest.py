"""Sync fixtures: a real central service process on loopback over a real database (SQLite file, or a fresh
PostgreSQL database at DRIVE_TEST_POSTGRES_URL), and devices with their own encrypted stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from drive_tui.central.db import open_central
from tests.support.central import (
    POSTGRES_URL,
    Central,
    _free_port,
    _postgres_database,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty central database: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central' / 'central.db'}"
        return
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("DRIVE_TEST_POSTGRES_URL is not set: CI must test against PostgreSQL")
        pytest.skip("DRIVE_TEST_POSTGRES_URL is not set")
    yield from _postgres_database(POSTGRES_URL)


@pytest.fixture
def workers(request: pytest.FixtureRequest) -> int | None:
    """Worker processes for the service (``--workers``): None runs it as usual; a test parametrizes this
    (``indirect=True``) to run the command with several, on PostgreSQL only."""
    return getattr(request, "param", None)


@pytest.fixture
def central(
    database_url: str, workers: int | None, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Central]:
    """The service on loopback: in a thread of this process, or — for a test marked ``server_process`` or
    ``server_metrics``, or run with ``workers`` — as the ``drive-tui server`` command in a process of its own."""
    if workers is not None and not database_url.startswith("postgresql"):
        pytest.skip("several workers serve PostgreSQL (the embedded store runs one)")
    engine = open_central(database_url)
    metrics = request.node.get_closest_marker("server_metrics") is not None
    metrics_port = _free_port() if metrics else None
    server = Central(
        url="",
        database_url=database_url,
        engine=engine,
        home=tmp_path / "server",
        port=_free_port(),
        in_process=request.node.get_closest_marker("server_process") is None,
        extra_args=(["--workers", str(workers)] if workers is not None else [])
        + (["--metrics-port", str(metrics_port)] if metrics_port else []),
        metrics_port=metrics_port,
    )
    server.url = f"http://127.0.0.1:{server.port}"
    server.start()
    try:
        yield server
    finally:
        server.stop()
        engine.dispose()
