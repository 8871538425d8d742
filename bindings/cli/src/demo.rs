//! `ccbridge demo`: the whole agent flow on the embedded simulator, printed as it happens.

use crate::format::event_line;
use ccbridge::models::{
    ConnectParams, DisconnectParams, InitialState, KeepAliveParams, NotReadyParams, NotReadyType,
    ReadyParams,
};
use ccbridge::{Event, EventHandler, EventStream, StreamConfig, StreamStatus, ViaClient};
use ccbridge_sim::{SimConfig, Simulator};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// Prints each event and forwards it, so the demo can wait for the step's outcome.
struct Printer(Sender<Event>);

impl EventHandler for Printer {
    fn on_event(&mut self, event: &Event) {
        println!("  {}", event_line(event));
        let _ = self.0.send(event.clone());
    }

    fn on_status(&mut self, status: &StreamStatus) {
        println!("  -- stream {}", status.describe());
    }
}

fn wait_for(rx: &Receiver<Event>, event_type: &str) -> Result<Event, String> {
    loop {
        let e = rx
            .recv_timeout(WAIT)
            .map_err(|_| format!("no {event_type} within {WAIT:?}"))?;
        if e.event_type == event_type {
            return Ok(e);
        }
    }
}

fn step(title: &str) {
    println!("\n> {title}");
}

fn block<T>(f: impl std::future::Future<Output = ccbridge::Result<T>>) -> Result<T, String> {
    ccbridge::runtime::block_on(f)
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Runs the demo for `user`.
pub fn run(user: &str) -> Result<(), String> {
    let sim = Simulator::start_blocking(SimConfig {
        poll_wait: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let sc = sim.config();
    println!(
        "ccbridge demo: simulator at {} (org {})",
        sim.base_url(),
        sc.org_id
    );

    let client = ViaClient::new(
        ViaClient::builder()
            .org_id(&sc.org_id)
            .client_id(&sc.client_id)
            .client_secret(sc.client_secret.as_str())
            .api_key(sc.api_key.as_str())
            .base_url(sim.base_url())
            .build()
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;

    let (tx, rx) = mpsc::channel();
    step("open a streaming session (acknowledged, deduplicated)");
    let stream =
        EventStream::start_with_handler_blocking(&client, StreamConfig::default(), Printer(tx))
            .map_err(|e| e.to_string())?;
    let sid = stream.session_id();
    let ec = client.engagement_center();

    step(&format!("log agent {user} in, not ready"));
    block(ec.connect(
        &sid,
        user,
        &ConnectParams {
            initial_state: Some(InitialState::NotReady),
            station: Some("9785551212".into()),
            ..Default::default()
        },
    ))?;
    let confirm = wait_for(&rx, "engagementCenter.ConnectConfirm")?;
    let ehub = confirm.payload["payload"]["ehubSessionId"]
        .as_str()
        .ok_or("ConnectConfirm without ehubSessionId")?
        .to_string();
    wait_for(&rx, "engagementCenter.NotReady")?;

    step("set the agent ready");
    block(ec.ready(
        &sid,
        user,
        &ReadyParams {
            ehub_session_id: ehub.clone(),
        },
    ))?;
    wait_for(&rx, "engagementCenter.Idle")?;

    step("an inbound call arrives (simulator control API)");
    sim.state().screen_pop(user, None);
    wait_for(&rx, "engagementCenter.ScreenPop")?;

    step("keep the login alive");
    block(ec.keep_alive(
        &sid,
        user,
        &KeepAliveParams {
            ehub_session_id: ehub.clone(),
            session_timeout: Some(600.0),
            request_timestamp: None,
        },
    ))?;
    wait_for(&rx, "engagementCenter.ClientSessionKeepAlive")?;

    step("take a break (park), then log out");
    block(ec.not_ready(
        &sid,
        user,
        &NotReadyParams {
            ehub_session_id: ehub.clone(),
            reason_id: "12".into(),
            not_ready_type: NotReadyType::Park,
        },
    ))?;
    wait_for(&rx, "engagementCenter.Park")?;
    block(ec.disconnect(
        &sid,
        user,
        &DisconnectParams {
            ehub_session_id: ehub,
            reason_id: "0".into(),
        },
    ))?;
    wait_for(&rx, "engagementCenter.Disconnected")?;

    step("stop the stream: drain, acknowledge, delete the session");
    stream.stop().map_err(|e| e.to_string())?;
    let stats = stream.stats();
    let sim_stats = sim.state().stats();
    println!(
        "\ndone: {} events delivered, {} acknowledged, {} duplicates hidden, {} polls, {} live sessions left",
        stats.events_delivered,
        sim_stats.acknowledged,
        stats.duplicates_suppressed,
        stats.polls,
        sim_stats.sessions
    );
    sim.shutdown();
    Ok(())
}
