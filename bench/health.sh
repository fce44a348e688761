#!/usr/bin/env bash
# Benchmark: GET /api/health through LocalHost (the real ButtonFunctions worker behind the local Functions host).
# Prints the cold start (LocalHost launch -> first 200) and wrk's throughput/latency, then stops LocalHost
# and checks that no worker process is left behind.
#   PORT=7071 DURATION=10s CONNECTIONS=8 THREADS=2 CONFIGURATION=Release bench/health.sh
source "$(dirname "$0")/common.sh"
URL="http://127.0.0.1:${PORT}/api/health"

log=$(mktemp)
lh_pid=""
worker_pid=""
cleanup() {
  if [ -n "${lh_pid}" ] && kill -0 "${lh_pid}" 2>/dev/null; then kill -TERM "${lh_pid}" 2>/dev/null || true; fi
  rm -f "${log}"
  rm -rf "${BENCH_CREDENTIALS}"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

echo "== starting LocalHost on port ${PORT}"
launched=$(now_ms)
dotnet "tools/LocalHost/bin/${CONFIGURATION}/net10.0/LocalHost.dll" "${LOCALHOST_ARGS[@]}" >"${log}" 2>&1 &
lh_pid=$!

ready=""
until [ -n "${ready}" ]; do
  if ! kill -0 "${lh_pid}" 2>/dev/null; then echo "LocalHost exited:" >&2; cat "${log}" >&2; exit 1; fi
  if [ $(( $(now_ms) - launched )) -gt 60000 ]; then echo "LocalHost not ready within 60 s" >&2; cat "${log}" >&2; exit 1; fi
  ready=$(grep -m1 "^LocalHost ready:" "${log}" || true)
  [ -n "${ready}" ] || sleep 0.02
done
ready_at=$(now_ms)
worker_pid=$(sed -E 's/.*\(worker pid ([0-9]+)\).*/\1/' <<<"${ready}")

until [ "$(curl -s -o /dev/null -w '%{http_code}' "${URL}")" = "200" ]; do
  if [ $(( $(now_ms) - launched )) -gt 60000 ]; then echo "no 200 from ${URL} within 60 s" >&2; cat "${log}" >&2; exit 1; fi
  sleep 0.01
done
first_200=$(now_ms)

echo "${ready}"
echo "cold start: launch -> ready line $(( ready_at - launched )) ms, launch -> first 200 $(( first_200 - launched )) ms"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION} ${URL}"
wrk -t"${THREADS}" -c"${CONNECTIONS}" -d"${DURATION}" --latency "${URL}"

echo "== stopping LocalHost"
kill -TERM "${lh_pid}"
for _ in $(seq 1 300); do kill -0 "${lh_pid}" 2>/dev/null || break; sleep 0.05; done
if kill -0 "${lh_pid}" 2>/dev/null; then echo "LocalHost did not stop within 15 s" >&2; exit 1; fi
wait "${lh_pid}" 2>/dev/null || true
lh_pid=""
if [ -e "/proc/${worker_pid}" ] && ! grep -q ') [ZX] ' "/proc/${worker_pid}/stat" 2>/dev/null; then
  echo "worker pid ${worker_pid} is still running after LocalHost stopped" >&2
  exit 1
fi
echo "stopped; worker pid ${worker_pid} is gone"
if grep -qE "fail:|crit:" "${log}"; then echo "errors in LocalHost's log:" >&2; grep -E "fail:|crit:" "${log}" >&2; exit 1; fi
