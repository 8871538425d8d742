"""The embedded simulator, ccbridge.Simulator: options, credentials, clients, stopping."""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any, Dict

import pytest

import ccbridge
from conftest import API_KEY, CLIENT_ID, ORG, SECRET, Sim


def test_credentials_and_url() -> None:
    with ccbridge.Simulator(poll_wait=0.1, token_ttl=60, web_token_ttl=60, rate_limit=0) as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        assert (sim.org_id, sim.client_id, sim.client_secret, sim.api_key) == (ORG, CLIENT_ID, SECRET, API_KEY)
        assert not sim.closed
        assert repr(sim) == f"Simulator(url={sim.url!r})"
        # The control API is plain HTTP on the same URL; the options are in force.
        req = urllib.request.Request(
            sim.url + "/sim/config", data=b"{}", method="POST", headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            config = json.loads(resp.read())
        assert (config["pollWaitMs"], config["tokenTtlSecs"], config["webTokenTtlSecs"]) == (100, 60, 60)
        assert config["rateLimitPerSecond"] == 0
    assert sim.closed
    assert repr(sim).endswith(", closed)")


def test_client_of_it_and_overrides() -> None:
    with ccbridge.Simulator(poll_wait=0.1) as sim:
        client = sim.client()
        assert client.base_url.rstrip("/") == sim.url
        sid = client.streaming.create_session()["sessionId"]
        assert client.streaming.get_events(sid)["events"] == []
        client.streaming.delete_session(sid)
        with pytest.raises(ccbridge.AuthError):
            sim.client(client_secret="wrong-secret").streaming.create_session()


def test_close_is_idempotent_and_stops_serving() -> None:
    sim = ccbridge.Simulator()
    client = sim.client(max_attempts=1)
    client.streaming.delete_session(client.streaming.create_session()["sessionId"])
    sim.close()
    sim.close()
    assert sim.closed
    with pytest.raises(ccbridge.TransportError):
        client.streaming.create_session()


def test_two_at_once_and_a_taken_port(sim: Sim) -> None:
    with ccbridge.Simulator() as other:
        assert other.url != sim.url
    port = int(sim.url.rsplit(":", 1)[1])
    with pytest.raises(ccbridge.TransportError):
        ccbridge.Simulator(port=port)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"port": 70000}, "port"),
        ({"port": -1}, "port"),
        ({"poll_wait": -1.0}, "poll_wait"),
        ({"token_ttl": float("nan")}, "token_ttl"),
        ({"web_token_ttl": -5}, "web_token_ttl"),
        ({"rate_limit": -1}, "rate_limit"),
    ],
)
def test_bad_options_name_the_field(kwargs: Dict[str, Any], field: str) -> None:
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        ccbridge.Simulator(**kwargs)
    assert info.value.field == field


def test_its_records_go_to_the_ccbridge_sim_logger(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ccbridge")
    with ccbridge.Simulator(poll_wait=0.1) as sim:
        client = sim.client()
        client.streaming.delete_session(client.streaming.create_session()["sessionId"])
    names = {r.name for r in caplog.records if "streaming session created" in r.getMessage()}
    assert names == {"ccbridge.sim.streaming"}, names


def test_a_build_without_the_simulator_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(ccbridge._native, "Simulator")
    with pytest.raises(RuntimeError, match="simulator"):
        ccbridge.Simulator()
