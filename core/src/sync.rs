//! Locking shared by the crate's modules.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, also after a thread panicked while holding it: what the lock guards here is
/// bookkeeping a panic leaves consistent (queues, counters, caches), and a client must keep
/// working after a foreign handler's panic.
pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
