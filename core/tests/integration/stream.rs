//! The event engine against the simulator: delivery, acknowledgement, duplicates,
//! session recreation, back-pressure and ordered shutdown.

use crate::common;

use ccbridge::models::*;
use ccbridge::{Error, Event, EventStream, Http2, StreamConfig, StreamItem, StreamStatus};
use ccbridge_sim::{FaultKind, FaultSpec, InjectEvent, SimConfig, Simulator};
use common::*;
use serde_json::json;
use std::collections::HashSet;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

fn config() -> StreamConfig {
    StreamConfig {
        inactivity_delay: 60,
        poll_timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ack_interval: Duration::from_millis(10),
        ..StreamConfig::default()
    }
}

fn inject(sim: &ccbridge_sim::Simulator, session_id: &str, event_type: &str, count: u64) {
    sim.state()
        .inject_event(InjectEvent {
            session_id: Some(session_id.to_string()),
            event_type: event_type.to_string(),
            payload: json!({"n": 1}),
            count: Some(count),
            ..Default::default()
        })
        .expect("injected");
}

#[test]
fn agent_flow_in_pull_mode_with_one_poll_in_flight() {
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, config()).unwrap();
    let sid = stream.session_id();
    let ec = client.engagement_center();
    let ehub = login(&client, &stream, "agent-pull");

    let not_ready = NotReadyParams {
        ehub_session_id: ehub.clone(),
        reason_id: "12".into(),
        not_ready_type: NotReadyType::Park,
    };
    block(ec.not_ready(&sid, "agent-pull", &not_ready)).unwrap();
    let park = pull_until(&stream, "engagementCenter.Park");
    assert_eq!(
        park.last().unwrap().payload()["payload"]["reasonIdRev"],
        "12"
    );
    let ready = ReadyParams {
        ehub_session_id: ehub.clone(),
    };
    block(ec.ready(&sid, "agent-pull", &ready)).unwrap();
    pull_until(&stream, "engagementCenter.Idle");
    let keep_alive = KeepAliveParams {
        ehub_session_id: ehub.clone(),
        session_timeout: Some(600.0),
        request_timestamp: Some("2026-11-22T10:00:00.000Z".into()),
    };
    block(ec.keep_alive(&sid, "agent-pull", &keep_alive)).unwrap();
    let ka = pull_until(&stream, "engagementCenter.ClientSessionKeepAlive");
    assert_eq!(
        ka.last().unwrap().payload()["payload"]["requestTimestamp"],
        "2026-11-22T10:00:00.000Z"
    );
    let disconnect = DisconnectParams {
        ehub_session_id: ehub.clone(),
        reason_id: "0".into(),
    };
    block(ec.disconnect(&sid, "agent-pull", &disconnect)).unwrap();
    let last = pull_until(&stream, "engagementCenter.Disconnected");
    let e = last.last().unwrap();
    assert!(
        !e.event_id().is_empty()
            && !e.correlation_id().is_empty()
            && !e.published_time().is_empty()
    );
    assert_eq!(e.kind(), "via#engagementCenterEvent");
    assert!(e.raw_payload().contains("\"userId\""));

    stream.stop().unwrap();
    let stats = sim.state().stats();
    assert_eq!(stats.max_concurrent_polls, 1, "never two polls in flight");
    assert_eq!(stats.sessions, 0, "session deleted on stop");
    assert!(matches!(
        stream.next_event(Duration::from_millis(10)),
        Err(Error::Closed { .. })
    ));
}

