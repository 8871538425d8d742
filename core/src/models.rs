//! The models of every request body, response and event payload of the description.
//!
//! Generated from `core/api`; see [`crate::lenient`] for how server data is decoded.

pub use crate::generated::models::*;

use serde::{Deserialize, Serialize};

/// An object whose fields the documents do not describe (some events' empty `payload`),
/// kept as JSON. Kotlin and Swift see it as its JSON text.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JsonObject(pub serde_json::Map<String, serde_json::Value>);

#[cfg(feature = "uniffi")]
uniffi::custom_type!(JsonObject, String, {
    lower: |o| serde_json::Value::Object(o.0).to_string(),
    try_lift: |s| Ok(JsonObject(serde_json::from_str(&s)?)),
});
