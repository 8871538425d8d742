//! Soak of the event engine: many streams on one client, events injected throughout, under
//! the simulator's fault mix, with sessions and tokens expired every few seconds. It counts
//! what reached the handlers and what did not.
//!
//! Everything goes through the public API ([`EventStream::start_with_handler`] on one
//! [`ViaClient`]) and the simulator's control API over HTTP (`/sim/events`, `/sim/faults`,
//! `/sim/sessions/{id}/expire`, `/sim/tokens/expire`, `/sim/stats`), so the simulator may
//! be this process's (a test) or another process (`make bench`).
//!
//! The accounting is by `eventId`, which the simulator keeps unique across sessions:
//!
//! - an event is **injected** when `POST /sim/events` queued it on a stream's current
//!   session (the answer names its id); an injection refused because that session had just
//!   been expired queued nothing and is tried again elsewhere;
//! - an event is **discarded** when a forced expiry (`POST /sim/sessions/{id}/expire`)
//!   lists it among the events that died with the session, for which the engine reports
//!   `SessionRecreated` (a gap is possible). One still queued never reaches the client;
//!   one delivered and not yet acknowledged may still reach a handler, and then counts as
//!   delivered like any other;
//! - **lost**: injected, not discarded, never handed to a handler; in particular an event
//!   that dies with a session the engine let expire of inactivity, or left behind when it
//!   failed, is lost;
//! - **duplicated**: every hand-over of an event id beyond the first, across all handlers;
//! - **misrouted**: handed to a handler other than the one of the stream whose session it
//!   was injected into; **unknown**: handed over but never injected.
//!
//! A run passes when lost, duplicated, misrouted and unknown are all 0 and every event
//! was accounted for within the time limit.

use ccbridge::{
    Event, EventHandler, EventStream, RetryPolicy, StreamConfig, StreamItem, StreamStatus,
    ViaClient,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Share of the streaming requests (GET and POST under `/streaming/`) answered by each
/// kind of fault. Each share is of all matching requests, not of those left by the faults
/// before it.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultMix {
    /// 5xx answers, split evenly between 500, 502 and 503.
    pub server_error: f64,
    /// 429 answers with `Retry-After`.
    pub rate_limited: f64,
    /// `Retry-After` of the 429s, seconds.
    pub retry_after_secs: u64,
    /// Dropped connections, half before the simulator handles the request (`drop`) and
    /// half after it did (`dropResponse`: a poll's events are then in flight, an
    /// acknowledgement took effect, and the client cannot know).
    pub dropped: f64,
}

impl Default for FaultMix {
    /// The mix: 10 % 5xx, 5 % 429, 5 % dropped.
    fn default() -> Self {
        FaultMix {
            server_error: 0.10,
            rate_limited: 0.05,
            retry_after_secs: 1,
            dropped: 0.05,
        }
    }
}

/// What one soak does.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// Streams, each with its own session, all on one client.
    pub sessions: usize,
    /// Events to inject in total.
    pub events: u64,
    /// Hard bound of the whole run (injection, delivery, settling), before stopping.
    pub time_limit: Duration,
    /// Injection is spread evenly over this long, so faults and expiries meet traffic.
    pub inject_over: Duration,
    /// Events per `POST /sim/events` (at most 1000, so the simulator names their ids).
    pub batch: u64,
    /// A random stream's session is expired this often.
    pub session_expiry_every: Duration,
    /// Every token is expired this often.
    pub token_expiry_every: Duration,
    /// The faults on the streaming paths.
    pub faults: FaultMix,
    /// After every event is accounted for, the chaos goes on this long so that late
    /// redeliveries can show up as duplicates before the streams stop.
    pub settle: Duration,
    /// Engine settings of every stream.
    pub stream: StreamConfig,
    /// How long the handler takes per event: a slow consumer keeps events in hand across
    /// polls, so redeliveries and expiries meet events not yet acknowledged.
    pub handler_pause: Duration,
    /// Seeds the soak's choices (which stream gets each batch, which session expires).
    /// The simulator's fault draws and the timing of threads are not seeded, so a seed
    /// does not replay a run; it is printed to tell runs apart.
    pub seed: u64,
}

