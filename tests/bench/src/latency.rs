//! Latency from injection to handler while the stream is idle with its poll outstanding.
//!
//! One stream (maxEvents=200, no-op handler that only notes the time) on a simulator whose
//! long poll waits the documented 15 s. Before each sample: a random pause of 2..=10 ms,
//! then the simulator is asked until it reports the session's `GET /events` waiting
//! (`activePolls` of `GET /sim/sessions/{id}`), so every sample starts from an idle stream
//! with its poll outstanding. The sample is the time from just before the control request
//! that queues one event (`POST /sim/events`, kept-alive connection) to the handler's
//! first instruction. The first `WARMUP` samples are left out.

use crate::probe::{self, Control, Rng};
use crate::Sim;
use ccbridge::{Event, EventStream, StreamConfig, ViaClient};
use ccbridge_sim::{SimConfig, Simulator};
use serde_json::{json, Value};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The documented long-poll wait: an injection lands in the middle of a waiting poll.
const POLL_WAIT_MS: u64 = 15_000;
const WARMUP: u64 = 20;
const PAUSE_MS: (u64, u64) = (2, 10);

#[derive(Default)]
struct Slot {
    seen_at: Mutex<Option<Instant>>,
    cond: Condvar,
}

pub(crate) fn report(sim_path: Option<String>, samples: u64) -> Value {
    let sim = match sim_path {
        Some(path) => probe::spawn_sim(&path, POLL_WAIT_MS),
        None => Sim::Embedded(
            Simulator::start_blocking(SimConfig {
                poll_wait: Duration::from_millis(POLL_WAIT_MS),
                rate_limit_per_second: 0,
                ..SimConfig::default()
            })
            .expect("simulator"),
        ),
    };
    let client = crate::client(&sim);
    let control = Control::new(sim.base_url());
    let mut report = json!({});
    for (key, ack) in [("rust_latency_ack", true), ("rust_latency_no_ack", false)] {
        let load_before = probe::load_average_1m();
        let mut figures = measure(&client, &control, samples, ack);
        figures["load_average_1m"] =
            json!({"before": load_before, "after": probe::load_average_1m()});
        report[key] = figures;
    }
    report
}

fn measure(client: &ViaClient, control: &Control, samples: u64, ack: bool) -> Value {
    let slot = Arc::new(Slot::default());
    let s = slot.clone();
    let config = StreamConfig {
        max_events: 200,
        require_acknowledgement: ack,
        ..StreamConfig::default()
    };
    let stream = EventStream::start_with_handler_blocking(client, config, move |_: &Event| {
        let now = Instant::now();
        *s.seen_at.lock().expect("slot") = Some(now);
        s.cond.notify_one();
    })
    .expect("stream");
    let mut rng = Rng::seeded();
    let mut latencies = Vec::with_capacity(samples as usize);
    let mut inject_calls = Vec::with_capacity(samples as usize);
    let mut waited_for_poll = 0u64;
    for i in 0..WARMUP + samples {
        std::thread::sleep(Duration::from_millis(rng.between(PAUSE_MS.0, PAUSE_MS.1)));
        let sid = stream.session_id();
        let since = Instant::now();
        if control.active_polls(&sid) == 0 {
            waited_for_poll += 1;
            while control.active_polls(&sid) == 0 {
                assert!(
                    since.elapsed() < Duration::from_secs(10),
                    "no poll outstanding"
                );
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        *slot.seen_at.lock().expect("slot") = None;
        let t0 = Instant::now();
        control.inject(&sid, 1);
        let injected = t0.elapsed();
        let mut seen = slot.seen_at.lock().expect("slot");
        while seen.is_none() {
            let left = Duration::from_secs(10).saturating_sub(t0.elapsed());
            assert!(!left.is_zero(), "the event never reached the handler");
            seen = slot.cond.wait_timeout(seen, left).expect("slot").0;
        }
        let at = seen.take().expect("seen");
        drop(seen);
        if i >= WARMUP {
            latencies.push(at.duration_since(t0).as_secs_f64() * 1e3);
            inject_calls.push(injected.as_secs_f64() * 1e3);
        }
    }
    let delivered = stream.stats().events_delivered;
    stream.stop().expect("stop");
    assert_eq!(delivered, WARMUP + samples, "every event exactly once");
    summary(latencies, inject_calls, ack, waited_for_poll)
}

/// The figures of one series (milliseconds, rounded to µs).
fn summary(
    mut latencies: Vec<f64>,
    mut inject_calls: Vec<f64>,
    ack: bool,
    waited_for_poll: u64,
) -> Value {
    latencies.sort_by(|a, b| a.total_cmp(b));
    inject_calls.sort_by(|a, b| a.total_cmp(b));
    let r = |v: f64| (v * 1000.0).round() / 1000.0;
    let p99 = probe::percentile(&latencies, 0.99);
    json!({
        "samples": latencies.len(),
        "acknowledgement": ack,
        "pause_ms": [PAUSE_MS.0, PAUSE_MS.1],
        "sim_poll_wait_ms": POLL_WAIT_MS,
        "p50_ms": r(probe::percentile(&latencies, 0.50)),
        "p99_ms": r(p99),
        "max_ms": r(latencies.last().copied().unwrap_or(f64::NAN)),
        "min_ms": r(latencies.first().copied().unwrap_or(f64::NAN)),
        "inject_request_p50_ms": r(probe::percentile(&inject_calls, 0.50)),
        "samples_that_waited_for_the_poll": waited_for_poll,
        "goal_p99_ms": 5,
        "p99_within_goal": p99 < 5.0,
    })
}
