//! The long-poll event engine.
//!
//! An [`EventStream`] owns one streaming session and keeps it alive:
//!
//! - exactly one `GET /events` is in flight at a time, with a read timeout longer than the
//!   service's 15 s wait, under a watchdog;
//! - the poller never stops long enough for the session to expire: events go into a
//!   bounded buffer and a full buffer is reported as [`StreamStatus::BufferFull`];
//! - with acknowledgement on, an event is acknowledged (in batches) only after its handler
//!   returned, and a bounded window of seen `eventId`s hides redeliveries from handlers;
//! - "Invalid or expired session" makes the engine create a new session and report
//!   [`StreamStatus::SessionRecreated`] (events may have been lost in between);
//! - errors back off with full jitter, reset by the next successful poll; a refused
//!   acknowledgement is sent again after the same backoff, and pauses the poller when its
//!   last poll brought nothing but redeliveries;
//! - with acknowledgement on, the next poll waits a moment (`ack_interval` at most) for the
//!   batch in hand to be handled, and the handler starts on a response's first events
//!   while the rest are decoded;
//! - [`EventStream::stop`] stops polling, drains handlers within a deadline, flushes
//!   acknowledgements and deletes the session, in that order.
//!
//! Events are consumed either by a handler ([`EventStream::start_with_handler`]), or by
//! pulling ([`EventStream::next_event`], [`EventStream::next_event_async`]). Handlers run on
//! a small pool of dispatcher threads shared by every stream of the process, one call at a
//! time per stream and in order, with no lock of the engine held: a handler may call any
//! blocking API of the library, including [`EventStream::stop`]. An idle stream holds no
//! thread, and its buffers grow only when events come.
//!
//! The parts, each in its own file: `buffer` (what is delivered, hidden as a duplicate,
//! acknowledged), `poller` (polling, backoff, session replacement, acknowledgements),
//! `dispatcher` (the handler pool), `shutdown`, and `engine`, which wires them together.

mod buffer;
mod dedupe;
mod dispatcher;
mod engine;
mod poller;
mod shutdown;

pub use engine::{EventStream, StreamStats};

use crate::error::{Error, Result};
use crate::events::Event;
use crate::ops;
use crate::via::streaming::{POLL_TIMEOUT_MARGIN, SERVER_POLL_WAIT};
use std::time::Duration;

/// Settings of an [`EventStream`].
#[derive(Debug, Clone, PartialEq)]
pub struct StreamConfig {
    /// `inactivityDelay` of the session, seconds (60..=600). Default 120, as the streaming
    /// document recommends.
    pub inactivity_delay: u32,
    /// `requireAcknowledgement` of the session. Default on: with it, an event whose handler
    /// never ran is redelivered instead of lost.
    pub require_acknowledgement: bool,
    /// `maxEvents` of each poll (1..=200). Default 50.
    pub max_events: u32,
    /// Events buffered ahead of the consumer. Default 10 000.
    pub buffer_capacity: usize,
    /// How many recent `eventId`s are remembered to hide duplicates. Default 10 000.
    pub dedupe_window: usize,
    /// Client read timeout of one poll; must exceed the service's 15 s wait. Default 25 s.
    pub poll_timeout: Duration,
    /// First backoff delay after a failed poll. Default 200 ms.
    pub backoff_base: Duration,
    /// Longest backoff delay. Default 20 s.
    pub backoff_max: Duration,
    /// How long acknowledgements are gathered before a batch is sent. Default 50 ms.
    pub ack_interval: Duration,
    /// How long [`EventStream::stop`] lets handlers drain the buffer. Default 5 s.
    pub shutdown_deadline: Duration,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            inactivity_delay: 120,
            require_acknowledgement: true,
            max_events: 50,
            buffer_capacity: 10_000,
            dedupe_window: 10_000,
            poll_timeout: SERVER_POLL_WAIT + POLL_TIMEOUT_MARGIN,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(20),
            ack_interval: Duration::from_millis(50),
            shutdown_deadline: Duration::from_secs(5),
        }
    }
}

