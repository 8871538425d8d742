"""The simulator of the APIs, embedded: develop and test offline, in the same process."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Type

from ccbridge import _native, models
from ccbridge.client import ViaClient

__all__ = ["Simulator"]


class Simulator:
    """The simulator of the Alvaria Cloud ("Via") APIs, running inside this process.

    It is the stateful simulator every ccbridge test runs against (``ccbridge sim`` on the
    command line): OAuth2 and ``x-api-key``, the Engagement Center commands with the events
    they cause, streaming sessions with long polls, the public chat, rate limits. It listens
    on ``127.0.0.1`` on a thread of its own and is reached over HTTP like the real service,
    so a :class:`ViaClient` of it behaves exactly as one of the service does::

        with ccbridge.Simulator(poll_wait=0.5) as sim:
            client = sim.client()
            with client.stream() as stream:
                client.engagement_center.connect(stream.session_id, "agent-1",
                                                 attach=False, initial_state="Idle")
                print(stream.next_event(timeout=5))

    Its agent state machine plays the contact center's side of an agent's day: routed work
    (:meth:`offer`), a caller hanging up (:meth:`hang_up`), a refused login
    (:meth:`fail_next_login`), and the model it keeps of each agent (:meth:`agent_info`).
    Its control API (plain HTTP under ``{url}/sim/``, see ``tests/sim/README.md`` in the
    repository) also injects events, customer chats and faults, and expires sessions and
    tokens. Its log records go to the ``logging`` logger ``ccbridge.sim``.

    :meth:`close` (or leaving the ``with`` block) stops it; so does interpreter exit, after
    the streams (which still delete their sessions on it). It is an in-memory test double:
    nothing persists, and it accepts the fixed credentials of :attr:`org_id`,
    :attr:`client_id`, :attr:`client_secret` and :attr:`api_key`.

    :param port: port on ``127.0.0.1``; 0 (the default) picks a free one.
    :param poll_wait: seconds ``GET /events`` waits when no event is queued (default: the
        documented 15; shorten it in tests).
    :param token_ttl: lifetime of the access tokens it issues, in seconds (default 3600).
    :param web_token_ttl: lifetime of the web tokens (public chat), in seconds (default 3600).
    :param rate_limit: requests per second before it answers 429 (default 100; 0: unlimited).
    :param attach_ttl: lifetime in seconds of an agent attachment (``connect`` with
        ``attach``) that is not renewed (default: the documented 30 minutes).
    :param keepalive_timeout: seconds an agent that sent a keepAlive without
        ``sessionTimeout`` may go without the next one before it is logged out (default 90).
    :raises InvalidArgumentError: a value is out of range (``.field`` names it).
    :raises TransportError: it cannot listen (the port is taken).
    :raises RuntimeError: this build of ccbridge has no simulator (built without the
        ``simulator`` feature).
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        *,
        port: int = 0,
        poll_wait: Optional[float] = None,
        token_ttl: Optional[float] = None,
        web_token_ttl: Optional[float] = None,
        rate_limit: Optional[int] = None,
        attach_ttl: Optional[float] = None,
        keepalive_timeout: Optional[float] = None,
    ) -> None:
        native = getattr(_native, "Simulator", None)
        if native is None:
            raise RuntimeError(
                "this build of ccbridge has no embedded simulator (it was built without the "
                "`simulator` cargo feature)"
            )
        self._native: _native.Simulator = native(
            port=port,
            poll_wait=poll_wait,
            token_ttl=token_ttl,
            web_token_ttl=web_token_ttl,
            rate_limit=rate_limit,
            attach_ttl=attach_ttl,
            keepalive_timeout=keepalive_timeout,
        )

    @property
    def url(self) -> str:
        """Its base URL, ``http://127.0.0.1:PORT``: the ``base_url`` of a client of it."""
        return self._native.url

    @property
    def org_id(self) -> str:
        """The only organization id it knows (``"simorg"``)."""
        return self._native.org_id

    @property
    def client_id(self) -> str:
        """The OAuth2 client id it accepts."""
        return self._native.client_id

    @property
    def client_secret(self) -> str:
        """The OAuth2 client secret it accepts (a fixed test value)."""
        return self._native.client_secret

    @property
    def api_key(self) -> str:
        """The ``x-api-key`` value it requires (a fixed test value)."""
        return self._native.api_key

    @property
    def closed(self) -> bool:
        """Whether it was stopped."""
        return self._native.closed

    def client(self, **overrides: Any) -> ViaClient:
        """A :class:`ViaClient` of this simulator, with the credentials it accepts.

        Keyword arguments are those of :class:`ViaClient` and replace the defaults
        (``sim.client(client_secret="wrong")``, ``sim.client(max_attempts=1)``).
        """
        kwargs: Dict[str, Any] = dict(
            org_id=self.org_id,
            client_id=self.client_id,
            client_secret=self.client_secret,
            api_key=self.api_key,
            base_url=self.url,
        )
        kwargs.update(overrides)
        return ViaClient(**kwargs)

    def close(self) -> None:
        """Stops it and waits until it has (the GIL is released meanwhile). Clients of it
        then fail with :class:`TransportError`; stop their streams first. Idempotent."""
        self._native.close()

    # -- the agent state machine -----------------------------------------------------------

    def offer(
        self,
        user_id: str,
        media_type: models.MediaType = "InboundACD",
        screen_data: Optional[Mapping[str, Any]] = None,
        interaction_data: Optional[Sequence[models.InteractionDataItem]] = None,
    ) -> str:
        """Routes new work to an agent, as the contact center's ACD would: a new
        interaction, offered, and its ``engagementCenter.ScreenPop``. Returns its
        interaction id.

        The screen pop carries made-up caller data (``ani`` ``"6035551212"``,
        ``callerId``, ``firstName``, ``lastName``, ``dnis``...) with ``screen_data`` merged
        over it, and ``interaction_data`` as its user fields (``{"key", "value",
        "isMasked"}`` items).

        :raises ConflictError: the agent is not logged in, not Idle, or has work already
            (work is routed to idle agents only).
        :raises InvalidArgumentError: ``media_type`` is not a MediaType of the description,
            or an item of ``interaction_data`` is malformed.
        """
        return self._native.offer(
            user_id,
            media_type,
            None if screen_data is None else dict(screen_data),
            None if interaction_data is None else [dict(i) for i in interaction_data],
        )

    def hang_up(self, user_id: str, interaction_id: str) -> None:
        """The far end hangs up an active or held interaction of the agent: an
        informational ``engagementCenter.Error`` (failCode 252), ``InteractionClear``, then
        ``Wrap`` (a consultation leg just goes away).

        :raises NotFoundError: the agent has no such interaction.
        :raises ConflictError: the interaction is not active or held.
        """
        self._native.hang_up(user_id, interaction_id)

    def fail_next_login(
        self,
        user_id: str,
        fail_code: Optional[int] = None,
        fail_reason: Optional[str] = None,
    ) -> Tuple[int, str]:
        """Makes the agent's next login fail: ``Connecting``, then an
        ``engagementCenter.Error`` with this ``failCode`` and ``failReason``, then
        ``Disconnected``. Returns the code and reason in force (default: 16, the documents'
        text for it).
        """
        return self._native.fail_next_login(user_id, fail_code, fail_reason)

    def agent_info(self, user_id: str) -> Dict[str, Any]:
        """The simulator's own model of an agent, as ``GET /sim/agents/{userId}`` answers
        it (camelCase keys): ``connected``, ``state``, ``ehubSessionId``, ``sessions``,
        ``reasonId``, ``pending``, ``interactions``, ``keepAlive``, ``attachments``... An
        agent it never saw is reported as disconnected."""
        return self._native.agent_info(user_id)

    def __enter__(self) -> Simulator:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._native)
