//! `ccbridge._native.Simulator`: the simulator of the APIs (crate `ccbridge-sim`) embedded in
//! the module, behind the cargo feature `simulator` (on by default).
//!
//! The simulator runs on a thread with its own runtime. It never needs Python, except to log
//! (its records go through the `logging` bridge), so every wait for it to stop releases the
//! GIL: its thread may be waiting for the GIL to log its last record.

use ccbridge::Error;
use ccbridge_sim::{
    ApiError, ConfigUpdate, InteractionDataItem, LoginFailure, Offer, SimOptions, SimState,
    Simulator,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::convert::{from_py_named, repr_str, seconds, to_py, to_u32};
use crate::errors::{invalid, to_py_err, IntoPyResult};
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

    /// The state of the running server (a cheap handle).
    fn state(&self) -> Result<SimState, Error> {
        self.sim
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(Simulator::state)
            .ok_or_else(|| Error::Closed {
                message: "the simulator is closed".into(),
            })
    }
}

/// The control API's answer as the error a client of the service would get for it;
/// `fields` renames the wire names of 400s to Python's argument names.
fn sim_error(e: ApiError, fields: &[(&str, &str)]) -> Error {
    match Error::from(e) {
        Error::InvalidArgument { field, message } => {
            let field = fields
                .iter()
                .find(|(w, _)| *w == field)
                .map_or(field.as_str(), |(_, py)| *py)
                .to_string();
            Error::InvalidArgument { field, message }
        }
        other => other,
    }
}

/// Milliseconds of a duration for the simulator's configuration.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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
    #[pyo3(signature = (*, port=0, poll_wait=None, token_ttl=None, web_token_ttl=None, rate_limit=None, attach_ttl=None, keepalive_timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        port: i64,
        poll_wait: Option<f64>,
        token_ttl: Option<f64>,
        web_token_ttl: Option<f64>,
        rate_limit: Option<i64>,
        attach_ttl: Option<f64>,
        keepalive_timeout: Option<f64>,
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
        // Not among the embedded options of every binding: set at run time, before anyone
        // can log in.
        let agent_timers = ConfigUpdate {
            attach_ttl_ms: secs("attach_ttl", attach_ttl)?.map(millis),
            keepalive_timeout_ms: secs("keepalive_timeout", keepalive_timeout)?.map(millis),
            ..ConfigUpdate::default()
        };
        let sim = without_gil(py, move || Simulator::start_embedded(&options)).py_err(py)?;
        sim.state().set_config(agent_timers);
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

    /// Routes new work to a logged-in, idle agent: a new interaction, offered, and its
    /// ScreenPop. Returns the interaction id.
    #[pyo3(signature = (user_id, media_type="InboundACD".to_string(), screen_data=None, interaction_data=None))]
    fn offer(
        &self,
        py: Python<'_>,
        user_id: String,
        media_type: String,
        screen_data: Option<&Bound<'_, PyDict>>,
        interaction_data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let screen_data = match screen_data {
            Some(d) => match from_py_named(d.as_any(), "screen_data")? {
                Value::Object(m) => Some(m),
                _ => None,
            },
            None => None::<Map<String, Value>>,
        };
        let interaction_data = match interaction_data {
            Some(v) => {
                let v = from_py_named(v, "interaction_data")?;
                Some(
                    serde_json::from_value::<Vec<InteractionDataItem>>(v).map_err(|e| {
                        invalid(
                            py,
                            "interaction_data",
                            format!("a list of {{\"key\", \"value\", \"isMasked\"}} dicts: {e}"),
                        )
                    })?,
                )
            }
            None => None,
        };
        let offer = Offer {
            media_type: Some(media_type),
            screen_data,
            interaction_data,
        };
        let state = self.server.state().py_err(py)?;
        // Without the GIL: the simulator's threads may wait for it to log while they hold
        // the state this call needs.
        without_gil(py, move || state.offer(&user_id, offer))
            .map(|id| id.to_string())
            .map_err(|e| to_py_err(py, sim_error(e, &[("mediaType", "media_type")])))
    }

    /// The far end hangs up an active or held interaction of the agent.
    fn hang_up(&self, py: Python<'_>, user_id: String, interaction_id: String) -> PyResult<()> {
        // Interaction ids of the agent model are numbers: anything else names none.
        let Ok(id) = interaction_id.trim().parse::<u64>() else {
            return Err(to_py_err(
                py,
                Error::NotFound {
                    message: format!("agent {user_id} has no interaction {interaction_id}"),
                },
            ));
        };
        let state = self.server.state().py_err(py)?;
        without_gil(py, move || state.hang_up(&user_id, id))
            .map_err(|e| to_py_err(py, sim_error(e, &[])))
    }

    /// Makes the agent's next login fail; returns the failCode and failReason in force.
    #[pyo3(signature = (user_id, fail_code=None, fail_reason=None))]
    fn fail_next_login(
        &self,
        py: Python<'_>,
        user_id: String,
        fail_code: Option<i64>,
        fail_reason: Option<String>,
    ) -> PyResult<(i64, String)> {
        let state = self.server.state().py_err(py)?;
        let armed = without_gil(py, move || {
            state.fail_next_login(
                &user_id,
                LoginFailure {
                    fail_code,
                    fail_reason,
                },
            )
        });
        Ok((
            armed.fail_code.unwrap_or_default(),
            armed.fail_reason.unwrap_or_default(),
        ))
    }

    /// The simulator's model of an agent, as `GET /sim/agents/{userId}` answers it.
    fn agent_info(&self, py: Python<'_>, user_id: String) -> PyResult<PyObject> {
        let state = self.server.state().py_err(py)?;
        let info = without_gil(py, move || state.agent_info(&user_id));
        let value = serde_json::to_value(info)
            .map_err(|e| Error::Decode {
                message: format!("agent info: {e}"),
            })
            .py_err(py)?;
        to_py(py, &value)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let state = if self.closed() { ", closed" } else { "" };
        format!("Simulator(url={}{state})", repr_str(py, &self.url))
    }
}
