#!/usr/bin/env bash
# Builds the C library (with the simulator it embeds), then builds and runs the C/C++ tests
# with CTest (including the valgrind memcheck runs), then builds the integrator's example
# (examples/cpp-crm-plugin) as its own CMake project against that library, runs it against
# the embedded simulator and checks its output. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cargo="${CARGO:-cargo}"

# Tools the tests need; installed only where that is possible without asking (root on a
# Debian-like system), otherwise reported.
need_pkgs=()
command -v cmake >/dev/null 2>&1 || need_pkgs+=(cmake)
command -v ninja >/dev/null 2>&1 || need_pkgs+=(ninja-build)
command -v valgrind >/dev/null 2>&1 || need_pkgs+=(valgrind)
if [ ! -e /usr/include/gtest/gtest.h ] && [ ! -e /usr/local/include/gtest/gtest.h ]; then
  need_pkgs+=(libgtest-dev)
fi
if [ ! -e /usr/include/nlohmann/json.hpp ] && [ ! -e /usr/local/include/nlohmann/json.hpp ]; then
  need_pkgs+=(nlohmann-json3-dev)
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "tests/c: installing ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" \
      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}"; }
  else
    echo "tests/c: missing ${need_pkgs[*]}; install them (Debian: apt-get install ${need_pkgs[*]})" >&2
    exit 1
  fi
fi

cd "$repo"
"$cargo" build -p ccbridge-c
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$repo/$target" ;; esac

build="$here/build"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCCB_LIB_DIR="$target/debug"
cmake --build "$build"
(cd "$build" && ctest --output-on-failure -j "${CTEST_JOBS:-2}")

# The example links the library the way an integrator does: CCBRIDGE_DIR (headers) and the
# library's directory, nothing from this test project.
example="$repo/examples/cpp-crm-plugin"
cmake -S "$example" -B "$build/crm-plugin" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCCBRIDGE_DIR="$repo" -DCCBRIDGE_LIB_DIR="$target/debug"
cmake --build "$build/crm-plugin"
(cd "$build/crm-plugin" && ctest --output-on-failure)
