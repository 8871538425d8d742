//! The bounded window of seen event ids.

use std::collections::VecDeque;
use std::hash::BuildHasher;

use compact_str::CompactString;
use hashbrown::HashTable;

/// What the window knows about an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Never seen (or forgotten).
    New,
    /// Buffered or being handled: its acknowledgement will follow. Without
    /// acknowledgement an id stays pending once handled, since nothing tells the two apart.
    Pending,
    /// Handled: a redelivery only needs acknowledging again.
    Handled,
}

#[derive(Debug)]
struct Entry {
    /// Kept in the entry itself when short (up to 24 bytes, as the service's ids are):
    /// no allocation per remembered id, and a look-up compares without leaving the table.
    id: CompactString,
    /// Order of insertion: what the oldest hash in `order` is matched against, since two
    /// ids may share a hash, and what [`Dedupe::handled_below`] is compared with.
    seq: u64,
    /// Remembered as handled from the start (an event nothing will handle).
    handled: bool,
}

/// Remembers the last `capacity` event ids, oldest forgotten first.
///
/// Each event is looked up once, when it arrives; forgetting the oldest id uses the hash
/// kept in `order`, so no id is hashed again. On a busy stream this window is on the path
/// of every event.
///
/// Events are handled in the order they were remembered (the buffer's order), so handling
/// moves one boundary ([`Dedupe::handled_below`]) instead of finding each handled id again.
#[derive(Debug)]
pub(crate) struct Dedupe {
    capacity: usize,
    /// foldhash rather than SipHash: seeded at random per process, enough for ids that
    /// come from the service over an authenticated connection, though not a cryptographic
    /// defence against ids chosen to collide.
    hasher: foldhash::fast::RandomState,
    entries: HashTable<Entry>,
    /// Hashes in order of insertion; the front one belongs to the entry whose `seq` is
    /// `next_seq - order.len()`.
    order: VecDeque<u64>,
    next_seq: u64,
    /// Pending ids remembered before this point are handled.
    handled_below: u64,
}

impl Dedupe {
    pub(crate) fn new(capacity: usize) -> Self {
        // Empty until ids arrive: an idle stream holds no window (thousands of sessions
        // in one process), a busy one grows it to `capacity` and keeps it.
        Dedupe {
            capacity,
            hasher: foldhash::fast::RandomState::default(),
            entries: HashTable::new(),
            order: VecDeque::new(),
            next_seq: 0,
            handled_below: 0,
        }
    }

    fn seen(entry: Option<&Entry>, handled_below: u64) -> Seen {
        match entry {
            None => Seen::New,
            Some(e) if e.handled || e.seq < handled_below => Seen::Handled,
            Some(_) => Seen::Pending,
        }
    }

    pub(crate) fn check(&self, id: &str) -> Seen {
        let hash = self.hasher.hash_one(id);
        Self::seen(self.entries.find(hash, |e| e.id == id), self.handled_below)
    }

    /// The place the next id remembered takes in the window's order.
    pub(crate) fn next_place(&self) -> u64 {
        self.next_seq
    }

    /// Every id remembered before `place` ([`Dedupe::next_place`] when it was remembered)
    /// has been handled. The boundary only moves forward.
    pub(crate) fn handled_below(&mut self, place: u64) {
        self.handled_below = self.handled_below.max(place);
    }

    /// What is known of `id`; a new one is remembered as pending when `remember` says so
    /// (one search of the table for both).
    pub(crate) fn observe(&mut self, id: &str, remember: bool) -> Seen {
        let hash = self.hasher.hash_one(id);
        self.observe_hashed(hash, id, remember.then_some(false))
    }

    /// Remembers a new id as `state` (`Pending` or `Handled`; `New` is taken as `Pending`).
    pub(crate) fn insert(&mut self, id: &str, state: Seen) {
        let hash = self.hasher.hash_one(id);
        self.observe_hashed(hash, id, Some(state == Seen::Handled));
    }

    /// What is known of `id`, whose hash is `hash`; a new one is remembered, handled or
    /// not, when `remember` says how.
    fn observe_hashed(&mut self, hash: u64, id: &str, remember: Option<bool>) -> Seen {
        let hasher = &self.hasher;
        match self
            .entries
            .entry(hash, |e| e.id == id, |e| hasher.hash_one(e.id.as_str()))
        {
            hashbrown::hash_table::Entry::Occupied(e) => {
                Self::seen(Some(e.get()), self.handled_below)
            }
            hashbrown::hash_table::Entry::Vacant(slot) => {
                if let Some(handled) = remember {
                    slot.insert(Entry {
                        id: CompactString::new(id),
                        seq: self.next_seq,
                        handled,
                    });
                    self.ordered(hash);
                }
                Seen::New
            }
        }
    }

