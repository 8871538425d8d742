//! The poller and the acknowledger of a stream, and the timing rules they follow.
//!
//! - Exactly one `GET /events` is in flight at a time, under a watchdog a little longer
//!   than its read timeout. (A poll pipelined behind an acknowledgement whose answer
//!   failed is given up with its connection; the service may hold it a while after its
//!   successor went out, and the events it takes come back, unacknowledged.)
//! - A full buffer pauses polling, but never longer than keeps the session alive
//!   ([`keep_alive_interval`]).
//! - With acknowledgement on, the poller gives the consumer a moment to finish the events
//!   in hand before the next poll, so their acknowledgements go out first and redeliveries
//!   do not take the poll's places ([`wait_for_handling`]).
//! - The acknowledgements due before a poll go in one write with it where the transport
//!   pipelines HTTP/1.1 ([`Shared::flush_acks_before_poll`]); otherwise they are sent, and
//!   answered, first.
//! - Acknowledgements are gathered for [`StreamConfig::ack_interval`](super::StreamConfig)
//!   and sent in batches, also while a poll is outstanding. A refused one is sent again
//!   after a backoff, and pauses the next poll too when the last brought nothing but
//!   redeliveries: the service hands unacknowledged events back at once.
//! - What an error leads to is the error's [`Recovery`]: back off and retry, replace the
//!   session, or stop.

use super::engine::{reached, Phase, Shared};
use super::{StreamConfig, StreamStatus};
use crate::error::{Error, Recovery, Result};
use crate::models::Subscription;
use crate::sync::lock;
use crate::transport::{full_jitter, Prepared};
use crate::via::streaming::decode_event_batch_into;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Acknowledgements per request; the documents set no limit, this keeps bodies small.
pub(crate) const ACK_BATCH_MAX: usize = 200;

/// With acknowledgement on, the events of a response taken into the buffer at a time, as
/// they are decoded: the handler starts on the first run while the poller decodes the
/// next. There the next poll waits for the batch to be handled, so decoding the whole
/// response first made every batch pay the decoding and the handling one after the
/// other. Without acknowledgement the next poll is on its way while the handler works,
/// and a response is taken whole: each run would cost the handler's thread a wake-up.
const ACCEPT_RUN: usize = 50;

/// The longest the poller may pause (full buffer, only redeliveries in hand) and still
/// keep a session of `inactivity_delay` seconds alive: a third of it, at least 5 s.
pub(crate) fn keep_alive_interval(inactivity_delay: u32) -> Duration {
    Duration::from_secs(u64::from(inactivity_delay) / 3).max(Duration::from_secs(5))
}

/// Consecutive failures and the delay before the next try: full jitter, growing
/// exponentially from `base` up to `max`, reset by a success.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub(crate) fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max,
            failures: 0,
        }
    }

    /// The stream's backoff ([`StreamConfig::backoff_base`], [`StreamConfig::backoff_max`]).
    pub(crate) fn of(cfg: &StreamConfig) -> Backoff {
        Backoff::new(cfg.backoff_base, cfg.backoff_max)
    }

    /// Counts a failure; returns the attempt number and the delay before the next try.
    pub(crate) fn fail(&mut self) -> (u32, Duration) {
        self.failures = self.failures.saturating_add(1);
        (
            self.failures,
            full_jitter(self.base, self.max, self.failures),
        )
    }

    /// Whether the last attempt failed.
    pub(crate) fn failing(&self) -> bool {
        self.failures > 0
    }

    /// Counts a success; returns whether failures came before it.
    pub(crate) fn succeed(&mut self) -> bool {
        std::mem::take(&mut self.failures) > 0
    }
}

/// Sleeps `d`; returns true when the stream began stopping first.
pub(crate) async fn sleep_or_stop(stop: &mut watch::Receiver<Phase>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = reached(stop, Phase::Stopping) => true,
    }
}

