//! Shared set-up of the core's integration tests: a simulator on loopback and a client.

#![allow(dead_code)]

use ccbridge::models::{ConnectParams, InitialState};
use ccbridge::{Event, EventStream, RetryPolicy, ViaClient};
use ccbridge_sim::{SimConfig, Simulator};
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(10);

pub fn sim_config() -> SimConfig {
    SimConfig {
        poll_wait: Duration::from_millis(200),
        ..SimConfig::default()
    }
}

pub fn start_sim() -> Simulator {
    Simulator::start_blocking(sim_config()).expect("simulator starts")
}

pub fn client_for(sim: &Simulator) -> ViaClient {
    client_with(sim, |b| b)
}

pub fn client_with(
    sim: &Simulator,
    f: impl FnOnce(ccbridge::ViaConfigBuilder) -> ccbridge::ViaConfigBuilder,
) -> ViaClient {
    let c = sim.config();
    let builder = ViaClient::builder()
        .org_id(&c.org_id)
        .client_id(&c.client_id)
        .client_secret(c.client_secret.as_str())
        .api_key(c.api_key.as_str())
        .base_url(sim.base_url())
        .retry(RetryPolicy {
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            ..RetryPolicy::default()
        });
    ViaClient::new(f(builder).build().expect("valid config")).expect("client")
}

pub fn block<F: std::future::Future>(f: F) -> F::Output {
    ccbridge::runtime::block_on(f).expect("not inside a runtime")
}

/// Pulls events until one of `event_type` arrives; returns everything pulled.
pub fn pull_until(stream: &EventStream, event_type: &str) -> Vec<Event> {
    let mut seen = Vec::new();
    loop {
        let e = stream
            .next_event(WAIT)
            .expect("stream open")
            .unwrap_or_else(|| panic!("no {event_type} within {WAIT:?}; got {:?}", types(&seen)));
        let done = e.event_type() == event_type;
        seen.push(e);
        if done {
            return seen;
        }
    }
}

pub fn types(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.event_type().to_owned()).collect()
}

/// Logs `user` in on the stream's session and returns the ehubSessionId of ConnectConfirm.
pub fn login(client: &ViaClient, stream: &EventStream, user: &str) -> String {
    block(client.engagement_center().connect(
        &stream.session_id(),
        user,
        &ConnectParams {
            initial_state: Some(InitialState::Idle),
            station: Some("9785551212".into()),
            ..Default::default()
        },
    ))
    .expect("connect accepted");
    let events = pull_until(stream, "engagementCenter.Idle");
    assert_eq!(
        types(&events),
        [
            "engagementCenter.Connecting",
            "engagementCenter.ConnectConfirm",
            "engagementCenter.Connected",
            "engagementCenter.Idle"
        ]
    );
    events[1].payload()["payload"]["ehubSessionId"]
        .as_str()
        .expect("ConnectConfirm carries the ehubSessionId")
        .to_string()
}
