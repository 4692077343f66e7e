#!/usr/bin/env bash
# A mutation campaign against the protocol reader (not run in CI; CI runs the corpus).
#   tools/fuzz/protocol.sh [ITERATIONS] [SEED]      default: 1000000 inputs, seed 1
# A crash leaves the input that caused it in .build/fuzz/protocol-last-input; add it to
# tools/fuzz/protocol-corpus/ as NNN-crash-WHAT.txt once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"
iterations="${1:-1000000}"
seed="${2:-1}"
mkdir -p .build/fuzz
last=.build/fuzz/protocol-last-input
swift build --build-tests >/dev/null
if REGSPEC_FUZZ_ITERATIONS="$iterations" REGSPEC_FUZZ_SEED="$seed" REGSPEC_FUZZ_LAST_INPUT="$last" \
  swift test --skip-build --disable-xctest --filter "ProtocolFuzzTests/longCampaign" 2>&1 | grep -E "protocol fuzz:|passed|failed|error"; then
  echo "no crash; inputs and seed above"
else
  echo "the campaign crashed or failed; the last input is in $last" >&2
  exit 1
fi
