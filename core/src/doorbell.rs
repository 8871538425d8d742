//! Wake-ups of the global runtime's tasks from threads outside it, delivered through the
//! runtime's I/O driver.
//!
//! A task woken from another thread (a dispatcher thread that finished a batch, whose poller
//! waits to acknowledge it) goes to the runtime's shared queue, and the worker unparked to
//! take it wakes a second worker before it runs the task: tokio keeps one worker searching
//! for work whenever work arrives from outside. For a stream that goes back and forth
//! between its poller and its handler, that is a worker woken, and parked again, for nothing
//! on every batch. Measured with acknowledgement on (`make bench`'s comparison leg, run
//! alternately with and without this module), the process's CPU time per event fell by a
//! tenth, the runtime's context switches per batch from 4.6 to 3.4.
//!
//! A task woken by I/O does not start that search: its worker schedules it for itself. So
//! [`routed`] gives a task a waker that, called on a thread outside the runtime, queues the
//! task's own waker here and rings a doorbell (one byte on a local socket, and only when
//! none is pending); the doorbell's task, woken by its socket, wakes the queued tasks from
//! inside the runtime. Called on one of the runtime's threads, the waker wakes the task
//! directly.
//!
//! Unix only (a local socket pair); elsewhere, and if the socket pair cannot be made, tasks
//! are woken directly, as tokio does it.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

thread_local! {
    /// Set on the global runtime's threads ([`on_runtime_thread_start`]): its workers, and
    /// its blocking pool's threads too (tokio runs the hook on both), whose rare wakes take
    /// the direct way.
    static ON_RUNTIME: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling thread as one of the global runtime's (its `on_thread_start`).
pub(crate) fn on_runtime_thread_start() {
    ON_RUNTIME.with(|c| c.set(true));
}

/// `fut`, with every wake-up from outside the global runtime delivered through the doorbell.
/// For futures spawned on the global runtime.
pub(crate) fn routed<F>(fut: F) -> impl Future<Output = F::Output> + Send + 'static
where
    F: Future + Send + 'static,
{
    let mut fut = Box::pin(fut);
    // The task's waker and ours around it, made again only if the task's changes (a tokio
    // task keeps one).
    let mut wakers: Option<(Waker, Waker)> = None;
    std::future::poll_fn(move |cx| {
        let ours = match &wakers {
            Some((task, ours)) if task.will_wake(cx.waker()) => ours,
            _ => {
                let task = cx.waker().clone();
                let ours = Waker::from(Arc::new(Routed { task: task.clone() }));
                &wakers.insert((task, ours)).1
            }
        };
        Pin::as_mut(&mut fut).poll(&mut Context::from_waker(ours))
    })
}

/// The waker [`routed`] gives its future.
struct Routed {
    task: Waker,
}

impl Wake for Routed {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if ON_RUNTIME.with(Cell::get) {
            self.task.wake_by_ref();
        } else {
            ring(&self.task);
        }
    }
}

#[cfg(unix)]
fn ring(task: &Waker) {
    imp::ring(task);
}

#[cfg(not(unix))]
fn ring(task: &Waker) {
    task.wake_by_ref();
}

