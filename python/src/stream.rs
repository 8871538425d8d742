//! `ccbridge._native.Stream` and what it delivers: `Event`, `StreamStatus`, `StreamStats`.

use ccbridge::stream::{EventHandler, EventStream, StreamItem, StreamStatus};
use ccbridge::Event;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::{GILOnceCell, GILProtected};
use pyo3::types::{PyBytes, PyDict};
use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::convert::{from_py, repr_str, seconds, to_py};
use crate::errors::{invalid, to_py_err, IntoPyResult};
use crate::logging::log_callback_error;
use crate::process::{
    check_py, exiting, forked, into_future, register_stream, with_python, without_gil, SIGNAL_CHECK,
};

/// Longest single wait of an async pull: it is repeated until an event or the stream's end.
const ASYNC_WAIT_SLICE: Duration = Duration::from_secs(3600);

/// One event of a streaming session.
///
/// The payload is decoded into Python objects on first access only, so a callback that
/// looks at the envelope alone costs no conversion.
// The free list keeps the objects of a busy stream's events for reuse: one is made and
// dropped per event.
#[pyclass(frozen, freelist = 256, module = "ccbridge._native", name = "Event")]
pub(crate) struct PyEvent {
    inner: Event,
    /// The decoded payload once read: a plain cell under the GIL, with no one-time
    /// initialisation (a `Once`) to go through on every event of a stream. (The module is
    /// built for interpreters with a GIL, abi3.)
    payload: GILProtected<RefCell<Option<PyObject>>>,
}

impl PyEvent {
    pub(crate) fn new(inner: Event) -> Self {
        PyEvent {
            inner,
            payload: GILProtected::new(RefCell::new(None)),
        }
    }
}

/// `orjson.loads`, kept bound: it builds the objects about three times as fast as Python's
/// own JSON reader (it reuses the text of keys seen before), and it reads JSON by the
/// core's rules: `NaN` and `Infinity` are not JSON, and an integer past 64 bits is a float,
/// as serde_json has it.
static JSON_LOADS: GILOnceCell<PyObject> = GILOnceCell::new();

/// The payload as Python objects, read from the raw text (the core need not build a tree
/// first), by the core's rules (empty: None; not JSON: the text). A payload the core
/// decoded already (sent as an object) is converted from that.
fn decode_payload(py: Python<'_>, event: &Event) -> PyResult<PyObject> {
    if let Some(v) = event.payload_if_decoded() {
        return to_py(py, v);
    }
    if event.payload_is_blank() {
        return Ok(py.None());
    }
    let raw = event.raw_payload();
    let loads = JSON_LOADS.get_or_try_init(py, || -> PyResult<PyObject> {
        Ok(py.import("orjson")?.getattr("loads")?.unbind())
    })?;
    // Handed over as bytes: orjson reads them as they are, where a str would first be
    // built (its characters decoded and checked) and then read back as UTF-8.
    match loads.bind(py).call1((PyBytes::new(py, raw.as_bytes()),)) {
        Ok(v) => Ok(v.unbind()),
        // Not JSON (as the core reads it): the text itself, as Event.payload() keeps it.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) => {
            to_py(py, event.payload())
        }
        Err(e) => Err(e),
    }
}

#[pymethods]
impl PyEvent {
    /// Serialization kind (`"via#engagementCenterEvent"`).
    #[getter]
    fn kind(&self) -> &str {
        self.inner.kind()
    }

    /// Unique id of the event.
    #[getter]
    fn event_id(&self) -> &str {
        self.inner.event_id()
    }

    /// Events caused by one command share it.
    #[getter]
    fn correlation_id(&self) -> &str {
        self.inner.correlation_id()
    }

    /// Wire name of the type (`"engagementCenter.Idle"`).
    #[getter]
    fn event_type(&self) -> &str {
        self.inner.event_type()
    }

    /// When the event was queued (ISO 8601, UTC).
    #[getter]
    fn published_time(&self) -> &str {
        self.inner.published_time()
    }

    /// Payload schema version, as text.
    #[getter]
    fn schema_version(&self) -> &str {
        self.inner.schema_version()
    }

