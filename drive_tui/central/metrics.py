"""The central service's Prometheus metrics: what an operator watches — requests and their latency by route and
status, changes applied, conflicting, held, rejected and duplicate, rows sent by pulls, refusals by code, how long
pushes wait for the commit log's lock and how often a push decided beside others had to decide again — and, read
from the store when scraped, the devices seen in the last day.

Every label is one of a fixed set (a route the service serves or "other", a method, a status, an outcome, a code):
no user, device, case or value ever names a series. Each worker process records into files in
``PROMETHEUS_MULTIPROC_DIR`` (``prometheus_client``'s multiprocess mode), which the command sets before any worker
starts; the command serves the sum of them on its own port (``serve``), bound to loopback unless told otherwise.
Recorded from the request log's line for each request (``central.request_log``), so the two always agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter, Histogram

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry
    from sqlalchemy import Engine

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter("drive_central_requests", "Requests answered", ["route", "method", "status"])
LATENCY = Histogram("drive_central_request_seconds", "Time to answer a request", ["route"], buckets=LATENCY_BUCKETS)
CHANGES = Counter("drive_central_changes", "Changes pushed, by what became of them", ["outcome"])
PULL_ROWS = Counter("drive_central_pull_rows", "Rows sent to devices by pulls")
REFUSALS = Counter("drive_central_refusals", "Requests refused, by the refusal's code", ["code"])
LOCK_WAIT = Histogram(
    "drive_central_head_lock_wait_seconds", "Time a push waited for the commit log's lock", buckets=LATENCY_BUCKETS
)
DECIDED_AGAIN = Counter(
    "drive_central_push_decided_again",
    "Pushes decided beside others whose decision a write committed meanwhile touched, so decided again under the lock",
)

OUTCOMES = ("applied", "conflict", "held", "rejected", "duplicate")


def observe(line: dict[str, Any]) -> None:
    """Count one request, from its request-log line."""
    route = line["route"]
    REQUESTS.labels(route, line["method"], str(line["status"])).inc()
    LATENCY.labels(route).observe(line["ms"] / 1000)
    counts = {outcome: line.get(outcome) or 0 for outcome in OUTCOMES}
    counts["applied"] -= counts["conflict"]  # the log's "applied" counts those applied with a conflict too
    for outcome, count in counts.items():
        if count:
            CHANGES.labels(outcome).inc(count)
    if line.get("rows"):
        PULL_ROWS.inc(line["rows"])
    if line.get("refusal"):
        REFUSALS.labels(line["refusal"]).inc()
    if line.get("lock_ms") is not None:
        LOCK_WAIT.observe(line["lock_ms"] / 1000)
    if line.get("decided_again"):
        DECIDED_AGAIN.inc()


class DevicesSeen:
    """A collector read when scraped: devices that reached the service in the last day, by state."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func, select

        from drive_tui.central.tables import DeviceRow

        devices = DeviceRow.__table__  # type: ignore[attr-defined]
        since = datetime.now(UTC) - timedelta(days=1)
        family = GaugeMetricFamily(
            "drive_central_devices_seen_last_day", "Devices that reached the service in the last day", labels=["state"]
        )
        with self.engine.connect() as connection:
            query = (
                select(devices.c.state, func.count()).where(devices.c.last_seen_at >= since).group_by(devices.c.state)
            )
            for state, count in connection.execute(query):
                family.add_metric([str(state)], count)
        yield family


def serve(port: int, host: str, engine: Engine) -> CollectorRegistry:
    """Serve every worker's metrics, and the devices seen, on ``host:port`` (a thread of this process)."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(DevicesSeen(engine))  # type: ignore[arg-type]
    start_http_server(port, addr=host, registry=registry)
    return registry
