//! `ccb_operations_json`: the operation table, for discovery from C.

use crate::error::{ccb_error_t, guard};
use crate::ffi::{into_c_str, out_ptr};
use serde_json::{json, Value};
use std::os::raw::c_char;

fn operations() -> Value {
    Value::Array(
        ccbridge::ops::OPERATIONS
            .iter()
            .map(|op| {
                json!({
                    "name": op.name,
                    "method": op.method.as_str(),
                    // `{orgId}` stays a placeholder: the table is the same for every client.
                    "path": format!("/via/{}/organizations/{{orgId}}/{}", op.version, op.path),
                    "safeToRetry": op.safe_to_retry,
                    "deprecated": op.deprecated,
                    "summary": op.summary,
                })
            })
            .collect(),
    )
}

/// Every operation ccb_client_call() accepts, as a JSON array in `*out_json` (free it with
/// ccb_string_free()), in the order of the API description. Each element is an object:
/// - `"name"`: what ccb_client_call() takes (`"engagementCenter.ready"`);
/// - `"method"`: the HTTP method (`"POST"`);
/// - `"path"`: the full path with its placeholders
///   (`"/via/v2/organizations/{orgId}/engagementCenter/users/{userId}/ready"`); each
///   `{param}` after `{orgId}` is a key of the call's `params_json`;
/// - `"safeToRetry"`: whether sending it twice does no harm (only such calls are retried
///   after an answer that leaves the outcome unknown);
/// - `"deprecated"`: whether the API documents deprecate it;
/// - `"summary"`: the documents' one-line description.
///
/// Needs no client and sends nothing. The only error is a NULL `out_json`.
///
/// # Safety
/// `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_operations_json(out_json: *mut *mut c_char) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contract forwarded from the caller.
        let out = unsafe { out_ptr(out_json, "out_json") }?;
        *out = into_c_str(operations().to_string());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::ptr;

    #[test]
    fn lists_every_operation_with_its_full_path() {
        unsafe {
            let mut out = ptr::null_mut();
            assert!(ccb_operations_json(&mut out).is_null());
            let v: Value = serde_json::from_str(CStr::from_ptr(out).to_str().unwrap()).unwrap();
            crate::ccb_string_free(out);
            let ops = v.as_array().unwrap();
            assert_eq!(ops.len(), ccbridge::ops::OPERATIONS.len());
            let ready = ops
                .iter()
                .find(|o| o["name"] == "engagementCenter.ready")
                .unwrap();
            assert_eq!(ready["method"], "POST");
            assert_eq!(
                ready["path"],
                "/via/v2/organizations/{orgId}/engagementCenter/users/{userId}/ready"
            );
            assert_eq!(ready["deprecated"], false);
            assert!(ready["summary"].as_str().is_some_and(|s| !s.is_empty()));

            let e = ccb_operations_json(ptr::null_mut());
            assert!(!e.is_null());
            crate::ccb_error_free(e);
        }
    }
}
