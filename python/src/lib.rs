//! `ccbridge._native`: the private extension module behind the `ccbridge` Python package.
//!
//! Glue only: argument conversion, the error mapping, GIL handling, callbacks, logging,
//! fork and exit safety. The typed, documented API is the pure-Python package around it.
//!
//! The cargo feature `simulator` (on by default) adds the class `Simulator`: the simulator of
//! the APIs (crate `ccbridge-sim`) embedded in the module.

#![warn(missing_docs)]

mod agent;
mod client;
mod convert;
mod errors;
mod logging;
mod process;
#[cfg(feature = "simulator")]
mod simulator;
mod stream;

use pyo3::prelude::*;

/// Rust allocations of the module only; Python's objects keep Python's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Names of every operation `ViaClient.call` accepts.
#[pyfunction]
fn operations() -> Vec<&'static str> {
    ccbridge::ops::OPERATIONS.iter().map(|op| op.name).collect()
}

/// Sets the number of worker threads of the library's runtime; see
/// `ccbridge.configure_worker_threads`. Any int is taken, so that a count out of range (a
/// negative or huge one included) is the library's InvalidArgumentError, not an
/// OverflowError.
#[pyfunction]
fn configure_worker_threads(workers: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = workers.py();
    if !workers.is_instance_of::<pyo3::types::PyInt>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "workers must be an int",
        ));
    }
    // Out of every range the core accepts, whatever it was.
    let workers = workers
        .extract::<i64>()
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    ccbridge::runtime::configure_worker_threads(workers).map_err(|e| errors::to_py_err(py, e))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<client::PyViaClient>()?;
    m.add_class::<stream::PyStream>()?;
    m.add_class::<stream::PyEvent>()?;
    m.add_class::<stream::PyStatus>()?;
    m.add_class::<stream::PyStats>()?;
    m.add_class::<agent::PyAgentSession>()?;
    #[cfg(feature = "simulator")]
    m.add_class::<simulator::PySimulator>()?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(configure_worker_threads, m)?)?;
    m.add_function(wrap_pyfunction!(agent::_agent_names, m)?)?;
    m.add_function(wrap_pyfunction!(process::_atexit, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    logging::install(py);
    py.import("atexit")?
        .call_method1("register", (m.getattr("_atexit")?,))?;
    Ok(())
}
