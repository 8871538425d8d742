//! The agent session: [`AgentSessionHandle`] over the core's [`ccbridge::AgentSession`].
//!
//! Everything the session does (login, the state rebuilt from events, commands awaited until
//! their confirming event, keep-alives, re-attaching) is the core's; this file converts. The
//! typed command methods (`hold`, `dispose`, `notReady`...) are generated from the API
//! description into `agent_commands.rs`, next to the hand-written ones here.

use crate::client::ViaClient;
use crate::error::{CcbError, ListenerError};
use crate::runtime::on_core_runtime;
use crate::types::{millis, Event, StreamOptions};
use ccbridge::models::InitialState;
use ccbridge::{AgentChangeKind, AgentSnapshot, AgentState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How an agent session logs in and behaves: the core's `AgentOptions`, with durations in
/// milliseconds. Values out of range fail with `InvalidArgument` naming the core's field
/// (`command_timeout`, `keep_alive`...) before any request.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AgentOptions {
    /// `initialState` of the login (`null`/`nil`: the service decides, Idle in practice).
    #[uniffi(default = None)]
    pub initial_state: Option<InitialState>,
    /// `station`: the phone number the system uses for the agent's audio.
    #[uniffi(default = None)]
    pub station: Option<String>,
    /// `routeaccessId`.
    #[uniffi(default = None)]
    pub routeaccess_id: Option<String>,
    /// `emailAddress`.
    #[uniffi(default = None)]
    pub email_address: Option<String>,
    /// Sends keepAlive at this interval (ms) from login on. Once a keepAlive was sent, the
    /// documents want one every minute or the agent is logged out. `null`/`nil` (default):
    /// none is sent, the service's own session handling applies.
    #[uniffi(default = None)]
    pub keep_alive_ms: Option<u64>,
    /// `sessionTimeout` sent with each keepAlive, in seconds (the service's default when
    /// `null`/`nil`).
    #[uniffi(default = None)]
    pub session_timeout: Option<f64>,
    /// How long a command waits for its confirming event, ms.
    #[uniffi(default = 10000)]
    pub command_timeout_ms: u64,
    /// How long `login`/`attach` wait for the service to confirm, ms.
    #[uniffi(default = 30000)]
    pub login_timeout_ms: u64,
    /// How often an attachment is renewed, ms (the documents: it lasts 30 minutes, renew
    /// every 25).
    #[uniffi(default = 1500000)]
    pub attach_renewal_ms: u64,
    /// Changes kept for `nextChange` while nobody reads them; beyond it the oldest are
    /// dropped and counted (`droppedChanges()`).
    #[uniffi(default = 10000)]
    pub change_capacity: u64,
    /// The event stream the session opens (`null`/`nil`: `StreamOptions()`'s defaults).
    #[uniffi(default = None)]
    pub stream: Option<StreamOptions>,
}

impl Default for AgentOptions {
    fn default() -> Self {
        let d = ccbridge::AgentOptions::default();
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        AgentOptions {
            initial_state: d.initial_state,
            station: d.station,
            routeaccess_id: d.routeaccess_id,
            email_address: d.email_address,
            keep_alive_ms: d.keep_alive.map(ms),
            session_timeout: d.session_timeout,
            command_timeout_ms: ms(d.command_timeout),
            login_timeout_ms: ms(d.login_timeout),
            attach_renewal_ms: ms(d.attach_renewal),
            change_capacity: d.change_capacity as u64,
            stream: None,
        }
    }
}

impl AgentOptions {
    /// The core's options; validation is the core's, when the session opens.
    pub(crate) fn to_core(&self) -> Result<ccbridge::AgentOptions, CcbError> {
        let change_capacity = usize::try_from(self.change_capacity)
            .map_err(|_| CcbError::invalid("change_capacity", "is too large for this platform"))?;
        let stream = match &self.stream {
            Some(s) => s.to_core()?,
            None => StreamOptions::default().to_core()?,
        };
        Ok(ccbridge::AgentOptions {
            initial_state: self.initial_state.clone(),
            station: self.station.clone(),
            routeaccess_id: self.routeaccess_id.clone(),
            email_address: self.email_address.clone(),
            keep_alive: self.keep_alive_ms.map(millis),
            session_timeout: self.session_timeout,
            command_timeout: millis(self.command_timeout_ms),
            login_timeout: millis(self.login_timeout_ms),
            attach_renewal: millis(self.attach_renewal_ms),
            change_capacity,
            stream,
        })
    }
}

