//! `ccbridge._native.AgentSession`: the core's agent session (login or attach, the state
//! rebuilt from the events, commands awaited until their confirming event, keep-alives,
//! re-attach after a recreated stream).
//!
//! Glue only. Snapshots, changes and command outcomes cross as plain dicts (the events in
//! them as `Event` objects); `ccbridge.agent` builds the typed, frozen Python objects from
//! them, where the typed payload classes of `ccbridge.events` live.

use ccbridge::models::InitialState;
use ccbridge::{
    AgentChange, AgentChangeKind, AgentListener, AgentOptions, AgentSession, AgentSnapshot,
    AgentState, CommandOutcome, Error, InteractionState, PendingRequest,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::{PyTraverseError, PyVisit};
use serde_json::Value;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::{stream_config, PyViaClient};
use crate::convert::{from_py_named, repr_str, seconds, to_py, to_usize};
use crate::errors::{invalid, IntoPyResult};
use crate::logging::log_callback_error;
use crate::process::{
    block_on, check_py, exiting, forked, into_future, register_agent, with_python, without_gil,
    SIGNAL_CHECK,
};
use crate::stream::PyEvent;

/// Longest single wait of an async pull: it is repeated until a change or the session's end.
const ASYNC_WAIT_SLICE: Duration = Duration::from_secs(3600);

/// The wire names of the core's enumerations, each list in declaration order. A variant
/// added to the core fails to compile in the `match`es below; the Python `Literal`s are
/// held equal to these lists by a test.
const STATES: [AgentState; 8] = [
    AgentState::Disconnected,
    AgentState::Connecting,
    AgentState::Idle,
    AgentState::NotReady,
    AgentState::Park,
    AgentState::Busy,
    AgentState::Wrap,
    AgentState::Unknown,
];
const INTERACTION_STATES: [InteractionState; 6] = [
    InteractionState::Offered,
    InteractionState::Dialing,
    InteractionState::Active,
    InteractionState::Held,
    InteractionState::Cleared,
    InteractionState::Wrap,
];
const KINDS: [AgentChangeKind; 10] = [
    AgentChangeKind::State,
    AgentChangeKind::InteractionOffered,
    AgentChangeKind::InteractionChanged,
    AgentChangeKind::InteractionRemoved,
    AgentChangeKind::Statistics,
    AgentChangeKind::Error,
    AgentChangeKind::LoggedOut,
    AgentChangeKind::Gap,
    AgentChangeKind::OtherAgent,
    AgentChangeKind::Other,
];
const PENDING: [PendingRequest; 2] = [PendingRequest::NotReady, PendingRequest::Disconnect];

/// Every name of the agent session's enumerations, by enumeration:
/// `{"AgentState": [...], "InteractionState": [...], "AgentChangeKind": [...],
/// "PendingRequest": [...]}`.
#[pyfunction]
pub(crate) fn _agent_names(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("AgentState", STATES.map(AgentState::as_str).to_vec())?;
    d.set_item(
        "InteractionState",
        INTERACTION_STATES.map(InteractionState::as_str).to_vec(),
    )?;
    d.set_item(
        "AgentChangeKind",
        KINDS.map(AgentChangeKind::as_str).to_vec(),
    )?;
    d.set_item(
        "PendingRequest",
        PENDING.map(PendingRequest::as_str).to_vec(),
    )?;
    Ok(d)
}

/// A serde model (screen pop, statistics item), serialized, as the dict of its decoded
/// fields.
fn model_object(py: Python<'_>, model: serde_json::Result<Value>) -> PyResult<PyObject> {
    let value = model
        .map_err(|e| Error::Decode {
            message: format!("agent snapshot: {e}"),
        })
        .py_err(py)?;
    to_py(py, &value)
}

fn snapshot_object(py: Python<'_>, s: &AgentSnapshot) -> PyResult<PyObject> {
    let d = PyDict::new(py);
    d.set_item("user_id", &s.user_id)?;
    d.set_item("ehub_session_id", s.ehub_session_id.as_deref())?;
    d.set_item("state", AgentState::as_str(s.state))?;
    d.set_item("reason_id", s.reason_id.as_deref())?;
    d.set_item("pending", s.pending.map(PendingRequest::as_str))?;
    let interactions = PyList::empty(py);
    for i in &s.interactions {
        let item = PyDict::new(py);
        item.set_item("interaction_id", &i.interaction_id)?;
        item.set_item("media_type", i.media_type.as_deref())?;
        item.set_item("state", i.state.as_str())?;
        item.set_item("consulting", i.consulting)?;
        item.set_item(
            "consult_interaction_id",
            i.consult_interaction_id.as_deref(),
        )?;
        item.set_item(
            "original_interaction_id",
            i.original_interaction_id.as_deref(),
        )?;
        item.set_item("conference", i.conference)?;
        item.set_item(
            "conference_interaction_id",
            i.conference_interaction_id.as_deref(),
        )?;
        item.set_item("transferred", i.transferred)?;
        let pop = match &i.screen_pop {
            Some(p) => model_object(py, serde_json::to_value(p))?,
            None => py.None(),
        };
        item.set_item("screen_pop", pop)?;
        let email = match &i.email {
            Some(e) => model_object(py, serde_json::to_value(e))?,
            None => py.None(),
        };
        item.set_item("email", email)?;
        item.set_item("in_sync", i.in_sync)?;
        interactions.append(item)?;
    }
    d.set_item("interactions", interactions)?;
    let statistics = PyList::empty(py);
    for item in &s.statistics {
        statistics.append(model_object(py, serde_json::to_value(item))?)?;
    }
    d.set_item("statistics", statistics)?;
    d.set_item("in_sync", s.in_sync)?;
    Ok(d.into_any().unbind())
}

fn change_object(py: Python<'_>, c: AgentChange) -> PyResult<PyObject> {
    let d = PyDict::new(py);
    d.set_item("kind", c.kind.as_str())?;
    d.set_item("old_state", AgentState::as_str(c.old_state))?;
    d.set_item("new_state", AgentState::as_str(c.new_state))?;
    d.set_item("interaction_id", c.interaction_id)?;
    let event = match c.event {
        Some(e) => Py::new(py, PyEvent::new(e))?.into_any(),
        None => py.None(),
    };
    d.set_item("event", event)?;
    d.set_item("message", c.message)?;
    Ok(d.into_any().unbind())
}

fn outcome_object(py: Python<'_>, o: CommandOutcome) -> PyResult<PyObject> {
    let d = PyDict::new(py);
    d.set_item("command", o.command)?;
    d.set_item("correlation_id", o.correlation_id)?;
    let event = match o.event {
        Some(e) => Py::new(py, PyEvent::new(e))?.into_any(),
        None => py.None(),
    };
    d.set_item("event", event)?;
    Ok(d.into_any().unbind())
}

/// The options only a login sends (`connect` with `attach: false`).
#[derive(Default)]
struct LoginArgs {
    initial_state: Option<String>,
    station: Option<String>,
    routeaccess_id: Option<String>,
    email_address: Option<String>,
}

/// The options of both a login and an attach, as Python gives them (seconds as floats).
#[derive(Default)]
struct SessionArgs {
    keep_alive: Option<f64>,
    session_timeout: Option<f64>,
    command_timeout: Option<f64>,
    login_timeout: Option<f64>,
    attach_renewal: Option<f64>,
    change_capacity: Option<i64>,
    inactivity_delay: Option<i64>,
    require_acknowledgement: Option<bool>,
    max_events: Option<i64>,
    buffer_capacity: Option<i64>,
    dedupe_window: Option<i64>,
    poll_timeout: Option<f64>,
    ack_interval: Option<f64>,
    shutdown_deadline: Option<f64>,
}

/// A duration in seconds that must be longer than zero.
fn positive(py: Python<'_>, field: &str, secs: f64) -> PyResult<Duration> {
    let d = seconds(py, field, secs)?;
    if d.is_zero() {
        return Err(invalid(py, field, "must be longer than zero"));
    }
    Ok(d)
}

/// The core's options from Python's keyword arguments, converted (seconds as floats,
/// negative, NaN and infinite values refused, naming the argument). The core checks the
/// rest (an empty user id, zero durations and capacity...) before anything is sent.
fn agent_options(py: Python<'_>, login: LoginArgs, a: SessionArgs) -> PyResult<AgentOptions> {
    let secs = |field: &str, v: Option<f64>| v.map(|v| seconds(py, field, v)).transpose();
    let mut o = AgentOptions::default();
    if let Some(s) = login.initial_state {
        // The core would refuse it when the login is sent, naming the wire field.
        let state = InitialState::parse(&s);
        if let InitialState::Other(_) = state {
            let known: Vec<&str> = InitialState::ALL.iter().map(|s| s.as_str()).collect();
            return Err(invalid(
                py,
                "initial_state",
                format!("{s:?} is not one of {}", known.join(", ")),
            ));
        }
        o.initial_state = Some(state);
    }
    o.station = login.station;
    o.routeaccess_id = login.routeaccess_id;
    o.email_address = login.email_address;
    o.keep_alive = secs("keep_alive", a.keep_alive)?;
    if let Some(v) = a.session_timeout {
        // Not checked by the core: a keepAlive's sessionTimeout goes out as given.
        positive(py, "session_timeout", v)?;
        o.session_timeout = Some(v);
    }
    if let Some(d) = secs("command_timeout", a.command_timeout)? {
        o.command_timeout = d;
    }
    if let Some(d) = secs("login_timeout", a.login_timeout)? {
        o.login_timeout = d;
    }
    if let Some(d) = secs("attach_renewal", a.attach_renewal)? {
        o.attach_renewal = d;
    }
    if let Some(v) = a.change_capacity {
        o.change_capacity = to_usize(py, "change_capacity", v)?;
    }
    o.stream = stream_config(
        py,
        a.inactivity_delay,
        a.require_acknowledgement,
        a.max_events,
        a.buffer_capacity,
        a.dedupe_window,
        a.poll_timeout,
        a.ack_interval,
        a.shutdown_deadline,
    )?;
    Ok(o)
}

/// The options of a login or an attach from the keyword arguments the wrapper passes on
/// (`**options`): each read as its own type, naming the argument when it is not; a name
/// that is not an option of the call is refused as Python refuses an unexpected keyword
/// argument.
fn options_from(
    py: Python<'_>,
    attach: bool,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<AgentOptions> {
    let mut login = LoginArgs::default();
    let mut a = SessionArgs::default();
    let call = if attach { "attach" } else { "login" };
    for (key, value) in options.into_iter().flat_map(|o| o.iter()) {
        let name: String = key.extract()?;
        if value.is_none() {
            continue;
        }
        let v = &value;
        match name.as_str() {
            "initial_state" if !attach => login.initial_state = get(&name, v)?,
            "station" if !attach => login.station = get(&name, v)?,
            "routeaccess_id" if !attach => login.routeaccess_id = get(&name, v)?,
            "email_address" if !attach => login.email_address = get(&name, v)?,
            "keep_alive" => a.keep_alive = get(&name, v)?,
            "session_timeout" => a.session_timeout = get(&name, v)?,
            "command_timeout" => a.command_timeout = get(&name, v)?,
            "login_timeout" => a.login_timeout = get(&name, v)?,
            "attach_renewal" => a.attach_renewal = get(&name, v)?,
            "change_capacity" => a.change_capacity = get(&name, v)?,
            "inactivity_delay" => a.inactivity_delay = get(&name, v)?,
            "require_acknowledgement" => a.require_acknowledgement = get(&name, v)?,
            "max_events" => a.max_events = get(&name, v)?,
            "buffer_capacity" => a.buffer_capacity = get(&name, v)?,
            "dedupe_window" => a.dedupe_window = get(&name, v)?,
            "poll_timeout" => a.poll_timeout = get(&name, v)?,
            "ack_interval" => a.ack_interval = get(&name, v)?,
            "shutdown_deadline" => a.shutdown_deadline = get(&name, v)?,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "{call}() got an unexpected keyword argument '{name}'"
                )))
            }
        }
    }
    agent_options(py, login, a)
}

