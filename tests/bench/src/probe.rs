//! What the latency and idle-session modes need besides the engine: the simulator started
//! with their own options, its control API over one kept-alive connection, and figures of
//! this process (RSS, threads, CPU time) and of the simulator's.

use crate::Sim;
use serde_json::Value;
use std::time::Duration;

/// Starts the simulator binary at `path` with the given long-poll wait and no rate limit.
/// It inherits this process's limits: raise them first (see [`raise_nofile_limit`]).
pub(crate) fn spawn_sim(path: &str, poll_wait_ms: u64) -> Sim {
    let (child, base_url) = ccbridge_bench::spawn_simulator(path, poll_wait_ms);
    Sim::Process { child, base_url }
}

/// The simulator's process id, when it runs as a child.
pub(crate) fn sim_pid(sim: &Sim) -> Option<u32> {
    match sim {
        Sim::Process { child, .. } => Some(child.id()),
        Sim::Embedded(_) => None,
    }
}

/// The simulator's control API (`/sim/...`) over one kept-alive connection, driven by a
/// current-thread runtime of its own: no thread of the library's runtime is used, and no
/// thread is added to this process.
pub(crate) struct Control {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
}

impl Control {
    pub(crate) fn new(base_url: String) -> Control {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("control runtime");
        let http = {
            let _guard = rt.enter();
            reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("reqwest")
        };
        Control {
            rt,
            http,
            base: base_url,
        }
    }

    /// Queues `count` events on a session (`POST /sim/events`).
    pub(crate) fn inject(&self, session_id: &str, count: u64) {
        let body = ccbridge_bench::screen_pops(session_id, count);
        let req = self
            .http
            .post(format!("{}/sim/events", self.base))
            .json(&body);
        self.rt
            .block_on(async move {
                let resp = req.send().await?.error_for_status()?;
                resp.bytes().await.map(|_| ())
            })
            .expect("inject");
    }

    fn get(&self, path: &str) -> Value {
        let req = self.http.get(format!("{}{path}", self.base));
        self.rt
            .block_on(async move { req.send().await?.error_for_status()?.json().await })
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// `GET /events` of the session waiting at the simulator now (`activePolls`).
    pub(crate) fn active_polls(&self, session_id: &str) -> u64 {
        self.get(&format!("/sim/sessions/{session_id}"))["activePolls"]
            .as_u64()
            .unwrap_or(0)
    }

    /// `GET /sim/stats`.
    pub(crate) fn stats(&self) -> Value {
        self.get("/sim/stats")
    }
}

/// Sets the soft limit of open files to the hard limit; returns (soft, hard) after.
pub(crate) fn raise_nofile_limit() -> (libc::rlim_t, libc::rlim_t) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    (lim.rlim_cur, lim.rlim_max)
}

/// A `kB` or count field of `/proc/<pid>/status` (`VmRSS`, `Threads`).
pub(crate) fn status_field(pid: &str, name: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| {
            let rest = l.strip_prefix(name)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

/// User + system CPU time of this process, seconds (getrusage: microsecond resolution).
pub(crate) fn own_cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct passed.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// User + system CPU time of another process, seconds (`/proc/<pid>/stat`, clock ticks).
pub(crate) fn proc_cpu_seconds(pid: u32) -> f64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let after = text.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15, that is 11 and 12 after the name.
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    (ticks(11) + ticks(12)) / hz
}

/// The 1-minute load average of the machine (`/proc/loadavg`), for reading the figures: the
/// cores are shared.
pub(crate) fn load_average_1m() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Nearest-rank percentile of sorted values.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A small xorshift generator for the random pauses (no need for a crate).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn seeded() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Rng(nanos | 1)
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + self.0 % (hi - lo + 1)
    }
}
