//! `ccbridge._native.ViaClient`: configuration, the generic call (behind every generated
//! service method of `ccbridge.services`), the raw request and stream start, each blocking
//! (GIL released) and as an `asyncio` awaitable.

use ccbridge::ops::HttpMethod;
use ccbridge::stream::{EventStream, StreamConfig};
use ccbridge::{ClientOptions, Http2, RawRequest, ViaClient};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::sync::Arc;

use crate::convert::{from_py, repr_str, seconds, to_py, to_u32, to_u64, to_usize};
use crate::errors::IntoPyResult;
use crate::process::{block_on, forked, into_future};
use crate::stream::{Callbacks, PyHandler, PyStream};

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

fn json(py: Python<'_>, v: Value) -> PyResult<PyObject> {
    to_py(py, &v)
}

fn stream_object(
    py: Python<'_>,
    (stream, callbacks): (EventStream, Option<Arc<Callbacks>>),
) -> PyResult<PyObject> {
    Ok(Py::new(py, PyStream::new(stream, callbacks))?.into_any())
}

/// A stream's configuration from the keyword arguments of `ViaClient.stream()` (also those
/// of an agent session's stream); unset values keep the engine's defaults.
#[allow(clippy::too_many_arguments)]
pub(crate) fn stream_config(
    py: Python<'_>,
    inactivity_delay: Option<i64>,
    require_acknowledgement: Option<bool>,
    max_events: Option<i64>,
    buffer_capacity: Option<i64>,
    dedupe_window: Option<i64>,
    poll_timeout: Option<f64>,
    ack_interval: Option<f64>,
    shutdown_deadline: Option<f64>,
) -> PyResult<StreamConfig> {
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
    // Also checked when the stream starts; checking now makes the async calls raise at the
    // call rather than at the await.
    config.validate().py_err(py)?;
    Ok(config)
}

impl PyViaClient {
    /// The core client (a cheap handle).
    pub(crate) fn client(&self) -> ViaClient {
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
        let config = stream_config(
            py,
            inactivity_delay,
            require_acknowledgement,
            max_events,
            buffer_capacity,
            dedupe_window,
            poll_timeout,
            ack_interval,
            shutdown_deadline,
        )?;
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
    #[pyo3(signature = (*, org_id, client_id, client_secret, api_key, scopes=None, base_url=None, token_url=None, request_timeout=None, connect_timeout=None, max_attempts=None, allow_insecure_http=false, max_response_bytes=None, http2=None, http1_pipelining=None))]
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
        max_response_bytes: Option<i64>,
        http2: Option<&str>,
        http1_pipelining: Option<bool>,
    ) -> PyResult<Self> {
        crate::logging::sync_level(py);
        // Python speaks seconds; a non-zero timeout shorter than a millisecond rounds up
        // rather than down to the refused zero.
        let millis = |field: &str, t: Option<f64>| -> PyResult<Option<u64>> {
            t.map(|t| {
                let d = seconds(py, field, t)?;
                let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
                Ok(if ms == 0 && !d.is_zero() { 1 } else { ms })
            })
            .transpose()
        };
        let options = ClientOptions {
            scopes,
            base_url,
            token_url,
            request_timeout_ms: millis("request_timeout", request_timeout)?,
            connect_timeout_ms: millis("connect_timeout", connect_timeout)?,
            max_attempts: max_attempts
                .map(|n| to_u32(py, "max_attempts", n))
                .transpose()?,
            allow_insecure_http,
            max_response_bytes: max_response_bytes
                .map(|n| to_u64(py, "max_response_bytes", n))
                .transpose()?,
            http2: http2.map(Http2::parse).transpose().py_err(py)?,
            http1_pipelining,
        };
        let b = ViaClient::builder()
            .org_id(org_id)
            .client_id(client_id)
            .client_secret(client_secret)
            .api_key(api_key)
            .options(options);
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
