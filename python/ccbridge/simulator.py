"""The simulator of the APIs, embedded: develop and test offline, in the same process."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Dict, Optional, Type

from ccbridge import _native
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

    Its control API (plain HTTP under ``{url}/sim/``, see ``tests/sim/README.md`` in the
    repository) injects events, customer chats and faults, and expires sessions and tokens.
    Its log records go to the ``logging`` logger ``ccbridge.sim``.

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