/// One keyword argument as its type; a wrong type names the argument, as Python's own
/// argument parsing does.
fn get<'py, T: FromPyObject<'py>>(name: &str, v: &Bound<'py, PyAny>) -> PyResult<Option<T>> {
    v.extract()
        .map(Some)
        .map_err(|e| PyTypeError::new_err(format!("argument '{name}': {e}")))
}

/// A login or an attach, ready to run on the runtime.
fn open_fut(
    client: &Bound<'_, PyViaClient>,
    user_id: String,
    options: AgentOptions,
    attach: bool,
) -> impl Future<Output = ccbridge::Result<AgentSession>> + Send + 'static {
    let client = client.get().client();
    async move {
        if attach {
            AgentSession::attach(&client, &user_id, options).await
        } else {
            AgentSession::login(&client, &user_id, options).await
        }
    }
}

fn session_object(py: Python<'_>, session: AgentSession) -> PyResult<PyObject> {
    Ok(Py::new(py, PyAgentSession::new(session))?.into_any())
}

/// The listener of a session with a Python callable: called on the stream's dispatcher
/// thread with the GIL. An exception is logged on the `ccbridge` logger, never propagated.
struct PyListener {
    callback: PyObject,
}

impl AgentListener for PyListener {
    fn on_change(&self, change: &AgentChange) {
        with_python(|py| {
            let result =
                change_object(py, change.clone()).and_then(|c| self.callback.call1(py, (c,)));
            if let Err(e) = result {
                // At exit, a callback still running is interrupted on purpose.
                if !exiting() {
                    log_callback_error(py, "agent on_change callback", e);
                }
            }
        });
    }
}

