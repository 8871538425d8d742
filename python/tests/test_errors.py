"""Bad input gives typed exceptions naming the field; service errors map to the hierarchy."""

from __future__ import annotations

import builtins
import pickle
from typing import Any, Dict

import pytest

import ccbridge
from conftest import API_KEY, SECRET, Sim, make_client

GOOD: Dict[str, Any] = dict(org_id="acme", client_id="cid", client_secret="s3cr3t", api_key="k3y")


def config_error(**overrides: Any) -> ccbridge.InvalidArgumentError:
    kwargs = dict(GOOD)
    kwargs.update(overrides)
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        ccbridge.ViaClient(**kwargs)
    return info.value


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"org_id": ""}, "org_id"),
        ({"org_id": "a/b"}, "org_id"),
        ({"client_id": "  "}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"api_key": ""}, "api_key"),
        ({"scopes": [""]}, "scopes"),
        ({"base_url": "not a url"}, "base_url"),
        ({"base_url": "http://example.com"}, "base_url"),
        ({"base_url": "ftp://127.0.0.1/"}, "base_url"),
        ({"token_url": "http://auth.example.com/token"}, "token_url"),
        ({"request_timeout": 0.0}, "request_timeout"),
        ({"request_timeout": -1.0}, "request_timeout"),
        ({"connect_timeout": float("nan")}, "connect_timeout"),
        ({"max_attempts": 0}, "retry.max_attempts"),
        ({"max_attempts": -3}, "max_attempts"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
        ({"max_response_bytes": -1}, "max_response_bytes"),
    ],
)
def test_config_errors_name_the_field(overrides: Dict[str, Any], field: str) -> None:
    err = config_error(**overrides)
    assert err.field == field
    assert err.code == "invalid_argument"
    assert err.http_status is None
    assert field in str(err)
    assert isinstance(err, ccbridge.Error) and isinstance(err, ValueError)
    assert "s3cr3t" not in str(err) and "k3y" not in repr(err)


def test_insecure_http_only_when_allowed_or_loopback() -> None:
    ccbridge.ViaClient(**GOOD, base_url="http://example.com", allow_insecure_http=True)
    ccbridge.ViaClient(**GOOD, base_url="http://localhost:8080")


def test_wrong_argument_types_raise_type_error() -> None:
    with pytest.raises(TypeError):
        ccbridge.ViaClient(**{**GOOD, "org_id": 42})
    with pytest.raises(TypeError):
        ccbridge.ViaClient(**GOOD, scopes="engagementcenterapi")
    with pytest.raises(TypeError):
        ccbridge.ViaClient("acme", "cid", "s", "k")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ccbridge.ViaClient(**GOOD, request_timeout="10")  # type: ignore[arg-type]


def test_repr_never_shows_secrets() -> None:
    client = ccbridge.ViaClient(**GOOD)
    text = repr(client)
    assert text == "ViaClient(org_id='acme', client_id='cid', base_url='https://acme.via.aspect-cloud.net/')"
    assert "s3cr3t" not in text and "k3y" not in text
    assert not hasattr(client, "client_secret") and not hasattr(client, "api_key")
    assert client.token_url == "https://acme.via.aspect-cloud.net/via/v2/oauth2/token"
    assert client.scopes and client.org_id == "acme" and client.client_id == "cid"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"inactivity_delay": 30}, "inactivity_delay"),
        ({"inactivity_delay": 700}, "inactivity_delay"),
        ({"inactivity_delay": -1}, "inactivity_delay"),
        ({"max_events": 0}, "max_events"),
        ({"max_events": 500}, "max_events"),
        ({"buffer_capacity": 0}, "buffer_capacity"),
        ({"dedupe_window": 0}, "dedupe_window"),
        ({"poll_timeout": 0.5}, "poll_timeout"),
        ({"shutdown_deadline": -1.0}, "shutdown_deadline"),
    ],
)
def test_stream_settings_out_of_range(client: ccbridge.ViaClient, overrides: Dict[str, Any], field: str) -> None:
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        client.stream(**overrides)
    assert info.value.field == field