#[cfg(unix)]
mod imp {
    use crate::sync::lock;
    use once_cell::sync::Lazy;
    use std::io::{ErrorKind, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::Mutex;
    use std::task::Waker;

    struct Doorbell {
        state: Mutex<State>,
        /// The ringing end; the other is the doorbell task's, and a copy of that one is
        /// kept open for good, so that a ring never writes to a closed socket (SIGPIPE,
        /// fatal to a host that does not ignore it) even after the task ended.
        bell: UnixStream,
    }

    #[derive(Default)]
    struct State {
        waiting: Vec<Waker>,
        /// A byte is on its way to the doorbell task, which will take `waiting`. Set by
        /// the ring that writes the byte and cleared once it is read, so the socket holds
        /// one byte at most.
        rung: bool,
        /// The doorbell task could not start: wake directly.
        broken: bool,
    }

    /// Made on first use, with its task on the global runtime; `None` when the socket pair
    /// cannot be made.
    static DOORBELL: Lazy<Option<&'static Doorbell>> = Lazy::new(|| {
        let (bell, ear) = match UnixStream::pair() {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!(%error, "no doorbell for the runtime; tasks are woken directly");
                return None;
            }
        };
        let kept = bell
            .set_nonblocking(true)
            .and(ear.set_nonblocking(true))
            .and_then(|()| ear.try_clone());
        match kept {
            Ok(copy) => std::mem::forget(copy),
            Err(error) => {
                tracing::warn!(%error, "no doorbell for the runtime; tasks are woken directly");
                return None;
            }
        }
        // Lives as long as the process, as the global runtime does.
        let doorbell: &'static Doorbell = Box::leak(Box::new(Doorbell {
            state: Mutex::new(State::default()),
            bell,
        }));
        crate::runtime::handle().spawn(listen(doorbell, ear));
        Some(doorbell)
    });

    pub(super) fn ring(task: &Waker) {
        let Some(doorbell) = *DOORBELL else {
            return task.wake_by_ref();
        };
        let mut state = lock(&doorbell.state);
        if state.broken {
            drop(state);
            return task.wake_by_ref();
        }
        state.waiting.push(task.clone());
        let first = !std::mem::replace(&mut state.rung, true);
        drop(state);
        if first {
            loop {
                match (&doorbell.bell).write(&[1]) {
                    Ok(_) => return,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    // Nothing would tell the task of the queue: wake it all directly.
                    Err(error) => return give_up(doorbell, &error),
                }
            }
        }
    }

    /// Wakers the doorbell's task has woken, for the tests to tell its way from the
    /// direct one.
    #[cfg(test)]
    pub(super) static DELIVERED: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    /// The doorbell cannot be heard: the tasks queued, and all from now on, are woken
    /// directly.
    fn give_up(doorbell: &Doorbell, error: &std::io::Error) {
        tracing::warn!(%error, "the runtime's doorbell failed; tasks are woken directly");
        let waiting = {
            let mut state = lock(&doorbell.state);
            state.broken = true;
            std::mem::take(&mut state.waiting)
        };
        waiting.into_iter().for_each(Waker::wake);
    }

    /// The doorbell's task: on each ring, wakes every task queued.
    async fn listen(doorbell: &'static Doorbell, ear: UnixStream) {
        let ear = match tokio::net::UnixStream::from_std(ear) {
            Ok(ear) => ear,
            Err(error) => return give_up(doorbell, &error),
        };
        // One byte at most is waiting ([`State::rung`]); room for more costs nothing.
        let mut bytes = [0u8; 16];
        let mut waiting = Vec::new();
        loop {
            if let Err(error) = ear.readable().await {
                return give_up(doorbell, &error);
            }
            match ear.try_read(&mut bytes) {
                Ok(0) => {
                    let closed = std::io::Error::from(ErrorKind::UnexpectedEof);
                    return give_up(doorbell, &closed);
                }
                Ok(_) => {}
                // Read what readiness promised already, or a spurious event: wait again.
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(error) => return give_up(doorbell, &error),
            }
            {
                // `rung` is cleared with the queue taken: a task queued after this rings
                // again.
                let mut state = lock(&doorbell.state);
                state.rung = false;
                std::mem::swap(&mut waiting, &mut state.waiting);
            }
            #[cfg(test)]
            DELIVERED.fetch_add(waiting.len(), std::sync::atomic::Ordering::SeqCst);
            waiting.drain(..).for_each(Waker::wake);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::task::Poll;
    use std::time::Duration;

    /// A task on the global runtime that records every waker it is polled with and ends
    /// after `wakes` wake-ups; returns its handle and the wakers.
    fn waiting_task(
        wakes: usize,
    ) -> (
        tokio::task::JoinHandle<()>,
        mpsc::Receiver<Waker>,
        Arc<AtomicUsize>,
    ) {
        let (tx, rx) = mpsc::channel::<Waker>();
        let polls = Arc::new(AtomicUsize::new(0));
        let count = polls.clone();
        let task = crate::runtime::handle().spawn(routed(std::future::poll_fn(move |cx| {
            assert!(ON_RUNTIME.with(Cell::get), "polled off the runtime");
            if count.fetch_add(1, Ordering::SeqCst) == wakes {
                return Poll::Ready(());
            }
            tx.send(cx.waker().clone()).unwrap();
            Poll::Pending
        })));
        (task, rx, polls)
    }

    /// A task woken from a plain thread, again and again, is woken every time, by the
    /// doorbell's task.
    #[test]
    fn wakes_from_outside_the_runtime_go_through_the_doorbell() {
        const WAKES: usize = 1000;
        #[cfg(unix)]
        let before = imp::DELIVERED.load(Ordering::SeqCst);
        let (task, wakers, polls) = waiting_task(WAKES);
        for _ in 0..WAKES {
            let waker = wakers
                .recv_timeout(Duration::from_secs(10))
                .expect("a wake-up was lost");
            assert!(!ON_RUNTIME.with(Cell::get));
            waker.wake();
        }
        crate::runtime::block_on(task).unwrap().unwrap();
        assert_eq!(polls.load(Ordering::SeqCst), WAKES + 1);
        #[cfg(unix)]
        assert!(
            imp::DELIVERED.load(Ordering::SeqCst) - before >= WAKES,
            "the wakes did not go through the doorbell"
        );
    }

    /// Many threads ringing at once for many tasks: none of the wakes is lost while the
    /// doorbell's task takes the queue and clears the ring.
    #[test]
    fn rings_from_many_threads_at_once_are_all_heard() {
        const TASKS: usize = 8;
        const WAKES: usize = 300;
        let threads: Vec<_> = (0..TASKS)
            .map(|_| {
                let (task, wakers, polls) = waiting_task(WAKES);
                let ringer = std::thread::spawn(move || {
                    for _ in 0..WAKES {
                        let waker = wakers
                            .recv_timeout(Duration::from_secs(10))
                            .expect("a wake-up was lost");
                        waker.wake();
                    }
                });
                (task, ringer, polls)
            })
            .collect();
        for (task, ringer, polls) in threads {
            ringer.join().unwrap();
            crate::runtime::block_on(task).unwrap().unwrap();
            assert_eq!(polls.load(Ordering::SeqCst), WAKES + 1);
        }
    }
}
