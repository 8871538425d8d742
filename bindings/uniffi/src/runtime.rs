//! Running exported `async` functions on the core's runtime.
//!
//! uniffi polls a Rust future from the foreign side (a Kotlin coroutine dispatcher thread, a
//! Swift executor), outside any tokio runtime. reqwest and tokio timers need a runtime
//! context while they are polled, and the core's stream engine already lives on
//! `ccbridge::runtime`. Entering that runtime around each poll keeps one runtime in the
//! process (no second runtime as uniffi's `tokio` feature would bring) and, unlike
//! spawning, keeps cancellation exact: when Kotlin cancels a coroutine, uniffi drops the
//! future, so an event that `next_event` had not yet returned stays in the stream's buffer.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

/// Polls `fut` to completion inside the core runtime's context.
pub(crate) async fn on_core_runtime<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    std::future::poll_fn(move |cx| -> Poll<F::Output> {
        let _context = ccbridge::runtime::handle().enter();
        fut.as_mut().poll(cx)
    })
    .await
}
