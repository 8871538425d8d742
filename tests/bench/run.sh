#!/usr/bin/env bash
# `make bench`: whole-system benchmarks against the simulator, one JSON report, then a
# criterion micro-benchmark. Figures are printed, never asserted: compare runs on the same
# machine. Every leg runs the simulator (release build) as a separate process on loopback.
#
# Stream throughput (events queued on a session, maxEvents=200, timed until the handler
# has seen all of them; median/min/max over BENCH_ROUNDS rounds of BENCH_EVENTS events):
#   rust_handler_{ack,no_ack}            events/s to a no-op Rust handler (src/main.rs)
#     .protocol_floor (ack only)         events/s of a bare loop that polls and acknowledges
#                                        each batch before the next poll, with the client's
#                                        low-level calls and nothing else, in rounds
#                                        alternating with the engine's: what acknowledgement
#                                        allows on this machine and simulator when each
#                                        batch costs a poll and an acknowledgement in turn
#                                        (the engine, over HTTP/1.1, pipelines the two,
#                                        so it can pass this floor)
#     .to_protocol_floor_ratio, .to_protocol_floor_ratio_per_round_median   engine/floor
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
#   c_callback_{ack,no_ack}              events/s to a C ccb_event_cb that only counts
#                                        (c_callback.c, built with the system cc against
#                                        target/release/libccbridge_c.so)
#   c_to_rust_ratio_{mode}               c_callback / rust_handler medians
#   python_iterator_{ack,no_ack}         events/s pulled with `for event in stream`, counting
#                                        (python_callback.py --mode iterator)
#   python_iterator_to_rust_ratio_{mode} python_iterator / rust_handler medians
#
# Latency, injection to handler, with the stream idle and its poll outstanding (one stream,
# maxEvents=200, a simulator with the documented 15 s long-poll wait; BENCH_LATENCY_SAMPLES
# samples per mode after 20 warm-up ones, 0 skips these legs; before each, a random pause of
# 2..=10 ms, then the simulator's GET /sim/sessions/{id} is asked until activePolls shows the
# session's GET /events waiting; a sample runs from just before the control request that
# queues one event, POST /sim/events, to the handler's first instruction):
#   rust_latency_{ack,no_ack}     p50_ms, p99_ms, max_ms (min_ms; goal p99 < 5 ms, printed
#                                 as p99_within_goal, not asserted) to a Rust handler
#                                 (src/latency.rs); inject_request_p50_ms: the control
#                                 request alone (part of every sample);
#                                 samples_that_waited_for_the_poll: samples whose poll was
#                                 not yet waiting after the pause
#   python_latency_{ack,no_ack}   the same to a Python on_event callback
#                                 (python_callback.py --mode latency)
#   c_latency_{ack,no_ack}        the same to a C callback (c_callback.c --latency N; its
#                                 control requests open a new connection each)
#
# Many idle sessions in one process (BENCH_IDLE_SESSIONS streams, default 10000, 0 skips
# these legs; a simulator with the documented 15 s long-poll wait and no rate limit, so every
# stream sits with its GET /events waiting and re-polls every 15 s; the starts are spread
# evenly over those 15 s, at most BENCH_IDLE_CONCURRENCY (default 200) in flight, so that the
# re-polls are spread too and any window sees their steady rate, N per 15 s; the soft limit
# of open files is raised to the hard one, the simulator inherits it; pulled streams nobody
# pulls and streams with a no-op handler are measured in separate processes, about 35 s
# each):
#   rust_idle_sessions_{pull,callback}     src/idle.rs (ccbridge-bench --idle N)
#   python_idle_sessions_{pull,callback}   python_idle.py, streams from stream_async
#   {rust,python}_idle_sessions_{pull,callback}_http2   the same with the client's http2 option:
#                                    every request on one HTTP/2 connection instead of one
#                                    HTTP/1.1 connection per poll in flight (the simulator
#                                    allows any number of requests per connection; a real
#                                    server's limit decides whether that is possible there)
#   {rust,python}_idle_sessions_pull_http2_workers1   pulled over HTTP/2 with the library's
#                                    runtime set to one worker thread (configure_worker_threads,
#                                    as a process of mostly idle sessions may run): each re-poll
#                                    wakes one thread instead of two
#     runtime_workers                worker threads of the library's runtime
#     sessions_started, start_failures, start_error   a failed start (thread or file
#         limits) ends the starts; the rest is measured on the streams that started
#     start_seconds                  all starts, wall time
#     rss_before_kb / rss_after_kb / rss_delta_kb / rss_after_mb / per_session_kb
#                                    VmRSS of /proc/self/status before the sessions (one
#                                    stream of the kind started and stopped first, so the
#                                    runtime and token are warm) and 2 s after all started;
#                                    rss_after_idle_kb after the idle window
#     threads_before / threads_after / threads_per_session   Threads of /proc/self/status
#     idle_cpu_percent_of_one_core   getrusage user + system time of the process over
#                                    BENCH_IDLE_SECONDS (default 10) of idleness / wall time
#     cpu_us_per_poll, sim_cpu_us_per_poll   the same CPU time per re-poll of the window
#                                    (ours and the simulator's): the idle CPU's unit cost
#     polls_completed_during_idle, sim_requests_during_idle, sim_live_sessions,
#     sim_cpu_percent_of_one_core_during_idle   what the idle window contained, for reading
#                                    the figures (the simulator shares the machine's cores)
#     stop_seconds, stop_failures    stopping all of them, concurrently
#   Goal (of the engine, not asserted): 10000 sessions with RSS <= 200 MB, idle CPU < 5%.
#
# Live heap per idle stream (src/bin/heap.rs, ccbridge-heap, its own binary with a counting
# global allocator; skipped with the idle legs): 500 streams of each kind held at once, each
# with its poll waiting at a simulator with the documented 15 s wait, then 500 bare polls in
# flight; exact bytes, not RSS, so that a change of a few hundred bytes per stream shows:
#   heap_per_idle_stream.{http1,http2}.pull_bytes / callback_bytes / poll_alone_bytes
#       (the HTTP request alone, through the general HTTP client) / engine_share_bytes
#       (callback - poll_alone; null over HTTP/2, where streams poll on lanes of their own)
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
# The comparison users will make (python_poller.py), BENCH_POLLER_ROUNDS rounds (default 9:
# its medians move more between runs than the others', the legs sharing two cores with the
# simulator) alternating on one simulator:
#   plain_poller_vs_ccbridge_{ack,no_ack}   a plain requests + json.loads long-poll loop
#       (set of seen ids, one acknowledge per batch; none in no_ack) against a ccbridge stream
#       callback that reads the payload: events/s and CPU µs per event of each,
#       events_per_second_ratio (ccbridge/plain) and cpu_per_event_ratio (plain/ccbridge);
#       the ack leg is the documents' loop and carries the goals, 3 and 5 (within_goal,
#       printed, not asserted)
#     .ccbridge_cpu_us_per_event_by_thread   ccbridge's CPU over all its rounds, by thread:
#       runtime_{user,system} (polls, decoding, acknowledgements), dispatcher_{user,system}
#       (the callback and each event's conversion), other_* (the rest of the process)
#     .ccbridge_context_switches_per_200_events   its threads' context switches per batch
#
# Soak of the event engine (src/soak.rs, ccbridge-bench --soak; BENCH_SOAK_SESSIONS streams,
# default 100, on one client; BENCH_SOAK_EVENTS events, default 100000, 0 skips the leg,
# injected in batches of 50 on random streams' sessions over the first 40 s; at most
# BENCH_SOAK_SECONDS, default 180; acknowledgement on; on every GET and POST under
# /streaming/ the simulator answers 10 % 500/502/503, 5 % 429 with Retry-After 1, 5 %
# dropped connections (half before it handles the request, half after: dropResponse);
# every 2 s a random stream's session is expired, every 3 s every token):
#   soak.events_injected, events_delivered, lost, duplicated (both must be 0: `make bench`
#       then fails, after printing the report), misrouted, unknown
#       lost: injected, never handed to a handler, and not among the events the simulator
#       listed as discarded when the soak expired their session
#       (discarded_with_expired_session; those that reached a handler anyway are
#       discarded_but_delivered); duplicated: hand-overs of an eventId beyond the first,
#       across all handlers
#   soak.sessions_expired, sessions_recreated, tokens_expired, retries_seen,
#       retries_by_error, statuses, sim_faults_injected: the chaos that happened
#   soak.elapsed_seconds (first injection until every event was accounted for),
#       events_per_second (delivered / elapsed: paced by the injection, not a throughput
#       figure), delivery_ms (injection sent to first hand-over: p50, p99, p99.9, max),
#       slowest_deliveries and lost_examples with their stream's statuses
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
latency_samples="${BENCH_LATENCY_SAMPLES:-500}"
idle_sessions="${BENCH_IDLE_SESSIONS:-10000}"
idle_seconds="${BENCH_IDLE_SECONDS:-10}"
idle_concurrency="${BENCH_IDLE_CONCURRENCY:-200}"
soak_sessions="${BENCH_SOAK_SESSIONS:-100}"
soak_events="${BENCH_SOAK_EVENTS:-100000}"
soak_seconds="${BENCH_SOAK_SECONDS:-180}"
poller_rounds="${BENCH_POLLER_ROUNDS:-9}"
sim="$repo/target/release/ccbridge-sim"
bench="$repo/target/release/ccbridge-bench"

