#!/usr/bin/env bash
# A libFuzzer campaign on the spec loader (YAML text -> cases or diagnostics). Not run in CI:
# CI runs the checked-in corpus as a regression test (SpecLoaderCorpusTests).
#
# Usage: tools/fuzz/spec-loader/run.sh [RUNS=1000000] [extra libFuzzer flags...]
# Crashes are written to .build/fuzz/artifacts/; copy a minimized one (-minimize_crash=1) into
# tools/fuzz/spec-loader/corpus/ once fixed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
runs="${1:-1000000}"
shift || true
scratch=.build/fuzz
here=tools/fuzz/spec-loader

# The library and its dependencies, instrumented for coverage and checked by AddressSanitizer
# libyaml is the system's (Package.swift's CLibYAML target), linked as installed: its own code is
# neither instrumented nor checked, the Swift side that drives it is.
swift build -c release --scratch-path "$scratch" --target SpecHarness --sanitize fuzzer --sanitize address
build="$scratch/release"
objects=()
for target in SpecHarness TinkerWire OrderedCollections InternalCollectionsUtilities; do
    while IFS= read -r object; do objects+=("$object"); done < <(find "$build/$target.build" -name '*.o')
done
swiftc -O -parse-as-library -sanitize=fuzzer,address \
    -I "$build/Modules" -I "$build" \
    -Xcc -fmodule-map-file=Sources/CLibYAML/module.modulemap $(pkg-config --cflags-only-I yaml-0.1 | sed 's/-I/-Xcc -I/g') \
    "$here/SpecLoaderFuzzer.swift" "$here/../../../Tests/SpecTestSupport/SpecLoaderOutputCheck.swift" "${objects[@]}" \
    $(pkg-config --libs yaml-0.1) -o "$scratch/spec-loader-fuzz"

# Seeds: the shipped specs and the checked-in corpus (reproductions of every loader crash found).
corpus="$scratch/spec-loader-corpus"
mkdir -p "$corpus" "$scratch/artifacts"
cp specs/*.yaml "$here"/corpus/* "$corpus"/
REGSPEC_FUZZ_FIXTURES="$here/fixtures" "$scratch/spec-loader-fuzz" \
    -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$here/yaml.dict" -artifact_prefix="$scratch/artifacts/" "$@" "$corpus"