impl SoakConfig {
    /// `make bench`: 100 sessions, 100,000 events, at most 180 s.
    pub fn bench() -> Self {
        SoakConfig {
            sessions: 100,
            events: 100_000,
            time_limit: Duration::from_secs(180),
            inject_over: Duration::from_secs(40),
            batch: 50,
            session_expiry_every: Duration::from_secs(2),
            token_expiry_every: Duration::from_secs(3),
            faults: FaultMix::default(),
            settle: Duration::from_secs(2),
            stream: stream_config(),
            handler_pause: Duration::ZERO,
            seed: seed_from_clock(),
        }
    }

    /// `make test`: 10 sessions, 3,000 events, at most 20 s, expiries more often so a few
    /// happen during the shorter injection.
    pub fn quick() -> Self {
        SoakConfig {
            sessions: 10,
            events: 3_000,
            time_limit: Duration::from_secs(20),
            inject_over: Duration::from_secs(6),
            batch: 25,
            session_expiry_every: Duration::from_millis(700),
            token_expiry_every: Duration::from_millis(1500),
            faults: FaultMix::default(),
            settle: Duration::from_millis(500),
            stream: stream_config(),
            handler_pause: Duration::ZERO,
            seed: seed_from_clock(),
        }
    }
}

/// A seed that differs from run to run.
pub fn seed_from_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// SplitMix64: enough for picking streams, and the same sequence on every platform for a
/// given seed without a dependency.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// What is known of one event id.
#[derive(Default)]
struct Entry {
    /// Stream whose session it was injected into, and that session.
    injected: Option<(usize, Arc<str>)>,
    /// Listed by a forced expiry as gone with its session.
    discarded: bool,
    /// Hand-overs to handlers.
    deliveries: u32,
    /// Stream of the first handler that got it.
    first_handler: Option<usize>,
    /// Handed to a handler of another stream than the one it was injected for.
    misrouted: bool,
    /// Milliseconds since the start: when its injection was sent, and its first hand-over.
    sent_ms: Option<u64>,
    delivered_ms: Option<u64>,
}

impl Entry {
    /// Injected, still owed to a handler.
    fn outstanding(&self) -> bool {
        self.injected.is_some() && !self.discarded && self.deliveries == 0
    }
}

/// The ledger of every event id, updated by the injector, the expirer and the handlers
/// (whichever learns of an id first creates its entry: a handler may see an event before
/// the injection's answer names it).
#[derive(Default)]
struct Ledger {
    entries: HashMap<String, Entry>,
    outstanding: u64,
}

impl Ledger {
    fn update(&mut self, id: &str, f: impl FnOnce(&mut Entry)) {
        let entry = match self.entries.get_mut(id) {
            Some(e) => e,
            None => self.entries.entry(id.to_owned()).or_default(),
        };
        let before = entry.outstanding();
        f(entry);
        match (before, entry.outstanding()) {
            (false, true) => self.outstanding += 1,
            (true, false) => self.outstanding -= 1,
            _ => {}
        }
    }
}

/// One line of a stream's status log.
struct StatusLine {
    at_ms: u64,
    text: String,
}

/// Statuses seen by the handlers, by kind.
#[derive(Default)]
struct Statuses {
    by_name: BTreeMap<&'static str, u64>,
    /// Retrying statuses by error code and HTTP status (`"api 503"`, `"transport"`).
    retries_by_error: BTreeMap<String, u64>,
    /// Messages of `failed` statuses (a stream that failed stops polling for good).
    failures: Vec<String>,
}

/// Shared by the handlers and the soak.
struct Shared {
    started: Instant,
    ledger: Mutex<Ledger>,
    statuses: Mutex<Statuses>,
    /// The last statuses of each stream, to explain a lost event.
    logs: Vec<Mutex<VecDeque<StatusLine>>>,
    handler_calls: AtomicU64,
}

const LOG_LINES: usize = 200;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The handler of stream `index`: records every event id it is handed and every status.
struct Recorder {
    index: usize,
    shared: Arc<Shared>,
    pause: Duration,
}

