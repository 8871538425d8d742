#!/usr/bin/env bash
# Generates the Kotlin and Swift sources of ccbridge with the pinned uniffi-bindgen, in
# library mode (the interface is read from the built cdylib), and puts the native library
# where the Kotlin tests load it. Generated files are not committed; run this after every
# change to bindings/uniffi/src.
#
# Outputs (one file per crate with uniffi items: the binding, and the core's shared records):
#   kotlin/src/main/kotlin/com/ccbridge/ccbridge_uniffi.kt
#   kotlin/src/main/kotlin/com/ccbridge/api/ccbridge.kt
#   kotlin/src/main/resources/<jna-platform>/libccbridge_uniffi.so   (JNA loads it from the classpath)
#   swift/Sources/CCBridge/{ccbridge_uniffi.swift,CCBridgeAPI.swift}
#   swift/Sources/CCBridgeFFI/{CCBridgeFFI.h,module.modulemap}
#   swift/Sources/CCBridgeAPIFFI/{CCBridgeAPIFFI.h,module.modulemap}
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

# Kotlin: packages com.ccbridge (uniffi.toml) and com.ccbridge.api (core/uniffi.toml),
# each written under its package directory.
kotlin_src="$here/kotlin/src/main/kotlin"
rm -rf "$kotlin_src/com/ccbridge/ccbridge_uniffi.kt" "$kotlin_src/com/ccbridge/api"
"$bindgen" generate --library "$lib" --language kotlin --no-format --out-dir "$tmp/kotlin" >&2
mkdir -p "$kotlin_src/com/ccbridge/api"
cp "$tmp/kotlin/com/ccbridge/ccbridge_uniffi.kt" "$kotlin_src/com/ccbridge/ccbridge_uniffi.kt"
cp "$tmp/kotlin/com/ccbridge/api/ccbridge.kt" "$kotlin_src/com/ccbridge/api/ccbridge.kt"
resources="$here/kotlin/src/main/resources/$jna_platform"
mkdir -p "$resources"
cp "$lib" "$resources/$lib_file"

# Swift: both generated Swift files go into the CCBridge target (uniffi's Swift for several
# crates expects one module), each C header and module map into its own system-library
# target (SwiftPM wants the map named module.modulemap).
"$bindgen" generate --library "$lib" --language swift --no-format --out-dir "$tmp/swift" >&2
for ffi in CCBridgeFFI CCBridgeAPIFFI; do
    mkdir -p "$here/swift/Sources/$ffi"
    cp "$tmp/swift/$ffi.h" "$here/swift/Sources/$ffi/$ffi.h"
    cp "$tmp/swift/$ffi.modulemap" "$here/swift/Sources/$ffi/module.modulemap"
done
mkdir -p "$here/swift/Sources/CCBridge"
cp "$tmp/swift/ccbridge_uniffi.swift" "$tmp/swift/CCBridgeAPI.swift" "$here/swift/Sources/CCBridge/"

echo "generate.sh: Kotlin -> $kotlin_src/com/ccbridge/ccbridge_uniffi.kt (+ $resources/$lib_file)" >&2
echo "generate.sh: Swift  -> $here/swift/Sources/{CCBridge,CCBridgeFFI}" >&2