"$cargo" build -q --release -p ccbridge-bench -p ccbridge-sim -p ccbridge-c
# Both legs run the simulator as a separate process, so their figures compare.
rust_json="$("$bench" --events "$events" --rounds "$rounds" --sim "$sim")"
rust_cmd_json="$("$bench" --commands "$calls" --command-rounds "$command_rounds" --sim "$sim")"

# A leg that may fail for reasons of the machine (thread or file limits) reports its exit
# status under its name instead of ending the report: leg NAME COMMAND...
leg() {
  local name="$1" out status=0
  shift
  out="$("$@")" || status=$?
  if [ "$status" -ne 0 ]; then
    out="{\"$name\": {\"error\": \"exited with status $status\"}}"
  fi
  printf '%s' "$out"
}

rust_latency_json='{}'
if [ "$latency_samples" -gt 0 ]; then
  rust_latency_json="$(leg rust_latency "$bench" --latency "$latency_samples" --sim "$sim")"
fi
rust_idle_pull_json='{}'
rust_idle_callback_json='{}'
rust_idle_h2_json='{}'
rust_idle_pull_h2_json='{}'
rust_idle_pull_h2_w1_json='{}'
heap_json='{}'
if [ "$idle_sessions" -gt 0 ]; then
  idle_args=(--idle "$idle_sessions" --idle-seconds "$idle_seconds" --idle-concurrency "$idle_concurrency" --sim "$sim")
  rust_idle_pull_json="$(leg rust_idle_sessions_pull "$bench" "${idle_args[@]}" --idle-kind pull)"
  rust_idle_callback_json="$(leg rust_idle_sessions_callback "$bench" "${idle_args[@]}" --idle-kind callback)"
  rust_idle_h2_json="$(leg rust_idle_sessions_callback_http2 "$bench" "${idle_args[@]}" --idle-kind callback --idle-http2)"
  rust_idle_pull_h2_json="$(leg rust_idle_sessions_pull_http2 "$bench" "${idle_args[@]}" --idle-kind pull --idle-http2)"
  rust_idle_pull_h2_w1_json="$(leg rust_idle_sessions_pull_http2_workers1 "$bench" "${idle_args[@]}" --idle-kind pull --idle-http2 --idle-workers 1)"
  heap_json="$(leg heap_per_idle_stream "$repo/target/release/ccbridge-heap" --sim "$sim")"
