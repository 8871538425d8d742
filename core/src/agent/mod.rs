//! The agent session: one agent's login, live state and commands.
//!
//! The Engagement Center API leaves its users the bookkeeping: which streaming session,
//! which `ehubSessionId`, which interaction is where, whether a command worked (it only
//! answers 202; its outcome is an event, or an `engagementCenter.Error`, later),
//! keep-alives, re-attaching after the stream was recreated. An [`AgentSession`] does it:
//!
//! - [`AgentSession::login`] opens an event stream, connects the agent and waits for
//!   `ConnectConfirm`, `Connected` and the first state event; a login the service refuses
//!   (an `Error` then `Disconnected`) is [`Error::CommandFailed`] with its failCode and
//!   failReason. [`AgentSession::attach`] joins a login that already exists (another
//!   desktop) and renews the attachment every 25 minutes, as the documents ask.
//! - The state ([`AgentSnapshot`]) is rebuilt from the events, and every change is
//!   reported with the state before, the state after and the event that caused it
//!   ([`AgentSession::next_change`], or a listener).
//! - Every command ([`AgentSession::command`] and the typed methods) is sent with the
//!   session's ids filled in and awaited until one of its confirming events (the API
//!   description's `x-confirmed-by`), an `engagementCenter.Error` about it
//!   ([`Error::CommandFailed`]) or a timeout ([`Error::Timeout`]: the outcome is unknown).
//! - With [`AgentOptions::keep_alive`], keepAlive is sent every interval from login on.
//! - When the stream is recreated (events may have been lost), the session re-attaches to
//!   the new streaming session, reports a [`AgentChangeKind::Gap`], marks its state as not
//!   in sync until the next state event, and ends the commands still waiting (their
//!   outcome may have been among the lost events).
//!
//! Several sessions (agents) can share one [`ViaClient`]: each has its own stream.

mod model;
mod pending;

pub use model::{
    AgentChange, AgentChangeKind, AgentSnapshot, AgentState, Interaction, InteractionState,
    PendingRequest,
};
pub use pending::CommandOutcome;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tokio::sync::{oneshot, Notify};

use crate::client::ViaClient;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::models::InitialState;
use crate::ops::{self, Call, Operation};
use crate::runtime;
use crate::schema::Node;
use crate::stream::{EventHandler, EventStream, StreamConfig, StreamStatus};
use crate::sync::lock;
use model::AgentModel;
use pending::Pending;

/// How an [`AgentSession`] logs in and behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentOptions {
    /// `initialState` of the login. Default Idle... as the service decides when `None`.
    pub initial_state: Option<InitialState>,
    /// `station`: the phone number the system uses for the agent's audio.
    pub station: Option<String>,
    /// `routeaccessId`.
    pub routeaccess_id: Option<String>,
    /// `emailAddress`.
    pub email_address: Option<String>,
    /// Sends keepAlive at this interval from login on. The documents: once a keepAlive
    /// was sent, one must follow every minute or the agent is logged out. Default `None`:
    /// the service's own session handling applies.
    pub keep_alive: Option<Duration>,
    /// `sessionTimeout` sent with each keepAlive, in seconds (the service's default when
    /// `None`).
    pub session_timeout: Option<f64>,
    /// How long a command waits for its confirming event. Default 10 s.
    pub command_timeout: Duration,
    /// How long a login or attach waits for the service to confirm it. Default 30 s.
    pub login_timeout: Duration,
    /// How often an attachment is renewed (the documents: it lasts 30 minutes and should be
    /// renewed every 25). Default 25 minutes.
    pub attach_renewal: Duration,
    /// Changes kept for [`AgentSession::next_change`] when nobody reads them; beyond it
    /// the oldest are dropped and counted ([`AgentSession::dropped_changes`]). Default 10 000.
    pub change_capacity: usize,
    /// The event stream the session opens.
    pub stream: StreamConfig,
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions {
            initial_state: None,
            station: None,
            routeaccess_id: None,
            email_address: None,
            keep_alive: None,
            session_timeout: None,
            command_timeout: Duration::from_secs(10),
            login_timeout: Duration::from_secs(30),
            attach_renewal: Duration::from_secs(25 * 60),
            change_capacity: 10_000,
            stream: StreamConfig::default(),
        }
    }
}

