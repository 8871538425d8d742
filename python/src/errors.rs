//! The one mapping of [`ccbridge::Error`] to the exception classes of `ccbridge.errors`.
//!
//! The classes are plain Python (so they can subclass builtins, pickle, and carry typed
//! attributes); this module picks the class by the error's category and fills the attributes.

use ccbridge::{Error, ErrorCode};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyDict, PyList};

/// Python module that defines the exception hierarchy.
const ERRORS_MODULE: &str = "ccbridge.errors";

static ERRORS: GILOnceCell<Py<PyModule>> = GILOnceCell::new();

/// The `ccbridge.errors` class name of a category.
fn class_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InvalidArgument => "InvalidArgumentError",
        ErrorCode::Auth => "AuthError",
        ErrorCode::Forbidden => "ForbiddenError",
        ErrorCode::NotFound => "NotFoundError",
        ErrorCode::Conflict => "ConflictError",
        ErrorCode::RateLimited => "RateLimitedError",
        ErrorCode::Api => "ApiError",
        ErrorCode::SessionExpired => "SessionExpiredError",
        ErrorCode::Timeout => "TimeoutError",
        ErrorCode::Transport => "TransportError",
        ErrorCode::Decode => "DecodeError",
        ErrorCode::Closed => "ClosedError",
        ErrorCode::CommandFailed => "CommandFailedError",
        ErrorCode::OutcomeUnknown => "OutcomeUnknownError",
    }
}

/// Converts a core error into the matching `ccbridge` exception.
pub(crate) fn to_py_err(py: Python<'_>, err: Error) -> PyErr {
    build(py, &err).unwrap_or_else(|e| {
        // Only reachable when the package is broken (ccbridge.errors missing): keep the
        // original message rather than hide it behind the import failure.
        PyRuntimeError::new_err(format!("{err} (and ccbridge.errors is unusable: {e})"))
    })
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let module = ERRORS.get_or_try_init(py, || py.import(ERRORS_MODULE).map(Bound::unbind))?;
    let class = module.bind(py).getattr(class_name(err.code()))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("http_status", err.http_status())?;
    match err {
        Error::InvalidArgument { field, .. } => kwargs.set_item("field", field)?,
        Error::RateLimited { retry_after } => {
            kwargs.set_item("retry_after", retry_after.map(|d| d.as_secs_f64()))?
        }
        Error::Api {
            status,
            code,
            errors,
            ..
        } => {
            kwargs.set_item("status", status)?;
            kwargs.set_item("api_code", code)?;
            let list = PyList::empty(py);
            for detail in errors {
                let d = PyDict::new(py);
                d.set_item("scope", &detail.scope)?;
                d.set_item("reason", &detail.reason)?;
                d.set_item("message", &detail.message)?;
                list.append(d)?;
            }
            kwargs.set_item("errors", list)?;
        }
        Error::CommandFailed {
            command,
            fail_code,
            fail_reason,
            interaction_id,
        } => {
            kwargs.set_item("command", command)?;
            kwargs.set_item("fail_code", fail_code)?;
            kwargs.set_item("fail_reason", fail_reason)?;
            kwargs.set_item("interaction_id", interaction_id)?;
        }
        _ => {}
    }
    let instance = class.call((err.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}

/// Extension for results of the core.
pub(crate) trait IntoPyResult<T> {
    /// Maps the error with [`to_py_err`].
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, e))
    }
}

/// A binding-side argument error, raised as `ccbridge.InvalidArgumentError`.
pub(crate) fn invalid(py: Python<'_>, field: &str, message: impl Into<String>) -> PyErr {
    to_py_err(py, Error::invalid(field, message))
}
