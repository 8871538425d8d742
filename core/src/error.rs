//! The one public error type of ccbridge.
//!
//! Every fallible function of the core returns [`Result`]. Each binding maps [`Error`] once,
//! through [`Error::code`], so every language sees the same categories.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One entry of the `errors` array of the documents' `ErrorResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorDetail {
    /// Where the error applies (a field, a header...), when the service says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Machine-readable reason, when the service says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The documents' `ErrorResponse` body: `{"code", "message", "errors": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// HTTP status as the service repeats it in the body.
    #[serde(default)]
    pub code: Option<i64>,
    /// Summary message.
    #[serde(default)]
    pub message: Option<String>,
    /// Details.
    #[serde(default)]
    pub errors: Vec<ApiErrorDetail>,
}

/// Every error ccbridge reports.
///
/// The variants are categories a caller can act on: fix the input, fix the credentials,
/// slow down, start over, or try again later.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was rejected before any request was sent.
    #[error("invalid argument `{field}`: {message}")]
    InvalidArgument {
        /// Name of the offending field or parameter.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// Authentication failed: bad credentials, bad API key, or a token the service refused
    /// even after one refresh.
    #[error("authentication failed ({}): {message}", status.map_or_else(|| "no status".to_string(), |s| format!("HTTP {s}")))]
    Auth {
        /// HTTP status, when the failure came from a response.
        status: Option<u16>,
        /// What the service or the token endpoint said.
        message: String,
    },
    /// HTTP 403: authenticated but not allowed (often a missing scope).
    #[error("forbidden: {message}")]
    Forbidden {
        /// What the service said.
        message: String,
    },
    /// HTTP 404.
    #[error("not found: {message}")]
    NotFound {
        /// What the service said.
        message: String,
    },
    /// HTTP 409: optimistic locking conflict. Never retried: re-read the entity and try again.
    #[error("conflict: {message}")]
    Conflict {
        /// What the service said.
        message: String,
    },
    /// HTTP 429 after the retry policy gave up.
    #[error("rate limited{}", retry_after.map(|d| format!(", retry after {} ms", d.as_millis())).unwrap_or_default())]
    RateLimited {
        /// The server's `Retry-After`, when given.
        retry_after: Option<Duration>,
    },
    /// Any other error status, with the documents' ErrorResponse body.
    #[error("API error HTTP {status}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// `code` of the ErrorResponse body.
        code: Option<i64>,
        /// `message` of the body, or the status text when the body had none.
        message: String,
        /// `errors` of the body.
        errors: Vec<ApiErrorDetail>,
    },
    /// The streaming session is invalid or has expired ("Invalid or expired session").
    #[error("streaming session expired or invalid: {message}")]
    SessionExpired {
        /// What the service said.
        message: String,
    },
    /// The request or the wait did not complete in time.
    #[error("timed out: {message}")]
    Timeout {
        /// What timed out.
        message: String,
    },
    /// Connection-level failure (DNS, connect, reset, TLS).
    #[error("transport error: {message}")]
    Transport {
        /// Description, without any secret.
        message: String,
    },
    /// A response could not be decoded.
    #[error("could not decode the response: {message}")]
    Decode {
        /// What could not be decoded.
        message: String,
    },
    /// The object (stream, client) was closed.
    #[error("closed: {message}")]
    Closed {
        /// What was closed.
        message: String,
    },
    /// A request that is not safe to repeat (a command, a raw POST) got no answer that says
    /// whether the service acted on it (a 5xx, a timeout, a dropped connection): it was not
    /// sent again. Check the service's state (for an agent command, its events) before
    /// sending it again.
    #[error("outcome unknown: {message}")]
    OutcomeUnknown {
        /// What happened.
        message: String,
    },
    /// An agent command was accepted (202) and then reported failed by an
    /// `engagementCenter.Error` event (or a login ended with `Disconnected`).
    #[error("{command} failed{}: {fail_reason}", fail_code.map(|c| format!(" (failCode {c})")).unwrap_or_default())]
    CommandFailed {
        /// The operation that failed (`"engagementCenter.hold"`).
        command: String,
        /// `failCode` of the Error event.
        fail_code: Option<i64>,
        /// `failReason` of the Error event.
        fail_reason: String,
        /// The interaction the error is about, when it names one.
        interaction_id: Option<String>,
    },
}

