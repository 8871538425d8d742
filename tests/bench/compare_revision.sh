#!/usr/bin/env bash
# `make bench-compare REV=<commit>`: Python callback throughput of this checkout against an
# earlier revision's, in one run on one simulator process, rounds alternating, so the two
# see the same machine (figures from separate runs of a shared machine do not compare).
#
# Per mode (acknowledgement on, off), BENCH_ROUNDS rounds of BENCH_EVENTS events:
#   <rev>_plain    the revision's wheel, a callback that only counts
#   plain          this checkout, the same callback
#   typed          this checkout, the callback also reading typed_payload(event).user_id
# and the ratios of their medians (typed / <rev>_plain is "typed access costs no more
# than the revision's plain callback").
#
# The revision is built once into target/bench-rev/<commit> (a release build: minutes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
rev="${REV:?usage: make bench-compare REV=<commit>}"
commit="$(git -C "$repo" rev-parse --verify "$rev^{commit}")"
events="${BENCH_EVENTS:-20000}"
rounds="${BENCH_ROUNDS:-9}"
cargo="${CARGO:-cargo}"
out="$repo/target/bench-rev/$commit"
venv="$repo/.venv"

"$cargo" build -q --release -p ccbridge-sim
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo/python/requirements-dev.txt"
(cd "$repo/python" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$venv/bin/maturin" develop --quiet --release)

if [ ! -x "$out/venv/bin/python" ] || ! "$out/venv/bin/python" -c "import ccbridge._native" 2>/dev/null; then
    rm -rf "$out"
    mkdir -p "$out"
    git -C "$repo" worktree add --detach -f "$out/src" "$commit" >/dev/null
    python3 -m venv "$out/venv"
    "$out/venv/bin/python" -m pip install --quiet --disable-pip-version-check maturin
    (cd "$out/src/python" && CARGO_TARGET_DIR="$out/target" VIRTUAL_ENV="$out/venv" \
        PATH="$out/venv/bin:$PATH" "$out/venv/bin/maturin" develop --quiet --release)
fi

"$venv/bin/python" "$here/compare_revision.py" \
    --sim "$repo/target/release/ccbridge-sim" --events "$events" --rounds "$rounds" \
    --label "${commit:0:7}" --old-python "$out/venv/bin/python" --new-python "$venv/bin/python"
