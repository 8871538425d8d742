//! The dispatcher pool: the threads on which callback streams' handlers run.
//!
//! A callback stream owns no thread. When items arrive, the stream is queued on the pool
//! ([`submit`]); a worker takes it and hands its items to its handler until none are left.
//! A stream is queued at most once at a time (the stream keeps that flag under its own
//! lock), so one worker at a time runs its handler: the handler sees its items in order and
//! is never called concurrently.
//!
//! Handlers may block: they may call any blocking API of the library, wait on a lock, even
//! stop their own stream. So the pool never lets queued work wait behind a blocked worker:
//! whenever more streams are queued than workers are idle, it starts another worker (up to
//! [`MAX_WORKERS`]), and a worker idle for [`IDLE_RETIRE`] exits. Ten thousand idle streams
//! cost no thread; a burst on many streams costs a few, for a few seconds.
//!
//! Workers are plain threads, never runtime workers: a handler may block, and a foreign
//! handler's drop may need its interpreter.

use crate::sync::lock;
use once_cell::sync::Lazy;
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// Most workers at once. Past it, queued streams wait for a worker to come free.
pub(crate) const MAX_WORKERS: usize = 64;
/// How long a worker with nothing to do stays before it exits.
pub(crate) const IDLE_RETIRE: Duration = Duration::from_secs(10);

/// Work the pool runs: one stream's pending items.
pub(crate) trait Job: Send + Sync + 'static {
    /// Hands the pending items to the handler. Called on one worker at a time per job, as
    /// long as the job is queued at most once at a time.
    fn run(self: Arc<Self>);

    /// Identifies the job for [`current_job`].
    fn key(&self) -> usize;
}

struct Pool {
    state: Mutex<PoolState>,
    work: Condvar,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<Arc<dyn Job>>,
    workers: usize,
    idle: usize,
}

static POOL: Lazy<Pool> = Lazy::new(|| Pool {
    state: Mutex::new(PoolState::default()),
    work: Condvar::new(),
});

thread_local! {
    /// The job this thread is running, 0 when none.
    static CURRENT: Cell<usize> = const { Cell::new(0) };
}

/// Queues `job` to run on a worker.
pub(crate) fn submit(job: Arc<dyn Job>) {
    let pool = &*POOL;
    let mut s = lock(&pool.state);
    s.queue.push_back(job);
    let start = s.queue.len() > s.idle && s.workers < MAX_WORKERS;
    if start {
        s.workers += 1;
    }
    // Only an idle worker waits on the condition, and it counted itself under this lock
    // before it did: with none idle the job is taken by a busy worker's next look at the
    // queue or by the one being started, and a notification would be a system call
    // (the futex wake) that wakes nobody. A busy stream submits its job on every batch.
    let wake = s.idle > 0;
    drop(s);
    if wake {
        pool.work.notify_one();
    }
    if start {
        let spawned = thread::Builder::new()
            .name("ccbridge-dispatch".into())
            .spawn(worker);
        if let Err(error) = spawned {
            // The queued job waits for a worker that exists; if none does, it waits for
            // the next submit to try again. Logged, because a handler may now be late.
            lock(&pool.state).workers -= 1;
            tracing::error!(%error, "cannot start a dispatcher thread");
        }
    }
}

/// The key of the job the calling thread is running, if it is a dispatcher worker inside
/// a job.
pub(crate) fn current_job() -> Option<usize> {
    let k = CURRENT.with(Cell::get);
    (k != 0).then_some(k)
}

/// How many workers exist now.
#[cfg(test)]
pub(crate) fn worker_count() -> usize {
    lock(&POOL.state).workers
}

fn worker() {
    let pool = &*POOL;
    let mut s = lock(&pool.state);
    loop {
        if let Some(job) = s.queue.pop_front() {
            drop(s);
            CURRENT.with(|c| c.set(job.key()));
            // A job catches its handler's panics; this one is a bug of the job itself,
            // and must not take the worker count down with the thread.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run()));
            CURRENT.with(|c| c.set(0));
            if outcome.is_err() {
                tracing::error!("dispatcher job panicked");
            }
            s = lock(&pool.state);
            continue;
        }
        s.idle += 1;
        let (guard, waited) = pool
            .work
            .wait_timeout(s, IDLE_RETIRE)
            .unwrap_or_else(|p| p.into_inner());
        s = guard;
        s.idle -= 1;
        if waited.timed_out() && s.queue.is_empty() {
            s.workers -= 1;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Instant;

    struct Blocker {
        gate: Mutex<Option<mpsc::Receiver<()>>>,
        ran: mpsc::Sender<usize>,
        key: usize,
    }

    impl Job for Blocker {
        fn run(self: Arc<Self>) {
            assert_eq!(current_job(), Some(self.key));
            if let Some(gate) = self.gate.lock().unwrap().take() {
                let _ = gate.recv();
            }
            self.ran.send(self.key).unwrap();
        }
        fn key(&self) -> usize {
            self.key
        }
    }

    #[test]
    fn a_blocked_job_does_not_hold_up_the_others() {
        let (ran_tx, ran) = mpsc::channel();
        let (open, gate) = mpsc::channel();
        submit(Arc::new(Blocker {
            gate: Mutex::new(Some(gate)),
            ran: ran_tx.clone(),
            key: 0xB10C,
        }));
        for key in 1..=20 {
            submit(Arc::new(Blocker {
                gate: Mutex::new(None),
                ran: ran_tx.clone(),
                key,
            }));
        }
        let mut done: Vec<usize> = (0..20)
            .map(|_| ran.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        done.sort_unstable();
        assert_eq!(
            done,
            (1..=20).collect::<Vec<_>>(),
            "the blocked job ran last"
        );
        open.send(()).unwrap();
        assert_eq!(ran.recv_timeout(Duration::from_secs(10)).unwrap(), 0xB10C);
        assert_eq!(current_job(), None, "not a worker");
    }

    #[test]
    fn workers_start_on_demand_and_are_reused() {
        struct Count(Arc<AtomicUsize>);
        impl Job for Count {
            fn run(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
            fn key(&self) -> usize {
                7
            }
        }
        let n = Arc::new(AtomicUsize::new(0));
        for _ in 0..1_000 {
            submit(Arc::new(Count(n.clone())));
        }
        let until = Instant::now() + Duration::from_secs(10);
        while n.load(Ordering::SeqCst) < 1_000 && Instant::now() < until {
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(n.load(Ordering::SeqCst), 1_000);
        assert!(worker_count() <= MAX_WORKERS);
    }
}
