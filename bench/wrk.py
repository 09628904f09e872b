"""wrk for the verify benchmark: the Lua script that rotates credentials, one run, the
figures it reports, and how idle the host was (bench.verify_http drives it)."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

CONNECTIONS = 32
TARGETS = {"eddsa-jcs-2022": 800.0, "eddsa-rdfc-2022": 400.0}
P99_TARGET_MS = 50.0

LUA = r"""
-- POST one credential per request, rotating through a pool (one JSON document per line).
local pool = {}
local position = 0
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do pool[#pool + 1] = line end
  position = (id * 37) % #pool
  non200 = 0
  unverified = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  position = position % #pool + 1
  return wrk.format(nil, "/api/v1/verify", nil, pool[position])
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  elseif not string.find(body, '"verified":true', 1, true) then
    unverified = unverified + 1
  end
end

function done(summary, latency, requests)
  local bad_status, bad_body = 0, 0
  for _, thread in ipairs(threads) do
    bad_status = bad_status + thread:get("non200")
    bad_body = bad_body + thread:get("unverified")
  end
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests":%d,"duration_us":%d,"errors":%d,"non200":%d,"unverified":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    bad_status, bad_body, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class Figures:
    suite: str
    requests: int
    seconds: float
    errors: int
    non200: int
    unverified: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


# --- the data: our own issuer, issued credentials --------------------------------------------


# --- the load --------------------------------------------------------------------------------


def run_wrk(url: str, script: Path, pool_file: Path, seconds: float) -> Figures | None:
    command = [
        "wrk",
        "--threads",
        "2",
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{int(seconds)}s",
        "--timeout",
        "10s",
        "--script",
        str(script),
        url + "/api/v1/verify",
        "--",
        str(pool_file),
    ]
    output = subprocess.run(  # noqa: S603 - fixed argv
        command, capture_output=True, text=True, check=True
    ).stdout
    line = next((x for x in output.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        return None
    raw = json.loads(line.removeprefix("RESULT "))
    return Figures(
        suite=pool_file.stem,
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        errors=raw["errors"],
        non200=raw["non200"],
        unverified=raw["unverified"],
        p50_ms=raw["p50"] / 1000,
        p90_ms=raw["p90"] / 1000,
        p99_ms=raw["p99"] / 1000,
        max_ms=raw["max"] / 1000,
    )


def idle_fraction(seconds: float = 2.0) -> float:
    """Share of CPU time the machine spent idle over ``seconds`` (Linux /proc/stat)."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return values[3] + values[4], sum(values)

    try:
        idle0, total0 = sample()
        time.sleep(seconds)
        idle1, total1 = sample()
    except OSError:
        return 1.0
    return (idle1 - idle0) / max(1, total1 - total0)


def report(figures: Figures) -> None:
    target = TARGETS[figures.suite]
    rate_ok = figures.per_second >= target
    p99_ok = figures.p99_ms <= P99_TARGET_MS
    clean = figures.errors == figures.non200 == figures.unverified == 0
    print(
        f"{figures.suite:<16} {figures.per_second:>8,.0f} req/s   "
        f"p50 {figures.p50_ms:6.1f} ms  p90 {figures.p90_ms:6.1f} ms  "
        f"p99 {figures.p99_ms:6.1f} ms  max {figures.max_ms:6.1f} ms   "
        f"target {target:,.0f}/s: {'meets' if rate_ok else 'MISSES'}, "
        f"p99 ≤ {P99_TARGET_MS:.0f} ms: {'meets' if p99_ok else 'MISSES'}"
        + (
            ""
            if clean
            else f"   ERRORS: {figures.errors} socket, {figures.non200} non-200, "
            f"{figures.unverified} not verified"
        ),
        flush=True,
    )
