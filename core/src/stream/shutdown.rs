//! How a stream stops: polling ends, the handler drains the buffer within the shutdown
//! deadline, acknowledgements are flushed, the session is deleted, in that order.

use super::engine::{reached, Phase, Shared};
use super::StreamStatus;
use crate::error::{Error, Result};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Whether a callback stream's dispatching is over: once it is stopping, when polling has
/// ended and the buffer is drained, or when the drain deadline has passed (what is left is
/// not handled; with acknowledgement on, the service keeps it).
pub(crate) fn dispatch_done(
    stopping: bool,
    polling_done: bool,
    buffer_empty: bool,
    deadline: Option<Instant>,
    now: Instant,
) -> bool {
    stopping && ((polling_done && buffer_empty) || deadline.is_some_and(|d| now >= d))
}

pub(crate) async fn shutdown(shared: Arc<Shared>) -> Result<()> {
    if shared.stopping.swap(true, Ordering::SeqCst) {
        reached(&mut shared.phase.subscribe(), Phase::Finished).await;
        return Ok(());
    }
    shared.set_drain_deadline(Instant::now() + shared.config.shutdown_deadline);
    shared.advance(Phase::Stopping);
    shared.wake_consumers();
    // 1. Stop polling (an in-flight poll is cancelled).
    let tasks: Vec<JoinHandle<()>> = crate::sync::lock(&shared.tasks).drain(..).collect();
    for t in tasks {
        let _ = t.await;
    }
    shared.polling_done.store(true, Ordering::SeqCst);
    shared.wake_consumers();
    // 2. Let the handler drain the buffer, within the deadline. A handler call still
    // running after it does not hold up the acknowledgements and the session's deletion.
    let mut drained = shared.phase.subscribe();
    if shared.callback_mode() {
        let _ = tokio::time::timeout(
            shared.config.shutdown_deadline + Duration::from_secs(1),
            reached(&mut drained, Phase::Drained),
        )
        .await;
    } else {
        shared.complete_pulled();
    }
    // 3. Flush acknowledgements.
    shared.flush_acks().await;
    // 4. Delete the session.
    let sid = shared.current_session();
    let result = match shared.client.streaming().delete_session(&sid).await {
        Ok(()) | Err(Error::SessionExpired { .. }) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %e, "could not delete the streaming session");
            Err(e)
        }
    };
    if shared.callback_mode() {
        // Stop returns only once the handler has returned for good and been dropped.
        reached(&mut drained, Phase::Drained).await;
    } else {
        shared.push_status(StreamStatus::Stopped);
    }
    shared.close(None);
    shared.advance(Phase::Finished);
    tracing::info!(session_id = %sid, "stream stopped");
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatching_ends_when_drained_or_at_the_deadline() {
        let now = Instant::now();
        let later = now + Duration::from_secs(5);
        assert!(!dispatch_done(false, true, true, None, now), "not stopping");
        assert!(
            !dispatch_done(true, false, true, Some(later), now),
            "a last batch may still come from the poller"
        );
        assert!(
            !dispatch_done(true, true, false, Some(later), now),
            "items left, time left"
        );
        assert!(dispatch_done(true, true, true, Some(later), now));
        assert!(
            dispatch_done(true, false, false, Some(later), later),
            "the deadline ends it whatever is left"
        );
    }
}
