//! The bounded window of seen event ids.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

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
    states: HashMap<Arc<str>, bool>,
    order: VecDeque<Arc<str>>,
}

impl Dedupe {
    pub(crate) fn new(capacity: usize) -> Self {
        Dedupe {
            capacity,
            states: HashMap::with_capacity(capacity.min(65_536)),
            order: VecDeque::with_capacity(capacity.min(65_536)),
        }
    }

    pub(crate) fn check(&self, id: &str) -> Seen {
        match self.states.get(id) {
            None => Seen::New,
            Some(false) => Seen::Pending,
            Some(true) => Seen::Handled,
        }
    }

    pub(crate) fn insert_pending(&mut self, id: &str) {
        if !self.states.contains_key(id) {
            let id: Arc<str> = Arc::from(id);
            self.states.insert(Arc::clone(&id), false);
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
        d.insert_pending("a");
        assert_eq!(d.check("a"), Seen::Pending);
        d.mark_handled("a");
        assert_eq!(d.check("a"), Seen::Handled);
        d.insert_pending("b");
        d.insert_pending("c");
        assert_eq!(d.check("a"), Seen::New, "oldest forgotten");
        assert_eq!(d.check("c"), Seen::Pending);
    }
}