fi

# The soak exits 1 when an event was lost or duplicated: its report is kept, and the run
# fails once everything is printed.
soak_json='{}'
soak_status=0
if [ "$soak_events" -gt 0 ]; then
  soak_json="$("$bench" --soak --sessions "$soak_sessions" --events "$soak_events" --seconds "$soak_seconds" --sim "$sim")" || soak_status=$?
  [ -n "$soak_json" ] || soak_json="{\"soak\": {\"error\": \"exited with status $soak_status\"}}"
fi

# The C callback: a plain C program against the release C library, the same procedure.
c_bench="$repo/target/release/ccbridge-bench-c"
"${CC:-cc}" -O2 -std=c11 -Wall -Wextra -I"$repo/include" "$here/c_callback.c" -o "$c_bench" \
  -L"$repo/target/release" -Wl,-rpath,"$repo/target/release" -lccbridge_c -lpthread
c_json="$("$c_bench" --sim "$sim" --events "$events" --rounds "$rounds" --latency "$latency_samples")"

# The Python extension, built in release mode into the project's venv.
venv="$repo/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo/python/requirements-dev.txt" -r "$here/requirements.txt"
(cd "$repo/python" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet --release)
py_json="$("$venv/bin/python" "$here/python_callback.py" --sim "$sim" --events "$events" --rounds "$rounds")"
py_cmd_json="$("$venv/bin/python" "$here/python_commands.py" --sim "$sim" --calls "$calls" --rounds "$command_rounds")"
poller_json="$("$venv/bin/python" "$here/python_poller.py" --sim "$sim" --events "$events" --rounds "$poller_rounds")"
py_iter_json="$("$venv/bin/python" "$here/python_callback.py" --mode iterator --sim "$sim" --events "$events" --rounds "$rounds")"
py_latency_json='{}'
if [ "$latency_samples" -gt 0 ]; then
  py_latency_json="$(leg python_latency "$venv/bin/python" "$here/python_callback.py" --mode latency --sim "$sim" --samples "$latency_samples")"
