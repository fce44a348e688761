-- wrk load script for POST /api/clicks: every request carries new clicks (unique traceIds), so each one
-- is a real insert rather than a duplicate. Driven by bench/ingest.sh; environment:
--   TOKEN  bearer token (from LocalIssuer)    BATCH  clicks per request (1 = one object, 10 = an AWS batch)
--   RUN    run id, part of every traceId so runs never collide
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
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
function request()
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
  io.write(string.format("requests/s %.0f  clicks/s %.0f  p50 %.1f ms  p99 %.1f ms  non-2xx %d  socket errors %d\n",
    summary.requests / (summary.duration / 1e6), batch * summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