impl AgentOptions {
    /// Checks the options as [`AgentSession::login`] does, so a binding can refuse bad
    /// options at the call, naming the field.
    pub fn validate(&self) -> Result<()> {
        let positive = |name: &str, d: Duration| {
            if d.is_zero() {
                Err(Error::invalid(name, "must be longer than zero"))
            } else {
                Ok(())
            }
        };
        positive("command_timeout", self.command_timeout)?;
        positive("login_timeout", self.login_timeout)?;
        positive("attach_renewal", self.attach_renewal)?;
        if let Some(k) = self.keep_alive {
            positive("keep_alive", k)?;
        }
        if let Some(t) = self.session_timeout {
            if !(t.is_finite() && t > 0.0) {
                return Err(Error::invalid(
                    "session_timeout",
                    "must be a positive number of seconds",
                ));
            }
        }
        if self.change_capacity == 0 {
            return Err(Error::invalid("change_capacity", "must be at least 1"));
        }
        self.stream.validate()
    }
}

/// Receives an agent session's changes on its stream's dispatcher thread, in order.
///
/// It may call any blocking API of the library, the session's commands included, except
/// waiting for a command's outcome: that outcome arrives on this very thread.
pub trait AgentListener: Send + Sync + 'static {
    /// One change.
    fn on_change(&self, change: &AgentChange);
}

/// Waits for a login or attachment to be confirmed.
struct LoginWaiter {
    attach: bool,
    /// An Error seen during the login: the reason of the Disconnected that follows.
    error: Option<Error>,
    reply: oneshot::Sender<Result<()>>,
}

struct Inner {
    model: AgentModel,
    pending: Pending,
    login: Option<LoginWaiter>,
    changes: VecDeque<AgentChange>,
    dropped_changes: u64,
    listener: Option<Arc<dyn AgentListener>>,
    /// Resolved when the agent is logged out (a waiting logout).
    logout: Vec<oneshot::Sender<Result<CommandOutcome>>>,
    attached: bool,
}

struct Shared {
    client: ViaClient,
    user_id: String,
    options: AgentOptions,
    inner: Mutex<Inner>,
    changed: Condvar,
    change_ready: Notify,
    stream: Mutex<Option<Arc<EventStream>>>,
    /// The session opened its stream (and stops it when it closes), rather than being
    /// given one ([`AgentSession::login_on`]).
    owns_stream: AtomicBool,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    closed: AtomicBool,
}

/// One agent's session: its login, its live state, its commands.
///
/// Dropping it (or [`AgentSession::close`]) stops its stream and timers without logging the
/// agent out: use [`AgentSession::logout`] for that.
pub struct AgentSession {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for AgentSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentSession")
            .field("user_id", &self.shared.user_id)
            .field("state", &self.snapshot().state)
            .finish()
    }
}

/// Takes a stream's events and statuses into an [`AgentSession`]: the handler of the stream
/// the session opens, and what a caller hands the events of its own stream to
/// ([`AgentSession::login_on`]).
///
/// Make it the stream's handler, or combine it with another (a pair of handlers is a
/// handler: `(agent.feed(), mine)`), so it sees every event and status in order. Events
/// about other agents or of other kinds are reported as changes, never an error; after the
/// session closed they are ignored.
#[derive(Clone)]
pub struct AgentFeed {
    shared: Arc<Shared>,
}

impl AgentFeed {
    /// One event of the stream.
    pub fn event(&self, event: &Event) {
        self.shared.on_event(event);
    }

    /// One status of the stream (a recreated session makes the agent re-attach).
    pub fn status(&self, status: &StreamStatus) {
        self.shared.on_status(status);
    }
}

impl std::fmt::Debug for AgentFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentFeed")
            .field("user_id", &self.shared.user_id)
            .finish()
    }
}

impl EventHandler for AgentFeed {
    fn on_event(&mut self, event: &Event) {
        self.event(event);
    }

    fn on_status(&mut self, status: &StreamStatus) {
        self.status(status);
    }
}

impl AgentSession {
    /// Logs the agent in: opens an event stream, sends `connect` and waits for
    /// `ConnectConfirm`, `Connected` and the agent's first state.
    ///
    /// A login the service refuses (`Error` then `Disconnected`) is
    /// [`Error::CommandFailed`]; no confirmation within [`AgentOptions::login_timeout`]
    /// is [`Error::Timeout`].
    pub async fn login(
        client: &ViaClient,
        user_id: &str,
        options: AgentOptions,
    ) -> Result<AgentSession> {
        Self::open(client, user_id, options, false).await
    }

    /// Attaches to the agent's existing login (another desktop's): opens an event stream,
    /// sends `connect` with `attach` and waits for `ConnectConfirm`. The attachment is
    /// renewed every [`AgentOptions::attach_renewal`]. The agent's state is known from its
    /// next events ([`AgentSnapshot::in_sync`] is false until then).
    pub async fn attach(
        client: &ViaClient,
        user_id: &str,
        options: AgentOptions,
    ) -> Result<AgentSession> {
        Self::open(client, user_id, options, true).await
    }

