"""The client of the Alvaria Cloud ("Via") APIs."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple

from ccbridge import _native, services
from ccbridge.models import InitialState, NotReadyType
from ccbridge.stream import EventCallback, StatusCallback, Stream

__all__ = ["ViaClient", "Http2", "InitialState", "NotReadyType"]

#: Which HTTP versions a client speaks (``ViaClient(http2=...)``), as the core names them.
Http2 = Literal["negotiate", "off", "prior_knowledge"]


class ViaClient(services.ServiceAccessors):
    """A client of the Alvaria Cloud ("Via") APIs for one organization.

    Every operation of the API description is a method of a service object, generated from
    it: :attr:`engagement_center` (agent control: ``connect``, ``ready``, ``not_ready``,
    ``keep_alive``, ``disconnect``, interactions...), :attr:`streaming` (sessions,
    ``get_events``, ``acknowledge``, subscriptions), :attr:`messaging`, :attr:`web_token` and
    :attr:`web_client`. Their keyword arguments are the documented body fields in snake case,
    with the documents' defaults, and they return the documented JSON (camelCase keys)::

        client.engagement_center.connect(session_id, "agent-1", attach=False,
                                         initial_state="Idle")
        client.engagement_center.ready(session_id, "agent-1", ehub_session_id=ehub)

    :meth:`stream` runs the event engine on a streaming session of its own (polling,
    acknowledgement, deduplication, session recreation); prefer it to polling
    ``streaming.get_events`` by hand. :meth:`call` reaches any operation by name and
    :meth:`raw` the Via APIs the description does not cover.

    No request is sent until the first call. Every blocking method releases the GIL while
    it waits and has an ``*_async`` twin for asyncio. Errors are
    :class:`ccbridge.Error` subclasses.

    :param org_id: organization id (``{orgId}`` in every path).
    :param client_id: OAuth2 client id.
    :param client_secret: OAuth2 client secret; never printed.
    :param api_key: the ``x-api-key`` value; never printed.
    :param scopes: scopes to request (default: what agent control needs).
    :param base_url: overrides ``https://{org_id}.via.aspect-cloud.net`` (a simulator, other
        domains). Plain ``http://`` is refused unless the host is loopback or
        ``allow_insecure_http`` is set.
    :param token_url: overrides the OAuth2 token endpoint (default:
        ``{base_url}/via/v2/oauth2/token``).
    :param request_timeout: seconds for one ordinary request (default 30).
    :param connect_timeout: seconds for a TCP connect (default 10).
    :param max_attempts: attempts per request, the first included (default 4; 1 disables
        retries).
    :param allow_insecure_http: allow ``http://`` to a host that is not loopback.
    :param max_response_bytes: largest response body read, in bytes (default 16 MiB; 0 is
        refused). It bounds every answer, the token endpoints' included, and reading stops
        once it is passed: a successful answer over it raises :class:`DecodeError`, whose
        message names ``max_response_bytes``; an error answer over it keeps its class, its
        message cut at the limit.
    :param http2: which HTTP versions the client speaks. ``"negotiate"`` (the default):
        HTTP/2 offered in TLS negotiation and spoken when the server picks it, HTTP/1.1
        otherwise and over plain ``http://``, where nothing can negotiate it. ``"off"``:
        HTTP/1.1 only. ``"prior_knowledge"``: HTTP/2 from the first byte, also over plain
        ``http://`` (the simulator, a sidecar proxy that speaks h2c). Over HTTP/2 the
        requests share a few connections instead of one per request in flight, and the
        streams' long polls are spread so that no connection carries more than 100 of them,
        the least a server is recommended to allow (RFC 9113): none waits behind the
        server's limit.
    :param http1_pipelining: whether an event stream with acknowledgement on may write its
        acknowledgement and the poll behind it together on one HTTP/1.1 connection and read
        the two answers in order (default ``True``; RFC 9112 §9.3.2), which saves a round
        trip per batch. It applies wherever the streams' requests go over HTTP/1.1
        (``http2="off"``, plain ``http://`` without prior knowledge, or a server that picks
        HTTP/1.1 in TLS negotiation), not through a proxy set in the environment.
        Something on the way that hands pipelined requests on over separate connections
        could let the poll pass the acknowledgement: the service would hand back events
        already handled, which the stream hides as duplicates and acknowledges again. The
        client stops pipelining for a while by itself when a pipelined poll goes
        unanswered; ``False`` turns it off for good.
    :raises InvalidArgumentError: a value is missing or malformed (``.field`` names it).
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        *,
        org_id: str,
        client_id: str,
        client_secret: str,
        api_key: str,
        scopes: Optional[Sequence[str]] = None,
        base_url: Optional[str] = None,
        token_url: Optional[str] = None,
        request_timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_attempts: Optional[int] = None,
        allow_insecure_http: bool = False,
        max_response_bytes: Optional[int] = None,
        http2: Http2 = "negotiate",
        http1_pipelining: bool = True,
    ) -> None:
        if isinstance(scopes, str):
            raise TypeError("scopes must be a sequence of strings, not a single string")
        if not isinstance(http2, str):
            raise TypeError(
                f"http2 must be 'negotiate', 'off' or 'prior_knowledge', not {type(http2).__name__}"
            )
        if not isinstance(http1_pipelining, bool):
            raise TypeError(f"http1_pipelining must be a bool, not {type(http1_pipelining).__name__}")
        self._native = _native.ViaClient(
            org_id=org_id,
            client_id=client_id,
            client_secret=client_secret,
            api_key=api_key,
            scopes=None if scopes is None else list(scopes),
            base_url=base_url,
            token_url=token_url,
            request_timeout=request_timeout,
            connect_timeout=connect_timeout,
            max_attempts=max_attempts,
            allow_insecure_http=allow_insecure_http,
            max_response_bytes=max_response_bytes,
            http2=http2,
            http1_pipelining=http1_pipelining,
        )

    @property
    def org_id(self) -> str:
        """The organization id."""
        return self._native.org_id

    @property
    def client_id(self) -> str:
        """The OAuth2 client id (not a secret)."""
        return self._native.client_id

    @property
    def base_url(self) -> str:
        """Base URL of the API."""
        return self._native.base_url

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint."""
        return self._native.token_url

    @property
    def scopes(self) -> List[str]:
        """Scopes requested with each token."""
        return self._native.scopes

    def __repr__(self) -> str:
        return repr(self._native)

    def rate_limits(self) -> List[Dict[str, Any]]:
        """The last rate-limit figures the service reported.

        One dict per window: ``{"window": "second", "limit": 100, "remaining": 97}``.
        """
        return self._native.rate_limits()

    # -- generic -------------------------------------------------------------------------

    def call(self, op: str, params: Optional[Mapping[str, Any]] = None) -> Any:
        """Calls any operation by name (see :func:`ccbridge.operations`).

        ``params`` holds the path parameters (``"userId"``), ``"sessionId"`` (for
        session-bound operations), ``"query"`` (a dict), ``"body"`` (the JSON body) and
        ``"extraBody"`` (body fields the documents do not describe yet). Everything is
        checked against the API description before anything is sent.
        Returns the decoded JSON response, or None when the service sent no body.

        :raises InvalidArgumentError: unknown operation, or parameters that do not fit it.
        :raises TypeError: ``params`` holds a value JSON cannot express.
        """
        return self._native.call(op, params)

    async def call_async(self, op: str, params: Optional[Mapping[str, Any]] = None) -> Any:
        """Awaitable :meth:`call`."""
        return await self._native.call_async(op, params)

    def raw(
        self,
        method: str,
        path: str,
        *,
        version: str = "v2",
        query: Optional[Sequence[Tuple[str, str]]] = None,
        session_id: Optional[str] = None,
        body: Any = None,
    ) -> Any:
        """Sends a request to a Via API the documents name but do not describe (provisioning,
        campaign, reporting...), through the same transport as every operation: OAuth2 and
        ``x-api-key``, pacing, retries, typed errors.

        ``path`` is relative to ``/via/{version}/organizations/{orgId}/`` (``"provisioning/users"``);
        its segments are encoded here and cannot leave that prefix. Returns the decoded JSON
        answer, or None when the service sent no body.

        :raises InvalidArgumentError: a bad method, version or path, or a body on GET/DELETE.
        """
        return self._native.raw(
            method, path, version=version, query=None if query is None else list(query),
            session_id=session_id, body=body,
        )

    async def raw_async(
        self,
        method: str,
        path: str,
        *,
        version: str = "v2",
        query: Optional[Sequence[Tuple[str, str]]] = None,
        session_id: Optional[str] = None,
        body: Any = None,
    ) -> Any:
        """Awaitable :meth:`raw`."""
        return await self._native.raw_async(
            method, path, version=version, query=None if query is None else list(query),
            session_id=session_id, body=body,
        )

    # -- Event streams -------------------------------------------------------------------

    def stream(
        self,
        *,
        inactivity_delay: Optional[int] = None,
        require_acknowledgement: Optional[bool] = None,
        max_events: Optional[int] = None,
        buffer_capacity: Optional[int] = None,
        dedupe_window: Optional[int] = None,
        poll_timeout: Optional[float] = None,
        ack_interval: Optional[float] = None,
        shutdown_deadline: Optional[float] = None,
        on_event: Optional[EventCallback] = None,
        on_status: Optional[StatusCallback] = None,
    ) -> Stream:
        """Creates a streaming session and starts the event engine on it.

        Without ``on_event`` the stream is pulled (:meth:`Stream.next_event`, iteration);
        with it, ``on_event`` (and ``on_status``) are called on the stream's dispatcher
        thread. Unset values take the engine's defaults.

        :param inactivity_delay: seconds without a poll before the service drops the
            session, 60..600 (default 120).
        :param require_acknowledgement: keep events queued until acknowledged (default True:
            an event whose handling was interrupted is redelivered, not lost).
        :param max_events: events per poll, 1..200 (default 50).
        :param buffer_capacity: events buffered ahead of the consumer (default 10000).
        :param dedupe_window: recent event ids remembered to hide duplicates (default 10000).
        :param poll_timeout: client read timeout of one poll in seconds (default 25).
        :param ack_interval: seconds acknowledgements are gathered per batch (default 0.05).
        :param shutdown_deadline: seconds :meth:`Stream.stop` lets callbacks drain
            (default 5).
        :param on_event: called with each :class:`~ccbridge.Event`.
        :param on_status: called with each :class:`~ccbridge.StreamStatus` (started,
            session_recreated, retrying, ...); needs ``on_event``.
        :raises InvalidArgumentError: a value out of its documented range.
        """
        return Stream(
            self._native.stream(
                inactivity_delay=inactivity_delay,
                require_acknowledgement=require_acknowledgement,
                max_events=max_events,
                buffer_capacity=buffer_capacity,
                dedupe_window=dedupe_window,
                poll_timeout=poll_timeout,
                ack_interval=ack_interval,
                shutdown_deadline=shutdown_deadline,
                on_event=on_event,
                on_status=on_status,
            )
        )

    async def stream_async(
        self,
        *,
        inactivity_delay: Optional[int] = None,
        require_acknowledgement: Optional[bool] = None,
        max_events: Optional[int] = None,
        buffer_capacity: Optional[int] = None,
        dedupe_window: Optional[int] = None,
        poll_timeout: Optional[float] = None,
        ack_interval: Optional[float] = None,
        shutdown_deadline: Optional[float] = None,
        on_event: Optional[EventCallback] = None,
        on_status: Optional[StatusCallback] = None,
    ) -> Stream:
        """Awaitable :meth:`stream`."""
        native = await self._native.stream_async(
            inactivity_delay=inactivity_delay,
            require_acknowledgement=require_acknowledgement,
            max_events=max_events,
            buffer_capacity=buffer_capacity,
            dedupe_window=dedupe_window,
            poll_timeout=poll_timeout,
            ack_interval=ack_interval,
            shutdown_deadline=shutdown_deadline,
            on_event=on_event,
            on_status=on_status,
        )
        return Stream(native)
