//! Whole-system throughput of the event engine against the simulator on loopback.
//!
//! For each mode, a stream is started with maxEvents=200 and a no-op handler, N events are
//! queued on its session through the simulator, and the time until the handler has seen all
//! of them gives events per second. With acknowledgement, rounds alternate with the protocol
//! floor: a bare loop of polls and acknowledgements, the same procedure (`protocol_floor`,
//! and the engine's ratio to it). Prints one JSON object on stdout.
//!
//! Usage: `ccbridge-bench [--events N] [--rounds R] [--sim PATH]`
//!
//! With `--commands N [--command-rounds R]`, it measures instead the per-command overhead
//! of the generated layer against a bare HTTP POST (N calls per variant and round, R rounds;
//! see `commands.rs`).
//!
//! With `--latency N`, it measures instead the time from injecting one event to the handler
//! while the stream is idle with its poll outstanding (N samples, ack and no ack; see
//! `latency.rs`). With `--idle N --idle-kind pull|callback [--idle-seconds S]
//! [--idle-concurrency C] [--idle-poll-wait-ms W] [--idle-start-spread-ms T] [--idle-http2]
//! [--idle-workers N]`, the memory,
//! threads and idle CPU of N idle streams in this process (see `idle.rs`; needs `--sim`).
//!
//! With `--soak [--sessions N] [--events E] [--seconds S] [--inject-seconds I] [--seed X]`,
//! it runs instead the soak of the event engine under faults and expiries (see `soak.rs`;
//! defaults 100 sessions, 100,000 events, at most 180 s, injection over 40 s), prints
//! `{"soak": {...}}` and exits with status 1 unless nothing was lost, duplicated or
//! misrouted and every event was accounted for in time.
//!
//! With `--sim`, the simulator runs as its own process (the binary at PATH), as in the
//! Python benchmark, so the two figures compare like with like; without it, in-process.

mod commands;
mod idle;
mod latency;
mod probe;

use ccbridge::models::{AcknowledgeEvent, AcknowledgePayload, NewSessionV3};
use ccbridge::{Event, EventStream, RetryPolicy, StreamConfig, ViaClient};
use ccbridge_bench::{arg_str, soak};
use ccbridge_sim::{SimConfig, Simulator};
use serde_json::json;
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the simulator runs: in this process, or as a child process.
pub(crate) enum Sim {
    Embedded(Simulator),
    Process { child: Child, base_url: String },
}

impl Sim {
    fn start(path: Option<String>) -> Sim {
        let Some(path) = path else {
            return Sim::Embedded(
                Simulator::start_blocking(SimConfig {
                    poll_wait: Duration::from_millis(500),
                    rate_limit_per_second: 0,
                    ..SimConfig::default()
                })
                .expect("simulator"),
            );
        };
        probe::spawn_sim(&path, 500)
    }

    pub(crate) fn base_url(&self) -> String {
        match self {
            Sim::Embedded(s) => s.base_url(),
            Sim::Process { base_url, .. } => base_url.clone(),
        }
    }

    /// Queues `count` events on a session through the control API, over HTTP either way.
    fn inject(&self, session_id: &str, count: u64) {
        ccbridge::runtime::block_on(inject_into(&self.base_url(), session_id, count))
            .expect("not in a runtime");
    }
}