impl Recorder {
    fn record_status(&self, status: &StreamStatus) {
        let name = status.name();
        {
            let mut s = lock(&self.shared.statuses);
            *s.by_name.entry(name).or_insert(0) += 1;
            if name == "retrying" {
                let key = status.error().map_or_else(
                    || "unknown".to_owned(),
                    |e| match e.http_status() {
                        Some(code) => format!("{} {code}", e.code().as_str()),
                        None => e.code().as_str().to_owned(),
                    },
                );
                *s.retries_by_error.entry(key).or_insert(0) += 1;
            }
            if name == "failed" {
                s.failures
                    .push(format!("stream {}: {}", self.index, status.describe()));
            }
        }
        let mut log = lock(&self.shared.logs[self.index]);
        if log.len() == LOG_LINES {
            log.pop_front();
        }
        log.push_back(StatusLine {
            at_ms: self.shared.started.elapsed().as_millis() as u64,
            text: status.describe(),
        });
    }
}

impl EventHandler for Recorder {
    fn on_event(&mut self, event: &Event) {
        self.on_batch(vec![StreamItem::Event(event.clone())]);
    }

    fn on_status(&mut self, status: &StreamStatus) {
        self.record_status(status);
    }

    // One lock of the ledger per batch: a hundred streams share it.
    fn on_batch(&mut self, items: Vec<StreamItem>) {
        let mut events = 0;
        if !self.pause.is_zero() {
            let n = items
                .iter()
                .filter(|i| matches!(i, StreamItem::Event(_)))
                .count();
            std::thread::sleep(self.pause * n as u32);
        }
        {
            let now_ms = self.shared.started.elapsed().as_millis() as u64;
            let mut ledger = lock(&self.shared.ledger);
            for item in &items {
                if let StreamItem::Event(e) = item {
                    events += 1;
                    let me = self.index;
                    ledger.update(e.event_id(), |entry| {
                        entry.deliveries += 1;
                        entry.first_handler.get_or_insert(me);
                        entry.delivered_ms.get_or_insert(now_ms);
                        if entry.injected.as_ref().is_some_and(|(s, _)| *s != me) {
                            entry.misrouted = true;
                        }
                    });
                }
            }
        }
        self.shared
            .handler_calls
            .fetch_add(events, Ordering::Relaxed);
        for item in &items {
            if let StreamItem::Status(s) = item {
                self.record_status(s);
            }
        }
    }
}

/// The simulator's control API.
struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let body = resp.json().await.unwrap_or(Value::Null);
                (status, body)
            }
            Err(e) => panic!("simulator control {path}: {e}"),
        }
    }

    /// The fault rules of `mix` for one method: every rule is tried in turn, so each one's
    /// probability is its share of what the rules before it left.
    async fn install_faults(&self, mix: &FaultMix) {
        let third = mix.server_error / 3.0;
        let half = mix.dropped / 2.0;
        let rules: [(f64, Value); 6] = [
            (third, json!({"kind": "status", "status": 500})),
            (third, json!({"kind": "status", "status": 502})),
            (third, json!({"kind": "status", "status": 503})),
            (
                mix.rate_limited,
                json!({"kind": "status", "status": 429, "retryAfter": mix.retry_after_secs}),
            ),
            (half, json!({"kind": "drop"})),
            (half, json!({"kind": "dropResponse"})),
        ];
        for method in ["GET", "POST"] {
            let mut left = 1.0;
            for (share, rule) in &rules {
                if *share <= 0.0 {
                    continue;
                }
                let mut rule = rule.clone();
                rule["method"] = json!(method);
                rule["pathContains"] = json!("/streaming/");
                rule["count"] = json!(0);
                rule["probability"] = json!((share / left).min(1.0));
                left -= share;
                let (status, body) = self
                    .send(reqwest::Method::POST, "/sim/faults", Some(rule))
                    .await;
                assert_eq!(status, 200, "fault refused: {body}");
            }
        }
    }
}

/// Counters of the chaos tasks.
#[derive(Default)]
struct Chaos {
    sessions_expired: AtomicU64,
    /// Expiries that found the session already gone (being replaced).
    expiries_missed: AtomicU64,
    tokens_expired: AtomicU64,
    events_discarded: AtomicU64,
}

/// Counters of the injector.
#[derive(Default)]
struct Injection {
    injected: AtomicU64,
    /// Injections answered 404: the session had just been expired; tried again.
    refused: AtomicU64,
    done: AtomicBool,
}

