//! `ccbridge._native.ViaClient`: configuration, the generic call, the typed commands and
//! stream start, each blocking (GIL released) and as an `asyncio` awaitable.

use ccbridge::models::{
    AcknowledgeEvent, AcknowledgePayload, AcknowledgeResponse, ConnectParams, DisconnectParams,
    InitialState, KeepAliveParams, NewSessionV3, NotReadyParams, NotReadyType, ReadyParams,
    SessionResponseV3,
};
use ccbridge::stream::{EventStream, StreamConfig};
use ccbridge::ops::HttpMethod;
use ccbridge::{RawRequest, RetryPolicy, ViaClient};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::sync::Arc;

use crate::convert::{from_py, repr_str, seconds, to_py, to_u32, to_usize};
use crate::errors::IntoPyResult;
use crate::process::{block_on, forked, into_future};
use crate::stream::{Callbacks, PyEvent, PyHandler, PyStream};

type CoreResult<T> = Result<T, ccbridge::Error>;

/// A client of the Alvaria Cloud ("Via") APIs for one organization.
#[pyclass(frozen, module = "ccbridge._native", name = "ViaClient")]
pub(crate) struct PyViaClient {
    // Not dropped in a forked child: its connection pool belongs to the parent's threads.
    inner: ManuallyDrop<ViaClient>,
}

impl Drop for PyViaClient {
    fn drop(&mut self) {
        if !forked() {
            // SAFETY: dropped exactly once, here.
            unsafe { ManuallyDrop::drop(&mut self.inner) }
        }
    }
}

/// Parameters of a stream, as given by Python.
struct StreamArgs {
    config: StreamConfig,
    callbacks: Option<Arc<Callbacks>>,
}

fn unit(py: Python<'_>, _: ()) -> PyResult<PyObject> {
    Ok(py.None())
}

fn json(py: Python<'_>, v: Value) -> PyResult<PyObject> {
    to_py(py, &v)
}

fn session_dict(py: Python<'_>, info: SessionResponseV3) -> PyResult<PyObject> {
    let d = PyDict::new(py);
    d.set_item("session_id", info.session_id)?;
    d.set_item("creation_time", info.creation_time)?;
    d.set_item("inactivity_delay", info.inactivity_delay)?;
    d.set_item("require_acknowledgement", info.require_acknowledgement)?;
    Ok(d.into_any().unbind())
}

fn ack_dict(py: Python<'_>, r: AcknowledgeResponse) -> PyResult<PyObject> {
    let d = PyDict::new(py);
    d.set_item("event_ids_acknowledged", r.event_ids_acknowledged)?;
    d.set_item("event_ids_not_found", r.event_ids_not_found)?;
    Ok(d.into_any().unbind())
}

fn event_list(py: Python<'_>, events: Vec<ccbridge::Event>) -> PyResult<PyObject> {
    let list = PyList::empty(py);
    for e in events {
        list.append(Py::new(py, PyEvent::new(e))?)?;
    }
    Ok(list.into_any().unbind())
}

fn stream_object(
    py: Python<'_>,
    (stream, callbacks): (EventStream, Option<Arc<Callbacks>>),
) -> PyResult<PyObject> {
    Ok(Py::new(py, PyStream::new(stream, callbacks))?.into_any())
}

impl PyViaClient {
    fn client(&self) -> ViaClient {
        (*self.inner).clone()
    }

    fn call_fut(
        &self,
        op: String,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = CoreResult<Value>> + Send + 'static> {
        let params = params.map(from_py).transpose()?.unwrap_or(Value::Null);
        let client = self.client();
        Ok(async move { client.call(&op, params).await })
    }

    #[allow(clippy::too_many_arguments)]
    fn raw_fut(
        &self,
        py: Python<'_>,
        method: &str,
        path: String,
        version: String,
        query: Option<Vec<(String, String)>>,
        session_id: Option<String>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = CoreResult<Value>> + Send + 'static> {
        let method: HttpMethod = method.parse().py_err(py)?;
        let mut request = RawRequest::new(method, version, path);
        request.query = query.unwrap_or_default();
        request.session_id = session_id;
        request.body = body.map(from_py).transpose()?;
        let client = self.client();
        Ok(async move { client.raw(request).await })
    }

