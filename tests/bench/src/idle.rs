//! Many idle sessions in one process: what each costs in memory, threads and idle CPU.
//!
//! N streams of one kind (pulled, nobody pulling; or with a no-op handler) are started in
//! parallel (at most `concurrency` starts in flight) against a simulator whose long poll
//! waits the documented 15 s, so once started every stream sits with its `GET /events`
//! waiting, and re-polls every 15 s as against the service. The starts are spread evenly
//! over `start_spread` (default: the poll wait), so that the re-polls are too, as with
//! sessions started at different times: any window then sees the steady rate of re-polls
//! (N per poll wait), not all of them at once or none. Figures:
//!
//! - RSS (`VmRSS` of /proc/self/status) before the sessions (after one stream of the kind
//!   was started and stopped, so the runtime, the token and the code paths are warm) and
//!   after all started, the difference per session;
//! - OS threads of the process (`Threads`) before and after;
//! - CPU time of the process (getrusage, user + system) over `idle_secs` while all are idle,
//!   as a percentage of one core; the simulator's too, for reading the machine's load;
//! - the same CPU time per re-poll completed in that window, ours and the simulator's: the
//!   idle CPU's unit cost, which reads the same whatever the number of sessions;
//! - if a start fails (thread or file limits), no further starts: how many started and the
//!   first error are reported and the rest is measured on those.
//!
//! The soft limit of open files is raised to the hard limit first; the simulator, started
//! afterwards, inherits it.

use crate::probe::{self, Control};
use ccbridge::{Event, EventStream, StreamConfig, ViaClient};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Pull,
    Callback,
}

impl Kind {
    pub(crate) fn parse(s: &str) -> Option<Kind> {
        match s {
            "pull" => Some(Kind::Pull),
            "callback" => Some(Kind::Callback),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Pull => "pull",
            Kind::Callback => "callback",
        }
    }
}

/// Settings of one idle-session measurement.
pub(crate) struct Options {
    pub(crate) sessions: u64,
    pub(crate) kind: Kind,
    pub(crate) idle_secs: u64,
    pub(crate) concurrency: usize,
    pub(crate) poll_wait_ms: u64,
    pub(crate) start_spread_ms: u64,
    /// Every stream's requests over one HTTP/2 connection instead of one HTTP/1.1
    /// connection per poll in flight.
    pub(crate) http2: bool,
    /// Worker threads of the library's runtime (`configure_worker_threads`); `None`: its
    /// default.
    pub(crate) workers: Option<usize>,
}

/// Time given to the last started streams to have their first poll waiting.
const SETTLE: Duration = Duration::from_secs(2);

fn config() -> StreamConfig {
    StreamConfig {
        max_events: 200,
        ..StreamConfig::default()
    }
}

async fn start_one(client: &ViaClient, kind: Kind) -> ccbridge::Result<EventStream> {
    match kind {
        Kind::Pull => EventStream::start(client, config()).await,
        Kind::Callback => EventStream::start_with_handler(client, config(), |_: &Event| {}).await,
    }
}

