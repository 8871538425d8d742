"""ccbridge: Python client of the Alvaria Cloud ("Via") contact-center APIs.

A typed layer over the Rust core (the private extension module ``ccbridge._native``):
agent control (Engagement Center), streaming sessions and an event engine that neither
loses nor duplicates events.

.. code-block:: python

    import ccbridge

    client = ccbridge.ViaClient(org_id="acme", client_id="...", client_secret="...",
                                api_key="...")
    with client.stream() as stream:
        client.engagement_center.connect(stream.session_id, "agent-1", attach=False,
                                         initial_state="Idle")
        for event in stream:
            print(event.event_type, event.payload)

For an agent desktop, :class:`ccbridge.AgentSession` does the Engagement Center's
bookkeeping: login, the agent's state rebuilt from its events, commands that wait for the
event confirming them (or raise :class:`ccbridge.CommandFailedError`), keep-alives and
re-attaching after a recreated stream:

.. code-block:: python

    with ccbridge.AgentSession.login(client, "agent-1", initial_state="Idle") as agent:
        for change in agent.changes():
            if change.kind == "InteractionOffered":
                agent.accept(change.interaction_id)

Every operation of the API description is a method of a service object of the client
(``client.engagement_center``, ``client.streaming``, ``client.messaging``,
``client.web_token``, ``client.web_client``), generated from the description; typed event
payloads come from :func:`ccbridge.events.typed_payload`.

Blocking calls release the GIL; every call has an ``*_async`` twin for asyncio. Errors are
:class:`ccbridge.Error` subclasses. The library logs to the ``logging`` logger
``ccbridge``; set its level to see more (``logging.getLogger("ccbridge").setLevel(...)``).

For development and tests without the service, :class:`ccbridge.Simulator` runs the
simulator of the APIs inside the process (``with ccbridge.Simulator() as sim: client =
sim.client()``).

ccbridge cannot be used in a child process forked after it made its first request in the
parent (its I/O threads do not survive ``fork()``): such calls raise
:class:`ccbridge.ClosedError`.
"""

import logging as _logging

from ccbridge import _native
from ccbridge._native import Event, StreamStats, StreamStatus, operations
from ccbridge.agent import (
    AgentChange,
    AgentChangeKind,
    AgentSession,
    AgentSnapshot,
    AgentState,
    AttachOptions,
    ChangeCallback,
    CommandOutcome,
    Interaction,
    InteractionState,
    LoginOptions,
    PendingRequest,
)
from ccbridge.client import Http2, InitialState, NotReadyType, ViaClient
from ccbridge.errors import (
    ApiError,
    AuthError,
    ClosedError,
    CommandFailedError,
    OutcomeUnknownError,
    ConflictError,
    DecodeError,
    Error,
    ForbiddenError,
    InvalidArgumentError,
    NotFoundError,
    RateLimitedError,
    SessionExpiredError,
    TimeoutError,
    TransportError,
)
from ccbridge.simulator import Simulator
from ccbridge.stream import EventCallback, StatusCallback, Stream

#: Version of the library.
__version__: str = _native.__version__


def configure_worker_threads(workers: int) -> bool:
    """Sets the number of worker threads of the library's runtime (default 2), which carries
    every stream, command and token request of the process.

    Only the first setting made before the runtime's first use counts (the first request,
    stream or :class:`Simulator` starts it): returns ``True`` when this one will, ``False``
    when the runtime already runs or an earlier setting stands. A count outside 1 to 256
    raises :class:`InvalidArgumentError` (field ``workers``).

    One worker suits a process whose sessions are mostly idle (thousands of agents' streams
    waiting on their polls): each re-poll then wakes one thread instead of two, about 15 %
    less idle CPU. More workers suit many busy streams on a machine with cores to spare.
    """
    return _native.configure_worker_threads(workers)


# A library's records go nowhere until the application configures logging: without this,
# Python's last-resort handler would print our warnings on a script's stderr.
_logging.getLogger("ccbridge").addHandler(_logging.NullHandler())

__all__ = [
    "__version__",
    "ViaClient",
    "Stream",
    "Event",
    "StreamStatus",
    "StreamStats",
    "EventCallback",
    "StatusCallback",
    "Http2",
    "InitialState",
    "NotReadyType",
    "AgentSession",
    "AttachOptions",
    "LoginOptions",
    "AgentSnapshot",
    "AgentChange",
    "Interaction",
    "CommandOutcome",
    "AgentState",
    "InteractionState",
    "AgentChangeKind",
    "PendingRequest",
    "ChangeCallback",
    "operations",
    "configure_worker_threads",
    "Simulator",
    "Error",
    "InvalidArgumentError",
    "AuthError",
    "ForbiddenError",
    "NotFoundError",
    "ConflictError",
    "RateLimitedError",
    "ApiError",
    "SessionExpiredError",
    "TimeoutError",
    "TransportError",
    "DecodeError",
    "ClosedError",
    "CommandFailedError",
    "OutcomeUnknownError",
]
