"""Stream throughput through the Python binding: events/s to an ``on_event`` callback.

Starts the simulator binary, queues N events on the stream's session through the
simulator's control API, and times until the callback has seen all of them (the same
procedure as the Rust benchmark). Two callbacks, in alternating rounds (plain first in even
rounds, typed first in odd ones) so that both see the same machine:

- plain: counts the event and nothing else (``python_callback_*``, the historical figure);
- typed: also calls ``ccbridge.events.typed_payload(event)`` and reads ``.user_id`` of the
  ``EcScreenPopEvent`` it returns (``python_callback_typed_*``): the payload is decoded in
  the core on demand, wrapped in its class, and one property read.

Prints one JSON object, with the ratio typed/plain of the medians and the median over
rounds of each round's typed/plain ratio.

Other modes (``--mode``), each printing its own JSON object:

- ``iterator``: the pull form, ``for event in stream`` counting until it has seen all N
  events, same procedure (``python_iterator_{ack,no_ack}``);
- ``latency``: the time from injecting one event to the ``on_event`` callback while the
  stream is idle with its poll outstanding (``python_latency_{ack,no_ack}``): a simulator
  whose long poll waits the documented 15 s; before each of N samples (``--samples``) a
  random pause of 2..=10 ms, then the simulator is asked until the session's
  ``GET /events`` is waiting (``activePolls`` of ``GET /sim/sessions/{id}``); the sample
  runs from just before the control request that queues one event (kept-alive
  connection) to the callback's first statement. 20 warm-up samples are left out.

Usage: python python_callback.py --sim PATH [--events N] [--rounds R]
       python python_callback.py --sim PATH --mode iterator [--events N] [--rounds R]
       python python_callback.py --sim PATH --mode latency [--samples N]
"""

import argparse
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import threading
import time
import urllib.request

import ccbridge
from ccbridge.events import typed_payload


