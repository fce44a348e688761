# Shared set-up of the wrk benchmarks (sourced, not run): settings, wrk, a free port, a Release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

PORT=${PORT:-7071}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
CONFIGURATION=${CONFIGURATION:-Release}

if ! command -v wrk >/dev/null; then
  echo "== installing wrk"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

if (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; then
  echo "port ${PORT} is already in use; set PORT to a free one" >&2
  exit 1
fi

# Benchmarks never touch a developer's running LocalHost: their own credentials folder, a free issuer port.
BENCH_CREDENTIALS=$(mktemp -d)
LOCALHOST_ARGS=(--port "${PORT}" --issuer-port 0 --credentials-dir "${BENCH_CREDENTIALS}" --log-level Warning)

echo "== building LocalHost and ButtonFunctions (${CONFIGURATION})"
dotnet build tools/LocalHost -c "${CONFIGURATION}" -nologo -v quiet >/dev/null