    /// The payload, decoded (dict, list, ... or None when empty).
    #[getter]
    fn payload(&self, py: Python<'_>) -> PyResult<PyObject> {
        let cell = self.payload.get(py);
        if let Some(v) = cell.borrow().as_ref() {
            return Ok(v.clone_ref(py));
        }
        // Not borrowed while decoding: the decoder runs Python code.
        let v = decode_payload(py, &self.inner)?;
        Ok(cell.borrow_mut().get_or_insert(v).clone_ref(py))
    }

    /// The payload exactly as the service sent it.
    #[getter]
    fn raw_payload(&self) -> &str {
        self.inner.raw_payload()
    }

    /// The payload decoded into the model of its type (wire names, integer/string twins
    /// merged into text), or None when the type is not documented or the payload is not an
    /// object. Decoded on each call: ``ccbridge.events.typed_payload`` wraps it.
    fn typed_payload(&self, py: Python<'_>) -> PyResult<Option<PyObject>> {
        match self.inner.typed_payload().to_json() {
            Some(v) => Ok(Some(to_py(py, &v)?)),
            None => Ok(None),
        }
    }

    /// Decodes one event as the service sends it (the v3 envelope: ``eventId``,
    /// ``eventType``, ``payload`` as a JSON string...): for replaying stored events and for
    /// tests.
    #[staticmethod]
    fn from_wire(py: Python<'_>, envelope: &Bound<'_, PyAny>) -> PyResult<Self> {
        let v = from_py(envelope)?;
        Event::from_wire(&v)
            .map(PyEvent::new)
            .map_err(|e| to_py_err(py, e))
    }

    /// The envelope as a dict with snake_case keys and the decoded payload.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("kind", self.inner.kind())?;
        d.set_item("event_id", self.inner.event_id())?;
        d.set_item("correlation_id", self.inner.correlation_id())?;
        d.set_item("event_type", self.inner.event_type())?;
        d.set_item("published_time", self.inner.published_time())?;
        d.set_item("schema_version", self.inner.schema_version())?;
        d.set_item("payload", self.payload(py)?)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        const MAX: usize = 80;
        let raw = self.inner.raw_payload();
        let payload = match raw.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}...", &raw[..cut]),
            None => raw.to_owned(),
        };
        let e = &self.inner;
        format!(
            "Event(event_type={}, event_id={}, correlation_id={}, published_time={}, payload={})",
            repr_str(py, e.event_type()),
            repr_str(py, e.event_id()),
            repr_str(py, e.correlation_id()),
            repr_str(py, e.published_time()),
            repr_str(py, &payload)
        )
    }
}

/// Something the stream reports besides events: started, session_recreated, retrying,
/// recovered, buffer_full, events_dropped, malformed_event, ack_failed, failed, stopped.
#[pyclass(frozen, module = "ccbridge._native", name = "StreamStatus")]
pub(crate) struct PyStatus {
    name: &'static str,
    description: String,
    session_id: Option<String>,
    old_session_id: Option<String>,
    error: Option<PyObject>,
}

impl PyStatus {
    fn new(py: Python<'_>, status: &StreamStatus) -> Self {
        PyStatus {
            name: status.name(),
            description: status.describe(),
            session_id: status.session_id().map(str::to_string),
            old_session_id: status.old_session_id().map(str::to_string),
            error: status
                .error()
                .map(|e| to_py_err(py, e.clone()).into_value(py).into_any()),
        }
    }
}

#[pymethods]
impl PyStatus {
    /// Short name, the same in every binding (`"session_recreated"`).
    #[getter]
    fn name(&self) -> &str {
        self.name
    }

    /// One-line human description.
    #[getter]
    fn description(&self) -> &str {
        &self.description
    }

    /// The session that is current after this status (started, session_recreated).
    #[getter]
    fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// The session that died (session_recreated).
    #[getter]
    fn old_session_id(&self) -> Option<&str> {
        self.old_session_id.as_deref()
    }

