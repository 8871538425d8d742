//! Request extractors that answer bad input with an `ErrorResponse` instead of axum's
//! default plain-text rejections, plus small JSON validation helpers.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Path parameters; a malformed path answers 400 ErrorResponse.
pub(crate) struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| PathParams(v))
            .map_err(|e| ApiError::bad_request("path", "path", e.body_text()))
    }
}

/// Query string as a map; a malformed query answers 400 ErrorResponse.
pub(crate) struct QueryMap(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| QueryMap(v))
            .map_err(|e| ApiError::bad_request("query", "query", e.body_text()))
    }
}

/// An optional JSON body: `None` when the body is empty, 400 ErrorResponse when it is not
/// valid JSON. The content type is not checked: the simulator is lenient about it.
pub(crate) struct JsonBody(pub Option<Value>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::bad_request("body", "body", e.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(None));
        }
        serde_json::from_slice(&bytes)
            .map(|v| JsonBody(Some(v)))
            .map_err(|e| ApiError::bad_request("body", "body", format!("malformed JSON body: {e}")))
    }
}

/// The `via-client-sessionid` header, required (400 when missing or empty).
pub(crate) fn session_header(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get("via-client-sessionid")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(ApiError::missing_session_header)
}

fn missing(field: &str) -> ApiError {
    ApiError::bad_request("body", field, format!("{field} is required"))
}

fn wrong_type(field: &str, ty: &str) -> ApiError {
    ApiError::bad_request("body", field, format!("{field} must be {ty}"))
}

/// A required string field.
pub(crate) fn req_str(m: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    opt_str(m, field)?.ok_or_else(|| missing(field))
}

/// An optional string field (`null` counts as absent).
pub(crate) fn opt_str(m: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(field, "a string")),
    }
}

/// A required boolean field.
pub(crate) fn req_bool(m: &Map<String, Value>, field: &str) -> Result<bool, ApiError> {
    opt_bool(m, field)?.ok_or_else(|| missing(field))
}

/// An optional boolean field.
pub(crate) fn opt_bool(m: &Map<String, Value>, field: &str) -> Result<Option<bool>, ApiError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong_type(field, "a boolean")),
    }
}

/// An optional number field.
pub(crate) fn opt_number(m: &Map<String, Value>, field: &str) -> Result<Option<f64>, ApiError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| wrong_type(field, "a number")),
        Some(_) => Err(wrong_type(field, "a number")),
    }
}

/// Checks that an enumerated string value is one of `allowed`.
pub(crate) fn check_enum(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "body",
            field,
            format!("{field} must be one of {}", allowed.join(", ")),
        ))
    }
}
