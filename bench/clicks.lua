-- wrk load script for bench/run.py. Every POST /api/clicks carries new clicks (unique traceIds), so each one is
-- a real insert rather than a duplicate. Environment:
--   TOKEN  bearer token (from LocalIssuer)
--   BATCH  clicks per request: 1 = one object, 10 = an AWS batch; 0 = the no-op baseline, GET /api/health
--   RUN    run id, part of every traceId so runs never collide
-- At the end it prints one line "wrk-json {...}" with the counts and the latency percentiles (microseconds).
local token = os.getenv("TOKEN") or ""
local batch = tonumber(os.getenv("BATCH") or "1")
local run = os.getenv("RUN") or tostring(os.time())
local counter = 0
-- setup() runs in the main state; each thread gets its own id so the threads never send the same traceId.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

if batch > 0 then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  if batch == 0 then
    return wrk.format("GET", "/api/health")
  end
  local items = {}
  for i = 1, batch do
    counter = counter + 1
    items[i] = string.format(
      '{"serialNumber":"BENCH%04d","batteryVoltage":"1705mV","clickType":"SINGLE","topic":"iotbutton/BENCH%04d","receivedAtMs":%d,"traceId":"%s-%d-%d"}',
      counter % 50, counter % 50, 1764064800000 + counter, run, tid, counter)
  end
  local body = batch == 1 and items[1] or ("[" .. table.concat(items, ",") .. "]")
  return wrk.format(nil, "/api/clicks", nil, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'wrk-json {"requests":%d,"duration_us":%d,"non_2xx_3xx":%d,"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"batch":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, batch))
end