fi
py_idle_pull_json='{}'
py_idle_callback_json='{}'
py_idle_h2_json='{}'
py_idle_pull_h2_json='{}'
py_idle_pull_h2_w1_json='{}'
if [ "$idle_sessions" -gt 0 ]; then
  py_idle_args=(--sim "$sim" --sessions "$idle_sessions" --seconds "$idle_seconds" --concurrency "$idle_concurrency")
  py_idle_pull_json="$(leg python_idle_sessions_pull "$venv/bin/python" "$here/python_idle.py" "${py_idle_args[@]}" --kind pull)"
  py_idle_callback_json="$(leg python_idle_sessions_callback "$venv/bin/python" "$here/python_idle.py" "${py_idle_args[@]}" --kind callback)"
  py_idle_h2_json="$(leg python_idle_sessions_callback_http2 "$venv/bin/python" "$here/python_idle.py" "${py_idle_args[@]}" --kind callback --http2)"
  py_idle_pull_h2_json="$(leg python_idle_sessions_pull_http2 "$venv/bin/python" "$here/python_idle.py" "${py_idle_args[@]}" --kind pull --http2)"
  py_idle_pull_h2_w1_json="$(leg python_idle_sessions_pull_http2_workers1 "$venv/bin/python" "$here/python_idle.py" "${py_idle_args[@]}" --kind pull --http2 --workers 1)"
fi

"$venv/bin/python" - "$rust_json" "$rust_cmd_json" "$py_json" "$py_cmd_json" "$poller_json" \
  "$c_json" "$py_iter_json" "$rust_latency_json" "$py_latency_json" \
  "$rust_idle_pull_json" "$rust_idle_callback_json" "$py_idle_pull_json" "$py_idle_callback_json" \
  "$rust_idle_h2_json" "$py_idle_h2_json" "$rust_idle_pull_h2_json" "$py_idle_pull_h2_json" \
  "$rust_idle_pull_h2_w1_json" "$py_idle_pull_h2_w1_json" "$heap_json" \
  "$soak_json" <<'PY'
import json, sys
report = {}
for part in sys.argv[1:]:
    report.update(json.loads(part))
for mode in ("ack", "no_ack"):
    rust = report[f"rust_handler_{mode}"]["events_per_second_median"]
    for name, key in (("python", "python_callback"), ("c", "c_callback"),
                      ("python_iterator", "python_iterator")):
        other = report[f"{key}_{mode}"]["events_per_second_median"]
        report[f"{name}_to_rust_ratio_{mode}"] = round(other / rust, 3) if rust else None
print(json.dumps(report, indent=2, sort_keys=True))
PY

# Micro-benchmark of event decoding (criterion; its own report format).
"$cargo" bench -q -p ccbridge --bench stream -- --noplot 2>/dev/null | grep -E "batch_of_200|time:|thrpt:" || true

if [ "$soak_status" -ne 0 ]; then
  echo "make bench: the soak failed (exit status $soak_status): see soak.lost, soak.duplicated and soak.lost_examples above" >&2
  exit 1
fi