/// One agent's session: its login, its live state, its commands.
#[pyclass(frozen, module = "ccbridge._native", name = "AgentSession")]
pub(crate) struct PyAgentSession {
    // Not dropped in a forked child: closing it would need the parent's runtime threads.
    inner: ManuallyDrop<Arc<AgentSession>>,
    /// A second reference to the listener the core holds: the core drops the one it
    /// replaces under its own lock, where the last reference to a Python callable must not
    /// go (its `__del__` could call back into the session). Also what the garbage collector
    /// is shown: a callable that refers to its session makes a cycle through Rust.
    listener: Mutex<Option<Arc<PyListener>>>,
}

impl Drop for PyAgentSession {
    fn drop(&mut self) {
        if !forked() {
            // SAFETY: dropped exactly once, here.
            unsafe { ManuallyDrop::drop(&mut self.inner) }
        }
    }
}

impl PyAgentSession {
    fn new(session: AgentSession) -> Self {
        let inner = Arc::new(session);
        register_agent(&inner);
        PyAgentSession {
            inner: ManuallyDrop::new(inner),
            listener: Mutex::new(None),
        }
    }

    fn session(&self) -> Arc<AgentSession> {
        Arc::clone(&self.inner)
    }

    fn replace_listener(&self, listener: Option<Arc<PyListener>>) {
        let for_core = listener.clone().map(|l| -> Arc<dyn AgentListener> { l });
        self.inner.set_listener(for_core);
        let old = std::mem::replace(
            &mut *self.listener.lock().unwrap_or_else(|p| p.into_inner()),
            listener,
        );
        // Released after both locks: dropping a callable can run Python code.
        drop(old);
    }

