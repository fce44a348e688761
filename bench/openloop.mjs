// Open-loop load at a fixed offered rate, for bench/run.py: `loadtest --rps` (npm, pinned in bench/package.json) sends
// each request on its own schedule (a timer every 1000/rate ms; a new keep-alive connection whenever none is free),
// so a slow answer never delays the next request — unlike closed-loop tools, whose latencies then hide the queueing
// (coordinated omission). autocannon's --overallRate is not open-loop: each connection sends its share of the rate as
// fast as it can at the start of every second and then waits, so it offers bursts, and when answers are slow it
// sends fewer requests than asked (README, "Performance and reliability").
//
//   node bench/openloop.mjs --url http://127.0.0.1:7071 --rate 1000 --duration 15 --batch 1 --token <jwt> [--run id]
//   node bench/openloop.mjs --self-check      # shows the schedule is kept when every answer takes 100 ms
//
// --batch 0 sends GET /api/health (the no-op baseline); 1 one click; n a batch of n new clicks per request.
// Prints one line "openloop-json {...}": requests scheduled and sent, answered 2xx, errors by kind, latency
// percentiles (ms, from the moment each request was due, and from the moment it left), how late requests left
// against their schedule, and how many connections it took.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { loadTest } from 'loadtest';

/** How long answers still owed when the schedule ends are waited for. */
const DRAIN_MS = 10000;

