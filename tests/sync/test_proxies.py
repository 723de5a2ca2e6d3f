"""Behind a reverse proxy: the client's address comes from X-Forwarded-For only when the peer is a configured
trusted proxy, and only from the hops the trusted proxies added — for the enrolment rate limit and the log."""

from __future__ import annotations

import pytest

from drive_tui.central.addresses import client_address, networks
from drive_tui.central.people import ENROLMENT_ATTEMPTS
from tests.support.central import Central, http_client

PROXY = networks(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "believed"),
    [
        ("203.0.113.9", None, PROXY, "203.0.113.9"),  # no proxy in between
        ("203.0.113.9", "198.51.100.1", PROXY, "203.0.113.9"),  # an untrusted peer's header is ignored
        ("127.0.0.1", "198.51.100.1", PROXY, "198.51.100.1"),  # the trusted proxy says who it was
        ("127.0.0.1", "198.51.100.1", (), "127.0.0.1"),  # no proxy configured: nobody's header is believed
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", PROXY, "198.51.100.1"),  # the client's own entry is not believed
        ("127.0.0.1", "198.51.100.1, 10.1.2.3", PROXY, "198.51.100.1"),  # past a second trusted proxy
        ("127.0.0.1", "10.1.2.3", PROXY, "10.1.2.3"),  # every hop trusted: the farthest
        ("127.0.0.1", "198.51.100.1, not-an-address", PROXY, "127.0.0.1"),  # malformed: stop at the proxy
        ("127.0.0.1", "2001:db8::1", PROXY, "2001:db8::1"),
        (None, "198.51.100.1", PROXY, "unknown"),
    ],
)
def test_the_client_address_believed(peer: str | None, forwarded: str | None, trusted, believed: str) -> None:  # type: ignore[no-untyped-def]
    assert client_address(peer, forwarded, trusted) == believed


def test_a_setting_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValueError, match="not an address or a network"):
        networks(["10.0.0.0/8", "proxy.example"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_rate_limit_follows_the_forwarded_client_behind_a_trusted_proxy(central: Central) -> None:
    central.stop()
    central.trusted_proxies = ("127.0.0.1",)
    central.start()
    wrong = {"code": "AAAA-BBBB-CCCC", "device_name": "x"}
    with http_client(central) as http:
        for _ in range(ENROLMENT_ATTEMPTS):
            assert http.post("/v1/enrol", json=wrong, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 403
        limited = http.post("/v1/enrol", json=wrong, headers={"X-Forwarded-For": "198.51.100.1"})
        other = http.post("/v1/enrol", json=wrong, headers={"X-Forwarded-For": "198.51.100.2"})
    assert limited.status_code == 429 and other.status_code == 403  # one client limited, not everyone behind it


@pytest.mark.server_process  # the command's own uvicorn: left to its defaults it believed the header from loopback
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_trusted_proxy_a_forged_header_does_not_dodge_the_limit(central: Central) -> None:
    wrong = {"code": "AAAA-BBBB-CCCC", "device_name": "x"}
    with http_client(central) as http:
        for attempt in range(ENROLMENT_ATTEMPTS):
            forged = {"X-Forwarded-For": f"198.51.100.{attempt}"}
            assert http.post("/v1/enrol", json=wrong, headers=forged).status_code == 403
        assert http.post("/v1/enrol", json=wrong, headers={"X-Forwarded-For": "192.0.2.77"}).status_code == 429
