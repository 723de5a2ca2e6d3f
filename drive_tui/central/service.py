"""The central service as a process runs it.

``drive-tui server`` serves one worker in its own process, or starts ``--workers N`` processes through uvicorn's
supervisor. Each worker builds the service from the environment alone (``app_from_environment``, uvicorn's factory):
the processes share nothing but the database, so any number of them — on one host or many behind a load balancer —
can serve one PostgreSQL store. The embedded SQLite store takes one writer at a time, so it runs one worker.
The command (``cli.server``) reads the settings; this module is given them.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine

ONE_WORKER_ON_SQLITE = (
    "the embedded SQLite store takes one writer at a time: more workers would only queue on its lock "
    "(use PostgreSQL to scale out)"
)


def default_workers(database_url: str) -> int:
    """The CPU count on PostgreSQL (each worker is a Python process, bound by its own interpreter lock); one on
    SQLite (``ONE_WORKER_ON_SQLITE``)."""
    if database_url.startswith("sqlite"):
        return 1
    return max(1, os.cpu_count() or 1)


def build(engine: Engine, forms_dir: Path | None, trusted_proxies: Sequence[str]) -> FastAPI:
    """The API over ``engine``, validating assessments against the forms in ``forms_dir`` (the packaged ones when
    None), believing ``X-Forwarded-For`` from ``trusted_proxies`` alone."""
    from drive_tui.central.addresses import networks
    from drive_tui.central.api import create_app
    from drive_tui.forms.catalogue import load_catalogue

    return create_app(engine, load_catalogue(forms_dir), trusted_proxies=networks(trusted_proxies))


def prepare_process() -> None:
    """What every serving process does once its service is built: log requests (``central.request_log``) as JSON
    lines on standard error, and tune collection for a long-lived server."""
    log_requests()
    gc.freeze()  # start-up objects live as long as the server: keep them out of every collection
    gc.set_threshold(50_000, 20, 20)  # a push batch makes ~100,000 short-lived, acyclic objects: collect less often


def log_requests() -> None:
    """The request log: one JSON line per request on standard error, nothing else (once per process)."""
    requests = logging.getLogger("drive_tui.central.requests")
    if requests.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    requests.addHandler(handler)
    requests.setLevel(logging.INFO)
    requests.propagate = False
