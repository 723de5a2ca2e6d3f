"""The central service's HTTP API (FastAPI). Every request names the protocol version; every request but enrolment
carries a device token; every refusal is an ``ErrorBody``. Nothing here logs request bodies or case data.
"""


from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drive_tui.central import db
from drive_tui.central.people import Device, EnrolmentRefused, authenticate, enrol, touch
from drive_tui.central.pull import pull
from drive_tui.central.push import Forbidden, apply_push
from drive_tui.forms.catalogue import FormCatalogue
from drive_tui.sync.protocol import (
    MAX_BODY_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    Cursor,
    DeviceState,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    ErrorCode,
    HelloResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)


Wire = TypeVar("Wire", bound=BaseModel)


def _parse(model: type[Wire], body: bytes) -> Wire:
    """The request as ``model``. The JSON is decoded first and validated as Python objects: for a push of
    thousands of changes with free-form payloads that is twice as fast as validating the JSON directly. NaN and
    Infinity are not JSON and are refused (PostgreSQL would refuse them later, in the middle of a batch)."""
    try:
        data = from_json(body, allow_inf_nan=False)
    except ValueError:
        raise Refusal(422, ErrorCode.INVALID, "malformed request: the body is not JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refusal(422, ErrorCode.INVALID, "malformed request: " + _places(exc.errors(include_input=False))) from None


def _places(errors: Sequence[Any]) -> str:
    """Where a request is wrong, never what it held."""
    return ", ".join(sorted({".".join(str(p) for p in error["loc"]) or "body" for error in errors})[:20])


class Refusal(Exception):
    def __init__(self, status: int, code: ErrorCode, message: str, *, wipe: bool = False) -> None:
        super().__init__(message)
        self.status, self.body = status, ErrorBody(code=code, message=message, wipe=wipe)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 — by the declared length before reading anything,
    and by counting as the body streams in (a client may lie or send chunks)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(scope, receive, send)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, counting, send)
        except _BodyTooLarge:
            await _too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    body = ErrorBody(code=ErrorCode.TOO_LARGE, message=f"request body over {MAX_BODY_BYTES} bytes")
    await JSONResponse(body.model_dump(mode="json"), status_code=413)(scope, receive, send)


def create_app(engine: Engine, forms: FormCatalogue) -> FastAPI:
    """The API over the central store ``engine``; ``forms`` validates submitted assessments."""
    app = FastAPI(title="drive-tui central", version=str(PROTOCOL_VERSION), docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    @app.exception_handler(Refusal)
    async def _refused(_request: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(exc.body.model_dump(mode="json"), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        body = ErrorBody(code=ErrorCode.INVALID, message="malformed request: " + _places(exc.errors()))
        return JSONResponse(body.model_dump(mode="json"), status_code=422)

    def protocol(x_drive_protocol: Annotated[str | None, Header(alias=PROTOCOL_HEADER)] = None) -> None:
        if x_drive_protocol != str(PROTOCOL_VERSION):
            raise Refusal(426, ErrorCode.PROTOCOL_MISMATCH,
                          f"this server speaks sync protocol {PROTOCOL_VERSION}, the client {x_drive_protocol or 'none'}"
                          ": update drive-tui")

    def authenticated(authorization: str | None, *, seen: bool) -> Device:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Refusal(401, ErrorCode.UNAUTHENTICATED, "no device token: enrol this device first")
        with engine.begin() as connection:
            found = authenticate(connection, token)
            if found is not None and seen:
                touch(connection, found.id, synced=False)
        if found is None or not found.user.active:
            raise Refusal(401, ErrorCode.UNAUTHENTICATED, "this device token is not valid: enrol again")
        if found.state is DeviceState.LOST:
            raise Refusal(403, ErrorCode.DEVICE_LOST, "this device was reported lost or stolen", wipe=True)
        return found

    def device(authorization: Annotated[str | None, Header()] = None) -> Device:
        return authenticated(authorization, seen=False)

    def visiting(authorization: Annotated[str | None, Header()] = None) -> Device:
        """The device, its visit recorded: every sync starts with hello (a push records its sync itself)."""
        return authenticated(authorization, seen=True)

    def active(found: Annotated[Device, Depends(device)]) -> Device:
        if found.state is not DeviceState.ACTIVE:
            raise Refusal(403, ErrorCode.DEVICE_RETIRED, "this device is retired: push pending work, then it is wiped",
                          wipe=False)
        return found

    guarded: Any = [Depends(protocol)]

    @app.post("/v1/enrol", dependencies=guarded)
    def post_enrol(request: EnrolRequest) -> EnrolResponse:
        try:
            found, token = enrol(engine, request.code, request.device_name)
        except EnrolmentRefused as exc:
            raise Refusal(403, ErrorCode.ENROLMENT, str(exc)) from None
        with engine.connect() as connection:
            identity = db.server_id(connection)
        return EnrolResponse(server_id=identity, device_id=found.id, token=token, user=found.user.username,
                             role=found.user.role, sites=found.user.sites)

    @app.get("/v1/hello", dependencies=guarded)
    def get_hello(found: Annotated[Device, Depends(visiting)]) -> HelloResponse:
        with engine.connect() as connection:
            identity = db.server_id(connection)
            seq, stamp = db.head(connection)
        return HelloResponse(protocol=PROTOCOL_VERSION, server_id=identity, device_id=found.id,
                             device_state=found.state, user=found.user.username, role=found.user.role,
                             sites=found.user.sites, accepted_changes=found.accepted_changes,
                             head=Cursor(seq=seq, stamp=stamp))

    # Push and pull parse and write their JSON with pydantic-core directly: for batches of a thousand changes that
    # is several times faster than FastAPI's generic body and response handling.

    @app.post("/v1/push", dependencies=guarded, response_model=PushResponse)
    async def post_push(raw: Request, found: Annotated[Device, Depends(device)]) -> Response:
        body = await raw.body()
        request = _parse(PushRequest, body)
        # A retired device may still push: unsynced work is never destroyed by a retire.
        try:
            answer = await run_in_threadpool(apply_push, engine, found, request, forms,
                                             nul_possible=b"\\u0000" in body)
        except Forbidden as exc:
            raise Refusal(403, ErrorCode.FORBIDDEN, str(exc)) from None
        return Response(answer.model_dump_json(), media_type="application/json")

    @app.post("/v1/pull", dependencies=guarded, response_model=PullResponse)
    async def post_pull(raw: Request, found: Annotated[Device, Depends(active)]) -> Response:
        request = _parse(PullRequest, await raw.body())
        answer = await run_in_threadpool(pull, engine, found, request)
        return Response(answer.model_dump_json(), media_type="application/json")

    return app
