"""What a push request holds, typed before any rule runs: each change parsed strictly into the model of its
operation (``sync.protocol.Change``), or, where its payload does not fit, kept ``Unparsed`` to be rejected whole and
quarantined. Nothing here touches a database."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json, to_json

from drive_tui.domain.models import SAFE_INT
from drive_tui.sync.protocol import Change, ChangeEnvelope, EnvelopeRequest, PushRequest

CHANGE: TypeAdapter[Change] = TypeAdapter(Change)


@dataclass(frozen=True, slots=True)
class Unparsed:
    """A change whose payload is not what its operation takes: rejected, and kept as it came."""

    envelope: ChangeEnvelope
    reason: str

    @property
    def change_id(self) -> str:
        return self.envelope.change_id


Incoming = Change | Unparsed


class Malformed(Exception):
    """A request that is not a push at all (not JSON, no changes, an envelope that does not parse): 422."""


def parse_push(body: bytes) -> list[Incoming]:
    """The changes of a push request, each typed by its operation; a change whose payload does not fit its
    operation comes back ``Unparsed``, to be rejected and kept. Strict, from JSON: no bool for a number, no number for
    a time, every integer within what the stores keep exactly. The whole batch is validated in one pass; only when
    something in it is wrong is each change looked at alone, to tell the bad from the good."""
    try:
        return list(PushRequest.model_validate_json(body, strict=True).changes)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise Malformed("the body is not JSON") from None
    try:
        from_json(body, allow_inf_nan=False)  # NaN and Infinity are not JSON, though the parser would take them
    except ValueError:
        raise Malformed("the body is not JSON") from None
    try:
        envelopes = EnvelopeRequest.model_validate_json(body, strict=True).changes
    except ValidationError as exc:
        raise Malformed(error_places(exc.errors(include_input=False))) from None
    parsed: list[Incoming] = []
    for envelope in envelopes:
        try:
            # Infinity stays Infinity (a type error), never the null that JSON would make of it.
            encoded = to_json(envelope.model_dump(), inf_nan_mode="constants")
            parsed.append(CHANGE.validate_json(encoded, strict=True))
        except ValidationError as exc:
            parsed.append(Unparsed(envelope, "invalid: " + error_places(exc.errors(include_input=False), skip=1)))
    return parsed


def error_places(errors: list[Any], *, skip: int = 0) -> str:
    """Where a request is wrong, never what it held: a place named by a key the request chose is shown as ``…``."""
    return ", ".join(sorted({".".join(map(place, error["loc"][skip:])) or "body" for error in errors})[:20])


def place(part: object) -> str:
    text = str(part)
    return text if _SAFE_PLACE.fullmatch(text) else "…"


_SAFE_PLACE = re.compile(r"[A-Za-z0-9_.\[\]-]{1,64}")


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    return False


def storable(value: Any) -> Any:
    """``value`` as either database keeps it: U+0000 (which PostgreSQL refuses) becomes U+FFFD, and a number that
    is not finite or not exact in JSON becomes text — so that a rejected change can be kept for an administrator."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return value if abs(value) <= SAFE_INT else str(value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return str(value)


def fingerprint(change: Incoming) -> bytes:
    """What a change says, to tell a change id sent twice for one change from one used for two."""
    return to_json(change.envelope if isinstance(change, Unparsed) else change)