def start_sim(path: str, poll_wait_ms: int = 500) -> "tuple[subprocess.Popen[str], str]":
    proc = subprocess.Popen(
        [path, "--port", "0", "--poll-wait-ms", str(poll_wait_ms), "--rate-limit", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.strip().rsplit(" ", 1)[-1]


def screen_pops(session_id: str, count: int) -> bytes:
    """The control API body that queues ``count`` ScreenPop events (the benchmarks' event)."""
    return json.dumps(
        {
            "sessionId": session_id,
            "eventType": "engagementCenter.ScreenPop",
            "payload": {
                "userId": "bench",
                "ehubSessionId": 100,
                "ehubSessionIdRev": "100",
                "payload": {"interactionId": 1, "interactionIdRev": "1", "mediaType": "InboundACD"},
            },
            "count": count,
        }
    ).encode()


def sim_client(base: str, **options: "object") -> ccbridge.ViaClient:
    """A client of the simulator at ``base`` with its default credentials."""
    return ccbridge.ViaClient(
        org_id="simorg",
        client_id="sim-client",
        client_secret="sim-secret",
        api_key="sim-api-key",
        base_url=base,
        **options,  # type: ignore[arg-type]
    )


def inject(base: str, session_id: str, count: int) -> None:
    body = screen_pops(session_id, count)
    req = urllib.request.Request(
        base + "/sim/events", data=body, headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(req, timeout=60).read()


# One event the typed callback received, for the cost of typed access on its own.
SAMPLE: "list[ccbridge.Event]" = []


def typed_access_cost(n: int = 20000) -> dict:
    """Microseconds per ``typed_payload(event).user_id`` on one received event, outside
    any stream: the payload class and the decoding of the field read. The event's payload
    dict itself is converted on its first access and kept, so this leaves that out."""
    ev = SAMPLE[0]
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            typed_payload(ev).user_id  # type: ignore[union-attr]
        best = min(best, (time.perf_counter() - started) / n)
    return {"event_type": ev.event_type, "calls": n, "best_of_5_us": round(best * 1e6, 2)}


def one_round(
    client: ccbridge.ViaClient, base: str, events: int, ack: bool, typed: bool
) -> float:
    """Events per second of one stream; raises when a typed read does not see the payload."""
    seen = 0
    wrong = 0
    done = threading.Event()

    def on_event(_ev: ccbridge.Event) -> None:
        nonlocal seen
        seen += 1
        if seen >= events:
            done.set()

    def on_event_typed(ev: ccbridge.Event) -> None:
        nonlocal seen, wrong
        if not SAMPLE:
            SAMPLE.append(ev)
        p = typed_payload(ev)
        if p is None or p.user_id != "bench":  # type: ignore[attr-defined]
            wrong += 1
        seen += 1
        if seen >= events:
            done.set()

    stream = client.stream(
        max_events=200,
        require_acknowledgement=ack,
        # Room for the whole burst: without acknowledgement a full buffer drops events.
        buffer_capacity=max(events, 1),
        on_event=on_event_typed if typed else on_event,
    )
    started = time.perf_counter()
    inject(base, stream.session_id, events)
    if not done.wait(120):
        raise SystemExit("benchmark stalled")
    rate = events / (time.perf_counter() - started)
    stream.stop()
    if wrong:
        raise SystemExit(f"typed_payload(event).user_id was wrong for {wrong} events")
    return rate


def summary(rates: "list[float]", events: int, rounds: int, ack: bool) -> dict:
    rates = sorted(rates)
    return {
        "events": events,
        "rounds": rounds,
        "acknowledgement": ack,
        "events_per_second_median": round(statistics.median(rates)),
        "events_per_second_min": round(rates[0]),
        "events_per_second_max": round(rates[-1]),
    }


def run(client: ccbridge.ViaClient, base: str, events: int, rounds: int, ack: bool) -> dict:
    """Both callbacks in alternating rounds; their figures and ratios for one ack mode."""
    plain: "list[float]" = []
    typed: "list[float]" = []
    for r in range(rounds):
        for is_typed in (False, True) if r % 2 == 0 else (True, False):
            (typed if is_typed else plain).append(one_round(client, base, events, ack, is_typed))
    mode = "ack" if ack else "no_ack"
    p, t = summary(plain, events, rounds, ack), summary(typed, events, rounds, ack)
    t["callback"] = "typed_payload(event).user_id"
    return {
        f"python_callback_{mode}": p,
        f"python_callback_typed_{mode}": t,
        f"python_callback_typed_to_plain_ratio_{mode}": round(
            t["events_per_second_median"] / p["events_per_second_median"], 3
        ),
        f"python_callback_typed_to_plain_ratio_per_round_median_{mode}": round(
            statistics.median(b / a for a, b in zip(plain, typed)), 3
        ),
    }


def iterator_round(client: ccbridge.ViaClient, base: str, events: int, ack: bool) -> float:
    """Events per second of one pulled stream read with ``for event in stream``."""
    stream = client.stream(
        max_events=200,
        require_acknowledgement=ack,
        # Room for the whole burst: without acknowledgement a full buffer drops events.
        buffer_capacity=max(events, 1),
    )
    # Stopping the stream ends the iteration: the guard against a stall.
    watchdog = threading.Timer(120, stream.stop)
    watchdog.daemon = True
    watchdog.start()
    seen = 0
    started = time.perf_counter()
    inject(base, stream.session_id, events)
    for _ev in stream:
        seen += 1
        if seen >= events:
            break
    rate = events / (time.perf_counter() - started)
    watchdog.cancel()
    stream.stop()
    if seen < events:
        raise SystemExit(f"benchmark stalled: {seen} of {events} events")
    return rate


def run_iterator(client: ccbridge.ViaClient, base: str, events: int, rounds: int) -> dict:
    report = {}
    for ack in (True, False):
        rates = [iterator_round(client, base, events, ack) for _ in range(rounds)]
        s = summary(rates, events, rounds, ack)
        s["consumer"] = "for event in stream"
        report[f"python_iterator_{'ack' if ack else 'no_ack'}"] = s
    return report


LATENCY_POLL_WAIT_MS = 15000
LATENCY_WARMUP = 20
PAUSE_MS = (2, 10)


class Control:
    """The simulator's control API over one kept-alive connection."""

    def __init__(self, base: str) -> None:
        host_port = base.split("://", 1)[1].rstrip("/")
        # http.client sets TCP_NODELAY on connecting.
        self.conn = http.client.HTTPConnection(host_port, timeout=60)

    def _call(self, method: str, path: str, body: "bytes | None" = None) -> bytes:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise SystemExit(f"{method} {path}: {resp.status} {data!r}")
        return data

    def inject(self, session_id: str) -> None:
        self._call("POST", "/sim/events", screen_pops(session_id, 1))

    def active_polls(self, session_id: str) -> int:
        return int(json.loads(self._call("GET", f"/sim/sessions/{session_id}"))["activePolls"])


def percentile(sorted_values: "list[float]", p: float) -> float:
    """Nearest rank."""
    rank = max(1, min(len(sorted_values), math.ceil(p * len(sorted_values))))
    return sorted_values[rank - 1]


def latency(client: ccbridge.ViaClient, control: Control, samples: int, ack: bool) -> dict:
    lock = threading.Lock()
    arrived = threading.Event()
    seen_at: "list[float]" = []

    def on_event(_ev: ccbridge.Event) -> None:
        t = time.perf_counter()
        with lock:
            seen_at.append(t)
        arrived.set()

    stream = client.stream(max_events=200, require_acknowledgement=ack, on_event=on_event)
    lat: "list[float]" = []
    calls: "list[float]" = []
    waited = 0
    for i in range(LATENCY_WARMUP + samples):
        time.sleep(random.randint(*PAUSE_MS) / 1000)
        sid = stream.session_id
        since = time.perf_counter()
        if control.active_polls(sid) == 0:
            waited += 1
            while control.active_polls(sid) == 0:
                if time.perf_counter() - since > 10:
                    raise SystemExit("no poll outstanding")
                time.sleep(0.0002)
        with lock:
            seen_at.clear()
        arrived.clear()
        t0 = time.perf_counter()
        control.inject(sid)
        injected = time.perf_counter() - t0
        if not arrived.wait(10):
            raise SystemExit("the event never reached the callback")
        with lock:
            at = seen_at[0]
        if i >= LATENCY_WARMUP:
            lat.append((at - t0) * 1e3)
            calls.append(injected * 1e3)
    delivered = stream.stats.events_delivered
    stream.stop()
    if delivered != LATENCY_WARMUP + samples:
        raise SystemExit(f"{delivered} events delivered of {LATENCY_WARMUP + samples}")
    lat.sort()
    calls.sort()
    p99 = percentile(lat, 0.99)
    return {
        "samples": samples,
        "acknowledgement": ack,
        "pause_ms": list(PAUSE_MS),
        "sim_poll_wait_ms": LATENCY_POLL_WAIT_MS,
        "p50_ms": round(percentile(lat, 0.50), 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(lat[-1], 3),
        "min_ms": round(lat[0], 3),
        "inject_request_p50_ms": round(percentile(calls, 0.50), 3),
        "samples_that_waited_for_the_poll": waited,
        "goal_p99_ms": 5,
        "p99_within_goal": p99 < 5.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--mode", choices=("callback", "iterator", "latency"), default="callback")
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--samples", type=int, default=500)
    args = ap.parse_args()
    wait = LATENCY_POLL_WAIT_MS if args.mode == "latency" else 500
    proc, base = start_sim(args.sim, wait)
    try:
        client = sim_client(base)
        if args.mode == "iterator":
            report = run_iterator(client, base, args.events, max(args.rounds, 1))
        elif args.mode == "latency":
            control = Control(base)
            report = {}
            for key, ack in (("python_latency_ack", True), ("python_latency_no_ack", False)):
                load_before = round(os.getloadavg()[0], 2)
                report[key] = latency(client, control, args.samples, ack)
                report[key]["load_average_1m"] = {
                    "before": load_before,
                    "after": round(os.getloadavg()[0], 2),
                }
        else:
            report = run(client, base, args.events, args.rounds, True)
            report.update(run(client, base, args.events, args.rounds, False))
            report["python_typed_payload_access"] = typed_access_cost()
        print(json.dumps(report))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
