"""ccbridge.AgentSession against the simulator's agent state machine, over real HTTP."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import os
import subprocess
import sys
import textwrap
import inspect
import logging
import threading
import time
import typing
import urllib.error
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

import ccbridge
from ccbridge import AgentChange, AgentSession, AgentSnapshot, CommandOutcome
from ccbridge._agent_commands import AgentCommands
from ccbridge.events import (
    AgentStatisticsItem,
    EcAgentStatisticsEvent,
    EcScreenPopEvent,
    ScreenPopScreenData,
    typed_payload,
)
from conftest import POLL_WAIT, Sim

#: Longest wait for something the simulator does at once.
WAIT = 10.0

DISPOSE: Dict[str, Any] = dict(
    disposition_id="1",
    wrap_required=False,
    sales_flag=False,
    callback_flag=False,
    interaction_data_collection=[],
)


def confirmed_by(outcome: CommandOutcome) -> str:
    return outcome.event.event_type if outcome.event is not None else "(202 only)"


def wait_change(
    agent: AgentSession, kind: str, timeout: float = WAIT, seen: Optional[List[AgentChange]] = None
) -> AgentChange:
    """Reads changes until one of `kind`; those read on the way go to `seen`."""
    deadline = time.monotonic() + timeout
    got: List[AgentChange] = []
    while True:
        left = deadline - time.monotonic()
        change = agent.next_change(timeout=max(0.0, left))
        if change is None:
            raise AssertionError(f"no {kind} change within {timeout}s; got {[c.kind for c in got]}")
        got.append(change)
        if seen is not None:
            seen.append(change)
        if change.kind == kind:
            return change


def wait_until(pred: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def wait_state(agent: AgentSession, state: str, timeout: float = WAIT) -> AgentSnapshot:
    wait_until(lambda: agent.state == state, f"state {state} (now {agent.snapshot()})", timeout)
    return agent.snapshot()


def commands_sent(sim: Sim) -> Dict[str, int]:
    """The simulator's count of Engagement Center commands and of streaming sessions created
    (not of the polls that running streams keep sending)."""
    ops: Dict[str, int] = sim.control("GET", "/sim/stats")["operations"]
    return {k: v for k, v in ops.items() if k.startswith("engagementCenter.") or k == "streaming.createSession"}


@pytest.fixture
def own_sim() -> Iterator[Sim]:
    """A simulator of the test's own, for faults and timers that would disturb the others."""
    with ccbridge.Simulator(poll_wait=POLL_WAIT) as simulator:
        yield Sim(simulator)


# -- a whole day ---------------------------------------------------------------------------