/// What a soak found. [`SoakReport::to_json`] prints it.
#[derive(Debug, Clone)]
pub struct SoakReport {
    /// The configuration it ran with.
    pub config: SoakConfig,
    /// Events queued by the simulator on a stream's session.
    pub events_injected: u64,
    /// Injections refused because the session had just been expired (nothing queued).
    pub injections_refused: u64,
    /// Distinct injected events handed to a handler.
    pub events_delivered: u64,
    /// Hand-overs to handlers, duplicates included.
    pub handler_calls: u64,
    /// Injected, not discarded with an expired session, never handed over.
    pub lost: u64,
    /// Hand-overs of an event id beyond its first.
    pub duplicated: u64,
    /// Events handed to the handler of another stream.
    pub misrouted: u64,
    /// Events handed over that were never injected.
    pub unknown: u64,
    /// Events that died with a session the soak expired, never handed over (not lost).
    pub discarded_with_expired_session: u64,
    /// Events listed as discarded that a handler got anyway (they were in the client's
    /// hands when their session died).
    pub discarded_but_delivered: u64,
    /// Sessions the soak expired.
    pub sessions_expired: u64,
    /// Forced expiries that found the session already gone.
    pub expiries_missed: u64,
    /// Token expiries.
    pub tokens_expired: u64,
    /// `session_recreated` statuses seen by the handlers.
    pub sessions_recreated: u64,
    /// `retrying` statuses seen by the handlers.
    pub retries_seen: u64,
    /// Statuses by name.
    pub statuses: BTreeMap<String, u64>,
    /// `retrying` statuses by error.
    pub retries_by_error: BTreeMap<String, u64>,
    /// Why streams failed, if any did.
    pub stream_failures: Vec<String>,
    /// Redeliveries the engines hid (their own counters).
    pub engine_duplicates_suppressed: u64,
    /// Requests the simulator answered with an injected fault.
    pub faults_injected: u64,
    /// Requests the simulator served outside `/sim/`.
    pub sim_requests: u64,
    /// Events the simulator discarded with a session by any cause (includes those of the
    /// soak's expiries and whatever was left when the streams deleted their sessions).
    pub sim_events_discarded: u64,
    /// Every event was accounted for before the time limit.
    pub completed: bool,
    /// Seconds from the first injection until every event was accounted for (or the
    /// time limit).
    pub elapsed_seconds: f64,
    /// Distinct events delivered per second over `elapsed_seconds`.
    pub events_per_second: f64,
    /// Up to 20 lost events with their stream, session and that stream's last statuses.
    pub lost_examples: Vec<Value>,
    /// From sending an event's injection to its first hand-over, milliseconds: p50, p99,
    /// p99.9 and max.
    pub delivery_ms: BTreeMap<String, u64>,
    /// The slowest deliveries: event, stream, latency, and that stream's statuses around
    /// the time (a slow event is one the engine nearly lost).
    pub slowest: Vec<Value>,
}

impl SoakReport {
    /// Whether nothing was lost, duplicated, misrouted or unknown, and the run completed.
    pub fn passed(&self) -> bool {
        self.completed
            && self.lost == 0
            && self.duplicated == 0
            && self.misrouted == 0
            && self.unknown == 0
    }