def test_stream_callbacks_must_be_callable_and_on_status_needs_on_event(client: ccbridge.ViaClient) -> None:
    with pytest.raises(TypeError):
        client.stream(on_event=42)  # type: ignore[arg-type]
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        client.stream(on_status=lambda s: None)
    assert info.value.field == "on_status"


def test_command_arguments(client: ccbridge.ViaClient) -> None:
    def field_of(fn: Any, *args: Any, **kwargs: Any) -> str:
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            fn(*args, **kwargs)
        return info.value.field

    # The core checks every call against the API description and names the wire field.
    ec, streaming = client.engagement_center, client.streaming
    assert field_of(ec.connect, "sid", "u", attach=False, initial_state="Ready") == "initialState"
    assert (
        field_of(ec.not_ready, "sid", "u", ehub_session_id="1", reason_id="12", not_ready_type="Busy")
        == "notReadyType"
    )
    assert field_of(ec.connect, "sid", "", attach=False, initial_state="Idle") == "userId"
    assert field_of(ec.connect, " ", "u", attach=False) == "sessionId"
    assert field_of(ec.ready, "sid", "u", ehub_session_id="") == "ehubSessionId"
    assert field_of(ec.disconnect, "sid", "u", ehub_session_id="1", reason_id="") == "reasonId"
    assert field_of(ec.keep_alive, "sid", "u", ehub_session_id="1", session_timeout=0) == "sessionTimeout"
    assert (
        field_of(ec.keep_alive, "sid", "u", ehub_session_id="1", request_timestamp="yesterday")
        == "requestTimestamp"
    )
    assert field_of(streaming.get_events, "sid", max_events=0) == "maxEvents"
    assert field_of(streaming.get_events, "sid", max_events=201) == "maxEvents"
    assert field_of(streaming.get_events, "sid", max_events=-1) == "maxEvents"
    assert field_of(streaming.acknowledge, "sid", events=[]) == "events"
    assert (
        field_of(streaming.acknowledge, "sid", events=[{"eventId": "1-0"}, {"eventId": ""}])
        == "events[1].eventId"
    )
    assert field_of(streaming.create_session, inactivity_delay=30) == "inactivityDelay"
    assert field_of(streaming.create_session, inactivity_delay=-1) == "inactivityDelay"
    # A value JSON cannot express is a TypeError (a JSON value of the wrong type is an
    # InvalidArgumentError naming the field: see test_table).
    with pytest.raises(TypeError):
        ec.ready("sid", "u", ehub_session_id=object())  # type: ignore[arg-type]


def test_generic_call_arguments(client: ccbridge.ViaClient) -> None:
    with pytest.raises(ccbridge.InvalidArgumentError):
        client.call("no.suchOperation", {})
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        client.call("streaming.createSession", ["not", "a", "dict"])  # type: ignore[arg-type]
    assert info.value.field == "params"
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        client.call("streaming.getEvents", {})
    assert info.value.field == "sessionId"
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        client.call("streaming.deleteSession", {"sessionId": "x", "bogus": 1})
    assert info.value.field == "bogus"
    with pytest.raises(TypeError, match="not JSON-serializable"):
        client.call("streaming.createSession", {"body": {"x": object()}})
    with pytest.raises(TypeError, match="keys must be str"):
        client.call("streaming.createSession", {"body": {1: "x"}})


def test_wrong_secret_is_an_auth_error_without_the_secret(sim: Sim) -> None:
    client = make_client(sim, client_secret="wrong-secret-xyz")
    with pytest.raises(ccbridge.AuthError) as info:
        client.streaming.create_session()
    err = info.value
    assert err.http_status == 401
    assert err.code == "auth"
    for text in (str(err), repr(err), repr(err.args)):
        assert "wrong-secret-xyz" not in text
        assert SECRET not in text and API_KEY not in text


