"""Stream throughput through the Python binding: events/s to a no-op ``on_event`` callback.

Starts the simulator binary, queues N events on the stream's session through the
simulator's control API, and times until the callback has seen all of them (the same
procedure as the Rust benchmark). Prints one JSON object.

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


def run(client: ccbridge.ViaClient, base: str, events: int, rounds: int, ack: bool) -> dict:
    rates = []
    for _ in range(rounds):
        seen = 0
        done = threading.Event()

        def on_event(_ev: ccbridge.Event) -> None:
            nonlocal seen
            seen += 1
            if seen >= events:
                done.set()

        stream = client.stream(
            max_events=200,
            require_acknowledgement=ack,
            # Room for the whole burst: without acknowledgement a full buffer drops events.
            buffer_capacity=max(events, 1),
            on_event=on_event,
        )
        started = time.perf_counter()
        inject(base, stream.session_id, events)
        if not done.wait(120):
            raise SystemExit("benchmark stalled")
        rates.append(events / (time.perf_counter() - started))
        stream.stop()
    rates.sort()
    return {
        "events": events,
        "rounds": rounds,
        "acknowledgement": ack,
        "events_per_second_median": round(statistics.median(rates)),
        "events_per_second_min": round(rates[0]),
        "events_per_second_max": round(rates[-1]),
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
        print(
            json.dumps(
                {
                    "python_callback_ack": run(client, base, args.events, args.rounds, True),
                    "python_callback_no_ack": run(client, base, args.events, args.rounds, False),
                }
            )
        )
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
