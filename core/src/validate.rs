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

/// Parses JSON text a caller handed over (the bindings' `params_json`, `body_json`...). A
/// syntax error is an argument error naming `field`.
pub fn json_text(field: &str, text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| Error::invalid(field, format!("is not valid JSON: {e}")))
}
