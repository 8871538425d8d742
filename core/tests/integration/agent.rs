//! The agent session against the simulator's agent state machine, over real HTTP.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccbridge::models::*;
use ccbridge::stream::EventStream;
use ccbridge::{
    AgentChange, AgentChangeKind, AgentListener, AgentOptions, AgentSession, AgentState, Error,
    Event, InteractionState, PendingRequest, StreamConfig,
};
use ccbridge_sim::{ConfigUpdate, LoginFailure, Offer, Simulator};
use common::{block, client_for, start_sim, WAIT};

fn options() -> AgentOptions {
    AgentOptions {
        station: Some("9785551212".into()),
        command_timeout: Duration::from_secs(5),
        stream: StreamConfig {
            ack_interval: Duration::from_millis(10),
            backoff_base: Duration::from_millis(20),
            backoff_max: Duration::from_millis(100),
            ..StreamConfig::default()
        },
        ..AgentOptions::default()
    }
}

fn offer(sim: &Simulator, user: &str, media: &str) -> String {
    sim.state()
        .offer(
            user,
            Offer {
                media_type: Some(media.into()),
                ..Offer::default()
            },
        )
        .expect("offered")
        .to_string()
}

/// Reads changes until one of `kind` arrives.
fn wait_for(agent: &AgentSession, kind: AgentChangeKind) -> AgentChange {
    loop {
        let c = agent
            .next_change(WAIT)
            .expect("session open")
            .unwrap_or_else(|| panic!("no {kind:?} change within {WAIT:?}"));
        if c.kind == kind {
            return c;
        }
    }
}

fn confirmed_by(outcome: &ccbridge::CommandOutcome) -> &str {
    outcome
        .event
        .as_ref()
        .map(|e| e.event_type())
        .unwrap_or("(202 only)")
}

fn dispose_body() -> DisposeParams {
    DisposeParams {
        disposition_id: "1".into(),
        ..DisposeParams::default()
    }
}