pub(crate) async fn poll_loop(shared: Arc<Shared>) {
    let mut stop = shared.phase.subscribe();
    let cfg = shared.config.clone();
    let keep_alive = keep_alive_interval(cfg.inactivity_delay);
    let mut backoff = Backoff::of(&cfg);
    let mut ack_backoff = Backoff::of(&cfg);
    // Whether the last poll brought only events the stream had already.
    let mut only_redeliveries = false;
    // The poll of the current session, prepared at its first poll and reused while the
    // session id stays the same: an idle stream re-polls every 15 s for hours.
    let mut prepared: Option<Prepared> = None;
    loop {
        if *stop.borrow() >= Phase::Stopping {
            break;
        }
        if shared.buffer_full() {
            let room = shared.room.notified();
            tokio::select! {
                _ = room => {}
                _ = tokio::time::sleep(keep_alive) => {}
                _ = reached(&mut stop, Phase::Stopping) => break,
            }
        }
        if cfg.require_acknowledgement
            && !wait_for_handling(&shared, &mut stop, cfg.ack_interval).await
        {
            break;
        }
        let sid = shared.current_session();
        let streaming = shared.client.streaming();
        let poll = match prepared.take() {
            Some(poll) if poll.request().session_id.as_deref() == Some(sid.as_str()) => Ok(poll),
            // The request's own timeout bounds the whole poll (connection, response and
            // body), and a poll is sent once, without the transport's retries: no second
            // timer.
            _ => streaming.poll_request(
                &sid,
                cfg.max_events,
                Some(cfg.poll_timeout),
                false,
                shared.lane.index(),
            ),
        };
        // The acknowledgements of what was handled go out before the poll, so that it does
        // not bring those events back. Where the transport pipelines (HTTP/1.1 connections
        // of its own), and none was refused lately, they go in one write with the poll:
        // one wait for both answers instead of one each. Boxed: an idle stream's task
        // would make room for it.
        let paired = match &poll {
            Ok(poll) if cfg.require_acknowledgement && !ack_backoff.failing() => {
                Box::pin(poll_behind_acks(&shared, poll, &mut stop)).await
            }
            _ => PairedPoll::NotSent,
        };
        let result = match paired {
            PairedPoll::Stopped => break,
            PairedPoll::Polled(result) => {
                ack_backoff.succeed();
                prepared = poll.ok();
                result
            }
            PairedPoll::NotSent => {
                // A refused acknowledgement leaves its events queued at the service: when
                // the last poll brought nothing but those, the next would bring them
                // straight back, and without a pause the stream would poll and acknowledge
                // as fast as the service answers. Otherwise new events are coming and the
                // poll goes out at once.
                let flushed =
                    flush_acks_or_back_off(&shared, &mut ack_backoff, only_redeliveries, &mut stop);
                if Box::pin(flushed).await {
                    break;
                }
                match poll {
                    Ok(poll) => {
                        let result = tokio::select! {
                            r = streaming.poll_body(&poll) => r,
                            _ = reached(&mut stop, Phase::Stopping) => break,
                        };
                        prepared = Some(poll);
                        result
                    }
                    Err(error) => Err(error),
                }
            }
        };
        let error = match result {
            Ok(body) => {
                shared
                    .counters
                    .polls
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let run = if cfg.require_acknowledgement {
                    ACCEPT_RUN
                } else {
                    usize::MAX
                };
                let (mut got, mut new) = (false, 0);
                let recovered = |backoff: &mut Backoff| {
                    if backoff.succeed() {
                        shared.push_status(StreamStatus::Recovered);
                    }
                };
                let decoded = decode_event_batch_into(&body, run, &mut |run| {
                    if !got {
                        // Reported before the response's first events reach the consumer.
                        recovered(&mut backoff);
                    }
                    got = true;
                    new += shared.accept(run);
                });
                match decoded {
                    Ok(()) => {
                        recovered(&mut backoff);
                        only_redeliveries = got && new == 0;
                        if only_redeliveries && shared.in_hand() > 0 {
                            // Only redeliveries, with events still being handled: polling
                            // again at once would fetch those again. Wait until the handler
                            // is done with them (its acknowledgement goes out first), never
                            // longer than keeps the session alive. Redeliveries of handled
                            // events only need their acknowledgement again, which the next
                            // turn sends before polling.
                            let progress = shared.progress.notified();
                            tokio::select! {
                                _ = progress => {}
                                _ = tokio::time::sleep(keep_alive) => {}
                                _ = reached(&mut stop, Phase::Stopping) => break,
                            }
                        }
                        continue;
                    }
                    Err(error) => error,
                }
            }
            Err(error) => error,
        };
        match error.recovery() {
            Recovery::NewSession => {
                let reason = match &error {
                    Error::SessionExpired { message } => message.as_str(),
                    _ => "",
                };
                tracing::warn!(session_id = %sid, reason, "session expired; recreating");
                if !Box::pin(recreate(&shared, &mut stop, &sid)).await {
                    break;
                }
                backoff.succeed();
            }
            Recovery::Fatal => {
                tracing::error!(%error, "stream failed");
                shared.fail(error);
                break;
            }
            Recovery::Retry => {
                let (attempt, delay) = backoff.fail();
                tracing::warn!(%error, attempt, "poll failed; backing off");
                shared.push_status(StreamStatus::Retrying {
                    error,
                    attempt,
                    delay,
                });
                if sleep_or_stop(&mut stop, delay).await {
                    break;
                }
            }
        }
    }
}

