"""Table-driven tests over every operation and event type of the description.

The cases come from ``tests/vectors/api.json``, which ``make codegen`` writes from the same
description as the code: a valid call per operation (through the generic call and through
its typed method), the invalid variants that must be refused before anything is sent, and
each event type's documented example payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from typing import Any, Dict, List, Mapping

import pytest

import ccbridge
from ccbridge import events

from conftest import REPO, Sim

VECTORS: Dict[str, Any] = json.loads((REPO / "tests" / "vectors" / "api.json").read_text())
OPERATIONS: List[Dict[str, Any]] = VECTORS["operations"]
EVENTS: List[Dict[str, Any]] = VECTORS["events"]


def substitute(value: Any, saved: Mapping[str, Any]) -> Any:
    """Replaces each "$NAME" string with what a setup call saved under NAME."""
    if isinstance(value, str) and value.startswith("$"):
        return saved[value[1:]]
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    return value


def await_event(client: ccbridge.ViaClient, session: str, event_type: str) -> Any:
    """Polls the session until an event of ``event_type``; returns its decoded payload."""
    for _ in range(50):
        batch = client.call("streaming.getEvents", {"sessionId": session, "query": {"maxEvents": 200}})
        for e in batch["events"]:
            if e["eventType"] == event_type:
                return json.loads(e["payload"])
    raise AssertionError(f"no {event_type}")


def at(value: Any, path: str) -> Any:
    for key in path.split("."):
        value = value[key]
    return value


def setup(client: ccbridge.ViaClient, case: Mapping[str, Any]) -> Dict[str, Any]:
    saved: Dict[str, Any] = {"USER": f"py-agent-{uuid.uuid4().hex[:10]}"}
    for step in case["setup"]:
        if "await" in step:
            payload = await_event(client, saved["SESSION"], step["await"]["eventType"])
            for name, path in step["save"].items():
                saved[name] = at(payload, path)
            continue
        out = client.call(step["op"], substitute(step["params"], saved))
        for name, field in step["save"].items():
            saved[name] = out[field]
    return saved


def requests_seen(sim: Sim) -> int:
    return sum(sim.control("GET", "/sim/stats")["requests"].values())


def test_the_vectors_cover_every_operation() -> None:
    assert sorted(c["op"] for c in OPERATIONS) == sorted(ccbridge.operations())
    assert len(OPERATIONS) == 72


@pytest.mark.parametrize("case", OPERATIONS, ids=[c["op"] for c in OPERATIONS])
def test_generic_call_succeeds(client: ccbridge.ViaClient, case: Dict[str, Any]) -> None:
    saved = setup(client, case)
    client.call(case["op"], substitute(case["valid"], saved))


@pytest.mark.parametrize("case", OPERATIONS, ids=[c["op"] for c in OPERATIONS])
def test_typed_method_succeeds(client: ccbridge.ViaClient, case: Dict[str, Any]) -> None:
    saved = setup(client, case)
    py = case["python"]
    method = getattr(getattr(client, py["service"]), py["method"])
    expect = pytest.deprecated_call() if "V2" in case["op"] else contextlib.nullcontext()
    with expect:
        method(*substitute(py["args"], saved), **substitute(py["kwargs"], saved))


@pytest.mark.parametrize("case", OPERATIONS, ids=[c["op"] for c in OPERATIONS])
def test_invalid_variants_are_refused_before_sending(
    sim: Sim, client: ccbridge.ViaClient, case: Dict[str, Any]
) -> None:
    placeholders = {"SESSION": "s", "SUBSCRIPTION": "s", "EHUB": "1", "USER": "u"}
    for bad in case["invalid"]:
        before = requests_seen(sim)
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            client.call(case["op"], substitute(bad["params"], placeholders))
        assert info.value.field == bad["field"], (bad["why"], info.value)
        assert requests_seen(sim) == before, "something was sent"


def test_wrong_python_types_and_typos_name_the_field(client: ccbridge.ViaClient) -> None:
    ec = client.engagement_center
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        ec.ready("s", "u", ehub_session_id=4875)  # type: ignore[arg-type]
    assert info.value.field == "ehubSessionId"
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        ec.connect("s", "u", attach=False, extra_body={"initialState": "Idle"})
    assert info.value.field == "extraBody.initialState"
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        client.call(
            "engagementCenter.connect",
            {"sessionId": "s", "userId": "u", "body": {"attach": False, "initalState": "Idle"}},
        )
    assert info.value.field == "initalState"
    items: List[ccbridge.models.InteractionDataItem] = [
        {"key": f"k{i}", "value": "v"} for i in range(21)
    ]
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        ec.consult("s", "i", consult_type="User", ehub_session_id="1", user_id="u",
                   interaction_data_collection=items)
    assert info.value.field == "interactionDataCollection"
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        client.messaging.send_text("s", text="x" * 2001)
    assert info.value.field == "text"


@pytest.mark.parametrize("case", EVENTS, ids=[e["type"] for e in EVENTS])
def test_every_event_type_decodes_from_its_example(case: Dict[str, Any]) -> None:
    event = ccbridge.Event.from_wire(
        {"eventId": "1", "eventType": case["type"], "payload": json.dumps(case["payload"])}
    )
    typed = events.typed_payload(event)
    assert typed is not None
    assert type(typed).__name__ == case["model"]
    assert typed.event_type == case["type"]
    # Every documented attribute is readable; a twin reads as text.
    for name in dir(type(typed)):
        if isinstance(getattr(type(typed), name), property):
            getattr(typed, name)
    if "ehubSessionId" in case["payload"] or "ehubSessionIdRev" in case["payload"]:
        value = getattr(typed, "ehub_session_id")
        assert value is None or isinstance(value, str)


# Values a service could send in place of any documented one.
ODD_VALUES: List[Any] = [
    None, True, False, 0, 1, -7, 2**63, 3.0, 2.5, 1e20, "", " ", "42", " 17 ", "+5", "1_0",
    "TRUE", "false", "1.5", "x", [], [1, "a"], {}, {"k": 1}, [{"key": "a", "value": "b"}],
]


def distort(value: Any, rng: random.Random) -> Any:
    """A copy of ``value`` with about a third of its leaves and objects replaced by odd
    values, twins and lists included."""
    if isinstance(value, dict):
        return {
            k: (rng.choice(ODD_VALUES) if rng.random() < 0.3 else distort(v, rng))
            for k, v in value.items()
        }
    if isinstance(value, list):
        items = [distort(v, rng) for v in value]
        return items[0] if items and rng.random() < 0.2 else items
    return rng.choice(ODD_VALUES) if rng.random() < 0.35 else value


@pytest.mark.parametrize("case", EVENTS, ids=[e["type"] for e in EVENTS])
def test_attribute_reads_agree_with_the_core_decoder(case: Dict[str, Any]) -> None:
    """The payload classes decode on attribute access, in Python; the core decodes the same
    payload in Rust (``Event.typed_payload()``, what Kotlin, Swift and C read). Both must
    give the same values, on the example and on distorted copies of it."""
    rng = random.Random(case["type"])
    payloads = [case["payload"]] + [distort(case["payload"], rng) for _ in range(40)]
    for payload in payloads:
        event = ccbridge.Event.from_wire(
            {"eventId": "1", "eventType": case["type"], "payload": json.dumps(payload)}
        )
        typed = events.typed_payload(event)
        assert typed is not None
        assert typed.to_dict() == event.typed_payload(), json.dumps(payload)


def test_attribute_reads_follow_the_lenient_rules() -> None:
    payload = {
        "ehubSessionId": 100,
        "ehubSessionIdRev": "0100",
        "userId": 7,
        "payload": {
            "interactionId": "151",
            "mediaType": "SomethingNew",
            "preemptive": "1",
            "playAudioAlert": "TRUE",
            "interactionInfo": {"interactionData": {"key": "k", "value": "v"}},
        },
    }
    event = ccbridge.Event.from_wire(
        {"eventId": "1", "eventType": "engagementCenter.ScreenPop", "payload": json.dumps(payload)}
    )
    typed = events.typed_payload(event)
    assert isinstance(typed, events.EcScreenPopEvent)
    # The string twin wins: it is exact where the integer may be rounded.
    assert typed.ehub_session_id == "0100"
    assert typed.user_id == "7"
    inner = typed.payload
    assert inner is not None
    assert inner.interaction_id == "151"
    assert inner.media_type == "SomethingNew"
    assert inner.preemptive == 1
    assert inner.play_audio_alert is True
    # One object where the documents say a list reads as a list of one.
    info = inner.interaction_info
    items = info.interaction_data if info else None
    assert items is not None and [(i.key, i.value) for i in items] == [("k", "v")]
    odd = ccbridge.Event.from_wire(
        {
            "eventId": "2",
            "eventType": "engagementCenter.ScreenPop",
            "payload": json.dumps({"userId": {"no": 1}, "payload": [1, 2]}),
        }
    )
    typed_odd = events.typed_payload(odd)
    assert isinstance(typed_odd, events.EcScreenPopEvent)
    assert typed_odd.user_id is None and typed_odd.payload is None
    assert typed_odd.to_dict() == {} == odd.typed_payload()


def test_unknown_and_undecodable_payloads_stay_raw() -> None:
    unknown = ccbridge.Event.from_wire(
        {"eventId": "1", "eventType": "engagementCenter.SomethingNew", "payload": "{}"}
    )
    assert events.typed_payload(unknown) is None
    odd = ccbridge.Event.from_wire(
        {"eventId": "2", "eventType": "engagementCenter.Held", "payload": "not json"}
    )
    assert events.typed_payload(odd) is None
    assert odd.payload == "not json"


def test_raw_requests_take_the_same_transport(sim: Sim, client: ccbridge.ViaClient) -> None:
    session = client.streaming.create_session(inactivity_delay=60)
    answer = client.raw(
        "GET", "streaming/events", version="v3", session_id=session["sessionId"],
        query=[("maxEvents", "1")],
    )
    assert answer["totalItems"] == 0
    with pytest.raises(ccbridge.NotFoundError):
        client.raw("GET", "provisioning/users")
    before = requests_seen(sim)
    for method, version, path, field in [
        ("GET", "2", "provisioning/users", "version"),
        ("GET", "v2", "../../oauth2/token", "path"),
        ("FETCH", "v2", "provisioning/users", "method"),
    ]:
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            client.raw(method, path, version=version)
        assert info.value.field == field
    assert requests_seen(sim) == before


def test_raw_async(client: ccbridge.ViaClient) -> None:
    async def main() -> None:
        with pytest.raises(ccbridge.NotFoundError):
            await client.raw_async("POST", "campaign/filters", body={"name": "x"})

    asyncio.run(main())
