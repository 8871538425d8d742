"""Driver of compare_revision.sh: one simulator process, each measurement a fresh interpreter
of one of the two builds, rounds alternating. Prints one JSON object."""

import argparse
import json
import statistics
import subprocess
import sys

# One stream of `events` events into a callback, as any revision's Python API allows.
ONE = r"""
import json, sys, threading, time, urllib.request
import ccbridge
base, ack, typed, events = sys.argv[1], sys.argv[2] == "1", sys.argv[3] == "1", int(sys.argv[4])
client = ccbridge.ViaClient(org_id="simorg", client_id="sim-client", client_secret="sim-secret",
                            api_key="sim-api-key", base_url=base)
seen = 0
wrong = 0
done = threading.Event()
if typed:
    from ccbridge.events import typed_payload

def on_event(ev):
    global seen, wrong
    if typed:
        p = typed_payload(ev)
        if p is None or p.user_id != "bench":
            wrong += 1
    seen += 1
    if seen >= events:
        done.set()

stream = client.stream(max_events=200, require_acknowledgement=ack, buffer_capacity=events,
                       on_event=on_event)
body = json.dumps({"sessionId": stream.session_id, "eventType": "engagementCenter.ScreenPop",
    "payload": {"userId": "bench", "ehubSessionId": 100, "ehubSessionIdRev": "100",
                "payload": {"interactionId": 1, "interactionIdRev": "1", "mediaType": "InboundACD"}},
    "count": events}).encode()
started = time.perf_counter()
urllib.request.urlopen(urllib.request.Request(base + "/sim/events", data=body,
    headers={"Content-Type": "application/json"}), timeout=60).read()
if not done.wait(120):
    sys.exit("stalled")
rate = events / (time.perf_counter() - started)
stream.stop()
if wrong:
    sys.exit(f"typed_payload(event).user_id was wrong for {wrong} events")
print(rate)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--label", required=True)
    ap.add_argument("--old-python", required=True)
    ap.add_argument("--new-python", required=True)
    a = ap.parse_args()
    sim = subprocess.Popen(
        [a.sim, "--port", "0", "--poll-wait-ms", "500", "--rate-limit", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert sim.stdout is not None
    base = sim.stdout.readline().strip().rsplit(" ", 1)[-1]
    legs = {f"{a.label}_plain": (a.old_python, "0"), "plain": (a.new_python, "0"),
            "typed": (a.new_python, "1")}
    report: dict = {"revision": a.label, "events": a.events, "rounds": a.rounds}
    try:
        for ack in ("1", "0"):
            rates: "dict[str, list[float]]" = {k: [] for k in legs}
            for r in range(a.rounds):
                order = list(legs) if r % 2 == 0 else list(reversed(legs))
                for name in order:
                    python, typed = legs[name]
                    out = subprocess.run(
                        [python, "-c", ONE, base, ack, typed, str(a.events)],
                        check=True, capture_output=True, text=True,
                    ).stdout
                    rates[name].append(float(out.split()[-1]))
            mode = "ack" if ack == "1" else "no_ack"
            med = {k: statistics.median(v) for k, v in rates.items()}
            old = med[f"{a.label}_plain"]
            report[mode] = {
                **{f"{k}_events_per_second_median": round(v) for k, v in med.items()},
                "typed_to_revision_plain_ratio": round(med["typed"] / old, 3),
                "plain_to_revision_plain_ratio": round(med["plain"] / old, 3),
                "typed_to_revision_plain_ratio_per_round_median": round(statistics.median(
                    t / o for t, o in zip(rates["typed"], rates[f"{a.label}_plain"])), 3),
            }
    finally:
        sim.terminate()
        sim.wait()
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