/// One change of the agent's state, with the event that caused it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AgentChange {
    /// What changed.
    pub kind: AgentChangeKind,
    /// The agent's state before.
    pub old_state: AgentState,
    /// The agent's state after.
    pub new_state: AgentState,
    /// The interaction concerned, when there is one.
    pub interaction_id: Option<String>,
    /// The event that caused the change; `null`/`nil` for a `Gap`.
    pub event: Option<Event>,
    /// A sentence for the log: an error's `failReason`, why an event was set aside...
    pub message: Option<String>,
}

impl From<&ccbridge::AgentChange> for AgentChange {
    fn from(c: &ccbridge::AgentChange) -> Self {
        AgentChange {
            kind: c.kind,
            old_state: c.old_state,
            new_state: c.new_state,
            interaction_id: c.interaction_id.clone(),
            event: c.event.as_ref().map(Event::from),
            message: c.message.clone(),
        }
    }
}

/// What an awaited command ended with.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CommandOutcome {
    /// The operation (`"engagementCenter.hold"`).
    pub command: String,
    /// The correlation id the service gave the command, when it gave one.
    pub correlation_id: Option<String>,
    /// The event that confirmed it; `null`/`nil` for a command the documents give no
    /// confirming event (`cancel`, `digits`...): the 202 is all there is.
    pub event: Option<Event>,
}

impl From<ccbridge::CommandOutcome> for CommandOutcome {
    fn from(o: ccbridge::CommandOutcome) -> Self {
        CommandOutcome {
            command: o.command,
            correlation_id: o.correlation_id,
            event: o.event.as_ref().map(Event::from),
        }
    }
}

/// Receives an agent session's changes (implement it in Kotlin or Swift).
///
/// Called on the session's stream thread, one change at a time, in order. It may call any
/// ccbridge API except waiting there for a command of the same session: the command's
/// outcome arrives on this very thread, so the wait would last until the command timeout.
/// Hand the work to a coroutine/task instead. A listener that throws does not stop the
/// session: the failure is logged and counted in `listenerErrors()`.
#[uniffi::export(with_foreign)]
pub trait AgentListener: Send + Sync {
    /// One change.
    fn on_change(&self, change: AgentChange) -> Result<(), ListenerError>;
}

/// Bridges a foreign [`AgentListener`] to the core's listener trait.
struct AgentListenerAdapter {
    listener: Arc<dyn AgentListener>,
    errors: Arc<AtomicU64>,
}

impl ccbridge::AgentListener for AgentListenerAdapter {
    fn on_change(&self, change: &ccbridge::AgentChange) {
        if let Err(e) = self.listener.on_change(AgentChange::from(change)) {
            self.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "agent listener on_change failed; the session goes on");
        }
    }
}

/// One agent's session: its login, its live state, its commands.
///
/// Open it with `login` (a new login) or `attach` (join an existing one). Every command
/// (`command(...)` and one typed method per Engagement Center command: `accept`, `hold`,
/// `dispose`, `notReady`...) fills in the agent's ids, is sent, and returns once the event
/// that confirms it arrived (`CommandOutcome.event`). An `engagementCenter.Error` about it
/// fails with `CommandFailed` (failCode, failReason); no outcome within
/// `AgentOptions.commandTimeoutMs` fails with `Timeout` (the command was accepted, its
/// outcome is unknown).
///
/// Changes arrive through `nextChange` (pull) or an `AgentListener` (push). `stop()` ends
/// the session and waits; closing the handle (Kotlin `close()`/`use {}`, Swift releasing the
/// last reference) starts the same without waiting. Neither logs the agent out: `logout`
/// does.
#[derive(uniffi::Object)]
pub struct AgentSessionHandle {
    pub(crate) inner: ccbridge::AgentSession,
    listener_errors: Arc<AtomicU64>,
}

