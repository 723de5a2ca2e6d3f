"""The service's Prometheus metrics, scraped from the command's own port after real syncs: requests by route and
status, changes by outcome, pull rows, refusals, the head lock's wait and the devices seen — summed over every
worker process — and no user, device or case named in any series."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from drive_tui.sync.engine import sync
from tests.support.central import Central, local_change_ids, new_device, work_on_a_case

pytestmark = pytest.mark.server_metrics


def _samples(central: Central) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    text = httpx.get(f"http://127.0.0.1:{central.metrics_port}/metrics").text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return text, samples


@pytest.mark.parametrize(
    ("database_url", "workers"), [("sqlite", None), ("postgresql", 2)], indirect=True, ids=["sqlite", "postgresql-2"]
)
def test_a_sync_is_counted_across_workers_and_names_nobody(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptops = [new_device(central, tmp_path, "cm1", name=f"laptop-{n}") for n in range(3)]
    made = 0
    for number, laptop in enumerate(laptops):
        work_on_a_case(laptop, f"DRV-{number:04d}")
        made += len(local_change_ids(laptop))
        sync(laptop)  # three syncs: with two workers, both answer some of them
    assert httpx.get(f"{central.url}/v1/hello", headers={"Authorization": "Bearer forged"}).status_code in (401, 426)

    text, samples = _samples(central)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    assert value("drive_central_requests_total", route="/v1/push", method="POST", status="200") >= 3
    assert value("drive_central_requests_total", route="/v1/hello", method="GET", status="200") >= 3
    assert value("drive_central_changes_total", outcome="applied") == made
    assert value("drive_central_changes_total", outcome="rejected") == 0
    assert value("drive_central_pull_rows_total") > 0
    assert value("drive_central_head_lock_wait_seconds_count") >= 3
    assert value("drive_central_request_seconds_count", route="/v1/push") >= 3
    assert (
        value("drive_central_refusals_total", code="protocol_mismatch")
        + value("drive_central_refusals_total", code="unauthenticated")
        >= 1
    )
    assert value("drive_central_devices_seen_last_day", state="active") == 3
    for named in ("cm1", "DRV-0000", "laptop-0", "forged"):  # no user, case, device or token in any series
        assert named not in text


def _an_address_beyond_loopback() -> str | None:
    """This machine's address on its network (the one a packet out would leave from), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the route
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_metrics_port_listens_on_loopback_alone(central: Central, tmp_path: Path) -> None:
    outside = _an_address_beyond_loopback()
    if outside is None:
        pytest.skip("this machine has no address but loopback")
    with pytest.raises(OSError), socket.create_connection((outside, central.metrics_port), timeout=2):
        pass  # refused: nothing listens there
    assert httpx.get(f"http://127.0.0.1:{central.metrics_port}/metrics").status_code == 200
