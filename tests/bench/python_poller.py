"""The comparison users will make: a plain Python long-poll loop against ccbridge's binding.

The plain poller is written the way the streaming document's examples suggest: ``requests``
with one kept-alive session, a token from the token endpoint, one ``GET /events`` loop with
``maxEvents=200``, ``json.loads`` of each event's payload, a set of seen event ids to skip
redeliveries, and (with acknowledgement) one acknowledge POST per batch. ccbridge's leg is a
stream with an ``on_event`` callback that reads the payload (``event.payload``), so both
decode every payload.

Both legs see the same simulator process; rounds alternate (plain first in even rounds).
Each leg's clocks start just before its events are queued, so neither misses events handled
while that runs. The events are queued by a helper process (:class:`Injector`), as the
service would have them queued by others: the request that queues them is the benchmark's
work, not a consumer's, and neither leg's CPU counts it.
With acknowledgement (``plain_poller_vs_ccbridge_ack``) both legs do what the documents'
loop does; that comparison carries the goals (ccbridge at least 3 times the events/s and at
most a fifth of the CPU per event: ``within_goal``). Without it
(``plain_poller_vs_ccbridge_no_ack``) both legs skip the acknowledgements, for a figure of
the polling and decoding alone.
Per leg and mode: events/s, and CPU time of this process per event (``time.process_time``,
all threads: ccbridge's poller and dispatcher threads count too). Prints one JSON object
with the medians and the ratios ccbridge/plain (events/s) and plain/ccbridge (CPU per
event): above 1 means ccbridge is ahead.

Where ccbridge's CPU goes, over all its rounds of a mode (Linux, from ``/proc/self/task``;
absent elsewhere): ``ccbridge_cpu_us_per_event_by_thread`` splits it between the library's
runtime threads (polling, decoding, acknowledging; user and system time apart), its
dispatcher thread (the Python callback and the conversion of each event) and the rest of
the process, and ``ccbridge_context_switches_per_200_events`` counts the threads' context
switches per full batch. The kernel counts those times in clock ticks (10 ms here), so
their sum is rounded, and it may differ by some percent from the medians, which come from
the process's own CPU clock.
"""

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import requests

import ccbridge
from python_callback import sim_client, start_sim

ORG = "simorg"

# The helper's loop: one line per request ("base session_id count"), answered "ok" once the
# simulator has queued the events.
INJECTOR = """
import sys
from python_callback import inject
for line in sys.stdin:
    base, session_id, count = line.split()
    inject(base, session_id, int(count))
    print("ok", flush=True)
"""


class Injector:
    """Queues events on a session from a process of its own, so that the CPU time of this
    process is the consumer's alone."""

    def __init__(self) -> None:
        here = os.path.dirname(os.path.abspath(__file__))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", INJECTOR], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def inject(self, base: str, session_id: str, count: int) -> None:
        """Queues ``count`` events and returns once the simulator has them."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{base} {session_id} {count}\n")
        self.proc.stdin.flush()
        if self.proc.stdout.readline().strip() != "ok":
            raise SystemExit("the injector failed")

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


def plain_round(injector: Injector, base: str, events: int, ack: bool) -> "tuple[float, float]":
    """Events/s and CPU seconds per event of the hand-written loop."""
    http = requests.Session()
    token = http.post(
        base + "/via/v2/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "sim-client", "client_secret": "sim-secret"},
        timeout=30,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "x-api-key": "sim-api-key"}
    root = f"{base}/via/v3/organizations/{ORG}/streaming"
    session = http.post(
        root + "/session",
        json={"inactivityDelay": 120, "requireAcknowledgement": ack},
        headers=headers,
        timeout=30,
    ).json()["sessionId"]
    headers["via-client-sessionid"] = session
    seen: "set[str]" = set()
    handled = 0
    wall, cpu = time.perf_counter(), time.process_time()
    injector.inject(base, session, events)
    while handled < events:
        batch = http.get(root + "/events", params={"maxEvents": 200}, headers=headers, timeout=30).json()
        ids = []
        for e in batch.get("events") or []:
            ids.append(e["eventId"])
            if e["eventId"] in seen:
                continue
            seen.add(e["eventId"])
            payload = json.loads(e["payload"])
            if payload["userId"] == "bench":
                handled += 1
        if ack and ids:
            http.post(
                root + "/acknowledge",
                json={"events": [{"eventId": i} for i in ids]},
                headers=headers,
                timeout=30,
            )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    http.delete(root + "/session", headers=headers, timeout=30)
    return events / wall, cpu / events


TICK = os.sysconf("SC_CLK_TCK")


def thread_kind(name: str) -> str:
    """The library names its threads; the kernel keeps 15 characters of a name."""
    if name.startswith("ccbridge-rt"):
        return "runtime"
    if name.startswith("ccbridge-disp"):
        return "dispatcher"
    return "other"


def thread_usage() -> "collections.Counter[str]":
    """CPU ticks (user, system) and context switches of this process's threads by kind."""
    usage: "collections.Counter[str]" = collections.Counter()
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return usage
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                kind = thread_kind(f.read().strip())
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/self/task/{tid}/status") as f:
                switches = sum(int(line.split()[1]) for line in f if "ctxt_switches" in line)
        except (OSError, IndexError, ValueError):
            continue  # the thread ended meanwhile
        usage[f"{kind}_user"] += int(fields[11])
        usage[f"{kind}_system"] += int(fields[12])
        usage["switches"] += switches
    return usage


