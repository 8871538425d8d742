//! `ccbridge._native`: the private extension module behind the `ccbridge` Python package.
//!
//! Glue only: argument conversion, the error mapping, GIL handling, callbacks, logging,
//! fork and exit safety. The typed, documented API is the pure-Python package around it.

#![warn(missing_docs)]

mod client;
mod convert;
mod errors;
mod logging;
mod process;
mod stream;

use pyo3::prelude::*;

/// Names of every operation `ViaClient.call` accepts.
#[pyfunction]
fn operations() -> Vec<&'static str> {
    ccbridge::ops::OPERATIONS.iter().map(|op| op.name).collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<client::PyViaClient>()?;
    m.add_class::<stream::PyStream>()?;
    m.add_class::<stream::PyEvent>()?;
    m.add_class::<stream::PyStatus>()?;
    m.add_class::<stream::PyStats>()?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(process::_atexit, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    logging::install(py);
    py.import("atexit")?
        .call_method1("register", (m.getattr("_atexit")?,))?;
    Ok(())
}