    /// The error behind retrying, ack_failed and failed, as a `ccbridge.Error`.
    #[getter]
    fn error(&self, py: Python<'_>) -> Option<PyObject> {
        self.error.as_ref().map(|e| e.clone_ref(py))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "StreamStatus(name={}, description={})",
            repr_str(py, self.name),
            repr_str(py, &self.description)
        )
    }
}

/// Counters of a stream.
#[pyclass(frozen, module = "ccbridge._native", name = "StreamStats")]
pub(crate) struct PyStats {
    /// Successful polls.
    #[pyo3(get)]
    polls: u64,
    /// Events handed to the consumer.
    #[pyo3(get)]
    events_delivered: u64,
    /// Redeliveries hidden by the duplicate window.
    #[pyo3(get)]
    duplicates_suppressed: u64,
    /// Event ids acknowledged.
    #[pyo3(get)]
    events_acknowledged: u64,
    /// Sessions recreated after expiry.
    #[pyo3(get)]
    sessions_recreated: u64,
    /// Events dropped on a full buffer (acknowledgement off only).
    #[pyo3(get)]
    events_dropped: u64,
}

#[pymethods]
impl PyStats {
    /// The counters as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("polls", self.polls)?;
        d.set_item("events_delivered", self.events_delivered)?;
        d.set_item("duplicates_suppressed", self.duplicates_suppressed)?;
        d.set_item("events_acknowledged", self.events_acknowledged)?;
        d.set_item("sessions_recreated", self.sessions_recreated)?;
        d.set_item("events_dropped", self.events_dropped)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "StreamStats(polls={}, events_delivered={}, duplicates_suppressed={}, events_acknowledged={}, sessions_recreated={}, events_dropped={})",
            self.polls, self.events_delivered, self.duplicates_suppressed, self.events_acknowledged, self.sessions_recreated, self.events_dropped
        )
    }
}

/// The Python callables of a callback-mode stream; replaceable while it runs.
pub(crate) struct Callbacks {
    on_event: Mutex<Option<PyObject>>,
    on_status: Mutex<Option<PyObject>>,
}

fn callable(py: Python<'_>, what: &str, f: Option<PyObject>) -> PyResult<Option<PyObject>> {
    match f {
        Some(f) if !f.bind(py).is_callable() => {
            Err(PyTypeError::new_err(format!("{what} must be callable")))
        }
        f => Ok(f),
    }
}

impl Callbacks {
    /// `None` (pull mode) unless `on_event` is given.
    pub(crate) fn new(
        py: Python<'_>,
        on_event: Option<PyObject>,
        on_status: Option<PyObject>,
    ) -> PyResult<Option<Arc<Self>>> {
        let on_event = callable(py, "on_event", on_event)?;
        let on_status = callable(py, "on_status", on_status)?;
        match (on_event, on_status) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(invalid(
                py,
                "on_status",
                "on_status needs on_event: a stream without on_event is pulled (next_event, iteration), and its statuses come from statuses()",
            )),
            (on_event, on_status) => Ok(Some(Arc::new(Callbacks {
                on_event: Mutex::new(on_event),
                on_status: Mutex::new(on_status),
            }))),
        }
    }

    fn get(slot: &Mutex<Option<PyObject>>, py: Python<'_>) -> Option<PyObject> {
        slot.lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|f| f.clone_ref(py))
    }

    fn set(slot: &Mutex<Option<PyObject>>, f: Option<PyObject>) {
        let old = std::mem::replace(&mut *slot.lock().unwrap_or_else(|p| p.into_inner()), f);
        // Released after the lock: dropping a callable can run Python code (__del__) that
        // sets a callback again.
        drop(old);
    }
}

/// The core's handler for a callback-mode stream: runs the Python callables on the
/// dispatcher thread, with the GIL. A callable's exception is logged, never propagated.
pub(crate) struct PyHandler {
    callbacks: Arc<Callbacks>,
}

impl PyHandler {
    pub(crate) fn new(callbacks: Arc<Callbacks>) -> Self {
        PyHandler { callbacks }
    }
}

