"""The agent session: one agent's login, live state and commands.

The Engagement Center API leaves its users the bookkeeping: which streaming session, which
``ehubSessionId``, which interaction is where, whether a command worked (it only answers
202; its outcome is an event, or an ``engagementCenter.Error``, later), keep-alives,
re-attaching after the stream was recreated. An :class:`AgentSession` does it::

    import ccbridge

    client = ccbridge.ViaClient(org_id=..., client_id=..., client_secret=..., api_key=...)
    with ccbridge.AgentSession.login(client, "agent-1", initial_state="Idle") as agent:
        for change in agent.changes():
            if change.kind == "InteractionOffered":
                call = change.interaction_id
                agent.accept(call)                  # waits for engagementCenter.Active
                ...
                agent.terminate(call)
                agent.dispose(call, disposition_id="1", wrap_required=False,
                              sales_flag=False, callback_flag=False,
                              interaction_data_collection=[])
        agent.logout()

* :meth:`AgentSession.login` opens an event stream, connects the agent and waits for the
  service to confirm the login (a refused login raises :class:`~ccbridge.CommandFailedError`
  with its ``fail_code`` and ``fail_reason``); :meth:`AgentSession.attach` joins a login that
  exists already (another desktop) and renews the attachment as the documents ask.
* The state (:meth:`AgentSession.snapshot`, :attr:`AgentSession.state`) is rebuilt from the
  events; every change comes with the state before, the state after and the event that
  caused it (:meth:`AgentSession.changes`, :meth:`AgentSession.next_change`,
  :meth:`AgentSession.on_change`).
* Every command (a typed method per Engagement Center command, generated from the API
  description, or :meth:`AgentSession.command`) is sent with the session's ids filled in and
  waits for its confirming event; an ``engagementCenter.Error`` about it raises
  :class:`~ccbridge.CommandFailedError`, no outcome in time :class:`~ccbridge.TimeoutError`
  (its outcome is unknown).
* With ``keep_alive``, keepAlive is sent at that interval from login on.
* When the stream is recreated (events may have been lost) the session re-attaches, reports a
  ``"Gap"`` change, marks its snapshot as not :attr:`~AgentSnapshot.in_sync` until the next
  state event, and ends the commands still waiting with :class:`~ccbridge.TimeoutError`.

Several sessions (agents) may share one client; each has a stream of its own. Closing a
session (:meth:`AgentSession.close`, the end of a ``with`` block) stops its stream and timers
without logging the agent out: :meth:`AgentSession.logout` does that.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Iterator,
    Literal,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypedDict,
    TypeVar,
    cast,
    overload,
)

if TYPE_CHECKING:
    # Only read by type checkers (annotations are not evaluated): typing has it from 3.11.
    from typing_extensions import Unpack

from ccbridge import _native
from ccbridge._agent_commands import AgentCommands
from ccbridge._native import Event
from ccbridge.client import ViaClient
from ccbridge.errors import ClosedError, InvalidArgumentError
from ccbridge.events import (
    AgentStatisticsItem,
    EcScreenPopEvent,
    EventPayload,
    ScreenPopEmailData,
    typed_payload,
)
from ccbridge.models import InitialState

__all__ = [
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
]

#: The agent's state as its events report it. ``"Disconnected"``: not logged in;
#: ``"Connecting"``: login under way; ``"Idle"``, ``"NotReady"``, ``"Park"``: the last state
#: event, without work; ``"Busy"``: an interaction is offered, dialling, active or held;
#: ``"Wrap"``: every interaction ended and one at least waits for its disposition;
#: ``"Unknown"``: attached to an existing login, its state not reported yet.
AgentState = Literal[
    "Disconnected", "Connecting", "Idle", "NotReady", "Park", "Busy", "Wrap", "Unknown"
]

#: Where an interaction is: presented (``"Offered"``), being dialled (``"Dialing"``),
#: connected (``"Active"``), on hold (``"Held"``), ended with its wrap not started
#: (``"Cleared"``), in wrap-up waiting for its disposition (``"Wrap"``).
InteractionState = Literal["Offered", "Dialing", "Active", "Held", "Cleared", "Wrap"]

#: What one change is about:
#:
#: * ``"State"``: the agent's state, reason, pending request or login changed;
#: * ``"InteractionOffered"``: a new interaction was presented (``ScreenPop``) or dialled;
#: * ``"InteractionChanged"``: an interaction changed (accepted, held, consult, conference,
#:   wrap...);
#: * ``"InteractionRemoved"``: an interaction is gone (disposed, rejected);
#: * ``"Statistics"``: new ``AgentStatistics`` figures;
#: * ``"Error"``: an ``engagementCenter.Error`` that answered no command of this session (a
#:   far-end hang-up notice, the failure of a request made elsewhere);
#: * ``"LoggedOut"``: the agent was logged out (by its logout, by the service after missed
#:   keep-alives or a forced logout, or after a failed login);
#: * ``"Gap"``: events may have been lost (the stream was recreated; the session
#:   re-attached);
#: * ``"OtherAgent"``: an event about another agent, reported and otherwise ignored;
#: * ``"Other"``: any other event of the agent (monitoring, recording, messaging...).
AgentChangeKind = Literal[
    "State",
    "InteractionOffered",
    "InteractionChanged",
    "InteractionRemoved",
    "Statistics",
    "Error",
    "LoggedOut",
    "Gap",
    "OtherAgent",
    "Other",
]

#: A request the service holds until the agent's interactions are over: a not-ready
#: (``NotReadyPending``) or a logout (``DisconnectPending``).
PendingRequest = Literal["NotReady", "Disconnect"]

#: Signature of a change callback (:meth:`AgentSession.on_change`).
ChangeCallback = Callable[["AgentChange"], object]

_C = TypeVar("_C", bound=Callable[..., object])
_S = TypeVar("_S", bound="AgentSession")


class AttachOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`AgentSession.attach` (and of a login). Durations
    are in seconds; unset (or None) values take the core's defaults."""

    #: Sends keepAlive at this interval from login on (default: never; the documents: once
    #: one was sent, one must follow every minute or the agent is logged out).
    keep_alive: Optional[float]
    #: ``sessionTimeout`` of each keepAlive (default: the organization's).
    session_timeout: Optional[float]
    #: How long a command waits for its confirming event (default 10).
    command_timeout: Optional[float]
    #: How long the login or attach waits for the service to confirm it (default 30).
    login_timeout: Optional[float]
    #: How often an attachment is renewed (default 1500: the documents' 25 minutes). A
    #: login becomes an attachment when its stream is recreated.
    attach_renewal: Optional[float]
    #: Changes kept for :meth:`AgentSession.next_change` when nobody reads them; beyond it
    #: the oldest are dropped and counted in :attr:`AgentSession.dropped_changes` (default
    #: 10000).
    change_capacity: Optional[int]
    #: The session's stream, as in :meth:`ViaClient.stream`: ``inactivityDelay``...
    inactivity_delay: Optional[int]
    require_acknowledgement: Optional[bool]
    max_events: Optional[int]
    buffer_capacity: Optional[int]
    dedupe_window: Optional[int]
    poll_timeout: Optional[float]
    ack_interval: Optional[float]
    shutdown_deadline: Optional[float]