    /// Records the entry just added (of `seq == next_seq`) and forgets the oldest ones past
    /// the capacity.
    fn ordered(&mut self, hash: u64) {
        self.next_seq += 1;
        self.order.push_back(hash);
        while self.order.len() > self.capacity {
            let oldest = self.next_seq - self.order.len() as u64;
            if let Some(hash) = self.order.pop_front() {
                let found = self.entries.find_entry(hash, |e| e.seq == oldest);
                debug_assert!(found.is_ok(), "the oldest id is in the table");
                if let Ok(entry) = found {
                    entry.remove();
                }
            }
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
        d.handled_below(d.next_place());
        assert_eq!(d.check("a"), Seen::Handled);
        d.insert("b", Seen::Handled);
        assert_eq!(d.check("b"), Seen::Handled);
        d.insert("c", Seen::Pending);
        assert_eq!(d.check("a"), Seen::New, "oldest forgotten");
        assert_eq!(d.check("c"), Seen::Pending);
    }

    #[test]
    fn observe_remembers_new_ids_only_when_asked() {
        let mut d = Dedupe::new(4);
        assert_eq!(d.observe("a", false), Seen::New);
        assert_eq!(d.check("a"), Seen::New, "not remembered");
        assert_eq!(d.observe("a", true), Seen::New);
        assert_eq!(d.observe("a", true), Seen::Pending);
        d.handled_below(d.next_place());
        assert_eq!(d.observe("a", true), Seen::Handled);
        assert_eq!(d.entries.len(), 1);
    }

    /// Handling moves a boundary: ids remembered before it are handled, those after it
    /// pending, whatever their hashes; it never moves back, and an id remembered as
    /// handled stays so wherever the boundary is.
    #[test]
    fn the_handled_boundary_splits_the_window_in_order() {
        let mut d = Dedupe::new(10);
        let at_b = ["a", "b", "c"].map(|id| {
            let place = d.next_place();
            d.observe(id, true);
            place
        })[1];
        d.insert("m", Seen::Handled);
        assert_eq!(d.check("m"), Seen::Handled);
        d.handled_below(at_b);
        assert_eq!(
            ["a", "b", "c"].map(|id| d.check(id)),
            [Seen::Handled, Seen::Pending, Seen::Pending]
        );
        d.handled_below(0);
        assert_eq!(d.check("a"), Seen::Handled, "never moves back");
        d.handled_below(d.next_place());
        assert_eq!(
            ["b", "c", "m"].map(|id| d.observe(id, true)),
            [Seen::Handled; 3]
        );
        assert_eq!(d.observe("d", true), Seen::New);
        assert_eq!(d.check("d"), Seen::Pending, "remembered after the boundary");
    }

    /// Ids that share a hash are told apart, and the oldest one is the one forgotten.
    #[test]
    fn the_oldest_of_colliding_hashes_is_forgotten() {
        let mut d = Dedupe::new(2);
        // Stand-ins for a collision: entries added under one hash directly. Three entries
        // fit the table's first allocation; a fourth could make it grow, which rehashes
        // entries by their real hashes and would no longer match these.
        d.observe_hashed(7, "x", Some(false));
        d.observe_hashed(7, "y", Some(true));
        d.observe_hashed(9, "z", Some(false));
        let ids: Vec<&str> = d.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), 2);
        assert!(!ids.contains(&"x"), "oldest forgotten: {ids:?}");
        assert!(d
            .entries
            .find(7, |e| &*e.id == "y")
            .is_some_and(|e| e.handled));
    }

    #[test]
    fn a_long_run_keeps_exactly_the_last_capacity_ids() {
        let mut d = Dedupe::new(100);
        for i in 0..10_000 {
            d.observe(&format!("id-{i}"), true);
        }
        assert_eq!(d.entries.len(), 100);
        assert_eq!(d.order.len(), 100);
        assert_eq!(d.check("id-9899"), Seen::New);
        assert_eq!(d.check("id-9900"), Seen::Pending);
        assert_eq!(d.check("id-9999"), Seen::Pending);
    }
}
