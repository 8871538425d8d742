//! What a stream holds between its poller and its consumer: the buffered items, the window
//! of seen event ids, the acknowledgements owed, and the pull consumer's bookkeeping.
//!
//! Plain data under one lock (the engine's), so the rules that make delivery exactly-once
//! are tested here without a runtime, a clock or a server:
//!
//! - an event is buffered once; a redelivery of an event still in hand is hidden, a
//!   redelivery of a handled one is hidden and acknowledged again (its acknowledgement was
//!   lost);
//! - an event is acknowledged only once its handler is done with it;
//! - a full buffer takes nothing more: with acknowledgement the service keeps the event,
//!   without it the event is dropped and counted;
//! - an event no client can decode is reported once and, when its id is readable,
//!   acknowledged, so the service stops redelivering it.

use super::dedupe::{Dedupe, Seen};
use super::{StreamItem, StreamStatus};
use crate::error::{Error, Result};
use crate::via::streaming::{Decoded, Malformed};
use compact_str::CompactString;
use std::collections::VecDeque;

/// Statuses kept for a pull consumer that only asks for events.
const STATUS_BACKLOG: usize = 256;

/// What [`Buffer::accept`] did with a batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// New events buffered.
    pub(crate) events: usize,
    /// Redeliveries hidden.
    pub(crate) duplicates: u64,
    /// Events dropped on a full buffer (acknowledgement off).
    pub(crate) dropped: u64,
    /// Acknowledgements were queued (re-acknowledged redeliveries, malformed events).
    pub(crate) acks_queued: bool,
    /// Items (events or statuses) were added for the consumer.
    pub(crate) items_added: bool,
}

/// An item taken by the consumer.
pub(crate) struct Popped {
    pub(crate) item: StreamItem,
    /// Taking it made room in a buffer that was full.
    pub(crate) made_room: bool,
}

/// The state of one stream between poller and consumer. See the [module docs](self).
pub(crate) struct Buffer {
    capacity: usize,
    require_ack: bool,
    items: VecDeque<StreamItem>,
    /// Events among `items`.
    events: usize,
    full_reported: bool,
    seen: Dedupe,
    /// With acknowledgement: the events buffered or being handled, in order, each with its
    /// place in the window of seen ids. The consumer handles them in this order, so it
    /// reports how many it has handled and their ids come from here: the consumer's thread
    /// neither copies an id nor looks one up again.
    unhandled: VecDeque<(u64, CompactString)>,
    /// Event ids owed an acknowledgement, oldest first.
    acks: Vec<CompactString>,
    /// Events buffered or being handled.
    in_hand: usize,
    /// No more items will be pushed.
    closed: bool,
    /// Why polling ended, when it ended on an error.
    failure: Option<Error>,
    /// Pull mode: an event was returned, handled once the consumer asks again.
    pulled: bool,
    /// Pull mode via `next_event`: statuses set aside.
    statuses: VecDeque<StreamStatus>,
}

impl Buffer {
    pub(crate) fn new(capacity: usize, dedupe_window: usize, require_ack: bool) -> Buffer {
        Buffer {
            capacity,
            require_ack,
            items: VecDeque::new(),
            events: 0,
            full_reported: false,
            seen: Dedupe::new(dedupe_window),
            unhandled: VecDeque::new(),
            acks: Vec::new(),
            in_hand: 0,
            closed: false,
            failure: None,
            pulled: false,
            statuses: VecDeque::new(),
        }
    }