impl StreamConfig {
    /// Checks every bound, naming the field at fault.
    pub fn validate(&self) -> Result<()> {
        // The documented limits, from the description rather than a copy of them.
        ops::require("streaming.createSession")?.check_body_field(
            "inactivityDelay",
            "inactivity_delay",
            self.inactivity_delay,
        )?;
        ops::require("streaming.getEvents")?.check_query(
            "maxEvents",
            "max_events",
            self.max_events,
        )?;
        if self.buffer_capacity == 0 {
            return Err(Error::invalid("buffer_capacity", "must be at least 1"));
        }
        if self.dedupe_window == 0 {
            return Err(Error::invalid("dedupe_window", "must be at least 1"));
        }
        if self.poll_timeout < Duration::from_secs(1) {
            return Err(Error::invalid("poll_timeout", "must be at least 1 s"));
        }
        if self.poll_timeout >= Duration::from_secs(u64::from(self.inactivity_delay)) {
            return Err(Error::invalid(
                "poll_timeout",
                "must be shorter than inactivity_delay, or the session could expire during one poll",
            ));
        }
        if self.backoff_base.is_zero() || self.backoff_base > self.backoff_max {
            return Err(Error::invalid(
                "backoff_base",
                "must be > 0 and <= backoff_max",
            ));
        }
        Ok(())
    }
}

/// Something the engine reports besides events, in order with them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StreamStatus {
    /// The session was created and polling started.
    Started {
        /// The new session's id.
        session_id: String,
    },
    /// The session expired or became invalid and a new one replaced it. Events published
    /// in between may be lost; higher layers (an agent session) re-attach on this.
    SessionRecreated {
        /// The session that died.
        old_session_id: String,
        /// Its replacement.
        new_session_id: String,
    },
    /// A poll failed; the engine waits `delay` and tries again.
    Retrying {
        /// What failed.
        error: Error,
        /// Consecutive failures so far.
        attempt: u32,
        /// Backoff before the next try.
        delay: Duration,
    },
    /// A poll succeeded after failures.
    Recovered,
    /// The consumer is too slow: the buffer holds `capacity` events. With acknowledgement
    /// on, further events stay on the server and come back later; without it they are
    /// dropped and counted in [`StreamStatus::EventsDropped`].
    BufferFull {
        /// The configured capacity.
        capacity: usize,
    },
    /// Events were dropped because the buffer was full and acknowledgement is off.
    EventsDropped {
        /// How many.
        count: u64,
    },
    /// An event could not be decoded and was skipped.
    MalformedEvent {
        /// Why.
        message: String,
    },
    /// Acknowledgements failed; they are retried with the next batch.
    AckFailed {
        /// What failed.
        error: Error,
    },
    /// A fatal error (bad credentials, missing scope...) ended polling.
    Failed {
        /// The error.
        error: Error,
    },
    /// The stream stopped; nothing follows.
    Stopped,
}