    /// Blocking [`AgentSession::login`].
    pub fn login_blocking(
        client: &ViaClient,
        user_id: &str,
        options: AgentOptions,
    ) -> Result<AgentSession> {
        runtime::block_on(Self::open(client, user_id, options, false))?
    }

    /// Blocking [`AgentSession::attach`].
    pub fn attach_blocking(
        client: &ViaClient,
        user_id: &str,
        options: AgentOptions,
    ) -> Result<AgentSession> {
        runtime::block_on(Self::open(client, user_id, options, true))?
    }

    /// A session not logged in yet, for an event stream the caller runs (one that also
    /// carries other agents' or other kinds of events): hand that stream's events to
    /// [`AgentSession::feed`], then [`AgentSession::login_on`] or
    /// [`AgentSession::attach_on`]. [`AgentOptions::stream`] is not used.
    pub fn new(client: &ViaClient, user_id: &str, options: AgentOptions) -> Result<AgentSession> {
        crate::validate::non_empty("user_id", user_id)?;
        options.validate()?;
        Ok(AgentSession {
            shared: Arc::new(Self::shared(client, user_id, options)),
        })
    }

    /// What takes the events of the session's stream in (see [`AgentFeed`]).
    pub fn feed(&self) -> AgentFeed {
        AgentFeed {
            shared: self.shared.clone(),
        }
    }

    /// [`AgentSession::login`] on `stream`, a stream the caller runs and whose events and
    /// statuses it hands to [`AgentSession::feed`]. The session sends its commands on that
    /// stream's streaming session and re-attaches when it is recreated; closing the session
    /// leaves the stream running.
    pub async fn login_on(&self, stream: Arc<EventStream>) -> Result<()> {
        self.start_on(stream, false).await
    }

    /// [`AgentSession::attach`] on a stream the caller runs (see
    /// [`AgentSession::login_on`]).
    pub async fn attach_on(&self, stream: Arc<EventStream>) -> Result<()> {
        self.start_on(stream, true).await
    }

    async fn start_on(&self, stream: Arc<EventStream>, attach: bool) -> Result<()> {
        if self.is_closed() {
            return Err(Error::closed("the agent session is closed"));
        }
        {
            let mut current = lock(&self.shared.stream);
            if current.is_some() {
                return Err(Error::invalid(
                    "stream",
                    "the agent session has a stream already: one login or attach per session",
                ));
            }
            *current = Some(stream);
        }
        lock(&self.shared.inner).attached = attach;
        if let Err(e) = self.shared.connect(attach).await {
            // The stream is the caller's: it keeps running.
            *lock(&self.shared.stream) = None;
            return Err(e);
        }
        self.shared.start_timers(attach);
        Ok(())
    }

