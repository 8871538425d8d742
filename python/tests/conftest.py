"""Fixtures: the embedded simulator shared by the session, clients of it, helpers."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import pytest

import ccbridge

REPO = Path(__file__).resolve().parents[2]
ORG, CLIENT_ID, SECRET, API_KEY = "simorg", "sim-client", "sim-secret", "sim-api-key"
#: Long-poll wait of the tests' simulator, in seconds: short so that tests are fast.
POLL_WAIT = 0.3


class Sim:
    """A running simulator (:class:`ccbridge.Simulator`): its base URL and its control API."""

    def __init__(self, simulator: ccbridge.Simulator) -> None:
        self.simulator = simulator
        self.url = simulator.url

    def control(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def post(self, path: str, body: Optional[Any] = None) -> Any:
        return self.control("POST", path, body if body is not None else {})


@pytest.fixture(scope="session")
def sim() -> Iterator[Sim]:
    """The simulator embedded in ccbridge, in this process. Child processes of a test reach
    it by its URL as long as the session runs."""
    with ccbridge.Simulator(poll_wait=POLL_WAIT) as simulator:
        yield Sim(simulator)


def make_client(sim: Sim, **overrides: Any) -> ccbridge.ViaClient:
    return sim.simulator.client(**overrides)


@pytest.fixture
def client(sim: Sim) -> ccbridge.ViaClient:
    return make_client(sim)


@pytest.fixture
def user_id() -> str:
    """A fresh agent per test, so no test sees another's events."""
    return f"py-agent-{uuid.uuid4().hex[:10]}"


class Collector:
    """Thread-safe sink of callback events and statuses, with waits."""

    def __init__(self) -> None:
        self.events: List[ccbridge.Event] = []
        self.statuses: List[ccbridge.StreamStatus] = []
        self._cond = threading.Condition()

    def on_event(self, event: ccbridge.Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def on_status(self, status: ccbridge.StreamStatus) -> None:
        with self._cond:
            self.statuses.append(status)
            self._cond.notify_all()

    def wait(self, pred: Callable[[], bool], timeout: float = 15.0) -> None:
        with self._cond:
            if not self._cond.wait_for(pred, timeout):
                raise AssertionError(
                    f"timed out; events={[e.event_type for e in self.events]} "
                    f"statuses={[s.name for s in self.statuses]}"
                )

    def wait_event(self, event_type: str, after: int = 0, timeout: float = 15.0) -> ccbridge.Event:
        """The first event of `event_type` at index >= `after`."""

        def found() -> Optional[ccbridge.Event]:
            return next((e for e in self.events[after:] if e.event_type == event_type), None)

        self.wait(lambda: found() is not None, timeout)
        event = found()
        assert event is not None
        return event

    def wait_status(self, name: str, timeout: float = 15.0) -> ccbridge.StreamStatus:
        self.wait(lambda: any(s.name == name for s in self.statuses), timeout)
        return next(s for s in self.statuses if s.name == name)


def ehub_of(event: ccbridge.Event) -> str:
    """The ehubSessionId a ConnectConfirm event carries."""
    assert event.event_type == "engagementCenter.ConnectConfirm", event
    value = event.payload["payload"]["ehubSessionId"]
    assert isinstance(value, str) and value
    return value


def pull_until(stream: ccbridge.Stream, event_type: str, timeout: float = 15.0) -> List[ccbridge.Event]:
    """Pulls events until one of `event_type`; returns all pulled, that one last."""
    deadline = time.monotonic() + timeout
    got: List[ccbridge.Event] = []
    while time.monotonic() < deadline:
        ev = stream.next_event(timeout=max(0.0, deadline - time.monotonic()))
        if ev is None:
            break
        got.append(ev)
        if ev.event_type == event_type:
            return got
    raise AssertionError(f"no {event_type}; got {[e.event_type for e in got]}")
