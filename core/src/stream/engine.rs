//! The poller, the acknowledger, the buffer and the dispatcher of an [`EventStream`].

use super::dedupe::{Dedupe, Seen};
use super::{EventHandler, StreamConfig, StreamItem, StreamStatus};
use crate::client::ViaClient;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::models::{NewSessionV3, SessionResponseV3, Subscription, SubscriptionResponse};
use crate::runtime;
use crate::transport::full_jitter;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// Acknowledgements per request; the documents set no limit, this keeps bodies small.
const ACK_BATCH_MAX: usize = 200;
/// Items handed to a handler at once: enough to amortise entering a foreign runtime, few
/// enough that the shutdown deadline is checked often.
const DISPATCH_BATCH: usize = 64;
/// Statuses kept for a pull consumer that only asks for events.
const STATUS_BACKLOG: usize = 256;

/// Counters of a stream, for tests, benchmarks and dashboards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Successful polls.
    pub polls: u64,
    /// Events handed to the consumer.
    pub events_delivered: u64,
    /// Redeliveries hidden by the duplicate window.
    pub duplicates_suppressed: u64,
    /// Event ids acknowledged.
    pub events_acknowledged: u64,
    /// Sessions recreated after expiry.
    pub sessions_recreated: u64,
    /// Events dropped on a full buffer (acknowledgement off only).
    pub events_dropped: u64,
}

#[derive(Default)]
struct Counters {
    polls: AtomicU64,
    delivered: AtomicU64,
    duplicates: AtomicU64,
    acknowledged: AtomicU64,
    recreated: AtomicU64,
    dropped: AtomicU64,
}

struct Queue {
    items: VecDeque<StreamItem>,
    events: usize,
    /// No more items will be pushed.
    closed: bool,
    /// Why polling ended, when it ended on an error.
    failure: Option<Error>,
    /// Pull mode: the last event returned, acknowledged when the consumer asks again.
    pulled: Option<String>,
    /// Pull mode via `next_event`: statuses set aside.
    statuses: VecDeque<StreamStatus>,
    full_reported: bool,
}

struct Shared {
    client: ViaClient,
    config: StreamConfig,
    session_id: Mutex<String>,
    queue: Mutex<Queue>,
    cond: Condvar,
    /// Wakes async pull consumers.
    item_ready: Notify,
    /// Wakes the poller when the consumer made room.
    room: Notify,
    /// Wakes the poller when an event was handled (its acknowledgement is pending).
    progress: Notify,
    /// Events buffered or being handled, not yet handled.
    in_hand: AtomicUsize,
    dedupe: Mutex<Dedupe>,
    pending_acks: Mutex<Vec<String>>,
    ack_ready: Notify,
    ack_flush: tokio::sync::Mutex<()>,
    stop_tx: watch::Sender<bool>,
    stopping: AtomicBool,
    /// Set when the dispatcher drained (callback mode).
    drained_tx: watch::Sender<bool>,
    finished_tx: watch::Sender<bool>,
    drain_deadline: Mutex<Option<Instant>>,
    dispatcher: Mutex<Option<ThreadId>>,
    callback_mode: bool,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    counters: Counters,
    /// Subscriptions made through the stream: (current id, body), restored on every new
    /// session.
    subscriptions: Mutex<Vec<(String, Subscription)>>,
}

