#!/usr/bin/env bash
# Tests of the Python binding: builds the extension (with the simulator it embeds, which the
# tests run against), installs the package into <repo>/.venv, then runs stubtest (the
# committed .pyi against the built module), mypy and pytest. Non-interactive; exits non-zero
# on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="$repo/.venv"
python="${PYTHON:-python3}"

make_venv() {
    "$python" -m venv "$venv"
}

if [ ! -x "$venv/bin/python" ]; then
    rm -rf "$venv"
    if ! make_venv; then
        # Debian ships venv/ensurepip separately from the interpreter.
        rm -rf "$venv"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            ver="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -q
            apt-get install -y -q "python${ver}-venv" || apt-get install -y -q python3-venv
            make_venv
        else
            echo "run-tests.sh: '$python -m venv' failed; install the venv module (Debian: python3-venv)" >&2
            exit 1
        fi
    fi
fi
vpy="$venv/bin/python"
"$vpy" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-dev.txt"

echo "== API description (OpenAPI validator, examples against their schemas)"
"$vpy" "$repo/tests/spec/check.py"

cd "$here"
VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet

echo "== stubtest"
"$vpy" -m mypy.stubtest ccbridge._native
echo "== mypy"
"$vpy" -m mypy
"$vpy" -m mypy "$repo/examples/python"
echo "== pytest"
"$vpy" -m pytest -p no:cacheprovider --timeout=120 tests

echo "== example: examples/python/screen_pops_csv.py (embedded simulator)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
timeout 120 "$vpy" "$repo/examples/python/screen_pops_csv.py" "$out/pops.csv" --calls 4
"$vpy" - "$out/pops.csv" <<'PY'
import csv, sys

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
expected = [
    ["interaction_id", "media_type", "ani", "caller_name", "user_fields"],
    ["InboundACD", "6035550101", "ADA LOVELACE", "Account=A-1001; Reason=billing"],
    ["InboundACD", "6035550102", "ALAN TURING", "Account=A-1002; PIN=****"],
    ["InboundACD", "6035550103", "GRACE HOPPER", "Reason=new order"],
    ["InboundACD", "6035550101", "ADA LOVELACE", "Account=A-1001; Reason=billing"],
]
got = rows[:1] + [r[1:] for r in rows[1:]]
ids = [r[0] for r in rows[1:]]
if got != expected or len(set(ids)) != 4 or not all(i.isdigit() for i in ids):
    sys.exit(f"screen_pops_csv.py wrote an unexpected CSV:\n{rows}")
print(f"screen_pops_csv.py: {len(ids)} rows as expected")
PY