impl std::fmt::Debug for AgentSessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl AgentSessionHandle {
    fn new(inner: ccbridge::AgentSession) -> Arc<Self> {
        Arc::new(AgentSessionHandle {
            inner,
            listener_errors: Arc::new(AtomicU64::new(0)),
        })
    }
}

#[uniffi::export]
impl AgentSessionHandle {
    /// Logs the agent in: opens an event stream, sends `connect` and returns once the
    /// service confirmed the login and reported the agent's first state.
    ///
    /// A login the service refuses fails with `CommandFailed` (its failCode and
    /// failReason); no confirmation within `loginTimeoutMs` with `Timeout`. Bad options fail
    /// with `InvalidArgument` before any request.
    #[uniffi::constructor(default(options = None))]
    pub async fn login(
        client: Arc<ViaClient>,
        user_id: String,
        options: Option<AgentOptions>,
    ) -> Result<Arc<Self>, CcbError> {
        let options = options.unwrap_or_default().to_core()?;
        let session = on_core_runtime(ccbridge::AgentSession::login(
            &client.inner,
            &user_id,
            options,
        ))
        .await?;
        Ok(Self::new(session))
    }

    /// Attaches to the agent's existing login (another desktop's) and returns once the
    /// service confirmed it. The attachment is renewed every `attachRenewalMs`. The state is
    /// known from the agent's next events (`snapshot().inSync` is false until then).
    #[uniffi::constructor(default(options = None))]
    pub async fn attach(
        client: Arc<ViaClient>,
        user_id: String,
        options: Option<AgentOptions>,
    ) -> Result<Arc<Self>, CcbError> {
        let options = options.unwrap_or_default().to_core()?;
        let session = on_core_runtime(ccbridge::AgentSession::attach(
            &client.inner,
            &user_id,
            options,
        ))
        .await?;
        Ok(Self::new(session))
    }

    /// The agent (`userId`).
    pub fn user_id(&self) -> String {
        self.inner.user_id().to_string()
    }

    /// The login's `ehubSessionId`, while logged in.
    pub fn ehub_session_id(&self) -> Option<String> {
        self.inner.ehub_session_id()
    }

    /// The streaming session the agent's events arrive on; it changes when the stream is
    /// recreated. `null`/`nil` once stopped.
    pub fn stream_session_id(&self) -> Option<String> {
        self.inner.stream_session_id()
    }

    /// The agent's state now: state, reason, pending request, interactions (with their
    /// screen pops), statistics, and whether it is known to be in sync.
    pub fn snapshot(&self) -> AgentSnapshot {
        self.inner.snapshot()
    }

    /// Pull mode: the next change, waiting up to `timeoutMs`; `null`/`nil` on timeout.
    ///
    /// Changes queue from login on (the login's own changes first) while no listener is
    /// set. Cancelling the coroutine/task while it waits loses nothing. Fails with `Closed`
    /// once the session is stopped and every queued change was read.
    pub async fn next_change(&self, timeout_ms: u64) -> Result<Option<AgentChange>, CcbError> {
        let next = self.inner.next_change_async(millis(timeout_ms));
        Ok(on_core_runtime(next).await?.as_ref().map(AgentChange::from))
    }

    /// Push mode: hands every change from now on to `listener`, on the session's stream
    /// thread, instead of queueing it for `nextChange` (changes already queued stay there).
    /// `null`/`nil` goes back to queueing.
    #[uniffi::method(default(listener = None))]
    pub fn set_listener(&self, listener: Option<Arc<dyn AgentListener>>) {
        let adapter = listener.map(|listener| {
            Arc::new(AgentListenerAdapter {
                listener,
                errors: self.listener_errors.clone(),
            }) as Arc<dyn ccbridge::AgentListener>
        });
        self.inner.set_listener(adapter);
    }

    /// Listener calls that threw (the session went on).
    pub fn listener_errors(&self) -> u64 {
        self.listener_errors.load(Ordering::Relaxed)
    }

