#!/usr/bin/env bash
# Installs what Clearing's demo and tests need on a fresh machine (Debian 12 with the .NET 10 SDK and Node.js):
#   - Debian's PostgreSQL server binaries (the tests start private clusters with initdb + pg_ctl),
#   - the npm packages of deploy/devnet (anvil, solc, OpenZeppelin, LiteSVM, @solana/kit, ethers) and of tests/peers,
# and builds the EVM contracts. Safe to run again: each step is skipped when already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '[prerequisites] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else log "need root to run: $*"; exit 1
  fi
}

apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

for tool in dotnet; do
  command -v "$tool" >/dev/null || { log "$tool is missing: this script expects a machine with the .NET 10 SDK"; exit 1; }
done

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  log "installing Node.js and npm (Debian)"
  apt_install nodejs npm
fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${CLEARING_TEST_POSTGRES:-}" ]; then
  log "installing PostgreSQL server (Debian)"
  apt_install postgresql
fi

if ! command -v prometheus >/dev/null; then
  log "installing Prometheus (Debian), which scrapes the service in the telemetry tests"
  apt_install prometheus
fi

npm_ci() { # folder
  local dir="$root/$1"
  [ -f "$dir/package-lock.json" ] || return 0
  # node_modules/.package-lock.json is npm's record of what it installed; if it matches the lock, nothing to do.
  if [ -f "$dir/node_modules/.package-lock.json" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    return 0
  fi
  log "npm install (from the committed lock) in $1"
  # Not `npm ci`: the registry copy reachable here omits other platforms' optional binaries (anvil, LiteSVM for
  # macOS/Windows), so the lock cannot list them and `npm ci` refuses it. `npm install --no-save` installs exactly
  # the locked versions for this platform and leaves package.json and the lock untouched.
  (cd "$dir" && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null)
}
npm_ci deploy/devnet
npm_ci tests/peers

if [ -f "$root/contracts/evm/build.mjs" ]; then
  log "building EVM contracts"
  node "$root/contracts/evm/build.mjs"
fi
log "ready: $(dotnet --version) (.NET SDK), node $(node --version), $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | head -1)"
