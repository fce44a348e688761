#!/usr/bin/env python3
"""One benchmark run of ButtonFunctions through LocalHost (driven by bench/run.sh, which builds Release first).

Starts a standalone LocalMongo and LocalHost (real worker, LocalIssuer tokens) on free ports with a temporary
credentials folder (never the repository's .localhost/), then measures in ONE run, every figure also as a ratio to
the no-op baseline (GET /api/health through the same LocalHost):
  - saturation (wrk, closed loop): no-op, single clicks, 10-click batches: req/s, clicks/s, p50/p95/p99;
  - CPU per request and per click of the worker, LocalHost and LocalMongo (utime+stime from /proc/<pid>/stat over
    the measured window, divided by the requests answered);
  - worker GC collections (dotnet-counters) and peak RSS (VmHWM) at saturation;
  - a fixed offered rate (open loop, bench/openloop.mjs): no-op, singles, batches: p50/p95/p99, errors, schedule kept;
  - validated-token cache on vs off (Auth0__ValidatedTokenCacheLifetime=00:00:00: full RS256 check per request);
  - cold start: LocalHost launch -> first 200 and -> first stored click (201), median of N launches;
  - the read API with 100,000 stored clicks, through bench/read-api.sh (its own LocalHost and LocalMongo).
LocalMongo runs in its own process (not inside LocalHost, as `dotnet run --project tools/LocalHost` would start it)
so that each process's CPU is its own. Prints one Markdown table and writes bench/results.json.
Every load loop is bounded in time; the whole run stops starting new phases past --budget seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CONFIGURATION = "Release"
LOCALHOST_DLL = ROOT / "tools/LocalHost/bin" / CONFIGURATION / "net10.0/LocalHost.dll"
LOCALMONGO_DLL = ROOT / "tools/LocalMongo/bin" / CONFIGURATION / "net10.0/LocalMongo.dll"
WORKER_DLL = ROOT / "ButtonFunctions/bin" / CONFIGURATION / "net10.0/ButtonFunctions.dll"
COUNTERS = ROOT / ".tools/dotnet-counters/dotnet-counters"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"== {message}", flush=True)


def warn(message: str, warnings: list[str]) -> None:
    warnings.append(message)
    print(f"WARNING: {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (not its children), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


class Service:
    """A process this run started (and only such processes are ever stopped, by their pid)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logdir: Path):
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern, re.MULTILINE)
        while True:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            match = regex.search(text)
            if match:
                return match
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}) before '{pattern}':\n{text[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not print '{pattern}' within {timeout:.0f} s:\n{text[-3000:]}")
            time.sleep(0.01)

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


class LocalHostRun:
    """LocalHost (+ worker + LocalIssuer) against the standalone LocalMongo, on a free port, with its own credentials folder."""

    def __init__(self, name: str, mongo_uri: str, database: str, logdir: Path, log_level: str, extra_env: dict[str, str] | None = None,
                 telemetry: str = "off"):
        self.port = free_port()
        self.credentials_dir = Path(tempfile.mkdtemp(prefix="bench-credentials-"))
        env = dict(os.environ)
        env.update({
            "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1",
            "Mongo__ConnectionString": mongo_uri, "Mongo__Database": database, "Mongo__Collection": "clicks",
        })
        env.update(extra_env or {})
        self.launched = time.monotonic()
        self.service = Service(name, [
            "dotnet", str(LOCALHOST_DLL), "--port", str(self.port), "--issuer-port", "0",
            "--credentials-dir", str(self.credentials_dir), "--log-level", log_level, "--configuration", CONFIGURATION,
            # off: the worker exports no telemetry at all; otlp: it exports metrics, traces and logs to LocalHost's
            # OTLP collector (every second, more often than Azure Monitor's default) and LocalHost prints its summary.
            "--metrics-summary", "0" if telemetry == "off" else "10",
        ], env, logdir)
        self.base = f"http://127.0.0.1:{self.port}"
        self.worker_pid = 0
        self.credentials: dict[str, str] = {}

    @property
    def credentials_file(self) -> Path:
        return self.credentials_dir / f"localhost-{self.port}.json"

    def wait_ready(self, timeout: float = 120) -> float:
        """Waits for the ready line and the credentials file; returns seconds since launch."""
        match = self.service.wait_for(r"^LocalHost ready: \S+ \(worker pid (\d+)\)", timeout)
        self.worker_pid = int(match.group(1))
        deadline = time.monotonic() + timeout
        while not self.credentials_file.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"no credentials file {self.credentials_file}")
            time.sleep(0.005)
        self.credentials = json.loads(self.credentials_file.read_text(encoding="utf-8"))
        return time.monotonic() - self.launched

    def token(self) -> str:
        c = self.credentials
        body = json.dumps({"grant_type": "client_credentials", "client_id": c["clientId"], "client_secret": c["clientSecret"], "audience": c["audience"]}).encode()
        status, answer = http("POST", c["authority"] + "oauth/token", body, {"content-type": "application/json"})
        if status != 200:
            raise RuntimeError(f"token request answered {status}: {answer[:200]!r}")
        return json.loads(answer)["access_token"]

    def stop(self) -> None:
        self.service.stop()
        shutil.rmtree(self.credentials_dir, ignore_errors=True)


def click_body(run_id: str, n: int) -> bytes:
    return json.dumps({"serialNumber": "COLD0001", "batteryVoltage": "1705mV", "clickType": "SINGLE", "topic": "iotbutton/COLD0001",
                       "receivedAtMs": 1764064800000 + n, "traceId": f"{run_id}-{n}"}).encode()


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.started = time.monotonic()
        self.warnings: list[str] = []
        self.results: dict = {"phases": {}}
        self.logdir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
        self.mongo: Service | None = None
        self.mongo_uri = ""
        self.host: LocalHostRun | None = None

    # --- time budget ---------------------------------------------------------------------------------------------
    def within_budget(self, phase: str, needs: float) -> bool:
        if self.args.phases and phase not in self.args.phases:
            self.results["phases"][phase] = {"skipped": "not selected (--phases)"}
            return False
        spent = time.monotonic() - self.started
        if spent + needs > self.args.budget:
            warn(f"skipping '{phase}': {spent:.0f} s spent, it needs about {needs:.0f} s more than the {self.args.budget} s budget allows", self.warnings)
            self.results["phases"][phase] = {"skipped": "time budget"}
            return False
        return True

    def attempt(self, phase: str, measure) -> dict:
        """One phase; a failure is recorded and warned about, and the run goes on to the next phase."""
        try:
            return measure()
        except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
            warn(f"{phase} failed: {str(e)[:500]}", self.warnings)
            return {"failed": str(e)[:2000]}

    # --- measurement primitives ----------------------------------------------------------------------------------
    def pids(self) -> dict[str, int]:
        assert self.host and self.mongo
        return {"worker": self.host.worker_pid, "localhost": self.host.service.pid, "localmongo": self.mongo.pid}

    def cpu_snapshot(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids().items()}

    def start_counters(self, seconds: int) -> tuple[subprocess.Popen, Path] | None:
        if not COUNTERS.exists():
            return None
        assert self.host
        out = self.logdir / f"counters-{uuid.uuid4().hex[:8]}.json"
        seconds += 3  # attached 1 s before the window opens, and a last sample after it closes
        duration = f"00:00:{seconds // 60:02d}:{seconds % 60:02d}"
        proc = subprocess.Popen([str(COUNTERS), "collect", "-p", str(self.host.worker_pid), "--counters", "System.Runtime[dotnet.gc.collections]",
                                 "--format", "json", "-o", str(out), "--refresh-interval", "1", "--duration", duration],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        time.sleep(1.0)  # the session must be attached before the window opens
        return proc, out

    @staticmethod
    def read_counters(started: tuple[subprocess.Popen, Path] | None, window: tuple[float, float]) -> dict | None:
        """
        Sums dotnet.gc.collections per generation over the measured window: dotnet-counters reports the increase over
        each 1 s interval, so the samples stamped after the window opened and up to 1 s after it closed are counted.
        """
        if started is None:
            return None
        proc, out = started
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        if not out.exists():
            return None
        text = out.read_text(encoding="utf-8", errors="replace").strip()
        try:
            events = json.loads(text).get("Events", [])
        except json.JSONDecodeError:
            # A session stopped mid-write leaves the array unterminated; the complete events are still usable.
            text = text.rstrip(",") + "]}"
            try:
                events = json.loads(text).get("Events", [])
            except json.JSONDecodeError:
                return None
        totals: dict[str, float] = {}
        opened, closed = window
        for event in events:
            if "gc.collections" not in event.get("name", ""):
                continue
            stamp = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?", event.get("timestamp", ""))
            if not stamp:
                continue
            at = dt.datetime.fromisoformat(stamp.group(1)).replace(tzinfo=dt.timezone.utc).timestamp() + float(stamp.group(2) or 0)
            if not opened < at <= closed + 1.0:
                continue
            generation = re.search(r"gc\.heap\.generation=(\w+)", event.get("tags", "") or "")
            key = generation.group(1) if generation else "all"
            totals[key] = totals.get(key, 0) + float(event.get("value", 0))
        return {k: int(round(v)) for k, v in sorted(totals.items())}

    def wrk(self, batch: int, seconds: int, token: str, run_id: str, connections: int | None = None, threads: int | None = None) -> dict:
        assert self.host
        connections = connections or self.args.connections
        threads = min(threads or self.args.threads, connections)
        env = dict(os.environ, TOKEN=token, BATCH=str(batch), RUN=run_id)
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(BENCH / "clicks.lua"), self.host.base]
        before = self.cpu_snapshot()
        opened = time.time()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False)
        closed = time.time()
        after = self.cpu_snapshot()
        match = re.search(r"^wrk-json (\{.*\})$", done.stdout, re.MULTILINE)
        if done.returncode != 0 or not match:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
        result = json.loads(match.group(1))
        seconds_measured = result["duration_us"] / 1e6
        requests = max(result["requests"], 1)
        result["req_per_s"] = result["requests"] / seconds_measured
        result["clicks_per_s"] = result["req_per_s"] * max(batch, 0)
        result["cpu_us_per_request"] = {name: (after[name] - before[name]) * 1e6 / requests for name in after}
        if batch > 0:
            result["cpu_us_per_click"] = {name: v / batch for name, v in result["cpu_us_per_request"].items()}
        result["connections"], result["threads"] = connections, threads
        result["window_unix_s"] = [opened, closed]
        if result["non_2xx_3xx"] or result["socket_errors"] or result["timeouts"]:
            warn(f"wrk batch={batch}: {result['non_2xx_3xx']} non-2xx answers, {result['socket_errors']} socket errors, {result['timeouts']} timeouts", self.warnings)
        return result

    def saturation(self, phase: str, batch: int, token: str) -> dict:
        log(f"{phase}: warm-up {self.args.warmup} s, then wrk -t{self.args.threads} -c{self.args.connections} -d{self.args.duration}s")
        self.wrk(batch, self.args.warmup, token, f"warm{uuid.uuid4().hex[:10]}")
        counters = self.start_counters(self.args.duration)
        result = self.wrk(batch, self.args.duration, token, f"bench{uuid.uuid4().hex[:10]}")
        gc = self.read_counters(counters, tuple(result["window_unix_s"]))
        if gc is not None:
            result["gc_collections"] = gc
            result["gc_per_1000_requests"] = {k: v * 1000 / max(result["requests"], 1) for k, v in gc.items()}
        assert self.host
        result["worker_rss_kib"] = status_kib(self.host.worker_pid, "VmRSS")
        result["worker_peak_rss_kib"] = status_kib(self.host.worker_pid, "VmHWM")
        return result

    def fixed_rate(self, phase: str, batch: int, rate: int, token: str) -> dict:
        assert self.host
        log(f"{phase}: {rate} req/s offered for {self.args.duration} s (open loop)")
        before = self.cpu_snapshot()
        done = subprocess.run(["node", str(BENCH / "openloop.mjs"), "--url", self.host.base, "--rate", str(rate), "--duration", str(self.args.duration),
                               "--batch", str(batch), "--token", token, "--run", f"ol{uuid.uuid4().hex[:10]}"],
                              capture_output=True, text=True, timeout=self.args.duration + 120, check=False)
        after = self.cpu_snapshot()
        match = re.search(r"^openloop-json (\{.*\})$", done.stdout, re.MULTILINE)
        if not match:
            raise RuntimeError(f"openloop failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
        result = json.loads(match.group(1))
        result["cpu_us_per_request"] = {name: (after[name] - before[name]) * 1e6 / max(result["answered"], 1) for name in after}
        if not result["scheduleKept"]:
            warn(f"{phase}: the load tool could not send at the offered rate on this machine now (sent {result['sent']} of {result['scheduled']}): "
                 "the requests it never sent are missing from the latencies", self.warnings)
        elif not result["onTime"]:
            warn(f"{phase}: requests left late (send lag p99 {result['sendLagP99_ms']:.1f} ms; the machine is CPU-starved); the latencies count from "
                 "when each request was due, so they include that delay", self.warnings)
        if result["non2xx"] or result["connectionErrors"]:
            warn(f"{phase}: {result['non2xx']} non-2xx answers {result['statuses']}, {result['connectionErrors']} connection errors {result['errorKinds']}", self.warnings)
        if result["overloaded"]:
            warn(f"{phase}: {result['unfinished']} of {result['sent']} requests were still unanswered {result['drain_ms'] / 1000:.0f} s after the schedule ended: "
                 f"the offered {rate} req/s is above what this machine sustained now; the percentiles cover the answered ones only", self.warnings)
        saturated = self.results["phases"].get("noop_saturation" if batch == 0 else "singles_saturation" if batch == 1 else "batches_saturation", {}).get("req_per_s")
        if saturated and rate > saturated:
            warn(f"{phase}: the offered {rate} req/s is above the {saturated:,.0f} req/s measured at saturation in this run: this figure measures a growing queue", self.warnings)
        return result

    # --- phases --------------------------------------------------------------------------------------------------
    def start_mongo(self) -> None:
        env = dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1", Logging__LogLevel__Default="Warning")
        self.mongo = Service("localmongo", ["dotnet", str(LOCALMONGO_DLL), "--port", str(free_port())], env, self.logdir)
        self.mongo_uri = self.mongo.wait_for(r"^Connection string: (\S+)", 60).group(1)

    def cold_start(self) -> dict:
        log(f"cold start: {self.args.launches} launches of LocalHost, each until its first stored click")
        launches = []
        for i in range(self.args.launches):
            host = LocalHostRun(f"cold-{i}", self.mongo_uri, "bench_cold", self.logdir, self.args.log_level)
            try:
                ready = host.wait_ready()
                deadline = time.monotonic() + 60
                first_200 = None
                while first_200 is None:
                    status, _ = http("GET", host.base + "/api/health", timeout=30)
                    if status == 200:
                        first_200 = time.monotonic() - host.launched
                    elif time.monotonic() > deadline:
                        raise RuntimeError("no 200 from /api/health within 60 s of the ready line")
                # A real sender holds its token long before; the LocalIssuer round trip is not part of the cold start.
                token_started = time.monotonic()
                token = host.token()
                token_s = time.monotonic() - token_started
                run_id = f"cold{uuid.uuid4().hex[:10]}"
                n = 0
                first_stored = None
                while first_stored is None:
                    n += 1
                    status, answer = http("POST", host.base + "/api/clicks", click_body(run_id, n),
                                          {"content-type": "application/json", "authorization": f"Bearer {token}"}, timeout=30)
                    if status == 201:
                        first_stored = time.monotonic() - host.launched - token_s
                    elif time.monotonic() > deadline:
                        raise RuntimeError(f"no stored click within 60 s of the ready line (last answer {status} {answer[:200]!r})")
                launches.append({"ready_s": ready, "first_200_s": first_200, "first_stored_click_s": first_stored, "token_request_s": token_s, "posts": n})
                print(f"   launch {i + 1}: ready {ready:.2f} s, first 200 {first_200:.2f} s, first stored click {first_stored:.2f} s", flush=True)
            finally:
                host.stop()
        return {
            "launches": launches,
            "median_first_200_s": statistics.median(x["first_200_s"] for x in launches),
            "median_first_stored_click_s": statistics.median(x["first_stored_click_s"] for x in launches),
            "min_first_stored_click_s": min(x["first_stored_click_s"] for x in launches),
            "max_first_stored_click_s": max(x["first_stored_click_s"] for x in launches),
        }

    def start_host(self, name: str, extra_env: dict[str, str] | None = None) -> str:
        self.host = LocalHostRun(name, self.mongo_uri, f"bench_{uuid.uuid4().hex[:8]}", self.logdir, self.args.log_level, extra_env, self.args.telemetry)
        self.host.wait_ready()
        return self.host.token()

    def stop_host(self) -> None:
        if self.host:
            self.host.stop()
            self.host = None

    def read_api(self) -> dict:
        script = BENCH / "read-api.sh"
        if not script.exists():
            return {"status": "not run", "reason": "bench/read-api.sh is not in this checkout (it comes with the read API)"}
        log("read API: bench/read-api.sh --clicks 100000 (its own LocalHost and LocalMongo)")
        done = subprocess.run(["bash", str(script), "--clicks", "100000"], capture_output=True, text=True, timeout=self.args.read_api_timeout, check=False)
        rows = [{"request": m.group(1).strip(), "p50_ms": float(m.group(2)), "p95_ms": float(m.group(3)), "max_ms": float(m.group(4)), "answer_kib": float(m.group(5))}
                for m in re.finditer(r"^\s{2}(GET .+?)\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d)\s+([\d.]+) KiB$", done.stdout, re.MULTILINE)]
        if done.returncode != 0 or not rows:
            warn(f"bench/read-api.sh failed ({done.returncode}): {done.stderr[-500:]}", self.warnings)
            return {"status": "failed", "exit": done.returncode, "output": done.stdout[-2000:]}
        return {"status": "ok", "rows": rows, "output": done.stdout}

    def machine(self) -> dict:
        model = ""
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="ascii") as f:
            mem_kib = int(f.readline().split()[1])
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
        dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True, check=False).stdout.strip()
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        return {
            "cores": len(os.sched_getaffinity(0)), "cpu": model, "memory_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release(), "dotnet": dotnet, "wrk": (wrk.stdout + wrk.stderr).split("\n")[0].strip(),
            "node": subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip(),
            "commit": commit + (" (uncommitted changes)" if dirty else ""),
        }

    def run(self) -> int:
        args = self.args
        self.results["started_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.results["machine"] = self.machine()
        cores = self.results["machine"]["cores"]
        self.results["load_average_start"] = loadavg()
        self.results["settings"] = {k: v for k, v in vars(args).items() if k != "output"}
        self.results["settings"]["configuration"] = CONFIGURATION
        print(f"machine: {cores} cores ({self.results['machine']['cpu']}), load average at start {self.results['load_average_start']}", flush=True)
        if self.results["load_average_start"][0] > 0.5 * cores:
            warn(f"the machine is busy (1-minute load {self.results['load_average_start'][0]} on {cores} cores): every figure will be noisy; "
                 "CPU per request is the least affected. Re-run at a quiet moment for figures to publish.", self.warnings)

        phases = self.results["phases"]
        log("open-loop self-check: 200 req/s offered to a stand-in that answers every request in 100 ms")
        check = subprocess.run(["node", str(BENCH / "openloop.mjs"), "--self-check"], capture_output=True, text=True, timeout=60, check=False)
        match = re.search(r"^openloop-json (\{.*\})$", check.stdout, re.MULTILINE)
        phases["open_loop_self_check"] = json.loads(match.group(1)) if match else {"scheduleKept": False, "output": check.stdout + check.stderr}
        if not phases["open_loop_self_check"].get("scheduleKept"):
            warn("the open-loop tool failed its self-check: fixed-rate latencies are not trustworthy on this machine now", self.warnings)

        self.start_mongo()
        try:
            if self.within_budget("cold_start", 12 * args.launches):
                phases["cold_start"] = self.attempt("cold_start", self.cold_start)

            log("starting LocalHost (validated-token cache on, the default)")
            token = self.start_host("localhost")
            assert self.host
            phases["worker_after_start"] = {"rss_kib": status_kib(self.host.worker_pid, "VmRSS"), "peak_rss_kib": status_kib(self.host.worker_pid, "VmHWM")}
            per_phase = args.warmup + args.duration + 5
            if self.within_budget("noop_one_connection", 10):
                log("no-op, one request at a time: wrk -t1 -c1 -d5s")
                phases["noop_one_connection"] = self.attempt("noop_one_connection", lambda: self.wrk(0, 5, token, "seq", connections=1, threads=1))
            for phase, batch in (("noop_saturation", 0), ("singles_saturation", 1), ("batches_saturation", 10)):
                if self.within_budget(phase, per_phase):
                    phases[phase] = self.attempt(phase, lambda: self.saturation(phase, batch, token))
            for phase, batch, rate in (("noop_fixed_rate", 0, args.single_rate), ("singles_fixed_rate", 1, args.single_rate), ("batches_fixed_rate", 10, args.batch_rate)):
                if self.within_budget(phase, args.duration + 5):
                    phases[phase] = self.attempt(phase, lambda: self.fixed_rate(phase, batch, rate, token))
            phases["worker_peak_rss_kib"] = status_kib(self.host.worker_pid, "VmHWM")
            self.stop_host()

            if self.within_budget("singles_token_cache_off", per_phase + 10):
                log("restarting LocalHost with the validated-token cache off (Auth0__ValidatedTokenCacheLifetime=00:00:00)")
                token = self.start_host("localhost-nocache", {"Auth0__ValidatedTokenCacheLifetime": "00:00:00"})
                phases["singles_token_cache_off"] = self.attempt("singles_token_cache_off", lambda: self.saturation("singles_token_cache_off", 1, token))
                self.stop_host()
        finally:
            self.stop_host()
            if self.mongo:
                self.mongo.stop()

        if self.within_budget("read_api", 120):
            phases["read_api"] = self.attempt("read_api", self.read_api)

        self.results["load_average_end"] = loadavg()
        self.results["elapsed_s"] = round(time.monotonic() - self.started, 1)
        if self.results["load_average_end"][0] > 0.5 * cores:
            warn(f"the machine was busy at the end too (1-minute load {self.results['load_average_end'][0]})", self.warnings)
        self.results["warnings"] = self.warnings
        self.results["table"] = table(self.results)
        Path(args.output).write_text(json.dumps(self.results, indent=2) + "\n", encoding="utf-8")
        print()
        print(self.results["table"])
        print(f"\nresults: {args.output}  (logs: {self.logdir})")
        return 0


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return ""
    return f"{value / base:.2f} ×"


def table(r: dict) -> str:
    """The one table: figure, value, and the value as a multiple of the no-op's same figure."""
    p = r["phases"]
    m = r["machine"]
    rows: list[tuple[str, str, str]] = []
    def measured(key: str) -> dict | None:
        x = p.get(key)
        return x if isinstance(x, dict) and not ({"failed", "skipped"} & x.keys()) else None

    noop = measured("noop_saturation")
    noop_fixed = measured("noop_fixed_rate")
    seq = measured("noop_one_connection")

    def lat(x: dict, unit_us: bool = True) -> tuple[float, float, float]:
        return (x["p50_us"] / 1000, x["p95_us"] / 1000, x["p99_us"] / 1000) if unit_us else (x["p50_ms"], x["p95_ms"], x["p99_ms"])

    if noop:
        n50, n95, n99 = lat(noop)
        rows.append(("no-op `GET /api/health`, saturation: req/s", fmt(noop["req_per_s"]), "1.00 ×"))
        rows.append(("  p50 / p95 / p99 (ms)", f"{n50:.1f} / {n95:.1f} / {n99:.1f}", "1.00 ×"))
        rows.append(("  CPU per request: worker / LocalHost (µs)", f"{fmt(noop['cpu_us_per_request']['worker'])} / {fmt(noop['cpu_us_per_request']['localhost'])}", "1.00 ×"))
    for key, title in (("singles_saturation", "single clicks"), ("batches_saturation", "10-click batches"), ("singles_token_cache_off", "single clicks, token cache off")):
        x = measured(key)
        if not x or "requests" not in x:
            continue
        b = x["batch"]
        rows.append((f"{title}, saturation: req/s", fmt(x["req_per_s"]), ratio(x["req_per_s"], noop and noop["req_per_s"])))
        rows.append(("  clicks/s", fmt(x["clicks_per_s"]), ratio(x["clicks_per_s"], noop and noop["req_per_s"])))
        x50, x95, x99 = lat(x)
        rows.append(("  p50 / p95 / p99 (ms)", f"{x50:.1f} / {x95:.1f} / {x99:.1f}",
                     f"{ratio(x50, n50)} / {ratio(x95, n95)} / {ratio(x99, n99)}" if noop else ""))
        cpu = x["cpu_us_per_request"]
        rows.append(("  CPU per request: worker / LocalHost / LocalMongo (µs)", f"{fmt(cpu['worker'])} / {fmt(cpu['localhost'])} / {fmt(cpu['localmongo'])}",
                     f"{ratio(cpu['worker'], noop and noop['cpu_us_per_request']['worker'])} / {ratio(cpu['localhost'], noop and noop['cpu_us_per_request']['localhost'])}" if noop else ""))
        if b > 1:
            rows.append(("  CPU per click: worker / LocalHost (µs)", f"{fmt(cpu['worker'] / b)} / {fmt(cpu['localhost'] / b)}",
                         f"{ratio(cpu['worker'] / b, noop and noop['cpu_us_per_request']['worker'])} / {ratio(cpu['localhost'] / b, noop and noop['cpu_us_per_request']['localhost'])}" if noop else ""))
        if noop and cpu["worker"] and key != "noop_saturation":
            rows.append(("  worker CPU above the no-op, per click (µs)", fmt((cpu["worker"] - noop["cpu_us_per_request"]["worker"]) / b), ""))
        if "gc_per_1000_requests" in x:
            gc = x["gc_per_1000_requests"]
            base = noop.get("gc_per_1000_requests", {}) if noop else {}
            rows.append(("  worker GCs per 1,000 requests (gen0/gen1/gen2)", " / ".join(f"{gc.get(g, 0):.2f}" for g in ("gen0", "gen1", "gen2")),
                         ratio(gc.get("gen0", 0), base.get("gen0")) + (" (gen0)" if base.get("gen0") else "")))
        if key == "singles_token_cache_off" and measured("singles_saturation"):
            cached = p["singles_saturation"]
            rows.append(("  token validation cost: worker CPU per request, off − on (µs)", fmt(cpu["worker"] - cached["cpu_us_per_request"]["worker"]),
                         ratio(cpu["worker"], cached["cpu_us_per_request"]["worker"]) + " of cached"))
    if noop and "gc_per_1000_requests" in noop:
        gc = noop["gc_per_1000_requests"]
        rows.append(("no-op: worker GCs per 1,000 requests (gen0/gen1/gen2)", " / ".join(f"{gc.get(g, 0):.2f}" for g in ("gen0", "gen1", "gen2")), "1.00 ×"))
    if p.get("worker_peak_rss_kib"):
        start = p.get("worker_after_start", {}).get("peak_rss_kib")
        rows.append(("worker peak RSS (VmHWM) after the saturation runs (MiB)", fmt(p["worker_peak_rss_kib"] / 1024), ratio(p["worker_peak_rss_kib"], start) + " of after start" if start else ""))
    for key, title in (("noop_fixed_rate", "no-op"), ("singles_fixed_rate", "single clicks"), ("batches_fixed_rate", "10-click batches")):
        x = measured(key)
        if not x or "rate" not in x:
            continue
        rows.append((f"{title} at {x['rate']:,} req/s offered (open loop): p50 / p95 / p99 (ms)", f"{fmt(x['p50_ms'], 1)} / {fmt(x['p95_ms'], 1)} / {fmt(x['p99_ms'], 1)}",
                     " / ".join(ratio(x[k], noop_fixed[k]) for k in ("p50_ms", "p95_ms", "p99_ms")) if noop_fixed else ""))
        rows.append(("  sent / scheduled, errors, unanswered, send lag p99 (ms)",
                     f"{x['sent']:,} / {x['scheduled']:,}{'' if x['scheduleKept'] else ' (NOT KEPT)'}, {x['non2xx'] + x['connectionErrors']} errors, "
                     f"{x['unfinished']:,}{' (OVERLOADED)' if x['overloaded'] else ''}, {x['sendLagP99_ms']:.1f}", ""))
    cold = p.get("cold_start")
    if cold and "launches" in cold:
        rows.append((f"cold start: launch → first stored click, median of {len(cold['launches'])} (s)",
                     f"{cold['median_first_stored_click_s']:.2f} ({cold['min_first_stored_click_s']:.2f}–{cold['max_first_stored_click_s']:.2f})",
                     ratio(cold["median_first_stored_click_s"], cold["median_first_200_s"]) + " of launch → first 200"))
        rows.append(("  launch → first 200 of `/api/health`, median (s)", f"{cold['median_first_200_s']:.2f}", "1.00 ×"))
    api = p.get("read_api")
    if api and api.get("status") == "ok":
        base = seq["p50_us"] / 1000 if seq else None
        for row in api["rows"]:
            rows.append((f"read API, 100,000 clicks: {row['request']}: p50 / p95 (ms)", f"{row['p50_ms']:.1f} / {row['p95_ms']:.1f}", ratio(row["p50_ms"], base) + " (p50, of a one-at-a-time no-op)" if base else ""))
    elif api:
        rows.append(("read API, 100,000 clicks", "not run: no bench/read-api.sh in this checkout" if api.get("status") == "not run" else api.get("status", ""), ""))
    if seq:
        rows.append(("no-op one request at a time: p50 (ms)", f"{seq['p50_us'] / 1000:.2f}", ""))

    for key, x in p.items():
        if isinstance(x, dict) and ({"failed", "skipped"} & x.keys()):
            rows.append((key.replace("_", " "), "FAILED (see the warnings)" if "failed" in x else f"skipped ({x['skipped']})", ""))

    check = p.get("open_loop_self_check", {})
    head = (f"ButtonFunctions bench, {r['started_utc']} — {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, .NET {m['dotnet']}, commit {m['commit']}; "
            f"load average {r['load_average_start'][0]} at start, {r.get('load_average_end', ['?'])[0]} at end; "
            f"Release, LocalHost log level {r['settings']['log_level']}, telemetry {r['settings'].get('telemetry', 'off')}, wrk -t{r['settings']['threads']} -c{r['settings']['connections']}, "
            f"{r['settings']['warmup']} s warm-up + {r['settings']['duration']} s per figure; open-loop self-check: "
            f"{'kept the schedule' if check.get('scheduleKept') else 'FAILED'}"
            + (f" ({check.get('sent')} of {check.get('scheduled')} sent over {check.get('connections')} connections, p50 {check.get('fromSend', {}).get('p50_ms')} ms "
               f"against a server answering in 100 ms)" if check.get("sent") else ""))
    width = max(len(a) for a, _, _ in rows) if rows else 10
    lines = [head, "", f"| {'figure'.ljust(width)} | value | × no-op |", f"|{'-' * (width + 2)}|---|---|"]
    lines += [f"| {a.ljust(width)} | {b} | {c} |" for a, b, c in rows]
    if r.get("warnings"):
        lines += ["", "Warnings:"] + [f"- {w}" for w in r["warnings"]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per figure (default 15)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up before each saturation figure (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--single-rate", type=int, default=1000, help="offered req/s of single clicks and of the no-op (default 1000)")
    parser.add_argument("--batch-rate", type=int, default=200, help="offered req/s of 10-click batches (default 200)")
    parser.add_argument("--launches", type=int, default=5, help="cold-start launches (default 5)")
    parser.add_argument("--log-level", default="Warning", help="LocalHost --log-level (default Warning)")
    parser.add_argument("--budget", type=int, default=600, help="no phase starts that would end past this many seconds (default 600)")
    parser.add_argument("--read-api-timeout", type=int, default=240, help="seconds allowed for bench/read-api.sh (default 240)")
    parser.add_argument("--telemetry", choices=("off", "otlp"), default="off",
                        help="off (default): the worker exports nothing; otlp: it exports over OTLP to LocalHost's collector, to measure the telemetry's cost")
    parser.add_argument("--phases", type=lambda v: [x.strip() for x in v.split(",") if x.strip()], default=[],
                        help="only these phases, comma-separated (e.g. singles_saturation); default all")
    parser.add_argument("--output", default=str(BENCH / "results.json"))
    parser.add_argument("--quick", action="store_true", help="a short run to try the script: 3 s figures, 1 s warm-up, 2 launches")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup, args.launches = 3, 1, 2
    if not (1 <= args.duration <= 60 and 0 <= args.warmup <= 60 and 1 <= args.launches <= 10):
        parser.error("--duration 1-60, --warmup 0-60, --launches 1-10 (every loop stays bounded)")
    for path in (LOCALHOST_DLL, LOCALMONGO_DLL, WORKER_DLL):
        if not path.exists():
            parser.error(f"{path.relative_to(ROOT)} is missing: run bench/run.sh, which builds Release first")
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