    fn shared(client: &ViaClient, user_id: &str, options: AgentOptions) -> Shared {
        Shared {
            client: client.clone(),
            user_id: user_id.to_string(),
            inner: Mutex::new(Inner {
                model: AgentModel::new(user_id),
                pending: Pending::default(),
                login: None,
                changes: VecDeque::new(),
                dropped_changes: 0,
                listener: None,
                logout: Vec::new(),
                attached: false,
            }),
            options,
            changed: Condvar::new(),
            change_ready: Notify::new(),
            stream: Mutex::new(None),
            owns_stream: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    async fn open(
        client: &ViaClient,
        user_id: &str,
        options: AgentOptions,
        attach: bool,
    ) -> Result<AgentSession> {
        crate::validate::non_empty("user_id", user_id)?;
        options.validate()?;
        let shared = Arc::new(Self::shared(client, user_id, options));
        lock(&shared.inner).attached = attach;
        shared.owns_stream.store(true, Ordering::SeqCst);
        let stream = EventStream::start_with_handler(
            client,
            shared.options.stream.clone(),
            AgentFeed {
                shared: shared.clone(),
            },
        )
        .await?;
        *lock(&shared.stream) = Some(Arc::new(stream));
        let session = AgentSession { shared };
        if let Err(e) = session.shared.connect(attach).await {
            session.shared.shutdown().await;
            return Err(e);
        }
        session.shared.start_timers(attach);
        Ok(session)
    }

    /// The agent (`userId`).
    pub fn user_id(&self) -> &str {
        &self.shared.user_id
    }

    /// The login's `ehubSessionId`, while logged in.
    pub fn ehub_session_id(&self) -> Option<String> {
        lock(&self.shared.inner)
            .model
            .snapshot
            .ehub_session_id
            .clone()
    }

    /// The id of the streaming session the agent's events arrive on.
    pub fn stream_session_id(&self) -> Option<String> {
        self.shared.stream().map(|s| s.session_id())
    }

    /// The agent's state now.
    pub fn snapshot(&self) -> AgentSnapshot {
        lock(&self.shared.inner).model.snapshot.clone()
    }

    /// Changes dropped because nobody read them and more than
    /// [`AgentOptions::change_capacity`] piled up.
    pub fn dropped_changes(&self) -> u64 {
        lock(&self.shared.inner).dropped_changes
    }

    /// Hands every change from now on to `listener` (on the stream's dispatcher thread)
    /// instead of queueing it for [`AgentSession::next_change`]. `None` goes back to
    /// queueing.
    pub fn set_listener(&self, listener: Option<Arc<dyn AgentListener>>) {
        lock(&self.shared.inner).listener = listener;
    }

    /// The next change, waiting up to `timeout`; `Ok(None)` on timeout. After
    /// [`AgentSession::close`], once every change was read: [`Error::Closed`].
    pub fn next_change(&self, timeout: Duration) -> Result<Option<AgentChange>> {
        let deadline = Instant::now().checked_add(timeout);
        let mut inner = lock(&self.shared.inner);
        loop {
            if let Some(c) = inner.changes.pop_front() {
                return Ok(Some(c));
            }
            if self.shared.closed.load(Ordering::SeqCst) {
                return Err(Error::closed("the agent session is closed"));
            }
            let now = Instant::now();
            let wait = match deadline {
                Some(d) if now >= d => return Ok(None),
                Some(d) => d - now,
                None => Duration::from_secs(3600),
            };
            inner = self
                .shared
                .changed
                .wait_timeout(inner, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Async [`AgentSession::next_change`].
    pub async fn next_change_async(&self, timeout: Duration) -> Result<Option<AgentChange>> {
        let sleep = tokio::time::sleep(timeout);
        tokio::pin!(sleep);
        loop {
            let notified = self.shared.change_ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut inner = lock(&self.shared.inner);
                if let Some(c) = inner.changes.pop_front() {
                    return Ok(Some(c));
                }
                if self.shared.closed.load(Ordering::SeqCst) {
                    return Err(Error::closed("the agent session is closed"));
                }
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = &mut sleep => return Ok(None),
            }
        }
    }

    /// Sends one Engagement Center command for this agent and waits for its outcome.
    ///
    /// `op` is the operation (`"engagementCenter.hold"`, or just `"hold"`); `interaction_id`
    /// fills the path of the interaction commands; `body` holds the body's fields except
    /// `ehubSessionId`, which the session fills (as it fills `userId` and the streaming
    /// session). The body is checked against the API description before anything is sent.
    ///
    /// Returns when one of the operation's confirming events arrives; a command the
    /// documents give no confirming event returns on its 202. An `engagementCenter.Error`
    /// about it is [`Error::CommandFailed`]; nothing within
    /// [`AgentOptions::command_timeout`] is [`Error::Timeout`] (the service accepted the
    /// command: its outcome is unknown).
    pub async fn command(
        &self,
        op: &str,
        interaction_id: Option<&str>,
        body: Value,
    ) -> Result<CommandOutcome> {
        let op = agent_operation(op)?;
        self.shared
            .command(
                op,
                interaction_id,
                body,
                self.shared.options.command_timeout,
            )
            .await
    }

    /// [`AgentSession::command`] for an operation of the table: what the generated typed
    /// methods call.
    pub(crate) async fn command_op(
        &self,
        op: &'static Operation,
        interaction_id: Option<&str>,
        body: Value,
    ) -> Result<CommandOutcome> {
        self.shared
            .command(
                op,
                interaction_id,
                body,
                self.shared.options.command_timeout,
            )
            .await
    }

    /// Runs one of the session's futures to its end on the library's runtime, for the
    /// `_blocking` twins; refused on the session's own dispatcher thread, where the outcome
    /// it waits for has to arrive.
    pub(crate) fn blocking<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        self.shared.check_not_dispatcher()?;
        runtime::block_on(fut)?
    }

    /// Blocking [`AgentSession::command`]. Refused ([`Error::InvalidArgument`], field
    /// `context`) on the session's own dispatcher thread, from a listener: the outcome
    /// would have to arrive on the very thread that waits for it.
    pub fn command_blocking(
        &self,
        op: &str,
        interaction_id: Option<&str>,
        body: Value,
    ) -> Result<CommandOutcome> {
        self.blocking(self.command(op, interaction_id, body))
    }

    /// Logs the agent out (`disconnect` with `reason_id`) and waits until it is
    /// `Disconnected`. With an interaction under way the service first answers
    /// `DisconnectPending` and logs out once the work is disposed: the wait lasts until
    /// then, or `timeout` ([`Error::Timeout`]), or a [`AgentSession::cancel`] of the
    /// disconnect ([`Error::Closed`]).
    pub async fn logout(&self, reason_id: &str, timeout: Duration) -> Result<CommandOutcome> {
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.inner).logout.push(tx);
        let mut body = Map::new();
        body.insert("reasonId".into(), Value::from(reason_id));
        let sent = self
            .shared
            .command(
                agent_operation("disconnect")?,
                None,
                Value::Object(body),
                self.shared.options.command_timeout,
            )
            .await?;
        if sent
            .event
            .as_ref()
            .is_some_and(|e| e.event_type() == "engagementCenter.Disconnected")
        {
            return Ok(sent);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::closed("the agent session is closed")),
            Err(_) => Err(Error::Timeout {
                message: format!(
                    "the agent is still DisconnectPending after {} ms: its work is not disposed",
                    timeout.as_millis()
                ),
            }),
        }
    }

    /// Blocking [`AgentSession::logout`].
    pub fn logout_blocking(&self, reason_id: &str, timeout: Duration) -> Result<CommandOutcome> {
        self.blocking(self.logout(reason_id, timeout))
    }

    /// Cancels the service's pending not-ready or disconnect request (`cancel` with the
    /// matching `cancelType`). A waiting [`AgentSession::logout`] then ends with
    /// [`Error::Closed`]. Nothing pending is [`Error::InvalidArgument`].
    pub async fn cancel(&self) -> Result<CommandOutcome> {
        let kind = match self.snapshot().pending {
            Some(PendingRequest::Disconnect) => "Disconnect",
            Some(PendingRequest::NotReady) => "NotReady",
            None => {
                return Err(Error::invalid(
                    "pending",
                    "nothing to cancel: no not-ready or disconnect request is pending",
                ))
            }
        };
        let mut body = Map::new();
        body.insert("cancelType".into(), Value::from(kind));
        let outcome = self.command("cancel", None, Value::Object(body)).await?;
        let mut inner = lock(&self.shared.inner);
        inner.model.snapshot.pending = None;
        if kind == "Disconnect" {
            for w in inner.logout.drain(..) {
                let _ = w.send(Err(Error::closed("the logout was cancelled")));
            }
        }
        Ok(outcome)
    }

    /// Blocking [`AgentSession::cancel`].
    pub fn cancel_blocking(&self) -> Result<CommandOutcome> {
        self.blocking(self.cancel())
    }

    /// Stops the session's stream and timers; the agent stays logged in at the service.
    /// Commands still waiting end with [`Error::Closed`].
    pub async fn close(&self) {
        self.shared.shutdown().await;
    }

    /// Blocking [`AgentSession::close`].
    pub fn close_blocking(&self) -> Result<()> {
        runtime::block_on(self.shared.shutdown())
    }

    /// Whether [`AgentSession::close`] ran.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }
}

impl Drop for AgentSession {
    fn drop(&mut self) {
        self.shared.begin_shutdown();
    }
}

fn send_replies(replies: Vec<pending::Outgoing>) {
    for (reply, result) in replies {
        // The waiter may have timed out and gone: nothing to tell then.
        let _ = reply.send(result);
    }
}

/// The agent command `name` (`"hold"` or `"engagementCenter.hold"`).
fn agent_operation(name: &str) -> Result<&'static Operation> {
    let full = if name.contains('.') {
        name.to_string()
    } else {
        format!("engagementCenter.{name}")
    };
    let op = ops::find(&full).ok_or_else(|| {
        let known: Vec<&str> = ops::OPERATIONS
            .iter()
            .filter(|o| o.service == "engagementCenter" && o.command != "connect")
            .map(|o| o.command)
            .collect();
        Error::invalid(
            "op",
            format!(
                "unknown Engagement Center command {name:?}; known: {}",
                known.join(", ")
            ),
        )
    })?;
    if op.service != "engagementCenter" {
        return Err(Error::invalid(
            "op",
            format!("{full} is not an Engagement Center command"),
        ));
    }
    if op.command == "connect" {
        return Err(Error::invalid(
            "op",
            "connect is what AgentSession::login and AgentSession::attach send",
        ));
    }
    Ok(op)
}

