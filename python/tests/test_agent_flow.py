"""An agent's whole flow against the simulator, each way events can be consumed."""

from __future__ import annotations

import asyncio
import json
from typing import List

import ccbridge
from conftest import Collector, Sim, ehub_of, make_client, pull_until

LOGIN = [
    "engagementCenter.Connecting",
    "engagementCenter.ConnectConfirm",
    "engagementCenter.Connected",
    "engagementCenter.Idle",
]


def test_callbacks_receive_every_command_outcome(client: ccbridge.ViaClient, user_id: str) -> None:
    sink = Collector()
    stream = client.stream(on_event=sink.on_event, on_status=sink.on_status)
    try:
        assert stream.callback_mode
        started = sink.wait_status("started")
        assert started.session_id == stream.session_id
        sid = stream.session_id

        ec = client.engagement_center
        ec.connect(sid, user_id, attach=False, initial_state="Idle")
        sink.wait_event("engagementCenter.Idle")
        assert [e.event_type for e in sink.events] == LOGIN
        ehub = ehub_of(sink.events[1])
        assert len({e.correlation_id for e in sink.events}) == 1

        n = len(sink.events)
        ec.not_ready(sid, user_id, ehub_session_id=ehub, reason_id="12", not_ready_type="Park")
        park = sink.wait_event("engagementCenter.Park", after=n)
        assert park.payload["userId"] == user_id

        n = len(sink.events)
        ec.ready(sid, user_id, ehub_session_id=ehub)
        sink.wait_event("engagementCenter.Idle", after=n)

        n = len(sink.events)
        ec.keep_alive(
            sid,
            user_id,
            ehub_session_id=ehub,
            session_timeout=120,
            request_timestamp="2024-05-01T10:00:00Z",
        )
        sink.wait_event("engagementCenter.ClientSessionKeepAlive", after=n)

        n = len(sink.events)
        ec.disconnect(sid, user_id, ehub_session_id=ehub, reason_id="0")
        sink.wait_event("engagementCenter.Disconnected", after=n)
    finally:
        stream.stop()
    sink.wait_status("stopped")
    ids = [e.event_id for e in sink.events]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    assert stream.stats.events_delivered == len(sink.events)
    assert stream.is_stopping


def test_event_attributes(client: ccbridge.ViaClient, user_id: str) -> None:
    with client.stream() as stream:
        client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
        events = pull_until(stream, "engagementCenter.ConnectConfirm")
    confirm = events[-1]
    assert confirm.kind
    assert confirm.event_id
    assert confirm.correlation_id
    assert confirm.published_time.endswith("Z")
    assert confirm.schema_version
    assert isinstance(confirm.payload, dict)
    assert json.loads(confirm.raw_payload) == confirm.payload
    assert confirm.payload is confirm.payload  # decoded once, then cached
    assert confirm.to_dict()["event_type"] == "engagementCenter.ConnectConfirm"
    assert confirm.to_dict()["payload"] == confirm.payload
    text = repr(confirm)
    assert text.startswith("Event(event_type='engagementCenter.ConnectConfirm'")
    assert confirm.event_id in text


def test_iteration_ends_when_the_stream_stops(client: ccbridge.ViaClient, user_id: str) -> None:
    stream = client.stream()
    client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
    seen: List[str] = []
    for event in stream:
        seen.append(event.event_type)
        if event.event_type == "engagementCenter.Idle":
            stream.stop()
    assert seen == LOGIN
    # Stopped and drained: nothing more, and pulling says so.
    assert list(stream) == []
    try:
        stream.next_event(timeout=0.1)
        raise AssertionError("next_event after stop must raise")
    except ccbridge.ClosedError as e:
        assert e.code == "closed"


def test_next_event_times_out_and_sets_statuses_aside(client: ccbridge.ViaClient) -> None:
    with client.stream() as stream:
        assert stream.next_event(timeout=0.2) is None
        assert [s.name for s in stream.statuses()] == ["started"]
        assert stream.statuses() == []
    with client.stream() as stream:
        item = stream.next_item(timeout=5)
        assert isinstance(item, ccbridge.StreamStatus)
        assert item.name == "started" and item.session_id == stream.session_id
        assert stream.next_item(timeout=0.2) is None


def test_async_for_and_async_commands(sim: Sim, user_id: str) -> None:
    client = make_client(sim)
    ec = client.engagement_center

    async def main() -> List[str]:
        seen: List[str] = []
        async with await client.stream_async() as stream:
            sid = stream.session_id
            await ec.connect_async(sid, user_id, attach=False, initial_state="NotReady")
            ehub = ""
            # Each expected event triggers the next command, once.
            script = [
                "engagementCenter.NotReady",
                "engagementCenter.Idle",
                "engagementCenter.Park",
                "engagementCenter.ClientSessionKeepAlive",
                "engagementCenter.Disconnected",
            ]
            async for event in stream:
                seen.append(event.event_type)
                if event.event_type == "engagementCenter.ConnectConfirm":
                    ehub = ehub_of(event)
                if not script or event.event_type != script[0]:
                    continue
                step = script.pop(0)
                if step == "engagementCenter.NotReady":
                    await ec.ready_async(sid, user_id, ehub_session_id=ehub)
                elif step == "engagementCenter.Idle":
                    await ec.not_ready_async(
                        sid, user_id, ehub_session_id=ehub, reason_id="7", not_ready_type="Park"
                    )
                elif step == "engagementCenter.Park":
                    await ec.keep_alive_async(sid, user_id, ehub_session_id=ehub)
                elif step == "engagementCenter.ClientSessionKeepAlive":
                    await ec.disconnect_async(sid, user_id, ehub_session_id=ehub, reason_id="0")
                else:
                    await stream.stop_async()
        return seen

    seen = asyncio.run(asyncio.wait_for(main(), 30))
    assert seen == LOGIN[:3] + [
        "engagementCenter.NotReady",
        "engagementCenter.Idle",
        "engagementCenter.Park",
        "engagementCenter.ClientSessionKeepAlive",
        "engagementCenter.Disconnected",
    ]


def test_async_calls_run_concurrently(sim: Sim) -> None:
    client = make_client(sim)

    async def main() -> None:
        streaming = client.streaming
        infos = await asyncio.gather(*(streaming.create_session_async() for _ in range(5)))
        ids = {i["sessionId"] for i in infos}
        assert len(ids) == 5
        await asyncio.gather(*(streaming.delete_session_async(s) for s in ids))
        stream = await client.stream_async()
        try:
            assert await stream.next_event_async(timeout=0.2) is None
        finally:
            await stream.stop_async()

    asyncio.run(asyncio.wait_for(main(), 30))


def test_cancelled_await_leaves_the_stream_usable(client: ccbridge.ViaClient, user_id: str) -> None:
    async def main() -> str:
        stream = await client.stream_async()
        try:
            waiter = asyncio.ensure_future(stream.next_event_async())
            await asyncio.sleep(0.2)
            waiter.cancel()
            try:
                await waiter
            except asyncio.CancelledError:
                pass
            await client.engagement_center.connect_async(
                stream.session_id, user_id, attach=False, initial_state="Idle"
            )
            event = await stream.next_event_async(timeout=10)
            assert event is not None
            return event.event_type
        finally:
            await stream.stop_async()

    assert asyncio.run(main()) == "engagementCenter.Connecting"
