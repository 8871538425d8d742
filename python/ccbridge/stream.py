"""Event streams: one streaming session kept alive by the engine, delivering events.

A stream is consumed in one of two ways, chosen when it starts:

* **pulled** (``client.stream()``): :meth:`Stream.next_event`, ``for event in stream`` or
  ``async for event in stream``. Asking for the next event acknowledges the previous one.
* **callbacks** (``client.stream(on_event=..., on_status=...)``): the callables run on a
  dispatcher thread (a small pool shared by every stream of the process; an idle stream holds
  none), one event at a time per stream, in order. An event is acknowledged
  after its callback returned. An exception raised by a callback is logged on the
  ``ccbridge`` logger and does not stop the stream. A callback may call any method of the
  library, including :meth:`Stream.stop` of its own stream.

Keep a reference to the stream while it should run: once garbage-collected, it stops.
"""

from __future__ import annotations

from types import TracebackType
from typing import AsyncIterator, Callable, Iterator, List, Optional, Type, TypeVar, Union

from ccbridge import _native
from ccbridge._native import Event, StreamStats, StreamStatus
from ccbridge.errors import ClosedError

__all__ = ["Stream", "EventCallback", "StatusCallback"]

#: Signature of an event callback.
EventCallback = Callable[[Event], object]
#: Signature of a status callback.
StatusCallback = Callable[[StreamStatus], object]

_C = TypeVar("_C", bound=Callable[..., object])


class Stream:
    """A running event stream. Create one with :meth:`ccbridge.ViaClient.stream`.

    Usable as a context manager (``with client.stream() as s:``, or ``async with``) that
    stops it on exit, as an iterator and as an async iterator of :class:`~ccbridge.Event`
    (both end when the stream is stopped).
    """

    __slots__ = ("_native", "__weakref__")

    def __init__(self, native: _native.Stream) -> None:
        self._native = native

    @property
    def session_id(self) -> str:
        """The current streaming session id: the ``session_id`` of agent commands.

        It changes when an expired session is recreated (status ``session_recreated``).
        """
        return self._native.session_id

    @property
    def stats(self) -> StreamStats:
        """The stream's counters (polls, events delivered, acknowledged, ...)."""
        return self._native.stats

    @property
    def is_stopping(self) -> bool:
        """Whether :meth:`stop` has begun."""
        return self._native.is_stopping

    @property
    def callback_mode(self) -> bool:
        """True when events go to callbacks, False when they are pulled."""
        return self._native.callback_mode

    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """Pulls the next event, waiting up to ``timeout`` seconds (None: until one comes).

        Returns None on timeout. The GIL is released while waiting. Raises
        :class:`~ccbridge.ClosedError` once the stream is stopped and drained, or the error
        that ended it (for example :class:`~ccbridge.AuthError`).
        """
        return self._native.next_event(timeout)

    def next_item(self, timeout: Optional[float] = None) -> Union[Event, StreamStatus, None]:
        """Like :meth:`next_event`, but also returns statuses, in order with the events."""
        return self._native.next_item(timeout)

    async def next_event_async(self, timeout: Optional[float] = None) -> Optional[Event]:
        """Awaitable :meth:`next_event`."""
        return await self._native.next_event_async(timeout)

    def statuses(self) -> List[StreamStatus]:
        """Pull mode: statuses that :meth:`next_event` stepped over, oldest first."""
        return self._native.statuses()

    def on_event(self, callback: _C) -> _C:
        """Replaces the event callback of a callback-mode stream; usable as a decorator."""
        self._native.on_event(callback)
        return callback

    def on_status(self, callback: _C) -> _C:
        """Replaces the status callback of a callback-mode stream; usable as a decorator."""
        self._native.on_status(callback)
        return callback

    def stop(self) -> None:
        """Stops the stream.

        In order: stops polling, lets callbacks handle what is buffered (within the
        shutdown deadline), flushes acknowledgements, deletes the session. Blocks until
        done, except when called from one of the stream's own callbacks: then it returns at
        once and the shutdown completes after the callback returns. Calling it again is
        harmless.
        """
        self._native.stop()

    async def stop_async(self) -> None:
        """Awaitable :meth:`stop`."""
        await self._native.stop_async()

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        try:
            event = self._native.next_event(None)
        except ClosedError:
            raise StopIteration from None
        if event is None:  # pragma: no cover - no timeout means an event or an error
            raise StopIteration
        return event

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        try:
            event = await self._native.next_event_async(None)
        except ClosedError:
            raise StopAsyncIteration from None
        if event is None:  # pragma: no cover - no timeout means an event or an error
            raise StopAsyncIteration
        return event

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Stream:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.stop_async()

    def __repr__(self) -> str:
        return repr(self._native)
