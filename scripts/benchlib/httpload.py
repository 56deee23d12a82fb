"""The real server under load: ``etslib serve --workers 2`` and a load generator.

``wrk`` (one thread, ``connections`` connections, a Lua script rotating
through the query mix's ``/api/search`` URLs) when it is installed, else a
bounded Python client (one thread per connection, http.client). Before the
run every URL is fetched once and checked (status 200, JSON, the same
total as in-process). The workers' peak resident memory under load is
the kernel's (VmHWM, reset when the load starts); psutil reads their
resident memory right after the load, and again once they have been idle
for a moment (at rest: they trim the heap then).
A second API run sends thousands of distinct queries of the same shapes
(:func:`~benchlib.queries.distinct_queries`), each once, so the server's
result caches cannot answer them: the mix repeats every 62 requests and,
after one pass, mostly measures those caches. A shorter run of the HTML
search page (``/?q=…``, the mix) follows.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from .common import ROOT, env_for_children, etslib_cmd, free_port, latency_summary, log
from .queries import Query

LUA = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter - 1) %% #paths + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, "mean_us": %%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
"""


def _wait_ready(base: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"etslib serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/api/stats", timeout=10) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"etslib serve did not answer within {timeout} s")


def _check(base: str, queries: list[Query], expected: dict[str, int]) -> dict[str, Any]:
    bad: list[str] = []
    mismatched: list[str] = []
    for q in queries:
        try:
            with urllib.request.urlopen(base + q.path(), timeout=60) as r:
                data = json.loads(r.read())
                if r.status != 200:
                    bad.append(f"{q.path()}: HTTP {r.status}")
                elif q.label() in expected and data.get("total") != expected[q.label()]:
                    mismatched.append(f"{q.label()}: HTTP total {data.get('total')} != in-process {expected[q.label()]}")
        except Exception as e:
            bad.append(f"{q.path()}: {type(e).__name__}: {e}")
    return {"checked": len(queries), "errors": bad, "total_mismatches": mismatched}


