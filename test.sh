#!/usr/bin/env bash
# Runs the whole Clearing test suite on a fresh machine: installs what is missing, builds, runs the .NET tests
# (unit tests and the suites on real PostgreSQL, anvil and the Solana devnet) and the node tests of the devnet
# and the contracts, then prints one closing line "tests: N passed, N failed".
#   ./test.sh          everything
#   ./test.sh --fast   only the .NET tests that need no real component (no install step)
set -uo pipefail
cd "$(dirname "$0")"
root="$(pwd)"
mode="${1:-all}"

mkdir -p artifacts
rm -f artifacts/test-components.log
passed=0; failed=0; skipped=0; status=0

# Adds up vstest's per-assembly lines: "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total: ..."
count_dotnet() {
  while IFS= read -r line; do
    if [[ $line =~ Failed:\ +([0-9]+),\ Passed:\ +([0-9]+),\ Skipped:\ +([0-9]+) ]]; then
      failed=$((failed + BASH_REMATCH[1])); passed=$((passed + BASH_REMATCH[2])); skipped=$((skipped + BASH_REMATCH[3]))
    fi
  done < "$1"
}
# Adds up node's test runner summary lines: "# pass 12", "# fail 0", "# skipped 0".
count_node() {
  while IFS= read -r line; do
    case "$line" in
      "# pass "*) passed=$((passed + ${line#\# pass })) ;;
      "# fail "*) failed=$((failed + ${line#\# fail })) ;;
      "# skipped "*) skipped=$((skipped + ${line#\# skipped })) ;;
    esac
  done < "$1"
}

if [ "$mode" = "--fast" ]; then
  dotnet test Clearing.sln --filter "RealComponent!=true" 2>&1 | tee artifacts/dotnet-test.log
  status=${PIPESTATUS[0]}
  count_dotnet artifacts/dotnet-test.log
  echo "tests: $passed passed, $failed failed, $skipped skipped"
  exit $status
fi

bash deploy/scripts/install-prerequisites.sh || { echo "tests: 0 passed, 1 failed (installing prerequisites failed)"; exit 1; }

echo "== .NET build"
if ! dotnet build Clearing.sln -nologo > artifacts/dotnet-build.log 2>&1; then
  grep -E "error" artifacts/dotnet-build.log | sort -u | head -40
  echo "tests: 0 passed, 1 failed (the build failed; see artifacts/dotnet-build.log)"
  exit 1
fi
grep -E "Warning\(s\)|Error\(s\)|Time Elapsed" artifacts/dotnet-build.log

echo "== .NET tests"
dotnet test Clearing.sln --no-build -nologo 2>&1 | tee artifacts/dotnet-test.log
dotnet_status=${PIPESTATUS[0]}
count_dotnet artifacts/dotnet-test.log
if [ "$dotnet_status" != 0 ]; then
  status=1
  # A test host that crashed or aborted prints no per-assembly line: count it as a failure so the total says so.
  if grep -q "Test Run Aborted" artifacts/dotnet-test.log; then failed=$((failed + 1)); echo "(a .NET test run aborted: see above)"; fi
fi

for suite in deploy/devnet/test contracts/evm/test; do
  [ -d "$suite" ] || continue
  echo "== node tests: $suite"
  node --test --test-reporter=tap "$suite"/ 2>&1 | tee "artifacts/node-$(basename "$(dirname "$suite")").log" | grep -E "^# |^not ok|^ok" || true
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  count_node "artifacts/node-$(basename "$(dirname "$suite")").log"
done

echo "== real components this run started"
cat artifacts/test-components.log 2>/dev/null || echo "(none)"
[ $failed = 0 ] || status=1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