function parseArgs(argv) {
  const args = { url: null, rate: 100, duration: 10, batch: 1, token: '', run: `ol${Date.now()}`, selfCheck: false, slowServer: null };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${key} needs a value`);
      return argv[++i];
    };
    switch (key) {
      case '--url': args.url = value(); break;
      case '--rate': args.rate = Number(value()); break;
      case '--duration': args.duration = Number(value()); break;
      case '--batch': args.batch = Number(value()); break;
      case '--token': args.token = value(); break;
      case '--run': args.run = value(); break;
      case '--self-check': args.selfCheck = true; break;
      case '--slow-server': args.slowServer = Number(value()); break;
      default: throw new Error(`unknown option ${key}`);
    }
  }
  if (!args.selfCheck && args.slowServer === null && !args.url) throw new Error('--url is required');
  if (!(args.rate > 0 && args.rate <= 20000)) throw new Error('--rate must be 1-20000 requests/s');
  if (!(args.duration > 0 && args.duration <= 120)) throw new Error('--duration must be 1-120 s (every load loop is bounded)');
  if (!(Number.isInteger(args.batch) && args.batch >= 0 && args.batch <= 100)) throw new Error('--batch must be 0-100');
  return args;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function clickBody(batch, run, n) {
  const items = [];
  for (let i = 0; i < batch; i++) {
    const k = n * batch + i;
    items.push(`{"serialNumber":"OPEN${String(k % 50).padStart(4, '0')}","batteryVoltage":"1705mV","clickType":"SINGLE",` +
      `"topic":"iotbutton/OPEN${String(k % 50).padStart(4, '0')}","receivedAtMs":${1764064800000 + k},"traceId":"${run}-${k}"}`);
  }
  return batch === 1 ? items[0] : `[${items.join(',')}]`;
}

/**
 * Runs the fixed-rate load and returns the summary; nothing here waits for an answer before sending the next request.
 * Latency is measured two ways: from the moment a request left, and from the moment it was due (wrk2's way): when
 * this process falls behind its own schedule (a CPU-starved machine), only the second still tells the truth.
 */
export async function openLoop({ url, rate, duration, batch, token, run }) {
  const interval = 1000 / rate;
  const fromSend = [];
  const fromSchedule = [];
  const lags = [];
  const sockets = new Set();
  const statuses = {};
  let sent = 0;
  let connectionErrors = 0;
  const errorKinds = {};
  let start = 0;
  const options = {
    url: batch === 0 ? new URL('/api/health', url).href : new URL('/api/clicks', url).href,
    method: batch === 0 ? 'GET' : 'POST',
    requestsPerSecond: rate,
    maxSeconds: duration,
    agentKeepAlive: true,
    timeout: 10000,
    quiet: true,
    headers: batch === 0 ? {} : { authorization: `Bearer ${token}` },
    requestGenerator: (_options, params, request, callback) => {
      const leftAt = performance.now();
      const scheduledAt = start + sent * interval;
      lags.push(leftAt - scheduledAt);
      // A request that left ahead of its slot (the tool's timer is not ours) is charged from when it left: counted
      // from its slot, its latency would come out shorter than its own round trip, or negative.
      const dueAt = Math.min(scheduledAt, leftAt);
      const n = sent++;
      let body = null;
      if (batch > 0) {
        body = clickBody(batch, run, n);
        params.headers['content-type'] = 'application/json';
        params.headers['content-length'] = Buffer.byteLength(body);
      }
      const req = request(params, (response) => {
        response.once('end', () => {
          const at = performance.now();
          statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
          fromSend.push(at - leftAt);
          fromSchedule.push(at - dueAt);
        });
        callback(response);
      });
      req.on('socket', (socket) => sockets.add(socket));
      req.on('error', (error) => {
        connectionErrors++;
        errorKinds[error.code ?? error.message] = (errorKinds[error.code ?? error.message] ?? 0) + 1;
      });
      if (body !== null) req.write(body);
      return req;
    },
  };
  // The schedule starts when the tool is started, not when its first request happens to leave.
  start = performance.now();
  await loadTest(options);
  // The schedule is over; the answers still owed are waited for (bounded), so that an overloaded server's slowest
  // answers count instead of being dropped. Whatever is still unanswered at the deadline is reported as unfinished.
  const drainUntil = performance.now() + DRAIN_MS;
  const owed = () => sent - Object.values(statuses).reduce((t, c) => t + c, 0) - connectionErrors;
  while (owed() > 0 && performance.now() < drainUntil) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const list of [fromSend, fromSchedule, lags]) list.sort((a, b) => a - b);
  const answered = Object.values(statuses).reduce((t, c) => t + c, 0);
  const ok = Object.entries(statuses).filter(([s]) => s >= 200 && s < 300).reduce((t, [, c]) => t + c, 0);
  const scheduled = Math.floor(rate * duration);
  const round = (x) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);
  const lagP99 = percentile(lags, 99) ?? 0;
  return {
    url: options.url, rate, duration, batch, scheduled, sent,
    answered, ok, non2xx: answered - ok, statuses, connectionErrors,
    errorKinds,
    // Not answered within DRAIN_MS after the schedule ended: their latency is at least that long.
    unfinished: sent - answered - connectionErrors,
    drain_ms: DRAIN_MS,
    // The headline figures: from when each request was due.
    p50_ms: round(percentile(fromSchedule, 50)), p95_ms: round(percentile(fromSchedule, 95)), p99_ms: round(percentile(fromSchedule, 99)), max_ms: round(fromSchedule.at(-1)),
    fromSend: { p50_ms: round(percentile(fromSend, 50)), p95_ms: round(percentile(fromSend, 95)), p99_ms: round(percentile(fromSend, 99)) },
    sendLagP99_ms: round(lagP99), sendLagMax_ms: round(lags.at(-1)),
    connections: sockets.size,
    // Kept: (nearly) every scheduled request left, whatever the answers took. On time: they left (nearly) when due;
    // a late start is still counted in the latency from the schedule, so only a kept schedule matters for the figures.
    scheduleKept: sent >= 0.97 * scheduled,
    // Over 1% of requests unanswered by the end of the drain: the server fell behind the offered rate.
    overloaded: sent - answered - connectionErrors > 0.01 * sent,
    onTime: lagP99 <= Math.max(10, 2 * interval),
  };
}

/** A server whose every answer takes delayMs (the self-check's stand-in for a slow function). */
function slowServer(delayMs) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.end('{"status":"slow"}'), delayMs));
  });
  server.keepAliveTimeout = 30000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  setTimeout(() => process.exit(0), 60000).unref(); // bounded even if nobody stops it
}

/** Offers 200 requests/s to a server that answers in 100 ms: an open-loop tool sends ~all 600 and sees ~100 ms. */
async function selfCheck() {
  const delayMs = 100;
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--slow-server', String(delayMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`slow server exited (${code})`)));
  });
  try {
    const result = await openLoop({ url: `http://127.0.0.1:${port}`, rate: 200, duration: 3, batch: 0, token: '', run: 'selfcheck' });
    result.serverDelay_ms = delayMs;
    // Closed loop with 10 connections would manage 100 requests/s here and need no more than 10 connections.
    result.scheduleKept = result.scheduleKept && result.connections > 10 && result.fromSend.p50_ms >= delayMs;
    return result;
  } finally {
    child.kill('SIGTERM');
  }
}

const args = parseArgs(process.argv.slice(2));
if (args.slowServer !== null) {
  slowServer(args.slowServer);
} else {
  const result = args.selfCheck ? await selfCheck() : await openLoop(args);
  process.stdout.write(`openloop-json ${JSON.stringify(result)}\n`);
  if (args.selfCheck && !result.scheduleKept) process.exitCode = 1;
}