/// A running stream of events from one streaming session. See the [module docs](super).
///
/// Dropping it without [`EventStream::stop`] stops it in the background.
pub struct EventStream {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("session_id", &self.session_id())
            .field("callback_mode", &self.shared.callback_mode)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl EventStream {
    /// Creates a session and starts polling; events are pulled with
    /// [`EventStream::next_event`] / [`EventStream::next_event_async`].
    pub async fn start(client: &ViaClient, config: StreamConfig) -> Result<EventStream> {
        Self::start_inner(client, config, None).await
    }

    /// Creates a session and starts polling; each event is passed to `handler` on the
    /// stream's dispatcher thread.
    pub async fn start_with_handler(
        client: &ViaClient,
        config: StreamConfig,
        handler: impl EventHandler,
    ) -> Result<EventStream> {
        Self::start_inner(client, config, Some(Box::new(handler))).await
    }

    /// Blocking [`EventStream::start`], for threads outside any async runtime.
    pub fn start_blocking(client: &ViaClient, config: StreamConfig) -> Result<EventStream> {
        runtime::block_on(Self::start_inner(client, config, None))?
    }

    /// Blocking [`EventStream::start_with_handler`].
    pub fn start_with_handler_blocking(
        client: &ViaClient,
        config: StreamConfig,
        handler: impl EventHandler,
    ) -> Result<EventStream> {
        runtime::block_on(Self::start_inner(client, config, Some(Box::new(handler))))?
    }

    async fn start_inner(
        client: &ViaClient,
        config: StreamConfig,
        handler: Option<Box<dyn EventHandler>>,
    ) -> Result<EventStream> {
        config.validate()?;
        let info = create_session(client, &config).await?;
        let (stop_tx, _) = watch::channel(false);
        let (drained_tx, _) = watch::channel(false);
        let (finished_tx, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            client: client.clone(),
            dedupe: Mutex::new(Dedupe::new(config.dedupe_window)),
            config,
            session_id: Mutex::new(info.session_id.clone()),
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                events: 0,
                closed: false,
                failure: None,
                pulled: None,
                statuses: VecDeque::new(),
                full_reported: false,
            }),
            cond: Condvar::new(),
            item_ready: Notify::new(),
            room: Notify::new(),
            progress: Notify::new(),
            in_hand: AtomicUsize::new(0),
            pending_acks: Mutex::new(Vec::new()),
            ack_ready: Notify::new(),
            ack_flush: tokio::sync::Mutex::new(()),
            stop_tx,
            stopping: AtomicBool::new(false),
            drained_tx,
            finished_tx,
            drain_deadline: Mutex::new(None),
            dispatcher: Mutex::new(None),
            callback_mode: handler.is_some(),
            tasks: Mutex::new(Vec::new()),
            counters: Counters::default(),
            subscriptions: Mutex::new(Vec::new()),
        });
        tracing::info!(session_id = %info.session_id, "stream started");
        shared.push_status(StreamStatus::Started {
            session_id: info.session_id,
        });
        let rt = runtime::handle();
        let poller = rt.spawn(poll_loop(shared.clone()));
        let acker = rt.spawn(ack_loop(shared.clone()));
        lock(&shared.tasks).extend([poller, acker]);
        if let Some(handler) = handler {
            let s = shared.clone();
            let t = thread::Builder::new()
                .name("ccbridge-dispatch".into())
                .spawn(move || dispatch_loop(s, handler))
                .map_err(|e| Error::Transport {
                    message: format!("cannot start the dispatcher thread: {e}"),
                })?;
            *lock(&shared.dispatcher) = Some(t.thread().id());
        }
        Ok(EventStream { shared })
    }

    /// The current session id (changes when the session is recreated).
    pub fn session_id(&self) -> String {
        lock(&self.shared.session_id).clone()
    }

    /// Subscribes the stream's session to the events `filter` describes
    /// (`streaming.createSubscription`), and keeps the subscription: when the session is
    /// recreated, the engine creates it again on the new session before it reports
    /// [`StreamStatus::SessionRecreated`]. Its id then changes
    /// ([`EventStream::subscription_ids`]).
    pub async fn subscribe(&self, filter: &Subscription) -> Result<SubscriptionResponse> {
        let sid = self.session_id();
        let answer = self
            .shared
            .client
            .streaming()
            .create_subscription(&sid, filter)
            .await?;
        lock(&self.shared.subscriptions).push((answer.subscription_id.clone(), filter.clone()));
        Ok(answer)
    }

    /// Blocking [`EventStream::subscribe`].
    pub fn subscribe_blocking(&self, filter: &Subscription) -> Result<SubscriptionResponse> {
        crate::runtime::block_on(self.subscribe(filter))?
    }

    /// Deletes a subscription made with [`EventStream::subscribe`] and stops restoring it.
    pub async fn unsubscribe(&self, subscription_id: &str) -> Result<()> {
        let sid = self.session_id();
        self.shared
            .client
            .streaming()
            .delete_subscription(&sid, subscription_id)
            .await?;
        lock(&self.shared.subscriptions).retain(|(id, _)| id != subscription_id);
        Ok(())
    }

    /// Blocking [`EventStream::unsubscribe`].
    pub fn unsubscribe_blocking(&self, subscription_id: &str) -> Result<()> {
        crate::runtime::block_on(self.unsubscribe(subscription_id))?
    }

    /// The ids of the stream's subscriptions on its current session.
    pub fn subscription_ids(&self) -> Vec<String> {
        lock(&self.shared.subscriptions)
            .iter()
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The stream's counters.
    pub fn stats(&self) -> StreamStats {
        let c = &self.shared.counters;
        StreamStats {
            polls: c.polls.load(Ordering::Relaxed),
            events_delivered: c.delivered.load(Ordering::Relaxed),
            duplicates_suppressed: c.duplicates.load(Ordering::Relaxed),
            events_acknowledged: c.acknowledged.load(Ordering::Relaxed),
            sessions_recreated: c.recreated.load(Ordering::Relaxed),
            events_dropped: c.dropped.load(Ordering::Relaxed),
        }
    }

    /// Whether the calling thread is this stream's dispatcher thread (where its handler
    /// runs): a blocking wait for one of this stream's events would wait for itself there.
    pub fn on_dispatcher_thread(&self) -> bool {
        *lock(&self.shared.dispatcher) == Some(thread::current().id())
    }

    /// Whether stop has begun.
    pub fn is_stopping(&self) -> bool {
        self.shared.stopping.load(Ordering::SeqCst)
    }

    /// Pull mode: the next event, waiting up to `timeout`. `Ok(None)` on timeout.
    ///
    /// Asking for the next event acknowledges the previous one: it counts as handled.
    /// Statuses met on the way are kept for [`EventStream::drain_statuses`]. After stop
    /// (or a fatal error) and once the buffer is empty, returns `Err(Closed)` (or that
    /// error).
    pub fn next_event(&self, timeout: Duration) -> Result<Option<Event>> {
        let deadline = deadline_after(timeout);
        loop {
            match self.next_item(remaining(deadline))? {
                None => return Ok(None),
                Some(StreamItem::Event(e)) => return Ok(Some(e)),
                Some(StreamItem::Status(s)) => self.shared.keep_status(s),
            }
        }
    }

    /// Pull mode: the next event or status, waiting up to `timeout`.
    pub fn next_item(&self, timeout: Duration) -> Result<Option<StreamItem>> {
        self.shared.check_pull()?;
        let deadline = deadline_after(timeout);
        let mut q = lock(&self.shared.queue);
        self.shared.complete_pulled(&mut q);
        loop {
            if let Some(r) = self.shared.take(&mut q) {
                return r.map(Some);
            }
            q = match deadline {
                None => self.shared.cond.wait(q).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(None);
                    }
                    self.shared
                        .cond
                        .wait_timeout(q, deadline - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
    }

    /// Async [`EventStream::next_event`].
    pub async fn next_event_async(&self, timeout: Duration) -> Result<Option<Event>> {
        let deadline = deadline_after(timeout);
        loop {
            match self.next_item_async(remaining(deadline)).await? {
                None => return Ok(None),
                Some(StreamItem::Event(e)) => return Ok(Some(e)),
                Some(StreamItem::Status(s)) => self.shared.keep_status(s),
            }
        }
    }

    /// Async [`EventStream::next_item`].
    pub async fn next_item_async(&self, timeout: Duration) -> Result<Option<StreamItem>> {
        self.shared.check_pull()?;
        let deadline = deadline_after(timeout).map(tokio::time::Instant::from_std);
        {
            let mut q = lock(&self.shared.queue);
            self.shared.complete_pulled(&mut q);
        }
        loop {
            let notified = self.shared.item_ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(r) = self.shared.take(&mut lock(&self.shared.queue)) {
                return r.map(Some);
            }
            match deadline {
                None => notified.await,
                Some(d) => {
                    if tokio::time::timeout_at(d, notified).await.is_err() {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Statuses set aside by [`EventStream::next_event`], oldest first.
    pub fn drain_statuses(&self) -> Vec<StreamStatus> {
        lock(&self.shared.queue).statuses.drain(..).collect()
    }

    /// Stops the stream: stops polling, lets the handler drain the buffer (within the
    /// shutdown deadline), flushes acknowledgements, deletes the session. When it returns,
    /// the handler has returned for the last time and has been dropped (a handler call
    /// still running at the deadline is waited for, not interrupted).
    ///
    /// Blocks until done, except when called from the stream's own handler (the shutdown
    /// completes after the handler returns) or from inside an async runtime, where blocking
    /// could deadlock (use [`EventStream::stop_async`] there): then it only starts it. Calling it again is
    /// harmless.
    pub fn stop(&self) -> Result<()> {
        let on_dispatcher = *lock(&self.shared.dispatcher) == Some(thread::current().id());
        if on_dispatcher || tokio::runtime::Handle::try_current().is_ok() {
            self.cancel();
            return Ok(());
        }
        runtime::block_on(shutdown(self.shared.clone()))?
    }

    /// Starts the shutdown in the background and returns at once, from any thread or
    /// task: what closing a foreign handle does. [`EventStream::stop`] waits instead.
    pub fn cancel(&self) {
        runtime::handle().spawn(shutdown(self.shared.clone()));
    }

    /// Async [`EventStream::stop`]; waits for the whole shutdown.
    pub async fn stop_async(&self) -> Result<()> {
        let on_dispatcher = *lock(&self.shared.dispatcher) == Some(thread::current().id());
        let task = runtime::handle().spawn(shutdown(self.shared.clone()));
        if on_dispatcher {
            return Ok(());
        }
        task.await
            .map_err(|e| Error::closed(format!("shutdown task: {e}")))?
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        if !self.shared.stopping.load(Ordering::SeqCst) {
            runtime::handle().spawn(shutdown(self.shared.clone()));
        }
    }
}

/// The instant `timeout` from now; `None` (no deadline) when that is beyond what the clock
/// can represent, so a huge timeout means "wait as long as it takes" rather than a panic.
fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

fn remaining(deadline: Option<Instant>) -> Duration {
    deadline.map_or(Duration::MAX, |d| {
        d.saturating_duration_since(Instant::now())
    })
}

/// Creates the stream's session; a session without an id would poll nothing forever.
async fn create_session(client: &ViaClient, config: &StreamConfig) -> Result<SessionResponseV3> {
    let body = NewSessionV3 {
        inactivity_delay: Some(i64::from(config.inactivity_delay)),
        require_acknowledgement: Some(config.require_acknowledgement),
    };
    let info = client.streaming().create_session(&body).await?;
    if info.session_id.trim().is_empty() {
        return Err(Error::decode("create session response: empty sessionId"));
    }
    Ok(info)
}

impl Shared {
    fn push_status(&self, status: StreamStatus) {
        tracing::debug!(status = status.name(), "stream status");
        let mut q = lock(&self.queue);
        q.items.push_back(StreamItem::Status(status));
        drop(q);
        self.wake_consumers();
    }

    fn wake_consumers(&self) {
        self.cond.notify_all();
        self.item_ready.notify_waiters();
    }

    fn keep_status(&self, s: StreamStatus) {
        let mut q = lock(&self.queue);
        if q.statuses.len() >= STATUS_BACKLOG {
            q.statuses.pop_front();
        }
        q.statuses.push_back(s);
    }

    fn check_pull(&self) -> Result<()> {
        if self.callback_mode {
            return Err(Error::invalid(
                "stream",
                "this stream delivers to a handler; next_event is for streams started without one",
            ));
        }
        Ok(())
    }

    fn pop(&self, q: &mut Queue) -> Option<StreamItem> {
        let item = q.items.pop_front()?;
        if let StreamItem::Event(e) = &item {
            q.events -= 1;
            if !self.callback_mode {
                q.pulled = Some(e.event_id.clone());
            }
            self.counters.delivered.fetch_add(1, Ordering::Relaxed);
            if q.events < self.config.buffer_capacity {
                q.full_reported = false;
                self.room.notify_one();
            }
        }
        Some(item)
    }

    /// The next item, the reason none will come (stopped, failed), or `None`: wait.
    fn take(&self, q: &mut Queue) -> Option<Result<StreamItem>> {
        if let Some(item) = self.pop(q) {
            return Some(Ok(item));
        }
        if q.closed {
            return Some(Err(q
                .failure
                .clone()
                .unwrap_or_else(|| Error::closed("the stream is stopped"))));
        }
        None
    }

    /// Pull mode: the consumer came back, so the event it took last is handled.
    fn complete_pulled(&self, q: &mut Queue) {
        if let Some(id) = q.pulled.take() {
            self.handled(&id);
        }
    }

    fn handled(&self, id: &str) {
        self.handled_all(vec![id.to_string()]);
    }

    /// The handler is done with these events: they count as handled for duplicate
    /// detection and are queued for acknowledgement. One lock and one wake-up per batch.
    fn handled_all(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let count = ids.len();
        {
            let mut seen = lock(&self.dedupe);
            for id in &ids {
                seen.mark_handled(id);
            }
        }
        if self.config.require_acknowledgement {
            lock(&self.pending_acks).extend(ids);
            self.ack_ready.notify_one();
        }
        // Saturating: an event handled after a session recreation reset nothing, but stay safe.
        let _ = self
            .in_hand
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                Some(n.saturating_sub(count))
            });
        self.progress.notify_one();
    }

    fn current_session(&self) -> String {
        lock(&self.session_id).clone()
    }

    /// Sends every pending acknowledgement, in batches.
    async fn flush_acks(&self) {
        let _guard = self.ack_flush.lock().await;
        loop {
            let batch: Vec<String> = {
                let mut p = lock(&self.pending_acks);
                if p.is_empty() {
                    return;
                }
                let n = p.len().min(ACK_BATCH_MAX);
                p.drain(..n).collect()
            };
            let sid = self.current_session();
            match self.client.streaming().acknowledge_ids(&sid, &batch).await {
                Ok(count) => {
                    self.counters
                        .acknowledged
                        .fetch_add(count, Ordering::Relaxed);
                }
                Err(Error::SessionExpired { .. }) => {
                    // The session and its queue are gone: nothing left to acknowledge.
                    tracing::debug!(
                        count = batch.len(),
                        "acks dropped with their expired session"
                    );
                }
                Err(error) => {
                    tracing::warn!(%error, "acknowledgement failed; will retry");
                    let mut p = lock(&self.pending_acks);
                    let rest = std::mem::take(&mut *p);
                    *p = batch;
                    p.extend(rest);
                    drop(p);
                    self.push_status(StreamStatus::AckFailed { error });
                    return;
                }
            }
        }
    }

    /// Takes a batch into the buffer: hides duplicates, re-acknowledges handled ones,
    /// respects the capacity. Returns how many new events were buffered.
    fn accept(&self, batch: Vec<Result<Event>>) -> usize {
        let mut accepted = 0;
        let mut dropped = 0u64;
        let mut reack = Vec::new();
        let mut full_now = false;
        {
            let mut q = lock(&self.queue);
            let mut seen = lock(&self.dedupe);
            for r in batch {
                let event = match r {
                    Ok(e) => e,
                    Err(e) => {
                        q.items
                            .push_back(StreamItem::Status(StreamStatus::MalformedEvent {
                                message: e.to_string(),
                            }));
                        continue;
                    }
                };
                match seen.check(&event.event_id) {
                    Seen::Pending => {
                        self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    Seen::Handled => {
                        self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
                        reack.push(event.event_id);
                        continue;
                    }
                    Seen::New => {}
                }
                if q.events >= self.config.buffer_capacity {
                    if !q.full_reported {
                        q.full_reported = true;
                        full_now = true;
                    }
                    // With acknowledgement the service keeps the event and redelivers it.
                    if !self.config.require_acknowledgement {
                        dropped += 1;
                    }
                    continue;
                }
                seen.insert_pending(&event.event_id);
                accepted += 1;
                q.events += 1;
                q.items.push_back(StreamItem::Event(event));
            }
            if full_now {
                q.items
                    .push_back(StreamItem::Status(StreamStatus::BufferFull {
                        capacity: self.config.buffer_capacity,
                    }));
            }
            if dropped > 0 {
                q.items
                    .push_back(StreamItem::Status(StreamStatus::EventsDropped {
                        count: dropped,
                    }));
            }
        }
        if dropped > 0 {
            self.counters.dropped.fetch_add(dropped, Ordering::Relaxed);
            tracing::warn!(
                dropped,
                "buffer full: events dropped (acknowledgement is off)"
            );
        }
        if self.config.require_acknowledgement && !reack.is_empty() {
            lock(&self.pending_acks).extend(reack);
            self.ack_ready.notify_one();
        }
        self.in_hand.fetch_add(accepted, Ordering::SeqCst);
        self.wake_consumers();
        accepted
    }

    fn buffer_full(&self) -> bool {
        lock(&self.queue).events >= self.config.buffer_capacity
    }

    fn close(&self, failure: Option<Error>) {
        let mut q = lock(&self.queue);
        q.closed = true;
        if q.failure.is_none() {
            q.failure = failure;
        }
        drop(q);
        self.wake_consumers();
    }
}

/// Errors that retrying cannot fix.
fn is_fatal(e: &Error) -> bool {
    matches!(
        e,
        Error::Auth { .. }
            | Error::Forbidden { .. }
            | Error::NotFound { .. }
            | Error::InvalidArgument { .. }
    )
}

async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.wait_for(|s| *s) => true,
    }
}

async fn poll_loop(shared: Arc<Shared>) {
    let mut stop = shared.stop_tx.subscribe();
    let cfg = shared.config.clone();
    // A full buffer must not starve the session: poll at least this often regardless.
    let keep_alive =
        Duration::from_secs(u64::from(cfg.inactivity_delay) / 3).max(Duration::from_secs(5));
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            break;
        }
        if shared.buffer_full() {
            let room = shared.room.notified();
            tokio::select! {
                _ = room => {}
                _ = tokio::time::sleep(keep_alive) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        if cfg.require_acknowledgement
            && !wait_for_handling(&shared, &mut stop, cfg.ack_interval).await
        {
            break;
        }
        shared.flush_acks().await;
        let sid = shared.current_session();
        let streaming = shared.client.streaming();
        // The watchdog covers what the read timeout cannot: a stall before the response.
        let poll = tokio::time::timeout(
            cfg.poll_timeout + Duration::from_secs(5),
            streaming.poll(&sid, cfg.max_events, Some(cfg.poll_timeout), false),
        );
        let result = tokio::select! {
            r = poll => r.unwrap_or_else(|_| Err(Error::Timeout { message: "poll watchdog".into() })),
            _ = stop.wait_for(|s| *s) => break,
        };
        match result {
            Ok(batch) => {
                shared.counters.polls.fetch_add(1, Ordering::Relaxed);
                if failures > 0 {
                    failures = 0;
                    shared.push_status(StreamStatus::Recovered);
                }
                if !batch.is_empty() && shared.accept(batch) == 0 {
                    // Only redeliveries of events still being handled: polling again at
                    // once would fetch them again. Wait for the handler to make progress
                    // (its acknowledgement goes out first), never longer than keeps the
                    // session alive.
                    let progress = shared.progress.notified();
                    tokio::select! {
                        _ = progress => {}
                        _ = tokio::time::sleep(keep_alive) => {}
                        _ = stop.wait_for(|s| *s) => break,
                    }
                }
            }
            Err(Error::SessionExpired { message }) => {
                tracing::warn!(session_id = %sid, reason = %message, "session expired; recreating");
                if !recreate(&shared, &mut stop, &sid).await {
                    break;
                }
                failures = 0;
            }
            Err(error) if is_fatal(&error) => {
                tracing::error!(%error, "stream failed");
                shared.push_status(StreamStatus::Failed {
                    error: error.clone(),
                });
                shared.close(Some(error));
                break;
            }
            Err(error) => {
                failures += 1;
                let delay = full_jitter(cfg.backoff_base, cfg.backoff_max, failures);
                tracing::warn!(%error, attempt = failures, "poll failed; backing off");
                shared.push_status(StreamStatus::Retrying {
                    error,
                    attempt: failures,
                    delay,
                });
                if sleep_or_stop(&mut stop, delay).await {
                    break;
                }
            }
        }
    }
}

/// With acknowledgement on, the service hands back every event not yet acknowledged on
/// the next poll. Giving the consumer a moment (at most `grace`) to finish the events in
/// hand, so their acknowledgements go out first, keeps redeliveries from taking the next
/// poll's places. Returns false when the stream is stopping.
async fn wait_for_handling(
    shared: &Shared,
    stop: &mut watch::Receiver<bool>,
    grace: Duration,
) -> bool {
    let until = tokio::time::Instant::now() + grace;
    while shared.in_hand.load(Ordering::SeqCst) > 0 {
        let progress = shared.progress.notified();
        tokio::select! {
            _ = progress => {}
            _ = tokio::time::sleep_until(until) => return true,
            _ = stop.wait_for(|s| *s) => return false,
        }
    }
    true
}

/// Replaces a dead session. Returns false when the stream stopped or failed meanwhile.
/// Creates the stream's subscriptions again on a new session, so the consumer never sees a
/// session without the filters it asked for. Each keeps its body; its id is the new one.
async fn restore_subscriptions(shared: &Shared, session_id: &str) -> Result<()> {
    let kept: Vec<Subscription> = lock(&shared.subscriptions)
        .iter()
        .map(|(_, body)| body.clone())
        .collect();
    let mut restored = Vec::with_capacity(kept.len());
    for body in kept {
        let answer = shared
            .client
            .streaming()
            .create_subscription(session_id, &body)
            .await?;
        restored.push((answer.subscription_id, body));
    }
    *lock(&shared.subscriptions) = restored;
    Ok(())
}

async fn recreate(shared: &Arc<Shared>, stop: &mut watch::Receiver<bool>, old: &str) -> bool {
    let mut attempt = 0u32;
    loop {
        let created = match create_session(&shared.client, &shared.config).await {
            Ok(info) => restore_subscriptions(shared, &info.session_id)
                .await
                .map(|()| info),
            Err(e) => Err(e),
        };
        match created {
            Ok(info) => {
                *lock(&shared.session_id) = info.session_id.clone();
                // Acknowledgements of the old session cannot be sent any more.
                lock(&shared.pending_acks).clear();
                shared.counters.recreated.fetch_add(1, Ordering::Relaxed);
                shared.push_status(StreamStatus::SessionRecreated {
                    old_session_id: old.to_string(),
                    new_session_id: info.session_id,
                });
                return true;
            }
            Err(error) if is_fatal(&error) => {
                shared.push_status(StreamStatus::Failed {
                    error: error.clone(),
                });
                shared.close(Some(error));
                return false;
            }
            Err(error) => {
                attempt += 1;
                let delay = full_jitter(
                    shared.config.backoff_base,
                    shared.config.backoff_max,
                    attempt,
                );
                shared.push_status(StreamStatus::Retrying {
                    error,
                    attempt,
                    delay,
                });
                if sleep_or_stop(stop, delay).await {
                    return false;
                }
            }
        }
    }
}

async fn ack_loop(shared: Arc<Shared>) {
    if !shared.config.require_acknowledgement {
        return;
    }
    let mut stop = shared.stop_tx.subscribe();
    loop {
        tokio::select! {
            _ = shared.ack_ready.notified() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        // Gather what the handler finishes in the next moments into the same request.
        if sleep_or_stop(&mut stop, shared.config.ack_interval).await {
            return;
        }
        shared.flush_acks().await;
    }
}

fn dispatch_loop(shared: Arc<Shared>, mut handler: Box<dyn EventHandler>) {
    loop {
        let batch = next_batch(&shared);
        if batch.is_empty() {
            break;
        }
        // Taken before the batch is handed over: the handler owns the events from then on.
        let ids: Vec<String> = batch
            .iter()
            .filter_map(|item| match item {
                StreamItem::Event(event) => Some(event.event_id.clone()),
                StreamItem::Status(_) => None,
            })
            .collect();
        if catch_unwind(AssertUnwindSafe(|| handler.on_batch(batch))).is_err() {
            tracing::error!("event handler panicked");
        }
        shared.handled_all(ids);
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        handler.on_status(&StreamStatus::Stopped)
    }));
    // Dropped here, off the runtime (a foreign handler's drop may need its interpreter),
    // and before `drained` is signalled: once `stop` returns, the handler and whatever it
    // borrows (a C caller's user_data) are no longer in use.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(handler)));
    shared.drained_tx.send_replace(true);
}

/// Waits for the next items (at most [`DISPATCH_BATCH`]); empty once the stream stops and
/// the buffer is drained or the drain deadline has passed.
fn next_batch(shared: &Shared) -> Vec<StreamItem> {
    let mut q = lock(&shared.queue);
    loop {
        let stopping = shared.stopping.load(Ordering::SeqCst);
        if stopping {
            let deadline = *lock(&shared.drain_deadline);
            if deadline.is_some_and(|d| Instant::now() >= d) {
                if q.events > 0 {
                    tracing::warn!(
                        left = q.events,
                        "shutdown deadline reached; events not handled"
                    );
                }
                return Vec::new();
            }
        }
        let mut batch = Vec::new();
        while batch.len() < DISPATCH_BATCH {
            match shared.pop(&mut q) {
                Some(item) => batch.push(item),
                None => break,
            }
        }
        if !batch.is_empty() || stopping {
            return batch;
        }
        q = shared
            .cond
            .wait_timeout(q, Duration::from_millis(200))
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

async fn shutdown(shared: Arc<Shared>) -> Result<()> {
    if shared.stopping.swap(true, Ordering::SeqCst) {
        let mut finished = shared.finished_tx.subscribe();
        let _ = finished.wait_for(|f| *f).await;
        return Ok(());
    }
    *lock(&shared.drain_deadline) = Some(Instant::now() + shared.config.shutdown_deadline);
    shared.stop_tx.send_replace(true);
    shared.wake_consumers();
    // 1. Stop polling (an in-flight poll is cancelled).
    let tasks: Vec<JoinHandle<()>> = lock(&shared.tasks).drain(..).collect();
    for t in tasks {
        let _ = t.await;
    }
    // 2. Let the handler drain the buffer, within the deadline. A handler call still
    // running after it does not hold up the acknowledgements and the session's deletion.
    let mut drained = shared.drained_tx.subscribe();
    if shared.callback_mode {
        let _ = tokio::time::timeout(
            shared.config.shutdown_deadline + Duration::from_secs(1),
            drained.wait_for(|d| *d),
        )
        .await;
    } else {
        let mut q = lock(&shared.queue);
        shared.complete_pulled(&mut q);
    }
    // 3. Flush acknowledgements.
    shared.flush_acks().await;
    // 4. Delete the session.
    let sid = shared.current_session();
    let result = match shared.client.streaming().delete_session(&sid).await {
        Ok(()) | Err(Error::SessionExpired { .. }) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "could not delete the streaming session");
            Err(e)
        }
    };
    if shared.callback_mode {
        // Stop returns only once the handler has returned for good and been dropped.
        let _ = drained.wait_for(|d| *d).await;
    } else {
        shared.push_status(StreamStatus::Stopped);
    }
    shared.close(None);
    shared.finished_tx.send_replace(true);
    tracing::info!(session_id = %sid, "stream stopped");
    result
}
