# Stub of the extension module ccbridge._native (Rust, pyo3). Checked against the built
# module by `python -m mypy.stubtest ccbridge._native`; the documented API is the
# pure-Python package around it.

import asyncio
from typing import Any, Callable, Final, final

from ccbridge.errors import Error

__all__ = [
    "ViaClient",
    "Stream",
    "Event",
    "StreamStatus",
    "StreamStats",
    "AgentSession",
    "Simulator",
    "operations",
    "_agent_names",
    "_atexit",
    "__version__",
]

__version__: Final[str]

def operations() -> list[str]: ...
def _agent_names() -> dict[str, list[str]]: ...
def _atexit() -> None: ...

@final
class Event:
    @property
    def kind(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def correlation_id(self) -> str: ...
    @property
    def event_type(self) -> str: ...
    @property
    def published_time(self) -> str: ...
    @property
    def schema_version(self) -> str: ...
    @property
    def payload(self) -> Any: ...
    @property
    def raw_payload(self) -> str: ...
    def typed_payload(self) -> dict[str, Any] | None: ...
    @staticmethod
    def from_wire(envelope: Any) -> Event: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class StreamStatus:
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def session_id(self) -> str | None: ...
    @property
    def old_session_id(self) -> str | None: ...
    @property
    def error(self) -> Error | None: ...

@final
class StreamStats:
    @property
    def polls(self) -> int: ...
    @property
    def events_delivered(self) -> int: ...
    @property
    def duplicates_suppressed(self) -> int: ...
    @property
    def events_acknowledged(self) -> int: ...
    @property
    def sessions_recreated(self) -> int: ...
    @property
    def events_dropped(self) -> int: ...
    def to_dict(self) -> dict[str, int]: ...

@final
class Stream:
    @property
    def session_id(self) -> str: ...
    @property
    def stats(self) -> StreamStats: ...
    @property
    def is_stopping(self) -> bool: ...
    @property
    def callback_mode(self) -> bool: ...
    def next_event(self, timeout: float | None = None) -> Event | None: ...
    def next_item(self, timeout: float | None = None) -> Event | StreamStatus | None: ...
    def next_event_async(self, timeout: float | None = None) -> asyncio.Future[Event | None]: ...
    def statuses(self) -> list[StreamStatus]: ...
    def on_event(self, callback: Callable[[Event], object]) -> Callable[[Event], object]: ...
    def on_status(
        self, callback: Callable[[StreamStatus], object]
    ) -> Callable[[StreamStatus], object]: ...
    def stop(self) -> None: ...
    def stop_async(self) -> asyncio.Future[None]: ...

@final
class ViaClient:
    def __new__(
        cls,
        *,
        org_id: str,
        client_id: str,
        client_secret: str,
        api_key: str,
        scopes: list[str] | None = None,
        base_url: str | None = None,
        token_url: str | None = None,
        request_timeout: float | None = None,
        connect_timeout: float | None = None,
        max_attempts: int | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int | None = None,
        http2: bool = False,
    ) -> ViaClient: ...
    @property
    def org_id(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def token_url(self) -> str: ...
    @property
    def scopes(self) -> list[str]: ...
    def rate_limits(self) -> list[dict[str, Any]]: ...
    def call(self, op: str, params: Any = None) -> Any: ...
    def call_async(self, op: str, params: Any = None) -> asyncio.Future[Any]: ...
    def raw(
        self,
        method: str,
        path: str,
        *,
        version: str = ...,
        query: list[tuple[str, str]] | None = None,
        session_id: str | None = None,
        body: Any = None,
    ) -> Any: ...
    def raw_async(
        self,
        method: str,
        path: str,
        *,
        version: str = ...,
        query: list[tuple[str, str]] | None = None,
        session_id: str | None = None,
        body: Any = None,
    ) -> asyncio.Future[Any]: ...
    def stream(
        self,
        *,
        inactivity_delay: int | None = None,
        require_acknowledgement: bool | None = None,
        max_events: int | None = None,
        buffer_capacity: int | None = None,
        dedupe_window: int | None = None,
        poll_timeout: float | None = None,
        ack_interval: float | None = None,
        shutdown_deadline: float | None = None,
        on_event: Callable[[Event], object] | None = None,
        on_status: Callable[[StreamStatus], object] | None = None,
    ) -> Stream: ...
    def stream_async(
        self,
        *,
        inactivity_delay: int | None = None,
        require_acknowledgement: bool | None = None,
        max_events: int | None = None,
        buffer_capacity: int | None = None,
        dedupe_window: int | None = None,
        poll_timeout: float | None = None,
        ack_interval: float | None = None,
        shutdown_deadline: float | None = None,
        on_event: Callable[[Event], object] | None = None,
        on_status: Callable[[StreamStatus], object] | None = None,
    ) -> asyncio.Future[Stream]: ...

@final
class AgentSession:
    @staticmethod
    def login(
        client: ViaClient,
        user_id: str,
        *,
        initial_state: str | None = None,
        station: str | None = None,
        routeaccess_id: str | None = None,
        email_address: str | None = None,
        keep_alive: float | None = None,
        session_timeout: float | None = None,
        command_timeout: float | None = None,
        login_timeout: float | None = None,
        attach_renewal: float | None = None,
        change_capacity: int | None = None,
        inactivity_delay: int | None = None,
        require_acknowledgement: bool | None = None,
        max_events: int | None = None,
        buffer_capacity: int | None = None,
        dedupe_window: int | None = None,
        poll_timeout: float | None = None,
        ack_interval: float | None = None,
        shutdown_deadline: float | None = None,
    ) -> AgentSession: ...
    @staticmethod
    def login_async(
        client: ViaClient,
        user_id: str,
        *,
        initial_state: str | None = None,
        station: str | None = None,
        routeaccess_id: str | None = None,
        email_address: str | None = None,
        keep_alive: float | None = None,
        session_timeout: float | None = None,
        command_timeout: float | None = None,
        login_timeout: float | None = None,
        attach_renewal: float | None = None,
        change_capacity: int | None = None,
        inactivity_delay: int | None = None,
        require_acknowledgement: bool | None = None,
        max_events: int | None = None,
        buffer_capacity: int | None = None,
        dedupe_window: int | None = None,
        poll_timeout: float | None = None,
        ack_interval: float | None = None,
        shutdown_deadline: float | None = None,
    ) -> asyncio.Future[AgentSession]: ...
    @staticmethod
    def attach(
        client: ViaClient,
        user_id: str,
        *,
        keep_alive: float | None = None,
        session_timeout: float | None = None,
        command_timeout: float | None = None,
        login_timeout: float | None = None,
        attach_renewal: float | None = None,
        change_capacity: int | None = None,
        inactivity_delay: int | None = None,
        require_acknowledgement: bool | None = None,
        max_events: int | None = None,
        buffer_capacity: int | None = None,
        dedupe_window: int | None = None,
        poll_timeout: float | None = None,
        ack_interval: float | None = None,
        shutdown_deadline: float | None = None,
    ) -> AgentSession: ...
    @staticmethod
    def attach_async(
        client: ViaClient,
        user_id: str,
        *,
        keep_alive: float | None = None,
        session_timeout: float | None = None,
        command_timeout: float | None = None,
        login_timeout: float | None = None,
        attach_renewal: float | None = None,
        change_capacity: int | None = None,
        inactivity_delay: int | None = None,
        require_acknowledgement: bool | None = None,
        max_events: int | None = None,
        buffer_capacity: int | None = None,
        dedupe_window: int | None = None,
        poll_timeout: float | None = None,
        ack_interval: float | None = None,
        shutdown_deadline: float | None = None,
    ) -> asyncio.Future[AgentSession]: ...
    @property
    def user_id(self) -> str: ...
    @property
    def ehub_session_id(self) -> str | None: ...
    @property
    def stream_session_id(self) -> str | None: ...
    @property
    def dropped_changes(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def state(self) -> str: ...
    def snapshot(self) -> dict[str, Any]: ...
    def next_change(self, timeout: float | None = None) -> dict[str, Any] | None: ...
    def next_change_async(
        self, timeout: float | None = None
    ) -> asyncio.Future[dict[str, Any] | None]: ...
    def command(
        self, op: str, interaction_id: str | None = None, body: Any = None
    ) -> dict[str, Any]: ...
    def command_async(
        self, op: str, interaction_id: str | None = None, body: Any = None
    ) -> asyncio.Future[dict[str, Any]]: ...
    def logout(self, reason_id: str = ..., timeout: float | None = ...) -> dict[str, Any]: ...
    def logout_async(
        self, reason_id: str = ..., timeout: float | None = ...
    ) -> asyncio.Future[dict[str, Any]]: ...
    def cancel(self) -> dict[str, Any]: ...
    def cancel_async(self) -> asyncio.Future[dict[str, Any]]: ...
    def close(self) -> None: ...
    def close_async(self) -> asyncio.Future[None]: ...
    def set_listener(self, callback: Callable[[dict[str, Any]], object] | None) -> None: ...

@final
class Simulator:
    def __new__(
        cls,
        *,
        port: int = 0,
        poll_wait: float | None = None,
        token_ttl: float | None = None,
        web_token_ttl: float | None = None,
        rate_limit: int | None = None,
        attach_ttl: float | None = None,
        keepalive_timeout: float | None = None,
    ) -> Simulator: ...
    @property
    def url(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def offer(
        self,
        user_id: str,
        media_type: str = ...,
        screen_data: dict[str, Any] | None = None,
        interaction_data: Any = None,
    ) -> str: ...
    def hang_up(self, user_id: str, interaction_id: str) -> None: ...
    def fail_next_login(
        self, user_id: str, fail_code: int | None = None, fail_reason: str | None = None
    ) -> tuple[int, str]: ...
    def agent_info(self, user_id: str) -> dict[str, Any]: ...
