"""The central service's HTTP API (FastAPI). Every request names the protocol version; every request but enrolment
carries a device token; every refusal is an ``ErrorBody``. Nothing here logs request bodies or case data.
"""

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Engine
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drive_tui.central import db
from drive_tui.central.addresses import Network, client_address
from drive_tui.central.intake import Malformed, error_places, parse_push
from drive_tui.central.people import (
    Device,
    EnrolmentRefused,
    TooManyAttempts,
    authenticate,
    enrol,
    record_refusal,
    touch,
)
from drive_tui.central.pull import pull
from drive_tui.central.push import Forbidden, apply_push
from drive_tui.central.request_log import RequestLog, note
from drive_tui.forms.catalogue import FormCatalogue
from drive_tui.sync.protocol import (
    MAX_BODY_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    ChangeOutcome,
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

# The push endpoint parses its own body (``parse_push``); its request model is named here for the OpenAPI schema.


Wire = TypeVar("Wire", bound=BaseModel)


def _parse(model: type[Wire], body: bytes) -> Wire:
    """The request as ``model``, validated strictly from its JSON: no bool for a number, no number for a time.
    NaN and Infinity are not JSON and are refused."""
    try:
        return model.model_validate_json(body, strict=True)
    except ValidationError as exc:
        errors = exc.errors(include_input=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise Refusal(422, ErrorCode.INVALID, "malformed request: the body is not JSON") from None
        raise Refusal(422, ErrorCode.INVALID, "malformed request: " + error_places(errors)) from None


class Refusal(Exception):
    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        wipe: bool = False,
        headers: dict[str, str] | None = None,
        device: Device | None = None,
        logged: bool = False,
    ) -> None:
        super().__init__(message)
        self.status, self.body = status, ErrorBody(code=code, message=message, wipe=wipe)
        self.headers, self.device, self.logged = headers, device, logged


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


_PARSED_BODIES = (EnrolRequest, PushRequest, PullRequest)
"""Request models that their endpoints parse themselves (strictly, from the raw body)."""


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI description of a request body that the endpoint parses itself."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}Body"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def _with_request_schemas(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the self-parsed request models, and what they refer to, to the schema's components."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in _PARSED_BODIES:
        body = model.model_json_schema(ref_template="#/components/schemas/{model}Body")
        for name, definition in body.pop("$defs", {}).items():
            components[f"{name}Body"] = definition
        components[f"{model.__name__}Body"] = body
    return schema


_REFUSALS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (401, 403, 413, 422, 426, 429)}
"""Every refusal is an ``ErrorBody``, so the schema says so for each route."""


PUSHES_AT_ONCE = 1
"""Pushes one worker process works on at a time; the rest wait their turn (in order). Pushes in one process share
its interpreter lock: with 100 at once, the one holding the commit log's lock got a hundredth of it, and every other
push waited for that one (lock wait p95 1.9 s → 12 ms, 200 laptops at once: bench/RESULTS.md). More processes
(``--workers``) are what run pushes side by side."""

ROUTES = ("/healthz", "/readyz", "/v1/enrol", "/v1/hello", "/v1/push", "/v1/pull")
"""The service's routes: the request log names these and calls any other path "other"."""


def create_app(
    engine: Engine, forms: FormCatalogue, *, openapi: bool = False, trusted_proxies: Sequence[Network] = ()
) -> FastAPI:
    """The API over the central store ``engine``; ``forms`` validates submitted assessments. ``openapi`` serves the
    schema at ``/openapi.json`` (for testing the API against it; off in production, like the docs).
    ``trusted_proxies``: the reverse proxies whose ``X-Forwarded-For`` names the client (``central.addresses``)."""

    def _address(request: Request) -> str:
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers.get("x-forwarded-for"), trusted_proxies)

    app = FastAPI(
        title="drive-tui central",
        version=str(PROTOCOL_VERSION),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if openapi else None,
    )
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(RequestLog, routes=ROUTES)  # outermost: a request refused for its size is logged too
    if openapi:
        default = app.openapi

        def described() -> dict[str, Any]:
            if app.openapi_schema is None:
                app.openapi_schema = _with_request_schemas(default())
            return app.openapi_schema

        app.openapi = described  # type: ignore[method-assign]

    @app.exception_handler(Refusal)
    async def _refused(request: Request, exc: Refusal) -> JSONResponse:
        note(request, refusal=exc.body.code.value)
        if not exc.logged and exc.status in (401, 403, 429):
            await run_in_threadpool(_log_refusal, request.url.path, exc, _address(request))
        return JSONResponse(exc.body.model_dump(mode="json"), status_code=exc.status, headers=exc.headers)

    def _log_refusal(path: str, exc: Refusal, address: str) -> None:
        with engine.begin() as connection:
            record_refusal(connection, action=path, reason=exc.body.message, device=exc.device, address=address)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        """The client went before its body was in (a laptop losing its network mid-push): nothing was done, and it
        is no fault of the server's — logged as 499 (no one reads the answer), not as a 500 with a traceback."""
        return Response(status_code=499)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = ErrorBody(code=ErrorCode.INVALID, message="malformed request: " + error_places(exc.errors()))
        note(request, refusal=body.code.value)
        return JSONResponse(body.model_dump(mode="json"), status_code=422)

    def protocol(x_drive_protocol: Annotated[str | None, Header(alias=PROTOCOL_HEADER)] = None) -> None:
        if x_drive_protocol != str(PROTOCOL_VERSION):
            raise Refusal(
                426,
                ErrorCode.PROTOCOL_MISMATCH,
                f"this server speaks sync protocol {PROTOCOL_VERSION}, the client {x_drive_protocol or 'none'}"
                ": update drive-tui",
            )

    def token_of(authorization: str | None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Refusal(401, ErrorCode.UNAUTHENTICATED, "no device token: enrol this device first")
        return token

    def judged(found: Device | None) -> Device:
        """The device a token names, if it may still sync; else the refusal that says why."""
        if found is None or not found.user.active:
            raise Refusal(401, ErrorCode.UNAUTHENTICATED, "this device token is not valid: enrol again")
        if found.state is DeviceState.LOST:
            raise Refusal(
                403, ErrorCode.DEVICE_LOST, "this device was reported lost or stolen", wipe=True, device=found
            )
        if not found.may_push(datetime.now(UTC)):
            raise Refusal(
                403,
                ErrorCode.DEVICE_LOST,
                "this device was retired and told to wipe its store",
                wipe=True,
                device=found,
            )
        return found

    single_reads = engine.execution_options(isolation_level="AUTOCOMMIT")  # one statement, no BEGIN nor ROLLBACK

    def authenticated(authorization: str | None) -> Device:
        token = token_of(authorization)
        with single_reads.connect() as connection:
            return judged(authenticate(connection, token))

    def standing(authorization: str | None) -> Callable[[Connection], Device]:
        """The device as it stands in the transaction that acts for it (push, pull): a client may send its body as
        slowly as it likes, and a device reported lost, or a user's sites changed, since its headers came must
        count — up to the moment of the write, not only until the body is in."""
        token = token_of(authorization)
        return lambda connection: judged(authenticate(connection, token))

    def device(request: Request, authorization: Annotated[str | None, Header()] = None) -> Device:
        """The device, checked before its body is read: nothing is read from a client without a valid token."""
        found = authenticated(authorization)
        note(request, device=found.id, user=found.user.username)
        return found

    def active(found: Annotated[Device, Depends(device)]) -> Device:
        if found.state is not DeviceState.ACTIVE:
            raise Refusal(
                403,
                ErrorCode.DEVICE_RETIRED,
                "this device is retired: push pending work, then it is wiped",
                wipe=False,
                device=found,
            )
        return found

    def _server_id() -> str:
        with engine.connect() as connection:
            return db.server_id(connection)

    @app.get("/healthz", include_in_schema=False)
    async def get_healthz() -> dict[str, str]:
        """The process is alive: for a supervisor of processes. No authentication, no data."""
        return {"status": "alive"}

    @app.get("/readyz", include_in_schema=False)
    async def get_readyz() -> JSONResponse:
        """Ready to serve: the database reachable and at this release's schema, the forms loaded — for a load
        balancer. No authentication, no data: 200, or 503 saying what is wrong in general terms."""
        problems = await run_in_threadpool(db.readiness_problems, engine)
        if not forms.newest():
            problems.append("no assessment forms are loaded")
        return JSONResponse(
            {"status": "not ready", "problems": problems} if problems else {"status": "ready"},
            status_code=503 if problems else 200,
            headers={"Cache-Control": "no-store"},
        )

    pushing = asyncio.Semaphore(PUSHES_AT_ONCE)

    guarded: Any = [Depends(protocol)]
    route: dict[str, Any] = {"dependencies": guarded, "responses": _REFUSALS}

    @app.post("/v1/enrol", **route, response_model=EnrolResponse, openapi_extra=_body(EnrolRequest))
    async def post_enrol(raw: Request) -> EnrolResponse:
        request = _parse(EnrolRequest, await raw.body())
        try:
            found, token = await run_in_threadpool(
                enrol, engine, request.code, request.device_name, address=_address(raw)
            )
        except TooManyAttempts as exc:
            raise Refusal(
                429, ErrorCode.TOO_MANY_ATTEMPTS, str(exc), headers={"Retry-After": str(exc.retry_after)}, logged=True
            ) from None
        except EnrolmentRefused as exc:
            raise Refusal(403, ErrorCode.ENROLMENT, str(exc), logged=True) from None
        note(raw, device=found.id, user=found.user.username)
        identity = await run_in_threadpool(_server_id)
        return EnrolResponse(
            server_id=identity,
            device_id=found.id,
            token=token,
            user=found.user.username,
            role=found.user.role,
            sites=found.user.sites,
        )

    @app.get("/v1/hello", **route)
    def get_hello(request: Request, authorization: Annotated[str | None, Header()] = None) -> HelloResponse:
        """Every sync starts here: the device's visit is recorded, and the store's identity and head given, in one
        transaction."""
        token = token_of(authorization)
        with engine.begin() as connection:
            found = judged(authenticate(connection, token))
            # told to wipe now, if retired: it may finish this sync's push, no more
            touch(connection, found.id, synced=False, wipe_ordered=found.state is DeviceState.RETIRED)
            identity = db.server_id(connection)
            seq, stamp = db.head(connection)
        note(request, device=found.id, user=found.user.username)
        return HelloResponse(
            protocol=PROTOCOL_VERSION,
            server_id=identity,
            device_id=found.id,
            device_state=found.state,
            user=found.user.username,
            role=found.user.role,
            sites=found.user.sites,
            accepted_changes=found.accepted_changes,
            head=Cursor(seq=seq, stamp=stamp),
        )

    # Push and pull parse and write their JSON with pydantic-core directly: for batches of a thousand changes that
    # is several times faster than FastAPI's generic body and response handling.

    @app.post("/v1/push", **route, response_model=PushResponse, openapi_extra=_body(PushRequest))
    async def post_push(
        raw: Request, found: Annotated[Device, Depends(device)], authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        body = await raw.body()
        timings: dict[str, float] = {}
        try:
            changes = parse_push(body)
            # A retired device may still push: unsynced work is never destroyed by a retire.
            async with pushing:
                answer = await run_in_threadpool(
                    apply_push,
                    engine,
                    found,
                    changes,
                    forms,
                    nul_possible=b"\\u0000" in body,
                    timings=timings,
                    standing=standing(authorization),
                )
        except Malformed as exc:
            raise Refusal(422, ErrorCode.INVALID, f"malformed request: {exc}") from None
        except Forbidden as exc:
            raise Refusal(403, ErrorCode.FORBIDDEN, str(exc), device=found, logged=True) from None
        outcomes = Counter(result.outcome for result in answer.results)
        note(
            raw,
            applied=outcomes[ChangeOutcome.APPLIED] + outcomes[ChangeOutcome.CONFLICT],
            conflict=outcomes[ChangeOutcome.CONFLICT] or None,
            held=outcomes[ChangeOutcome.HELD] or None,
            rejected=outcomes[ChangeOutcome.REJECTED],
            duplicate=outcomes[ChangeOutcome.DUPLICATE],
            lock_ms=round(timings.get("lock_wait_ms", 0.0), 1),
            decided_again=1 if timings.get("decided_again") else None,
        )
        return Response(answer.model_dump_json(), media_type="application/json")

    @app.post("/v1/pull", **route, response_model=PullResponse, openapi_extra=_body(PullRequest))
    async def post_pull(
        raw: Request, found: Annotated[Device, Depends(active)], authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        request = _parse(PullRequest, await raw.body())
        judge = standing(authorization)
        answer = await run_in_threadpool(pull, engine, found, request, standing=lambda c: active(judge(c)))
        sent = (answer.cases, answer.assessments, answer.reviews, answer.conflicts, answer.work_log)
        note(raw, rows=sum(len(rows) for rows in sent))
        return Response(answer.model_dump_json(), media_type="application/json")

    return app
