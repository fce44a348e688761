#!/usr/bin/env bash
# The benchmark: one command, one run, one table (and bench/results.json). See README "Performance and reliability".
#   bash bench/run.sh             # about 5 minutes: Release build, then bench/run.py with its defaults
#   bash bench/run.sh --quick     # a short run to try the script (figures not for publishing)
#   bash bench/run.sh --help      # every option (durations, connections, offered rates, launches, budget)
# Installs what it needs if missing: wrk (apt), loadtest (npm ci in bench/), dotnet-counters (dotnet tool, in .tools/).
# Measures Release only: CONFIGURATION=Debug (or anything else) is refused, because Debug figures say nothing about
# what runs in Azure. Not run by CI (.ci/run): a benchmark on a shared machine is a measurement, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

configuration=${CONFIGURATION:-Release}
if [ "$configuration" != "Release" ]; then
  echo "WARNING: bench/run.sh measures Release builds only; CONFIGURATION=$configuration refused." >&2
  echo "Debug builds are unoptimised and carry debug checks: their figures say nothing about production." >&2
  exit 2
fi

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (apt)"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
if [ ! -d bench/node_modules/loadtest ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  echo "== installing the open-loop load tool (npm ci in bench/)"
  npm ci --prefix bench --no-audit --no-fund --silent
fi
counters_version=10.0.750501
if [ ! -x .tools/dotnet-counters/dotnet-counters ]; then
  echo "== installing dotnet-counters ${counters_version} into .tools/"
  dotnet tool install dotnet-counters --version "$counters_version" --tool-path .tools/dotnet-counters >/dev/null
fi

echo "== building LocalHost (with ButtonFunctions), LocalMongo and ReadApiBench, Release"
dotnet build tools/LocalHost -c Release -nologo -v quiet >/dev/null
dotnet build tools/LocalMongo -c Release -nologo -v quiet >/dev/null
if [ -d bench/ReadApiBench ]; then
  dotnet build bench/ReadApiBench -c Release -nologo -v quiet >/dev/null   # so that read-api.sh measures, not builds
fi

exec python3 bench/run.py "$@"