impl PyHandler {
    fn event(&self, py: Python<'_>, event: Event) {
        let Some(f) = Callbacks::get(&self.callbacks.on_event, py) else {
            return;
        };
        let result = Py::new(py, PyEvent::new(event)).and_then(|e| f.call1(py, (e,)));
        if let Err(e) = result {
            // At exit, a callback still running is interrupted on purpose.
            if !exiting() {
                log_callback_error(py, "on_event callback", e);
            }
        }
    }

    fn status(&self, py: Python<'_>, status: &StreamStatus) {
        let Some(f) = Callbacks::get(&self.callbacks.on_status, py) else {
            return;
        };
        let result = Py::new(py, PyStatus::new(py, status)).and_then(|s| f.call1(py, (s,)));
        if let Err(e) = result {
            if !exiting() {
                log_callback_error(py, "on_status callback", e);
            }
        }
    }
}

impl EventHandler for PyHandler {
    fn on_event(&mut self, event: &Event) {
        with_python(|py| self.event(py, event.clone()));
    }

    fn on_status(&mut self, status: &StreamStatus) {
        with_python(|py| self.status(py, status));
    }

    /// One GIL acquisition per batch: while other Python threads are busy, acquiring it
    /// per event would cost a switch interval each time.
    fn on_batch(&mut self, items: Vec<StreamItem>) {
        with_python(|py| {
            for item in items {
                if exiting() {
                    return;
                }
                match item {
                    StreamItem::Event(e) => self.event(py, e),
                    StreamItem::Status(s) => self.status(py, &s),
                }
            }
        });
    }
}

/// A running event stream: one streaming session kept alive by the engine.
#[pyclass(frozen, module = "ccbridge._native", name = "Stream")]
pub(crate) struct PyStream {
    // Not dropped in a forked child: stopping it would need the parent's runtime threads.
    inner: ManuallyDrop<Arc<EventStream>>,
    callbacks: Option<Arc<Callbacks>>,
}

impl Drop for PyStream {
    fn drop(&mut self) {
        if !forked() {
            // SAFETY: dropped exactly once, here.
            unsafe { ManuallyDrop::drop(&mut self.inner) }
        }
    }
}

impl PyStream {
    pub(crate) fn new(stream: EventStream, callbacks: Option<Arc<Callbacks>>) -> Self {
        let inner = Arc::new(stream);
        register_stream(&inner);
        PyStream {
            inner: ManuallyDrop::new(inner),
            callbacks,
        }
    }

    fn stream(&self) -> Arc<EventStream> {
        Arc::clone(&self.inner)
    }

    fn callbacks(&self, py: Python<'_>) -> PyResult<&Arc<Callbacks>> {
        self.callbacks.as_ref().ok_or_else(|| {
            invalid(
                py,
                "stream",
                "this stream is pulled (started without on_event); pass on_event= when starting it to receive callbacks",
            )
        })
    }

    /// Waits for the next item in slices, so Ctrl-C and the deadline are honoured while the
    /// GIL is released.
    fn wait<T: Send>(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        pull: impl Fn(&EventStream, Duration) -> ccbridge::Result<Option<T>> + Send + Sync,
    ) -> PyResult<Option<T>> {
        check_py(py)?;
        crate::logging::sync_level(py);
        let deadline = match timeout {
            Some(t) => Some(Instant::now() + seconds(py, "timeout", t)?),
            None => None,
        };
        let stream = self.stream();
        loop {
            let slice = match deadline {
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .min(SIGNAL_CHECK),
                None => SIGNAL_CHECK,
            };
            match without_gil(py, || pull(&stream, slice)).py_err(py)? {
                Some(item) => return Ok(Some(item)),
                None => {
                    py.check_signals()?;
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(None);
                    }
                }
            }
        }
    }
}

fn item_object(py: Python<'_>, item: StreamItem) -> PyResult<PyObject> {
    Ok(match item {
        StreamItem::Event(e) => Py::new(py, PyEvent::new(e))?.into_any(),
        StreamItem::Status(s) => Py::new(py, PyStatus::new(py, &s))?.into_any(),
    })
}

#[pymethods]
impl PyStream {
    /// The current session id (changes when the session is recreated).
    #[getter]
    fn session_id(&self) -> String {
        self.inner.session_id()
    }

