"""Stream behaviour: session recreation, callbacks that fail or stop, modes, low-level ops."""

from __future__ import annotations

import logging
import threading
import time
from typing import List

import pytest

import ccbridge
from conftest import Collector, Sim, ehub_of, pull_until


def test_expired_session_is_recreated_and_reported(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    sink = Collector()
    stream = client.stream(on_event=sink.on_event, on_status=sink.on_status)
    try:
        old = stream.session_id
        sink.wait_status("started")
        sim.post(f"/sim/sessions/{old}/expire")
        status = sink.wait_status("session_recreated")
        assert status.old_session_id == old
        assert status.session_id == stream.session_id != old
        assert old in status.description
        assert stream.stats.sessions_recreated == 1
        # The new session delivers: an agent logs in on it.
        client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
        sink.wait_event("engagementCenter.Idle")
    finally:
        stream.stop()


def test_callback_exception_is_logged_not_fatal(
    client: ccbridge.ViaClient, user_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    sink = Collector()

    def on_event(event: ccbridge.Event) -> None:
        sink.on_event(event)
        if event.event_type == "engagementCenter.Connecting":
            raise ValueError("handler bug")

    caplog.set_level(logging.ERROR, logger="ccbridge")
    with client.stream(on_event=on_event) as stream:
        client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
        sink.wait_event("engagementCenter.Idle")
    failures = [r for r in caplog.records if r.name == "ccbridge" and r.exc_info]
    assert len(failures) == 1
    exc_info = failures[0].exc_info
    assert exc_info is not None and isinstance(exc_info[1], ValueError)
    assert "on_event callback" in failures[0].getMessage()


def test_stop_from_inside_the_callback(client: ccbridge.ViaClient, user_id: str) -> None:
    sink = Collector()
    returned = threading.Event()
    holder: List[ccbridge.Stream] = []

    def on_event(event: ccbridge.Event) -> None:
        sink.on_event(event)
        if event.event_type == "engagementCenter.ConnectConfirm":
            holder[0].stop()  # must return at once, not deadlock
            returned.set()

    stream = client.stream(on_event=on_event, on_status=sink.on_status)
    holder.append(stream)
    client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
    assert returned.wait(10)
    sink.wait_status("stopped")
    assert stream.is_stopping
    stream.stop()  # again: harmless


def test_callbacks_can_be_replaced(client: ccbridge.ViaClient, user_id: str) -> None:
    first, second = Collector(), Collector()
    with client.stream(on_event=first.on_event) as stream:
        returned = stream.on_event(second.on_event)
        assert returned == second.on_event
        stream.on_status(second.on_status)
        client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
        second.wait_event("engagementCenter.Idle")
    assert first.events == []
    with pytest.raises(TypeError):
        stream.on_event(3)  # type: ignore[type-var]


def test_modes_are_exclusive(client: ccbridge.ViaClient) -> None:
    with client.stream(on_event=lambda e: None) as pushed:
        with pytest.raises(ccbridge.InvalidArgumentError):
            pushed.next_event(timeout=0)
        with pytest.raises(ccbridge.InvalidArgumentError):
            next(iter(pushed))
    with client.stream() as pulled:
        assert not pulled.callback_mode
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            pulled.on_event(lambda e: None)
        assert info.value.field == "stream"
        with pytest.raises(ccbridge.InvalidArgumentError):
            pulled.next_event(timeout=-1)


def test_context_manager_stops_and_deletes_the_session(sim: Sim, client: ccbridge.ViaClient) -> None:
    with client.stream(inactivity_delay=60, max_events=200) as stream:
        sid = stream.session_id
        assert sim.control("GET", f"/sim/sessions/{sid}")["requireAcknowledgement"] is True
        assert "Stream(session_id=" in repr(stream)
    assert stream.is_stopping
    with pytest.raises(ccbridge.ClosedError):
        stream.next_event(timeout=0)
    import urllib.error

    with pytest.raises(urllib.error.HTTPError):
        sim.control("GET", f"/sim/sessions/{sid}")


def test_events_are_acknowledged_and_counted(client: ccbridge.ViaClient, user_id: str) -> None:
    sink = Collector()
    stream = client.stream(on_event=sink.on_event, ack_interval=0.01)
    try:
        client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
        sink.wait_event("engagementCenter.Idle")
        deadline = time.monotonic() + 10
        while stream.stats.events_acknowledged < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        stats = stream.stats
        assert stats.events_delivered == 4
        assert stats.events_acknowledged == 4
        assert stats.polls >= 1
        assert stats.to_dict()["events_delivered"] == 4
        assert "events_delivered=4" in repr(stats)
    finally:
        stream.stop()


def test_injected_events_reach_the_stream(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    with client.stream() as stream:
        client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
        pull_until(stream, "engagementCenter.Idle")
        sim.post(f"/sim/users/{user_id}/screenPop")
        pop = pull_until(stream, "engagementCenter.ScreenPop")[-1]
        assert pop.payload["userId"] == user_id
        sim.post("/sim/events", {"sessionId": stream.session_id, "eventType": "outreach.status", "payload": {"n": 1}, "count": 3})
        got = [stream.next_event(timeout=10) for _ in range(3)]
        assert [e.event_type for e in got if e] == ["outreach.status"] * 3
        assert len({e.event_id for e in got if e}) == 3


def test_generic_call_drives_the_same_flow(client: ccbridge.ViaClient, user_id: str) -> None:
    info = client.call("streaming.createSession", {"body": {"inactivityDelay": 120, "requireAcknowledgement": True}})
    sid = info["sessionId"]
    assert info["inactivityDelay"] == 120
    try:
        result = client.call(
            "engagementCenter.connect",
            {"userId": user_id, "sessionId": sid, "body": {"attach": False, "initialState": "Idle"}},
        )
        assert result is None  # 202 Accepted, no body
        got = client.call("streaming.getEvents", {"sessionId": sid, "query": {"maxEvents": 10}})
        types = [e["eventType"] for e in got["events"]]
        assert types[0] == "engagementCenter.Connecting"
    finally:
        assert client.call("streaming.deleteSession", {"sessionId": sid}) is None
    assert "engagementCenter.keepAlive" in ccbridge.operations()


def test_low_level_session_operations(client: ccbridge.ViaClient, user_id: str) -> None:
    streaming = client.streaming
    info = streaming.create_session(inactivity_delay=90, require_acknowledgement=True)
    sid = info["sessionId"]
    assert info["inactivityDelay"] == 90 and info["requireAcknowledgement"] is True
    client.engagement_center.connect(sid, user_id, attach=False, initial_state="Idle")

    def poll(max_events: int) -> List[ccbridge.Event]:
        return [ccbridge.Event.from_wire(e) for e in streaming.get_events(sid, max_events=max_events)["events"]]

    first = poll(2)
    assert [e.event_type for e in first] == ["engagementCenter.Connecting", "engagementCenter.ConnectConfirm"]
    ehub_of(first[1])
    # Unacknowledged events come back; acknowledged ones do not.
    again = poll(2)
    assert [e.event_id for e in again] == [e.event_id for e in first]
    ids = [e.event_id for e in first] + ["no-such-event"]
    ack = streaming.acknowledge(sid, events=[{"eventId": i} for i in ids])
    assert sorted(ack["eventIdsAcknowledged"]) == sorted(e.event_id for e in first)
    assert ack["eventIdsNotFound"] == ["no-such-event"]
    rest = poll(50)
    assert [e.event_type for e in rest] == ["engagementCenter.Connected", "engagementCenter.Idle"]
    streaming.delete_session(sid)


def test_rate_limits_are_reported(client: ccbridge.ViaClient) -> None:
    assert client.rate_limits() == []
    client.streaming.delete_session(client.streaming.create_session()["sessionId"])
    limits = client.rate_limits()
    assert limits and all(set(d) == {"window", "limit", "remaining"} for d in limits)
    assert any(isinstance(d["remaining"], int) for d in limits)


def test_stop_from_another_thread_ends_iteration(client: ccbridge.ViaClient) -> None:
    stream = client.stream()
    finished = threading.Event()

    def consume() -> None:
        for _ in stream:
            pass
        finished.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    time.sleep(0.2)
    assert not finished.is_set()
    stream.stop()
    consumer.join(10)
    assert finished.is_set()


def test_a_forgotten_stream_stops_and_deletes_its_session(sim: Sim, client: ccbridge.ViaClient) -> None:
    import gc
    import urllib.error

    stream = client.stream()
    sid = stream.session_id
    del stream
    gc.collect()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            sim.control("GET", f"/sim/sessions/{sid}")
        except urllib.error.HTTPError as e:
            assert e.code == 404
            return
        time.sleep(0.05)
    raise AssertionError("the session of a dropped stream was not deleted")


def interrupt_main_thread_after(seconds: float) -> threading.Timer:
    import signal

    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(seconds, lambda: signal.pthread_kill(main, signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_interrupts_a_wait_for_events(client: ccbridge.ViaClient) -> None:
    with client.stream() as stream:
        started = time.monotonic()
        timer = interrupt_main_thread_after(0.3)
        with pytest.raises(KeyboardInterrupt):
            stream.next_event()
        timer.join()
        assert time.monotonic() - started < 5


def test_ctrl_c_interrupts_a_blocking_request(sim: Sim, client: ccbridge.ViaClient) -> None:
    client.streaming.delete_session(client.streaming.create_session()["sessionId"])
    sim.post("/sim/faults", {"kind": "stall", "stallMs": 3000, "pathContains": "streaming/session", "method": "POST"})
    started = time.monotonic()
    timer = interrupt_main_thread_after(0.3)
    with pytest.raises(KeyboardInterrupt):
        client.streaming.create_session()
    timer.join()
    assert time.monotonic() - started < 2


def test_a_fatal_error_ends_the_stream_with_that_error(sim: Sim, client: ccbridge.ViaClient) -> None:
    sink = Collector()
    with client.stream(on_event=sink.on_event, on_status=sink.on_status), client.stream() as pulled:
        sim.post("/sim/faults", {"kind": "status", "status": 403, "pathContains": "streaming/events", "count": 2})
        failed = sink.wait_status("failed")
        assert isinstance(failed.error, ccbridge.ForbiddenError)
        assert failed.error.http_status == 403
        with pytest.raises(ccbridge.ForbiddenError):
            for _ in pulled:
                pass


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('{"a": 1, "b": [true, null, "x"], "c": {"d": 1.5}}', {"a": 1, "b": [True, None, "x"], "c": {"d": 1.5}}),
        ('"caf\\u00e9"', "café"),
        ("", None),
        ("   ", None),
        # Not JSON as the core reads it: the text itself, never an error.
        ('{"a": NaN}', '{"a": NaN}'),
        ("Infinity", "Infinity"),
        ("not json", "not json"),
        ('{"a": 1} trailing', '{"a": 1} trailing'),
        # An integer past 64 bits is a float, as serde_json (the core) reads it.
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("-9223372036854775808", -9223372036854775808),
        ("18446744073709551615", 18446744073709551615),
    ],
)
def test_a_payload_reads_by_the_cores_rules(raw: str, expected: object) -> None:
    event = ccbridge.Event.from_wire({"eventId": "1", "eventType": "x.Y", "payload": raw})
    assert event.payload == expected
    assert type(event.payload) is type(expected)
    assert event.raw_payload == raw
