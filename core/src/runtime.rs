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
    let workers = WORKERS.get().copied().unwrap_or(2).max(1);
    Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("ccbridge-rt")
        .enable_all()
        .build()
        .expect("the ccbridge runtime could not start (out of threads or memory)")
});

/// Sets the number of worker threads of the global runtime. Only effective before the
/// runtime's first use; returns `false` when it is too late.
pub fn configure_worker_threads(workers: usize) -> bool {
    WORKERS.set(workers).is_ok() && Lazy::get(&RUNTIME).is_none()
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
