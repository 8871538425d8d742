//! The binding's error types: the core's error mapped once, and the listener's error.

/// One entry of the service's `ErrorResponse.errors`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ApiErrorItem {
    /// Where the error applies (a field, a header...), when the service says.
    pub scope: Option<String>,
    /// Machine-readable reason, when the service says.
    pub reason: Option<String>,
    /// Human-readable message.
    pub message: Option<String>,
}

/// Every error ccbridge reports (Kotlin `CcbException`, Swift `CcbError`).
///
/// The variants are the core's categories. The text field is called `detail` rather than
/// `message` because the generated Kotlin exception already owns a `message` property
/// (built from all the fields).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum CcbError {
    /// An argument was rejected before any request was sent.
    #[error("invalid argument `{field}`: {detail}")]
    InvalidArgument {
        /// Name of the offending field or parameter (`"inactivity_delay"`, `"org_id"`).
        field: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Bad credentials or API key, or a token the service refused even after a refresh.
    #[error("authentication failed: {detail}")]
    Auth {
        /// What the service or the token endpoint said.
        detail: String,
        /// HTTP status, when the failure came from a response.
        http_status: Option<u16>,
    },
    /// HTTP 403: authenticated but not allowed (often a missing scope).
    #[error("forbidden: {detail}")]
    Forbidden {
        /// What the service said.
        detail: String,
    },
    /// HTTP 404.
    #[error("not found: {detail}")]
    NotFound {
        /// What the service said.
        detail: String,
    },
    /// HTTP 409: optimistic locking conflict (never retried).
    #[error("conflict: {detail}")]
    Conflict {
        /// What the service said.
        detail: String,
    },
    /// HTTP 429 after the retry policy gave up.
    #[error("rate limited: {detail}")]
    RateLimited {
        /// Description.
        detail: String,
        /// The server's `Retry-After` in milliseconds, when given.
        retry_after_ms: Option<u64>,
    },
    /// Any other error status, with the service's ErrorResponse.
    #[error("API error HTTP {http_status}: {detail}")]
    Api {
        /// The ErrorResponse `message` (or the status text).
        detail: String,
        /// HTTP status.
        http_status: u16,
        /// The ErrorResponse `code`.
        code: Option<i64>,
        /// The ErrorResponse `errors`.
        errors: Vec<ApiErrorItem>,
    },
    /// The streaming session is invalid or has expired.
    #[error("streaming session expired or invalid: {detail}")]
    SessionExpired {
        /// What the service said.
        detail: String,
    },
    /// A request or a wait did not complete in time.
    #[error("timed out: {detail}")]
    Timeout {
        /// What timed out.
        detail: String,
    },
    /// Connection-level failure (DNS, connect, reset, TLS).
    #[error("transport error: {detail}")]
    Transport {
        /// Description.
        detail: String,
    },
    /// A response could not be decoded.
    #[error("could not decode the response: {detail}")]
    Decode {
        /// What could not be decoded.
        detail: String,
    },
    /// The object (stream, client) was closed.
    #[error("closed: {detail}")]
    Closed {
        /// What was closed.
        detail: String,
    },
    /// A request that is not safe to repeat got no answer that says whether the service
    /// acted on it (a 5xx, a timeout, a dropped connection): it was not sent again.
    #[error("outcome unknown: {detail}")]
    OutcomeUnknown {
        /// What happened.
        detail: String,
    },
    /// An agent command was accepted and then reported failed by an
    /// `engagementCenter.Error` event (or a login ended with `Disconnected`).
    #[error("{command} failed: {detail}")]
    CommandFailed {
        /// The Error event's `failReason`.
        detail: String,
        /// The operation (`"engagementCenter.hold"`).
        command: String,
        /// The Error event's `failCode`.
        fail_code: Option<i64>,
        /// The interaction the error is about, when it names one.
        interaction_id: Option<String>,
    },
}