    fn command_fut(
        &self,
        op: String,
        interaction_id: Option<String>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = ccbridge::Result<CommandOutcome>> + Send + 'static> {
        let body = body
            .map(|b| from_py_named(b, "body"))
            .transpose()?
            .unwrap_or(Value::Null);
        let session = self.session();
        Ok(async move { session.command(&op, interaction_id.as_deref(), body).await })
    }

    fn logout_fut(
        &self,
        py: Python<'_>,
        reason_id: String,
        timeout: Option<f64>,
    ) -> PyResult<impl Future<Output = ccbridge::Result<CommandOutcome>> + Send + 'static> {
        // No timeout: as long as the work takes (tokio treats an unrepresentable deadline
        // as none).
        let timeout = match timeout {
            Some(t) => positive(py, "timeout", t)?,
            None => Duration::MAX,
        };
        let session = self.session();
        Ok(async move { session.logout(&reason_id, timeout).await })
    }
}

#[pymethods]
impl PyAgentSession {
    /// Logs the agent in (`attach` false) or attaches to its existing login (`attach`
    /// true) on a stream of its own, and waits for the service to confirm it. `options`
    /// holds the keyword arguments of the wrapper's `login` / `attach`.
    #[staticmethod]
    #[pyo3(signature = (client, user_id, attach, options=None))]
    fn open(
        py: Python<'_>,
        client: &Bound<'_, PyViaClient>,
        user_id: String,
        attach: bool,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = options_from(py, attach, options)?;
        let session = block_on(py, open_fut(client, user_id, options, attach))?;
        Ok(PyAgentSession::new(session))
    }

