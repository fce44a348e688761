#!/usr/bin/env bash
# Benchmark: POST /api/clicks through LocalHost into LocalMongo, with Auth0-style token validation by
# LocalIssuer tokens. Three runs, each on a freshly started LocalHost:
#   1. single clicks, validated-token cache on (one token for every request, as an IoT rule sends it)
#   2. 10-click batches (an AWS batch), cache on
#   3. single clicks with the cache off (Auth0__ValidatedTokenCacheLifetime=00:00:00): the full RSA
#      validation on every request — what a fresh token per request costs
#   PORT=7071 DURATION=10s CONNECTIONS=8 THREADS=2 CONFIGURATION=Release bench/ingest.sh
source "$(dirname "$0")/common.sh"
BASE="http://127.0.0.1:${PORT}"

log=$(mktemp)
lh_pid=""
stop_localhost() {
  if [ -n "${lh_pid}" ] && kill -0 "${lh_pid}" 2>/dev/null; then
    kill -TERM "${lh_pid}" 2>/dev/null || true
    wait "${lh_pid}" 2>/dev/null || true
  fi
  lh_pid=""
}
trap 'stop_localhost; rm -f "${log}"; rm -rf "${BENCH_CREDENTIALS}"' EXIT

start_localhost() {
  : >"${log}"
  env "$@" dotnet "tools/LocalHost/bin/${CONFIGURATION}/net10.0/LocalHost.dll" "${LOCALHOST_ARGS[@]}" >"${log}" 2>&1 &
  lh_pid=$!
  for _ in $(seq 1 600); do
    grep -q "^LocalHost ready:" "${log}" && return 0
    kill -0 "${lh_pid}" 2>/dev/null || break
    sleep 0.1
  done
  echo "LocalHost did not get ready:" >&2
  cat "${log}" >&2
  exit 1
}

token() {
  BENCH_CREDENTIALS="${BENCH_CREDENTIALS}" python3 - <<'PY'
import json, urllib.request
import glob, os
c = json.load(open(glob.glob(os.path.join(os.environ["BENCH_CREDENTIALS"], "localhost-*.json"))[0]))
body = json.dumps({"grant_type": "client_credentials", "client_id": c["clientId"],
                   "client_secret": c["clientSecret"], "audience": c["audience"]}).encode()
req = urllib.request.Request(c["authority"] + "oauth/token", body, {"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["access_token"])
PY
}

run() {
  local title=$1 batch=$2
  echo
  echo "== ${title}"
  # A 10 s warm-up first: tiered JIT, connection pools and the first index build are not what is measured
  # (the first seconds after a start run at a third of the warm rate).
  TOKEN=$(token) BATCH=${batch} RUN="warm$(date +%s%N)" \
    wrk -t"${THREADS}" -c"${CONNECTIONS}" -d10s -s bench/clicks.lua "${BASE}" >/dev/null
  TOKEN=$(token) BATCH=${batch} RUN="bench$(date +%s%N)" \
    wrk -t"${THREADS}" -c"${CONNECTIONS}" -d"${DURATION}" -s bench/clicks.lua "${BASE}" |
    grep -E "^requests/s" || true
}

start_localhost
run "single clicks, cached token validation" 1
run "10-click batches, cached token validation" 10
stop_localhost

start_localhost Auth0__ValidatedTokenCacheLifetime=00:00:00
run "single clicks, token validated in full on every request (cache off)" 1
stop_localhost