    #[allow(clippy::too_many_arguments)]
    fn connect_fut(
        &self,
        session_id: String,
        user_id: String,
        initial_state: Option<&str>,
        station: Option<String>,
        routeaccess_id: Option<String>,
        email_address: Option<String>,
        attach: bool,
    ) -> impl Future<Output = CoreResult<()>> + Send + 'static {
        let params = ConnectParams {
            initial_state: initial_state.map(InitialState::parse),
            station,
            routeaccess_id,
            email_address,
            attach,
            ..ConnectParams::default()
        };
        let ec = self.client().engagement_center();
        async move { ec.connect(&session_id, &user_id, &params).await }
    }

    fn ready_fut(
        &self,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
    ) -> impl Future<Output = CoreResult<()>> + Send + 'static {
        let params = ReadyParams { ehub_session_id };
        let ec = self.client().engagement_center();
        async move { ec.ready(&session_id, &user_id, &params).await }
    }

    fn not_ready_fut(
        &self,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        reason_id: String,
        not_ready_type: &str,
    ) -> impl Future<Output = CoreResult<()>> + Send + 'static {
        let params = NotReadyParams {
            ehub_session_id,
            reason_id,
            not_ready_type: NotReadyType::parse(not_ready_type),
        };
        let ec = self.client().engagement_center();
        async move { ec.not_ready(&session_id, &user_id, &params).await }
    }

    fn disconnect_fut(
        &self,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        reason_id: String,
    ) -> impl Future<Output = CoreResult<()>> + Send + 'static {
        let params = DisconnectParams {
            ehub_session_id,
            reason_id,
        };
        let ec = self.client().engagement_center();
        async move { ec.disconnect(&session_id, &user_id, &params).await }
    }

    fn keep_alive_fut(
        &self,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        session_timeout: Option<i64>,
        request_timestamp: Option<String>,
    ) -> impl Future<Output = CoreResult<()>> + Send + 'static {
        let params = KeepAliveParams {
            ehub_session_id,
            // The description's bounds (at least 1 s) are checked by the core when sent.
            session_timeout: session_timeout.map(|t| t as f64),
            request_timestamp,
        };
        let ec = self.client().engagement_center();
        async move { ec.keep_alive(&session_id, &user_id, &params).await }
    }

    fn create_session_fut(
        &self,
        inactivity_delay: Option<i64>,
        require_acknowledgement: bool,
    ) -> impl Future<Output = CoreResult<SessionResponseV3>> + Send + 'static {
        let body = NewSessionV3 {
            inactivity_delay,
            require_acknowledgement: Some(require_acknowledgement),
        };
        let streaming = self.client().streaming();
        async move { streaming.create_session(&body).await }
    }

    fn get_events_fut(
        &self,
        py: Python<'_>,
        session_id: String,
        max_events: i64,
    ) -> PyResult<impl Future<Output = CoreResult<Vec<ccbridge::Event>>> + Send + 'static> {
        // Only the conversion is checked here; the documented range is the core's check.
        let max_events = to_u32(py, "maxEvents", max_events)?;
        let streaming = self.client().streaming();
        Ok(async move { streaming.poll_events(&session_id, max_events).await })
    }

    fn acknowledge_fut(
        &self,
        session_id: String,
        event_ids: Vec<String>,
    ) -> impl Future<Output = CoreResult<AcknowledgeResponse>> + Send + 'static {
        let body = AcknowledgePayload {
            events: event_ids
                .into_iter()
                .map(|event_id| AcknowledgeEvent { event_id })
                .collect(),
        };
        let streaming = self.client().streaming();
        async move { streaming.acknowledge(&session_id, &body).await }
    }

    fn delete_session_fut(
        &self,
        session_id: String,
    ) -> impl Future<Output = CoreResult<()>> + Send + 'static {
        let streaming = self.client().streaming();
        async move { streaming.delete_session(&session_id).await }
    }

    #[allow(clippy::too_many_arguments)]
    fn stream_args(
        py: Python<'_>,
        inactivity_delay: Option<i64>,
        require_acknowledgement: Option<bool>,
        max_events: Option<i64>,
        buffer_capacity: Option<i64>,
        dedupe_window: Option<i64>,
        poll_timeout: Option<f64>,
        ack_interval: Option<f64>,
        shutdown_deadline: Option<f64>,
        on_event: Option<PyObject>,
        on_status: Option<PyObject>,
    ) -> PyResult<StreamArgs> {
        let mut config = StreamConfig::default();
        if let Some(v) = inactivity_delay {
            config.inactivity_delay = to_u32(py, "inactivity_delay", v)?;
        }
        if let Some(v) = require_acknowledgement {
            config.require_acknowledgement = v;
        }
        if let Some(v) = max_events {
            config.max_events = to_u32(py, "max_events", v)?;
        }
        if let Some(v) = buffer_capacity {
            config.buffer_capacity = to_usize(py, "buffer_capacity", v)?;
        }
        if let Some(v) = dedupe_window {
            config.dedupe_window = to_usize(py, "dedupe_window", v)?;
        }
        if let Some(v) = poll_timeout {
            config.poll_timeout = seconds(py, "poll_timeout", v)?;
        }
        if let Some(v) = ack_interval {
            config.ack_interval = seconds(py, "ack_interval", v)?;
        }
        if let Some(v) = shutdown_deadline {
            config.shutdown_deadline = seconds(py, "shutdown_deadline", v)?;
        }
        // Also checked when the stream starts; checking now makes stream_async() raise at
        // the call rather than at the await.
        config.validate().py_err(py)?;
        let callbacks = Callbacks::new(py, on_event, on_status)?;
        Ok(StreamArgs { config, callbacks })
    }

    fn stream_fut(
        &self,
        args: StreamArgs,
    ) -> impl Future<Output = CoreResult<(EventStream, Option<Arc<Callbacks>>)>> + Send + 'static
    {
        let client = self.client();
        async move {
            let stream = match &args.callbacks {
                Some(cb) => {
                    EventStream::start_with_handler(
                        &client,
                        args.config,
                        PyHandler::new(cb.clone()),
                    )
                    .await?
                }
                None => EventStream::start(&client, args.config).await?,
            };
            Ok((stream, args.callbacks))
        }
    }
}

