#!/usr/bin/env bash
# The README's first command: installs what is missing (deploy/scripts/install-prerequisites.sh), builds the
# `clearing` command and runs `clearing demo` — two anvil chains, the Solana devnet, the vaults, the service on an
# embedded SQLite database and the end-to-end scenario — then keeps serving until Ctrl-C.
# Arguments are passed to `clearing demo`, e.g.  ./demo.sh --exit-after-scenario --summary summary.json
set -euo pipefail
cd "$(dirname "$0")"
bash deploy/scripts/install-prerequisites.sh
dotnet build src/Clearing.Server -nologo -v quiet -clp:ErrorsOnly
exec dotnet src/Clearing.Server/bin/Debug/net10.0/clearing.dll demo "$@"
