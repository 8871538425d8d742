//! The exported API driven the way uniffi drives it from Kotlin or Swift: futures polled on
//! a plain thread outside any tokio runtime, and listeners that fail.

use ccbridge::models::{ConnectParams, InitialState, NotReadyParams, NotReadyType};
use ccbridge::ClientOptions;
use ccbridge_sim::{SimConfig, Simulator};
use ccbridge_uniffi::{
    CcbError, Event, EventListener, ListenerError, StreamOptions, StreamStatusRecord, ViaClient,
};
use std::future::Future;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

/// A minimal executor: polls on the calling thread, parks between wake-ups, and has no
/// tokio context, like a foreign language's event loop.
fn block_on<F: Future>(fut: F) -> F::Output {
    struct ThreadWaker(Thread);
    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    assert!(tokio::runtime::Handle::try_current().is_err());
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park_timeout(Duration::from_millis(100));
    }
}

fn simulator() -> Simulator {
    Simulator::start_blocking(SimConfig {
        poll_wait: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

fn client(sim: &Simulator) -> Arc<ViaClient> {
    ViaClient::new(
        "simorg".into(),
        "sim-client".into(),
        "sim-secret".into(),
        "sim-api-key".into(),
        Some(ClientOptions {
            base_url: Some(sim.base_url()),
            ..Default::default()
        }),
    )
    .expect("valid configuration")
}

fn ehub_of(confirm: &Event) -> String {
    let payload: serde_json::Value = serde_json::from_str(&confirm.payload_json).unwrap();
    payload["payload"]["ehubSessionId"]
        .as_str()
        .expect("ConnectConfirm carries the ehubSessionId")
        .to_string()
}

#[test]
fn commands_and_pull_work_without_a_runtime_context() {
    let sim = simulator();
    let client = client(&sim);
    block_on(async {
        let stream = client.start_stream(None, None).await.unwrap();
        let sid = stream.session_id();
        let ec = client.engagement_center();
        ec.connect(
            sid.clone(),
            "rs-pull".into(),
            ConnectParams {
                initial_state: Some(InitialState::Idle),
                attach: false,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut types = Vec::new();
        let mut confirm = None;
        for _ in 0..4 {
            let e = stream.next_event(10_000).await.unwrap().expect("an event");
            if e.event_type == "engagementCenter.ConnectConfirm" {
                confirm = Some(e.clone());
            }
            types.push(e.event_type);
        }
        assert_eq!(
            types,
            [
                "engagementCenter.Connecting",
                "engagementCenter.ConnectConfirm",
                "engagementCenter.Connected",
                "engagementCenter.Idle"
            ]
        );
        let ehub = ehub_of(&confirm.unwrap());
        ec.not_ready(
            sid.clone(),
            "rs-pull".into(),
            NotReadyParams {
                ehub_session_id: ehub.clone(),
                reason_id: "7".into(),
                not_ready_type: NotReadyType::NotReady,
            },
        )
        .await
        .unwrap();
        let e = stream.next_event(10_000).await.unwrap().unwrap();
        assert_eq!(e.event_type, "engagementCenter.NotReady");
        assert_eq!(stream.next_event(200).await.unwrap(), None);
        stream.stop().await.unwrap();
        assert!(matches!(
            stream.next_event(100).await,
            Err(CcbError::Closed { .. })
        ));
    });
}

#[test]
fn bad_options_fail_with_the_field_name() {
    let sim = simulator();
    let client = client(&sim);
    for (options, field) in [
        (
            StreamOptions {
                inactivity_delay: 30,
                ..Default::default()
            },
            "inactivity_delay",
        ),
        (
            StreamOptions {
                max_events: 500,
                ..Default::default()
            },
            "max_events",
        ),
    ] {
        match block_on(client.start_stream(Some(options), None)) {
            Err(CcbError::InvalidArgument { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected InvalidArgument({field}), got {other:?}"),
        }
    }
}

/// A listener that reports every event as a failure, the way a foreign exception arrives.
struct Failing {
    tx: Mutex<mpsc::Sender<String>>,
}

impl EventListener for Failing {
    fn on_event(&self, event: Event) -> Result<(), ListenerError> {
        let _ = self.tx.lock().unwrap().send(event.event_type);
        Err(ListenerError::Failed {
            detail: "refused".into(),
        })
    }

    fn on_status(&self, status: StreamStatusRecord) -> Result<(), ListenerError> {
        let _ = self
            .tx
            .lock()
            .unwrap()
            .send(format!("status:{}", status.name));
        Ok(())
    }
}

#[test]
fn failing_listener_is_counted_and_the_stream_goes_on() {
    let sim = simulator();
    let client = client(&sim);
    let (tx, rx) = mpsc::channel();
    let listener = Arc::new(Failing { tx: Mutex::new(tx) });
    let stream = block_on(client.start_stream(None, Some(listener))).unwrap();
    block_on(client.engagement_center().connect(
        stream.session_id(),
        "rs-push".into(),
        ConnectParams {
            initial_state: Some(InitialState::Idle),
            attach: false,
            ..Default::default()
        },
    ))
    .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 5 {
        seen.push(
            rx.recv_timeout(Duration::from_secs(10))
                .expect("listener called"),
        );
    }
    assert_eq!(seen[0], "status:started");
    assert_eq!(seen[1], "engagementCenter.Connecting");
    assert_eq!(seen[4].as_str(), "engagementCenter.Idle", "{seen:?}");
    // The listener reports the event before its error reaches the counter.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while stream.stats().listener_errors < 4 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(stream.stats().listener_errors, 4);
    // Closing the last reference cancels the subscription.
    drop(stream);
    let last = loop {
        let s = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("stopped status");
        if s.starts_with("status:") {
            break s;
        }
    };
    assert_eq!(last, "status:stopped");
}