/// How a poll behind the pending acknowledgements went ([`poll_behind_acks`]).
enum PairedPoll {
    /// The acknowledgements did not go through pipelined (nothing could be, or their
    /// answer failed, the poll behind them given up): they are pending still, and go the
    /// usual way before a poll the usual way.
    NotSent,
    /// The stream began stopping during the poll's wait.
    Stopped,
    /// The acknowledgements went through, and the poll came back so.
    Polled(Result<bytes::Bytes>),
}

/// The pending acknowledgements with `poll` pipelined behind them
/// ([`Shared::flush_acks_before_poll`]). Not cut short by a stop until the acknowledgements
/// are answered, as no acknowledgement is: the poll's wait is.
async fn poll_behind_acks(
    shared: &Shared,
    poll: &Prepared,
    stop: &mut watch::Receiver<Phase>,
) -> PairedPoll {
    let Some(polled) = shared.flush_acks_before_poll(poll).await else {
        return PairedPoll::NotSent;
    };
    let streaming = shared.client.streaming();
    tokio::select! {
        r = streaming.poll_after_acknowledgement(polled, poll) => PairedPoll::Polled(r),
        _ = reached(stop, Phase::Stopping) => PairedPoll::Stopped,
    }
}

/// With acknowledgement on, the service hands back every event not yet acknowledged on
/// the next poll. Giving the consumer a moment (at most `grace`) to finish the events in
/// hand, so their acknowledgements go out first, keeps redeliveries from taking the next
/// poll's places. Returns false when the stream is stopping.
pub(crate) async fn wait_for_handling(
    shared: &Shared,
    stop: &mut watch::Receiver<Phase>,
    grace: Duration,
) -> bool {
    let until = tokio::time::Instant::now() + grace;
    // While set, the consumer's acknowledgements are left for this poller, which sends them
    // right after (see `Shared::after_handled`); cleared on every way out, before that send.
    // When the stream is stopping there is no such send: the shutdown flushes them.
    let _waiting = shared.poller_waits();
    loop {
        let progress = shared.progress.notified();
        if shared.in_hand() == 0 {
            return true;
        }
        tokio::select! {
            _ = progress => {}
            _ = tokio::time::sleep_until(until) => return true,
            _ = reached(stop, Phase::Stopping) => return false,
        }
    }
}

/// Creates the stream's subscriptions again on a new session, so the consumer never sees
/// a session without the filters it asked for. Each keeps its body; its id is the new one.
async fn restore_subscriptions(shared: &Shared, session_id: &str) -> Result<()> {
    let kept: Vec<Subscription> = lock(&shared.subscriptions)
        .iter()
        .map(|(_, body)| body.clone())
        .collect();
    let mut restored = Vec::with_capacity(kept.len());
    for body in kept {
        let answer = shared
            .client
            .streaming()
            .create_subscription(session_id, &body)
            .await?;
        restored.push((answer.subscription_id, body));
    }
    *lock(&shared.subscriptions) = restored;
    Ok(())
}

