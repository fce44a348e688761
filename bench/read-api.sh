#!/usr/bin/env bash
# Benchmark: GET /api/clicks and GET /api/clicks/summary through LocalHost with 100,000 stored clicks.
# Prints p50/p95/max latency (one request at a time) of a first page, a page 10,000 clicks deep, one device's
# page, and the 24 h and 30-day summaries. Options pass through, e.g.:
#   bench/read-api.sh --clicks 100000 --devices 200 --samples 200
#   bench/read-api.sh --mongodb 'mongodb://...'     # a real MongoDB / Cosmos DB instead of LocalMongo
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project bench/ReadApiBench -- "$@"
