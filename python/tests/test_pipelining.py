"""``http1_pipelining``: over HTTP/1.1 an event stream's acknowledgement and the poll behind
it share one write unless it is turned off; either way every event is acknowledged."""

from __future__ import annotations

from typing import Iterator

import pytest

import ccbridge
from conftest import POLL_WAIT, Sim, make_client


@pytest.fixture(scope="module")
def own_sim() -> Iterator[Sim]:
    """A simulator of this module's own: no stream of another test adds to its counts."""
    with ccbridge.Simulator(poll_wait=POLL_WAIT) as simulator:
        yield Sim(simulator)


def stats(sim: Sim) -> "tuple[int, int]":
    s = sim.control("GET", "/sim/stats")
    return int(s["acknowledged"]), int(s["pipelinedRequests"])


@pytest.mark.parametrize("pipelining", [None, True, False])
def test_the_poll_goes_behind_its_acknowledgement_unless_pipelining_is_off(
    own_sim: Sim, pipelining: "bool | None"
) -> None:
    sim = own_sim
    client = make_client(sim) if pipelining is None else make_client(sim, http1_pipelining=pipelining)
    acknowledged, pipelined = stats(sim)
    # An acknowledgement interval longer than the test: each goes out before a poll.
    with client.stream(require_acknowledgement=True, ack_interval=60) as stream:
        for _ in range(5):
            sim.post(
                "/sim/events",
                {"sessionId": stream.session_id, "eventType": "engagementCenter.Idle", "count": 3},
            )
            for _ in range(3):
                assert stream.next_event(timeout=10) is not None
        # Coming back once more hands over the last event: its acknowledgement goes with
        # the next poll.
        assert stream.next_event(timeout=0.3) is None
        now_acknowledged, now_pipelined = stats(sim)
    assert now_acknowledged - acknowledged == 15
    if pipelining is False:
        assert now_pipelined == pipelined, "nothing pipelined when it is off"
    else:
        assert now_pipelined - pipelined >= 5, "a poll behind each acknowledgement"


@pytest.mark.parametrize("bad", [1, 0, "yes", None])
def test_http1_pipelining_takes_a_bool_only(sim: Sim, bad: object) -> None:
    with pytest.raises(TypeError, match="http1_pipelining must be a bool"):
        make_client(sim, http1_pipelining=bad)


def test_the_native_client_refuses_a_non_bool_too(sim: Sim) -> None:
    with pytest.raises(TypeError):
        ccbridge._native.ViaClient(
            org_id=sim.simulator.org_id,
            client_id=sim.simulator.client_id,
            client_secret=sim.simulator.client_secret,
            api_key=sim.simulator.api_key,
            base_url=sim.url,
            http1_pipelining=1,  # type: ignore[arg-type]
        )
