//! The bounded window of seen event ids.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// foldhash rather than the standard SipHash, which took about a tenth of a busy Python
/// stream's CPU (five lookups per event). It is seeded at random per process, enough for
/// ids that come from the service over an authenticated connection, though not a
/// cryptographic defence against ids chosen to collide.
type Ids<V> = HashMap<Arc<str>, V, foldhash::fast::RandomState>;

/// What the window knows about an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Never seen (or forgotten).
    New,
    /// Buffered or being handled: its acknowledgement will follow.
    Pending,
    /// Handled: a redelivery only needs acknowledging again.
    Handled,
}

/// Remembers the last `capacity` event ids, oldest forgotten first.
#[derive(Debug)]
pub(crate) struct Dedupe {
    capacity: usize,
    // One allocation per id, shared by the map and the order.
    states: Ids<bool>,
    order: VecDeque<Arc<str>>,
}

impl Dedupe {
    pub(crate) fn new(capacity: usize) -> Self {
        // Empty until ids arrive: an idle stream holds no window (thousands of sessions
        // in one process), a busy one grows it to `capacity` and keeps it.
        Dedupe {
            capacity,
            states: Ids::default(),
            order: VecDeque::new(),
        }
    }

    pub(crate) fn check(&self, id: &str) -> Seen {
        match self.states.get(id) {
            None => Seen::New,
            Some(false) => Seen::Pending,
            Some(true) => Seen::Handled,
        }
    }

    /// Remembers a new id as `state` (`Pending` or `Handled`; `New` is taken as `Pending`).
    pub(crate) fn insert(&mut self, id: &str, state: Seen) {
        if !self.states.contains_key(id) {
            let id: Arc<str> = Arc::from(id);
            self.states.insert(Arc::clone(&id), state == Seen::Handled);
            self.order.push_back(id);
            while self.order.len() > self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.states.remove(&old);
                }
            }
        }
    }

    pub(crate) fn mark_handled(&mut self, id: &str) {
        if let Some(s) = self.states.get_mut(id) {
            *s = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_bounded_and_tracks_states() {
        let mut d = Dedupe::new(2);
        assert_eq!(d.check("a"), Seen::New);
        d.insert("a", Seen::Pending);
        assert_eq!(d.check("a"), Seen::Pending);
        d.mark_handled("a");
        assert_eq!(d.check("a"), Seen::Handled);
        d.insert("b", Seen::Handled);
        assert_eq!(d.check("b"), Seen::Handled);
        d.insert("c", Seen::Pending);
        assert_eq!(d.check("a"), Seen::New, "oldest forgotten");
        assert_eq!(d.check("c"), Seen::Pending);
    }
}