#[test]
fn a_full_agent_day() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(
        &client,
        "agent-day",
        AgentOptions {
            initial_state: Some(InitialState::NotReady),
            ..options()
        },
    )
    .expect("login");
    let snap = agent.snapshot();
    assert_eq!(snap.state, AgentState::NotReady);
    assert!(
        snap.ehub_session_id.is_some(),
        "ConnectConfirm gave the ehubSessionId"
    );
    block(async {
        let ready = agent.ready().await.unwrap();
        assert_eq!(confirmed_by(&ready), "engagementCenter.Idle");
    });
    assert_eq!(agent.snapshot().state, AgentState::Idle);

    // An inbound call: screen pop, accept, hold, retrieve, consult, conference, transfer.
    let call = offer(&sim, "agent-day", "InboundACD");
    let popped = wait_for(&agent, AgentChangeKind::InteractionOffered);
    assert_eq!(popped.interaction_id.as_deref(), Some(call.as_str()));
    assert_eq!(
        (popped.old_state, popped.new_state),
        (AgentState::Idle, AgentState::Busy)
    );
    let snap = agent.snapshot();
    let i = &snap.interactions[0];
    assert_eq!(i.state, InteractionState::Offered);
    let screen = i
        .screen_pop
        .as_ref()
        .and_then(|p| p.payload.as_ref())
        .and_then(|p| p.interaction_info.as_ref())
        .and_then(|i| i.screen_data.as_ref())
        .expect("screen data of the screen pop");
    assert!(screen.ani.is_some());
    block(async {
        assert_eq!(
            confirmed_by(&agent.accept(&call).await.unwrap()),
            "engagementCenter.Active"
        );
        assert_eq!(
            confirmed_by(&agent.hold(&call).await.unwrap()),
            "engagementCenter.Held"
        );
        assert_eq!(
            agent.snapshot().interactions[0].state,
            InteractionState::Held
        );
        assert_eq!(
            confirmed_by(&agent.retrieve(&call).await.unwrap()),
            "engagementCenter.Active"
        );
        let consult = agent
            .consult(
                &call,
                &ConsultParams {
                    consult_type: ConsultType::User,
                    user_id: "supervisor".into(),
                    ..ConsultParams::default()
                },
            )
            .await
            .unwrap();
        assert!(confirmed_by(&consult).starts_with("engagementCenter.Consult"));
        assert!(agent.snapshot().interactions[0].consulting);
        let conference = agent
            .conference(
                &call,
                &ConferenceParams {
                    consultation_interaction_id: call.clone(),
                    ..ConferenceParams::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(confirmed_by(&conference), "engagementCenter.Conference");
        assert!(agent.snapshot().interactions[0].conference);
        let transfer = agent
            .transfer(
                &call,
                &TransferParams {
                    transfer_type: TransferType::WorkType,
                    work_type_id: "191".into(),
                    ..TransferParams::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(confirmed_by(&transfer), "engagementCenter.CallReRouted");
    });
    let wrap = wait_for(&agent, AgentChangeKind::InteractionChanged);
    let _ = wrap;
    let mut state = agent.snapshot().state;
    for _ in 0..50 {
        if state == AgentState::Wrap {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        state = agent.snapshot().state;
    }
    assert_eq!(state, AgentState::Wrap);
    block(async {
        let d = agent.dispose(&call, &dispose_body()).await.unwrap();
        assert_eq!(confirmed_by(&d), "engagementCenter.DispositionInitiated");
    });

    // A chat: not ready while busy is pending until the wrap is disposed.
    let chat = offer(&sim, "agent-day", "InboundChat");
    wait_for(&agent, AgentChangeKind::InteractionOffered);
    block(async {
        agent.accept(&chat).await.unwrap();
        let nr = agent
            .not_ready(&NotReadyParams {
                reason_id: "15".into(),
                not_ready_type: NotReadyType::NotReady,
                ..NotReadyParams::default()
            })
            .await
            .unwrap();
        assert_eq!(confirmed_by(&nr), "engagementCenter.NotReadyPending");
        assert_eq!(agent.snapshot().pending, Some(PendingRequest::NotReady));
        let t = agent.terminate(&chat).await.unwrap();
        assert_eq!(confirmed_by(&t), "engagementCenter.InteractionClear");
        agent.dispose(&chat, &dispose_body()).await.unwrap();
    });
    let nr = wait_until_state(&agent, AgentState::NotReady);
    assert_eq!(nr.reason_id.as_deref(), Some("15"));
    assert_eq!(nr.pending, None);

    // Logout while busy goes through DisconnectPending to Disconnected.
    block(async { agent.ready().await.unwrap() });
    let last = offer(&sim, "agent-day", "InboundACD");
    wait_for(&agent, AgentChangeKind::InteractionOffered);
    block(async {
        agent.accept(&last).await.unwrap();
        let (logout, _) = tokio::join!(agent.logout("0", Duration::from_secs(10)), async {
            // The service holds the logout until the work is disposed.
            while agent.snapshot().pending != Some(PendingRequest::Disconnect) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            agent.terminate(&last).await.unwrap();
            agent.dispose(&last, &dispose_body()).await.unwrap();
        });
        assert_eq!(
            confirmed_by(&logout.unwrap()),
            "engagementCenter.Disconnected"
        );
    });
    assert_eq!(agent.snapshot().state, AgentState::Disconnected);
    assert!(!sim.state().agent_info("agent-day").connected);
    block(agent.close());
}

fn wait_until_state(agent: &AgentSession, state: AgentState) -> ccbridge::AgentSnapshot {
    for _ in 0..500 {
        let s = agent.snapshot();
        if s.state == state {
            return s;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("agent never reached {state:?}: {:?}", agent.snapshot());
}

#[test]
fn invalid_transitions_are_typed_errors_with_the_fail_reason() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(&client, "agent-err", options()).unwrap();
    let call = offer(&sim, "agent-err", "InboundACD");
    wait_for(&agent, AgentChangeKind::InteractionOffered);
    block(async {
        match agent.hold(&call).await {
            Err(Error::CommandFailed {
                command,
                fail_code,
                fail_reason,
                interaction_id,
            }) => {
                assert_eq!(command, "engagementCenter.hold");
                assert_eq!(fail_code, Some(31));
                assert!(fail_reason.contains("Hold failure"), "{fail_reason}");
                assert_eq!(interaction_id.as_deref(), Some(call.as_str()));
            }
            other => panic!("expected CommandFailed, got {other:?}"),
        }
        match agent.retrieve("424242").await {
            Err(Error::CommandFailed { fail_code, .. }) => assert_eq!(fail_code, Some(11)),
            other => panic!("expected CommandFailed, got {other:?}"),
        }
        // The agent is still fine: the call is there to accept.
        agent.accept(&call).await.unwrap();
    });
    // Bad input never reaches the service (polls go on: count the agent commands only).
    let commands = |sim: &Simulator| -> u64 {
        sim.state()
            .stats()
            .operations
            .iter()
            .filter(|(op, _)| op.starts_with("engagementCenter."))
            .map(|(_, n)| n)
            .sum()
    };
    let before = commands(&sim);
    block(async {
        assert!(matches!(
            agent.hold("").await,
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            agent.command("nope", None, serde_json::json!({})).await,
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            agent
                .command("ready", None, serde_json::json!({"typo": 1}))
                .await,
            Err(Error::InvalidArgument { .. })
        ));
    });
    assert_eq!(commands(&sim), before);
    block(agent.close());
}

#[test]
fn a_refused_login_is_a_typed_error() {
    let sim = start_sim();
    let client = client_for(&sim);
    sim.state().fail_next_login(
        "agent-refused",
        LoginFailure {
            fail_code: Some(219),
            fail_reason: Some("(219) Agent is already logged in at station".into()),
        },
    );
    match AgentSession::login_blocking(&client, "agent-refused", options()) {
        Err(Error::CommandFailed {
            command,
            fail_code,
            fail_reason,
            ..
        }) => {
            assert_eq!(command, "engagementCenter.connect");
            assert_eq!(fail_code, Some(219));
            assert!(fail_reason.contains("already logged in"));
        }
        other => panic!("expected CommandFailed, got {other:?}"),
    }
    // The failed login left no streaming session behind.
    for _ in 0..100 {
        if sim.state().stats().sessions == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sim.state().stats().sessions, 0);
}

#[test]
fn a_command_without_its_event_times_out_with_an_unknown_outcome() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(
        &client,
        "agent-slow",
        AgentOptions {
            command_timeout: Duration::from_millis(400),
            ..options()
        },
    )
    .unwrap();
    // Polls fail from now on: the command is accepted, its event cannot arrive.
    sim.state()
        .add_fault(
            serde_json::from_value(serde_json::json!({
                "method": "GET", "pathContains": "/events", "kind": "status", "status": 503, "count": 0
            }))
            .unwrap(),
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    match block(agent.agent_statistics()) {
        Err(Error::Timeout { message }) => assert!(message.contains("unknown"), "{message}"),
        other => panic!("expected Timeout, got {other:?}"),
    }
    sim.state().clear_faults();
    block(agent.close());
}

#[test]
fn a_recreated_stream_is_re_attached_and_reported_as_a_gap() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(&client, "agent-gap", options()).unwrap();
    let old = agent.stream_session_id().unwrap();
    assert!(sim.state().expire_session(&old));
    let gap = wait_for(&agent, AgentChangeKind::Gap);
    assert!(gap.event.is_none());
    assert!(!agent.snapshot().in_sync);
    let new = agent.stream_session_id().unwrap();
    assert_ne!(old, new);
    // Re-attached, the session asks for the statistics again: they arrive on the new
    // session, proof that the agent's events flow there.
    let stats = wait_for(&agent, AgentChangeKind::Statistics);
    assert_eq!(
        stats.event.unwrap().event_type(),
        "engagementCenter.AgentStatistics"
    );
    assert!(!agent.snapshot().statistics.is_empty());
    // The re-attached session receives the agent's events again.
    for _ in 0..200 {
        if sim.state().agent_info("agent-gap").sessions.contains(&new) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    block(async {
        agent
            .not_ready(&NotReadyParams {
                reason_id: "2".into(),
                not_ready_type: NotReadyType::Park,
                ..NotReadyParams::default()
            })
            .await
            .unwrap()
    });
    let s = agent.snapshot();
    assert_eq!(s.state, AgentState::Park);
    assert!(s.in_sync, "a state event brings the state back in sync");
    block(agent.close());
}

#[test]
fn missed_keep_alives_log_the_agent_out_and_say_so() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(&client, "agent-ka", options()).unwrap();
    block(async {
        agent
            .keep_alive(&KeepAliveParams {
                session_timeout: Some(1.0),
                ..KeepAliveParams::default()
            })
            .await
            .unwrap()
    });
    // No further keepAlive: the service logs the agent out.
    let out = wait_for(&agent, AgentChangeKind::LoggedOut);
    assert_eq!(out.new_state, AgentState::Disconnected);
    assert!(!sim.state().agent_info("agent-ka").connected);
    block(agent.close());
}

#[test]
fn keep_alives_sent_by_the_session_keep_the_agent_logged_in() {
    let sim = start_sim();
    sim.state().set_config(ConfigUpdate {
        keepalive_timeout_ms: Some(600),
        ..ConfigUpdate::default()
    });
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(
        &client,
        "agent-ka2",
        AgentOptions {
            keep_alive: Some(Duration::from_millis(150)),
            ..options()
        },
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(sim.state().agent_info("agent-ka2").connected);
    assert_eq!(agent.snapshot().state, AgentState::Idle);
    block(agent.close());
}

struct Recorder(Mutex<Vec<AgentChange>>);

impl AgentListener for Recorder {
    fn on_change(&self, change: &AgentChange) {
        self.0.lock().unwrap().push(change.clone());
    }
}

#[test]
fn several_agents_share_one_client_and_listeners_see_their_own_changes() {
    let sim = start_sim();
    let client = client_for(&sim);
    let names = ["sup-a", "sup-b", "sup-c"];
    let agents: Vec<(AgentSession, Arc<Recorder>)> = names
        .iter()
        .map(|n| {
            let a = AgentSession::login_blocking(&client, n, options()).unwrap();
            let r = Arc::new(Recorder(Mutex::new(Vec::new())));
            a.set_listener(Some(r.clone()));
            (a, r)
        })
        .collect();
    let calls: Vec<String> = names.iter().map(|n| offer(&sim, n, "InboundACD")).collect();
    block(async {
        for ((agent, _), call) in agents.iter().zip(&calls) {
            // The offer may still be on its way: accept once it is known.
            while agent.snapshot().interactions.is_empty() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            agent.accept(call).await.unwrap();
        }
    });
    for ((agent, rec), call) in agents.iter().zip(&calls) {
        let seen = rec.0.lock().unwrap();
        assert!(seen.iter().all(|c| c.kind != AgentChangeKind::OtherAgent));
        assert!(seen
            .iter()
            .any(|c| c.kind == AgentChangeKind::InteractionOffered
                && c.interaction_id.as_deref() == Some(call.as_str())));
        assert_eq!(
            agent.snapshot().interactions[0].state,
            InteractionState::Active
        );
    }
    for (a, _) in agents {
        block(a.close());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_api_on_a_foreign_runtime() {
    let sim = Simulator::start(common::sim_config()).await.unwrap();
    let client = client_for(&sim);
    let agent = AgentSession::login(&client, "agent-async", options())
        .await
        .unwrap();
    let c = agent
        .next_change_async(WAIT)
        .await
        .unwrap()
        .expect("the login's changes");
    assert_eq!(c.kind, AgentChangeKind::State);
    agent.ready().await.unwrap();
    agent.close().await;
    assert!(matches!(agent.ready().await, Err(Error::Closed { .. })));
}

/// A listener that tries a blocking command on its own session.
struct Reentrant {
    agent: Mutex<Option<Arc<AgentSession>>>,
    seen: Mutex<Option<Error>>,
}

impl AgentListener for Reentrant {
    fn on_change(&self, _change: &AgentChange) {
        if let Some(agent) = self.agent.lock().unwrap().as_ref() {
            if let Err(e) = agent.command_blocking("ready", None, serde_json::json!({})) {
                self.seen.lock().unwrap().get_or_insert(e);
            }
        }
    }
}

#[test]
fn a_blocking_command_from_the_sessions_own_listener_is_refused_not_stuck() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = Arc::new(AgentSession::login_blocking(&client, "agent-re", options()).unwrap());
    let listener = Arc::new(Reentrant {
        agent: Mutex::new(Some(agent.clone())),
        seen: Mutex::new(None),
    });
    agent.set_listener(Some(listener.clone()));
    block(agent.agent_statistics()).unwrap();
    match listener.seen.lock().unwrap().take() {
        Some(Error::InvalidArgument { field, .. }) => assert_eq!(field, "context"),
        other => panic!("expected InvalidArgument(context), got {other:?}"),
    }
    agent.set_listener(None);
    listener.agent.lock().unwrap().take();
    block(agent.close());
}

#[test]
fn a_command_whose_answer_is_lost_is_not_sent_again_and_its_events_decide() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(
        &client,
        "agent-lost",
        AgentOptions {
            command_timeout: Duration::from_millis(500),
            ..options()
        },
    )
    .unwrap();
    let call = offer(&sim, "agent-lost", "InboundACD");
    wait_for(&agent, AgentChangeKind::InteractionOffered);
    sim.state()
        .add_fault(
            serde_json::from_value(serde_json::json!({
                "method": "POST", "pathContains": "/accept", "kind": "status", "status": 502
            }))
            .unwrap(),
        )
        .unwrap();
    // The 502 leaves the outcome open: no second accept, and no Active arrives here.
    match block(agent.accept(&call)) {
        Err(Error::OutcomeUnknown { message }) => assert!(message.contains("Active"), "{message}"),
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    assert_eq!(
        sim.state()
            .stats()
            .operations
            .get("engagementCenter.accept"),
        Some(&1)
    );
    assert_eq!(
        agent.snapshot().interactions[0].state,
        InteractionState::Offered
    );
    block(agent.close());
}

#[test]
fn an_agent_on_a_stream_the_caller_runs_shares_it_and_leaves_it_running() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::new(&client, "agent-given", options()).unwrap();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let mine = {
        let seen = seen.clone();
        move |e: &Event| seen.lock().unwrap().push(e.event_type().to_owned())
    };
    let stream = Arc::new(
        EventStream::start_with_handler_blocking(&client, options().stream, (agent.feed(), mine))
            .unwrap(),
    );
    block(agent.login_on(stream.clone())).unwrap();
    assert_eq!(agent.stream_session_id(), Some(stream.session_id()));
    assert_eq!(agent.snapshot().state, AgentState::Idle);
    let call = offer(&sim, "agent-given", "InboundACD");
    wait_for(&agent, AgentChangeKind::InteractionOffered);
    agent.accept_blocking(&call).unwrap();
    let types = seen.lock().unwrap().clone();
    for t in [
        "engagementCenter.ConnectConfirm",
        "engagementCenter.ScreenPop",
    ] {
        assert!(
            types.iter().any(|x| x == t),
            "{t} reached the caller's handler too: {types:?}"
        );
    }
    // One login per session.
    assert!(matches!(
        block(agent.login_on(stream.clone())),
        Err(Error::InvalidArgument { .. })
    ));
    agent.terminate_blocking(&call).unwrap();
    agent.dispose_blocking(&call, &dispose_body()).unwrap();
    wait_until_state(&agent, AgentState::Idle);
    block(agent.close());
    // The stream is the caller's: it runs on, and the closed session takes nothing more.
    assert!(!stream.is_stopping());
    let before = agent.snapshot();
    let second = offer(&sim, "agent-given", "InboundChat");
    for _ in 0..500 {
        if seen
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.ends_with("ScreenPop"))
            .count()
            == 2
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        seen.lock()
            .unwrap()
            .iter()
            .filter(|t| t.ends_with("ScreenPop"))
            .count(),
        2,
        "the second offer ({second}) reached the caller's handler"
    );
    assert_eq!(agent.snapshot(), before);
    stream.stop().unwrap();
}

#[test]
fn an_attached_desk_follows_the_agent_and_cancel_withdraws_a_pending_logout() {
    let sim = start_sim();
    let client = client_for(&sim);
    let desk =
        Arc::new(AgentSession::login_blocking(&client, "agent-two-desks", options()).unwrap());
    let other = AgentSession::attach_blocking(&client, "agent-two-desks", options()).unwrap();
    let s = other.snapshot();
    assert_eq!(s.state, AgentState::Unknown);
    assert!(
        !s.in_sync,
        "attached: the state is known from the next events"
    );
    assert_eq!(s.ehub_session_id, desk.ehub_session_id());
    let call = offer(&sim, "agent-two-desks", "InboundACD");
    wait_for(&desk, AgentChangeKind::InteractionOffered);
    wait_for(&other, AgentChangeKind::InteractionOffered);
    desk.accept_blocking(&call).unwrap();
    let s = wait_until_state(&other, AgentState::Busy);
    assert!(s.in_sync);
    // A logout while the call lasts waits at the service (DisconnectPending)...
    let logout = std::thread::spawn({
        let desk = desk.clone();
        move || desk.logout_blocking("0", WAIT)
    });
    for _ in 0..500 {
        if desk.snapshot().pending == Some(PendingRequest::Disconnect) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(desk.snapshot().pending, Some(PendingRequest::Disconnect));
    assert_eq!(
        wait_for(&other, AgentChangeKind::State).new_state,
        AgentState::Busy
    );
    // ...until it is cancelled: the waiting logout ends, the agent stays logged in.
    let cancelled = desk.cancel_blocking().unwrap();
    assert!(cancelled.event.is_none(), "cancel has no confirming event");
    let result = logout.join().unwrap();
    assert!(matches!(result, Err(Error::Closed { .. })), "{result:?}");
    let info = sim.state().agent_info("agent-two-desks");
    assert!(info.pending.is_none() && info.connected, "{info:?}");
    assert_eq!(desk.snapshot().pending, None);
    assert_eq!(
        desk.snapshot().interactions[0].state,
        InteractionState::Active
    );
    // Nothing pending now: a cancel is refused before anything is sent.
    assert!(matches!(
        desk.cancel_blocking(),
        Err(Error::InvalidArgument { .. })
    ));
    // The attached desk works the same call.
    let held = other.hold_blocking(&call).unwrap();
    assert_eq!(confirmed_by(&held), "engagementCenter.Held");
    block(other.close());
    block(desk.close());
}

#[test]
fn a_stream_recreated_mid_call_is_a_gap_then_the_call_is_reconciled() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(&client, "agent-mid-call", options()).unwrap();
    let call = offer(&sim, "agent-mid-call", "InboundACD");
    wait_for(&agent, AgentChangeKind::InteractionOffered);
    agent.accept_blocking(&call).unwrap();
    let old = agent.stream_session_id().unwrap();
    assert!(sim.state().expire_session(&old));
    wait_for(&agent, AgentChangeKind::Gap);
    let s = agent.snapshot();
    assert!(!s.in_sync);
    assert_eq!(s.interactions.len(), 1, "nothing is dropped on a guess");
    assert!(
        !s.interactions[0].in_sync,
        "the call is unconfirmed after the gap"
    );
    for _ in 0..500 {
        if sim
            .state()
            .agent_info("agent-mid-call")
            .sessions
            .contains(&agent.stream_session_id().unwrap())
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // The call goes on: its next event confirms it.
    let held = agent.hold_blocking(&call).unwrap();
    assert_eq!(confirmed_by(&held), "engagementCenter.Held");
    let s = agent.snapshot();
    assert!(s.interactions[0].in_sync && s.in_sync);
    assert_eq!(s.interactions[0].state, InteractionState::Held);
    agent.retrieve_blocking(&call).unwrap();
    agent.terminate_blocking(&call).unwrap();
    wait_until_state(&agent, AgentState::Wrap);
    agent.dispose_blocking(&call, &dispose_body()).unwrap();
    let s = wait_until_state(&agent, AgentState::Idle);
    assert!(s.interactions.is_empty());
    block(agent.close());
}

#[test]
fn a_transfer_to_another_agent_is_offered_to_it_under_a_new_id() {
    let sim = start_sim();
    let client = client_for(&sim);
    let sender = AgentSession::login_blocking(&client, "agent-sender", options()).unwrap();
    let receiver = AgentSession::login_blocking(&client, "agent-receiver", options()).unwrap();
    let call = offer(&sim, "agent-sender", "InboundACD");
    wait_for(&sender, AgentChangeKind::InteractionOffered);
    sender.accept_blocking(&call).unwrap();
    let out = sender
        .transfer_blocking(
            &call,
            &TransferParams {
                transfer_type: TransferType::User,
                user_id: Some("agent-receiver".into()),
                work_type_id: "191".into(),
                ..TransferParams::default()
            },
        )
        .unwrap();
    assert_eq!(confirmed_by(&out), "engagementCenter.CallReRouted");
    let offered = wait_for(&receiver, AgentChangeKind::InteractionOffered);
    let new_id = offered.interaction_id.clone().unwrap();
    assert_ne!(new_id, call);
    let moved = wait_for(&receiver, AgentChangeKind::InteractionChanged);
    assert_eq!(
        moved.event.unwrap().event_type(),
        "engagementCenter.InteractionTransferred"
    );
    let s = receiver.snapshot();
    assert_eq!(s.interactions.len(), 1, "one call, under its new id");
    assert_eq!(
        (
            s.interactions[0].interaction_id.as_str(),
            s.interactions[0].state
        ),
        (new_id.as_str(), InteractionState::Offered)
    );
    receiver.accept_blocking(&new_id).unwrap();
    assert_eq!(
        receiver.snapshot().interactions[0].state,
        InteractionState::Active
    );
    let s = wait_until_state(&sender, AgentState::Wrap);
    assert!(s.interactions[0].transferred);
    block(sender.close());
    block(receiver.close());
}

#[test]
fn a_failure_inside_a_confirming_event_fails_the_command() {
    let sim = start_sim();
    let client = client_for(&sim);
    let supervisor = AgentSession::login_blocking(&client, "agent-supervisor", options()).unwrap();
    // Nobody is logged in on that station: MonitorState says MON_ERROR (5).
    let refused = supervisor.monitor_blocking(&MonitorParams {
        monitor_type: MonitorType::StartSilent,
        station: "9785550000".into(),
        monitoring_station_id: "9785551212".into(),
        monitoring_id: "m-1".into(),
        ..MonitorParams::default()
    });
    match refused {
        Err(Error::CommandFailed {
            command,
            fail_code,
            fail_reason,
            ..
        }) => {
            assert_eq!(command, "engagementCenter.monitor");
            assert_eq!(fail_code, Some(5));
            assert!(fail_reason.contains("MON_ERROR"), "{fail_reason}");
        }
        other => panic!("expected CommandFailed, got {other:?}"),
    }
    block(supervisor.close());
}

#[test]
fn an_email_carries_its_data_and_ends_when_sent() {
    let sim = start_sim();
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(&client, "agent-email", options()).unwrap();
    let email = offer(&sim, "agent-email", "InboundEmailNLP");
    wait_for(&agent, AgentChangeKind::InteractionOffered);
    let data = agent.snapshot().interactions[0]
        .email
        .clone()
        .expect("emailData");
    assert!(data.email_object_id.is_some() && data.from_address.is_some());
    agent.email_active_blocking(&email).unwrap();
    assert_eq!(
        agent.snapshot().interactions[0].state,
        InteractionState::Active
    );
    agent
        .send_email_blocking(
            &email,
            &SendEmailParams {
                reply_email_object_id: "reply-1".into(),
                interaction_data_collection: Vec::new(),
                ..SendEmailParams::default()
            },
        )
        .unwrap();
    wait_until_state(&agent, AgentState::Wrap);
    block(agent.close());
}

#[test]
fn an_offer_not_accepted_in_time_goes_away() {
    let sim = start_sim();
    sim.state().set_config(ConfigUpdate {
        accept_timeout_ms: Some(300),
        ..ConfigUpdate::default()
    });
    let client = client_for(&sim);
    let agent = AgentSession::login_blocking(&client, "agent-slow", options()).unwrap();
    offer(&sim, "agent-slow", "InboundACD");
    wait_for(&agent, AgentChangeKind::InteractionOffered);
    let s = wait_until_state(&agent, AgentState::Idle);
    assert!(s.interactions.is_empty(), "{s:?}");
    block(agent.close());
}
