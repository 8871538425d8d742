#!/usr/bin/env bash
# Runs the Kotlin binding tests (JUnit 5 via Maven) against the ccbridge simulator, the one
# the library embeds (class Simulator).
# Maven fetches its plugins and the dependencies (Kotlin, coroutines, JNA, JUnit) from
# Maven Central on first use. Expects ../generate.sh to have run (make does); runs it
# itself when the generated sources are missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

for tool in java mvn; do
    command -v "$tool" >/dev/null || { echo "kotlin/run-tests.sh: $tool not found (Java 17+ and Maven are required)" >&2; exit 1; }
done

if [ ! -f "$here/src/main/kotlin/com/ccbridge/ccbridge_uniffi.kt" ] || ! ls "$here"/src/main/resources/*/libccbridge_uniffi.* >/dev/null 2>&1; then
    bash "$here/../generate.sh"
fi

cd "$here"
status=0
mvn -B -ntp -Dstyle.color=never test "$@" || status=$?
# Maven 3.8 ends its output with colour resets and no newline; keep later output on its own line.
echo
exit "$status"