    /// Takes a polled batch: hides duplicates, queues re-acknowledgements, respects the
    /// capacity, reports malformed events.
    pub(crate) fn accept(&mut self, batch: Vec<Decoded>) -> Accepted {
        let mut out = Accepted::default();
        let mut full_now = false;
        for decoded in batch {
            let event = match decoded {
                Ok(event) => event,
                Err(malformed) => {
                    self.accept_malformed(malformed, &mut out);
                    continue;
                }
            };
            // A new event is remembered at once unless the buffer is full: then it is
            // dropped, or left to the service's redelivery, and stays new.
            let full = self.events >= self.capacity;
            let place = self.seen.next_place();
            match self.seen.observe(event.event_id(), !full) {
                Seen::Pending => {
                    out.duplicates += 1;
                    continue;
                }
                Seen::Handled => {
                    out.duplicates += 1;
                    self.owe_ack(event.event_id(), &mut out);
                    continue;
                }
                Seen::New => {}
            }
            if full {
                if !self.full_reported {
                    self.full_reported = true;
                    full_now = true;
                }
                // With acknowledgement the service keeps the event and redelivers it.
                if !self.require_ack {
                    out.dropped += 1;
                }
                continue;
            }
            out.events += 1;
            self.events += 1;
            self.in_hand += 1;
            if self.require_ack {
                self.unhandled
                    .push_back((place, CompactString::new(event.event_id())));
            }
            self.items.push_back(StreamItem::Event(event));
        }
        if full_now {
            self.push_status(StreamStatus::BufferFull {
                capacity: self.capacity,
            });
        }
        if out.dropped > 0 {
            self.push_status(StreamStatus::EventsDropped { count: out.dropped });
        }
        out.items_added |= out.events > 0 || full_now || out.dropped > 0;
        out
    }

    fn accept_malformed(&mut self, malformed: Malformed, out: &mut Accepted) {
        let Some(id) = malformed.event_id else {
            // Without an id it cannot be acknowledged, nor told apart from its redeliveries.
            self.push_status(StreamStatus::MalformedEvent {
                message: malformed.error.to_string(),
            });
            out.items_added = true;
            return;
        };
        match self.seen.check(&id) {
            Seen::New => {
                self.push_status(StreamStatus::MalformedEvent {
                    message: format!(
                        "event {id}: {}{}",
                        malformed.error,
                        if self.require_ack {
                            " (acknowledged, so the service stops redelivering it)"
                        } else {
                            ""
                        }
                    ),
                });
                out.items_added = true;
                // Nothing will handle it: it counts as handled at once.
                self.seen.insert(&id, Seen::Handled);
                self.owe_ack(&id, out);
            }
            Seen::Handled => {
                out.duplicates += 1;
                self.owe_ack(&id, out);
            }
            Seen::Pending => out.duplicates += 1,
        }
    }

    /// Queues the acknowledgement of a redelivered or unreadable event, once: while
    /// acknowledgements are refused, each poll hands the same events back.
    fn owe_ack(&mut self, id: &str, out: &mut Accepted) {
        if self.require_ack {
            self.queue_ack_once(id);
            out.acks_queued = true;
        }
    }

    /// Queues `id` unless it is queued already.
    fn queue_ack_once(&mut self, id: &str) {
        if !self.acks.iter().any(|queued| queued == id) {
            self.acks.push(CompactString::new(id));
        }
    }

    /// Adds a status for the consumer, in order with the events.
    pub(crate) fn push_status(&mut self, status: StreamStatus) {
        self.items.push_back(StreamItem::Status(status));
    }

    /// Takes the next item.
    pub(crate) fn pop(&mut self) -> Option<Popped> {
        let item = self.items.pop_front()?;
        let mut made_room = false;
        if matches!(item, StreamItem::Event(_)) {
            made_room = self.events >= self.capacity;
            self.events -= 1;
            if self.events < self.capacity {
                self.full_reported = false;
            }
        }
        Some(Popped { item, made_room })
    }

    /// Whether the buffer is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Events buffered (statuses not counted).
    pub(crate) fn events(&self) -> usize {
        self.events
    }

    /// Whether the buffer holds as many events as it may.
    pub(crate) fn is_full(&self) -> bool {
        self.events >= self.capacity
    }

    /// Events buffered or being handled, not yet handled.
    pub(crate) fn in_hand(&self) -> usize {
        self.in_hand
    }

