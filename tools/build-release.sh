#!/usr/bin/env bash
# Builds the release `regspec`: optimized, the Swift runtime, FoundationEssentials and libyaml linked in
# statically (--static-swift-stdlib; libyaml.a through a pkg-config file of our own, below), so
# the binary needs only glibc, libstdc++ and libm and runs from any folder without a Swift
# toolchain or libyaml. It carries the bundled suite.
#
#   tools/build-release.sh [OUTPUT]    default OUTPUT: .build/release-artifact/regspec
#
# Prints the binary's size, whether ICU is linked in (it must not be: fails if it is), its `ldd`
# output, and the newest glibc symbol version it needs (which decides the wheel's manylinux tag). Reproducible: no timestamps or absolute build
# paths in the output (-debug-prefix-map, --build-id=none, SOURCE_DATE_EPOCH honoured by
# nothing else we link), stripped.
# Needs: swift, python3, strip, nm, objdump, readelf, ldd, pkg-config and libyaml-dev (its libyaml.a).
#   SWIFT=/path/to/swift   the toolchain (default: swift on PATH, else /opt/swift/usr/bin/swift)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUTPUT="${1:-.build/release-artifact/regspec}"

SWIFT="${SWIFT:-$(command -v swift || echo /opt/swift/usr/bin/swift)}"
[ -x "$SWIFT" ] || { echo "error: no Swift toolchain (set SWIFT=/path/to/swift or put swift on PATH)" >&2; exit 1; }

python3 tools/embed_suite.py --check >/dev/null \
  || { echo "error: the embedded suite is stale; run python3 tools/embed_suite.py" >&2; exit 1; }

# libyaml statically: SwiftPM links what pkg-config's yaml-0.1 names (`-L<libdir> -lyaml`), and
# the linker prefers libyaml.so in that folder. A copy of the system's yaml-0.1.pc whose libdir
# holds only libyaml.a, found first through PKG_CONFIG_PATH, makes the same `-lyaml` static.
pcfile="$(pkg-config --variable=pcfiledir yaml-0.1)/yaml-0.1.pc" \
  || { echo "error: libyaml is missing (pkg-config yaml-0.1); install libyaml-dev (Debian/Ubuntu) or libyaml (Homebrew)" >&2; exit 1; }
archive="$(pkg-config --variable=libdir yaml-0.1)/libyaml.a"
[ -f "$archive" ] || { echo "error: no $archive to link libyaml statically; install libyaml-dev" >&2; exit 1; }
static_libyaml="$ROOT/.build/static-libyaml"
mkdir -p "$static_libyaml"
ln -sf "$archive" "$static_libyaml/libyaml.a"
sed "s|^libdir=.*|libdir=$static_libyaml|" "$pcfile" >"$static_libyaml/yaml-0.1.pc"
export PKG_CONFIG_PATH="$static_libyaml${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

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
echo "size target: <= 25000000 bytes: $([ "$bytes" -le 25000000 ] && echo met || echo NOT met)"
echo "sha256: $(sha256sum "$OUTPUT" | cut -d' ' -f1)"
# ICU comes only through Foundation's upper layers (FoundationInternationalization,
# swift-corelibs-foundation): its data is the symbol icudt<version>_dat, its code swift_u*
# (ICU renamed for Foundation). The unstripped binary still has the symbols to look for.
icu=$(nm "$BIN" | grep -E ' (icudt[0-9]+_dat|swift_ucol_open|swift_uregex_open|swift_udat_open)$' | awk '{print $3}' | tr '\n' ' ' || true)
if [ -n "$icu" ]; then
  echo "ICU: linked ($icu): some module uses a Foundation API beyond FoundationEssentials" >&2
  exit 1
fi
echo "ICU: not linked"
# The seeded faults of docs/mutation.md are compiled into debug builds only (REGSPEC_FAULTS):
# a release binary that still holds one of their symbols could be switched into a broken reference.
faults=$(nm "$BIN" | "$SWIFT" demangle --simplified | grep -c -E 'ReferenceFault|HarnessFault|FaultInjecting' || true)
if [ "${faults:-0}" != 0 ]; then
  echo "fault hooks: $faults symbols in the release binary (ReferenceFault, HarnessFault): a target lacks faultSettings' debug-only condition" >&2
  exit 1
fi
echo "fault hooks: none"
echo "== ldd"
ldd "$OUTPUT" || true
glibc=$(objdump -T "$OUTPUT" | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)
glibcxx=$(objdump -T "$OUTPUT" | grep -o 'GLIBCXX_[0-9.]*' | sort -u -V | tail -n 1)
echo "== newest symbol versions needed: ${glibc:-none} ${glibcxx:-}"
echo "== smoke test: $("$OUTPUT" --version)"
