//! `ccb_error_t`: the error object every fallible function returns.

use crate::ffi;
use ccbridge::{Error, ErrorCode};
use std::any::Any;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

/// Category of an error. The values mirror `ccbridge::ErrorCode` and never change.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ccb_error_code_t {
    /// No error (what ccb_error_code() says of a NULL error).
    CCB_OK = 0,
    /// An argument was rejected before any request was sent (NULL, empty, out of range,
    /// not UTF-8, unknown enum string). ccb_error_field() names it.
    CCB_ERR_INVALID_ARGUMENT = 1,
    /// Authentication failed: wrong client id, secret or API key (HTTP 401 usually).
    CCB_ERR_AUTH = 2,
    /// HTTP 403: authenticated but not allowed (often a missing scope).
    CCB_ERR_FORBIDDEN = 3,
    /// HTTP 404.
    CCB_ERR_NOT_FOUND = 4,
    /// HTTP 409: optimistic-locking conflict; re-read and try again.
    CCB_ERR_CONFLICT = 5,
    /// HTTP 429 after the retry policy gave up.
    CCB_ERR_RATE_LIMITED = 6,
    /// Any other HTTP error status; ccb_error_http_status() gives it.
    CCB_ERR_API = 7,
    /// The streaming session expired or is invalid.
    CCB_ERR_SESSION_EXPIRED = 8,
    /// A request or a wait did not complete in time.
    CCB_ERR_TIMEOUT = 9,
    /// Connection-level failure (DNS, connect, reset, TLS).
    CCB_ERR_TRANSPORT = 10,
    /// A response could not be decoded.
    CCB_ERR_DECODE = 11,
    /// The object (a stream) is stopped.
    CCB_ERR_CLOSED = 12,
    /// An agent command was accepted and then reported failed by an
    /// engagementCenter.Error event (or a login ended with Disconnected); the message
    /// carries the failCode and failReason.
    CCB_ERR_COMMAND_FAILED = 13,
    /// A request that is not safe to repeat (an agent command, a raw POST) got no answer
    /// that says whether the service acted on it (a 5xx, a timeout, a dropped connection):
    /// it was not sent again. Check the service's state before sending it again.
    CCB_ERR_OUTCOME_UNKNOWN = 14,
    /// A bug inside ccbridge (a caught panic). Please report it.
    CCB_ERR_INTERNAL = 100,
}

impl From<ErrorCode> for ccb_error_code_t {
    fn from(c: ErrorCode) -> Self {
        // Exhaustive on purpose: a new core category must get its C value here.
        match c {
            ErrorCode::InvalidArgument => ccb_error_code_t::CCB_ERR_INVALID_ARGUMENT,
            ErrorCode::Auth => ccb_error_code_t::CCB_ERR_AUTH,
            ErrorCode::Forbidden => ccb_error_code_t::CCB_ERR_FORBIDDEN,
            ErrorCode::NotFound => ccb_error_code_t::CCB_ERR_NOT_FOUND,
            ErrorCode::Conflict => ccb_error_code_t::CCB_ERR_CONFLICT,
            ErrorCode::RateLimited => ccb_error_code_t::CCB_ERR_RATE_LIMITED,
            ErrorCode::Api => ccb_error_code_t::CCB_ERR_API,
            ErrorCode::SessionExpired => ccb_error_code_t::CCB_ERR_SESSION_EXPIRED,
            ErrorCode::Timeout => ccb_error_code_t::CCB_ERR_TIMEOUT,
            ErrorCode::Transport => ccb_error_code_t::CCB_ERR_TRANSPORT,
            ErrorCode::Decode => ccb_error_code_t::CCB_ERR_DECODE,
            ErrorCode::Closed => ccb_error_code_t::CCB_ERR_CLOSED,
            ErrorCode::CommandFailed => ccb_error_code_t::CCB_ERR_COMMAND_FAILED,
            ErrorCode::OutcomeUnknown => ccb_error_code_t::CCB_ERR_OUTCOME_UNKNOWN,
        }
    }
}

