"""Per-command overhead of the Python typed layer, against a bare HTTP POST of the same request.

Starts the simulator binary, creates one streaming session (inactivity 600 s, never polled)
and sends it sequential ``engagementCenter.hold`` calls (202; the simulator queues one
``Held`` event), in three variants:

- typed: ``client.engagement_center.hold(session, "1", ehub_session_id="100")``: keyword
  arguments to the generic parameters, the native call (GIL released, the core's blocking
  path on its runtime: validation against the description, cached token, pacing, retry
  wrapper, response headers read, error mapping), ``None`` back;
- generic: ``client.call("engagementCenter.hold", {...})``, the same path from a dict;
- bare: ``http.client.HTTPConnection`` kept alive across calls, the same headers
  (``Authorization: Bearer`` from the simulator's token endpoint, fetched once before,
  ``x-api-key``, ``via-client-sessionid``, ``Accept``, ``Content-Type``) and the same JSON
  body encoded per call with ``json.dumps``, the answer read and its status checked.

After a warm-up of each variant, many short rounds rotate the order of the variants so that
load changing on a shared machine hits all of them. Prints one JSON object: median, p90 and
mean microseconds per call of each variant, the ratios of the medians to bare, and the median over
rounds of each round's ratio.

Usage: python python_commands.py --sim PATH [--calls N] [--rounds R]
"""

import argparse
import http.client
import json
import os
import statistics
import time
import urllib.parse
import urllib.request
from typing import Callable, Dict, List

import ccbridge
from python_callback import sim_client, start_sim

INTERACTION_ID = "1"
EHUB_SESSION_ID = "100"
WARM_UP_CALLS = 500


def bare_caller(base: str, session_id: str) -> Callable[[], None]:
    """One hold per call over a kept-alive connection, as a hand-written client would."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": "sim-client",
            "client_secret": "sim-secret",
        }
    ).encode()
    with urllib.request.urlopen(base + "/via/v2/oauth2/token", data=form, timeout=30) as r:
        token = json.loads(r.read())["access_token"]
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    path = f"/via/v2/organizations/simorg/engagementCenter/interactions/{INTERACTION_ID}/hold"
    headers = {
        "Authorization": f"Bearer {token}",
        "x-api-key": "sim-api-key",
        "via-client-sessionid": session_id,
        "Accept": "application/json",
        "Content-Type": "application/json",
    }

    def hold() -> None:
        body = json.dumps({"ehubSessionId": EHUB_SESSION_ID}).encode()
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 202:
            raise SystemExit(f"bare hold answered {resp.status}")

    return hold


def timed(fn: Callable[[], None], n: int) -> List[float]:
    out = []
    clock = time.perf_counter_ns
    for _ in range(n):
        started = clock()
        fn()
        out.append((clock() - started) / 1000.0)
    return out


def summary(samples: List[float]) -> Dict[str, float]:
    samples = sorted(samples)
    return {
        "calls": len(samples),
        "median_us": round(statistics.median(samples), 1),
        "p90_us": round(samples[int((len(samples) - 1) * 0.9)], 1),
        "mean_us": round(statistics.fmean(samples), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--calls", type=int, default=100, help="calls per variant and round")
    ap.add_argument("--rounds", type=int, default=50)
    args = ap.parse_args()
    calls, rounds = max(args.calls, 1), max(args.rounds, 1)
    load_before = round(os.getloadavg()[0], 2)
    proc, base = start_sim(args.sim)
    try:
        client = sim_client(base)
        session_id = client.streaming.create_session(
            inactivity_delay=600, require_acknowledgement=False
        )["sessionId"]

        def typed() -> None:
            client.engagement_center.hold(
                session_id, INTERACTION_ID, ehub_session_id=EHUB_SESSION_ID
            )

        def generic() -> None:
            client.call(
                "engagementCenter.hold",
                {
                    "sessionId": session_id,
                    "interactionId": INTERACTION_ID,
                    "body": {"ehubSessionId": EHUB_SESSION_ID},
                },
            )

        variants: Dict[str, Callable[[], None]] = {
            "typed": typed,
            "bare": bare_caller(base, session_id),
            "generic": generic,
        }
        names = list(variants)
        for fn in variants.values():
            timed(fn, WARM_UP_CALLS)
        samples: Dict[str, List[float]] = {n: [] for n in names}
        round_ratios: Dict[str, List[float]] = {n: [] for n in names}
        for r in range(rounds):
            this_round: Dict[str, List[float]] = {}
            for k in range(len(names)):
                name = names[(k + r) % len(names)]
                this_round[name] = timed(variants[name], calls)
            bare = statistics.median(this_round["bare"])
            for name, s in this_round.items():
                round_ratios[name].append(statistics.median(s) / bare)
                samples[name].extend(s)
        client.streaming.delete_session(session_id)

        report: Dict[str, object] = {n: summary(samples[n]) for n in names}
        med = {n: statistics.median(samples[n]) for n in names}
        report.update(
            {
                "operation": "engagementCenter.hold",
                # The ratios move with contention from other processes (the native call
                # hands the request to a runtime thread and waits for the answer: two
                # thread wake-ups that http.client does not have).
                "load_average_1m": {"before": load_before, "after": round(os.getloadavg()[0], 2)},
                "calls_per_round": calls,
                "rounds": rounds,
                "typed_to_bare_ratio": round(med["typed"] / med["bare"], 3),
                "generic_to_bare_ratio": round(med["generic"] / med["bare"], 3),
                "typed_to_bare_ratio_per_round_median": round(
                    statistics.median(round_ratios["typed"]), 3
                ),
                "generic_to_bare_ratio_per_round_median": round(
                    statistics.median(round_ratios["generic"]), 3
                ),
                "typed_overhead_us": round(med["typed"] - med["bare"], 1),
                "generic_overhead_us": round(med["generic"] - med["bare"], 1),
                "description": (
                    "microseconds per sequential engagementCenter.hold (202) to the simulator in its own "
                    "release process, keep-alive on every side; typed = "
                    "client.engagement_center.hold(...) (kwargs to params, native call with the "
                    "GIL released: validation, cached token, pacing, retry wrapper, response "
                    "headers read, error mapping); generic = client.call(op, dict); bare = "
                    "http.client keep-alive POST with the same headers and json.dumps body, "
                    "token fetched once before; short rounds rotate the variants after a warm-up"
                ),
            }
        )
        print(json.dumps({"python_commands": report}))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