def test_wrong_api_key_is_an_auth_error(sim: Sim) -> None:
    client = make_client(sim, api_key="wrong-key-abc")
    with pytest.raises(ccbridge.AuthError) as info:
        client.streaming.create_session()
    assert info.value.http_status == 401
    assert "wrong-key-abc" not in str(info.value) and "wrong-key-abc" not in repr(info.value)


def test_server_errors_map_to_api_error(sim: Sim) -> None:
    client = make_client(sim, max_attempts=1)
    sim.post("/sim/faults", {"kind": "status", "status": 503, "pathContains": "streaming/session", "method": "POST"})
    with pytest.raises(ccbridge.ApiError) as info:
        client.streaming.create_session()
    err = info.value
    assert err.status == 503 and err.http_status == 503 and err.code == "api"
    assert isinstance(err.errors, list)


def test_a_command_not_safe_to_repeat_is_never_sent_twice(sim: Sim) -> None:
    client = make_client(sim)
    session = client.streaming.create_session()["sessionId"]
    before = sim.control("GET", "/sim/stats")["operations"].get("engagementCenter.hold", 0)
    sim.post("/sim/faults", {"kind": "status", "status": 502, "pathContains": "/hold", "method": "POST"})
    with pytest.raises(ccbridge.OutcomeUnknownError) as info:
        client.engagement_center.hold(session, "7", ehub_session_id="1")
    assert info.value.code == "outcome_unknown"
    assert "not sent again" in str(info.value)
    after = sim.control("GET", "/sim/stats")["operations"].get("engagementCenter.hold", 0)
    assert after == before + 1, "one attempt, no retry"
    client.streaming.delete_session(session)


def test_rate_limited_carries_retry_after(sim: Sim) -> None:
    client = make_client(sim, max_attempts=1)
    sim.post(
        "/sim/faults",
        {"kind": "status", "status": 429, "retryAfter": 7, "pathContains": "streaming/session", "method": "POST"},
    )
    with pytest.raises(ccbridge.RateLimitedError) as info:
        client.streaming.create_session()
    assert info.value.retry_after == 7.0
    assert info.value.http_status == 429


def test_timeout_is_also_the_builtin_timeout_error(sim: Sim) -> None:
    client = make_client(sim, max_attempts=1, request_timeout=0.3)
    client.streaming.create_session()  # token fetched before the stall
    sim.post("/sim/faults", {"kind": "stall", "stallMs": 2000, "pathContains": "streaming/session", "method": "POST"})
    with pytest.raises(builtins.TimeoutError) as info:
        client.streaming.create_session()
    assert isinstance(info.value, ccbridge.TimeoutError)
    assert info.value.code == "timeout"


def test_transport_error_when_nothing_listens() -> None:
    client = ccbridge.ViaClient(**GOOD, base_url="http://127.0.0.1:1", max_attempts=1)
    with pytest.raises(ccbridge.TransportError) as info:
        client.streaming.create_session()
    assert info.value.http_status is None and info.value.code == "transport"


def test_expired_session_is_session_expired(client: ccbridge.ViaClient) -> None:
    sid = client.streaming.create_session()["sessionId"]
    client.streaming.delete_session(sid)
    with pytest.raises(ccbridge.SessionExpiredError) as info:
        client.streaming.get_events(sid)
    assert info.value.code == "session_expired"


def test_every_category_has_its_class() -> None:
    classes = [getattr(ccbridge, n) for n in ccbridge.__all__ if n.endswith("Error") and n != "Error"]
    codes = {c.code for c in classes}
    assert len(codes) == len(classes) == 14
    for c in classes:
        assert issubclass(c, ccbridge.Error)
    err = ccbridge.RateLimitedError("slow down", retry_after=1.5, http_status=429)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is ccbridge.RateLimitedError and copy.retry_after == 1.5
