#!/usr/bin/env bash
# Builds the release `regspec`: optimized, the Swift runtime and Foundation linked in
# statically (--static-swift-stdlib), so the binary needs only glibc, libstdc++ and libm
# and runs from any folder without a Swift toolchain. It carries the bundled suite.
#
#   tools/build-release.sh [OUTPUT]    default OUTPUT: .build/release-artifact/regspec
#
# Prints the binary's size, its `ldd` output, and the newest glibc symbol version it needs
# (which decides the wheel's manylinux tag). Reproducible: no timestamps or absolute build
# paths in the output (-debug-prefix-map, --build-id=none, SOURCE_DATE_EPOCH honoured by
# nothing else we link), stripped.
# Needs: swift, python3, strip, objdump, ldd.
#   SWIFT=/path/to/swift   the toolchain (default: swift on PATH, else /opt/swift/usr/bin/swift)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUTPUT="${1:-.build/release-artifact/regspec}"

SWIFT="${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}"
[ -x "$SWIFT" ] || { echo "error: no Swift toolchain (set SWIFT=/path/to/swift or put swift on PATH)" >&2; exit 1; }

python3 tools/embed_suite.py --check >/dev/null \
  || { echo "error: the embedded suite is stale; run python3 tools/embed_suite.py" >&2; exit 1; }

"$SWIFT" build -c release --product regspec --static-swift-stdlib \
  -Xswiftc -debug-prefix-map -Xswiftc "$ROOT=." \
  -Xlinker --build-id=none

BIN="$("$SWIFT" build -c release --static-swift-stdlib --show-bin-path)/regspec"
mkdir -p "$(dirname "$OUTPUT")"
# The unstripped binary stays in .build for size analysis (nm --size-sort); the artifact is stripped.
strip -o "$OUTPUT" "$BIN"
chmod 755 "$OUTPUT"

bytes=$(stat -c %s "$OUTPUT")
echo "== $OUTPUT"
echo "size: $bytes bytes ($(( bytes / 1024 / 1024 )) MiB)"
echo "sha256: $(sha256sum "$OUTPUT" | cut -d' ' -f1)"
echo "== ldd"
ldd "$OUTPUT" || true
glibc=$(objdump -T "$OUTPUT" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)
glibcxx=$(objdump -T "$OUTPUT" | grep -o 'GLIBCXX_[0-9.]*' | sort -u -V | tail -n 1)
echo "== newest symbol versions needed: ${glibc:-none} ${glibcxx:-}"
echo "== smoke test: $("$OUTPUT" --version)"