    /// The report as the JSON object printed under the key `soak`.
    pub fn to_json(&self) -> Value {
        let c = &self.config;
        json!({
            "sessions": c.sessions,
            "events_requested": c.events,
            "seed": c.seed,
            "time_limit_seconds": c.time_limit.as_secs_f64(),
            "inject_over_seconds": c.inject_over.as_secs_f64(),
            "session_expiry_every_ms": c.session_expiry_every.as_millis() as u64,
            "token_expiry_every_ms": c.token_expiry_every.as_millis() as u64,
            "fault_mix": {
                "server_error_500_502_503": c.faults.server_error,
                "rate_limited_429": c.faults.rate_limited,
                "retry_after_seconds": c.faults.retry_after_secs,
                "dropped_half_before_half_after_handling": c.faults.dropped,
                "applies_to": "GET and POST under /streaming/",
            },
            "events_injected": self.events_injected,
            "injections_refused_session_just_expired": self.injections_refused,
            "events_delivered": self.events_delivered,
            "handler_calls": self.handler_calls,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "misrouted": self.misrouted,
            "unknown": self.unknown,
            "discarded_with_expired_session": self.discarded_with_expired_session,
            "discarded_but_delivered": self.discarded_but_delivered,
            "sessions_expired": self.sessions_expired,
            "expiries_missed": self.expiries_missed,
            "tokens_expired": self.tokens_expired,
            "sessions_recreated": self.sessions_recreated,
            "retries_seen": self.retries_seen,
            "statuses": self.statuses,
            "retries_by_error": self.retries_by_error,
            "stream_failures": self.stream_failures,
            "engine_duplicates_suppressed": self.engine_duplicates_suppressed,
            "sim_faults_injected": self.faults_injected,
            "sim_requests": self.sim_requests,
            "sim_events_discarded": self.sim_events_discarded,
            "completed": self.completed,
            "elapsed_seconds": (self.elapsed_seconds * 1000.0).round() / 1000.0,
            "events_per_second": self.events_per_second.round(),
            "passed": self.passed(),
            "lost_examples": self.lost_examples,
            "delivery_ms": self.delivery_ms,
            "slowest_deliveries": self.slowest,
        })
    }
}

/// A client of the simulator at `base_url` with its default credentials. Short transport
/// backoffs: the soak is about what arrives, and its time limit is better spent on
/// traffic than on sleeping.
fn client(base_url: &str) -> ViaClient {
    crate::sim_client(
        base_url,
        RetryPolicy {
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(500),
            ..RetryPolicy::default()
        },
        false,
    )
}

/// Engine settings of the soaks: acknowledgement on (the default) and short backoffs, for
/// the same reason as the client's.
pub fn stream_config() -> StreamConfig {
    StreamConfig {
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(500),
        ..StreamConfig::default()
    }
}

/// Runs a soak against the simulator at `base_url` (which must not rate-limit: its faults
/// are the point, not its 100 requests/s) and reports. Panics when the simulator cannot be
/// reached or a stream cannot start (before any fault is installed).
pub fn run(base_url: &str, config: &SoakConfig) -> SoakReport {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("soak runtime");
    rt.block_on(run_async(base_url, config))
}

