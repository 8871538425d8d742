#!/usr/bin/env bash
# `make bench`: stream throughput in Rust and through the Python callback, one JSON report.
# Figures are printed, never asserted: compare runs on the same machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cargo="${CARGO:-cargo}"
events="${BENCH_EVENTS:-20000}"
rounds="${BENCH_ROUNDS:-5}"

"$cargo" build -q --release -p ccbridge-bench -p ccbridge-sim
# Both legs run the simulator as a separate process, so their figures compare.
rust_json="$("$repo/target/release/ccbridge-bench" --events "$events" --rounds "$rounds" --sim "$repo/target/release/ccbridge-sim")"

# The Python extension, built in release mode into the project's venv.
venv="$repo/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo/python/requirements-dev.txt"
(cd "$repo/python" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet --release)
py_json="$("$venv/bin/python" "$here/python_callback.py" --sim "$repo/target/release/ccbridge-sim" --events "$events" --rounds "$rounds")"

"$venv/bin/python" - "$rust_json" "$py_json" <<'PY'
import json, sys
report = json.loads(sys.argv[1])
report.update(json.loads(sys.argv[2]))
for mode in ("ack", "no_ack"):
    rust = report[f"rust_handler_{mode}"]["events_per_second_median"]
    py = report[f"python_callback_{mode}"]["events_per_second_median"]
    report[f"python_to_rust_ratio_{mode}"] = round(py / rust, 3) if rust else None
print(json.dumps(report, indent=2, sort_keys=True))
PY

# Micro-benchmark of event decoding (criterion; its own report format).
"$cargo" bench -q -p ccbridge --bench stream -- --noplot 2>/dev/null | grep -E "batch_of_200|time:|thrpt:" || true