def _wrk(base: str, paths: list[str], seconds: float, connections: int, workdir: Path) -> dict[str, Any]:
    script = workdir / "rotate.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for p in paths), "utf-8")
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(script), base]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    m = re.search(r"^WRKJSON (\{.*\})$", r.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk gave no summary (exit {r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
    d = json.loads(m.group(1))
    secs = d["duration_us"] / 1e6
    errors = d["connect"] + d["read"] + d["write"] + d["status"] + d["timeout"]
    return {
        "tool": f"wrk -t1 -c{connections} -d{round(seconds)}s (Lua script rotating through {len(paths)} URLs)",
        "requests": d["requests"],
        "seconds": round(secs, 2),
        "requests_per_s": round(d["requests"] / secs, 1) if secs else None,
        "errors": errors,
        "error_detail": {k: d[k] for k in ("connect", "read", "write", "status", "timeout")},
        "p50_ms": d["p50_us"] / 1000, "p90_ms": d["p90_us"] / 1000, "p95_ms": d["p95_us"] / 1000,
        "p99_ms": d["p99_us"] / 1000, "max_ms": d["max_us"] / 1000, "mean_ms": round(d["mean_us"] / 1000, 3),
        "kb_per_response": round(d["bytes"] / max(1, d["requests"]) / 1024, 1),
    }


def _python_client(host: str, port: int, paths: list[str], seconds: float, connections: int) -> dict[str, Any]:
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(10**12))

    def worker() -> None:
        nonlocal errors
        while time.monotonic() < stop:
            with lock:
                i = next(counter)
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=30)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
                conn.close()
            except Exception:
                ok = False
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if ok:
                    lat.append(ms)
                else:
                    errors += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - t0
    s = latency_summary(lat)
    return {
        "tool": f"Python client, {connections} threads (wrk is not installed)",
        "requests": len(lat) + errors,
        "seconds": round(secs, 2),
        "requests_per_s": round((len(lat) + errors) / secs, 1),
        "errors": errors,
        **{k: v for k, v in s.items() if k != "n"},
    }


def _load(host: str, port: int, paths: list[str], seconds: float, connections: int, workdir: Path,
          workers: list[int] | None = None) -> dict[str, Any]:
    """One load run; with the ``workers``' pids, the CPU time each spent
    on it (:func:`_cpu_shares`)."""
    workers = workers or []
    before = _cpu_seconds(workers)
    if shutil.which("wrk"):
        out = _wrk(f"http://{host}:{port}", paths, seconds, connections, workdir)
    else:
        out = _python_client(host, port, paths, seconds, connections)
    return {**out, **_cpu_shares(before, _cpu_seconds(workers))}


def _summary(run: dict[str, Any]) -> str:
    """A run in one log line."""
    line = f"  {run['requests_per_s']} requests/s, p95 {run.get('p95_ms')} ms, errors {run['errors']}"
    if run.get("worker_cpu_s"):
        line += f"; workers' CPU {' + '.join(f'{c:g}' for c in run['worker_cpu_s'])} s"
    return line + (f" ({run['note']})" if run.get("note") else "")


def _cpu_seconds(pids: list[int]) -> list[float]:
    """Each process's CPU time so far (user and system), seconds."""
    out = []
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
        except (OSError, IndexError, ValueError):
            return []  # not Linux, or a worker gone: no split then
    return out


#: A run whose busiest worker did more than this share of the work says so.
_ONE_WORKER_SHARE = 0.75


def _cpu_shares(before: list[float], after: list[float]) -> dict[str, Any]:
    """Each worker's CPU seconds in a run and the busiest one's share. A
    gevent worker keeps the keep-alive connections it accepted, so with
    few connections one worker may get all of them for a whole run (seen
    with wrk -c2 at 1M: one worker's CPU time grew by 30 s, the other's
    not at all); such a run measures one worker, and is flagged."""
    if not before or len(before) != len(after):
        return {}
    used = [round(b - a, 2) for a, b in zip(before, after)]
    total = sum(used)
    share = round(max(used) / total, 2) if total > 0 else None
    out: dict[str, Any] = {"worker_cpu_s": used, "busiest_worker_share": share}
    if share is not None and len(used) > 1 and share > _ONE_WORKER_SHARE:
        out["note"] = f"one worker did {share:.0%} of the work: the connections stayed with it"
    return out


def _worker_memory(pid: int) -> dict[str, Any]:
    try:
        import psutil
    except ImportError:
        return {"skipped": "psutil is not installed"}
    try:
        master = psutil.Process(pid)
        workers = master.children(recursive=True)
        rss = [round(w.memory_info().rss / 2**20, 1) for w in workers]
        uss = []
        for w in workers:
            try:
                uss.append(round(w.memory_full_info().uss / 2**20, 1))
            except psutil.Error:
                pass
        return {"workers": len(workers), "worker_rss_mb": rss, "max_worker_rss_mb": max(rss) if rss else None,
                "worker_uss_mb": uss, "master_rss_mb": round(master.memory_info().rss / 2**20, 1)}
    except psutil.Error as e:
        return {"skipped": f"cannot read the server's memory: {e}"}


def _worker_pids(pid: int) -> list[int]:
    try:
        import psutil

        return [w.pid for w in psutil.Process(pid).children(recursive=True)]
    except Exception:  # psutil missing, or the server gone: no peak then
        return []


def _reset_peaks(pids: list[int]) -> None:
    """Start the kernel's count of each worker's peak resident memory
    (VmHWM) afresh: the load's peak, not the start-up's. Sampling instead
    (psutil four times a second) halved the mix's throughput on 2 cores."""
    for p in pids:
        try:
            Path(f"/proc/{p}/clear_refs").write_text("5")
        except OSError:
            pass


def _peaks(pids: list[int]) -> dict[int, float]:
    """Each worker's peak resident memory since :func:`_reset_peaks`, MB."""
    out = {}
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[p] = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
    return out


#: How long the workers are left idle before their memory at rest is read
#: (they trim the heap after search.config.HEAP_IDLE_SECONDS).
_REST_SECONDS = 2.0


def _memory(pid: int, peaks: dict[int, float]) -> dict[str, Any]:
    after = _worker_memory(pid)
    if "skipped" in after:
        return after
    time.sleep(_REST_SECONDS)
    rest = _worker_memory(pid)
    peak = [peaks[p] for p in sorted(peaks)]
    return {**after,
            "peak_worker_rss_mb": peak, "max_peak_worker_rss_mb": max(peak + [after["max_worker_rss_mb"] or 0]),
            "rest_worker_rss_mb": rest.get("worker_rss_mb"), "max_rest_worker_rss_mb": rest.get("max_worker_rss_mb"),
            "rest_worker_uss_mb": rest.get("worker_uss_mb")}


def run(index: Path, queries: list[Query], *, seconds: float, html_seconds: float, connections: int,
        workdir: Path, expected_totals: dict[str, int], distinct: list[Query] = (), workers: int = 2) -> dict[str, Any]:
    """Serve the index, load it with the query mix, report throughput, latency, errors, memory."""
    workdir.mkdir(parents=True, exist_ok=True)
    host, port = "127.0.0.1", free_port()
    base = f"http://{host}:{port}"
    logf = open(workdir / "serve.log", "w")
    cmd = etslib_cmd() + ["serve", "--index", str(index), "--host", host, "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=logf, stderr=subprocess.STDOUT, env=env_for_children(), start_new_session=True)
    out: dict[str, Any] = {"command": f"etslib serve --index DIR --port {port} --workers {workers}", "connections": connections}
    try:
        t0 = time.perf_counter()
        _wait_ready(base, proc)
        out["startup_seconds"] = round(time.perf_counter() - t0, 2)
        log(f"http: server up on {base} in {out['startup_seconds']} s; checking {len(queries)} URLs")
        out["check"] = _check(base, queries, expected_totals)
        workers_pids = _worker_pids(proc.pid)
        _reset_peaks(workers_pids)
        api_paths = [q.path("/api/search") for q in queries]
        html_paths = [q.path("/") for q in queries]
        _load(host, port, api_paths, 2, connections, workdir)  # warm-up, not reported
        log(f"http: /api/search for {seconds:.0f} s")
        out["api"] = _load(host, port, api_paths, seconds, connections, workdir, workers_pids)
        log(_summary(out["api"]))
        if distinct:
            log(f"http: /api/search with {len(distinct):,} distinct queries for {seconds:.0f} s")
            out["api_distinct"] = _load(host, port, [q.path("/api/search") for q in distinct], seconds, connections, workdir, workers_pids)
            out["api_distinct"]["queries"] = len(distinct)
            log(_summary(out["api_distinct"]))
        log(f"http: HTML / for {html_seconds:.0f} s")
        out["html"] = _load(host, port, html_paths, html_seconds, connections, workdir, workers_pids)
        log(_summary(out["html"]))
        out["memory"] = _memory(proc.pid, _peaks(workers_pids))
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its workers: our own process group
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        logf.close()
    return out