#[pymethods]
impl PyViaClient {
    #[new]
    #[pyo3(signature = (*, org_id, client_id, client_secret, api_key, scopes=None, base_url=None, token_url=None, request_timeout=None, connect_timeout=None, max_attempts=None, allow_insecure_http=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        org_id: String,
        client_id: String,
        client_secret: String,
        api_key: String,
        scopes: Option<Vec<String>>,
        base_url: Option<String>,
        token_url: Option<String>,
        request_timeout: Option<f64>,
        connect_timeout: Option<f64>,
        max_attempts: Option<i64>,
        allow_insecure_http: bool,
    ) -> PyResult<Self> {
        crate::logging::sync_level(py);
        let mut b = ViaClient::builder()
            .org_id(org_id)
            .client_id(client_id)
            .client_secret(client_secret)
            .api_key(api_key)
            .allow_insecure_http(allow_insecure_http);
        if let Some(s) = scopes {
            b = b.scopes(s);
        }
        if let Some(u) = base_url {
            b = b.base_url(u);
        }
        if let Some(u) = token_url {
            b = b.token_url(u);
        }
        if let Some(t) = request_timeout {
            b = b.request_timeout(seconds(py, "request_timeout", t)?);
        }
        if let Some(t) = connect_timeout {
            b = b.connect_timeout(seconds(py, "connect_timeout", t)?);
        }
        if let Some(n) = max_attempts {
            b = b.retry(RetryPolicy {
                max_attempts: to_u32(py, "max_attempts", n)?,
                ..RetryPolicy::default()
            });
        }
        let config = b.build().py_err(py)?;
        let client = ViaClient::new(config).py_err(py)?;
        Ok(PyViaClient {
            inner: ManuallyDrop::new(client),
        })
    }

    /// The organization id.
    #[getter]
    fn org_id(&self) -> String {
        self.inner.config().org_id().to_string()
    }

    /// The OAuth2 client id (not a secret).
    #[getter]
    fn client_id(&self) -> String {
        self.inner.config().client_id().to_string()
    }

    /// Base URL of the API.
    #[getter]
    fn base_url(&self) -> String {
        self.inner.config().base_url().to_string()
    }

    /// The OAuth2 token endpoint.
    #[getter]
    fn token_url(&self) -> String {
        self.inner.config().token_url().to_string()
    }

    /// Scopes requested with each token.
    #[getter]
    fn scopes(&self) -> Vec<String> {
        self.inner.config().scopes().to_vec()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let c = self.inner.config();
        format!(
            "ViaClient(org_id={}, client_id={}, base_url={})",
            repr_str(py, c.org_id()),
            repr_str(py, c.client_id()),
            repr_str(py, c.base_url().as_str())
        )
    }

    /// The last rate-limit figures the service reported, one dict per window.
    fn rate_limits<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for r in self.inner.rate_limits() {
            let d = PyDict::new(py);
            d.set_item("window", r.window)?;
            d.set_item("limit", r.limit)?;
            d.set_item("remaining", r.remaining)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Calls any operation of the table by name; returns the decoded JSON response.
    #[pyo3(signature = (op, params=None))]
    fn call(
        &self,
        py: Python<'_>,
        op: String,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyObject> {
        let fut = self.call_fut(op, params)?;
        let v = block_on(py, fut)?;
        to_py(py, &v)
    }

    /// Awaitable [`call`].
    #[pyo3(signature = (op, params=None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        op: String,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.call_fut(op, params)?;
        into_future(py, fut, json)
    }

    /// Sends a request to a Via API the description does not cover; returns the JSON answer.
    #[pyo3(signature = (method, path, *, version="v2".to_string(), query=None, session_id=None, body=None))]
    #[allow(clippy::too_many_arguments)]
    fn raw(
        &self,
        py: Python<'_>,
        method: &str,
        path: String,
        version: String,
        query: Option<Vec<(String, String)>>,
        session_id: Option<String>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyObject> {
        let fut = self.raw_fut(py, method, path, version, query, session_id, body)?;
        let v = block_on(py, fut)?;
        to_py(py, &v)
    }

    /// Awaitable [`raw`].
    #[pyo3(signature = (method, path, *, version="v2".to_string(), query=None, session_id=None, body=None))]
    #[allow(clippy::too_many_arguments)]
    fn raw_async<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: String,
        version: String,
        query: Option<Vec<(String, String)>>,
        session_id: Option<String>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.raw_fut(py, method, path, version, query, session_id, body)?;
        into_future(py, fut, json)
    }

    /// Logs the agent in (or attaches to its login).
    #[pyo3(signature = (session_id, user_id, *, initial_state=None, station=None, routeaccess_id=None, email_address=None, attach=false))]
    #[allow(clippy::too_many_arguments)]
    fn connect(
        &self,
        py: Python<'_>,
        session_id: String,
        user_id: String,
        initial_state: Option<&str>,
        station: Option<String>,
        routeaccess_id: Option<String>,
        email_address: Option<String>,
        attach: bool,
    ) -> PyResult<()> {
        let fut = self.connect_fut(
            session_id,
            user_id,
            initial_state,
            station,
            routeaccess_id,
            email_address,
            attach,
        );
        block_on(py, fut)
    }

    /// Awaitable `connect`.
    #[pyo3(signature = (session_id, user_id, *, initial_state=None, station=None, routeaccess_id=None, email_address=None, attach=false))]
    #[allow(clippy::too_many_arguments)]
    fn connect_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        user_id: String,
        initial_state: Option<&str>,
        station: Option<String>,
        routeaccess_id: Option<String>,
        email_address: Option<String>,
        attach: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.connect_fut(
            session_id,
            user_id,
            initial_state,
            station,
            routeaccess_id,
            email_address,
            attach,
        );
        into_future(py, fut, unit)
    }

    /// Moves the agent to Idle.
    fn ready(
        &self,
        py: Python<'_>,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
    ) -> PyResult<()> {
        block_on(py, self.ready_fut(session_id, user_id, ehub_session_id))
    }

    /// Awaitable `ready`.
    fn ready_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        into_future(
            py,
            self.ready_fut(session_id, user_id, ehub_session_id),
            unit,
        )
    }

    /// Moves the agent to NotReady or Park with a reason code.
    fn not_ready(
        &self,
        py: Python<'_>,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        reason_id: String,
        not_ready_type: &str,
    ) -> PyResult<()> {
        let fut = self.not_ready_fut(
            session_id,
            user_id,
            ehub_session_id,
            reason_id,
            not_ready_type,
        );
        block_on(py, fut)
    }

    /// Awaitable `not_ready`.
    fn not_ready_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        reason_id: String,
        not_ready_type: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.not_ready_fut(
            session_id,
            user_id,
            ehub_session_id,
            reason_id,
            not_ready_type,
        );
        into_future(py, fut, unit)
    }

    /// Logs the agent out.
    fn disconnect(
        &self,
        py: Python<'_>,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        reason_id: String,
    ) -> PyResult<()> {
        block_on(
            py,
            self.disconnect_fut(session_id, user_id, ehub_session_id, reason_id),
        )
    }

    /// Awaitable `disconnect`.
    fn disconnect_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        reason_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        into_future(
            py,
            self.disconnect_fut(session_id, user_id, ehub_session_id, reason_id),
            unit,
        )
    }

    /// Keeps the agent's login alive.
    #[pyo3(signature = (session_id, user_id, ehub_session_id, *, session_timeout=None, request_timestamp=None))]
    fn keep_alive(
        &self,
        py: Python<'_>,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        session_timeout: Option<i64>,
        request_timestamp: Option<String>,
    ) -> PyResult<()> {
        let fut = self.keep_alive_fut(
            session_id,
            user_id,
            ehub_session_id,
            session_timeout,
            request_timestamp,
        );
        block_on(py, fut)
    }

    /// Awaitable `keep_alive`.
    #[pyo3(signature = (session_id, user_id, ehub_session_id, *, session_timeout=None, request_timestamp=None))]
    fn keep_alive_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        user_id: String,
        ehub_session_id: String,
        session_timeout: Option<i64>,
        request_timestamp: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.keep_alive_fut(
            session_id,
            user_id,
            ehub_session_id,
            session_timeout,
            request_timestamp,
        );
        into_future(py, fut, unit)
    }

    /// Creates a streaming session (low level; `stream` manages one for you).
    #[pyo3(signature = (*, inactivity_delay=None, require_acknowledgement=true))]
    fn create_session(
        &self,
        py: Python<'_>,
        inactivity_delay: Option<i64>,
        require_acknowledgement: bool,
    ) -> PyResult<PyObject> {
        let fut = self.create_session_fut(inactivity_delay, require_acknowledgement);
        let info = block_on(py, fut)?;
        session_dict(py, info)
    }

    /// Awaitable `create_session`.
    #[pyo3(signature = (*, inactivity_delay=None, require_acknowledgement=true))]
    fn create_session_async<'py>(
        &self,
        py: Python<'py>,
        inactivity_delay: Option<i64>,
        require_acknowledgement: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.create_session_fut(inactivity_delay, require_acknowledgement);
        into_future(py, fut, session_dict)
    }

    /// One long poll of a session's events (low level).
    #[pyo3(signature = (session_id, max_events=50))]
    fn get_events(
        &self,
        py: Python<'_>,
        session_id: String,
        max_events: i64,
    ) -> PyResult<PyObject> {
        let fut = self.get_events_fut(py, session_id, max_events)?;
        let events = block_on(py, fut)?;
        event_list(py, events)
    }

    /// Awaitable `get_events`.
    #[pyo3(signature = (session_id, max_events=50))]
    fn get_events_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        max_events: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fut = self.get_events_fut(py, session_id, max_events)?;
        into_future(py, fut, event_list)
    }

    /// Acknowledges events of a session (low level).
    fn acknowledge(
        &self,
        py: Python<'_>,
        session_id: String,
        event_ids: Vec<String>,
    ) -> PyResult<PyObject> {
        let r = block_on(py, self.acknowledge_fut(session_id, event_ids))?;
        ack_dict(py, r)
    }

    /// Awaitable `acknowledge`.
    fn acknowledge_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        event_ids: Vec<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        into_future(py, self.acknowledge_fut(session_id, event_ids), ack_dict)
    }

    /// Deletes a streaming session (low level).
    fn delete_session(&self, py: Python<'_>, session_id: String) -> PyResult<()> {
        block_on(py, self.delete_session_fut(session_id))
    }

    /// Awaitable `delete_session`.
    fn delete_session_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        into_future(py, self.delete_session_fut(session_id), unit)
    }

    /// Starts an event stream (a streaming session kept alive by the engine).
    #[pyo3(signature = (*, inactivity_delay=None, require_acknowledgement=None, max_events=None, buffer_capacity=None, dedupe_window=None, poll_timeout=None, ack_interval=None, shutdown_deadline=None, on_event=None, on_status=None))]
    #[allow(clippy::too_many_arguments)]
    fn stream(
        &self,
        py: Python<'_>,
        inactivity_delay: Option<i64>,
        require_acknowledgement: Option<bool>,
        max_events: Option<i64>,
        buffer_capacity: Option<i64>,
        dedupe_window: Option<i64>,
        poll_timeout: Option<f64>,
        ack_interval: Option<f64>,
        shutdown_deadline: Option<f64>,
        on_event: Option<PyObject>,
        on_status: Option<PyObject>,
    ) -> PyResult<PyObject> {
        let args = Self::stream_args(
            py,
            inactivity_delay,
            require_acknowledgement,
            max_events,
            buffer_capacity,
            dedupe_window,
            poll_timeout,
            ack_interval,
            shutdown_deadline,
            on_event,
            on_status,
        )?;
        let started = block_on(py, self.stream_fut(args))?;
        stream_object(py, started)
    }

    /// Awaitable `stream`.
    #[pyo3(signature = (*, inactivity_delay=None, require_acknowledgement=None, max_events=None, buffer_capacity=None, dedupe_window=None, poll_timeout=None, ack_interval=None, shutdown_deadline=None, on_event=None, on_status=None))]
    #[allow(clippy::too_many_arguments)]
    fn stream_async<'py>(
        &self,
        py: Python<'py>,
        inactivity_delay: Option<i64>,
        require_acknowledgement: Option<bool>,
        max_events: Option<i64>,
        buffer_capacity: Option<i64>,
        dedupe_window: Option<i64>,
        poll_timeout: Option<f64>,
        ack_interval: Option<f64>,
        shutdown_deadline: Option<f64>,
        on_event: Option<PyObject>,
        on_status: Option<PyObject>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = Self::stream_args(
            py,
            inactivity_delay,
            require_acknowledgement,
            max_events,
            buffer_capacity,
            dedupe_window,
            poll_timeout,
            ack_interval,
            shutdown_deadline,
            on_event,
            on_status,
        )?;
        into_future(py, self.stream_fut(args), stream_object)
    }
}