    /// The stream's counters.
    #[getter]
    fn stats(&self) -> PyStats {
        let s = self.inner.stats();
        PyStats {
            polls: s.polls,
            events_delivered: s.events_delivered,
            duplicates_suppressed: s.duplicates_suppressed,
            events_acknowledged: s.events_acknowledged,
            sessions_recreated: s.sessions_recreated,
            events_dropped: s.events_dropped,
        }
    }

    /// Whether stop has begun.
    #[getter]
    fn is_stopping(&self) -> bool {
        self.inner.is_stopping()
    }

    /// Whether events go to callbacks (True) or are pulled (False).
    #[getter]
    fn callback_mode(&self) -> bool {
        self.callbacks.is_some()
    }

    /// Pull mode: the next event, waiting up to `timeout` seconds (None: until one comes).
    #[pyo3(signature = (timeout=None))]
    fn next_event(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<PyEvent>> {
        Ok(self
            .wait(py, timeout, |s, d| s.next_event(d))?
            .map(PyEvent::new))
    }

    /// Pull mode: the next event or status, waiting up to `timeout` seconds.
    #[pyo3(signature = (timeout=None))]
    fn next_item(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<PyObject>> {
        self.wait(py, timeout, |s, d| s.next_item(d))?
            .map(|item| item_object(py, item))
            .transpose()
    }

    /// Awaitable `next_event`.
    #[pyo3(signature = (timeout=None))]
    fn next_event_async<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let timeout = timeout.map(|t| seconds(py, "timeout", t)).transpose()?;
        let stream = self.stream();
        let fut = async move {
            match timeout {
                Some(t) => stream.next_event_async(t).await,
                None => loop {
                    if let Some(e) = stream.next_event_async(ASYNC_WAIT_SLICE).await? {
                        return Ok(Some(e));
                    }
                },
            }
        };
        into_future(py, fut, |py, e: Option<Event>| match e {
            Some(e) => Ok(Py::new(py, PyEvent::new(e))?.into_any()),
            None => Ok(py.None()),
        })
    }

    /// Pull mode: the statuses met by `next_event` since the last call, oldest first.
    fn statuses(&self, py: Python<'_>) -> PyResult<Vec<PyStatus>> {
        Ok(self
            .inner
            .drain_statuses()
            .iter()
            .map(|s| PyStatus::new(py, s))
            .collect())
    }

    /// Callback mode: replaces the event callback; returns it (usable as a decorator).
    fn on_event(&self, py: Python<'_>, callback: PyObject) -> PyResult<PyObject> {
        let cbs = self.callbacks(py)?;
        let f = callable(py, "callback", Some(callback))?.unwrap_or_else(|| py.None());
        Callbacks::set(&cbs.on_event, Some(f.clone_ref(py)));
        Ok(f)
    }

    /// Callback mode: replaces the status callback; returns it (usable as a decorator).
    fn on_status(&self, py: Python<'_>, callback: PyObject) -> PyResult<PyObject> {
        let cbs = self.callbacks(py)?;
        let f = callable(py, "callback", Some(callback))?.unwrap_or_else(|| py.None());
        Callbacks::set(&cbs.on_status, Some(f.clone_ref(py)));
        Ok(f)
    }

    /// Stops the stream: stops polling, lets callbacks drain, flushes acknowledgements,
    /// deletes the session. Called from a callback, it returns at once.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        check_py(py)?;
        crate::logging::sync_level(py);
        let stream = self.stream();
        without_gil(py, move || stream.stop()).py_err(py)
    }

    /// Awaitable `stop`.
    fn stop_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stream = self.stream();
        into_future(py, async move { stream.stop_async().await }, |py, ()| {
            Ok(py.None())
        })
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let flag = |b: bool| if b { "True" } else { "False" };
        format!(
            "Stream(session_id={}, callback_mode={}, is_stopping={})",
            repr_str(py, &self.inner.session_id()),
            flag(self.callbacks.is_some()),
            flag(self.inner.is_stopping())
        )
    }
}
