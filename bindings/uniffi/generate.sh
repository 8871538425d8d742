#!/usr/bin/env bash
# Generates the Kotlin and Swift sources of ccbridge with the pinned uniffi-bindgen, in
# library mode (the interface is read from the built cdylib), and puts the native library
# where the Kotlin tests load it. Generated files are not committed; run this after every
# change to bindings/uniffi/src.
#
# Outputs:
#   kotlin/src/main/kotlin/com/ccbridge/ccbridge_uniffi.kt
#   kotlin/src/main/resources/<jna-platform>/libccbridge_uniffi.so   (JNA loads it from the classpath)
#   swift/Sources/CCBridge/ccbridge_uniffi.swift
#   swift/Sources/CCBridgeFFI/{CCBridgeFFI.h,module.modulemap}
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cargo="${CARGO:-cargo}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

case "$(uname -s)" in
    Darwin) lib_file="libccbridge_uniffi.dylib"; jna_os="darwin" ;;
    *) lib_file="libccbridge_uniffi.so"; jna_os="linux" ;;
esac
case "$(uname -m)" in
    x86_64 | amd64) jna_arch="x86-64" ;;
    aarch64 | arm64) jna_arch="aarch64" ;;
    *) jna_arch="$(uname -m)" ;;
esac
if [ "$jna_os" = "darwin" ]; then jna_platform="darwin-$jna_arch"; else jna_platform="linux-$jna_arch"; fi

cd "$root"
echo "generate.sh: building ccbridge-uniffi" >&2
"$cargo" build -q -p ccbridge-uniffi --lib --bin uniffi-bindgen
lib="$target_dir/debug/$lib_file"
bindgen="$target_dir/debug/uniffi-bindgen"
[ -f "$lib" ] || { echo "generate.sh: $lib was not built" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Kotlin: package com.ccbridge (uniffi.toml), written under its package directory.
kotlin_src="$here/kotlin/src/main/kotlin"
rm -rf "$kotlin_src/com/ccbridge/ccbridge_uniffi.kt"
"$bindgen" generate --library "$lib" --language kotlin --no-format --out-dir "$tmp/kotlin" >&2
mkdir -p "$kotlin_src/com/ccbridge"
cp "$tmp/kotlin/com/ccbridge/ccbridge_uniffi.kt" "$kotlin_src/com/ccbridge/ccbridge_uniffi.kt"
resources="$here/kotlin/src/main/resources/$jna_platform"
mkdir -p "$resources"
cp "$lib" "$resources/$lib_file"

# Swift: the generated Swift goes into the CCBridge target, the C header and module map
# into the CCBridgeFFI system-library target (SwiftPM wants the map named module.modulemap).
"$bindgen" generate --library "$lib" --language swift --no-format --out-dir "$tmp/swift" >&2
mkdir -p "$here/swift/Sources/CCBridge" "$here/swift/Sources/CCBridgeFFI"
cp "$tmp/swift/ccbridge_uniffi.swift" "$here/swift/Sources/CCBridge/ccbridge_uniffi.swift"
cp "$tmp/swift/CCBridgeFFI.h" "$here/swift/Sources/CCBridgeFFI/CCBridgeFFI.h"
cp "$tmp/swift/CCBridgeFFI.modulemap" "$here/swift/Sources/CCBridgeFFI/module.modulemap"

echo "generate.sh: Kotlin -> $kotlin_src/com/ccbridge/ccbridge_uniffi.kt (+ $resources/$lib_file)" >&2
echo "generate.sh: Swift  -> $here/swift/Sources/{CCBridge,CCBridgeFFI}" >&2