#[test]
fn handler_events_are_acknowledged_after_the_handler_returns() {
    let sim = start_sim();
    let client = client_for(&sim);
    let (tx, rx) = mpsc::channel::<Event>();
    let tx = Mutex::new(tx);
    let stream = EventStream::start_with_handler_blocking(&client, config(), move |e: &Event| {
        tx.lock().unwrap().send(e.clone()).unwrap();
    })
    .unwrap();
    let sid = stream.session_id();
    inject(&sim, &sid, "engagementCenter.ScreenPop", 25);
    let got: Vec<Event> = (0..25)
        .map(|_| rx.recv_timeout(WAIT).expect("event"))
        .collect();
    let ids: HashSet<_> = got.iter().map(|e| e.event_id().to_owned()).collect();
    assert_eq!(ids.len(), 25);
    let deadline = Instant::now() + WAIT;
    while sim.state().stats().acknowledged < 25 {
        assert!(Instant::now() < deadline, "acks not flushed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let info = sim.state().session_info(&sid).unwrap();
    assert_eq!((info.queued, info.in_flight), (0, 0));
    stream.stop().unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "no duplicate after stop"
    );
}

#[test]
fn refused_acknowledgements_are_retried_with_backoff_not_in_a_loop() {
    let sim = start_sim();
    let client = client_for(&sim);
    let cfg = StreamConfig {
        require_acknowledgement: true,
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
        ..config()
    };
    let (tx, rx) = mpsc::channel::<String>();
    let tx = Mutex::new(tx);
    let stream = EventStream::start_with_handler_blocking(&client, cfg, move |e: &Event| {
        tx.lock().unwrap().send(e.event_id().to_owned()).unwrap();
    })
    .unwrap();
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/streaming/acknowledge".into()),
            count: 0,
            // Refused outright, so the transport does not retry it on its own.
            status: 400,
            ..FaultSpec::new(FaultKind::Status)
        })
        .unwrap();
    let sid = stream.session_id();
    inject(&sim, &sid, "engagementCenter.ScreenPop", 3);
    for _ in 0..3 {
        rx.recv_timeout(WAIT).expect("event");
    }
    // Each refused acknowledgement leaves the events queued at the service, so every poll
    // answers at once with them again: without a pause between tries the stream would
    // poll and acknowledge as fast as the service answers.
    let acks = || {
        sim.state()
            .stats()
            .operations
            .get("streaming.acknowledge")
            .copied()
            .unwrap_or(0)
    };
    let before = acks();
    std::thread::sleep(Duration::from_secs(1));
    let tried = acks() - before;
    assert!(tried >= 1, "acknowledgement tried again");
    assert!(tried <= 30, "{tried} acknowledgements in one second");
    assert!(rx.try_recv().is_err(), "redeliveries stay hidden");
    sim.state().clear_faults();
    let deadline = Instant::now() + WAIT;
    while sim.state().stats().acknowledged < 3 {
        assert!(Instant::now() < deadline, "acknowledged once accepted");
        std::thread::sleep(Duration::from_millis(20));
    }
    stream.stop().unwrap();
}

#[test]
fn redeliveries_are_hidden_from_the_consumer() {
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, config()).unwrap();
    let sid = stream.session_id();
    inject(&sim, &sid, "engagementCenter.ScreenPop", 5);
    // Not consuming: the events stay unacknowledged and the simulator redelivers them on
    // every poll (200 ms wait).
    std::thread::sleep(Duration::from_millis(800));
    let mut ids = Vec::new();
    while let Some(e) = stream.next_event(Duration::from_millis(500)).unwrap() {
        ids.push(e.event_id().to_owned());
    }
    assert_eq!(ids.len(), 5, "each event exactly once: {ids:?}");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 5);
    assert!(
        stream.stats().duplicates_suppressed > 0,
        "{:?}",
        stream.stats()
    );
    stream.stop().unwrap();
    assert_eq!(sim.state().stats().acknowledged, 5);
}