/// Stable numeric category of an [`Error`], shared by every binding (C enum values included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorCode {
    /// [`Error::InvalidArgument`]
    InvalidArgument = 1,
    /// [`Error::Auth`]
    Auth = 2,
    /// [`Error::Forbidden`]
    Forbidden = 3,
    /// [`Error::NotFound`]
    NotFound = 4,
    /// [`Error::Conflict`]
    Conflict = 5,
    /// [`Error::RateLimited`]
    RateLimited = 6,
    /// [`Error::Api`]
    Api = 7,
    /// [`Error::SessionExpired`]
    SessionExpired = 8,
    /// [`Error::Timeout`]
    Timeout = 9,
    /// [`Error::Transport`]
    Transport = 10,
    /// [`Error::Decode`]
    Decode = 11,
    /// [`Error::Closed`]
    Closed = 12,
    /// [`Error::CommandFailed`]
    CommandFailed = 13,
    /// [`Error::OutcomeUnknown`]
    OutcomeUnknown = 14,
}

impl ErrorCode {
    /// The category's name, as the bindings spell it (`"invalid_argument"`...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::Auth => "auth",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Api => "api",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Transport => "transport",
            ErrorCode::Decode => "decode",
            ErrorCode::Closed => "closed",
            ErrorCode::CommandFailed => "command_failed",
            ErrorCode::OutcomeUnknown => "outcome_unknown",
        }
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn closed(message: impl Into<String>) -> Self {
        Error::Closed {
            message: message.into(),
        }
    }

    pub(crate) fn decode(message: impl Into<String>) -> Self {
        Error::Decode {
            message: message.into(),
        }
    }

    /// The error's category.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidArgument { .. } => ErrorCode::InvalidArgument,
            Error::Auth { .. } => ErrorCode::Auth,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Api { .. } => ErrorCode::Api,
            Error::SessionExpired { .. } => ErrorCode::SessionExpired,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::Transport { .. } => ErrorCode::Transport,
            Error::Decode { .. } => ErrorCode::Decode,
            Error::Closed { .. } => ErrorCode::Closed,
            Error::CommandFailed { .. } => ErrorCode::CommandFailed,
            Error::OutcomeUnknown { .. } => ErrorCode::OutcomeUnknown,
        }
    }

    /// The HTTP status behind the error, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. } => *status,
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::Conflict { .. } => Some(409),
            Error::RateLimited { .. } => Some(429),
            Error::Api { status, .. } => Some(*status),
            Error::SessionExpired { .. } => Some(400),
            _ => None,
        }
    }

    /// What may be done about the error: the one classification the transport's retries
    /// and the event engine both follow.
    pub fn recovery(&self) -> Recovery {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => {
                Recovery::Retry
            }
            Error::Api { status, .. } if *status >= 500 => Recovery::Retry,
            Error::SessionExpired { .. } => Recovery::NewSession,
            // The service answered, and the answer cannot be read (or is over
            // `max_response_bytes`): asking again gets the same answer, and a command it
            // answered was acted on.
            Error::Decode { .. }
            | Error::InvalidArgument { .. }
            | Error::Auth { .. }
            | Error::Forbidden { .. }
            | Error::NotFound { .. }
            | Error::Conflict { .. }
            | Error::Api { .. }
            | Error::Closed { .. }
            | Error::OutcomeUnknown { .. }
            | Error::CommandFailed { .. } => Recovery::Fatal,
        }
    }
}

/// What may be done about an [`Error`] ([`Error::recovery`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recovery {
    /// Transient (rate limit, timeout, connection, 5xx): the same
    /// request may succeed after a delay. The transport retries it when the request is
    /// safe to repeat (or was certainly not acted on); an event stream backs off and polls
    /// again.
    Retry,
    /// The streaming session is gone: a new one must be created (an event stream does so
    /// and reports `SessionRecreated`).
    NewSession,
    /// Asking again cannot help until something changes: the input, the credentials, the
    /// permissions, the entity's version, a limit, or the service's state (check it before
    /// a command whose outcome is unknown is sent again). An event stream stops with
    /// `Failed`.
    Fatal,
}
