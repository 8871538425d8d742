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

Usage: python python_callback.py --sim PATH [--events N] [--rounds R]
"""

import argparse
import json
import statistics
import subprocess
import threading
import time
import urllib.request

import ccbridge
from ccbridge.events import typed_payload


def start_sim(path: str) -> "tuple[subprocess.Popen[str], str]":
    proc = subprocess.Popen(
        [path, "--port", "0", "--poll-wait-ms", "500", "--rate-limit", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.strip().rsplit(" ", 1)[-1]


def inject(base: str, session_id: str, count: int) -> None:
    body = json.dumps(
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    proc, base = start_sim(args.sim)
    try:
        client = ccbridge.ViaClient(
            org_id="simorg",
            client_id="sim-client",
            client_secret="sim-secret",
            api_key="sim-api-key",
            base_url=base,
        )
        report = run(client, base, args.events, args.rounds, True)
        report.update(run(client, base, args.events, args.rounds, False))
        report["python_typed_payload_access"] = typed_access_cost()
        print(json.dumps(report))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