#[test]
fn an_expired_session_is_recreated_and_reported() {
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, config()).unwrap();
    let old = stream.session_id();
    assert!(sim.state().expire_session(&old));
    let deadline = Instant::now() + WAIT;
    let new = loop {
        match stream.next_item(WAIT).unwrap() {
            Some(StreamItem::Status(StreamStatus::SessionRecreated {
                old_session_id,
                new_session_id,
            })) => {
                assert_eq!(old_session_id, old);
                break new_session_id;
            }
            Some(_) => assert!(Instant::now() < deadline),
            None => panic!("no SessionRecreated"),
        }
    };
    assert_ne!(new, old);
    assert_eq!(stream.session_id(), new);
    inject(&sim, &new, "engagementCenter.ScreenPop", 1);
    let e = stream
        .next_event(WAIT)
        .unwrap()
        .expect("events flow on the new session");
    assert_eq!(e.event_type(), "engagementCenter.ScreenPop");
    assert_eq!(stream.stats().sessions_recreated, 1);
    stream.stop().unwrap();
}

#[test]
fn poll_failures_back_off_and_recover() {
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, config()).unwrap();
    sim.state()
        .add_fault(FaultSpec {
            path_contains: Some("/streaming/events".into()),
            count: 3,
            ..FaultSpec::new(FaultKind::Status)
        })
        .unwrap();
    let mut retries = 0;
    loop {
        match stream.next_item(WAIT).unwrap().expect("a status") {
            StreamItem::Status(StreamStatus::Retrying { attempt, .. }) => {
                retries += 1;
                assert_eq!(attempt, retries);
            }
            StreamItem::Status(StreamStatus::Recovered) => break,
            _ => {}
        }
    }
    assert_eq!(retries, 3);
    inject(&sim, &stream.session_id(), "engagementCenter.Idle", 1);
    assert!(stream.next_event(WAIT).unwrap().is_some());
    stream.stop().unwrap();
}

#[test]
fn a_full_buffer_is_reported_and_nothing_is_lost() {
    let sim = start_sim();
    let client = client_for(&sim);
    let cfg = StreamConfig {
        buffer_capacity: 5,
        max_events: 10,
        ..config()
    };
    let stream = EventStream::start_blocking(&client, cfg).unwrap();
    let sid = stream.session_id();
    inject(&sim, &sid, "engagementCenter.ScreenPop", 20);
    std::thread::sleep(Duration::from_millis(500));
    let mut ids = HashSet::new();
    let mut full = false;
    while ids.len() < 20 {
        match stream.next_item(WAIT).unwrap().expect("more events") {
            StreamItem::Event(e) => assert!(ids.insert(e.event_id().to_owned()), "duplicate"),
            StreamItem::Status(StreamStatus::BufferFull { capacity }) => {
                assert_eq!(capacity, 5);
                full = true;
            }
            StreamItem::Status(_) => {}
        }
    }
    assert!(full, "BufferFull was reported");
    stream.stop().unwrap();
    assert_eq!(sim.state().stats().acknowledged, 20);
}

