//! The documents' `ErrorResponse` and the simulator's error type.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// The exact message the streaming document tells clients to key on.
pub const INVALID_SESSION: &str = "Invalid or expired session";

/// One entry of `ErrorResponse.errors`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ErrorDetail {
    /// Where the problem is: `header`, `query`, `body`, `path`, `session`, `auth`, ...
    pub scope: String,
    /// What is wrong; for validation errors, the name of the offending field.
    pub reason: String,
    /// Human-readable description.
    pub message: String,
}

/// An error answered as the documents' `ErrorResponse`
/// (`{"code": status, "message": ..., "errors": [...]}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status, repeated in the body's `code`.
    pub status: StatusCode,
    /// Top-level message.
    pub message: String,
    /// Details; validation errors name the field in `errors[0].reason`.
    pub errors: Vec<ErrorDetail>,
    /// Optional `Retry-After` header value in seconds.
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: u16,
    message: &'a str,
    errors: &'a [ErrorDetail],
}

impl ApiError {
    /// An error with one detail entry whose message equals the top-level message.
    pub fn new(status: StatusCode, scope: &str, reason: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            status,
            errors: vec![ErrorDetail {
                scope: scope.to_owned(),
                reason: reason.to_owned(),
                message: message.clone(),
            }],
            message,
            retry_after: None,
        }
    }

    /// 400 naming the offending field.
    pub fn bad_request(scope: &str, field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, scope, field, message)
    }

    /// 400 "Invalid or expired session".
    pub fn invalid_session() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "session",
            "invalidSession",
            INVALID_SESSION,
        )
    }

    /// 400 for a missing `via-client-sessionid` header.
    pub fn missing_session_header() -> Self {
        Self::bad_request(
            "header",
            "via-client-sessionid",
            "via-client-sessionid header is required",
        )
    }

    /// 401 (the document gives no schema; a small ErrorResponse is sent anyway).
    pub fn unauthorized(reason: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "auth", reason, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "path", "notFound", message)
    }

    /// 422 Unprocessable Entity (a command the agent's state does not allow).
    pub fn unprocessable(reason: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "state", reason, message)
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rateLimit",
            "rateLimitExceeded",
            "Too Many Requests",
        );
        e.retry_after = Some(retry_after);
        e
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.status.as_u16(),
            message: &self.message,
            errors: &self.errors,
        };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// A refusal of the simulator's in-process control API (offer, hang-up...) as the error a
/// client gets for the same answer over HTTP: a 400 is `InvalidArgument` naming the field
/// in `errors[0].reason`. The bindings' simulator objects all report refusals this way.
impl From<ApiError> for ccbridge::Error {
    fn from(e: ApiError) -> Self {
        match e.status.as_u16() {
            400 => ccbridge::Error::InvalidArgument {
                field: e
                    .errors
                    .first()
                    .map(|d| d.reason.clone())
                    .unwrap_or_default(),
                message: e.message,
            },
            404 => ccbridge::Error::NotFound { message: e.message },
            409 => ccbridge::Error::Conflict { message: e.message },
            status => ccbridge::Error::Api {
                status,
                code: Some(i64::from(status)),
                message: e.message,
                errors: e
                    .errors
                    .into_iter()
                    .map(|d| ccbridge::ApiErrorDetail {
                        scope: Some(d.scope),
                        reason: Some(d.reason),
                        message: Some(d.message),
                    })
                    .collect(),
            },
        }
    }
}