impl ccb_error_code_t {
    fn name(self) -> &'static CStr {
        match self {
            ccb_error_code_t::CCB_OK => c"ok",
            ccb_error_code_t::CCB_ERR_INVALID_ARGUMENT => c"invalid_argument",
            ccb_error_code_t::CCB_ERR_AUTH => c"auth",
            ccb_error_code_t::CCB_ERR_FORBIDDEN => c"forbidden",
            ccb_error_code_t::CCB_ERR_NOT_FOUND => c"not_found",
            ccb_error_code_t::CCB_ERR_CONFLICT => c"conflict",
            ccb_error_code_t::CCB_ERR_RATE_LIMITED => c"rate_limited",
            ccb_error_code_t::CCB_ERR_API => c"api",
            ccb_error_code_t::CCB_ERR_SESSION_EXPIRED => c"session_expired",
            ccb_error_code_t::CCB_ERR_TIMEOUT => c"timeout",
            ccb_error_code_t::CCB_ERR_TRANSPORT => c"transport",
            ccb_error_code_t::CCB_ERR_DECODE => c"decode",
            ccb_error_code_t::CCB_ERR_CLOSED => c"closed",
            ccb_error_code_t::CCB_ERR_COMMAND_FAILED => c"command_failed",
            ccb_error_code_t::CCB_ERR_OUTCOME_UNKNOWN => c"outcome_unknown",
            ccb_error_code_t::CCB_ERR_INTERNAL => c"internal",
        }
    }

    fn from_raw(code: i32) -> Option<Self> {
        use ccb_error_code_t::*;
        [
            CCB_OK,
            CCB_ERR_INVALID_ARGUMENT,
            CCB_ERR_AUTH,
            CCB_ERR_FORBIDDEN,
            CCB_ERR_NOT_FOUND,
            CCB_ERR_CONFLICT,
            CCB_ERR_RATE_LIMITED,
            CCB_ERR_API,
            CCB_ERR_SESSION_EXPIRED,
            CCB_ERR_TIMEOUT,
            CCB_ERR_TRANSPORT,
            CCB_ERR_DECODE,
            CCB_ERR_CLOSED,
            CCB_ERR_COMMAND_FAILED,
            CCB_ERR_OUTCOME_UNKNOWN,
            CCB_ERR_INTERNAL,
        ]
        .into_iter()
        .find(|c| *c as i32 == code)
    }
}

/// An error: a category, a message, and where known the HTTP status and the argument at
/// fault. Returned by fallible functions; release it with ccb_error_free().
#[derive(Debug)]
pub struct ccb_error_t {
    code: ccb_error_code_t,
    http_status: u16,
    message: CString,
    field: Option<CString>,
    /// failCode of a CCB_ERR_COMMAND_FAILED; 0 otherwise.
    fail_code: i64,
    /// failReason of a CCB_ERR_COMMAND_FAILED.
    fail_reason: Option<CString>,
}

impl ccb_error_t {
    pub(crate) fn from_core(e: &Error) -> Self {
        let field = match e {
            Error::InvalidArgument { field, .. } => Some(ffi::c_string(field.clone())),
            _ => None,
        };
        let (fail_code, fail_reason) = match e {
            Error::CommandFailed {
                fail_code,
                fail_reason,
                ..
            } => (
                fail_code.unwrap_or(0),
                Some(ffi::c_string(fail_reason.clone())),
            ),
            _ => (0, None),
        };
        ccb_error_t {
            code: e.code().into(),
            http_status: e.http_status().unwrap_or(0),
            message: ffi::c_string(e.to_string()),
            field,
            fail_code,
            fail_reason,
        }
    }

    fn internal(message: String) -> Self {
        ccb_error_t {
            code: ccb_error_code_t::CCB_ERR_INTERNAL,
            http_status: 0,
            message: ffi::c_string(format!(
                "internal error in ccbridge (please report it): {message}"
            )),
            field: None,
            fail_code: 0,
            fail_reason: None,
        }
    }

    pub(crate) fn into_raw(self) -> *mut ccb_error_t {
        Box::into_raw(Box::new(self))
    }
}

