//! `ccbridge demo`: an agent's working minute on the embedded simulator, through an
//! [`AgentSession`], every change printed as it happens.

use crate::format::event_line;
use ccbridge::models::{
    DisposeParams, InitialState, KeepAliveParams, NotReadyParams, NotReadyType,
};
use ccbridge::{AgentChange, AgentListener, AgentOptions, AgentSession, CommandOutcome, ViaClient};
use ccbridge_sim::{Offer, SimConfig, Simulator};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Prints each change: the agent's state before and after, and the event behind it.
struct Printer;

impl AgentListener for Printer {
    fn on_change(&self, c: &AgentChange) {
        let states = if c.old_state == c.new_state {
            c.new_state.as_str().to_string()
        } else {
            format!("{} -> {}", c.old_state.as_str(), c.new_state.as_str())
        };
        match &c.event {
            Some(e) => println!("  {states:26} {}", event_line(e)),
            None => println!(
                "  {states:26} {:?}: {}",
                c.kind,
                c.message.as_deref().unwrap_or("")
            ),
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

fn done(o: CommandOutcome) {
    let by = o
        .event
        .map_or_else(|| "accepted".to_string(), |e| e.event_type().to_owned());
    println!("  = {} confirmed by {by}", o.command);
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

    step(&format!(
        "log agent {user} in, not ready (a streaming session, acknowledged and deduplicated, \
         carries its events)"
    ));
    let agent = AgentSession::login_blocking(
        &client,
        user,
        AgentOptions {
            initial_state: Some(InitialState::NotReady),
            station: Some("9785551212".into()),
            ..AgentOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    // The login's own changes are queued; print them, then switch to the listener.
    while let Ok(Some(c)) = agent.next_change(Duration::ZERO) {
        Printer.on_change(&c);
    }
    agent.set_listener(Some(Arc::new(Printer)));
    println!(
        "  = logged in, ehubSessionId {}",
        agent.ehub_session_id().unwrap_or_default()
    );

    step("set the agent ready");
    done(block(agent.ready())?);

    step("an inbound call arrives (simulator control API): screen pop with the caller");
    let call = sim
        .state()
        .offer(user, Offer::default())
        .map_err(|e| e.to_string())?
        .to_string();
    wait_until(|| !agent.snapshot().interactions.is_empty())?;

    step("accept, hold, retrieve, hang up, wrap up");
    done(block(agent.accept(&call))?);
    done(block(agent.hold(&call))?);
    done(block(agent.retrieve(&call))?);
    done(block(agent.terminate(&call))?);
    done(block(agent.dispose(
        &call,
        &DisposeParams {
            disposition_id: "1".into(),
            ..DisposeParams::default()
        },
    ))?);

    step("keep the login alive");
    done(block(agent.keep_alive(&KeepAliveParams {
        session_timeout: Some(600.0),
        ..KeepAliveParams::default()
    }))?);

    step("a command the state does not allow is a typed error, not a silent 202");
    match block(agent.hold(&call)) {
        Err(e) => println!("  = {e}"),
        Ok(_) => return Err("holding a disposed call worked".into()),
    }

    step("take a break (park), then log out");
    done(block(agent.not_ready(&NotReadyParams {
        reason_id: "12".into(),
        not_ready_type: NotReadyType::Park,
        ..NotReadyParams::default()
    }))?);
    done(block(agent.logout("0", Duration::from_secs(10)))?);

    step("close the session: drain, acknowledge, delete the streaming session");
    let snapshot = agent.snapshot();
    agent.set_listener(None);
    agent.close_blocking().map_err(|e| e.to_string())?;
    wait_until(|| sim.state().stats().sessions == 0)?;
    let stats = sim.state().stats();
    println!(
        "\ndone: agent {}, {} events acknowledged, {} live sessions left",
        snapshot.state.as_str(),
        stats.acknowledged,
        stats.sessions
    );
    sim.shutdown();
    Ok(())
}

fn wait_until(ok: impl Fn() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err("the simulator did not answer within 10 s".into())
}