impl CcbError {
    /// The core's category of the error.
    pub fn code(&self) -> ccbridge::ErrorCode {
        use ccbridge::ErrorCode as C;
        match self {
            CcbError::InvalidArgument { .. } => C::InvalidArgument,
            CcbError::Auth { .. } => C::Auth,
            CcbError::Forbidden { .. } => C::Forbidden,
            CcbError::NotFound { .. } => C::NotFound,
            CcbError::Conflict { .. } => C::Conflict,
            CcbError::RateLimited { .. } => C::RateLimited,
            CcbError::Api { .. } => C::Api,
            CcbError::SessionExpired { .. } => C::SessionExpired,
            CcbError::Timeout { .. } => C::Timeout,
            CcbError::Transport { .. } => C::Transport,
            CcbError::Decode { .. } => C::Decode,
            CcbError::Closed { .. } => C::Closed,
            CcbError::CommandFailed { .. } => C::CommandFailed,
            CcbError::OutcomeUnknown { .. } => C::OutcomeUnknown,
        }
    }

    /// The category's name, the core's for every binding (`"invalid_argument"`...).
    pub fn code_name(&self) -> &'static str {
        self.code().as_str()
    }

    pub(crate) fn invalid(field: &str, detail: impl Into<String>) -> Self {
        CcbError::InvalidArgument {
            field: field.to_string(),
            detail: detail.into(),
        }
    }
}

impl From<ccbridge::Error> for CcbError {
    fn from(e: ccbridge::Error) -> Self {
        use ccbridge::Error as E;
        match e {
            E::InvalidArgument { field, message } => CcbError::InvalidArgument {
                field,
                detail: message,
            },
            E::Auth { status, message } => CcbError::Auth {
                detail: message,
                http_status: status,
            },
            E::Forbidden { message } => CcbError::Forbidden { detail: message },
            E::NotFound { message } => CcbError::NotFound { detail: message },
            E::Conflict { message } => CcbError::Conflict { detail: message },
            E::RateLimited { retry_after } => CcbError::RateLimited {
                detail: E::RateLimited { retry_after }.to_string(),
                retry_after_ms: retry_after
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            },
            E::Api {
                status,
                code,
                message,
                errors,
            } => CcbError::Api {
                detail: message,
                http_status: status,
                code,
                errors: errors
                    .into_iter()
                    .map(|d| ApiErrorItem {
                        scope: d.scope,
                        reason: d.reason,
                        message: d.message,
                    })
                    .collect(),
            },
            E::SessionExpired { message } => CcbError::SessionExpired { detail: message },
            E::Timeout { message } => CcbError::Timeout { detail: message },
            E::Transport { message } => CcbError::Transport { detail: message },
            E::Decode { message } => CcbError::Decode { detail: message },
            E::Closed { message } => CcbError::Closed { detail: message },
            E::OutcomeUnknown { message } => CcbError::OutcomeUnknown { detail: message },
            E::CommandFailed {
                command,
                fail_code,
                fail_reason,
                interaction_id,
            } => CcbError::CommandFailed {
                detail: fail_reason,
                command,
                fail_code,
                interaction_id,
            },
            // The core's enum is non-exhaustive; its numeric category is not, so a variant
            // added later still lands in the right category, with its text.
            other => from_code(&other),
        }
    }
}

fn from_code(e: &ccbridge::Error) -> CcbError {
    use ccbridge::ErrorCode as C;
    let detail = e.to_string();
    match e.code() {
        C::InvalidArgument => CcbError::InvalidArgument {
            field: String::new(),
            detail,
        },
        C::Auth => CcbError::Auth {
            detail,
            http_status: e.http_status(),
        },
        C::Forbidden => CcbError::Forbidden { detail },
        C::NotFound => CcbError::NotFound { detail },
        C::Conflict => CcbError::Conflict { detail },
        C::RateLimited => CcbError::RateLimited {
            detail,
            retry_after_ms: None,
        },
        C::Api => CcbError::Api {
            detail,
            http_status: e.http_status().unwrap_or(0),
            code: None,
            errors: Vec::new(),
        },
        C::SessionExpired => CcbError::SessionExpired { detail },
        C::Timeout => CcbError::Timeout { detail },
        C::Transport => CcbError::Transport { detail },
        C::Decode => CcbError::Decode { detail },
        C::Closed => CcbError::Closed { detail },
        C::OutcomeUnknown => CcbError::OutcomeUnknown { detail },
        C::CommandFailed => CcbError::CommandFailed {
            detail,
            command: String::new(),
            fail_code: None,
            interaction_id: None,
        },
    }
}