    /// Awaitable `open`.
    #[staticmethod]
    #[pyo3(signature = (client, user_id, attach, options=None))]
    fn open_async<'py>(
        py: Python<'py>,
        client: &Bound<'_, PyViaClient>,
        user_id: String,
        attach: bool,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = options_from(py, attach, options)?;
        into_future(
            py,
            open_fut(client, user_id, options, attach),
            session_object,
        )
    }

    /// The agent (`userId`).
    #[getter]
    fn user_id(&self) -> &str {
        self.inner.user_id()
    }

    /// The login's `ehubSessionId`, while logged in.
    #[getter]
    fn ehub_session_id(&self) -> Option<String> {
        self.inner.ehub_session_id()
    }

    /// The streaming session the agent's events arrive on (None once closed).
    #[getter]
    fn stream_session_id(&self) -> Option<String> {
        self.inner.stream_session_id()
    }

    /// Changes dropped because nobody read them.
    #[getter]
    fn dropped_changes(&self) -> u64 {
        self.inner.dropped_changes()
    }

    /// Whether `close` ran.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The agent's state now (`snapshot()["state"]`, without building the rest).
    #[getter]
    fn state(&self) -> &'static str {
        AgentState::as_str(self.inner.snapshot().state)
    }

    /// The agent's state now, as a dict.
    fn snapshot(&self, py: Python<'_>) -> PyResult<PyObject> {
        snapshot_object(py, &self.inner.snapshot())
    }

    /// The next change as a dict, waiting up to `timeout` seconds (None: until one comes);
    /// None on timeout.
    #[pyo3(signature = (timeout=None))]
    fn next_change(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<PyObject>> {
        check_py(py)?;
        crate::logging::sync_level(py);
        let deadline = match timeout {
            Some(t) => Some(Instant::now() + seconds(py, "timeout", t)?),
            None => None,
        };
        let session = self.session();
        loop {
            // In slices, so Ctrl-C and the deadline are honoured while the GIL is released.
            let slice = match deadline {
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .min(SIGNAL_CHECK),
                None => SIGNAL_CHECK,
            };
            match without_gil(py, || session.next_change(slice)).py_err(py)? {
                Some(change) => return change_object(py, change).map(Some),
                None => {
                    py.check_signals()?;
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Awaitable `next_change`.
    #[pyo3(signature = (timeout=None))]
    fn next_change_async<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let timeout = timeout.map(|t| seconds(py, "timeout", t)).transpose()?;
        let session = self.session();
        let fut = async move {
            match timeout {
                Some(t) => session.next_change_async(t).await,
                None => loop {
                    if let Some(c) = session.next_change_async(ASYNC_WAIT_SLICE).await? {
                        return Ok(Some(c));
                    }
                },
            }
        };
        into_future(py, fut, |py, c: Option<AgentChange>| match c {
            Some(c) => change_object(py, c),
            None => Ok(py.None()),
        })
    }

    /// Sends one Engagement Center command and waits for its outcome (a dict).
    #[pyo3(signature = (op, interaction_id=None, body=None))]
    fn command(
        &self,
        py: Python<'_>,
        op: String,
        interaction_id: Option<String>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyObject> {
        let fut = self.command_fut(op, interaction_id, body)?;
        let outcome = block_on(py, fut)?;
        outcome_object(py, outcome)
    }

    /// Awaitable `command`.
    #[pyo3(signature = (op, interaction_id=None, body=None))]
    fn command_async<'py>(
        &self,
        py: Python<'py>,
        op: String,
        interaction_id: Option<String>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.command_fut(op, interaction_id, body)?;
        into_future(py, fut, outcome_object)
    }

    /// Logs the agent out and waits until it is Disconnected (at most `timeout` seconds;
    /// None: as long as its work takes).
    #[pyo3(signature = (reason_id="0".to_string(), timeout=Some(60.0)))]
    fn logout(
        &self,
        py: Python<'_>,
        reason_id: String,
        timeout: Option<f64>,
    ) -> PyResult<PyObject> {
        let fut = self.logout_fut(py, reason_id, timeout)?;
        let outcome = block_on(py, fut)?;
        outcome_object(py, outcome)
    }

    /// Awaitable `logout`.
    #[pyo3(signature = (reason_id="0".to_string(), timeout=Some(60.0)))]
    fn logout_async<'py>(
        &self,
        py: Python<'py>,
        reason_id: String,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.logout_fut(py, reason_id, timeout)?;
        into_future(py, fut, outcome_object)
    }

    /// Cancels the pending not-ready or disconnect request.
    fn cancel(&self, py: Python<'_>) -> PyResult<PyObject> {
        let session = self.session();
        let outcome = block_on(py, async move { session.cancel().await })?;
        outcome_object(py, outcome)
    }

    /// Awaitable `cancel`.
    fn cancel_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let session = self.session();
        into_future(py, async move { session.cancel().await }, outcome_object)
    }

    /// Stops the session's stream and timers; the agent stays logged in.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        check_py(py)?;
        crate::logging::sync_level(py);
        let session = self.session();
        // On this thread rather than on a runtime worker: called from the session's own
        // listener (the stream's dispatcher thread), the core then only starts the shutdown
        // instead of waiting for the dispatcher, which is this very call.
        without_gil(py, move || session.close_blocking()).py_err(py)
    }

    /// Awaitable `close`.
    fn close_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let session = self.session();
        into_future(
            py,
            async move {
                session.close().await;
                Ok(())
            },
            |py, ()| Ok(py.None()),
        )
    }

    /// Hands every change from now on to `callback` (on the stream's dispatcher thread)
    /// instead of queueing it for `next_change`; None goes back to queueing.
    #[pyo3(signature = (callback))]
    fn set_listener(&self, py: Python<'_>, callback: Option<PyObject>) -> PyResult<()> {
        let listener = match callback {
            Some(f) if !f.bind(py).is_callable() => {
                return Err(PyTypeError::new_err("callback must be callable or None"))
            }
            Some(f) => Some(Arc::new(PyListener { callback: f })),
            None => None,
        };
        self.replace_listener(listener);
        Ok(())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        // Never blocks: a listener being replaced right now is simply not reported.
        if let Ok(slot) = self.listener.try_lock() {
            if let Some(l) = slot.as_ref() {
                visit.call(&l.callback)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        self.replace_listener(None);
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let flag = if self.inner.is_closed() {
            "True"
        } else {
            "False"
        };
        format!(
            "AgentSession(user_id={}, state={}, closed={flag})",
            repr_str(py, self.inner.user_id()),
            repr_str(py, AgentState::as_str(self.inner.snapshot().state))
        )
    }
}