class LoginOptions(AttachOptions, total=False):
    """The keyword arguments of :meth:`AgentSession.login`: those of
    :class:`AttachOptions`, and what the login itself sends."""

    #: ``initialState`` of the login: ``"Idle"``, ``"NotReady"`` or ``"Park"`` (default:
    #: the service decides).
    initial_state: Optional[InitialState]
    #: The phone number the system uses for the agent's audio.
    station: Optional[str]
    #: ``routeaccessId`` of the login.
    routeaccess_id: Optional[str]
    #: ``emailAddress`` of the login.
    email_address: Optional[str]


@dataclass(frozen=True)
class Interaction:
    """One interaction of the agent, as its events report it."""

    #: ``interactionId``, as text.
    interaction_id: str
    #: ``mediaType`` of its screen pop (``"InboundACD"``, ``"InboundChat"``...), when known.
    media_type: Optional[str]
    #: Where it is.
    state: InteractionState
    #: A consultation is under way on it (``ConsultInitiated`` / ``Consult``).
    consulting: bool
    #: The consultation leg opened from it (``Consult``'s ``consultInteractionId``): listed
    #: as an interaction of its own while the consultation lasts; after a ``Conference``,
    #: the leg that joined it.
    consult_interaction_id: Optional[str]
    #: For a consultation leg: the interaction it consults about (``originalInteractionId``).
    original_interaction_id: Optional[str]
    #: It is a conference (``Conference``).
    conference: bool
    #: ``conferenceInteractionId`` of its ``Conference``.
    conference_interaction_id: Optional[str]
    #: It was transferred away (``CallReRouted``, ``InteractionReleasedXferred``). An
    #: interaction transferred to this agent (``InteractionTransferred``) is listed under its
    #: new id instead.
    transferred: bool
    #: The screen pop that presented it: caller data
    #: (``screen_pop.payload.interaction_info.screen_data``), user fields, e-mail data. None
    #: for an interaction first seen through a later event.
    screen_pop: Optional[EcScreenPopEvent]
    #: The e-mail of an e-mail interaction (``interactionInfo.emailData`` of its screen pop).
    email: Optional[ScreenPopEmailData]
    #: False when events may have been lost since the last event about it (the stream was
    #: recreated): it may have ended meanwhile. The next event about it confirms it.
    in_sync: bool


