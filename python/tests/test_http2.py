"""``http2``: HTTP/1.1 unless asked; asked, every request shares one HTTP/2 connection."""

from __future__ import annotations

from conftest import Sim, make_client


def http2_requests(sim: Sim) -> int:
    return int(sim.control("GET", "/sim/stats")["http2Requests"])


def test_http2_is_spoken_only_when_asked(sim: Sim) -> None:
    for http2 in (False, True):
        client = make_client(sim, http2=http2)
        before = http2_requests(sim)
        with client.stream() as stream:
            sim.post("/sim/events", {"sessionId": stream.session_id, "eventType": "engagementCenter.Idle"})
            assert stream.next_event(timeout=10) is not None
        spoken = http2_requests(sim) - before
        if http2:
            assert spoken >= 3, "token, session, polls and delete over HTTP/2"
        else:
            assert spoken == 0, "HTTP/1.1 by default"
