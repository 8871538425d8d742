"""Logging, asyncio variants of the low-level calls, fork refusal, interpreter exit."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import warnings

import pytest

import ccbridge
from conftest import API_KEY, SECRET, Sim, make_client


def test_records_go_to_the_ccbridge_logger_without_secrets(
    sim: Sim, caplog: pytest.LogCaptureFixture, user_id: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="ccbridge")
    client = make_client(sim)
    with client.stream() as stream:
        client.engagement_center.connect(stream.session_id, user_id, attach=False, initial_state="Idle")
        assert stream.next_event(timeout=10) is not None
    ours = [r for r in caplog.records if r.name.startswith("ccbridge")]
    messages = [r.getMessage() for r in ours]
    assert any("stream started" in m for m in messages), messages
    assert any("token acquired" in m for m in messages), messages
    # Records keep the Rust source location and the request span's fields.
    started = next(r for r in ours if "stream started" in r.getMessage())
    assert started.name == "ccbridge.stream.engine"
    assert started.pathname.endswith("engine.rs") and started.lineno > 0
    assert any("op=" in m for m in messages), messages
    for m in messages:
        assert SECRET not in m and API_KEY not in m
        assert "Bearer" not in m


def test_level_follows_the_logger(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ccbridge")
    client = make_client(sim)
    client.streaming.delete_session(client.streaming.create_session()["sessionId"])
    assert not [r for r in caplog.records if r.name.startswith("ccbridge") and r.levelno < logging.WARNING]


def test_a_message_and_its_fields_stay_apart(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ccbridge")
    client = make_client(sim)
    with client.stream() as stream:
        old = stream.session_id
        sim.post(f"/sim/sessions/{old}/expire")
        deadline = time.monotonic() + 10
        while stream.session_id == old and time.monotonic() < deadline:
            time.sleep(0.01)
    record = next(r for r in caplog.records if "session expired" in r.getMessage())
    text = record.getMessage()
    assert text.startswith("session expired; recreating "), text
    assert f"session_id={old}" in text and "reason=Invalid or expired session" in text, text


def test_nothing_is_printed_when_the_script_configured_no_logging(sim: Sim) -> None:
    # A warning of ours (a recreated session) with logging left unconfigured: Python's
    # last-resort handler would print it; the NullHandler keeps the script's stderr clean.
    script = textwrap.dedent(
        f"""
        import time, urllib.request
        import ccbridge
        client = ccbridge.ViaClient(org_id="simorg", client_id="sim-client", client_secret={SECRET!r},
                                    api_key={API_KEY!r}, base_url={sim.url!r})
        with client.stream() as stream:
            old = stream.session_id
            urllib.request.urlopen(urllib.request.Request(
                {sim.url!r} + "/sim/sessions/" + old + "/expire", data=b"", method="POST")).read()
            deadline = time.monotonic() + 10
            while stream.session_id == old and time.monotonic() < deadline:
                time.sleep(0.01)
            assert stream.session_id != old
        print("done")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "done"
    assert out.stderr == "", out.stderr


def test_async_low_level_calls(sim: Sim, user_id: str) -> None:
    client = make_client(sim)

    async def main() -> None:
        info = await client.call_async("streaming.createSession", {"body": {"requireAcknowledgement": True}})
        sid = info["sessionId"]
        ec, streaming = client.engagement_center, client.streaming
        await ec.connect_async(sid, user_id, attach=False, initial_state="Park")
        events = (await streaming.get_events_async(sid, max_events=10))["events"]
        assert events[-1]["eventType"] == "engagementCenter.Park"
        ack = await streaming.acknowledge_async(sid, events=[{"eventId": e["eventId"]} for e in events])
        assert len(ack["eventIdsAcknowledged"]) == len(events)
        await streaming.delete_session_async(sid)
        with pytest.raises(ccbridge.SessionExpiredError):
            await streaming.get_events_async(sid)
        with pytest.raises(ccbridge.InvalidArgumentError):
            await ec.ready_async(sid, user_id, ehub_session_id="")

    asyncio.run(asyncio.wait_for(main(), 30))


def test_async_call_needs_a_running_loop(client: ccbridge.ViaClient) -> None:
    with pytest.raises(RuntimeError):
        client._native.call_async("streaming.createSession", {})


def test_forked_child_is_refused(sim: Sim) -> None:
    client = make_client(sim)
    streaming = client.streaming
    streaming.delete_session(streaming.create_session()["sessionId"])  # the runtime is in use
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a multi-threaded process is risky: that is the
        # point of this test.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            streaming.create_session()
        except ccbridge.ClosedError as e:
            code = 0 if "fork" in str(e) else 2
        except BaseException:
            code = 3
        try:
            make_client(sim).streaming.create_session()
            code = code or 4
        except ccbridge.ClosedError:
            pass
        except BaseException:
            code = code or 5
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    # The parent is unaffected.
    streaming.delete_session(streaming.create_session()["sessionId"])


def run_script(sim: Sim, body: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    script = textwrap.dedent(
        f"""
        import ccbridge, threading, time
        client = ccbridge.ViaClient(org_id="simorg", client_id="sim-client",
                                    client_secret="sim-secret", api_key="sim-api-key",
                                    base_url={sim.url!r})
        """
    ) + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout
    )