pub(crate) fn panic_message(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

/// Runs the body of a fallible entry point: `Ok` becomes NULL, an error or a panic becomes
/// an owned `ccb_error_t`.
pub(crate) fn guard(f: impl FnOnce() -> ccbridge::Result<()>) -> *mut ccb_error_t {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => ptr::null_mut(),
        Ok(Err(e)) => ccb_error_t::from_core(&e).into_raw(),
        Err(p) => {
            let message = panic_message(p.as_ref());
            tracing::error!(panic = %message, "panic caught at the C boundary");
            ccb_error_t::internal(message).into_raw()
        }
    }
}

/// Runs the body of an infallible entry point (accessors, frees): a panic gives `fallback`.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            tracing::error!(message = %panic_message(p.as_ref()), "panic caught at the C boundary");
            fallback
        }
    }
}

const EMPTY: &CStr = c"";

/// The category of `error`; CCB_OK when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[no_mangle]
pub unsafe extern "C" fn ccb_error_code(error: *const ccb_error_t) -> ccb_error_code_t {
    guard_value(ccb_error_code_t::CCB_ERR_INTERNAL, || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { error.as_ref() }.map_or(ccb_error_code_t::CCB_OK, |e| e.code)
    })
}

/// The error's message (UTF-8, one line, no secrets). Borrowed: valid until
/// ccb_error_free(). An empty string when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[no_mangle]
pub unsafe extern "C" fn ccb_error_message(error: *const ccb_error_t) -> *const c_char {
    guard_value(EMPTY.as_ptr(), || {
        // SAFETY: the caller passes NULL or a live error.
        match unsafe { error.as_ref() } {
            Some(e) => e.message.as_ptr(),
            None => EMPTY.as_ptr(),
        }
    })
}

/// The HTTP status behind the error (401, 404, 409...), or 0 when there was none.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[no_mangle]
pub unsafe extern "C" fn ccb_error_http_status(error: *const ccb_error_t) -> u16 {
    guard_value(0, || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { error.as_ref() }.map_or(0, |e| e.http_status)
    })
}

/// For CCB_ERR_INVALID_ARGUMENT, the name of the argument or field at fault
/// (`"org_id"`, `"inactivity_delay"`, `"client"`...); NULL otherwise. Borrowed: valid until
/// ccb_error_free().
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[no_mangle]
pub unsafe extern "C" fn ccb_error_field(error: *const ccb_error_t) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { error.as_ref() }
            .and_then(|e| e.field.as_ref())
            .map_or(ptr::null(), |f| f.as_ptr())
    })
}

/// For CCB_ERR_COMMAND_FAILED, the `failCode` of the engagementCenter.Error event that
/// reported the failure (31 "Hold failure", 219 "Agent is already logged in"...; the API
/// documents list them); 0 for any other error, for a failure the service gave no code, and
/// when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[no_mangle]
pub unsafe extern "C" fn ccb_error_fail_code(error: *const ccb_error_t) -> i64 {
    guard_value(0, || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { error.as_ref() }.map_or(0, |e| e.fail_code)
    })
}

/// For CCB_ERR_COMMAND_FAILED, the `failReason` of the event that reported the failure
/// (`"(31) Hold failure"`; the message carries it too, after the command's name); NULL for
/// any other error. Borrowed: valid until ccb_error_free().
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[no_mangle]
pub unsafe extern "C" fn ccb_error_fail_reason(error: *const ccb_error_t) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { error.as_ref() }
            .and_then(|e| e.fail_reason.as_ref())
            .map_or(ptr::null(), |f| f.as_ptr())
    })
}

/// The name of an error code (`"invalid_argument"`, `"auth"`...; `"ok"` for CCB_OK,
/// `"unknown"` for a value this version does not know). A static string: never free it.
#[no_mangle]
pub extern "C" fn ccb_error_code_name(code: i32) -> *const c_char {
    ccb_error_code_t::from_raw(code)
        .map_or(c"unknown", |c| c.name())
        .as_ptr()
}

