#!/usr/bin/env bash
# The README's first command. Installs what is missing (deploy/scripts/install-prerequisites.sh) and runs the
# `clearing` command. The scripted demo (`clearing demo`: local chains, embedded database, the service and a
# scenario) is not built yet; until it is, this prints `clearing --help`, the verbs that exist today.
set -euo pipefail
cd "$(dirname "$0")"
bash deploy/scripts/install-prerequisites.sh
exec dotnet run --project src/Clearing.Server -- --help