def test_interpreter_exit_with_running_streams(sim: Sim) -> None:
    started = time.monotonic()
    proc = run_script(
        sim,
        """
        seen = threading.Event()
        pushed = client.stream(on_event=lambda e: seen.set())
        pulled = client.stream()
        ec = client.engagement_center
        ec.connect(pushed.session_id, "exit-agent-1", attach=False, initial_state="Idle")
        ec.connect(pulled.session_id, "exit-agent-2", attach=False, initial_state="Idle")
        assert seen.wait(10)
        assert pulled.next_event(timeout=10) is not None
        # Daemon threads still waiting on a stream when the interpreter exits: CPython ends
        # one that takes the GIL back during finalization, which must not abort.
        for _ in range(3):
            threading.Thread(target=lambda: list(pulled), daemon=True).start()
        time.sleep(0.3)
        print(pushed.session_id, pulled.session_id)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert "panicked" not in proc.stderr and "Fatal" not in proc.stderr
    assert time.monotonic() - started < 15
    # The exit hook stopped both streams, which deleted their sessions.
    sessions = proc.stdout.split()
    assert len(sessions) == 2
    for sid in sessions:
        with pytest.raises(urllib.error.HTTPError) as info:
            sim.control("GET", f"/sim/sessions/{sid}")
        assert info.value.code == 404


def test_interpreter_exit_from_an_asyncio_program(sim: Sim) -> None:
    proc = run_script(
        sim,
        """
        import asyncio
        async def main():
            stream = await client.stream_async(on_event=lambda e: None)
            await client.engagement_center.connect_async(
                stream.session_id, "exit-agent-3", attach=False, initial_state="Idle"
            )
            # Left pending when the loop closes.
            asyncio.ensure_future(client.stream_async())
        asyncio.run(main())
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert "panicked" not in proc.stderr and "Fatal" not in proc.stderr


@pytest.mark.parametrize("busy", ["while True: pass", "time.sleep(100)"])
def test_interpreter_exit_during_a_callback_that_never_returns(sim: Sim, busy: str, user_id: str) -> None:
    started = time.monotonic()
    proc = run_script(
        sim,
        f"""
        inside = threading.Event()
        def on_event(event):
            inside.set()
            {busy}
        stream = client.stream(on_event=on_event)
        client.engagement_center.connect(stream.session_id, {user_id!r}, attach=False, initial_state="Idle")
        assert inside.wait(10)
        print("exiting")
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "exiting"
    assert "Fatal" not in proc.stderr and "panicked" not in proc.stderr
    assert time.monotonic() - started < 15


def test_interpreter_exit_with_a_running_simulator() -> None:
    """A script that leaves its embedded simulator running (streams on it, a daemon thread
    waiting on one, the simulator's own records logged through Python) exits at once and
    cleanly: the exit hook stops the streams, which delete their sessions on the simulator,
    then the simulator."""
    script = textwrap.dedent(
        """
        import ccbridge, logging, threading, time
        # Every record of the simulator's threads goes through the GIL to Python.
        logging.basicConfig(level=logging.DEBUG)
        sim = ccbridge.Simulator(poll_wait=0.2)
        client = sim.client()
        seen = threading.Event()
        pushed = client.stream(on_event=lambda e: seen.set())
        pulled = client.stream()
        client.engagement_center.connect(pushed.session_id, "sim-exit-1", attach=False, initial_state="Idle")
        client.engagement_center.connect(pulled.session_id, "sim-exit-2", attach=False, initial_state="Idle")
        assert seen.wait(10)
        assert pulled.next_event(timeout=10) is not None
        threading.Thread(target=lambda: list(pulled), daemon=True).start()
        # Another simulator, only referenced by a collected cycle: its drop stops it too.
        class Holder: pass
        h = Holder(); h.me = h; h.sim = ccbridge.Simulator(); del h
        time.sleep(0.3)
        print("exiting", flush=True)
        """
    )
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "exiting"
    assert "panicked" not in proc.stderr and "Fatal" not in proc.stderr
    # The simulator's records went through Python, and the exit hook stopped the streams.
    assert ":ccbridge.sim." in proc.stderr, proc.stderr[-3000:]
    assert "stream stopped" in proc.stderr, proc.stderr[-3000:]
    assert time.monotonic() - started < 15


def test_forked_child_leaves_the_parents_simulator_alone() -> None:
    with ccbridge.Simulator(poll_wait=0.1) as sim:
        client = sim.client()
        client.streaming.delete_session(client.streaming.create_session()["sessionId"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            # Its thread is not in this process: closing forgets it instead of joining it.
            code = 1
            try:
                sim.close()
                code = 0 if sim.closed else 2
            except BaseException:
                code = 3
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
        # The parent's simulator still serves.
        assert not sim.closed
        client.streaming.delete_session(client.streaming.create_session()["sessionId"])


def test_worker_threads_too_late_or_out_of_range(sim: Sim) -> None:
    """Here the runtime already runs (the session's simulator started it)."""
    for bad in (0, -1, 257, 2**70):
        with pytest.raises(ccbridge.InvalidArgumentError) as e:
            ccbridge.configure_worker_threads(bad)
        assert e.value.field == "workers"
    with pytest.raises(TypeError):
        ccbridge.configure_worker_threads("2")  # type: ignore[arg-type]
    assert ccbridge.configure_worker_threads(1) is False


def test_worker_threads_set_before_first_use_apply() -> None:
    script = textwrap.dedent(
        """
        import os, ccbridge
        assert ccbridge.configure_worker_threads(1) is True
        assert ccbridge.configure_worker_threads(3) is False
        with ccbridge.Simulator(poll_wait=0.2) as sim:
            client = sim.client()
            with client.stream() as stream:
                client.engagement_center.connect(stream.session_id, "workers-1", attach=False, initial_state="Idle")
                assert stream.next_event(timeout=10) is not None
            workers = 0
            for task in os.listdir("/proc/self/task"):
                with open(f"/proc/self/task/{task}/comm") as comm:
                    workers += comm.read().strip() == "ccbridge-rt"
            print(workers, flush=True)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1"