/// Releases an error. NULL is ignored.
///
/// # Safety
/// `error` is NULL or an error returned by this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ccb_error_free(error: *mut ccb_error_t) {
    guard_value((), || {
        if !error.is_null() {
            // SAFETY: the caller hands back ownership of a Box made by `into_raw`.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn codes_mirror_the_core() {
        for (core, c) in [
            (ErrorCode::InvalidArgument, 1),
            (ErrorCode::Auth, 2),
            (ErrorCode::Closed, 12),
        ] {
            assert_eq!(core as i32, c);
            assert_eq!(ccb_error_code_t::from(core) as i32, c);
        }
        let name = |c| {
            unsafe { CStr::from_ptr(ccb_error_code_name(c)) }
                .to_str()
                .unwrap()
        };
        assert_eq!(name(0), "ok");
        // C spells each category as the core does (its names are C literals only because
        // a C string must end in a NUL).
        for core in [
            ErrorCode::InvalidArgument,
            ErrorCode::Auth,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::RateLimited,
            ErrorCode::Api,
            ErrorCode::SessionExpired,
            ErrorCode::Timeout,
            ErrorCode::Transport,
            ErrorCode::Decode,
            ErrorCode::Closed,
            ErrorCode::CommandFailed,
        ] {
            assert_eq!(name(core as i32), core.as_str());
        }
        assert_eq!(name(100), "internal");
        assert_eq!(name(55), "unknown");
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let e = guard(|| panic!("boom"));
        unsafe {
            assert_eq!(ccb_error_code(e), ccb_error_code_t::CCB_ERR_INTERNAL);
            let msg = CStr::from_ptr(ccb_error_message(e)).to_str().unwrap();
            assert!(msg.contains("boom"), "{msg}");
            assert!(ccb_error_field(e).is_null());
            ccb_error_free(e);
        }
        assert_eq!(guard_value(7, || panic!("again")), 7);
    }

    #[test]
    fn null_error_reads_as_success() {
        unsafe {
            assert_eq!(ccb_error_code(ptr::null()), ccb_error_code_t::CCB_OK);
            assert_eq!(
                CStr::from_ptr(ccb_error_message(ptr::null())).to_bytes(),
                b""
            );
            assert_eq!(ccb_error_http_status(ptr::null()), 0);
            assert!(ccb_error_field(ptr::null()).is_null());
            ccb_error_free(ptr::null_mut());
        }
    }

    #[test]
    fn core_errors_keep_status_and_field() {
        let e = ccb_error_t::from_core(&Error::invalid("org_id", "must not be empty"));
        assert_eq!(e.code, ccb_error_code_t::CCB_ERR_INVALID_ARGUMENT);
        assert_eq!(e.field.as_deref().unwrap().to_str().unwrap(), "org_id");
        let e = ccb_error_t::from_core(&Error::Auth {
            status: Some(401),
            message: "bad".into(),
        });
        assert_eq!(
            (e.code, e.http_status),
            (ccb_error_code_t::CCB_ERR_AUTH, 401)
        );
        assert_eq!(e.fail_code, 0);
        assert!(e.fail_reason.is_none());
    }

    #[test]
    fn command_failures_carry_fail_code_and_reason() {
        let e = ccb_error_t::from_core(&Error::CommandFailed {
            command: "engagementCenter.hold".into(),
            fail_code: Some(31),
            fail_reason: "(31) Hold failure".into(),
            interaction_id: Some("1000".into()),
        })
        .into_raw();
        unsafe {
            assert_eq!(ccb_error_code(e), ccb_error_code_t::CCB_ERR_COMMAND_FAILED);
            assert_eq!(ccb_error_fail_code(e), 31);
            let reason = CStr::from_ptr(ccb_error_fail_reason(e)).to_str().unwrap();
            assert_eq!(reason, "(31) Hold failure");
            let msg = CStr::from_ptr(ccb_error_message(e)).to_str().unwrap();
            assert!(
                msg.contains("engagementCenter.hold") && msg.contains("failCode 31"),
                "{msg}"
            );
            ccb_error_free(e);
            assert_eq!(ccb_error_fail_code(ptr::null()), 0);
            assert!(ccb_error_fail_reason(ptr::null()).is_null());
        }
    }
}