/// Replaces a dead session. Returns false when the stream stopped or failed meanwhile.
async fn recreate(shared: &Arc<Shared>, stop: &mut watch::Receiver<Phase>, old: &str) -> bool {
    let mut backoff = Backoff::of(&shared.config);
    loop {
        let created = match super::engine::create_session(&shared.client, &shared.config).await {
            Ok(info) => restore_subscriptions(shared, &info.session_id)
                .await
                .map(|()| info),
            Err(e) => Err(e),
        };
        let error = match created {
            Ok(info) => {
                shared.session_replaced(old, info.session_id);
                return true;
            }
            Err(error) => error,
        };
        // A session that dies while being set up (its subscriptions) is replaced again.
        if error.recovery() == Recovery::Fatal {
            shared.fail(error);
            return false;
        }
        let (attempt, delay) = backoff.fail();
        shared.push_status(StreamStatus::Retrying {
            error,
            attempt,
            delay,
        });
        if sleep_or_stop(stop, delay).await {
            return false;
        }
    }
}

/// Sends the pending acknowledgements. When one is refused it stays pending, and with
/// `pause` this waits the acknowledgement backoff before going on. Returns true when the
/// stream began stopping meanwhile.
///
/// Its callers box it: the request's state and the pause's timer are large and live only
/// while they are needed, while the loops that send live as long as the stream
/// (thousands of idle streams would each make room for them).
async fn flush_acks_or_back_off(
    shared: &Shared,
    backoff: &mut Backoff,
    pause: bool,
    stop: &mut watch::Receiver<Phase>,
) -> bool {
    if shared.flush_acks().await {
        backoff.succeed();
        return false;
    }
    let (_, delay) = backoff.fail();
    pause && sleep_or_stop(stop, delay).await
}

/// Sends acknowledgements while a poll is outstanding, gathering for the configured
/// interval what the handler finishes, so they share requests. After a refusal it waits
/// the acknowledgement backoff: every redelivery queues the acknowledgement again and
/// wakes this loop.
pub(crate) async fn ack_loop(shared: Arc<Shared>) {
    if !shared.config.require_acknowledgement {
        return;
    }
    let mut stop = shared.phase.subscribe();
    let mut backoff = Backoff::of(&shared.config);
    loop {
        tokio::select! {
            _ = shared.ack_ready.notified() => {}
            _ = reached(&mut stop, Phase::Stopping) => return,
        }
        if sleep_or_stop(&mut stop, shared.config.ack_interval).await
            || Box::pin(flush_acks_or_back_off(
                &shared,
                &mut backoff,
                true,
                &mut stop,
            ))
            .await
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_bounds_and_resets() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        let mut b = Backoff::new(base, max);
        assert!(!b.succeed(), "no failure yet");
        for n in 1..=12u32 {
            let (attempt, delay) = b.fail();
            assert_eq!(attempt, n);
            let ceiling = base.saturating_mul(1 << (n - 1).min(20)).min(max);
            assert!(delay <= ceiling, "attempt {n}: {delay:?} > {ceiling:?}");
        }
        assert!(b.succeed(), "failures came before");
        assert_eq!(b.fail().0, 1, "counting starts again");
    }

    #[test]
    fn a_paused_poller_polls_well_within_the_inactivity_delay() {
        for delay in [60u32, 120, 600] {
            let k = keep_alive_interval(delay);
            assert!(
                k * 3 <= Duration::from_secs(u64::from(delay)),
                "{delay}: {k:?}"
            );
            assert!(k >= Duration::from_secs(5));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn sleep_or_stop_ends_at_the_delay_or_at_stop() {
        let (tx, mut rx) = watch::channel(Phase::Running);
        let start = tokio::time::Instant::now();
        assert!(!sleep_or_stop(&mut rx, Duration::from_secs(3)).await);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        let stopper = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            tx.send_replace(Phase::Stopping);
        });
        let start = tokio::time::Instant::now();
        assert!(sleep_or_stop(&mut rx, Duration::from_secs(60)).await);
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        stopper.await.unwrap();
    }
}