@dataclass(frozen=True)
class AgentSnapshot:
    """Everything known about the agent at one moment (:meth:`AgentSession.snapshot`)."""

    #: The agent (``userId``).
    user_id: str
    #: The login's ``ehubSessionId``, once ``ConnectConfirm`` gave it.
    ehub_session_id: Optional[str]
    #: The agent's state.
    state: AgentState
    #: The reason of the NotReady or Park state (``reasonId``).
    reason_id: Optional[str]
    #: A not-ready or logout request the service holds until the work is over.
    pending: Optional[PendingRequest]
    #: The interactions, oldest first.
    interactions: Tuple[Interaction, ...]
    #: The last ``AgentStatistics`` figures, one item per work type.
    statistics: Tuple[AgentStatisticsItem, ...]
    #: False after events may have been lost (the stream was recreated) until an event
    #: states the agent's state again.
    in_sync: bool

    def interaction(self, interaction_id: str) -> Optional[Interaction]:
        """The interaction ``interaction_id``, or None when the agent does not have it."""
        return next((i for i in self.interactions if i.interaction_id == interaction_id), None)


@dataclass(frozen=True)
class AgentChange:
    """One change of the agent's state, with the event that caused it."""

    #: What changed.
    kind: AgentChangeKind
    #: The agent's state before.
    old_state: AgentState
    #: The agent's state after.
    new_state: AgentState
    #: The interaction concerned, when there is one.
    interaction_id: Optional[str]
    #: The event that caused the change; None for a ``"Gap"``.
    event: Optional[Event]
    #: A sentence for the log: the error's ``failReason``, why an event was set aside...
    message: Optional[str]

    @property
    def payload(self) -> Optional[EventPayload]:
        """The event's payload as its typed class of :mod:`ccbridge.events` (an
        :class:`~ccbridge.events.EcScreenPopEvent` for a screen pop...), or None."""
        return None if self.event is None else typed_payload(self.event)


@dataclass(frozen=True)
class CommandOutcome:
    """What an awaited command ended with."""

    #: The operation (``"engagementCenter.hold"``).
    command: str
    #: The correlation id the service gave the command, when it gave one.
    correlation_id: Optional[str]
    #: The event that confirmed it; None for a command the documents give no confirming
    #: event (``digits``, ``cancel``...): the 202 is all there is.
    event: Optional[Event]


def _snapshot(raw: Mapping[str, Any]) -> AgentSnapshot:
    return AgentSnapshot(
        user_id=raw["user_id"],
        ehub_session_id=raw["ehub_session_id"],
        state=raw["state"],
        reason_id=raw["reason_id"],
        pending=raw["pending"],
        interactions=tuple(
            Interaction(
                interaction_id=i["interaction_id"],
                media_type=i["media_type"],
                state=i["state"],
                consulting=i["consulting"],
                consult_interaction_id=i["consult_interaction_id"],
                original_interaction_id=i["original_interaction_id"],
                conference=i["conference"],
                conference_interaction_id=i["conference_interaction_id"],
                transferred=i["transferred"],
                screen_pop=None if i["screen_pop"] is None else EcScreenPopEvent(i["screen_pop"]),
                email=None if i["email"] is None else ScreenPopEmailData(i["email"]),
                in_sync=i["in_sync"],
            )
            for i in raw["interactions"]
        ),
        statistics=tuple(AgentStatisticsItem(s) for s in raw["statistics"]),
        in_sync=raw["in_sync"],
    )