#[test]
fn a_handler_can_stop_its_own_stream() {
    let sim = start_sim();
    let client = client_for(&sim);
    let slot: Arc<OnceLock<EventStream>> = Arc::new(OnceLock::new());
    let (tx, rx) = mpsc::channel::<String>();
    let tx = Mutex::new(tx);
    let s2 = slot.clone();
    let stream = EventStream::start_with_handler_blocking(&client, config(), move |e: &Event| {
        if let Some(s) = s2.get() {
            s.stop().expect("stop from the handler");
        }
        tx.lock().unwrap().send(e.event_id().to_owned()).unwrap();
    })
    .unwrap();
    let sid = stream.session_id();
    slot.set(stream).unwrap();
    inject(&sim, &sid, "engagementCenter.ScreenPop", 1);
    rx.recv_timeout(WAIT).expect("handler ran");
    let deadline = Instant::now() + WAIT;
    while sim.state().stats().sessions > 0 {
        assert!(Instant::now() < deadline, "session not deleted");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(slot.get().unwrap().is_stopping());
}

#[test]
fn stop_drains_the_handler_then_acknowledges_then_deletes() {
    let sim = start_sim();
    let client = client_for(&sim);
    let handled = Arc::new(Mutex::new(0u32));
    let h = handled.clone();
    let stream = EventStream::start_with_handler_blocking(&client, config(), move |_: &Event| {
        std::thread::sleep(Duration::from_millis(5));
        *h.lock().unwrap() += 1;
    })
    .unwrap();
    inject(&sim, &stream.session_id(), "engagementCenter.ScreenPop", 40);
    let deadline = Instant::now() + WAIT;
    while stream.stats().events_delivered == 0 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    stream.stop().unwrap();
    let n = *handled.lock().unwrap();
    let stats = sim.state().stats();
    assert_eq!(
        stats.acknowledged,
        u64::from(n),
        "every handled event acknowledged before delete"
    );
    assert_eq!(stats.sessions, 0);
    assert!(n > 0);
}

#[test]
fn statuses_reach_the_handler_in_order() {
    let sim = start_sim();
    let client = client_for(&sim);
    struct H(mpsc::Sender<String>);
    impl ccbridge::EventHandler for H {
        fn on_event(&mut self, e: &Event) {
            let _ = self.0.send(e.event_type().to_owned());
        }
        fn on_status(&mut self, s: &StreamStatus) {
            let _ = self.0.send(format!("status:{}", s.name()));
        }
    }
    let (tx, rx) = mpsc::channel();
    let stream = EventStream::start_with_handler_blocking(&client, config(), H(tx)).unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), "status:started");
    inject(&sim, &stream.session_id(), "engagementCenter.Idle", 1);
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), "engagementCenter.Idle");
    stream.stop().unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), "status:stopped");
}

#[test]
fn payloads_that_are_not_json_are_kept_raw() {
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, config()).unwrap();
    sim.state()
        .inject_event(InjectEvent {
            session_id: Some(stream.session_id()),
            event_type: "messaging.EntitySendText".into(),
            payload: json!("plain text, not JSON"),
            ..Default::default()
        })
        .unwrap();
    let e = stream.next_event(WAIT).unwrap().unwrap();
    assert_eq!(e.raw_payload(), "plain text, not JSON");
    assert_eq!(e.payload(), &json!("plain text, not JSON"));
    assert_eq!(e.typed(), ccbridge::EventType::MessagingEntitySendText);
    stream.stop().unwrap();
}

