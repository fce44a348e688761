-- wrk load script for POST /api/clicks: every request carries new clicks (unique traceIds), so each one
-- is a real insert rather than a duplicate. BATCH=10 sends AWS-style batches of 10.
--
--   dotnet build -c Release ButtonFunctions && dotnet build -c Release tools/LocalHost tools/LocalMongo tools/LocalIssuer
--   start LocalMongo and LocalIssuer (each prints what to pass on), then LocalHost with
--   Mongo__ConnectionString, Auth0__Authority and Auth0__Audience set; save an access token to ./token
--   BATCH=1  wrk -t2 -c16 -d15s -s bench/clicks.lua http://127.0.0.1:<port>
--   BATCH=10 wrk -t2 -c16 -d15s -s bench/clicks.lua http://127.0.0.1:<port>
local token = io.open("token"):read("*l")
local batch = tonumber(os.getenv("BATCH") or "1")
local counter = 0
local started = os.time()
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
    items[i] = string.format('{"serialNumber":"G030JF055364XVRB","batteryVoltage":"1705mV","clickType":"SINGLE","topic":"iotbutton/G030JF055364XVRB","receivedAtMs":1764064800123,"traceId":"%d-%d-%d"}', started, tid, counter)
  end
  local body = batch == 1 and items[1] or ("[" .. table.concat(items, ",") .. "]")
  return wrk.format(nil, "/api/clicks", nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f  clicks/s %.0f  p50 %.1f ms  p99 %.1f ms  non-2xx %d\n",
    summary.requests / (summary.duration / 1e6), batch * summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