/// Starts up to `n` streams, the i-th not before `spread * i / n`, at most `concurrency` at
/// a time; stops starting at the first error. Returns the streams, how many starts failed
/// and the first error.
fn start_all(
    client: &ViaClient,
    kind: Kind,
    n: u64,
    concurrency: usize,
    spread: Duration,
) -> (Vec<EventStream>, u64, Option<String>) {
    ccbridge::runtime::block_on(async {
        let begin = tokio::time::Instant::now();
        let sem = Arc::new(Semaphore::new(concurrency.max(1)));
        let first_error: Mutex<Option<String>> = Mutex::default();
        let mut streams = Vec::with_capacity(n as usize);
        let mut failures = 0u64;
        let mut set = JoinSet::new();
        let mut collect = |res: Result<ccbridge::Result<EventStream>, tokio::task::JoinError>,
                           streams: &mut Vec<EventStream>| {
            let error = match res {
                Ok(Ok(s)) => {
                    streams.push(s);
                    return;
                }
                Ok(Err(e)) => e.to_string(),
                Err(e) => format!("start task: {e}"),
            };
            failures += 1;
            first_error.lock().expect("error").get_or_insert(error);
        };
        for i in 0..n {
            let offset = spread.mul_f64(i as f64 / n as f64);
            tokio::time::sleep_until(begin + offset).await;
            let permit = sem.clone().acquire_owned().await.expect("semaphore");
            while let Some(res) = set.try_join_next() {
                collect(res, &mut streams);
            }
            if first_error.lock().expect("error").is_some() {
                break;
            }
            let client = client.clone();
            set.spawn(async move {
                let r = start_one(&client, kind).await;
                drop(permit);
                r
            });
        }
        while let Some(res) = set.join_next().await {
            collect(res, &mut streams);
        }
        let error = first_error.lock().expect("error").take();
        (streams, failures, error)
    })
    .expect("not in a runtime")
}

/// Stops every stream, `concurrency` at a time, within two minutes. Returns the number of
/// stops that failed or did not finish.
fn stop_all(streams: Vec<EventStream>, concurrency: usize) -> u64 {
    let total = streams.len() as u64;
    ccbridge::runtime::block_on(async move {
        let sem = Arc::new(Semaphore::new(concurrency.max(1)));
        let mut set = JoinSet::new();
        let all = async {
            let mut ok = 0u64;
            for s in streams {
                let permit = sem.clone().acquire_owned().await.expect("semaphore");
                set.spawn(async move {
                    let r = s.stop_async().await;
                    drop(permit);
                    r
                });
                while let Some(r) = set.try_join_next() {
                    ok += u64::from(matches!(r, Ok(Ok(()))));
                }
            }
            while let Some(r) = set.join_next().await {
                ok += u64::from(matches!(r, Ok(Ok(()))));
            }
            ok
        };
        match tokio::time::timeout(Duration::from_secs(120), all).await {
            Ok(ok) => total - ok,
            Err(_) => total,
        }
    })
    .expect("not in a runtime")
}

fn polls(streams: &[EventStream]) -> u64 {
    streams.iter().map(|s| s.stats().polls).sum()
}

