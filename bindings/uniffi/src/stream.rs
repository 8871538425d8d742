//! Event streams: the foreign listener and the handle that owns a running stream.

use crate::error::{CcbError, ListenerError};
use crate::runtime::on_core_runtime;
use crate::types::{millis, Event, StreamStats, StreamStatusRecord};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Receives a stream's events and statuses (implement it in Kotlin or Swift).
///
/// Methods are called on a dispatcher thread (a pool shared by every stream), one at a time
/// per stream, in order; they may call any ccbridge API. A method that throws does not stop the stream: the failure is logged
/// and counted in `StreamStats.listenerErrors`, and the event counts as handled.
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    /// One event (duplicates already hidden).
    fn on_event(&self, event: Event) -> Result<(), ListenerError>;
    /// One status, in order with the events; `stopped` is the last call.
    fn on_status(&self, status: StreamStatusRecord) -> Result<(), ListenerError>;
}

/// Bridges a foreign [`EventListener`] to the core's handler trait.
pub(crate) struct ListenerAdapter {
    listener: Arc<dyn EventListener>,
    errors: Arc<AtomicU64>,
}

impl ListenerAdapter {
    pub(crate) fn new(listener: Arc<dyn EventListener>, errors: Arc<AtomicU64>) -> Self {
        ListenerAdapter { listener, errors }
    }

    fn failed(&self, what: &str, e: ListenerError) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(error = %e, "event listener {what} failed; the stream goes on");
    }
}

impl ccbridge::EventHandler for ListenerAdapter {
    fn on_event(&mut self, event: &ccbridge::Event) {
        if let Err(e) = self.listener.on_event(Event::from(event)) {
            self.failed("on_event", e);
        }
    }

    fn on_status(&mut self, status: &ccbridge::StreamStatus) {
        if let Err(e) = self.listener.on_status(StreamStatusRecord::from(status)) {
            self.failed("on_status", e);
        }
    }
}

/// A running event stream (one streaming session).
///
/// Closing it (Kotlin `close()`/`use {}`, Swift releasing the last reference) cancels the
/// subscription: polling stops and the session is deleted in the background. `stop()`
/// does the same and waits for the end; `cancel()` starts it without waiting.
#[derive(uniffi::Object)]
pub struct EventStreamHandle {
    stream: ccbridge::EventStream,
    listener_errors: Arc<AtomicU64>,
}

impl std::fmt::Debug for EventStreamHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.stream.fmt(f)
    }
}

impl EventStreamHandle {
    pub(crate) fn new(stream: ccbridge::EventStream, listener_errors: Arc<AtomicU64>) -> Self {
        EventStreamHandle {
            stream,
            listener_errors,
        }
    }
}

#[uniffi::export]
impl EventStreamHandle {
    /// The current streaming session id: pass it to `connect` and the other commands. It
    /// changes when the session is recreated (status `session_recreated`).
    pub fn session_id(&self) -> String {
        self.stream.session_id()
    }

    /// The stream's counters.
    pub fn stats(&self) -> StreamStats {
        let s = self.stream.stats();
        StreamStats {
            polls: s.polls,
            events_delivered: s.events_delivered,
            duplicates_suppressed: s.duplicates_suppressed,
            events_acknowledged: s.events_acknowledged,
            sessions_recreated: s.sessions_recreated,
            events_dropped: s.events_dropped,
            listener_errors: self.listener_errors.load(Ordering::Relaxed),
        }
    }

    /// Whether the stream is stopping or stopped.
    pub fn is_stopping(&self) -> bool {
        self.stream.is_stopping()
    }

    /// Pull mode: the next event, waiting up to `timeout_ms`; `null`/`nil` on timeout.
    ///
    /// Asking again acknowledges the previous event. Cancelling the coroutine/task while it
    /// waits loses nothing. Fails with `Closed` once the stream is stopped and empty, and
    /// with `InvalidArgument` on a stream that has a listener.
    pub async fn next_event(&self, timeout_ms: u64) -> Result<Option<Event>, CcbError> {
        let next = self.stream.next_event_async(millis(timeout_ms));
        Ok(on_core_runtime(next).await?.as_ref().map(Event::from))
    }

    /// Pull mode: the statuses `nextEvent` met and set aside, oldest first.
    pub fn drain_statuses(&self) -> Vec<StreamStatusRecord> {
        self.stream
            .drain_statuses()
            .iter()
            .map(StreamStatusRecord::from)
            .collect()
    }

    /// Stops the stream and waits: polling stops, the listener drains the buffer (within a
    /// deadline), acknowledgements are flushed and the session is deleted. Called from the
    /// stream's own listener it only starts the shutdown. Calling it again is harmless.
    pub async fn stop(&self) -> Result<(), CcbError> {
        Ok(on_core_runtime(self.stream.stop_async()).await?)
    }

    /// Starts stopping the stream without waiting (never blocks; callable from any thread,
    /// including the listener's).
    pub fn cancel(&self) {
        self.stream.cancel();
    }
}
