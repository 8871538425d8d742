//! The global tokio runtime that serves the blocking and FFI surfaces.
//!
//! Async Rust users bring their own runtime; the C, Python, Kotlin and Swift bindings, and
//! the blocking helpers, run everything on this one, small runtime (2 workers unless
//! configured before first use).

use crate::error::{Error, Result};
use once_cell::sync::{Lazy, OnceCell};
use std::future::Future;
use tokio::runtime::{Builder, Handle, Runtime};

static WORKERS: OnceCell<usize> = OnceCell::new();

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    // Fixes the count: a later `configure_worker_threads` finds it set and reports so.
    let workers = *WORKERS.get_or_init(|| 2);
    Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("ccbridge-rt")
        .on_thread_start(crate::doorbell::on_runtime_thread_start)
        .enable_all()
        .build()
        .expect("the ccbridge runtime could not start (out of threads or memory)")
});

/// Most worker threads [`configure_worker_threads`] accepts.
pub const MAX_WORKER_THREADS: usize = 256;

/// Sets the number of worker threads of the global runtime (default 2), which carries every
/// stream, command and token request of the bindings and of the blocking helpers.
///
/// Only the first setting made before the runtime's first use counts: returns `Ok(true)`
/// when this one will, `Ok(false)` when the runtime already runs or an earlier setting
/// stands. A count outside 1..=[`MAX_WORKER_THREADS`] is an invalid argument.
///
/// One worker suits a process whose sessions are mostly idle (thousands of agents' streams
/// waiting on their polls): each re-poll then wakes one thread instead of two, about 15 %
/// less idle CPU. More workers suit many busy streams on a machine with cores to spare.
pub fn configure_worker_threads(workers: usize) -> Result<bool> {
    if !(1..=MAX_WORKER_THREADS).contains(&workers) {
        return Err(Error::invalid(
            "workers",
            format!("must be between 1 and {MAX_WORKER_THREADS}"),
        ));
    }
    Ok(WORKERS.set(workers).is_ok())
}

/// The global runtime's handle.
pub fn handle() -> &'static Handle {
    RUNTIME.handle()
}

/// Runs a future to completion on the global runtime, from a thread that is not a runtime
/// worker (a binding's caller thread, a stream's dispatcher thread).
///
/// Called from inside an async context it returns an error instead of panicking, because
/// blocking a worker could deadlock the runtime.
pub fn block_on<F: Future>(fut: F) -> Result<F::Output> {
    if Handle::try_current().is_ok() {
        return Err(Error::invalid(
            "context",
            "a blocking ccbridge call was made from inside an async runtime; use the async API",
        ));
    }
    Ok(RUNTIME.block_on(fut))
}