/// What an `EventListener` or `AgentListener` method returns on failure (Kotlin
/// `ListenerException`).
///
/// Throwing it, or any other exception, from a listener never crashes the stream: the
/// failure is logged and counted (`StreamStats.listenerErrors`,
/// `AgentSessionHandle.listenerErrors()`), and the event still counts as handled (it is
/// acknowledged, not redelivered).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ListenerError {
    /// The listener failed.
    #[error("listener failed: {detail}")]
    Failed {
        /// Why.
        detail: String,
    },
}

/// A foreign exception that is not a [`ListenerError`] (a Kotlin `RuntimeException`, a Swift
/// error of another type) arrives here instead of aborting the process.
impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ListenerError::Failed { detail: e.reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn maps_every_core_category_once() {
        use ccbridge::Error as E;
        let cases: Vec<(E, &str)> = vec![
            (
                E::invalid("org_id", "must not be empty"),
                "invalid_argument",
            ),
            (
                E::Auth {
                    status: Some(401),
                    message: "bad client".into(),
                },
                "auth",
            ),
            (
                E::Forbidden {
                    message: "scope".into(),
                },
                "forbidden",
            ),
            (
                E::NotFound {
                    message: "x".into(),
                },
                "not_found",
            ),
            (
                E::Conflict {
                    message: "x".into(),
                },
                "conflict",
            ),
            (
                E::RateLimited {
                    retry_after: Some(Duration::from_millis(1500)),
                },
                "rate_limited",
            ),
            (
                E::Api {
                    status: 400,
                    code: Some(400),
                    message: "bad".into(),
                    errors: vec![],
                },
                "api",
            ),
            (
                E::SessionExpired {
                    message: "x".into(),
                },
                "session_expired",
            ),
            (
                E::Timeout {
                    message: "x".into(),
                },
                "timeout",
            ),
            (
                E::Transport {
                    message: "x".into(),
                },
                "transport",
            ),
            (
                E::Decode {
                    message: "x".into(),
                },
                "decode",
            ),
            (
                E::Closed {
                    message: "x".into(),
                },
                "closed",
            ),
        ];
        for (core, name) in cases {
            assert_eq!(core.code().as_str(), name);
            let mapped = CcbError::from(core.clone());
            assert_eq!(mapped.code_name(), name, "{core:?}");
            // The code-based fallback agrees with the structured mapping on the category.
            assert_eq!(from_code(&core).code_name(), name);
        }
    }

    #[test]
    fn keeps_the_structured_fields() {
        match CcbError::from(ccbridge::Error::invalid(
            "max_events",
            "0 is out of range 1..=200",
        )) {
            CcbError::InvalidArgument { field, detail } => {
                assert_eq!(field, "max_events");
                assert_eq!(detail, "0 is out of range 1..=200");
            }
            other => panic!("{other:?}"),
        }
        match CcbError::from(ccbridge::Error::Auth {
            status: Some(401),
            message: "invalid_client".into(),
        }) {
            CcbError::Auth {
                detail,
                http_status,
            } => {
                assert_eq!(detail, "invalid_client");
                assert_eq!(http_status, Some(401));
            }
            other => panic!("{other:?}"),
        }
        match CcbError::from(ccbridge::Error::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
        }) {
            CcbError::RateLimited { retry_after_ms, .. } => assert_eq!(retry_after_ms, Some(1500)),
            other => panic!("{other:?}"),
        }
        let api = CcbError::from(ccbridge::Error::Api {
            status: 422,
            code: Some(422),
            message: "unprocessable".into(),
            errors: vec![ccbridge::ApiErrorDetail {
                scope: Some("body.reasonId".into()),
                reason: Some("required".into()),
                message: None,
            }],
        });
        assert_eq!(api.to_string(), "API error HTTP 422: unprocessable");
        match api {
            CcbError::Api {
                http_status,
                code,
                errors,
                ..
            } => {
                assert_eq!(http_status, 422);
                assert_eq!(code, Some(422));
                assert_eq!(errors[0].scope.as_deref(), Some("body.reasonId"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unexpected_foreign_exceptions_become_listener_errors() {
        let e = ListenerError::from(uniffi::UnexpectedUniFFICallbackError::new(
            "java.lang.IllegalStateException: boom",
        ));
        assert_eq!(
            e,
            ListenerError::Failed {
                detail: "java.lang.IllegalStateException: boom".into()
            }
        );
    }
}