async fn run_async(base_url: &str, config: &SoakConfig) -> SoakReport {
    let control = Arc::new(Control {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("reqwest"),
        base: base_url.trim_end_matches('/').to_owned(),
    });
    control
        .send(reqwest::Method::DELETE, "/sim/faults", None)
        .await;
    let shared = Arc::new(Shared {
        started: Instant::now(),
        ledger: Mutex::new(Ledger::default()),
        statuses: Mutex::new(Statuses::default()),
        logs: (0..config.sessions)
            .map(|_| Mutex::new(VecDeque::new()))
            .collect(),
        handler_calls: AtomicU64::new(0),
    });
    let client = client(base_url);
    let mut streams = Vec::with_capacity(config.sessions);
    for index in 0..config.sessions {
        let handler = Recorder {
            index,
            shared: shared.clone(),
            pause: config.handler_pause,
        };
        let stream = EventStream::start_with_handler(&client, config.stream.clone(), handler)
            .await
            .expect("stream starts");
        streams.push(stream);
    }
    let streams = Arc::new(streams);
    let stats_before = control
        .send(reqwest::Method::GET, "/sim/stats", None)
        .await
        .1;
    control.install_faults(&config.faults).await;

    let chaos = Arc::new(Chaos::default());
    let injection = Arc::new(Injection::default());
    let (stop_chaos, stop_rx) = watch::channel(false);
    let mut rng = Rng(config.seed);
    let inject_task = tokio::spawn(inject(
        control.clone(),
        streams.clone(),
        shared.clone(),
        injection.clone(),
        stop_rx.clone(),
        config.clone(),
        Rng(rng.next_u64()),
    ));
    let expire_task = tokio::spawn(expire_sessions(
        control.clone(),
        streams.clone(),
        shared.clone(),
        chaos.clone(),
        stop_rx.clone(),
        config.session_expiry_every,
        Rng(rng.next_u64()),
    ));
    let token_task = tokio::spawn(expire_tokens(
        control.clone(),
        chaos.clone(),
        stop_rx,
        config.token_expiry_every,
    ));

    // Wait until every injected event is accounted for, or the time limit.
    let started = Instant::now();
    let deadline = started + config.time_limit;
    let mut completed = false;
    while Instant::now() < deadline {
        if injection.done.load(Ordering::SeqCst) && lock(&shared.ledger).outstanding == 0 {
            completed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    if completed {
        // Within the time limit: it bounds the whole run.
        let settle_until = (Instant::now() + config.settle).min(deadline);
        tokio::time::sleep_until(settle_until.into()).await;
    }
    // Looked at while the sessions still exist: where the missing events are.
    let lost_examples = lost_examples(&control, &shared).await;

    // Not aborted: an injection cut off after the simulator queued it would leave events
    // nobody knows the ids of.
    stop_chaos.send_replace(true);
    for task in [inject_task, expire_task, token_task] {
        // A failed control request (an assertion in the task) is the soak's failure.
        if let Err(e) = task.await {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
    control
        .send(reqwest::Method::DELETE, "/sim/faults", None)
        .await;
    // Stopping drains the handlers: whatever they get meanwhile still counts.
    for s in streams.iter() {
        s.cancel();
    }
    let mut engine_duplicates = 0;
    for s in streams.iter() {
        let _ = s.stop_async().await;
        engine_duplicates += s.stats().duplicates_suppressed;
    }
    let stats_after = control
        .send(reqwest::Method::GET, "/sim/stats", None)
        .await
        .1;
    let delta = |key: &str| {
        stats_after[key]
            .as_u64()
            .unwrap_or(0)
            .saturating_sub(stats_before[key].as_u64().unwrap_or(0))
    };

    let mut report = SoakReport {
        config: config.clone(),
        events_injected: injection.injected.load(Ordering::SeqCst),
        injections_refused: injection.refused.load(Ordering::SeqCst),
        events_delivered: 0,
        handler_calls: shared.handler_calls.load(Ordering::SeqCst),
        lost: 0,
        duplicated: 0,
        misrouted: 0,
        unknown: 0,
        discarded_with_expired_session: 0,
        discarded_but_delivered: 0,
        sessions_expired: chaos.sessions_expired.load(Ordering::SeqCst),
        expiries_missed: chaos.expiries_missed.load(Ordering::SeqCst),
        tokens_expired: chaos.tokens_expired.load(Ordering::SeqCst),
        sessions_recreated: 0,
        retries_seen: 0,
        statuses: BTreeMap::new(),
        retries_by_error: BTreeMap::new(),
        stream_failures: Vec::new(),
        engine_duplicates_suppressed: engine_duplicates,
        faults_injected: delta("faultsInjected"),
        sim_requests: delta("totalRequests"),
        sim_events_discarded: delta("eventsDiscarded"),
        completed,
        elapsed_seconds: elapsed.as_secs_f64(),
        events_per_second: 0.0,
        lost_examples,
        delivery_ms: BTreeMap::new(),
        slowest: Vec::new(),
    };
    {
        let ledger = lock(&shared.ledger);
        // An example found before the stop may have been delivered while the handlers
        // drained.
        report.lost_examples.retain(|x| {
            x["eventId"]
                .as_str()
                .and_then(|id| ledger.entries.get(id))
                .is_some_and(Entry::outstanding)
        });
        let mut latencies = Vec::with_capacity(ledger.entries.len());
        for entry in ledger.entries.values() {
            match (&entry.injected, entry.deliveries) {
                (None, n) if n > 0 => report.unknown += 1,
                (None, _) => {}
                (Some(_), 0) if entry.discarded => report.discarded_with_expired_session += 1,
                (Some(_), 0) => report.lost += 1,
                (Some(_), n) => {
                    if let (Some(sent), Some(got)) = (entry.sent_ms, entry.delivered_ms) {
                        latencies.push(got.saturating_sub(sent));
                    }
                    report.events_delivered += 1;
                    report.duplicated += u64::from(n - 1);
                    report.misrouted += u64::from(entry.misrouted);
                    report.discarded_but_delivered += u64::from(entry.discarded);
                }
            }
        }
        latencies.sort_unstable();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0)
        };
        report.delivery_ms = [("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999), ("max", 1.0)]
            .into_iter()
            .map(|(k, q)| (k.to_owned(), at(q)))
            .collect();
        report.slowest = slowest(&ledger, &shared);
    }
    {
        let s = lock(&shared.statuses);
        report.sessions_recreated = s.by_name.get("session_recreated").copied().unwrap_or(0);
        report.retries_seen = s.by_name.get("retrying").copied().unwrap_or(0);
        report.statuses = s
            .by_name
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect();
        report.retries_by_error = s.retries_by_error.clone();
        report.stream_failures = s.failures.clone();
    }
    report.events_per_second = report.events_delivered as f64 / elapsed.as_secs_f64().max(1e-9);
    debug_assert!(chaos.events_discarded.load(Ordering::SeqCst) <= report.sim_events_discarded);
    report
}

/// Spreads `config.events` over `config.inject_over`, in batches, each on a random stream's
/// current session.
async fn inject(
    control: Arc<Control>,
    streams: Arc<Vec<EventStream>>,
    shared: Arc<Shared>,
    injection: Arc<Injection>,
    stop: watch::Receiver<bool>,
    config: SoakConfig,
    mut rng: Rng,
) {
    let started = Instant::now();
    let total = config.events;
    let mut injected = 0u64;
    while injected < total && !*stop.borrow() {
        let share = started.elapsed().as_secs_f64() / config.inject_over.as_secs_f64().max(1e-9);
        let due = ((total as f64 * share) as u64).min(total);
        if injected >= due {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let index = rng.below(streams.len());
        let session: Arc<str> = Arc::from(streams[index].session_id());
        let count = config.batch.clamp(1, 1000).min(total - injected);
        let sent_ms = shared.started.elapsed().as_millis() as u64;
        let (status, body) = control
            .send(
                reqwest::Method::POST,
                "/sim/events",
                Some(json!({
                    "sessionId": &*session,
                    "eventType": "engagementCenter.ScreenPop",
                    "payload": {"userId": "soak", "ehubSessionId": 100, "ehubSessionIdRev": "100",
                        "payload": {"interactionId": index, "interactionIdRev": index.to_string(),
                            "mediaType": "InboundACD"}},
                    "count": count,
                })),
            )
            .await;
        if status == 404 {
            // The session was just expired and the engine has not replaced it yet: another
            // stream (or this one, replaced) takes the batch.
            injection.refused.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        }
        assert_eq!(status, 200, "injection failed: {body}");
        let ids: Vec<String> = body["eventIds"]
            .as_array()
            .expect("the simulator names the ids of up to 1000 events")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        {
            let mut ledger = lock(&shared.ledger);
            for id in &ids {
                let session = session.clone();
                ledger.update(id, |e| {
                    if e.first_handler.is_some_and(|h| h != index) {
                        e.misrouted = true;
                    }
                    e.injected = Some((index, session));
                    e.sent_ms = Some(sent_ms);
                });
            }
        }
        injected += ids.len() as u64;
        injection
            .injected
            .fetch_add(ids.len() as u64, Ordering::SeqCst);
    }
    injection.done.store(injected == total, Ordering::SeqCst);
}

/// Expires a random stream's current session every `every`, recording the events the
/// simulator says died with it.
async fn expire_sessions(
    control: Arc<Control>,
    streams: Arc<Vec<EventStream>>,
    shared: Arc<Shared>,
    chaos: Arc<Chaos>,
    mut stop: watch::Receiver<bool>,
    every: Duration,
    mut rng: Rng,
) {
    loop {
        if sleep_or_stop(&mut stop, every).await {
            return;
        }
        let index = rng.below(streams.len());
        let session = streams[index].session_id();
        let (status, body) = control
            .send(
                reqwest::Method::POST,
                &format!("/sim/sessions/{session}/expire"),
                None,
            )
            .await;
        if status == 404 {
            chaos.expiries_missed.fetch_add(1, Ordering::SeqCst);
            continue;
        }
        assert_eq!(status, 200, "expiry failed: {body}");
        let ids = body["discardedEventIds"]
            .as_array()
            .expect("the simulator lists the discarded events");
        {
            let mut ledger = lock(&shared.ledger);
            for id in ids.iter().filter_map(Value::as_str) {
                ledger.update(id, |e| e.discarded = true);
            }
        }
        chaos.sessions_expired.fetch_add(1, Ordering::SeqCst);
        chaos
            .events_discarded
            .fetch_add(ids.len() as u64, Ordering::SeqCst);
        let mut log = lock(&shared.logs[index]);
        if log.len() == LOG_LINES {
            log.pop_front();
        }
        log.push_back(StatusLine {
            at_ms: shared.started.elapsed().as_millis() as u64,
            text: format!(
                "soak expired session {session} ({} events discarded)",
                ids.len()
            ),
        });
    }
}

/// Sleeps `d`; true when the soak ended first.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.wait_for(|s| *s) => true,
    }
}

/// Expires every token every `every`.
async fn expire_tokens(
    control: Arc<Control>,
    chaos: Arc<Chaos>,
    mut stop: watch::Receiver<bool>,
    every: Duration,
) {
    loop {
        if sleep_or_stop(&mut stop, every).await {
            return;
        }
        let (status, body) = control
            .send(reqwest::Method::POST, "/sim/tokens/expire", None)
            .await;
        assert_eq!(status, 200, "token expiry failed: {body}");
        chaos.tokens_expired.fetch_add(1, Ordering::SeqCst);
    }
}

/// The five slowest deliveries (one per injection), with their stream's statuses from a
/// little before the injection to the delivery.
fn slowest(ledger: &Ledger, shared: &Shared) -> Vec<Value> {
    let mut timed: Vec<(u64, &String, &Entry)> = ledger
        .entries
        .iter()
        .filter_map(|(id, e)| match (e.sent_ms, e.delivered_ms) {
            (Some(s), Some(d)) => Some((d.saturating_sub(s), id, e)),
            _ => None,
        })
        .collect();
    timed.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    // One per injection: the events of a batch travel together.
    let mut seen = std::collections::HashSet::new();
    timed.retain(|(_, _, e)| seen.insert((e.injected.as_ref().map(|(s, _)| *s), e.sent_ms)));
    timed
        .into_iter()
        .take(5)
        .map(|(ms, id, e)| {
            let (index, session) = e.injected.clone().unwrap_or((0, Arc::from("")));
            let (from, to) = (
                e.sent_ms.unwrap_or(0).saturating_sub(1000),
                e.delivered_ms.unwrap_or(0),
            );
            let log: Vec<String> = lock(&shared.logs[index])
                .iter()
                .filter(|l| (from..=to).contains(&l.at_ms))
                .map(|l| format!("{} ms: {}", l.at_ms, l.text))
                .collect();
            json!({
                "eventId": id,
                "stream": index,
                "session": &*session,
                "sent_ms": e.sent_ms,
                "delivered_ms": e.delivered_ms,
                "latency_ms": ms,
                "stream_statuses_meanwhile": log,
            })
        })
        .collect()
}

/// Up to 20 events still owed to a handler: their stream, session, where the simulator
/// has them now, and the stream's last statuses.
async fn lost_examples(control: &Control, shared: &Shared) -> Vec<Value> {
    let missing: Vec<(String, usize, Arc<str>)> = {
        let ledger = lock(&shared.ledger);
        let mut v: Vec<(String, usize, Arc<str>)> = ledger
            .entries
            .iter()
            .filter(|(_, e)| e.outstanding())
            .filter_map(|(id, e)| {
                e.injected
                    .as_ref()
                    .map(|(s, sid)| (id.clone(), *s, sid.clone()))
            })
            .collect();
        v.sort();
        v.truncate(20);
        v
    };
    let mut out = Vec::new();
    for (id, index, session) in missing {
        let (status, info) = control
            .send(
                reqwest::Method::GET,
                &format!("/sim/sessions/{session}"),
                None,
            )
            .await;
        let log: Vec<String> = lock(&shared.logs[index])
            .iter()
            .map(|l| format!("{} ms: {}", l.at_ms, l.text))
            .collect();
        out.push(json!({
            "eventId": id,
            "stream": index,
            "session": &*session,
            "session_now": if status == 200 { info } else { json!("gone") },
            "stream_last_statuses": log,
        }));
    }
    out
}
