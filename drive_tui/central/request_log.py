"""One JSON line per request, for an operator to read and a DPO to accept: when, which route, the status, how long,
how many bytes, which device and user, and for a push how many changes were applied, rejected or duplicates and how
long it waited for the commit log's lock — never
a value, a note, a reference, a token or a path a client made up (an unknown path is logged as "other").

The endpoints add what only they know (``note(request, …)``); ``RequestLog`` wraps the whole app, so a request
refused before any endpoint ran (a bad token, a body too large, a malformed one) is logged too. The same line is
counted in the service's metrics (``central.metrics``)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drive_tui.central.metrics import observe

log = logging.getLogger("drive_tui.central.requests")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

FIELDS = (
    "device",
    "user",
    "applied",
    "conflict",
    "held",
    "rejected",
    "duplicate",
    "rows",
    "lock_ms",
    "decided_again",
    "refusal",
)
"""What an endpoint may add, each a code or a count: nothing else reaches the line."""


def note(request: Request, **facts: str | int | float | None) -> None:
    """Add facts (``FIELDS``) to the request's log line."""
    unknown = set(facts) - set(FIELDS)
    if unknown:
        raise ValueError(f"not a request-log field: {sorted(unknown)}")
    request.scope.setdefault("state", {}).setdefault("request_log", {}).update(facts)


class RequestLog:
    def __init__(self, app: ASGIApp, routes: Collection[str]) -> None:
        self.app, self.routes = app, frozenset(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sizes = {"in": 0, "out": 0}
        status = {"code": 500}

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                sizes["in"] += len(message.get("body", b""))
            return message

        async def counted_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            elif message["type"] == "http.response.body":
                sizes["out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counted_receive, counted_send)
        finally:
            line = self._line(scope, status["code"], sizes, started)
            observe(line)
            if log.isEnabledFor(logging.INFO):
                log.info(json.dumps(line, separators=(",", ":")))

    def _line(self, scope: Scope, status: int, sizes: dict[str, int], started: float) -> dict[str, Any]:
        path = scope.get("path", "")
        facts: dict[str, Any] = scope.get("state", {}).get("request_log", {})
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "route": path if path in self.routes else "other",
            "method": method if (method := scope.get("method", "")) in METHODS else "other",  # a client's own word
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "bytes_in": sizes["in"],
            "bytes_out": sizes["out"],
            **{key: facts[key] for key in FIELDS if facts.get(key) is not None},
        }
        return line
