//! The small soak of `make test`: 10 streams, 3,000 events, the fault mix
//! (10 % 5xx, 5 % 429, 5 % dropped on the streaming requests) and forced session and token
//! expiries, bounded at about 20 s. `make bench` runs the large one (`ccbridge-bench --soak`).

use ccbridge_bench::soak::{self, FaultMix, SoakConfig};
use ccbridge_sim::{SimConfig, Simulator};
use std::time::Duration;

#[test]
fn no_event_is_lost_or_duplicated_under_faults_and_expiries() {
    // No rate limit: the soak's faults (429 included) are the point, not the simulator's
    // 100 requests/s, which ten streams under a fault mix would hit.
    let sim = Simulator::start_blocking(SimConfig {
        poll_wait: Duration::from_millis(200),
        rate_limit_per_second: 0,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let config = SoakConfig::quick();
    let report = soak::run(&sim.base_url(), &config);
    let json = serde_json::to_string_pretty(&report.to_json()).expect("json");
    println!("{json}");

    // The faults must have happened, or the figures below prove nothing.
    assert!(report.faults_injected > 0, "no fault was injected:\n{json}");
    assert!(report.retries_seen > 0, "no poll was retried:\n{json}");
    assert!(
        report.sessions_expired > 0,
        "no session was expired:\n{json}"
    );
    assert!(
        report.sessions_recreated > 0,
        "no session was recreated:\n{json}"
    );
    assert!(report.tokens_expired > 0, "no token was expired:\n{json}");
    assert_eq!(report.events_injected, config.events, "{json}");

    assert_eq!(report.lost, 0, "events lost:\n{json}");
    assert_eq!(report.duplicated, 0, "events handed over twice:\n{json}");
    assert_eq!(
        report.misrouted, 0,
        "events handed to another stream:\n{json}"
    );
    assert_eq!(report.unknown, 0, "events never injected:\n{json}");
    assert!(
        report.completed,
        "not every event was accounted for in time:\n{json}"
    );
}

/// The soak's own check: with settings under which the engine is allowed to lose or repeat
/// events, it must see them, or its zeros above would mean nothing.
#[test]
fn the_soak_sees_losses_and_duplicates_where_they_can_happen() {
    let sim = Simulator::start_blocking(SimConfig {
        poll_wait: Duration::from_millis(200),
        rate_limit_per_second: 0,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let small = || SoakConfig {
        sessions: 3,
        events: 300,
        time_limit: Duration::from_secs(2),
        inject_over: Duration::from_millis(500),
        batch: 10,
        // No expiries: only what each case sets up may go wrong.
        session_expiry_every: Duration::from_secs(3600),
        token_expiry_every: Duration::from_secs(3600),
        settle: Duration::from_millis(200),
        ..SoakConfig::quick()
    };

    // Without acknowledgement, the events of a poll whose answer is dropped after the
    // simulator handed them out are gone for good.
    let mut config = small();
    config.stream.require_acknowledgement = false;
    config.stream.shutdown_deadline = Duration::from_millis(500);
    config.faults = FaultMix {
        server_error: 0.0,
        rate_limited: 0.0,
        retry_after_secs: 1,
        dropped: 0.4,
    };
    let report = soak::run(&sim.base_url(), &config);
    let json = serde_json::to_string_pretty(&report.to_json()).expect("json");
    assert!(report.lost > 0, "{json}");
    assert!(!report.lost_examples.is_empty(), "{json}");
    assert!(!report.passed(), "{json}");

    // A duplicate window of one id forgets the events still in a slow handler's hands, so
    // their redelivery reaches the handler again: each poll brings 50 events that take the
    // handler 500 ms, and the engine polls again (the service handing back what is not yet
    // acknowledged) after its 50 ms grace.
    let mut config = small();
    config.stream.dedupe_window = 1;
    config.stream.shutdown_deadline = Duration::from_millis(500);
    config.batch = 50;
    config.handler_pause = Duration::from_millis(10);
    config.faults = FaultMix {
        server_error: 0.0,
        rate_limited: 0.0,
        retry_after_secs: 1,
        dropped: 0.0,
    };
    let report = soak::run(&sim.base_url(), &config);
    let json = serde_json::to_string_pretty(&report.to_json()).expect("json");
    assert!(report.duplicated > 0, "{json}");
    assert!(!report.passed(), "{json}");
}
