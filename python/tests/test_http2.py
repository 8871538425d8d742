"""``http2``: negotiated by default (HTTP/1.1 over plain ``http://``, where nothing can
negotiate it); ``"prior_knowledge"`` shares one HTTP/2 connection; anything else is refused."""

from __future__ import annotations

import pytest

import ccbridge
from conftest import Sim, make_client


def http2_requests(sim: Sim) -> int:
    return int(sim.control("GET", "/sim/stats")["http2Requests"])


@pytest.mark.parametrize("http2", [None, "negotiate", "off", "prior_knowledge"])
def test_http2_is_spoken_only_with_prior_knowledge_over_plain_http(sim: Sim, http2: "str | None") -> None:
    client = make_client(sim) if http2 is None else make_client(sim, http2=http2)
    before = http2_requests(sim)
    with client.stream() as stream:
        sim.post("/sim/events", {"sessionId": stream.session_id, "eventType": "engagementCenter.Idle"})
        assert stream.next_event(timeout=10) is not None
    spoken = http2_requests(sim) - before
    if http2 == "prior_knowledge":
        assert spoken >= 3, "token, session, polls and delete over HTTP/2"
    else:
        assert spoken == 0, "HTTP/1.1 over plain http://"


@pytest.mark.parametrize("bad", ["on", "Negotiate", ""])
def test_an_unknown_http2_choice_is_refused_naming_the_field(sim: Sim, bad: str) -> None:
    with pytest.raises(ccbridge.InvalidArgumentError) as e:
        make_client(sim, http2=bad)
    assert e.value.field == "http2"
    assert "prior_knowledge" in str(e.value)


def test_a_boolean_is_not_an_http2_choice(sim: Sim) -> None:
    with pytest.raises(TypeError, match="prior_knowledge"):
        make_client(sim, http2=True)