def _change(raw: Mapping[str, Any]) -> AgentChange:
    return AgentChange(
        kind=raw["kind"],
        old_state=raw["old_state"],
        new_state=raw["new_state"],
        interaction_id=raw["interaction_id"],
        event=raw["event"],
        message=raw["message"],
    )


def _outcome(raw: Mapping[str, Any]) -> CommandOutcome:
    return CommandOutcome(
        command=raw["command"], correlation_id=raw["correlation_id"], event=raw["event"]
    )


def _body(body: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    # Arguments left at None are not sent.
    if body is None:
        return None
    return {k: v for k, v in body.items() if v is not None}


class AgentSession(AgentCommands):
    """One agent's session: its login, its live state, its commands.

    Open one with :meth:`login` or :meth:`attach` (or their ``_async`` twins). It is a
    context manager (``with``, ``async with``) that closes it on exit, an iterable of its
    changes (:meth:`changes`, :meth:`changes_async`), and has a typed method per Engagement
    Center command (``accept``, ``hold``, ``retrieve``, ``consult``, ``conference``,
    ``transfer``, ``terminate``, ``dispose``, ``ready``, ``not_ready``, ``keep_alive``,
    ``dial``...), each with an ``_async`` twin, whose keyword arguments are the command's
    body fields in snake case (the session fills ``ehubSessionId``, ``userId`` and the
    streaming session).

    Closing does not log the agent out (:meth:`logout` does); a session that is
    garbage-collected, or still open at interpreter exit, is closed. Every blocking method
    releases the GIL while it waits.
    """

    __slots__ = ("_native", "_dispatcher", "__weakref__")

    def __init__(self, native: _native.AgentSession) -> None:
        """Wraps a native session; use :meth:`login` or :meth:`attach`."""
        self._native = native
        # The thread the callback runs on (the stream's dispatcher), once it ran: only the
        # callback runs Python code there.
        self._dispatcher: Optional[int] = None

    def _check_not_in_callback(self) -> None:
        # A command waits for an event this very thread would have to deliver: refuse it
        # rather than let it time out.
        if self._dispatcher is not None and threading.get_ident() == self._dispatcher:
            raise InvalidArgumentError(
                "a blocking command of this agent was called from its own on_change callback, "
                "where its outcome has to arrive: hand the work to another thread",
                field="context",
            )

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def login(cls: Type[_S], client: ViaClient, user_id: str, **options: Unpack[LoginOptions]) -> _S:
        """Logs the agent in: opens an event stream, sends ``connect`` and waits for
        ``ConnectConfirm``, ``Connected`` and the agent's first state.

        :param client: the client the session sends its requests with (several sessions may
            share it).
        :param user_id: the agent (``userId``).
        :param options: the keyword arguments of :class:`LoginOptions` (durations in
            seconds; unset values take the core's defaults).
        :raises InvalidArgumentError: an empty ``user_id``, an unknown ``initial_state``, a
            duration that is negative or zero... (``.field`` names the argument).
        :raises TypeError: a keyword argument that is not an option, or of the wrong type.
        :raises CommandFailedError: the service refused the login (``fail_code``,
            ``fail_reason``).
        :raises TimeoutError: no confirmation within ``login_timeout``.
        """
        return cls(_native.AgentSession.open(client._native, user_id, False, dict(options)))

    @classmethod
    async def login_async(
        cls: Type[_S], client: ViaClient, user_id: str, **options: Unpack[LoginOptions]
    ) -> _S:
        """Awaitable :meth:`login`."""
        return cls(await _native.AgentSession.open_async(client._native, user_id, False, dict(options)))

    @classmethod
    def attach(cls: Type[_S], client: ViaClient, user_id: str, **options: Unpack[AttachOptions]) -> _S:
        """Attaches to the agent's existing login (another desktop's): opens an event
        stream, sends ``connect`` with ``attach`` and waits for ``ConnectConfirm``.

        The attachment is renewed every ``attach_renewal`` seconds. The agent's state is
        ``"Unknown"`` (and the snapshot not :attr:`~AgentSnapshot.in_sync`) until its next
        state event. The options (:class:`AttachOptions`) are those of :meth:`login` that
        do not belong to the login itself.

        :raises CommandFailedError: the service refused the attachment.
        :raises ApiError: the agent is not logged in (HTTP 422).
        :raises TimeoutError: no confirmation within ``login_timeout``.
        """
        return cls(_native.AgentSession.open(client._native, user_id, True, dict(options)))

    @classmethod
    async def attach_async(
        cls: Type[_S], client: ViaClient, user_id: str, **options: Unpack[AttachOptions]
    ) -> _S:
        """Awaitable :meth:`attach`."""
        return cls(await _native.AgentSession.open_async(client._native, user_id, True, dict(options)))

    # -- state ---------------------------------------------------------------------------

    @property
    def user_id(self) -> str:
        """The agent (``userId``)."""
        return self._native.user_id

    @property
    def ehub_session_id(self) -> Optional[str]:
        """The login's ``ehubSessionId``, while logged in."""
        return self._native.ehub_session_id

    @property
    def stream_session_id(self) -> Optional[str]:
        """The streaming session the agent's events arrive on; it changes when the stream
        is recreated, and is None once the session is closed."""
        return self._native.stream_session_id

    @property
    def dropped_changes(self) -> int:
        """Changes dropped because nobody read them and more than ``change_capacity`` piled
        up."""
        return self._native.dropped_changes

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` ran."""
        return self._native.closed

    @property
    def state(self) -> AgentState:
        """The agent's state now (``snapshot().state``)."""
        return cast(AgentState, self._native.state)

    def snapshot(self) -> AgentSnapshot:
        """Everything known about the agent now: state, reason, pending request,
        interactions (with their screen pops), statistics."""
        return _snapshot(self._native.snapshot())

    # -- changes -------------------------------------------------------------------------

    def next_change(self, timeout: Optional[float] = None) -> Optional[AgentChange]:
        """The next change, waiting up to ``timeout`` seconds (None: until one comes).

        Returns None on timeout. The GIL is released while waiting. Changes are queued only
        while no callback is set (:meth:`on_change`).

        :raises ClosedError: the session is closed and every change was read.
        """
        raw = self._native.next_change(timeout)
        return None if raw is None else _change(raw)

    async def next_change_async(self, timeout: Optional[float] = None) -> Optional[AgentChange]:
        """Awaitable :meth:`next_change`."""
        raw = await self._native.next_change_async(timeout)
        return None if raw is None else _change(raw)

    def changes(self, timeout: Optional[float] = None) -> Iterator[AgentChange]:
        """The changes, in order, as they come: ``for change in agent.changes(): ...``.

        The iteration ends when the session is closed (once every change was read) and,
        with a ``timeout``, when no change arrives within ``timeout`` seconds. A logout does
        not end it: the session stays open (a ``"LoggedOut"`` change says so).
        """
        while True:
            try:
                change = self.next_change(timeout)
            except ClosedError:
                return
            if change is None:
                return
            yield change

    async def changes_async(self, timeout: Optional[float] = None) -> AsyncIterator[AgentChange]:
        """Async :meth:`changes`: ``async for change in agent.changes_async(): ...``."""
        while True:
            try:
                change = await self.next_change_async(timeout)
            except ClosedError:
                return
            if change is None:
                return
            yield change

    @overload
    def on_change(self, callback: None) -> None: ...

    @overload
    def on_change(self, callback: _C) -> _C: ...

    def on_change(self, callback: Optional[_C]) -> Optional[_C]:
        """Hands every change from now on to ``callback`` instead of queueing it for
        :meth:`next_change`; None goes back to queueing. Usable as a decorator.

        The callback runs on the session's stream thread, one change at a time, in order.
        An exception it raises is logged on the ``ccbridge`` logger and changes nothing
        else. It may call the session's methods (:meth:`snapshot`, :meth:`close`...) except
        the commands: their confirming event is delivered on this very thread, so they
        raise :class:`~ccbridge.InvalidArgumentError` (``field`` ``"context"``) there. Hand
        the work to another thread (or an event loop) instead.
        """
        if callback is None:
            self._native.set_listener(None)
            return None
        if not callable(callback):
            raise TypeError("callback must be callable or None")
        user = callback
        # Weak: the callback must not keep its session alive (a session nobody refers to is
        # closed).
        session = weakref.ref(self)

        def deliver(raw: Dict[str, Any]) -> None:
            me = session()
            if me is not None:
                me._dispatcher = threading.get_ident()
            user(_change(raw))

        self._native.set_listener(deliver)
        return callback

    # -- commands ------------------------------------------------------------------------

    def command(
        self,
        op: str,
        interaction_id: Optional[str] = None,
        body: Optional[Mapping[str, Any]] = None,
    ) -> CommandOutcome:
        """Sends one Engagement Center command for this agent and waits for its outcome.

        The typed methods (``hold``, ``not_ready``...) call this; it reaches a command by
        name. ``op`` is the operation (``"engagementCenter.hold"``, or just ``"hold"``);
        ``interaction_id`` fills the path of the interaction commands; ``body`` holds the
        body's fields (wire names) except ``ehubSessionId``, which the session fills. The
        body is checked against the API description before anything is sent; its None
        values are not sent.

        :raises InvalidArgumentError: unknown operation, ``connect`` (use :meth:`login`), or
            a body that does not fit the operation.
        :raises CommandFailedError: an ``engagementCenter.Error`` about the command.
        :raises TimeoutError: no outcome within ``command_timeout`` (the outcome is
            unknown).
        :raises ClosedError: the session is closed.
        :raises InvalidArgumentError: called from the session's own :meth:`on_change`
            callback (``field`` ``"context"``).
        """
        self._check_not_in_callback()
        return _outcome(self._native.command(op, interaction_id, _body(body)))

    async def command_async(
        self,
        op: str,
        interaction_id: Optional[str] = None,
        body: Optional[Mapping[str, Any]] = None,
    ) -> CommandOutcome:
        """Awaitable :meth:`command`."""
        return _outcome(await self._native.command_async(op, interaction_id, _body(body)))

    def _command(
        self, op: str, interaction_id: Optional[str], body: Dict[str, Any]
    ) -> CommandOutcome:
        return self.command(op, interaction_id, body)

    async def _command_async(
        self, op: str, interaction_id: Optional[str], body: Dict[str, Any]
    ) -> CommandOutcome:
        return await self.command_async(op, interaction_id, body)

    def logout(self, reason_id: str = "0", timeout: Optional[float] = 60.0) -> CommandOutcome:
        """Logs the agent out (``disconnect`` with ``reason_id``) and waits until it is
        ``Disconnected``.

        With an interaction under way the service first answers ``DisconnectPending``
        (:attr:`AgentSnapshot.pending` is ``"Disconnect"``) and logs the agent out once the
        work is disposed: the wait lasts until then, at most ``timeout`` seconds (None: as
        long as it takes). The session stays open: :meth:`close` it afterwards.

        :raises TimeoutError: still ``DisconnectPending`` after ``timeout``.
        :raises ClosedError: the logout was cancelled (:meth:`cancel`) or the session closed.
        :raises CommandFailedError: the service refused the logout.
        """
        self._check_not_in_callback()
        return _outcome(self._native.logout(reason_id, timeout))

    async def logout_async(
        self, reason_id: str = "0", timeout: Optional[float] = 60.0
    ) -> CommandOutcome:
        """Awaitable :meth:`logout`."""
        return _outcome(await self._native.logout_async(reason_id, timeout))

    def cancel(self) -> CommandOutcome:
        """Cancels the not-ready or logout request the service holds (``cancel`` with the
        matching ``cancelType``). A waiting :meth:`logout` then raises
        :class:`~ccbridge.ClosedError`.

        :raises InvalidArgumentError: nothing is pending.
        """
        self._check_not_in_callback()
        return _outcome(self._native.cancel())

    async def cancel_async(self) -> CommandOutcome:
        """Awaitable :meth:`cancel`."""
        return _outcome(await self._native.cancel_async())

    # -- closing -------------------------------------------------------------------------

    def close(self) -> None:
        """Stops the session's stream and timers; the agent stays logged in at the service
        (:meth:`logout` first to log it out). Commands still waiting raise
        :class:`~ccbridge.ClosedError`; :meth:`changes` ends once the queued changes are
        read. Calling it again is harmless; called from the session's own callback, it
        returns at once and the stream stops after the callback returns."""
        self._native.close()

    async def close_async(self) -> None:
        """Awaitable :meth:`close`."""
        await self._native.close_async()

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    async def __aenter__(self: _S) -> _S:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close_async()

    def __repr__(self) -> str:
        return repr(self._native)