/// Queues `count` events on a session of the simulator at `base_url`.
async fn inject_into(base_url: &str, session_id: &str, count: u64) {
    let body = ccbridge_bench::screen_pops(session_id, count);
    let url = format!("{base_url}/sim/events");
    let resp = reqwest::Client::new().post(url).json(&body).send().await;
    resp.and_then(|r| r.error_for_status()).expect("inject");
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Sim::Process { child, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn arg(name: &str, default: u64) -> u64 {
    arg_str(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn client(sim: &Sim) -> ViaClient {
    client_with(sim, false)
}

fn client_with(sim: &Sim, http2: bool) -> ViaClient {
    ccbridge_bench::sim_client(&sim.base_url(), RetryPolicy::default(), http2)
}

/// Events per second delivered to a no-op handler through one stream.
fn engine_round(sim: &Sim, client: &ViaClient, events: u64, ack: bool) -> f64 {
    let seen = Arc::new(AtomicU64::new(0));
    let s = seen.clone();
    let config = StreamConfig {
        max_events: 200,
        require_acknowledgement: ack,
        // Room for the whole burst: without acknowledgement a full buffer drops events,
        // and this measures throughput, not back-pressure.
        buffer_capacity: usize::try_from(events).unwrap_or(usize::MAX).max(1),
        ..StreamConfig::default()
    };
    // The handler says when the last event is in: a waiting loop that looked every few
    // hundred microseconds took a core's turn from the stream on a machine of two.
    let (done, all_in) = std::sync::mpsc::channel::<()>();
    let stream = EventStream::start_with_handler_blocking(client, config, move |_: &Event| {
        if s.fetch_add(1, Ordering::Relaxed) + 1 == events {
            let _ = done.send(());
        }
    })
    .expect("stream");
    let started = Instant::now();
    sim.inject(&stream.session_id(), events);
    let waited = if events == 0 {
        Ok(())
    } else {
        all_in.recv_timeout(Duration::from_secs(120))
    };
    assert!(
        waited.is_ok() && seen.load(Ordering::Relaxed) >= events,
        "benchmark stalled"
    );
    let rate = events as f64 / started.elapsed().as_secs_f64();
    let stats = stream.stats();
    assert_eq!(stats.events_delivered, events, "every event exactly once");
    stream.stop().expect("stop");
    rate
}

/// Events per second of the protocol alone with acknowledgement on: one loop that polls
/// (maxEvents=200) and acknowledges each batch before the next poll, as the documents
/// require, with the client's public low-level calls and nothing else (no buffer, no
/// handler, no second thread), on a runtime worker as the engine's poller is. What any
/// client of the service can reach on this machine and simulator with one request at a
/// time (the engine pipelines each acknowledgement with the poll behind it over HTTP/1.1,
/// and so may pass it), timed as [`engine_round`] is: from the injection until the last
/// event is in hand. Its
/// acknowledgements go through the typed `acknowledge`, which reads the answer's ids, a
/// little more work than the engine's own.
fn protocol_floor_round(sim: &Sim, client: &ViaClient, events: u64) -> f64 {
    let streaming = client.streaming();
    let base_url = sim.base_url();
    let round = async move {
        let session = streaming
            .create_session(&NewSessionV3 {
                inactivity_delay: Some(120),
                require_acknowledgement: Some(true),
            })
            .await
            .expect("session")
            .session_id;
        let started = Instant::now();
        inject_into(&base_url, &session, events).await;
        let mut seen = std::collections::HashSet::new();
        let mut elapsed = None;
        while elapsed.is_none() {
            let batch = streaming.poll_events(&session, 200).await.expect("poll");
            for e in &batch {
                assert!(
                    seen.insert(e.event_id().to_owned()),
                    "redelivered: {}",
                    e.event_id()
                );
            }
            if seen.len() as u64 >= events {
                elapsed = Some(started.elapsed());
            }
            if batch.is_empty() {
                continue;
            }
            let ack = AcknowledgePayload {
                events: batch
                    .into_iter()
                    .map(|e| AcknowledgeEvent {
                        event_id: e.event_id().to_owned(),
                    })
                    .collect(),
            };
            streaming
                .acknowledge(&session, &ack)
                .await
                .expect("acknowledge");
        }
        let _ = streaming.delete_session(&session).await;
        events as f64 / elapsed.unwrap_or_default().as_secs_f64()
    };
    ccbridge::runtime::block_on(async { ccbridge::runtime::handle().spawn(round).await })
        .expect("not in a runtime")
        .expect("the round")
}

fn median_min_max(mut rates: Vec<f64>) -> (u64, u64, u64) {
    rates.sort_by(|a, b| a.total_cmp(b));
    let at = |i: usize| rates[i].round() as u64;
    (at(rates.len() / 2), at(0), at(rates.len() - 1))
}

/// Events per second delivered to a no-op handler, median of `rounds`. With
/// acknowledgement, rounds of the protocol floor alternate with the engine's.
fn run(sim: &Sim, client: &ViaClient, events: u64, rounds: u64, ack: bool) -> serde_json::Value {
    let mut rates = Vec::new();
    let mut floor = Vec::new();
    let mut per_round = Vec::new();
    for r in 0..rounds {
        if !ack {
            rates.push(engine_round(sim, client, events, false));
            continue;
        }
        let (engine, bare) = if r % 2 == 0 {
            let e = engine_round(sim, client, events, true);
            (e, protocol_floor_round(sim, client, events))
        } else {
            let b = protocol_floor_round(sim, client, events);
            (engine_round(sim, client, events, true), b)
        };
        rates.push(engine);
        floor.push(bare);
        per_round.push(engine / bare);
    }
    let (median, min, max) = median_min_max(rates);
    let mut out = json!({
        "events": events,
        "rounds": rounds,
        "acknowledgement": ack,
        "events_per_second_median": median,
        "events_per_second_min": min,
        "events_per_second_max": max,
    });
    if ack {
        let (f_median, f_min, f_max) = median_min_max(floor);
        per_round.sort_by(|a, b| a.total_cmp(b));
        out["protocol_floor"] = json!({
            "events_per_second_median": f_median,
            "events_per_second_min": f_min,
            "events_per_second_max": f_max,
        });
        out["to_protocol_floor_ratio"] =
            json!((median as f64 / f_median as f64 * 1000.0).round() / 1000.0);
        out["to_protocol_floor_ratio_per_round_median"] =
            json!((per_round[per_round.len() / 2] * 1000.0).round() / 1000.0);
    }
    out
}

fn main() {
    let events = arg("--events", 20_000);
    let rounds = arg("--rounds", 3).max(1);
    if let Some(samples) = arg_str("--latency").and_then(|v| v.parse().ok()) {
        let report = latency::report(arg_str("--sim"), samples);
        println!("{}", serde_json::to_string_pretty(&report).expect("json"));
        return;
    }
    if let Some(sessions) = arg_str("--idle").and_then(|v| v.parse().ok()) {
        let kind = arg_str("--idle-kind").unwrap_or_else(|| "pull".into());
        let options = idle::Options {
            sessions,
            kind: idle::Kind::parse(&kind).expect("--idle-kind pull|callback"),
            idle_secs: arg("--idle-seconds", 10),
            concurrency: usize::try_from(arg("--idle-concurrency", 200)).unwrap_or(200),
            poll_wait_ms: arg("--idle-poll-wait-ms", 15_000),
            start_spread_ms: arg("--idle-start-spread-ms", arg("--idle-poll-wait-ms", 15_000)),
            http2: std::env::args().any(|a| a == "--idle-http2"),
            workers: arg_str("--idle-workers").and_then(|v| v.parse().ok()),
        };
        let report = idle::report(arg_str("--sim"), &options);
        println!("{}", serde_json::to_string_pretty(&report).expect("json"));
        return;
    }
    if std::env::args().any(|a| a == "--soak") {
        run_soak(Sim::start(arg_str("--sim")));
    }
    let sim = Sim::start(arg_str("--sim"));
    let client = client(&sim);
    if let Some(calls) = arg_str("--commands").and_then(|v| v.parse().ok()) {
        let report = json!({ "rust_commands": commands::report(&sim, &client, calls, arg("--command-rounds", 50)) });
        println!("{}", serde_json::to_string_pretty(&report).expect("json"));
        return;
    }
    let report = json!({
        "benchmark": "stream_throughput",
        "description": "events/s from a session with queued events (maxEvents=200) to a no-op handler, loopback simulator",
        "rust_handler_ack": run(&sim, &client, events, rounds, true),
        "rust_handler_no_ack": run(&sim, &client, events, rounds, false),
    });
    println!("{}", serde_json::to_string_pretty(&report).expect("json"));
}

/// `--soak`: prints the soak's report and exits non-zero unless it passed.
fn run_soak(sim: Sim) -> ! {
    let mut config = soak::SoakConfig::bench();
    config.sessions = usize::try_from(arg("--sessions", config.sessions as u64))
        .unwrap_or(config.sessions)
        .max(1);
    config.events = arg("--events", config.events);
    config.time_limit = Duration::from_secs(arg("--seconds", config.time_limit.as_secs()));
    // A shorter run injects over the first third of its time, leaving the rest to deliver.
    let inject_default = config.inject_over.min(config.time_limit / 3);
    config.inject_over = Duration::from_secs(arg("--inject-seconds", inject_default.as_secs()));
    config.seed = arg("--seed", config.seed);
    let report = soak::run(&sim.base_url(), &config);
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({ "soak": report.to_json() })).expect("json")
    );
    // `exit` runs no destructor: the simulator process is stopped first.
    drop(sim);
    std::process::exit(if report.passed() { 0 } else { 1 });
}