/// Whether the operation's body declares `field`.
fn body_has(op: &Operation, field: &str) -> bool {
    match &op.body {
        Some(Node::Object(rule)) => rule.fields.iter().any(|f| f.name == field),
        _ => false,
    }
}

impl Shared {
    fn check_not_dispatcher(&self) -> Result<()> {
        if self.stream().is_some_and(|s| s.on_dispatcher_thread()) {
            return Err(Error::invalid(
                "context",
                "a blocking command of this agent was called from its own listener, where its outcome has to arrive: use the async API or another thread",
            ));
        }
        Ok(())
    }

    fn stream(&self) -> Option<Arc<EventStream>> {
        lock(&self.stream).clone()
    }

    fn current_session(&self) -> Result<String> {
        self.stream()
            .map(|s| s.session_id())
            .ok_or_else(|| Error::closed("the agent session is closed"))
    }

    /// Sends `connect` and waits for the login (or attachment) to be confirmed.
    async fn connect(&self, attach: bool) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        lock(&self.inner).login = Some(LoginWaiter {
            attach,
            error: None,
            reply: tx,
        });
        if let Err(e) = self.send_connect(attach).await {
            lock(&self.inner).login = None;
            return Err(e);
        }
        match tokio::time::timeout(self.options.login_timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::closed("the agent session is closed")),
            Err(_) => {
                lock(&self.inner).login = None;
                Err(Error::Timeout {
                    message: format!(
                        "no {} confirmation for {} within {} ms",
                        if attach { "attach" } else { "login" },
                        self.user_id,
                        self.options.login_timeout.as_millis()
                    ),
                })
            }
        }
    }

    async fn send_connect(&self, attach: bool) -> Result<()> {
        let op = ops::require("engagementCenter.connect")?;
        let mut body = Map::new();
        body.insert("attach".into(), Value::Bool(attach));
        if !attach {
            let o = &self.options;
            if let Some(s) = &o.initial_state {
                body.insert("initialState".into(), Value::from(s.as_str()));
            }
            for (k, v) in [
                ("station", &o.station),
                ("routeaccessId", &o.routeaccess_id),
                ("emailAddress", &o.email_address),
            ] {
                if let Some(v) = v {
                    body.insert(k.into(), Value::from(v.as_str()));
                }
            }
        }
        let call = Call {
            session_id: Some(self.current_session()?),
            path: ops::fields([("userId", Some(Value::from(self.user_id.as_str())))]),
            body: Some(Value::Object(body)),
            ..Call::default()
        };
        let req = op.prepare(&self.client.config().org_id, call)?;
        self.client.transport().send(req).await.map(drop)
    }

    fn start_timers(self: &Arc<Self>, attach: bool) {
        let rt = runtime::handle();
        let mut tasks = lock(&self.tasks);
        if let Some(every) = self.options.keep_alive {
            let weak = Arc::downgrade(self);
            tasks.push(rt.spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let Some(shared) = weak.upgrade() else { return };
                    if shared.closed.load(Ordering::SeqCst) {
                        return;
                    }
                    shared.keep_alive().await;
                }
            }));
        }
        if attach {
            self.start_renewal(&mut tasks);
        }
    }

    fn start_renewal(self: &Arc<Self>, tasks: &mut Vec<tokio::task::JoinHandle<()>>) {
        let weak = Arc::downgrade(self);
        let every = self.options.attach_renewal;
        tasks.push(runtime::handle().spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(shared) = weak.upgrade() else { return };
                if shared.closed.load(Ordering::SeqCst) {
                    return;
                }
                if let Err(error) = shared.send_connect(true).await {
                    tracing::warn!(user = %shared.user_id, %error, "attachment renewal failed; retried at the next interval");
                }
            }
        }));
    }

    async fn keep_alive(&self) {
        let mut body = Map::new();
        if let Some(t) = self.options.session_timeout {
            body.insert("sessionTimeout".into(), Value::from(t));
        }
        let op = match agent_operation("keepAlive") {
            Ok(op) => op,
            Err(_) => return,
        };
        if let Err(error) = self
            .command(op, None, Value::Object(body), self.options.command_timeout)
            .await
        {
            tracing::warn!(user = %self.user_id, %error, "keepAlive failed");
        }
    }

    async fn command(
        &self,
        op: &'static Operation,
        interaction_id: Option<&str>,
        body: Value,
        timeout: Duration,
    ) -> Result<CommandOutcome> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::closed("the agent session is closed"));
        }
        let mut body = match body {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            _ => return Err(Error::invalid("body", "must be a JSON object")),
        };
        let ehub = lock(&self.inner).model.snapshot.ehub_session_id.clone();
        if body_has(op, "ehubSessionId") {
            let ehub = ehub.ok_or_else(|| {
                Error::invalid(
                    "ehubSessionId",
                    "the agent is not logged in: no ehubSessionId to send",
                )
            })?;
            body.insert("ehubSessionId".into(), Value::String(ehub));
        }
        let mut path = Map::new();
        for p in op.path_params {
            match p.name {
                "userId" => {
                    path.insert("userId".into(), Value::from(self.user_id.as_str()));
                }
                "interactionId" => {
                    let id = interaction_id.unwrap_or_default();
                    path.insert("interactionId".into(), Value::from(id));
                }
                _ => {}
            }
        }
        let call = Call {
            session_id: Some(self.current_session()?),
            path,
            body: op.body.as_ref().map(|_| Value::Object(body)),
            ..Call::default()
        };
        let req = op.prepare(&self.client.config().org_id, call)?;
        let (tx, rx) = oneshot::channel();
        let id = lock(&self.inner)
            .pending
            .register(op, interaction_id.map(str::to_string), tx);
        let sent = self.client.transport().send(req).await;
        // No answer that says whether the service acted (and the request was not sent
        // again): its events still tell, so they are awaited as if the 202 had come.
        let mut unknown = None;
        let replies = {
            let mut inner = lock(&self.inner);
            match sent {
                Ok(resp) => inner.pending.answered(id, resp.correlation_id),
                Err(Error::OutcomeUnknown { message }) if !op.confirmed_by.is_empty() => {
                    unknown = Some(message);
                    inner.pending.answered(id, None);
                }
                Err(e) => inner.pending.abandon(id, e),
            }
            inner.pending.take_outbox()
        };
        send_replies(replies);
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::closed("the agent session is closed")),
            Err(_) => {
                lock(&self.inner).pending.forget(id);
                if let Some(message) = unknown {
                    return Err(Error::OutcomeUnknown {
                        message: format!(
                            "{message}; none of {:?} arrived within {} ms either",
                            op.confirmed_by,
                            timeout.as_millis()
                        ),
                    });
                }
                Err(Error::Timeout {
                    message: format!(
                        "{}: accepted, but none of {:?} arrived within {} ms; its outcome is unknown",
                        op.name,
                        op.confirmed_by,
                        timeout.as_millis()
                    ),
                })
            }
        }
    }

    /// Queues or hands over one change; called with the lock held, returns the listener
    /// to call once it is released.
    fn publish(
        &self,
        inner: &mut Inner,
        change: AgentChange,
        out: &mut Vec<AgentChange>,
    ) -> Option<Arc<dyn AgentListener>> {
        match &inner.listener {
            Some(l) => {
                out.push(change);
                Some(l.clone())
            }
            None => {
                if inner.changes.len() >= self.options.change_capacity {
                    inner.changes.pop_front();
                    inner.dropped_changes += 1;
                }
                inner.changes.push_back(change);
                None
            }
        }
    }

    fn notify(&self, listener: Option<Arc<dyn AgentListener>>, out: Vec<AgentChange>) {
        self.changed.notify_all();
        self.change_ready.notify_waiters();
        if let Some(l) = listener {
            for c in &out {
                l.on_change(c);
            }
        }
    }

    fn on_event(&self, event: &Event) {
        if self.closed.load(Ordering::SeqCst) {
            // A stream the caller gave outlives the session.
            return;
        }
        let mut out = Vec::new();
        let listener;
        let replies;
        {
            let mut inner = lock(&self.inner);
            let change = inner.model.apply(event);
            let answered = inner.pending.event(event);
            self.login_progress(&mut inner, &change);
            if change.kind == model::AgentChangeKind::LoggedOut {
                let error = Error::closed("the agent was logged out");
                inner
                    .pending
                    .fail_all(&error, |op| op.command == "disconnect");
                let outcome = CommandOutcome {
                    command: "engagementCenter.disconnect".into(),
                    correlation_id: Some(event.correlation_id().to_owned())
                        .filter(|c| !c.is_empty()),
                    event: Some(event.clone()),
                };
                let waiting: Vec<_> = inner.logout.drain(..).collect();
                inner
                    .pending
                    .defer(waiting.into_iter().map(|w| (w, Ok(outcome.clone()))));
            }
            replies = inner.pending.take_outbox();
            // An Error that answered a command is that command's failure, not news.
            listener = if answered && change.kind == model::AgentChangeKind::Error {
                None
            } else {
                self.publish(&mut inner, change, &mut out)
            };
        }
        // The change first, then the command's reply: a command returns after the
        // listener saw what it did.
        self.notify(listener, out);
        send_replies(replies);
    }

    /// Moves a waiting login or attachment forward with the change just applied.
    fn login_progress(&self, inner: &mut Inner, change: &AgentChange) {
        let Some(waiter) = inner.login.as_mut() else {
            return;
        };
        let Some(event) = &change.event else { return };
        let done: Option<Result<()>> = match event.event_type() {
            "engagementCenter.ConnectConfirm" if waiter.attach => {
                inner.model.attached();
                Some(Ok(()))
            }
            "engagementCenter.Idle" | "engagementCenter.NotReady" | "engagementCenter.Park"
                if !waiter.attach =>
            {
                Some(Ok(()))
            }
            "engagementCenter.Error" => {
                waiter.error = pending::failure("engagementCenter.connect", event);
                None
            }
            "engagementCenter.Disconnected" => {
                Some(Err(waiter.error.take().unwrap_or_else(|| {
                    Error::CommandFailed {
                        command: "engagementCenter.connect".into(),
                        fail_code: None,
                        fail_reason: "the service disconnected the agent during the login".into(),
                        interaction_id: None,
                    }
                })))
            }
            _ => None,
        };
        if let Some(result) = done {
            if let Some(w) = inner.login.take() {
                let _ = w.reply.send(result);
            }
        }
    }

    fn on_status(self: &Arc<Self>, status: &StreamStatus) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        match status {
            StreamStatus::SessionRecreated { new_session_id, .. } => {
                tracing::warn!(user = %self.user_id, session = %new_session_id, "stream recreated: re-attaching the agent");
                let mut out = Vec::new();
                let listener;
                let replies;
                {
                    let mut inner = lock(&self.inner);
                    let gap = inner.model.gap();
                    inner.pending.fail_all(
                        &Error::Timeout {
                            message: "the stream was recreated before the command's outcome arrived; events may have been lost, so its outcome is unknown".into(),
                        },
                        |_| false,
                    );
                    let first_attach = !inner.attached;
                    inner.attached = true;
                    listener = self.publish(&mut inner, gap, &mut out);
                    replies = inner.pending.take_outbox();
                    if first_attach {
                        // The login's own session is gone: from now on the agent's events
                        // come through an attachment, which must be renewed.
                        self.start_renewal(&mut lock(&self.tasks));
                    }
                }
                self.notify(listener, out);
                send_replies(replies);
                let shared = self.clone();
                runtime::handle().spawn(async move {
                    if let Err(error) = shared.send_connect(true).await {
                        tracing::warn!(user = %shared.user_id, %error, "re-attach after the stream was recreated failed");
                        return;
                    }
                    // The statistics are the one part of the state the service restates on
                    // request; the rest comes back with the agent's next events.
                    if let Ok(op) = agent_operation("agentStatistics") {
                        let timeout = shared.options.command_timeout;
                        if let Err(error) = shared.command(op, None, Value::Object(Map::new()), timeout).await {
                            tracing::debug!(user = %shared.user_id, %error, "statistics after re-attach");
                        }
                    }
                });
            }
            StreamStatus::Failed { error } => {
                let replies = {
                    let mut inner = lock(&self.inner);
                    inner.pending.fail_all(error, |_| false);
                    if let Some(w) = inner.login.take() {
                        let _ = w.reply.send(Err(error.clone()));
                    }
                    inner.pending.take_outbox()
                };
                send_replies(replies);
            }
            _ => {}
        }
    }

    /// Marks the session closed and stops its timers; the stream stops in the background.
    fn begin_shutdown(&self) -> Option<Arc<EventStream>> {
        self.closed.store(true, Ordering::SeqCst);
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
        let stream = lock(&self.stream).take();
        let replies = {
            let mut inner = lock(&self.inner);
            inner
                .pending
                .close_all(&Error::closed("the agent session is closed"));
            inner.logout.clear();
            inner.login = None;
            inner.pending.take_outbox()
        };
        send_replies(replies);
        self.changed.notify_all();
        self.change_ready.notify_waiters();
        // A stream the caller gave stays the caller's to stop.
        let stream = stream.filter(|_| self.owns_stream.load(Ordering::SeqCst));
        if let Some(s) = &stream {
            s.cancel();
        }
        stream
    }

    async fn shutdown(&self) {
        if let Some(stream) = self.begin_shutdown() {
            let _ = stream.stop_async().await;
        }
    }
}