    /// The consumer is done with the next `count` events it was given (events are handled
    /// in the order they were buffered). With acknowledgement on, they count as handled for
    /// duplicate detection and are owed an acknowledgement; returns whether
    /// acknowledgements were queued. Without it, a redelivery is dropped whether its event
    /// was handled or not, so only the count in hand changes.
    pub(crate) fn handled(&mut self, count: usize) -> bool {
        // Saturating: a count that went wrong must not wrap and stall the poller.
        self.in_hand = self.in_hand.saturating_sub(count);
        if !self.require_ack || count == 0 {
            return false;
        }
        let count = count.min(self.unhandled.len());
        self.acks
            .extend(self.unhandled.drain(..count).map(|(_, id)| id));
        let boundary = match self.unhandled.front() {
            Some(&(place, _)) => place,
            None => self.seen.next_place(),
        };
        self.seen.handled_below(boundary);
        count > 0
    }

    /// Event ids owed an acknowledgement.
    pub(crate) fn acks_pending(&self) -> usize {
        self.acks.len()
    }

    /// Up to `max` acknowledgements owed, oldest first.
    pub(crate) fn take_acks(&mut self, max: usize) -> Vec<CompactString> {
        let n = self.acks.len().min(max);
        self.acks.drain(..n).collect()
    }

    /// Puts back acknowledgements that could not be sent, ahead of newer ones.
    pub(crate) fn return_acks(&mut self, batch: Vec<CompactString>) {
        let newer = std::mem::replace(&mut self.acks, batch);
        // A redelivery while the batch was out queued some of its ids again.
        for id in newer {
            self.queue_ack_once(&id);
        }
    }

    /// The session was replaced: what was owed to the old one can no longer be sent, and
    /// the events buffered of it are still delivered (they were received).
    pub(crate) fn session_replaced(&mut self) {
        self.acks.clear();
    }

    /// Marks the end of the items; `failure` says why, when polling ended on an error.
    pub(crate) fn close(&mut self, failure: Option<Error>) {
        self.closed = true;
        if self.failure.is_none() {
            self.failure = failure;
        }
    }

    /// Pull mode: the next item, the reason none will come (stopped, failed), or `None`
    /// (wait). The event returned is handled when the consumer comes back
    /// ([`Buffer::complete_pulled`]).
    pub(crate) fn take(&mut self) -> Option<Result<Popped>> {
        if let Some(popped) = self.pop() {
            // Only an event is handled when the consumer comes back; a status taken by
            // another thread meanwhile leaves its mark.
            if matches!(popped.item, StreamItem::Event(_)) {
                self.pulled = true;
            }
            return Some(Ok(popped));
        }
        if self.closed {
            return Some(Err(self
                .failure
                .clone()
                .unwrap_or_else(|| Error::closed("the stream is stopped"))));
        }
        None
    }

    /// Pull mode: the consumer came back, so the event it took last is handled. Returns
    /// whether an acknowledgement was queued.
    pub(crate) fn complete_pulled(&mut self) -> bool {
        let pulled = std::mem::take(&mut self.pulled);
        pulled && self.handled(1)
    }

    /// Pull mode: keeps a status met by `next_event` for `drain_statuses`, the oldest
    /// forgotten past a bound.
    pub(crate) fn keep_status(&mut self, s: StreamStatus) {
        if self.statuses.len() >= STATUS_BACKLOG {
            self.statuses.pop_front();
        }
        self.statuses.push_back(s);
    }

