#!/usr/bin/env bash
# `make bench`: whole-system benchmarks against the simulator, one JSON report, then a
# criterion micro-benchmark. Figures are printed, never asserted: compare runs on the same
# machine. Every leg runs the simulator (release build) as a separate process on loopback.
#
# Stream throughput (events queued on a session, maxEvents=200, timed until the handler
# has seen all of them; median/min/max over BENCH_ROUNDS rounds of BENCH_EVENTS events):
#   rust_handler_{ack,no_ack}            events/s to a no-op Rust handler (src/main.rs)
#   python_callback_{ack,no_ack}         events/s to a Python on_event callback that only
#                                        counts (python_callback.py)
#   python_callback_typed_{ack,no_ack}   the same, the callback also calling
#                                        ccbridge.events.typed_payload(event).user_id;
#                                        rounds alternate with the plain callback's
#   python_callback_typed_to_plain_ratio_{mode}                  typed/plain of the medians
#   python_callback_typed_to_plain_ratio_per_round_median_{mode} median of each round's
#                                        typed/plain (the two ran back to back)
#   python_typed_payload_access          µs per typed_payload(event).user_id on one received
#                                        event, outside a stream (best of 5 × 20000)
#   python_to_rust_ratio_{mode}          python_callback / rust_handler medians
#
# Per-command overhead (sequential engagementCenter.hold, a 202 whose simulator handler only
# queues one Held event, on one never-polled session; BENCH_CALLS calls per variant and
# round, BENCH_COMMAND_ROUNDS short rounds rotating the variants after a warm-up; every
# call timed; keep-alive connections everywhere):
#   rust_commands.typed / generic / bare      median, p90, mean µs per call (src/commands.rs)
#       typed   client.engagement_center().hold(..): model to JSON, validation against the
#               description, cached token, pacing, retry wrapper, headers, error mapping
#       generic client.call("engagementCenter.hold", json): the same path from JSON
#       bare    plain reqwest POST, same headers (bearer from the simulator's token endpoint,
#               fetched once; x-api-key; via-client-sessionid) and JSON body, status checked
#   rust_commands.typed_to_bare_ratio (goal <= 1.2), generic_to_bare_ratio: of the medians;
#       *_per_round_median: median of the per-round ratios; *_overhead_us: median difference
#   python_commands.*                          the same from Python (python_commands.py):
#       typed   client.engagement_center.hold(..) (GIL released during the native call)
#       generic client.call(op, dict)
#       bare    http.client.HTTPConnection kept alive, same headers, json.dumps body
#   python_commands.typed_to_bare_ratio (goal <= 1.5): of the medians. The native call
#       hands the request to a runtime worker and waits on a channel (two thread wake-ups
#       http.client does not have), so this ratio rises when other processes compete for
#       the CPUs; both command legs print load_average_1m before and after to read it by.
#
# The comparison users will make (python_poller.py), rounds alternating on one simulator:
#   plain_poller_vs_ccbridge_{ack,no_ack}   a plain requests + json.loads long-poll loop
#       (set of seen ids, one acknowledge per batch) against a ccbridge stream callback that
#       reads the payload: events/s and CPU µs per event of each, events_per_second_ratio
#       (ccbridge/plain) and cpu_per_event_ratio (plain/ccbridge); goals 3 and 5
#
# Criterion (its own format, after the JSON): decoding of a batch of 200 events.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cargo="${CARGO:-cargo}"
events="${BENCH_EVENTS:-20000}"
rounds="${BENCH_ROUNDS:-5}"
calls="${BENCH_CALLS:-100}"
command_rounds="${BENCH_COMMAND_ROUNDS:-100}"
sim="$repo/target/release/ccbridge-sim"

"$cargo" build -q --release -p ccbridge-bench -p ccbridge-sim
# Both legs run the simulator as a separate process, so their figures compare.
rust_json="$("$repo/target/release/ccbridge-bench" --events "$events" --rounds "$rounds" --sim "$sim")"
rust_cmd_json="$("$repo/target/release/ccbridge-bench" --commands "$calls" --command-rounds "$command_rounds" --sim "$sim")"

# The Python extension, built in release mode into the project's venv.
venv="$repo/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo/python/requirements-dev.txt" -r "$here/requirements.txt"
(cd "$repo/python" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet --release)
py_json="$("$venv/bin/python" "$here/python_callback.py" --sim "$sim" --events "$events" --rounds "$rounds")"
py_cmd_json="$("$venv/bin/python" "$here/python_commands.py" --sim "$sim" --calls "$calls" --rounds "$command_rounds")"
poller_json="$("$venv/bin/python" "$here/python_poller.py" --sim "$sim" --events "$events" --rounds "$rounds")"

"$venv/bin/python" - "$rust_json" "$rust_cmd_json" "$py_json" "$py_cmd_json" "$poller_json" <<'PY'
import json, sys
report = {}
for part in sys.argv[1:]:
    report.update(json.loads(part))
for mode in ("ack", "no_ack"):
    rust = report[f"rust_handler_{mode}"]["events_per_second_median"]
    py = report[f"python_callback_{mode}"]["events_per_second_median"]
    report[f"python_to_rust_ratio_{mode}"] = round(py / rust, 3) if rust else None
print(json.dumps(report, indent=2, sort_keys=True))
PY

# Micro-benchmark of event decoding (criterion; its own report format).
"$cargo" bench -q -p ccbridge --bench stream -- --noplot 2>/dev/null | grep -E "batch_of_200|time:|thrpt:" || true
