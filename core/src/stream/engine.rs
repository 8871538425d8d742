//! An [`EventStream`] and the state its poller, acknowledger, dispatcher and consumers
//! share. The rules live in the files beside this one: [`buffer`](super::buffer) (what is
//! delivered and acknowledged), [`poller`](super::poller) (when to poll, back off, replace
//! the session), [`dispatcher`](super::dispatcher) (where handlers run) and
//! [`shutdown`](super::shutdown); this file wires them together under one lock.

use super::buffer::{Buffer, Popped};
use super::dispatcher::{self, Job};
use super::poller::{self, ACK_BATCH_MAX};
use super::shutdown::{self, dispatch_done};
use super::{EventHandler, StreamConfig, StreamItem, StreamStatus};
use crate::client::ViaClient;
use crate::doorbell::routed;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::lanes::Lane;
use crate::models::{NewSessionV3, SessionResponseV3, Subscription, SubscriptionResponse};
use crate::runtime;
use crate::transport::{PairedSecond, Prepared};
use crate::via::streaming::Decoded;
use compact_str::CompactString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// Items handed to a handler at once: enough to amortise entering a foreign runtime, few
/// enough that the shutdown deadline is checked often.
const DISPATCH_BATCH: usize = 64;
/// Batches a stream's handler gets before its worker turns to other queued streams.
const DISPATCH_TURN: usize = 16;

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
pub(crate) struct Counters {
    pub(crate) polls: AtomicU64,
    delivered: AtomicU64,
    duplicates: AtomicU64,
    acknowledged: AtomicU64,
    recreated: AtomicU64,
    dropped: AtomicU64,
}

/// A callback stream's handler and its place on the dispatcher pool.
struct Dispatch {
    /// Taken (and dropped) when dispatching ends. Only the one worker running the stream's
    /// job locks it, so holding it through a handler call blocks no one.
    handler: Mutex<Option<Box<dyn EventHandler>>>,
    /// The stream's job is queued on the pool or running.
    scheduled: AtomicBool,
    /// Dispatching has ended for good.
    finished: AtomicBool,
}

pub(crate) struct Shared {
    /// Itself, for handing the stream's job to the dispatcher pool.
    me: Weak<Shared>,
    pub(crate) client: ViaClient,
    /// The HTTP/2 connection this stream polls on (see `crate::lanes`).
    pub(crate) lane: Lane,
    pub(crate) config: StreamConfig,
    session_id: Mutex<String>,
    buffer: Mutex<Buffer>,
    /// Wakes blocking pull consumers.
    cond: Condvar,
    /// Wakes async pull consumers.
    item_ready: Notify,
    /// Wakes the poller when the consumer made room.
    pub(crate) room: Notify,
    /// Wakes the poller when the consumer has handled every event in hand.
    pub(crate) progress: Notify,
    /// Wakes the acknowledger.
    pub(crate) ack_ready: Notify,
    /// The poller waits for the events in hand to be handled, and sends their
    /// acknowledgements itself before its next poll.
    poller_waiting: AtomicBool,
    ack_flush: tokio::sync::Mutex<()>,
    /// Where the stream is in its life, for every task that waits on it.
    pub(crate) phase: watch::Sender<Phase>,
    pub(crate) stopping: AtomicBool,
    /// The poller and the acknowledger have ended: nothing more will be buffered.
    pub(crate) polling_done: AtomicBool,
    drain_deadline: Mutex<Option<Instant>>,
    dispatch: Option<Dispatch>,
    pub(crate) tasks: Mutex<Vec<JoinHandle<()>>>,
    pub(crate) counters: Counters,
    /// Subscriptions made through the stream: (current id, body), restored on every new
    /// session.
    pub(crate) subscriptions: Mutex<Vec<(String, Subscription)>>,
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
            .field("callback_mode", &self.shared.callback_mode())
            .finish()
    }
}

/// Where a stream is in its life. It only moves forward, so one channel serves every
/// waiter: the poller and the acknowledger wait for `Stopping`, the shutdown for `Drained`,
/// a second call to stop for `Finished`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Running,
    /// Stop has begun: polling and acknowledging end.
    Stopping,
    /// Dispatching has ended and the handler has been dropped (callback mode).
    Drained,
    /// The shutdown is complete.
    Finished,
}

/// Waits until the stream has reached `at`.
pub(crate) async fn reached(phase: &mut watch::Receiver<Phase>, at: Phase) {
    // An error means the stream's state is gone, which is as final as any phase.
    let _ = phase.wait_for(|p| *p >= at).await;
}

