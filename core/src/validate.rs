//! Argument checks shared by the typed methods and the bindings.

use crate::error::{Error, Result};

/// Rejects an empty or blank string.
pub fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(Error::invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

/// Rejects a value outside `min..=max`.
pub fn in_range<T: PartialOrd + std::fmt::Display>(
    field: &str,
    value: T,
    min: T,
    max: T,
) -> Result<()> {
    if value < min || value > max {
        Err(Error::invalid(
            field,
            format!("{value} is out of range {min}..={max}"),
        ))
    } else {
        Ok(())
    }
}
