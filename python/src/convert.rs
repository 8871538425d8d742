//! JSON values between Rust (`serde_json::Value`) and Python (`dict`, `list`, `str`...).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use std::time::Duration;

use crate::errors::invalid;

/// Deepest nesting converted; deeper structures are almost certainly cyclic.
const MAX_DEPTH: usize = 128;

/// A JSON value as a Python object: `None`, `bool`, `int`, `float`, `str`, `list`, `dict`.
pub(crate) fn to_py(py: Python<'_>, v: &Value) -> PyResult<PyObject> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, item) in m {
                dict.set_item(k, to_py(py, item)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// A Python object as a JSON value. Anything JSON cannot express raises `TypeError`, naming
/// where it was found.
pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    from_py_at(obj, "params", 0)
}

/// [`from_py`] for the argument `name`, which the `TypeError` names.
pub(crate) fn from_py_named(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Value> {
    from_py_at(obj, name, 0)
}

fn from_py_at(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyTypeError::new_err(format!(
            "{path}: nested deeper than {MAX_DEPTH} levels (a cycle?)"
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is an int subclass.
    if let Ok(b) = obj.downcast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(PyTypeError::new_err(format!(
            "{path}: integer out of the 64-bit range JSON numbers are sent with"
        )));
    }
    if let Ok(f) = obj.downcast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| {
                PyTypeError::new_err(format!("{path}: {} is not a JSON number", f.value()))
            });
    }
    if let Ok(s) = obj.downcast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.downcast::<PyDict>() {
        let mut m = Map::new();
        for (k, v) in d.iter() {
            let key = k.downcast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{path}: dict keys must be str, not {}",
                    type_name(&k)
                ))
            })?;
            let key = key.to_cow()?.into_owned();
            let child = format!("{path}[{key:?}]");
            let value = from_py_at(&v, &child, depth + 1)?;
            m.insert(key, value);
        }
        return Ok(Value::Object(m));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            out.push(from_py_at(&item?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    Err(PyTypeError::new_err(format!(
        "{path}: {} is not JSON-serializable (use dict, list, str, int, float, bool or None)",
        type_name(obj)
    )))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// Seconds (a Python float) as a duration, refusing negative, NaN and infinite values.
pub(crate) fn seconds(py: Python<'_>, field: &str, secs: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(secs).map_err(|_| {
        invalid(
            py,
            field,
            format!("{secs} is not a valid number of seconds"),
        )
    })
}

/// A Python int as `u32`, naming the field when it does not fit.
pub(crate) fn to_u32(py: Python<'_>, field: &str, v: i64) -> PyResult<u32> {
    u32::try_from(v).map_err(|_| invalid(py, field, format!("{v} is out of range")))
}

/// A Python int as `u64`, naming the field when it does not fit (a negative one).
pub(crate) fn to_u64(py: Python<'_>, field: &str, v: i64) -> PyResult<u64> {
    u64::try_from(v).map_err(|_| invalid(py, field, format!("{v} is out of range")))
}

/// A Python int as `usize`, naming the field when it does not fit.
pub(crate) fn to_usize(py: Python<'_>, field: &str, v: i64) -> PyResult<usize> {
    usize::try_from(v).map_err(|_| invalid(py, field, format!("{v} is out of range")))
}

/// `repr()` of a Python string, for `__repr__` output in Python's own style.
pub(crate) fn repr_str(py: Python<'_>, s: &str) -> String {
    PyString::new(py, s)
        .repr()
        .and_then(|r| r.to_cow().map(|c| c.into_owned()))
        .unwrap_or_else(|_| format!("{s:?}"))
}
