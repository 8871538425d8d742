#!/usr/bin/env bash
# Runs the Swift binding tests (XCTest via `swift test`) against the ccbridge simulator, the
# one the library embeds (class Simulator).
# Expects ../generate.sh to have run (make does); runs it itself when the generated sources
# are missing. Without a Swift toolchain the tests cannot be compiled: the script says so
# and exits 0, leaving the generated sources in place.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cargo="${CARGO:-cargo}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac

if [ ! -f "$here/Sources/CCBridge/ccbridge_uniffi.swift" ] || [ ! -f "$here/Sources/CCBridgeFFI/module.modulemap" ]; then
    bash "$here/../generate.sh"
fi

if ! command -v swift >/dev/null 2>&1 || ! command -v swiftc >/dev/null 2>&1; then
    echo "swift toolchain not found: Swift bindings generated at $here/Sources but not compiled or tested (skipped)"
    exit 0
fi

(cd "$root" && "$cargo" build -q -p ccbridge-uniffi --lib)

export CCBRIDGE_LIB_DIR="$target_dir/debug"
# At run time too, for toolchains that drop the rpath.
export LD_LIBRARY_PATH="$CCBRIDGE_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export DYLD_LIBRARY_PATH="$CCBRIDGE_LIB_DIR${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}"

cd "$here"
exec swift test "$@"