use crate::sync::lock;

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
        let shared = Shared::new(client, config, info.session_id.clone(), handler);
        tracing::info!(session_id = %info.session_id, "stream started");
        shared.push_status(StreamStatus::Started {
            session_id: info.session_id,
        });
        let rt = runtime::handle();
        // Woken by the consumer's thread when it has handled what the poller waits for.
        let poller = rt.spawn(routed(poller::poll_loop(shared.clone())));
        let acker = rt.spawn(routed(poller::ack_loop(shared.clone())));
        lock(&shared.tasks).extend([poller, acker]);
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
        dispatcher::current_job() == Some(self.shared.key())
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
                Some(StreamItem::Status(s)) => lock(&self.shared.buffer).keep_status(s),
            }
        }
    }

    /// Pull mode: the next event or status, waiting up to `timeout`.
    pub fn next_item(&self, timeout: Duration) -> Result<Option<StreamItem>> {
        self.shared.check_pull()?;
        let deadline = deadline_after(timeout);
        self.shared.complete_pulled();
        let mut q = lock(&self.shared.buffer);
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
                Some(StreamItem::Status(s)) => lock(&self.shared.buffer).keep_status(s),
            }
        }
    }

    /// Async [`EventStream::next_item`].
    pub async fn next_item_async(&self, timeout: Duration) -> Result<Option<StreamItem>> {
        self.shared.check_pull()?;
        let deadline = deadline_after(timeout).map(tokio::time::Instant::from_std);
        self.shared.complete_pulled();
        loop {
            let notified = self.shared.item_ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(r) = self.shared.take(&mut lock(&self.shared.buffer)) {
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
        lock(&self.shared.buffer).drain_statuses()
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
        if self.on_dispatcher_thread() || tokio::runtime::Handle::try_current().is_ok() {
            self.cancel();
            return Ok(());
        }
        runtime::block_on(shutdown::shutdown(self.shared.clone()))?
    }

    /// Starts the shutdown in the background and returns at once, from any thread or
    /// task: what closing a foreign handle does. [`EventStream::stop`] waits instead.
    pub fn cancel(&self) {
        runtime::handle().spawn(shutdown::shutdown(self.shared.clone()));
    }

    /// Async [`EventStream::stop`]; waits for the whole shutdown.
    pub async fn stop_async(&self) -> Result<()> {
        let on_dispatcher = self.on_dispatcher_thread();
        let task = runtime::handle().spawn(shutdown::shutdown(self.shared.clone()));
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
            runtime::handle().spawn(shutdown::shutdown(self.shared.clone()));
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
pub(crate) async fn create_session(
    client: &ViaClient,
    config: &StreamConfig,
) -> Result<SessionResponseV3> {
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
    fn new(
        client: &ViaClient,
        config: StreamConfig,
        session_id: String,
        handler: Option<Box<dyn EventHandler>>,
    ) -> Arc<Shared> {
        let (phase, _) = watch::channel(Phase::Running);
        Arc::new_cyclic(|me| Shared {
            me: me.clone(),
            client: client.clone(),
            lane: client.transport().lane(),
            buffer: Mutex::new(Buffer::new(
                config.buffer_capacity,
                config.dedupe_window,
                config.require_acknowledgement,
            )),
            config,
            session_id: Mutex::new(session_id),
            cond: Condvar::new(),
            item_ready: Notify::new(),
            room: Notify::new(),
            progress: Notify::new(),
            ack_ready: Notify::new(),
            poller_waiting: AtomicBool::new(false),
            ack_flush: tokio::sync::Mutex::new(()),
            phase,
            stopping: AtomicBool::new(false),
            polling_done: AtomicBool::new(false),
            drain_deadline: Mutex::new(None),
            dispatch: handler.map(|h| Dispatch {
                handler: Mutex::new(Some(h)),
                scheduled: AtomicBool::new(false),
                finished: AtomicBool::new(false),
            }),
            tasks: Mutex::new(Vec::new()),
            counters: Counters::default(),
            subscriptions: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn callback_mode(&self) -> bool {
        self.dispatch.is_some()
    }

    /// Tells this stream's handler calls apart on the dispatcher pool.
    fn key(&self) -> usize {
        self as *const Shared as usize
    }

    pub(crate) fn push_status(&self, status: StreamStatus) {
        tracing::debug!(status = status.name(), "stream status");
        lock(&self.buffer).push_status(status);
        self.wake_consumers();
    }

    /// Polling ended on an error retrying cannot fix.
    pub(crate) fn fail(&self, error: Error) {
        self.push_status(StreamStatus::Failed {
            error: error.clone(),
        });
        self.close(Some(error));
    }

    pub(crate) fn wake_consumers(&self) {
        if self.dispatch.is_some() {
            self.schedule_dispatch();
        } else {
            self.cond.notify_all();
            self.item_ready.notify_waiters();
        }
    }

    /// Moves the stream on to `to`, never back.
    pub(crate) fn advance(&self, to: Phase) {
        self.phase.send_if_modified(|p| {
            let later = *p < to;
            if later {
                *p = to;
            }
            later
        });
    }

    pub(crate) fn set_drain_deadline(&self, at: Instant) {
        *lock(&self.drain_deadline) = Some(at);
    }

    fn check_pull(&self) -> Result<()> {
        if self.callback_mode() {
            return Err(Error::invalid(
                "stream",
                "this stream delivers to a handler; next_event is for streams started without one",
            ));
        }
        Ok(())
    }

    /// Counts `events` handed to the consumer (one counter update for a whole batch) and
    /// lets the poller know about room made.
    fn count_delivered(&self, events: usize, made_room: bool) {
        if events > 0 {
            self.counters
                .delivered
                .fetch_add(events as u64, Ordering::Relaxed);
        }
        if made_room {
            self.room.notify_one();
        }
    }

    /// Counts an item handed to the consumer ([`Shared::count_delivered`]).
    fn delivered(&self, popped: Popped) -> StreamItem {
        let events = usize::from(matches!(popped.item, StreamItem::Event(_)));
        self.count_delivered(events, popped.made_room);
        popped.item
    }

    /// Pull mode: the next item, the reason none will come, or `None` (wait).
    fn take(&self, buffer: &mut Buffer) -> Option<Result<StreamItem>> {
        buffer
            .take()
            .map(|r| r.map(|popped| self.delivered(popped)))
    }

    /// Pull mode: the consumer came back, so the event it took last is handled.
    pub(crate) fn complete_pulled(&self) {
        let mut buffer = lock(&self.buffer);
        let queued = buffer.complete_pulled();
        let all = buffer.in_hand() == 0;
        drop(buffer);
        self.after_handled(queued, all);
    }

    /// The handler is done with a batch's `events`. One lock per batch.
    fn handled_all(&self, events: usize) {
        if events == 0 {
            return;
        }
        let mut buffer = lock(&self.buffer);
        let queued = buffer.handled(events);
        let all = buffer.in_hand() == 0;
        drop(buffer);
        self.after_handled(queued, all);
    }

    /// The poller waits for every event in hand to be handled (its acknowledgement goes
    /// out before the next poll), so it is woken once, when the last one is: a wake-up per
    /// handled batch, or per pulled event, would cost a worker wake-up each for nothing.
    /// For the same reason the acknowledger is left asleep while the poller waits: however
    /// the wait ends (the last event handled, its grace over), the poller sends what was
    /// queued meanwhile before it polls. Woken for each handled part of a response, the
    /// acknowledger would cost two wake-ups per part (the notification, then the end of
    /// its gathering interval) and find nothing left to send.
    fn after_handled(&self, acks_queued: bool, all_handled: bool) {
        let poller_sends = self.poller_waiting.load(Ordering::SeqCst);
        if acks_queued && !poller_sends {
            self.ack_ready.notify_one();
        }
        if all_handled {
            self.progress.notify_one();
        }
    }

    /// Marks the poller as waiting for handling until the guard is dropped.
    pub(crate) fn poller_waits(&self) -> PollerWaiting<'_> {
        self.poller_waiting.store(true, Ordering::SeqCst);
        PollerWaiting(&self.poller_waiting)
    }

    pub(crate) fn in_hand(&self) -> usize {
        lock(&self.buffer).in_hand()
    }

    pub(crate) fn buffer_full(&self) -> bool {
        lock(&self.buffer).is_full()
    }

    pub(crate) fn current_session(&self) -> String {
        lock(&self.session_id).clone()
    }

    /// A new session replaced `old`.
    pub(crate) fn session_replaced(&self, old: &str, new: String) {
        *lock(&self.session_id) = new.clone();
        lock(&self.buffer).session_replaced();
        self.counters.recreated.fetch_add(1, Ordering::Relaxed);
        self.push_status(StreamStatus::SessionRecreated {
            old_session_id: old.to_string(),
            new_session_id: new,
        });
    }

    /// Sends every pending acknowledgement, in batches. Returns false when one was refused
    /// or failed (it stays pending, for the next flush).
    pub(crate) async fn flush_acks(&self) -> bool {
        let _guard = self.ack_flush.lock().await;
        loop {
            let batch = lock(&self.buffer).take_acks(ACK_BATCH_MAX);
            if batch.is_empty() {
                return true;
            }
            let sid = self.current_session();
            let result = self.client.streaming().acknowledge_ids(&sid, &batch).await;
            if !self.acknowledged(batch, result) {
                return false;
            }
        }
    }

    /// Every pending acknowledgement (one request's worth at most) sent in one write with
    /// the poll `poll` behind it, where the transport pipelines them
    /// ([`Streaming::acknowledge_then_poll`]): the poll, once the acknowledgements are
    /// through, its answer to be read. `None` when nothing went that way (the transport
    /// cannot, nothing is pending, more than one request's worth is) or the
    /// acknowledgement failed there: then they are pending again, to go the usual way, with
    /// their whole retry policy, before the poll.
    ///
    /// [`Streaming::acknowledge_then_poll`]: crate::Streaming
    pub(crate) async fn flush_acks_before_poll(&self, poll: &Prepared) -> Option<PairedSecond> {
        if !self
            .client
            .transport()
            .pairs_stream_requests(poll.request().lane)
        {
            return None;
        }
        // Waits for a flush under way: its acknowledgements must be through before the
        // poll, as those taken here will be.
        let batch = {
            let _flushed = self.ack_flush.lock().await;
            let mut buffer = lock(&self.buffer);
            if buffer.acks_pending() > ACK_BATCH_MAX {
                return None;
            }
            buffer.take_acks(ACK_BATCH_MAX)
        };
        if batch.is_empty() {
            return None;
        }
        // Given back unless the service's answer is taken (the task ends meanwhile, the
        // acknowledgement fails): the next flush sends them.
        let mut in_flight = InFlight {
            shared: self,
            batch: Some(batch),
        };
        let sid = self.current_session();
        let ids = in_flight.batch.as_deref().unwrap_or_default();
        match self
            .client
            .streaming()
            .acknowledge_then_poll(&sid, ids, poll)
            .await?
        {
            Ok((count, polled)) => {
                in_flight.batch = None;
                self.counters
                    .acknowledged
                    .fetch_add(count, Ordering::Relaxed);
                Some(polled)
            }
            Err(error) => {
                tracing::debug!(%error, "pipelined acknowledgement failed; sending it the usual way");
                None
            }
        }
    }

    /// Takes the outcome of acknowledging `batch`; false when it failed (the batch is
    /// pending again).
    fn acknowledged(&self, batch: Vec<CompactString>, result: Result<u64>) -> bool {
        match result {
            Ok(count) => {
                self.counters
                    .acknowledged
                    .fetch_add(count, Ordering::Relaxed);
                true
            }
            Err(Error::SessionExpired { .. }) => {
                // The session and its queue are gone: nothing left to acknowledge.
                tracing::debug!(
                    count = batch.len(),
                    "acks dropped with their expired session"
                );
                true
            }
            Err(error) => {
                tracing::warn!(%error, "acknowledgement failed; will retry");
                lock(&self.buffer).return_acks(batch);
                self.push_status(StreamStatus::AckFailed { error });
                false
            }
        }
    }

    /// Takes a polled batch into the buffer; returns how many new events were buffered.
    pub(crate) fn accept(&self, batch: Vec<Decoded>) -> usize {
        let a = lock(&self.buffer).accept(batch);
        self.counters
            .duplicates
            .fetch_add(a.duplicates, Ordering::Relaxed);
        if a.dropped > 0 {
            self.counters
                .dropped
                .fetch_add(a.dropped, Ordering::Relaxed);
            tracing::warn!(
                dropped = a.dropped,
                "buffer full: events dropped (acknowledgement is off)"
            );
        }
        if a.acks_queued {
            self.ack_ready.notify_one();
        }
        if a.items_added {
            self.wake_consumers();
        }
        a.events
    }

    pub(crate) fn close(&self, failure: Option<Error>) {
        lock(&self.buffer).close(failure);
        self.wake_consumers();
    }

    /// Whether dispatching is over (see [`dispatch_done`]).
    fn dispatch_over(&self, buffer: &Buffer) -> bool {
        dispatch_done(
            self.stopping.load(Ordering::SeqCst),
            self.polling_done.load(Ordering::SeqCst),
            buffer.is_empty(),
            *lock(&self.drain_deadline),
            Instant::now(),
        )
    }

    /// Queues the stream's job on the dispatcher pool unless it is queued or running.
    fn schedule_dispatch(self: &Shared) {
        let Some(d) = &self.dispatch else { return };
        if d.finished.load(Ordering::SeqCst) || d.scheduled.swap(true, Ordering::SeqCst) {
            return;
        }
        // The pool holds the stream's state only while its job is queued or running.
        match self.me.upgrade() {
            Some(me) => dispatcher::submit(me),
            None => d.scheduled.store(false, Ordering::SeqCst),
        }
    }

    /// Whether the dispatcher has something to do for this stream: items, or its end.
    fn dispatch_pending(&self) -> bool {
        let buffer = lock(&self.buffer);
        !buffer.is_empty() || self.dispatch_over(&buffer)
    }

    /// Ends dispatching: the handler hears `Stopped` and is dropped, here (off the runtime:
    /// a foreign handler's drop may need its interpreter) and before the phase reaches
    /// `Drained`, so once `stop` returns, the handler and whatever it borrows (a C caller's
    /// user_data) are no longer in use.
    fn finish_dispatch(&self, d: &Dispatch, slot: &mut Option<Box<dyn EventHandler>>) {
        d.finished.store(true, Ordering::SeqCst);
        if let Some(mut handler) = slot.take() {
            let _ = catch_unwind(AssertUnwindSafe(|| {
                handler.on_status(&StreamStatus::Stopped)
            }));
            let _ = catch_unwind(AssertUnwindSafe(move || drop(handler)));
        }
        let left = lock(&self.buffer).events();
        if left > 0 {
            tracing::warn!(left, "shutdown deadline reached; events not handled");
        }
        self.advance(Phase::Drained);
    }
}

/// Acknowledgements sent with a poll: given back to the buffer unless their outcome was
/// taken.
struct InFlight<'a> {
    shared: &'a Shared,
    batch: Option<Vec<CompactString>>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(batch) = self.batch.take() {
            lock(&self.shared.buffer).return_acks(batch);
        }
    }
}

/// Clears `Shared::poller_waiting` when the poller stops waiting, however it stops. The
/// acknowledgements queued while it was set were queued before it was cleared, so the flush
/// that follows takes them; any queued later wake the acknowledger.
pub(crate) struct PollerWaiting<'a>(&'a AtomicBool);

impl Drop for PollerWaiting<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Job for Shared {
    fn run(self: Arc<Self>) {
        let Some(d) = &self.dispatch else { return };
        let mut slot = lock(&d.handler);
        for _ in 0..DISPATCH_TURN {
            let (batch, events) = {
                let mut buffer = lock(&self.buffer);
                if self.dispatch_over(&buffer) {
                    drop(buffer);
                    self.finish_dispatch(d, &mut slot);
                    return;
                }
                let mut made_room = false;
                let batch: Vec<StreamItem> = std::iter::from_fn(|| buffer.pop())
                    .take(DISPATCH_BATCH)
                    .map(|popped| {
                        made_room |= popped.made_room;
                        popped.item
                    })
                    .collect();
                drop(buffer);
                let events = batch
                    .iter()
                    .filter(|item| matches!(item, StreamItem::Event(_)))
                    .count();
                self.count_delivered(events, made_room);
                (batch, events)
            };
            if batch.is_empty() {
                // Unqueued first, then checked again: an item pushed in between either
                // is seen here or queues the job anew.
                d.scheduled.store(false, Ordering::SeqCst);
                if !self.dispatch_pending() || d.scheduled.swap(true, Ordering::SeqCst) {
                    return;
                }
                continue;
            }
            if let Some(handler) = slot.as_mut() {
                if catch_unwind(AssertUnwindSafe(|| handler.on_batch(batch))).is_err() {
                    tracing::error!("event handler panicked");
                }
            }
            // The buffer knows which events these were: they are handled in its order.
            self.handled_all(events);
        }
        // Its turn is over but items may be left: back in the queue, behind other streams.
        drop(slot);
        dispatcher::submit(self);
    }

    fn key(&self) -> usize {
        Shared::key(self)
    }
}
