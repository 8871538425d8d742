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
echo "== pytest"
"$vpy" -m pytest -p no:cacheprovider --timeout=120 tests