def test_a_full_agent_day(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    simulator = sim.simulator
    with AgentSession.login(
        client, user_id, initial_state="NotReady", station="9785551212", command_timeout=5
    ) as agent:
        snap = agent.snapshot()
        assert (snap.user_id, snap.state, snap.reason_id, snap.pending) == (user_id, "NotReady", "0", None)
        assert snap.ehub_session_id is not None and snap.ehub_session_id == agent.ehub_session_id
        assert snap.in_sync and snap.interactions == ()
        assert simulator.agent_info(user_id)["ehubSessionId"] == snap.ehub_session_id
        assert agent.stream_session_id in simulator.agent_info(user_id)["sessions"]
        login = [agent.next_change(timeout=0) for _ in range(4)]
        assert [c.event.event_type if c and c.event else None for c in login] == [
            "engagementCenter.Connecting",
            "engagementCenter.ConnectConfirm",
            "engagementCenter.Connected",
            "engagementCenter.NotReady",
        ]
        assert login[-1] is not None and (login[-1].old_state, login[-1].new_state) == ("Connecting", "NotReady")

        ready = agent.ready()
        assert confirmed_by(ready) == "engagementCenter.Idle"
        assert ready.command == "engagementCenter.ready"
        assert ready.correlation_id and ready.event and ready.event.correlation_id == ready.correlation_id
        assert agent.state == "Idle"

        # An inbound call with caller data and user fields.
        call = simulator.offer(
            user_id,
            screen_data={"ani": "5085550199", "firstName": "ADA", "lastName": "LOVELACE"},
            interaction_data=[{"key": "Account", "value": "A-42"}, {"key": "PIN", "value": "1234", "isMasked": True}],
        )
        popped = wait_change(agent, "InteractionOffered")
        assert popped.interaction_id == call
        assert (popped.old_state, popped.new_state) == ("Idle", "Busy")
        assert isinstance(popped.payload, EcScreenPopEvent)
        interaction = agent.snapshot().interaction(call)
        assert interaction is not None
        assert (interaction.state, interaction.media_type) == ("Offered", "InboundACD")
        assert not (interaction.consulting or interaction.conference or interaction.transferred)
        pop = interaction.screen_pop
        assert pop is not None and pop.payload is not None and pop.payload.interaction_info is not None
        screen = pop.payload.interaction_info.screen_data
        assert isinstance(screen, ScreenPopScreenData)
        assert (screen.ani, screen.first_name, screen.last_name) == ("5085550199", "ADA", "LOVELACE")
        fields = pop.payload.interaction_info.interaction_data or []
        assert [(f.key, f.value, f.is_masked) for f in fields] == [("Account", "A-42", None), ("PIN", "1234", True)]
        assert pop.payload.interaction_id == call

        assert confirmed_by(agent.accept(call)) == "engagementCenter.Active"
        assert agent.snapshot().interactions[0].state == "Active"
        held = agent.hold(call)
        assert confirmed_by(held) == "engagementCenter.Held"
        assert held.command == "engagementCenter.hold"
        assert agent.snapshot().interactions[0].state == "Held"
        assert simulator.agent_info(user_id)["interactions"][0]["state"] == "Held"
        assert confirmed_by(agent.retrieve(call)) == "engagementCenter.Active"

        consult = agent.consult(call, consult_type="User", user_id="supervisor")
        assert confirmed_by(consult).startswith("engagementCenter.Consult")
        assert agent.snapshot().interactions[0].consulting
        # The leg, from the session's own state: Consult names it.
        wait_until(lambda: agent.snapshot().interactions[0].consult_interaction_id is not None, "the leg")
        snap = agent.snapshot()
        leg = snap.interactions[0].consult_interaction_id
        assert leg == str(simulator.agent_info(user_id)["interactions"][0]["consultInteractionId"])
        assert [(i.interaction_id, i.original_interaction_id) for i in snap.interactions] == [(call, None), (leg, call)]
        conference = agent.conference(call, consultation_interaction_id=leg)
        assert confirmed_by(conference) == "engagementCenter.Conference"
        snap = agent.snapshot()
        assert snap.interactions[0].conference and not snap.interactions[0].consulting
        assert [i.interaction_id for i in snap.interactions] == [call], "the leg joined the call"
        assert simulator.agent_info(user_id)["interactions"][0]["conference"] is True

        transfer = agent.transfer(call, transfer_type="WorkType", work_type_id="191")
        assert confirmed_by(transfer) == "engagementCenter.CallReRouted"
        snap = wait_state(agent, "Wrap")
        assert snap.interactions[0].transferred and snap.interactions[0].state == "Wrap"

        disposed = agent.dispose(
            call,
            disposition_id="7",
            wrap_required=False,
            sales_flag=True,
            callback_flag=False,
            interaction_data_collection=[{"key": "Outcome", "value": "sold"}],
        )
        assert confirmed_by(disposed) == "engagementCenter.DispositionInitiated"
        assert disposed.event is not None
        inner = disposed.event.payload["payload"]
        assert inner["saleflag"] is True and inner["interactionData"] == [{"key": "Outcome", "value": "sold"}]
        snap = wait_state(agent, "Idle")
        assert snap.interactions == ()
        removed = wait_change(agent, "InteractionRemoved")
        assert removed.interaction_id == call

        # A chat: not ready while busy waits (NotReadyPending) until the work is disposed.
        chat = simulator.offer(user_id, media_type="InboundChat")
        wait_change(agent, "InteractionOffered")
        assert agent.snapshot().interactions[0].media_type == "InboundChat"
        agent.accept(chat)
        not_ready = agent.not_ready(reason_id="15", not_ready_type="NotReady")
        assert confirmed_by(not_ready) == "engagementCenter.NotReadyPending"
        snap = agent.snapshot()
        assert (snap.pending, snap.state) == ("NotReady", "Busy")
        assert confirmed_by(agent.terminate(chat)) == "engagementCenter.InteractionClear"
        assert wait_state(agent, "Wrap").pending == "NotReady"
        agent.dispose(chat, **DISPOSE)
        snap = wait_state(agent, "NotReady")
        assert (snap.reason_id, snap.pending) == ("15", None)
        assert simulator.agent_info(user_id)["state"] == "NotReady"

        # Logout while busy goes through DisconnectPending to Disconnected.
        agent.ready()
        last = simulator.offer(user_id)
        wait_change(agent, "InteractionOffered")
        agent.accept(last)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            logout = pool.submit(agent.logout, "0", 20.0)
            wait_until(lambda: agent.snapshot().pending == "Disconnect", "DisconnectPending")
            assert not logout.done()
            assert simulator.agent_info(user_id)["pending"]["kind"] == "Disconnect"
            agent.terminate(last)
            agent.dispose(last, **DISPOSE)
            outcome = logout.result(timeout=WAIT)
        assert confirmed_by(outcome) == "engagementCenter.Disconnected"
        out = wait_change(agent, "LoggedOut")
        assert out.new_state == "Disconnected"
        snap = agent.snapshot()
        assert (snap.state, snap.ehub_session_id, snap.interactions) == ("Disconnected", None, ())
        assert simulator.agent_info(user_id)["connected"] is False
        assert not agent.closed
    assert agent.closed


def test_logout_when_idle_and_the_iterator_ends_on_close(client: ccbridge.ViaClient, user_id: str) -> None:
    agent = AgentSession.login(client, user_id, initial_state="Idle")
    outcome = agent.logout(reason_id="3")
    assert confirmed_by(outcome) == "engagementCenter.Disconnected"
    agent.close()
    kinds = [c.kind for c in agent.changes()]
    assert kinds[-1] == "LoggedOut" and kinds.count("State") == 4
    assert list(agent.changes()) == []


# -- failures ------------------------------------------------------------------------------


def test_invalid_transitions_raise_command_failed(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    with AgentSession.login(client, user_id) as agent:
        call = sim.simulator.offer(user_id)
        wait_change(agent, "InteractionOffered")
        with pytest.raises(ccbridge.CommandFailedError) as info:
            agent.hold(call)
        e = info.value
        assert (e.command, e.fail_code, e.interaction_id, e.code) == ("engagementCenter.hold", 31, call, "command_failed")
        assert "Hold failure" in e.fail_reason and "failCode 31" in str(e)
        with pytest.raises(ccbridge.CommandFailedError) as info:
            agent.retrieve("424242")
        assert info.value.fail_code == 11
        with pytest.raises(ccbridge.CommandFailedError) as info:
            agent.dispose(call, **DISPOSE)
        assert info.value.fail_code == 20
        # The errors that answered the commands are their failures. (The core also reports
        # one as an "Error" change when it arrived before the command's 202: tolerated
        # here, nothing else is.)
        for change in agent.changes(timeout=0.3):
            assert change.kind == "Error" and change.message in (
                "(31) Hold failure",
                "(11) Call does not exist",
                "(20) Agent is not in the valid state to perform the operation",
            ), change
        # The agent is fine: the call is there to accept.
        assert confirmed_by(agent.accept(call)) == "engagementCenter.Active"
        with pytest.raises(ccbridge.CommandFailedError) as info:
            agent.dispose(call, **DISPOSE)
        assert info.value.fail_code == 301


def test_bad_commands_are_refused_before_anything_is_sent(
    sim: Sim, client: ccbridge.ViaClient, user_id: str
) -> None:
    with AgentSession.login(client, user_id) as agent:
        before = commands_sent(sim)
        with pytest.raises(ccbridge.InvalidArgumentError):
            agent.hold("")
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.command("nope")
        assert info.value.field == "op"
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.command("connect")
        assert info.value.field == "op"
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.command("streaming.getEvents")
        assert info.value.field == "op"
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.command("ready", body={"typo": 1})
        assert "typo" in info.value.field
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.not_ready(reason_id="1", not_ready_type="Sideways")  # type: ignore[arg-type]
        assert info.value.field == "notReadyType"
        with pytest.raises(TypeError, match="body"):
            agent.command("ready", body={"when": object()})
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.cancel()
        assert info.value.field == "pending"
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.next_change(timeout=-1)
        assert info.value.field == "timeout"
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.logout(timeout=0)
        assert info.value.field == "timeout"
        assert commands_sent(sim) == before
        # The generic command reaches what the typed methods reach, short names included.
        assert confirmed_by(agent.command("engagementCenter.notReady", body={"reasonId": "4", "notReadyType": "Park"})) == "engagementCenter.Park"
        assert confirmed_by(agent.command("ready", None, {"ignored": None})) == "engagementCenter.Idle"


def test_a_command_without_its_event_times_out(own_sim: Sim) -> None:
    client = own_sim.simulator.client()
    with AgentSession.login(client, "agent-slow", command_timeout=0.5) as agent:
        # Polls fail from now on: the command is accepted, its event cannot arrive.
        own_sim.post("/sim/faults", {"method": "GET", "pathContains": "/events", "kind": "status", "status": 503, "count": 0})
        try:
            time.sleep(POLL_WAIT + 0.2)
            started = time.monotonic()
            with pytest.raises(ccbridge.TimeoutError) as info:
                agent.agent_statistics()
            assert 0.4 < time.monotonic() - started < 5
            assert "unknown" in str(info.value)
            assert isinstance(info.value, TimeoutError)  # the builtin too
            # The command did reach the service.
            stats = own_sim.control("GET", "/sim/stats")
            assert stats["operations"].get("engagementCenter.agentStatistics") == 1
        finally:
            own_sim.control("DELETE", "/sim/faults")


def test_a_recreated_stream_is_a_gap_then_commands_work_again(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    with AgentSession.login(client, user_id) as agent:
        old = agent.stream_session_id
        assert old is not None
        sim.post(f"/sim/sessions/{old}/expire")
        gap = wait_change(agent, "Gap")
        assert gap.event is None and gap.payload is None
        assert gap.message and "lost" in gap.message
        assert gap.old_state == gap.new_state == "Idle"
        assert not agent.snapshot().in_sync
        new = agent.stream_session_id
        assert new is not None and new != old
        # The session re-attached on its new streaming session.
        wait_until(lambda: new in sim.simulator.agent_info(user_id)["sessions"], "re-attach")
        parked = agent.not_ready(reason_id="2", not_ready_type="Park")
        assert confirmed_by(parked) == "engagementCenter.Park"
        snap = agent.snapshot()
        assert (snap.state, snap.reason_id, snap.in_sync) == ("Park", "2", True)


def test_a_missed_keep_alive_logs_the_agent_out(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    with AgentSession.login(client, user_id) as agent:
        kept = agent.keep_alive(session_timeout=1.0, request_timestamp="2024-05-01T10:00:00Z")
        assert confirmed_by(kept) == "engagementCenter.ClientSessionKeepAlive"
        assert kept.event is not None
        assert kept.event.payload["payload"]["requestTimestamp"] == "2024-05-01T10:00:00Z"
        assert sim.simulator.agent_info(user_id)["keepAlive"]["timeoutMs"] == 1000
        # No further keepAlive: the service logs the agent out, and says why first.
        seen: List[AgentChange] = []
        out = wait_change(agent, "LoggedOut", seen=seen)
        assert (out.old_state, out.new_state) == ("Idle", "Disconnected")
        assert "Error" in [c.kind for c in seen]
        assert agent.state == "Disconnected"
        assert sim.simulator.agent_info(user_id)["connected"] is False
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            agent.ready()
        assert info.value.field == "ehubSessionId"


def test_the_sessions_keep_alives_keep_the_agent_logged_in() -> None:
    with ccbridge.Simulator(poll_wait=0.2, keepalive_timeout=0.6) as simulator:
        client = simulator.client()
        with AgentSession.login(client, "kept", keep_alive=0.15) as kept, AgentSession.login(client, "lapsed") as lapsed:
            # Without sessionTimeout the simulator's keepalive_timeout applies.
            lapsed.keep_alive()
            assert simulator.agent_info("lapsed")["keepAlive"]["timeoutMs"] == 600
            wait_change(lapsed, "LoggedOut")
            time.sleep(0.6)
            assert simulator.agent_info("kept")["connected"] is True
            assert kept.state == "Idle"
            assert simulator.agent_info("kept")["keepAlive"]["timeoutMs"] == 600


def test_a_refused_login_raises_command_failed(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    sessions_before = sim.control("GET", "/sim/stats")["sessions"]
    armed = sim.simulator.fail_next_login(user_id, 219, "(219) Agent is already logged in at station")
    assert armed == (219, "(219) Agent is already logged in at station")
    assert sim.simulator.agent_info(user_id)["failNextLogin"] == 219
    with pytest.raises(ccbridge.CommandFailedError) as info:
        AgentSession.login(client, user_id)
    e = info.value
    assert (e.command, e.fail_code) == ("engagementCenter.connect", 219)
    assert "already logged in" in e.fail_reason
    # The failed login left no streaming session behind.
    wait_until(lambda: sim.control("GET", "/sim/stats")["sessions"] == sessions_before, "session deleted")
    # The documents' text when the test names none; armed once only.
    assert sim.simulator.fail_next_login(user_id) == (16, "(16) CTI login failed")
    with pytest.raises(ccbridge.CommandFailedError) as info:
        AgentSession.login(client, user_id)
    assert info.value.fail_code == 16 and info.value.fail_reason == "(16) CTI login failed"
    with AgentSession.login(client, user_id) as agent:
        assert agent.state == "Idle"


def test_a_hang_up_is_reported_then_the_call_wraps(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    simulator = sim.simulator
    with AgentSession.login(client, user_id) as agent:
        call = simulator.offer(user_id)
        wait_change(agent, "InteractionOffered")
        with pytest.raises(ccbridge.ConflictError):
            simulator.hang_up(user_id, call)  # offered, not connected
        agent.accept(call)
        simulator.hang_up(user_id, call)
        notice = wait_change(agent, "Error")
        assert notice.interaction_id == call
        assert notice.message and "(252)" in notice.message
        snap = wait_state(agent, "Wrap")
        assert snap.interactions[0].state == "Wrap"
        agent.dispose(call, **DISPOSE)
        wait_state(agent, "Idle")
        with pytest.raises(ccbridge.NotFoundError):
            simulator.hang_up(user_id, call)
        with pytest.raises(ccbridge.NotFoundError):
            simulator.hang_up(user_id, "not-a-number")


def test_a_stream_recreated_mid_call_is_a_gap_then_the_call_is_reconciled(
    sim: Sim, client: ccbridge.ViaClient, user_id: str
) -> None:
    with AgentSession.login(client, user_id) as agent:
        call = sim.simulator.offer(user_id)
        wait_change(agent, "InteractionOffered")
        agent.accept(call)
        old = agent.stream_session_id
        sim.post(f"/sim/sessions/{old}/expire")
        wait_change(agent, "Gap")
        snap = agent.snapshot()
        # Nothing is dropped on a guess: the call is there, marked unconfirmed.
        assert not snap.in_sync
        assert [(i.interaction_id, i.in_sync) for i in snap.interactions] == [(call, False)]
        new = agent.stream_session_id
        wait_until(lambda: new in sim.simulator.agent_info(user_id)["sessions"], "re-attach")
        # The call goes on: its next event confirms it.
        assert confirmed_by(agent.hold(call)) == "engagementCenter.Held"
        snap = agent.snapshot()
        assert snap.in_sync and snap.interactions[0].in_sync and snap.interactions[0].state == "Held"
        agent.retrieve(call)
        agent.terminate(call)
        wait_state(agent, "Wrap")
        agent.dispose(call, **DISPOSE)
        assert wait_state(agent, "Idle").interactions == ()


def test_cancel_withdraws_a_pending_logout(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    with AgentSession.login(client, user_id) as agent:
        call = sim.simulator.offer(user_id)
        wait_change(agent, "InteractionOffered")
        agent.accept(call)
        result: List[BaseException] = []

        def log_out() -> None:
            try:
                agent.logout(timeout=WAIT)
            except BaseException as e:  # noqa: BLE001 - the test inspects what it was
                result.append(e)

        waiting = threading.Thread(target=log_out)
        waiting.start()
        wait_until(lambda: agent.snapshot().pending == "Disconnect", "DisconnectPending")
        assert agent.cancel().command == "engagementCenter.cancel"
        waiting.join(WAIT)
        assert len(result) == 1 and isinstance(result[0], ccbridge.ClosedError), result
        wait_until(lambda: sim.simulator.agent_info(user_id)["pending"] is None, "cancelled at the service")
        snap = agent.snapshot()
        assert (snap.state, snap.pending) == ("Busy", None)
        # The agent is still logged in and works on.
        assert confirmed_by(agent.hold(call)) == "engagementCenter.Held"


# -- attach, several agents, listeners -----------------------------------------------------


def test_attach_joins_an_existing_login(client: ccbridge.ViaClient, user_id: str) -> None:
    with pytest.raises(ccbridge.ApiError) as info:
        AgentSession.attach(client, user_id)
    assert info.value.http_status == 422
    with AgentSession.login(client, user_id) as desk1, AgentSession.attach(client, user_id) as desk2:
        snap = desk2.snapshot()
        assert (snap.state, snap.in_sync) == ("Unknown", False)
        assert desk2.ehub_session_id == desk1.ehub_session_id is not None
        assert desk2.stream_session_id != desk1.stream_session_id
        desk1.not_ready(reason_id="7", not_ready_type="Park")
        snap = wait_state(desk2, "Park")
        assert (snap.reason_id, snap.in_sync) == ("7", True)
        # Commands work from the attached desktop too.
        assert confirmed_by(desk2.ready()) == "engagementCenter.Idle"
        wait_state(desk1, "Idle")


def test_attachments_are_renewed(own_sim: Sim) -> None:
    simulator = own_sim.simulator
    own_sim.post("/sim/config", {"attachTtlMs": 600})
    client = simulator.client()
    with AgentSession.login(client, "desk") as _login, AgentSession.attach(
        client, "desk", attach_renewal=0.15
    ) as renewed, AgentSession.attach(client, "desk") as lapsing:
        time.sleep(1.5)
        live = {a["sessionId"] for a in simulator.agent_info("desk")["attachments"]}
        assert renewed.stream_session_id in live
        assert lapsing.stream_session_id not in live


def test_the_simulators_attach_ttl_option() -> None:
    with ccbridge.Simulator(poll_wait=0.2, attach_ttl=0.5) as simulator:
        client = simulator.client()
        with AgentSession.login(client, "desk") as _login, AgentSession.attach(client, "desk") as attached:
            left = simulator.agent_info("desk")["attachments"][0]
            assert left["sessionId"] == attached.stream_session_id and left["expiresInMs"] <= 500
            wait_until(lambda: simulator.agent_info("desk")["attachments"] == [], "attachment expiry")


def test_several_agents_share_one_client(sim: Sim, client: ccbridge.ViaClient) -> None:
    names = [f"sup-{i}-{time.monotonic_ns()}" for i in range(3)]
    agents = [AgentSession.login(client, n) for n in names]
    try:
        calls = [sim.simulator.offer(n) for n in names]
        for agent, call in zip(agents, calls):
            offered = wait_change(agent, "InteractionOffered")
            assert offered.interaction_id == call
            agent.accept(call)
        for agent, call in zip(agents, calls):
            assert [i.interaction_id for i in agent.snapshot().interactions] == [call]
            assert agent.snapshot().interactions[0].state == "Active"
        assert len({a.stream_session_id for a in agents}) == 3
    finally:
        for agent in agents:
            agent.close()


def test_a_listener_receives_the_changes(
    sim: Sim, client: ccbridge.ViaClient, user_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="ccbridge")
    with AgentSession.login(client, user_id) as agent:
        while agent.next_change(timeout=0) is not None:
            pass
        seen: List[AgentChange] = []
        threads: List[str] = []
        cond = threading.Condition()

        @agent.on_change
        def collect(change: AgentChange) -> None:
            with cond:
                seen.append(change)
                threads.append(threading.current_thread().name)
                cond.notify_all()

        call = sim.simulator.offer(user_id)
        with cond:
            assert cond.wait_for(lambda: any(c.kind == "InteractionOffered" for c in seen), WAIT)
        offered = next(c for c in seen if c.kind == "InteractionOffered")
        assert isinstance(offered, AgentChange) and offered.interaction_id == call
        assert threading.current_thread().name not in threads
        # Changes go to the listener, not to the queue.
        assert agent.next_change(timeout=0.3) is None

        # A listener that raises is logged; the session goes on.
        def broken(change: AgentChange) -> None:
            raise ValueError("listener bug")

        assert agent.on_change(broken) is broken
        agent.accept(call)
        wait_until(lambda: any(r.exc_info for r in caplog.records), "the logged exception")
        failures = [r for r in caplog.records if r.name == "ccbridge" and r.exc_info]
        assert failures and "agent on_change callback" in failures[0].getMessage()
        exc_info = failures[0].exc_info
        assert exc_info is not None and isinstance(exc_info[1], ValueError)
        assert confirmed_by(agent.hold(call)) == "engagementCenter.Held"

        # None goes back to queueing.
        assert agent.on_change(None) is None
        agent.retrieve(call)
        back = wait_change(agent, "InteractionChanged")
        assert back.event is not None and back.event.event_type == "engagementCenter.Active"
        with pytest.raises(TypeError):
            agent.on_change(3)  # type: ignore[call-overload]


def test_closing_from_inside_the_listener(client: ccbridge.ViaClient, user_id: str) -> None:
    agent = AgentSession.login(client, user_id)
    closed = threading.Event()
    refused: List[BaseException] = []

    def close_on_park(change: AgentChange) -> None:
        if change.new_state == "Park":
            # A command here would wait for an event only this thread can deliver.
            started = time.monotonic()
            try:
                agent.ready()
            except ccbridge.InvalidArgumentError as e:
                refused.append(e)
            assert time.monotonic() - started < 1
            assert agent.snapshot().state == "Park"  # reading is fine
            agent.close()  # must return at once, not deadlock
            closed.set()

    agent.on_change(close_on_park)
    agent.not_ready(reason_id="1", not_ready_type="Park")
    assert closed.wait(WAIT)
    assert len(refused) == 1 and isinstance(refused[0], ccbridge.InvalidArgumentError)
    assert refused[0].field == "context"
    assert agent.closed
    assert agent.stream_session_id is None
    assert "closed=True" in repr(agent)
    with pytest.raises(ccbridge.ClosedError):
        agent.ready()
    # What was queued before the listener is still there to read; then the end.
    assert [c.kind for c in agent.changes()] == ["State"] * 4
    with pytest.raises(ccbridge.ClosedError):
        agent.next_change(timeout=0)
    agent.close()  # again: harmless


def test_a_session_referred_to_by_its_own_callback_is_collected(
    sim: Sim, client: ccbridge.ViaClient, user_id: str
) -> None:
    agent = AgentSession.login(client, user_id)
    stream = agent.stream_session_id
    native = agent._native
    assert gc.is_tracked(native)
    agent.on_change(lambda change: agent.snapshot())  # a cycle through the native session
    del agent, native
    gc.collect()
    # Collected, hence closed: its streaming session is deleted; the agent stays logged in.
    wait_until(lambda: stream not in sim.simulator.agent_info(user_id)["sessions"], "the stream's end")
    assert sim.simulator.agent_info(user_id)["connected"] is True


def test_changes_beyond_the_capacity_are_dropped_and_counted(client: ccbridge.ViaClient, user_id: str) -> None:
    with AgentSession.login(client, user_id, change_capacity=2) as agent:
        assert agent.dropped_changes == 2
        kept = list(agent.changes(timeout=0.2))
        assert [c.event.event_type if c.event else "" for c in kept] == [
            "engagementCenter.Connected",
            "engagementCenter.Idle",
        ]


# -- asyncio ---------------------------------------------------------------------------------


def test_asyncio_login_commands_and_changes(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    simulator = sim.simulator

    async def day() -> List[str]:
        agent = await AgentSession.login_async(client, user_id, initial_state="NotReady", command_timeout=5)
        async with agent:
            first = await agent.next_change_async(timeout=WAIT)
            assert first is not None and first.event is not None
            assert first.event.event_type == "engagementCenter.Connecting"
            assert confirmed_by(await agent.ready_async()) == "engagementCenter.Idle"
            call = simulator.offer(user_id)
            kinds: List[str] = []
            async for change in agent.changes_async(timeout=WAIT):
                kinds.append(change.kind)
                if change.kind == "InteractionOffered":
                    assert change.interaction_id == call
                    break
            # Commands of one session run concurrently with reading its changes.
            reader = asyncio.ensure_future(agent.next_change_async(timeout=WAIT))
            assert confirmed_by(await agent.accept_async(call)) == "engagementCenter.Active"
            accepted = await reader
            assert accepted is not None and accepted.kind == "InteractionChanged"
            assert confirmed_by(await agent.hold_async(call)) == "engagementCenter.Held"
            with pytest.raises(ccbridge.CommandFailedError) as info:
                await agent.hold_async(call)
            assert info.value.fail_code == 31
            assert confirmed_by(await agent.command_async("retrieve", call)) == "engagementCenter.Active"
            nr = await agent.not_ready_async(reason_id="9", not_ready_type="NotReady")
            assert confirmed_by(nr) == "engagementCenter.NotReadyPending"
            assert (await agent.cancel_async()).command == "engagementCenter.cancel"
            assert agent.snapshot().pending is None
            await agent.terminate_async(call)
            await agent.dispose_async(call, **DISPOSE)
            assert confirmed_by(await agent.logout_async()) == "engagementCenter.Disconnected"
            assert await agent.next_change_async(timeout=0) is not None
        assert agent.closed
        with pytest.raises(ccbridge.ClosedError):
            await agent.ready_async()
        rest = [c.kind async for c in agent.changes_async()]
        assert rest[-1] == "LoggedOut"
        return kinds

    kinds = asyncio.run(day())
    assert kinds[-1] == "InteractionOffered"
    assert simulator.agent_info(user_id)["connected"] is False


def test_asyncio_attach_and_a_cancelled_wait(client: ccbridge.ViaClient, user_id: str) -> None:
    async def main() -> None:
        async with await AgentSession.login_async(client, user_id) as desk1:
            desk2 = await AgentSession.attach_async(client, user_id, command_timeout=5)
            try:
                assert desk2.state == "Unknown"
                attached = [c.kind async for c in desk2.changes_async(timeout=0.3)]
                assert attached == ["State"]  # its ConnectConfirm
                # A pending wait that is cancelled leaves the session usable and takes
                # no change with it.
                waiter = asyncio.ensure_future(desk2.next_change_async())
                await asyncio.sleep(0.05)
                waiter.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await waiter
                await desk1.not_ready_async(reason_id="5", not_ready_type="Park")
                parked = await desk2.next_change_async(timeout=WAIT)
                assert parked is not None and (parked.old_state, parked.new_state) == ("Unknown", "Park")
                assert desk2.snapshot().reason_id == "5"
            finally:
                await desk2.close_async()
            assert desk2.closed and not desk1.closed

    asyncio.run(main())


def test_asyncio_refused_login(sim: Sim, client: ccbridge.ViaClient, user_id: str) -> None:
    sim.simulator.fail_next_login(user_id, 175)

    async def main() -> None:
        with pytest.raises(ccbridge.CommandFailedError) as info:
            await AgentSession.login_async(client, user_id)
        assert info.value.fail_code == 175 and "license" in info.value.fail_reason
        with pytest.raises(ccbridge.InvalidArgumentError) as bad:
            await AgentSession.login_async(client, user_id, command_timeout=0)
        assert bad.value.field == "command_timeout"

    asyncio.run(main())


# -- options and the generated surface ------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"user_id": ""}, "user_id"),
        ({"user_id": "   "}, "user_id"),
        ({"initial_state": "Sleeping"}, "initial_state"),
        ({"command_timeout": 0}, "command_timeout"),
        ({"command_timeout": -1.0}, "command_timeout"),
        ({"login_timeout": float("nan")}, "login_timeout"),
        ({"login_timeout": float("inf")}, "login_timeout"),
        ({"keep_alive": 0.0}, "keep_alive"),
        ({"session_timeout": 0}, "session_timeout"),
        ({"session_timeout": -60.0}, "session_timeout"),
        ({"attach_renewal": -5}, "attach_renewal"),
        ({"change_capacity": 0}, "change_capacity"),
        ({"change_capacity": -1}, "change_capacity"),
        ({"max_events": 0}, "max_events"),
        ({"inactivity_delay": 5}, "inactivity_delay"),
        ({"poll_timeout": -1.0}, "poll_timeout"),
    ],
)
def test_bad_options_name_the_argument(
    sim: Sim, client: ccbridge.ViaClient, kwargs: Dict[str, Any], field: str
) -> None:
    args: Dict[str, Any] = {"user_id": "agent-bad-options", **kwargs}
    before = commands_sent(sim)
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        AgentSession.login(client, **args)
    assert info.value.field == field
    if field not in ("initial_state",):
        with pytest.raises(ccbridge.InvalidArgumentError) as info:
            AgentSession.attach(client, **args)
        assert info.value.field == field
    assert commands_sent(sim) == before


def test_options_that_are_not_options_are_type_errors(sim: Sim, client: ccbridge.ViaClient) -> None:
    before = commands_sent(sim)
    with pytest.raises(TypeError, match="login\\(\\) got an unexpected keyword argument 'initalState'"):
        AgentSession.login(client, "agent-typo", initalState="Idle")  # type: ignore[call-arg]
    # What only a login sends is not an option of an attach.
    with pytest.raises(TypeError, match="attach\\(\\) got an unexpected keyword argument 'station'"):
        AgentSession.attach(client, "agent-typo", station="9785551212")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="argument 'station'"):
        AgentSession.login(client, "agent-typo", station=9785551212)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="argument 'command_timeout'"):
        asyncio.run(AgentSession.login_async(client, "agent-typo", command_timeout="5"))  # type: ignore[arg-type]
    assert commands_sent(sim) == before


def test_simulator_bad_input(sim: Sim, user_id: str) -> None:
    simulator = sim.simulator
    with pytest.raises(ccbridge.ConflictError):
        simulator.offer(user_id)  # not logged in
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        simulator.offer(user_id, media_type="Carrier pigeon")  # type: ignore[arg-type]
    assert info.value.field == "media_type"
    with pytest.raises(ccbridge.InvalidArgumentError) as info:
        simulator.offer(user_id, interaction_data=[{"label": "x"}])  # type: ignore[typeddict-unknown-key]
    assert info.value.field == "interaction_data"
    info_of_stranger = simulator.agent_info(user_id)
    assert (info_of_stranger["connected"], info_of_stranger["state"]) == (False, "Disconnected")
    with pytest.raises(ccbridge.InvalidArgumentError) as bad:
        ccbridge.Simulator(attach_ttl=-1.0)
    assert bad.value.field == "attach_ttl"
    with pytest.raises(ccbridge.InvalidArgumentError) as bad:
        ccbridge.Simulator(keepalive_timeout=float("nan"))
    assert bad.value.field == "keepalive_timeout"
    closed = ccbridge.Simulator()
    closed.close()
    with pytest.raises(ccbridge.ClosedError):
        closed.agent_info(user_id)


def test_the_literals_follow_the_core() -> None:
    names = ccbridge._native._agent_names()
    for alias, values in [
        (ccbridge.AgentState, names["AgentState"]),
        (ccbridge.InteractionState, names["InteractionState"]),
        (ccbridge.AgentChangeKind, names["AgentChangeKind"]),
        (ccbridge.PendingRequest, names["PendingRequest"]),
    ]:
        assert list(typing.get_args(alias)) == values, (
            f"ccbridge/agent.py is behind the core: set it to Literal{values!r}"
        )


def _kwargs_of(fn: Callable[..., Any]) -> List[str]:
    return [p.name for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY]


def test_a_typed_method_per_command_with_the_service_methods_arguments(client: ccbridge.ViaClient) -> None:
    services = client.engagement_center
    commands = [op.split(".", 1)[1] for op in ccbridge.operations() if op.startswith("engagementCenter.")]
    assert len(commands) == 50
    for command in commands:
        snake = "".join("_" + c.lower() if c.isupper() else c for c in command)
        if command in ("connect", "cancel"):
            # Written by hand: login/attach, and cancel() that picks the cancelType.
            assert not hasattr(AgentCommands, snake)
            continue
        method = getattr(AgentSession, snake)
        twin = getattr(AgentSession, snake + "_async")
        assert inspect.iscoroutinefunction(twin) and not inspect.iscoroutinefunction(method)
        service = getattr(services, snake)
        expected = [k for k in _kwargs_of(service) if k not in ("ehub_session_id", "extra_body", "session_id")]
        assert _kwargs_of(method) == expected == _kwargs_of(twin), command
        positional = [
            p.name
            for p in inspect.signature(method).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"
        ]
        by_interaction = "interaction_id" in inspect.signature(service).parameters
        assert positional == (["interaction_id"] if by_interaction else []), command
        assert method.__doc__ and ("Waits for the event" in method.__doc__ or "Returns on the 202" in method.__doc__)
    hold_doc = AgentSession.hold.__doc__ or ""
    assert "``engagementCenter.Held``" in hold_doc and "CommandFailedError" in hold_doc


def test_statistics_are_typed_items(client: ccbridge.ViaClient, user_id: str) -> None:
    with AgentSession.login(client, user_id) as agent:
        assert agent.snapshot().statistics == ()
        outcome = agent.agent_statistics()
        assert confirmed_by(outcome) == "engagementCenter.AgentStatistics"
        stats = agent.snapshot().statistics
        assert len(stats) == 1 and isinstance(stats[0], AgentStatisticsItem)
        assert stats[0].work_type_name and stats[0].logged_in_seconds is not None
        # The item is what the event's own typed payload holds.
        payload = typed_payload(outcome.event) if outcome.event is not None else None
        assert isinstance(payload, EcAgentStatisticsEvent) and payload.payload is not None
        assert list(stats) == payload.payload.agent_statistics
        change = wait_change(agent, "Statistics")
        assert change.event is not None and outcome.event is not None
        assert change.event.event_id == outcome.event.event_id


def test_repr_and_properties(client: ccbridge.ViaClient, user_id: str) -> None:
    with AgentSession.login(client, user_id, initial_state="Park") as agent:
        assert repr(agent) == f"AgentSession(user_id={user_id!r}, state='Park', closed=False)"
        assert agent.user_id == user_id
        assert agent.state == "Park"
        assert not agent.closed and agent.dropped_changes == 0
        snap = agent.snapshot()
        with pytest.raises(AttributeError):
            snap.state = "Idle"  # type: ignore[misc]
        assert snap == agent.snapshot()


# -- the process -----------------------------------------------------------------------------


def test_interpreter_exit_with_open_agent_sessions(sim: Sim) -> None:
    """Sessions left open (one with a callback, one read by a daemon thread) are closed by
    the exit hook, which deletes their streaming sessions; the agents stay logged in."""
    names = [f"exit-agent-{i}-{time.monotonic_ns()}" for i in range(2)]
    script = textwrap.dedent(
        f"""
        import ccbridge, threading, time
        client = ccbridge.ViaClient(org_id="simorg", client_id="sim-client",
                                    client_secret="sim-secret", api_key="sim-api-key",
                                    base_url={sim.url!r})
        pushed = ccbridge.AgentSession.login(client, {names[0]!r})
        pulled = ccbridge.AgentSession.login(client, {names[1]!r})
        pushed.on_change(lambda change: time.sleep(0.05))
        threading.Thread(target=lambda: list(pulled.changes()), daemon=True).start()
        pushed.not_ready(reason_id="1", not_ready_type="Park")
        time.sleep(0.3)
        print(pushed.stream_session_id, pulled.stream_session_id, flush=True)
        """
    )
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "panicked" not in proc.stderr and "Fatal" not in proc.stderr
    assert time.monotonic() - started < 15
    sessions = proc.stdout.split()
    assert len(sessions) == 2
    for sid in sessions:
        with pytest.raises(urllib.error.HTTPError) as info:
            sim.control("GET", f"/sim/sessions/{sid}")
        assert info.value.code == 404
    for name in names:
        assert sim.simulator.agent_info(name)["connected"] is True


def test_a_forked_child_cannot_use_the_parents_session(client: ccbridge.ViaClient, user_id: str) -> None:
    with AgentSession.login(client, user_id) as agent:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                agent.ready()
            except ccbridge.ClosedError as e:
                code = 0 if "fork" in str(e) else 2
            except BaseException:
                code = 3
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        # The parent's session is unaffected.
        assert confirmed_by(agent.ready()) == "engagementCenter.Idle"
