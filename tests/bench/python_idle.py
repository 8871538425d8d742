"""Many idle sessions through the Python binding: memory, threads and idle CPU.

The measurement of ``ccbridge-bench --idle`` (src/idle.rs) from Python, where the issue's
first figures came from (8,000 idle sessions about 500 MB; 1,000 callback streams 1,003
threads). N streams of one kind, pulled (nobody pulling) or with a no-op ``on_event``, are
started with ``client.stream_async`` on one asyncio loop, at most ``--concurrency`` starts
in flight, against the simulator binary with the documented 15 s long-poll wait, so every
stream then sits with its ``GET /events`` waiting. The starts are spread evenly over
``--start-spread-ms`` (default: the poll wait), so that the re-polls are too, as with
sessions started at different times: any window then sees the steady rate of re-polls (N
per poll wait), not all of them at once or none. Figures:

- RSS (``VmRSS`` of /proc/self/status) before the sessions (after one stream of the kind
  was started and stopped, so the runtime, the token and the code paths are warm) and
  after all started, the difference per session;
- OS threads of the process (``Threads``) before and after;
- CPU time of the process (getrusage, user + system) over ``--seconds`` while all are
  idle, as a percentage of one core; the simulator's too, for reading the machine's load;
- the same CPU time per re-poll completed in that window, ours and the simulator's: the
  idle CPU's unit cost, which reads the same whatever the number of sessions;
- if a start fails (thread or file limits), no further starts: how many started and the
  first error are reported, and the rest is measured on those.

The soft limit of open files is raised to the hard limit first; the simulator, started
afterwards, inherits it. Prints one JSON object (``python_idle_sessions_{kind}``, ``..._{kind}_http2`` with
``--http2``, then ``_workers{N}`` with ``--workers N``, the worker threads of the library's
runtime).

Usage: python python_idle.py --sim PATH --kind pull|callback [--sessions N] [--seconds S]
       [--concurrency C] [--poll-wait-ms W] [--start-spread-ms T] [--http2] [--workers N]
"""

import argparse
import asyncio
import json
import os
import resource
import time
import urllib.request
from typing import Any, List, Optional, Tuple

import ccbridge
from python_callback import sim_client, start_sim

SETTLE_S = 2.0


