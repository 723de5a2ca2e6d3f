"""The HTTP client of the sync protocol (httpx). Plain ``http://`` only to this machine; TLS always verified.

Every failure becomes a ``SyncError`` whose message is one clear line and whose ``kind`` the CLI maps to an exit
status: the server unreachable, this device revoked, TLS failure, protocol version mismatch, refused, or a server error.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from drive_tui.sync.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    Cursor,
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

Model = TypeVar("Model", bound=BaseModel)


class FailureKind(StrEnum):
    UNREACHABLE = "unreachable"
    REVOKED = "revoked"
    TLS = "tls"
    VERSION = "version"
    REFUSED = "refused"
    SERVER = "server"
    USAGE = "usage"


class SyncError(Exception):
    def __init__(self, kind: FailureKind, message: str, *, wipe: bool = False) -> None:
        super().__init__(message)
        self.kind, self.wipe = kind, wipe


def check_url(url: str) -> str:
    """``url`` without a trailing slash, if it is https, or http to loopback; else a SyncError."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url.rstrip("/")
    if parts.scheme == "http" and is_loopback(host):
        return url.rstrip("/")
    if parts.scheme == "http":
        raise SyncError(FailureKind.USAGE, "plain http:// is refused except to this machine (loopback): use https://")
    raise SyncError(FailureKind.USAGE, f"not a server address: {url!r} (expected https://host[:port])")


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address: the only place plain HTTP may go (or be served)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Client:
    """One central service, as one device (or, before enrolment, as nobody)."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        ca_file: str | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = check_url(url)
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "User-Agent": f"drive-tui/{PROTOCOL_VERSION}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Plain http (loopback only, see check_url) has no TLS to verify: skip building a CA store (~45 ms).
        plain = self.url.startswith("http://")
        verify: Any = False if plain else ssl.create_default_context(cafile=ca_file) if ca_file else True
        self._http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=timeout,
            verify=verify,
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def enrol(self, code: str, device_name: str) -> EnrolResponse:
        return self._call("POST", "/v1/enrol", EnrolRequest(code=code, device_name=device_name), EnrolResponse)

    def hello(self) -> HelloResponse:
        return self._call("GET", "/v1/hello", None, HelloResponse)

    def send_push(self, request: PushRequest | bytes, *, on_sent: Callable[[], None] | None = None) -> bytes:
        """Send one batch — a ``PushRequest`` or its JSON already encoded (``protocol.encode_push``) — and return
        the server's answer unread: a caller sending batch after batch sends the next before reading this one's
        answer with ``read_push``. ``on_sent`` is called once the whole body is written, while the server works."""
        if on_sent is None:
            return self._send("POST", "/v1/push", request)
        body = request.model_dump_json().encode("utf-8") if isinstance(request, PushRequest) else request
        return self._send("POST", "/v1/push", _then(body, on_sent), length=len(body))

    def read_push(self, answer: bytes) -> PushResponse:
        return _read(answer, PushResponse)

    def pull(self, cursor: Cursor, limit: int | None = None) -> PullResponse:
        request = PullRequest(cursor=cursor) if limit is None else PullRequest(cursor=cursor, limit=limit)
        return self._call("POST", "/v1/pull", request, PullResponse)

    def _call(self, method: str, path: str, body: BaseModel | bytes | None, answer: type[Model]) -> Model:
        return _read(self._send(method, path, body), answer)

    def _send(
        self, method: str, path: str, body: BaseModel | bytes | Iterator[bytes] | None, *, length: int | None = None
    ) -> bytes:
        """The body of a 200 answer; any other outcome is a SyncError."""
        content = body.model_dump_json().encode("utf-8") if isinstance(body, BaseModel) else body
        headers = {"Content-Type": "application/json"} if content is not None else None
        if headers is not None and length is not None:
            headers["Content-Length"] = str(length)  # a streamed body, sent whole: not chunked
        try:
            response = self._http.request(method, path, content=content, headers=headers)
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, ssl.SSLError) or "CERTIFICATE" in str(exc).upper() or "SSL" in str(exc):
                raise SyncError(
                    FailureKind.TLS,
                    f"TLS failure talking to {self.url}: the server's certificate "
                    "could not be verified (give its CA with --ca-file)",
                ) from None
            raise SyncError(FailureKind.UNREACHABLE, f"the central server at {self.url} cannot be reached") from None
        except httpx.TimeoutException:
            raise SyncError(
                FailureKind.UNREACHABLE, f"the central server at {self.url} did not answer in time"
            ) from None
        except httpx.TransportError:
            raise SyncError(FailureKind.UNREACHABLE, f"the connection to {self.url} failed") from None
        if response.status_code == 200:
            return response.content
        raise _failure(response)


def _then(body: bytes, done: Callable[[], None]) -> Iterator[bytes]:
    yield body
    done()


def _read(content: bytes, answer: type[Model]) -> Model:
    try:
        return answer.model_validate_json(content)
    except ValidationError:
        raise SyncError(FailureKind.SERVER, "the server's answer was not understood") from None


def _failure(response: httpx.Response) -> SyncError:
    try:
        error: ErrorBody | None = ErrorBody.model_validate_json(response.content)
    except ValidationError:
        error = None
    message = error.message if error else f"the server answered {response.status_code}"
    wipe = bool(error and error.wipe)
    if error and error.code is ErrorCode.PROTOCOL_MISMATCH:
        return SyncError(FailureKind.VERSION, f"version mismatch: {message}")
    if error and error.code in (ErrorCode.DEVICE_LOST, ErrorCode.UNAUTHENTICATED, ErrorCode.DEVICE_RETIRED):
        return SyncError(FailureKind.REVOKED, f"this device's access is revoked: {message}", wipe=wipe)
    if response.status_code in (401, 403, 404, 413, 422):
        return SyncError(FailureKind.REFUSED, f"the server refused the request: {message}", wipe=wipe)
    return SyncError(FailureKind.SERVER, f"server error: {message}")
