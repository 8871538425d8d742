//! `ccbridge._native.Simulator`: the simulator of the APIs (crate `ccbridge-sim`) embedded in
//! the module, behind the cargo feature `simulator` (on by default).
//!
//! The simulator runs on a thread with its own runtime. It never needs Python, except to log
//! (its records go through the `logging` bridge), so every wait for it to stop releases the
//! GIL: its thread may be waiting for the GIL to log its last record.

use ccbridge_sim::{SimOptions, Simulator};
use pyo3::prelude::*;
use std::sync::{Arc, Mutex};

use crate::convert::{repr_str, seconds, to_u32};
use crate::errors::{invalid, IntoPyResult};
use crate::process::{self, without_gil};

/// The running server, shared with the exit hook (which stops what is still running).
struct Server {
    /// The process that started it: in a forked child its thread does not exist, so it is
    /// forgotten rather than stopped (joining a thread of another process would hang).
    pid: u32,
    sim: Mutex<Option<Simulator>>,
}

impl Server {
    fn is_running(&self) -> bool {
        self.sim.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }
}

impl process::ExitClose for Server {
    /// Stops the server, waiting for its thread. Call it without the GIL.
    fn close(&self) {
        let sim = self.sim.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sim) = sim {
            if self.pid == std::process::id() {
                drop(sim);
            } else {
                std::mem::forget(sim);
            }
        }
    }
}

/// The simulator of the APIs, running in this process on 127.0.0.1.
#[pyclass(frozen, module = "ccbridge._native", name = "Simulator")]
pub(crate) struct PySimulator {
    server: Arc<Server>,
    url: String,
    org_id: String,
    client_id: String,
    client_secret: String,
    api_key: String,
}

impl PySimulator {
    fn close_now(&self, py: Python<'_>) {
        if !self.server.is_running() {
            return;
        }
        let server = Arc::clone(&self.server);
        without_gil(py, move || process::ExitClose::close(&*server));
    }
}

impl Drop for PySimulator {
    fn drop(&mut self) {
        if self.server.is_running() {
            Python::with_gil(|py| self.close_now(py));
        }
    }
}

#[pymethods]
impl PySimulator {
    #[new]
    #[pyo3(signature = (*, port=0, poll_wait=None, token_ttl=None, web_token_ttl=None, rate_limit=None))]
    fn new(
        py: Python<'_>,
        port: i64,
        poll_wait: Option<f64>,
        token_ttl: Option<f64>,
        web_token_ttl: Option<f64>,
        rate_limit: Option<i64>,
    ) -> PyResult<Self> {
        crate::logging::sync_level(py);
        let port = u16::try_from(port)
            .map_err(|_| invalid(py, "port", format!("{port} is not a port number")))?;
        let secs = |field: &str, v: Option<f64>| v.map(|v| seconds(py, field, v)).transpose();
        let options = SimOptions {
            port: Some(port),
            poll_wait: secs("poll_wait", poll_wait)?,
            token_ttl: secs("token_ttl", token_ttl)?,
            web_token_ttl: secs("web_token_ttl", web_token_ttl)?,
            rate_limit_per_second: rate_limit
                .map(|v| to_u32(py, "rate_limit", v))
                .transpose()?,
        };
        let sim = without_gil(py, move || Simulator::start_embedded(&options)).py_err(py)?;
        let c = sim.config();
        let this = PySimulator {
            url: sim.base_url(),
            org_id: c.org_id.clone(),
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone(),
            api_key: c.api_key.clone(),
            server: Arc::new(Server {
                pid: std::process::id(),
                sim: Mutex::new(Some(sim)),
            }),
        };
        let server: Arc<dyn process::ExitClose> = this.server.clone();
        process::close_at_exit(Arc::downgrade(&server));
        Ok(this)
    }

    /// `http://127.0.0.1:PORT`, the base URL of a client of it.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The only organization id it knows.
    #[getter]
    fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The OAuth2 client id it accepts.
    #[getter]
    fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The OAuth2 client secret it accepts (a fixed test value).
    #[getter]
    fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// The `x-api-key` value it requires (a fixed test value).
    #[getter]
    fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Whether it was stopped.
    #[getter]
    fn closed(&self) -> bool {
        !self.server.is_running()
    }

    /// Stops it (waiting for its thread, GIL released). Idempotent.
    fn close(&self, py: Python<'_>) {
        self.close_now(py);
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let state = if self.closed() { ", closed" } else { "" };
        format!("Simulator(url={}{state})", repr_str(py, &self.url))
    }
}