def status_field(name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def own_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def proc_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sim_stats(base: str) -> Any:
    with urllib.request.urlopen(base + "/sim/stats", timeout=60) as r:
        return json.load(r)


def raise_nofile() -> Tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def _noop(_ev: ccbridge.Event) -> None:
    pass


async def start_one(client: ccbridge.ViaClient, kind: str) -> ccbridge.Stream:
    if kind == "callback":
        return await client.stream_async(max_events=200, on_event=_noop)
    return await client.stream_async(max_events=200)


async def start_all(
    client: ccbridge.ViaClient, kind: str, n: int, concurrency: int, spread_s: float
) -> "Tuple[List[ccbridge.Stream], int, Optional[str]]":
    """Starts up to n streams, the i-th not before spread_s * i / n, at most concurrency
    at a time; stops starting at the first error."""
    loop = asyncio.get_running_loop()
    begin = loop.time()
    sem = asyncio.Semaphore(max(concurrency, 1))
    streams: "List[ccbridge.Stream]" = []
    failures = 0
    first_error: Optional[str] = None

    async def one() -> None:
        nonlocal failures, first_error
        try:
            streams.append(await start_one(client, kind))
        except (KeyboardInterrupt, SystemExit, asyncio.CancelledError):
            raise
        except BaseException as e:  # noqa: BLE001 - reported (a native panic included)
            failures += 1
            if first_error is None:
                first_error = f"{type(e).__name__}: {e}"
        finally:
            sem.release()

    tasks = []
    for i in range(n):
        delay = begin + spread_s * i / n - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await sem.acquire()
        if first_error is not None:
            sem.release()
            break
        tasks.append(asyncio.ensure_future(one()))
    await asyncio.gather(*tasks)
    return streams, failures, first_error


async def stop_all(streams: "List[ccbridge.Stream]", concurrency: int) -> int:
    """Stops every stream within two minutes; returns how many stops failed or hung."""
    sem = asyncio.Semaphore(max(concurrency, 1))

    async def one(s: ccbridge.Stream) -> bool:
        async with sem:
            try:
                await s.stop_async()
                return True
            except Exception:  # noqa: BLE001 - counted
                return False

    try:
        ok = await asyncio.wait_for(asyncio.gather(*(one(s) for s in streams)), 120)
    except asyncio.TimeoutError:
        return len(streams)
    return len(streams) - sum(ok)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True)
    ap.add_argument("--kind", choices=("pull", "callback"), default="pull")
    ap.add_argument("--sessions", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--poll-wait-ms", type=int, default=15000)
    ap.add_argument("--start-spread-ms", type=int, default=None)
    ap.add_argument("--http2", action="store_true", help="one HTTP/2 connection for every stream")
    ap.add_argument("--workers", type=int, default=None, help="worker threads of the library's runtime")
    args = ap.parse_args()
    suffix = ""
    if args.workers is not None:
        # Before anything runs on the library's runtime: the setting counts only then.
        if not ccbridge.configure_worker_threads(args.workers):
            raise SystemExit("the runtime started before --workers could apply")
        suffix = f"_workers{args.workers}"
    spread_s = (args.poll_wait_ms if args.start_spread_ms is None else args.start_spread_ms) / 1000

    nofile = raise_nofile()
    proc, base = start_sim(args.sim, args.poll_wait_ms)
    try:
        client = sim_client(base, http2="prior_knowledge" if args.http2 else "negotiate")
        loop = asyncio.new_event_loop()
        # Warm: the runtime, the token, the connection pool, one stream's life.
        loop.run_until_complete(start_one(client, args.kind)).stop()
        time.sleep(0.5)
        rss_before = status_field("VmRSS")
        threads_before = status_field("Threads")
        load_before = round(os.getloadavg()[0], 2)

        t = time.perf_counter()
        streams, failures, error = loop.run_until_complete(
            start_all(client, args.kind, args.sessions, args.concurrency, spread_s)
        )
        start_s = time.perf_counter() - t
        time.sleep(SETTLE_S)
        rss_after = status_field("VmRSS")
        threads_after = status_field("Threads")
        started = len(streams)

        stats_before = sim_stats(base)
        polls_before = sum(s.stats.polls for s in streams)
        sim_cpu_before = proc_cpu(proc.pid)
        cpu_before = own_cpu()
        window = time.perf_counter()
        time.sleep(args.seconds)
        cpu = own_cpu() - cpu_before
        sim_cpu = proc_cpu(proc.pid) - sim_cpu_before
        wall = time.perf_counter() - window
        polls_during = sum(s.stats.polls for s in streams) - polls_before
        stats_after = sim_stats(base)
        rss_after_idle = status_field("VmRSS")
        threads_after_idle = status_field("Threads")
        load_after = round(os.getloadavg()[0], 2)

        t = time.perf_counter()
        stop_failures = loop.run_until_complete(stop_all(streams, args.concurrency))
        stop_s = time.perf_counter() - t
        streams.clear()
        loop.close()

        delta = max(rss_after - rss_before, 0)
        report = {
            f"python_idle_sessions_{args.kind}{'_http2' if args.http2 else ''}{suffix}": {
                "kind": args.kind,
                "http2": args.http2,
                "runtime_workers": args.workers or 2,
                "sessions_requested": args.sessions,
                "sessions_started": started,
                "start_failures": failures,
                "start_error": error,
                "start_seconds": round(start_s, 2),
                "start_concurrency": args.concurrency,
                "start_spread_seconds": round(spread_s, 2),
                "rss_before_kb": rss_before,
                "rss_after_kb": rss_after,
                "rss_delta_kb": delta,
                "rss_after_mb": round(rss_after / 1024, 1),
                "per_session_kb": round(delta / started, 1) if started else 0.0,
                "rss_after_idle_kb": rss_after_idle,
                "threads_before": threads_before,
                "threads_after": threads_after,
                "threads_after_idle": threads_after_idle,
                "threads_per_session": round(max(threads_after - threads_before, 0) / started, 2)
                if started
                else 0.0,
                "idle_seconds": round(wall, 2),
                "idle_cpu_percent_of_one_core": round(cpu / wall * 100, 2),
                "polls_completed_during_idle": polls_during,
                # The cost of the window's re-polls, per poll: the same reading whatever the
                # number of sessions and the simulator's wait.
                "cpu_us_per_poll": round(cpu * 1e6 / polls_during, 1) if polls_during else 0.0,
                "sim_cpu_us_per_poll": round(sim_cpu * 1e6 / polls_during, 1)
                if polls_during
                else 0.0,
                "sim_poll_wait_ms": args.poll_wait_ms,
                "sim_live_sessions": stats_after.get("sessions"),
                "sim_requests_during_idle": stats_after.get("totalRequests", 0)
                - stats_before.get("totalRequests", 0),
                "sim_cpu_percent_of_one_core_during_idle": round(sim_cpu / wall * 100, 2),
                "stop_seconds": round(stop_s, 2),
                "stop_failures": stop_failures,
                "nofile_limit": list(nofile),
                "load_average_1m": {"before": load_before, "after": load_after},
                "goal": "10000 sessions: RSS <= 200 MB, idle CPU < 5% of one core",
            }
        }
        print(json.dumps(report))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