    /// The statuses kept by [`Buffer::keep_status`], oldest first.
    pub(crate) fn drain_statuses(&mut self) -> Vec<StreamStatus> {
        self.statuses.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;
    use serde_json::json;

    fn ev(id: &str) -> Decoded {
        Ok(
            Event::from_wire(&json!({"eventId": id, "eventType": "engagementCenter.Idle"}))
                .unwrap(),
        )
    }

    fn malformed(id: Option<&str>) -> Decoded {
        Err(Malformed {
            event_id: id.map(str::to_string),
            error: Error::decode("event: bad"),
        })
    }

    fn drain_ids(b: &mut Buffer) -> Vec<String> {
        let mut ids = Vec::new();
        while let Some(p) = b.pop() {
            if let StreamItem::Event(e) = p.item {
                ids.push(e.event_id().to_owned());
            }
        }
        ids
    }

    #[test]
    fn redeliveries_are_hidden_and_handled_ones_acknowledged_again() {
        let mut b = Buffer::new(10, 100, true);
        let a = b.accept(vec![ev("1"), ev("2")]);
        assert_eq!((a.events, a.duplicates, a.acks_queued), (2, 0, false));
        // Redelivered while still in hand: hidden, no acknowledgement yet.
        let a = b.accept(vec![ev("1")]);
        assert_eq!((a.events, a.duplicates, a.acks_queued), (0, 1, false));
        assert_eq!(drain_ids(&mut b), ["1", "2"]);
        assert_eq!(b.in_hand(), 2);
        assert!(
            b.take_acks(10).is_empty(),
            "nothing acknowledged before handling"
        );
        assert!(b.handled(2));
        assert_eq!(b.in_hand(), 0);
        assert_eq!(b.take_acks(10), ["1", "2"]);
        // Redelivered after handling (the acknowledgement was lost): acknowledged again.
        let a = b.accept(vec![ev("2")]);
        assert_eq!((a.events, a.duplicates, a.acks_queued), (0, 1, true));
        assert_eq!(b.take_acks(10), ["2"]);
        assert!(b.is_empty());
    }

    /// The consumer reports how many events it handled, never which: the buffer's order
    /// says which, past statuses, malformed events and events a full buffer left to the
    /// service, and a redelivery is acknowledged again only once its event is handled.
    #[test]
    fn events_handled_in_parts_are_acknowledged_in_order() {
        let mut b = Buffer::new(3, 100, true);
        let a = b.accept(vec![
            ev("1"),
            malformed(Some("m")),
            ev("2"),
            ev("3"),
            ev("4"),
        ]);
        assert_eq!(
            (a.events, a.acks_queued),
            (3, true),
            "4 left to the service"
        );
        assert_eq!(b.take_acks(10), ["m"]);
        drain_ids(&mut b);
        assert!(b.handled(1));
        assert_eq!(b.take_acks(10), ["1"]);
        // 1 is handled, 2 and 3 are in hand; 4 was never taken in, so it is new now.
        let a = b.accept(vec![ev("1"), ev("2"), ev("3"), ev("4")]);
        assert_eq!((a.events, a.duplicates), (1, 3));
        assert_eq!(b.take_acks(10), ["1"], "only the handled one again");
        drain_ids(&mut b);
        assert!(b.handled(2));
        assert_eq!(b.take_acks(10), ["2", "3"]);
        let a = b.accept(vec![ev("3"), ev("4")]);
        assert_eq!((a.events, a.duplicates), (0, 2));
        assert_eq!(b.take_acks(10), ["3"], "4 is still in hand");
        assert!(b.handled(5), "more than in hand: the rest");
        assert_eq!(b.take_acks(10), ["4"]);
        assert_eq!(b.in_hand(), 0);
        assert!(!b.handled(1), "nothing left to acknowledge");
    }

    #[test]
    fn without_acknowledgement_handled_events_are_counted_and_redeliveries_hidden() {
        let mut b = Buffer::new(10, 100, false);
        let a = b.accept(vec![ev("1"), ev("2"), ev("3")]);
        assert_eq!(a.events, 3);
        assert_eq!(drain_ids(&mut b), ["1", "2", "3"]);
        assert!(!b.handled(2), "nothing owed without acknowledgement");
        assert_eq!(b.in_hand(), 1);
        // The ids behind the count are not known; handled or in hand, a redelivery is
        // hidden and owes nothing.
        let a = b.accept(vec![ev("1"), ev("3")]);
        assert_eq!((a.events, a.duplicates, a.acks_queued), (0, 2, false));
        b.handled(5);
        assert_eq!(b.in_hand(), 0, "never below zero");
        assert!(b.take_acks(10).is_empty());
    }

    #[test]
    fn a_full_buffer_keeps_events_on_the_server_with_acknowledgement() {
        let mut b = Buffer::new(2, 100, true);
        let a = b.accept(vec![ev("1"), ev("2"), ev("3"), ev("4")]);
        assert_eq!((a.events, a.dropped), (2, 0));
        assert!(b.is_full());
        let statuses: Vec<&str> = b
            .items
            .iter()
            .filter_map(|i| match i {
                StreamItem::Status(s) => Some(s.name()),
                StreamItem::Event(_) => None,
            })
            .collect();
        assert_eq!(statuses, ["buffer_full"], "reported once per filling");
        // Not remembered: the service's redelivery of 3 is new to the buffer.
        assert!(b.pop().unwrap().made_room);
        let a = b.accept(vec![ev("3")]);
        assert_eq!(a.events, 1);
    }

    #[test]
    fn a_full_buffer_drops_and_counts_without_acknowledgement() {
        let mut b = Buffer::new(1, 100, false);
        let a = b.accept(vec![ev("1"), ev("2"), ev("3")]);
        assert_eq!((a.events, a.dropped, a.acks_queued), (1, 2, false));
        let names: Vec<&str> = std::iter::from_fn(|| b.pop())
            .map(|p| match p.item {
                StreamItem::Status(s) => s.name(),
                StreamItem::Event(_) => "event",
            })
            .collect();
        assert_eq!(names, ["event", "buffer_full", "events_dropped"]);
        assert!(!b.handled(1), "nothing owed without acknowledgement");
    }

    #[test]
    fn a_malformed_event_is_reported_once_and_acknowledged() {
        let mut b = Buffer::new(10, 100, true);
        let a = b.accept(vec![malformed(Some("9")), ev("1")]);
        assert!(a.acks_queued);
        assert_eq!(b.take_acks(10), ["9"]);
        // The acknowledgement was lost and it came back: acknowledged again, not reported.
        let a = b.accept(vec![malformed(Some("9"))]);
        assert_eq!(
            (a.duplicates, a.acks_queued, a.items_added),
            (1, true, false)
        );
        assert_eq!(b.take_acks(10), ["9"]);
        let first = b.pop().unwrap().item;
        match first {
            StreamItem::Status(StreamStatus::MalformedEvent { message }) => {
                assert!(message.contains("event 9"), "{message}");
            }
            other => panic!("expected a malformed_event status, got {other:?}"),
        }
        assert_eq!(drain_ids(&mut b), ["1"]);
        // Without an id it can only be reported.
        let a = b.accept(vec![malformed(None)]);
        assert_eq!((a.acks_queued, a.items_added), (false, true));
    }

    #[test]
    fn acknowledgements_that_failed_go_out_first_and_die_with_their_session() {
        let mut b = Buffer::new(10, 100, true);
        b.accept(vec![ev("1"), ev("2"), ev("3")]);
        drain_ids(&mut b);
        b.handled(2);
        let batch = b.take_acks(10);
        b.handled(1);
        b.return_acks(batch);
        assert_eq!(b.take_acks(2), ["1", "2"]);
        assert_eq!(b.take_acks(2), ["3"]);
        b.accept(vec![ev("4")]);
        drain_ids(&mut b);
        b.handled(1);
        b.session_replaced();
        assert!(b.take_acks(10).is_empty());
    }

    #[test]
    fn acknowledgements_refused_again_and_again_are_owed_once() {
        let mut b = Buffer::new(10, 100, true);
        b.accept(vec![ev("1"), ev("2")]);
        drain_ids(&mut b);
        b.handled(2);
        // Refused while both come back on every poll, before and while a batch is out.
        let batch = b.take_acks(10);
        b.accept(vec![ev("1"), ev("2")]);
        b.return_acks(batch);
        b.accept(vec![ev("1"), ev("2")]);
        assert_eq!(b.take_acks(10), ["1", "2"]);
        assert!(b.take_acks(10).is_empty());
    }

    #[test]
    fn pull_mode_handles_the_previous_event_when_the_consumer_returns() {
        let mut b = Buffer::new(10, 100, true);
        b.accept(vec![ev("1"), ev("2")]);
        assert!(matches!(b.take(), Some(Ok(_))));
        assert!(b.take_acks(10).is_empty());
        assert!(b.complete_pulled());
        assert_eq!(b.take_acks(10), ["1"]);
        assert!(matches!(b.take(), Some(Ok(_))));
        assert!(b.take().is_none(), "empty and open: wait");
        b.close(Some(Error::closed("x")));
        b.close(None);
        assert!(
            matches!(b.take(), Some(Err(Error::Closed { message })) if message == "x"),
            "the first failure is kept"
        );
    }
}