    /// Changes dropped because nobody read them and more than `changeCapacity` piled up.
    pub fn dropped_changes(&self) -> u64 {
        self.inner.dropped_changes()
    }

    /// Sends any Engagement Center command for this agent and waits for its outcome: the
    /// escape hatch beside the typed methods, which do the same.
    ///
    /// `op` is `"engagementCenter.hold"` or just `"hold"`; `interactionId` fills the path of
    /// the interaction commands; `bodyJson` is a JSON object with the body's fields except
    /// `ehubSessionId`, which the session fills (as it fills `userId` and the streaming
    /// session). Everything is checked against the API description before anything is
    /// sent (`InvalidArgument` naming the field).
    #[uniffi::method(default(interaction_id = None, body_json = None))]
    pub async fn command(
        &self,
        op: String,
        interaction_id: Option<String>,
        body_json: Option<String>,
    ) -> Result<CommandOutcome, CcbError> {
        let body = match body_json.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => ccbridge::validate::json_text("body_json", text)?,
            _ => serde_json::Value::Null,
        };
        let sent = self.inner.command(&op, interaction_id.as_deref(), body);
        Ok(on_core_runtime(sent).await?.into())
    }

    /// Logs the agent out (`disconnect` with `reasonId`) and waits until it is
    /// `Disconnected`. With work under way the service first answers `DisconnectPending`
    /// and logs out once the work is disposed: the wait lasts until then, or `timeoutMs`
    /// (`Timeout`), or a `cancel()` of the request (`Closed`).
    pub async fn logout(
        &self,
        reason_id: String,
        timeout_ms: u64,
    ) -> Result<CommandOutcome, CcbError> {
        let done = self.inner.logout(&reason_id, millis(timeout_ms));
        Ok(on_core_runtime(done).await?.into())
    }

    /// Cancels the not-ready or disconnect request the service holds until the agent's
    /// work is over (`snapshot().pending`). A waiting `logout` then fails with `Closed`.
    /// Nothing pending is `InvalidArgument`.
    pub async fn cancel(&self) -> Result<CommandOutcome, CcbError> {
        Ok(on_core_runtime(self.inner.cancel()).await?.into())
    }

    /// Ends the session and waits: stops its keep-alives and renewals, its stream (whose
    /// streaming session is deleted) and forgets the listener. The agent stays logged in at
    /// the service. Commands still waiting fail with `Closed`; so does `nextChange` once the
    /// queued changes are read. Calling it again is harmless.
    ///
    /// (Named `stop` because Kotlin's `close()` is already the handle's release, which
    /// starts the same shutdown without waiting.)
    pub async fn stop(&self) {
        on_core_runtime(self.inner.close()).await;
        // A foreign listener that holds this handle would otherwise keep both alive.
        self.inner.set_listener(None);
    }

    /// Whether `stop()` ran (or the handle was released).
    pub fn is_stopped(&self) -> bool {
        self.inner.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_cores() {
        let o = AgentOptions::default();
        assert_eq!(o.to_core().unwrap(), ccbridge::AgentOptions::default());
        // The literals of the `#[uniffi(default)]` attributes, which Kotlin and Swift use.
        assert_eq!(o.command_timeout_ms, 10_000);
        assert_eq!(o.login_timeout_ms, 30_000);
        assert_eq!(o.attach_renewal_ms, 1_500_000);
        assert_eq!(o.change_capacity, 10_000);
        assert_eq!(
            (o.keep_alive_ms, o.session_timeout, o.stream),
            (None, None, None)
        );
    }

    #[test]
    fn durations_are_milliseconds() {
        let core = AgentOptions {
            keep_alive_ms: Some(150),
            command_timeout_ms: 400,
            stream: Some(StreamOptions {
                max_events: 7,
                ..StreamOptions::default()
            }),
            ..AgentOptions::default()
        }
        .to_core()
        .unwrap();
        assert_eq!(core.keep_alive, Some(Duration::from_millis(150)));
        assert_eq!(core.command_timeout, Duration::from_millis(400));
        assert_eq!(core.stream.max_events, 7);
    }
}