impl StreamStatus {
    /// A short name (`"session_recreated"`), the same in every binding.
    pub fn name(&self) -> &'static str {
        match self {
            StreamStatus::Started { .. } => "started",
            StreamStatus::SessionRecreated { .. } => "session_recreated",
            StreamStatus::Retrying { .. } => "retrying",
            StreamStatus::Recovered => "recovered",
            StreamStatus::BufferFull { .. } => "buffer_full",
            StreamStatus::EventsDropped { .. } => "events_dropped",
            StreamStatus::MalformedEvent { .. } => "malformed_event",
            StreamStatus::AckFailed { .. } => "ack_failed",
            StreamStatus::Failed { .. } => "failed",
            StreamStatus::Stopped => "stopped",
        }
    }

    /// The session the status concerns: the new one for `started` and `session_recreated`.
    pub fn session_id(&self) -> Option<&str> {
        match self {
            StreamStatus::Started { session_id } => Some(session_id),
            StreamStatus::SessionRecreated { new_session_id, .. } => Some(new_session_id),
            _ => None,
        }
    }

    /// The session that died, for `session_recreated`.
    pub fn old_session_id(&self) -> Option<&str> {
        match self {
            StreamStatus::SessionRecreated { old_session_id, .. } => Some(old_session_id),
            _ => None,
        }
    }

    /// The error behind `retrying`, `ack_failed` and `failed`.
    pub fn error(&self) -> Option<&Error> {
        match self {
            StreamStatus::Retrying { error, .. }
            | StreamStatus::AckFailed { error }
            | StreamStatus::Failed { error } => Some(error),
            _ => None,
        }
    }

    /// A one-line human description.
    pub fn describe(&self) -> String {
        match self {
            StreamStatus::Started { session_id } => format!("started (session {session_id})"),
            StreamStatus::SessionRecreated {
                old_session_id,
                new_session_id,
            } => format!("session {old_session_id} expired; recreated as {new_session_id} (events may be missing)"),
            StreamStatus::Retrying { error, attempt, delay } => {
                format!("poll failed ({error}); retry {attempt} in {} ms", delay.as_millis())
            }
            StreamStatus::Recovered => "recovered".to_string(),
            StreamStatus::BufferFull { capacity } => format!("buffer full ({capacity} events)"),
            StreamStatus::EventsDropped { count } => format!("{count} events dropped"),
            StreamStatus::MalformedEvent { message } => format!("malformed event skipped: {message}"),
            StreamStatus::AckFailed { error } => format!("acknowledgement failed: {error}"),
            StreamStatus::Failed { error } => format!("failed: {error}"),
            StreamStatus::Stopped => "stopped".to_string(),
        }
    }
}

/// What a pull consumer receives: an event, or a status in order with the events.
#[derive(Debug, Clone)]
pub enum StreamItem {
    /// An event.
    Event(Event),
    /// A status.
    Status(StreamStatus),
}

/// Receives a stream's events and statuses on a dispatcher thread (one call at a time per
/// stream, in order).
pub trait EventHandler: Send + 'static {
    /// Called once per event (duplicates hidden). The event is acknowledged after this
    /// returns, even if it panics (the panic is caught and logged).
    fn on_event(&mut self, event: &Event);

    /// Called for each status, in order with the events.
    fn on_status(&mut self, status: &StreamStatus) {
        let _ = status;
    }

    /// Called with the items available at once (at most 64), in order. The default calls
    /// [`EventHandler::on_event`] / [`EventHandler::on_status`] for each, a panic affecting
    /// only its own item. Override it where entering the handler costs something per call
    /// (a foreign interpreter's lock) or where the handler keeps the events: they are handed
    /// over, not lent, so keeping one costs no copy. The events are acknowledged after it
    /// returns.
    fn on_batch(&mut self, items: Vec<StreamItem>) {
        for item in &items {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match item {
                StreamItem::Event(e) => self.on_event(e),
                StreamItem::Status(s) => self.on_status(s),
            }));
            if outcome.is_err() {
                tracing::error!("stream handler panicked");
            }
        }
    }
}

impl<F> EventHandler for F
where
    F: FnMut(&Event) + Send + 'static,
{
    fn on_event(&mut self, event: &Event) {
        self(event)
    }
}

/// Two handlers on one stream, each seeing every event and status in order (the first
/// before the second): an agent session's [`AgentFeed`](crate::AgentFeed) beside a handler
/// of the caller's own, on one streaming session. A panic in one does not keep the item
/// from the other.
impl<A, B> EventHandler for (A, B)
where
    A: EventHandler,
    B: EventHandler,
{
    fn on_event(&mut self, event: &Event) {
        both(|| self.0.on_event(event), || self.1.on_event(event));
    }

    fn on_status(&mut self, status: &StreamStatus) {
        both(|| self.0.on_status(status), || self.1.on_status(status));
    }
}

fn both(first: impl FnOnce(), second: impl FnOnce()) {
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(first));
    second();
    if let Err(panic) = first {
        std::panic::resume_unwind(panic);
    }
}