#[test]
fn bad_stream_settings_are_rejected() {
    let sim = start_sim();
    let client = client_for(&sim);
    for (cfg, field) in [
        (
            StreamConfig {
                inactivity_delay: 30,
                ..config()
            },
            "inactivity_delay",
        ),
        (
            StreamConfig {
                inactivity_delay: 700,
                ..config()
            },
            "inactivity_delay",
        ),
        (
            StreamConfig {
                max_events: 0,
                ..config()
            },
            "max_events",
        ),
        (
            StreamConfig {
                max_events: 500,
                ..config()
            },
            "max_events",
        ),
        (
            StreamConfig {
                buffer_capacity: 0,
                ..config()
            },
            "buffer_capacity",
        ),
        (
            StreamConfig {
                poll_timeout: Duration::from_secs(90),
                ..config()
            },
            "poll_timeout",
        ),
    ] {
        match EventStream::start_blocking(&client, cfg).unwrap_err() {
            Error::InvalidArgument { field: f, .. } => assert_eq!(f, field),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sim.state().stats().token_requests, 0);
}

#[test]
fn bad_credentials_fail_the_start() {
    let sim = start_sim();
    let client = client_with(&sim, |b| b.client_secret("nope"));
    assert!(matches!(
        EventStream::start_blocking(&client, config()),
        Err(Error::Auth { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_pull_on_a_foreign_runtime() {
    let sim = ccbridge_sim::Simulator::start(sim_config()).await.unwrap();
    let client = client_for(&sim);
    let stream = EventStream::start(&client, config()).await.unwrap();
    client
        .engagement_center()
        .connect(&stream.session_id(), "agent-async", &Default::default())
        .await
        .unwrap();
    let mut types = Vec::new();
    while types.len() < 4 {
        let e = stream.next_event_async(WAIT).await.unwrap().expect("event");
        types.push(e.event_type().to_owned());
    }
    assert_eq!(types[1], "engagementCenter.ConnectConfirm");
    assert!(
        stream.next_event(Duration::ZERO).is_ok(),
        "blocking poll with zero timeout is fine"
    );
    stream.stop_async().await.unwrap();
    assert_eq!(sim.state().stats().sessions, 0);
}

#[test]
fn cancel_wakes_a_consumer_waiting_without_deadline() {
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = Arc::new(EventStream::start_blocking(&client, config()).unwrap());
    inject(&sim, &stream.session_id(), "engagementCenter.Idle", 1);
    assert!(
        stream.next_event(Duration::MAX).unwrap().is_some(),
        "a huge timeout is no panic"
    );
    let waiter = {
        let s = stream.clone();
        std::thread::spawn(move || s.next_event(Duration::MAX))
    };
    std::thread::sleep(Duration::from_millis(100));
    stream.cancel();
    let r = waiter.join().unwrap();
    assert!(matches!(r, Err(Error::Closed { .. })), "{r:?}");
    let deadline = Instant::now() + WAIT;
    while sim.state().stats().sessions > 0 {
        assert!(Instant::now() < deadline, "cancel completes the shutdown");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stop_returns_only_after_the_handler_is_done_and_dropped() {
    use std::sync::atomic::{AtomicBool, Ordering};
    struct Slow {
        started: mpsc::Sender<()>,
        dropped: Arc<AtomicBool>,
    }
    impl ccbridge::EventHandler for Slow {
        fn on_event(&mut self, _: &Event) {
            let _ = self.started.send(());
            // Longer than the shutdown deadline below.
            std::thread::sleep(Duration::from_millis(600));
        }
    }
    impl Drop for Slow {
        fn drop(&mut self) {
            self.dropped.store(true, Ordering::SeqCst);
        }
    }
    let sim = start_sim();
    let client = client_for(&sim);
    let dropped = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let cfg = StreamConfig {
        shutdown_deadline: Duration::from_millis(100),
        ..config()
    };
    let stream = EventStream::start_with_handler_blocking(
        &client,
        cfg,
        Slow {
            started: tx,
            dropped: dropped.clone(),
        },
    )
    .unwrap();
    inject(&sim, &stream.session_id(), "engagementCenter.ScreenPop", 3);
    rx.recv_timeout(WAIT).expect("handler started");
    stream.stop().unwrap();
    assert!(
        dropped.load(Ordering::SeqCst),
        "handler dropped before stop returned"
    );
    assert_eq!(sim.state().stats().sessions, 0);
}

#[test]
fn a_panicking_handler_loses_only_its_own_event() {
    let sim = start_sim();
    let client = client_for(&sim);
    let (tx, rx) = mpsc::channel::<String>();
    let tx = Mutex::new(tx);
    let calls = Arc::new(Mutex::new(0u32));
    let c = calls.clone();
    let stream = EventStream::start_with_handler_blocking(&client, config(), move |e: &Event| {
        let n = {
            let mut c = c.lock().unwrap();
            *c += 1;
            *c
        };
        if n == 2 {
            panic!("handler bug");
        }
        tx.lock().unwrap().send(e.event_id().to_owned()).unwrap();
    })
    .unwrap();
    inject(&sim, &stream.session_id(), "engagementCenter.ScreenPop", 5);
    let got: Vec<String> = (0..4)
        .map(|_| rx.recv_timeout(WAIT).expect("event"))
        .collect();
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), 4);
    stream.stop().unwrap();
    assert_eq!(*calls.lock().unwrap(), 5);
    assert_eq!(
        sim.state().stats().acknowledged,
        5,
        "the panicked one is acknowledged too"
    );
}

#[test]
fn subscriptions_are_restored_on_a_recreated_session() {
    use ccbridge::models::{
        CatalogType, CatalogTypeEvent, FilterCriteria, ResourceType, Resources, Subscription,
    };
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, config()).unwrap();
    let only_screen_pops = Subscription {
        description: Some("screen pops only".into()),
        filter_criteria: FilterCriteria {
            catalog_type: CatalogType::EngagementCenterThirdParty,
            catalog_type_events: vec![CatalogTypeEvent::ScreenPop],
            resources: Resources {
                resource_type: ResourceType::Any,
                resource_ids: vec![],
            },
        },
    };
    let first = stream.subscribe_blocking(&only_screen_pops).unwrap();
    assert_eq!(
        stream.subscription_ids(),
        std::slice::from_ref(&first.subscription_id)
    );
    let old = stream.session_id();
    assert!(sim.state().expire_session(&old));
    let new = loop {
        match stream.next_item(WAIT).unwrap() {
            Some(StreamItem::Status(StreamStatus::SessionRecreated { new_session_id, .. })) => {
                break new_session_id
            }
            Some(_) => {}
            None => panic!("no SessionRecreated"),
        }
    };
    // Restored before the recreation was reported, under a new id.
    assert_eq!(sim.state().session_info(&new).unwrap().subscriptions, 1);
    let restored = stream.subscription_ids();
    assert_eq!(restored.len(), 1);
    assert_ne!(restored[0], first.subscription_id);
    // And it filters: the Idle is not delivered, the ScreenPop is.
    inject(&sim, &new, "engagementCenter.Idle", 1);
    inject(&sim, &new, "engagementCenter.ScreenPop", 1);
    let e = stream.next_event(WAIT).unwrap().expect("the screen pop");
    assert_eq!(e.event_type(), "engagementCenter.ScreenPop");
    stream.unsubscribe_blocking(&restored[0]).unwrap();
    assert!(stream.subscription_ids().is_empty());
    assert_eq!(sim.state().session_info(&new).unwrap().subscriptions, 0);
    stream.stop().unwrap();
}

/// OS threads of this process (Linux).
/// Threads of the dispatcher pool in this process (Linux only). Counted by name, since the
/// other tests of this binary start threads of their own while this one runs.
fn dispatcher_threads() -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    Some(
        tasks
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .filter(|comm| comm.trim_end() == "ccbridge-dispatch")
            .count(),
    )
}

#[test]
fn callback_streams_share_a_few_dispatcher_threads_in_order_one_call_at_a_time() {
    const STREAMS: usize = 150;
    const EVENTS: u64 = 20;
    let sim = ccbridge_sim::Simulator::start_blocking(ccbridge_sim::SimConfig {
        rate_limit_per_second: 0,
        ..sim_config()
    })
    .expect("simulator starts");
    let client = client_for(&sim);
    let before = dispatcher_threads();
    struct Seen {
        ids: Mutex<Vec<String>>,
        inside: std::sync::atomic::AtomicBool,
        overlaps: std::sync::atomic::AtomicUsize,
    }
    let mut streams = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..STREAMS {
        let s = Arc::new(Seen {
            ids: Mutex::new(Vec::new()),
            inside: Default::default(),
            overlaps: Default::default(),
        });
        let h = s.clone();
        let stream = EventStream::start_with_handler_blocking(
            &client,
            StreamConfig {
                max_events: 7,
                ..config()
            },
            move |e: &Event| {
                use std::sync::atomic::Ordering::SeqCst;
                if h.inside.swap(true, SeqCst) {
                    h.overlaps.fetch_add(1, SeqCst);
                }
                // Long enough that calls of one stream would overlap if they could.
                std::thread::sleep(Duration::from_micros(200));
                h.ids.lock().unwrap().push(e.event_id().to_owned());
                h.inside.store(false, SeqCst);
            },
        )
        .expect("stream starts");
        streams.push(stream);
        seen.push(s);
    }
    let mut expected = Vec::new();
    for stream in &streams {
        let result = sim
            .state()
            .inject_event(InjectEvent {
                session_id: Some(stream.session_id()),
                event_type: "engagementCenter.Idle".into(),
                payload: json!({"n": 1}),
                count: Some(EVENTS),
                ..Default::default()
            })
            .expect("injected");
        expected.push(result.event_ids.expect("ids returned"));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline
        && seen
            .iter()
            .any(|s| s.ids.lock().unwrap().len() < EVENTS as usize)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let during = dispatcher_threads();
    for (i, (s, want)) in seen.iter().zip(&expected).enumerate() {
        assert_eq!(
            &*s.ids.lock().unwrap(),
            want,
            "stream {i}: every event, in order"
        );
        assert_eq!(s.overlaps.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
    if let (Some(before), Some(during)) = (before, during) {
        // A thread per stream would be 150 more; the pool is bounded well below.
        assert!(
            during.saturating_sub(before) < STREAMS / 2,
            "{before} dispatcher threads before, {during} with {STREAMS} callback streams"
        );
    }
    for stream in &streams {
        stream.stop().expect("stops");
    }
}

#[test]
fn an_event_no_client_can_read_is_reported_once_and_acknowledged() {
    let sim = start_sim();
    let client = client_for(&sim);
    let stream = EventStream::start_blocking(&client, config()).unwrap();
    let sid = stream.session_id();
    let bad = sim
        .state()
        .inject_event(InjectEvent {
            session_id: Some(sid.clone()),
            event_type: "engagementCenter.Idle".into(),
            malformed: true,
            ..Default::default()
        })
        .expect("injected")
        .event_ids
        .unwrap()
        .remove(0);
    inject(&sim, &sid, "engagementCenter.Idle", 1);
    let mut reports = Vec::new();
    let mut events = 0;
    // Several polls' worth: a malformed event left unacknowledged would come back on each.
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        match stream.next_item(Duration::from_millis(100)).unwrap() {
            Some(StreamItem::Status(StreamStatus::MalformedEvent { message })) => {
                reports.push(message)
            }
            Some(StreamItem::Event(_)) => events += 1,
            _ => {}
        }
    }
    assert_eq!(events, 1, "the readable event is delivered");
    assert_eq!(reports.len(), 1, "reported once: {reports:?}");
    assert!(reports[0].contains(&bad), "names the event: {}", reports[0]);
    let info = sim.state().session_info(&sid).expect("session alive");
    assert_eq!(
        (info.queued, info.in_flight),
        (0, 0),
        "acknowledged, so never redelivered"
    );
    stream.stop().unwrap();
}

#[test]
fn streams_over_http2_share_the_connection_when_asked_and_plain_http_negotiates_http1() {
    // Over plain http:// nothing can negotiate HTTP/2: the default (negotiate) speaks
    // HTTP/1.1 there, as `off` does; prior knowledge speaks HTTP/2 from the first byte.
    let sim = start_sim();
    let h1 = client_for(&sim);
    let off = client_with(&sim, |b| b.http2(Http2::Off));
    let h2 = client_with(&sim, |b| b.http2(Http2::PriorKnowledge));
    let mut streams = Vec::new();
    for client in [&h1, &off, &h2] {
        let before = sim.state().stats();
        for _ in 0..10 {
            let stream = EventStream::start_blocking(client, config()).unwrap();
            inject(&sim, &stream.session_id(), "engagementCenter.Idle", 3);
            streams.push(stream);
        }
        for stream in streams.drain(..) {
            for _ in 0..3 {
                stream.next_event(WAIT).unwrap().expect("an event");
            }
            stream.stop().unwrap();
        }
        let after = sim.state().stats();
        let (total, over_h2) = (
            after.total_requests - before.total_requests,
            after.http2_requests - before.http2_requests,
        );
        assert!(total > 40, "{total}");
        if std::ptr::eq(client, &h2) {
            assert_eq!(over_h2, total, "every request over HTTP/2");
        } else {
            assert_eq!(
                over_h2, 0,
                "HTTP/1.1 over plain http:// without prior knowledge"
            );
        }
    }
}

#[test]
fn over_http2_streams_spread_over_connections_within_the_servers_stream_limit() {
    // A server that allows 3 requests in flight per connection: 7 long polls on one
    // connection would leave 4 of them waiting (and their sessions expiring).
    // Polls wait 5 s for an event, so a poll queued behind the limit would be late.
    let sim = Simulator::start_blocking(SimConfig {
        http2_max_streams: Some(3),
        poll_wait: Duration::from_secs(5),
        ..common::sim_config()
    })
    .expect("simulator starts");
    let client = client_with(&sim, |b| {
        b.http2(Http2::PriorKnowledge)
            .http2_streams_per_connection(3)
    });
    let streams: Vec<EventStream> = (0..7)
        .map(|_| EventStream::start_blocking(&client, config()).unwrap())
        .collect();
    // Every stream's poll is waiting at once: an event for the last streams reaches them
    // while the first ones' polls still wait for theirs (on one connection, the last
    // polls would wait for those to end).
    std::thread::sleep(Duration::from_millis(300));
    let (first, last) = streams.split_at(3);
    for part in [last, first] {
        for stream in part {
            inject(&sim, &stream.session_id(), "engagementCenter.Idle", 1);
        }
        for stream in part {
            let event = stream
                .next_event(Duration::from_secs(2))
                .unwrap()
                .expect("an event while the other streams' polls wait");
            assert_eq!(event.event_type(), "engagementCenter.Idle");
        }
    }
    let stats = sim.state().stats();
    assert_eq!(
        stats.http2_requests, stats.total_requests,
        "all over HTTP/2"
    );
    // 7 streams, 3 per connection: 3 connections for the polls, 1 for everything else.
    assert_eq!(stats.http2_connections, 4, "{stats:?}");
    for stream in streams {
        stream.stop().unwrap();
    }
}

#[test]
fn the_acknowledgement_and_the_next_poll_share_a_write_unless_pipelining_is_off() {
    // Over plain http:// the streams' requests go on the client's own HTTP/1.1
    // connections, where an acknowledgement due before a poll goes in one write with it.
    // The simulator counts the requests that came before the answer to the one ahead.
    let sim = start_sim();
    for pipelining in [true, false] {
        let client = client_with(&sim, |b| b.http1_pipelining(pipelining));
        let stream = EventStream::start_blocking(
            &client,
            StreamConfig {
                require_acknowledgement: true,
                // Longer than the test: every acknowledgement goes out before a poll.
                ack_interval: Duration::from_secs(60),
                ..config()
            },
        )
        .unwrap();
        let before = sim.state().stats();
        for _ in 0..5 {
            inject(&sim, &stream.session_id(), "engagementCenter.Idle", 3);
            for _ in 0..3 {
                stream.next_event(WAIT).unwrap().expect("an event");
            }
        }
        // Coming back once more hands over the last event, whose acknowledgement goes
        // with the next poll.
        assert!(stream
            .next_event(Duration::from_millis(300))
            .unwrap()
            .is_none());
        let after = sim.state().stats();
        assert_eq!(
            after.acknowledged - before.acknowledged,
            15,
            "every event acknowledged, pipelining {pipelining}"
        );
        let pipelined = after.pipelined_requests - before.pipelined_requests;
        if pipelining {
            assert!(
                pipelined >= 5,
                "a poll behind each acknowledgement: {pipelined}"
            );
        } else {
            assert_eq!(pipelined, 0, "nothing pipelined when it is off");
        }
        stream.stop().unwrap();
    }
}