def ccbridge_round(
    client: ccbridge.ViaClient,
    injector: Injector,
    base: str,
    events: int,
    ack: bool,
    usage: "collections.Counter[str]",
) -> "tuple[float, float]":
    """Events/s and CPU seconds per event of a ccbridge stream with a callback; adds the
    round's thread usage to ``usage``."""
    handled = 0
    done = threading.Event()

    def on_event(ev: ccbridge.Event) -> None:
        nonlocal handled
        if ev.payload["userId"] == "bench":
            handled += 1
        if handled >= events:
            done.set()

    stream = client.stream(
        max_events=200,
        require_acknowledgement=ack,
        buffer_capacity=max(events, 1),
        on_event=on_event,
    )
    # The clock starts before the events are queued: the stream takes them as they come,
    # and what it handles while the injection runs counts too.
    before = thread_usage()
    wall, cpu = time.perf_counter(), time.process_time()
    injector.inject(base, stream.session_id, events)
    if not done.wait(120):
        raise SystemExit("benchmark stalled")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    usage.update(thread_usage())
    usage.subtract(before)
    stream.stop()
    return events / wall, cpu / events


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    proc, base = start_sim(a.sim)
    injector = Injector()
    report: dict = {}
    try:
        client = sim_client(base)
        for ack in (True, False):
            rates: "dict[str, list[float]]" = {"plain": [], "ccbridge": []}
            cpus: "dict[str, list[float]]" = {"plain": [], "ccbridge": []}
            usage: "collections.Counter[str]" = collections.Counter()
            for r in range(a.rounds):
                for leg in ("plain", "ccbridge") if r % 2 == 0 else ("ccbridge", "plain"):
                    rate, cpu = (
                        plain_round(injector, base, a.events, ack)
                        if leg == "plain"
                        else ccbridge_round(client, injector, base, a.events, ack, usage)
                    )
                    rates[leg].append(rate)
                    cpus[leg].append(cpu)
            med = {k: statistics.median(v) for k, v in rates.items()}
            cpu = {k: statistics.median(v) for k, v in cpus.items()}
            report[f"plain_poller_vs_ccbridge_{'ack' if ack else 'no_ack'}"] = {
                "events": a.events,
                "rounds": a.rounds,
                "plain_events_per_second_median": round(med["plain"]),
                "ccbridge_events_per_second_median": round(med["ccbridge"]),
                "plain_cpu_us_per_event_median": round(cpu["plain"] * 1e6, 2),
                "ccbridge_cpu_us_per_event_median": round(cpu["ccbridge"] * 1e6, 2),
                "events_per_second_ratio": round(med["ccbridge"] / med["plain"], 2),
                "cpu_per_event_ratio": round(cpu["plain"] / cpu["ccbridge"], 2),
            }
            if ack:
                # The documents' loop acknowledges each batch: this is the comparison the
                # goals are set for (ccbridge 3x the events/s, a fifth of the CPU per event).
                report["plain_poller_vs_ccbridge_ack"]["within_goal"] = (
                    med["ccbridge"] >= 3 * med["plain"] and cpu["plain"] >= 5 * cpu["ccbridge"]
                )
            handled = a.events * a.rounds
            if usage:
                report[f"plain_poller_vs_ccbridge_{'ack' if ack else 'no_ack'}"].update(
                    {
                        "ccbridge_cpu_us_per_event_by_thread": {
                            k: round(usage[k] / TICK / handled * 1e6, 3)
                            for k in sorted(usage)
                            if k != "switches"
                        },
                        "ccbridge_context_switches_per_200_events": round(
                            usage["switches"] / (handled / 200), 2
                        ),
                    }
                )
    finally:
        injector.close()
        proc.terminate()
        proc.wait()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