pub(crate) fn report(sim_path: Option<String>, o: &Options) -> Value {
    if let Some(workers) = o.workers {
        // Before anything runs on the runtime: the setting counts only then.
        let applied = ccbridge::runtime::configure_worker_threads(workers)
            .expect("--idle-workers: a count from 1 to 256");
        assert!(
            applied,
            "the runtime started before --idle-workers could apply"
        );
    }
    let (nofile_soft, nofile_hard) = probe::raise_nofile_limit();
    let path = sim_path.expect("--idle needs --sim PATH: the simulator must be another process");
    let sim = probe::spawn_sim(&path, o.poll_wait_ms);
    let sim_pid = probe::sim_pid(&sim).expect("simulator process");
    let client = crate::client_with(&sim, o.http2);
    let control = Control::new(sim.base_url());

    // Warm: the runtime, the token, the connection pool, the code of one stream's life.
    let warm = ccbridge::runtime::block_on(start_one(&client, o.kind))
        .expect("not in a runtime")
        .expect("first stream");
    warm.stop().expect("stop");
    std::thread::sleep(Duration::from_millis(500));
    let rss_before = probe::status_field("self", "VmRSS");
    let threads_before = probe::status_field("self", "Threads");
    let load_before = probe::load_average_1m();

    let started_at = Instant::now();
    let spread = Duration::from_millis(o.start_spread_ms);
    let (streams, failures, error) = start_all(&client, o.kind, o.sessions, o.concurrency, spread);
    let start_secs = started_at.elapsed().as_secs_f64();
    std::thread::sleep(SETTLE);
    let rss_after = probe::status_field("self", "VmRSS");
    let threads_after = probe::status_field("self", "Threads");
    let started = streams.len() as u64;

    let sim_before = control.stats();
    let polls_before = polls(&streams);
    let sim_cpu_before = probe::proc_cpu_seconds(sim_pid);
    let cpu_before = probe::own_cpu_seconds();
    let window = Instant::now();
    std::thread::sleep(Duration::from_secs(o.idle_secs));
    let cpu = probe::own_cpu_seconds() - cpu_before;
    let sim_cpu = probe::proc_cpu_seconds(sim_pid) - sim_cpu_before;
    let wall = window.elapsed().as_secs_f64();
    let polls_during = polls(&streams) - polls_before;
    let sim_after = control.stats();
    let rss_after_idle = probe::status_field("self", "VmRSS");
    let threads_after_idle = probe::status_field("self", "Threads");
    let load_after = probe::load_average_1m();

    let stopping = Instant::now();
    let stop_failures = stop_all(streams, o.concurrency);
    let stop_secs = stopping.elapsed().as_secs_f64();

    let r1 = |v: f64| (v * 10.0).round() / 10.0;
    let r2 = |v: f64| (v * 100.0).round() / 100.0;
    let delta = rss_after.saturating_sub(rss_before);
    let per = |v: u64| {
        if started > 0 {
            r1(v as f64 / started as f64)
        } else {
            0.0
        }
    };
    let requests = |s: &Value| s["totalRequests"].as_u64().unwrap_or(0);
    // The idle CPU is the cost of the re-polls in the window: per poll, it reads the same
    // whatever the number of sessions and the simulator's wait.
    let per_poll = |seconds: f64| {
        if polls_during > 0 {
            r1(seconds * 1e6 / polls_during as f64)
        } else {
            0.0
        }
    };
    json!({
        format!(
            "rust_idle_sessions_{}{}{}",
            o.kind.name(),
            if o.http2 { "_http2" } else { "" },
            o.workers.map(|w| format!("_workers{w}")).unwrap_or_default()
        ): {
            "kind": o.kind.name(),
            "http2": o.http2,
            "runtime_workers": o.workers.unwrap_or(2),
            "sessions_requested": o.sessions,
            "sessions_started": started,
            "start_failures": failures,
            "start_error": error,
            "start_seconds": r2(start_secs),
            "start_concurrency": o.concurrency,
            "start_spread_seconds": r2(spread.as_secs_f64()),
            "rss_before_kb": rss_before,
            "rss_after_kb": rss_after,
            "rss_delta_kb": delta,
            "rss_after_mb": r1(rss_after as f64 / 1024.0),
            "per_session_kb": per(delta),
            "rss_after_idle_kb": rss_after_idle,
            "threads_before": threads_before,
            "threads_after": threads_after,
            "threads_after_idle": threads_after_idle,
            "threads_per_session": if started > 0 {
                r2(threads_after.saturating_sub(threads_before) as f64 / started as f64)
            } else { 0.0 },
            "idle_seconds": r2(wall),
            "idle_cpu_percent_of_one_core": r2(cpu / wall * 100.0),
            "polls_completed_during_idle": polls_during,
            "cpu_us_per_poll": per_poll(cpu),
            "sim_cpu_us_per_poll": per_poll(sim_cpu),
            "sim_poll_wait_ms": o.poll_wait_ms,
            "sim_live_sessions": sim_after["sessions"],
            "sim_requests_during_idle": requests(&sim_after).saturating_sub(requests(&sim_before)),
            "sim_cpu_percent_of_one_core_during_idle": r2(sim_cpu / wall * 100.0),
            "stop_seconds": r2(stop_secs),
            "stop_failures": stop_failures,
            "nofile_limit": [nofile_soft, nofile_hard],
            "load_average_1m": {"before": load_before, "after": load_after},
            "goal": "10000 sessions: RSS <= 200 MB, idle CPU < 5% of one core",
        }
    })
}
