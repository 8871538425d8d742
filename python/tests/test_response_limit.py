"""``max_response_bytes``: every answer is bounded, the token endpoint's included."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import ccbridge
from conftest import SECRET, Sim, make_client


def new_session(client: ccbridge.ViaClient) -> str:
    session: Any = client.call("streaming.createSession", {"body": {"inactivityDelay": 60}})
    return str(session["sessionId"])


def inject(sim: Sim, session_id: str, size: int) -> None:
    sim.post(
        "/sim/events",
        {"sessionId": session_id, "eventType": "engagementCenter.ScreenPop", "payload": {"blob": "b" * size}},
    )


def poll(client: ccbridge.ViaClient, session_id: str) -> Any:
    return client.call("streaming.getEvents", {"sessionId": session_id, "query": {"maxEvents": 10}})


def test_a_larger_answer_is_a_decode_error_and_smaller_ones_pass(sim: Sim) -> None:
    client = make_client(sim, max_response_bytes=16 * 1024)
    small = new_session(client)
    inject(sim, small, 100)
    assert len(poll(client, small)["events"]) == 1

    big = new_session(client)
    inject(sim, big, 64 * 1024)
    with pytest.raises(ccbridge.DecodeError) as info:
        poll(client, big)
    assert "max_response_bytes" in str(info.value) and "16384" in str(info.value)
    assert info.value.code == "decode" and info.value.http_status is None

    # The same client goes on working; the default limit reads such an answer.
    assert poll(client, small)["events"] == []
    roomy = make_client(sim)
    other = new_session(roomy)
    inject(sim, other, 64 * 1024)
    assert len(poll(roomy, other)["events"]) == 1


def test_the_token_endpoints_answer_is_bounded_too(sim: Sim) -> None:
    client = make_client(sim, max_response_bytes=32)
    with pytest.raises(ccbridge.DecodeError, match="token endpoint.*max_response_bytes"):
        client.call("streaming.createSession", {})
    # A refusal over the limit keeps its class, and no secret shows.
    wrong = make_client(sim, max_response_bytes=32, client_secret="wrong-" + SECRET)
    with pytest.raises(ccbridge.AuthError) as info:
        wrong.call("streaming.createSession", {})
    assert info.value.http_status == 401 and "wrong-" not in str(info.value)


def test_the_async_path_reports_it_the_same_way(sim: Sim) -> None:
    client = make_client(sim, max_response_bytes=32)

    async def main() -> None:
        await client.call_async("streaming.createSession", {})

    with pytest.raises(ccbridge.DecodeError, match="max_response_bytes"):
        asyncio.run(asyncio.wait_for(main(), 30))
