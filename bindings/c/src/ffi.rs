//! Pointer and string conversions shared by the entry points.

use crate::error::guard_value;
use ccbridge::{Error, Result};
use std::ffi::{CStr, CString};
use std::os::raw::c_char;

/// A C string for data that may hold NUL characters (JSON-decoded ids can): each NUL
/// becomes U+FFFD so the value stays one string instead of being cut short.
pub(crate) fn c_string(s: String) -> CString {
    CString::new(s).unwrap_or_else(|e| {
        let s = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(s).expect("NULs were replaced")
    })
}

/// Hands a string to C; the caller frees it with `ccb_string_free`.
pub(crate) fn into_c_str(s: String) -> *mut c_char {
    c_string(s).into_raw()
}

fn null_arg(name: &str) -> Error {
    Error::invalid(name, "must not be NULL")
}

/// A required string argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    // SAFETY: forwarded to the caller.
    unsafe { opt_str(p, name) }?.ok_or_else(|| null_arg(name))
}

/// An optional string argument: NULL gives `None`.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn opt_str<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated per the caller.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes.to_str().map(Some).map_err(|e| {
        Error::invalid(
            name,
            format!("is not valid UTF-8 (at byte {})", e.valid_up_to()),
        )
    })
}

/// A required object argument.
///
/// # Safety
/// `p` is NULL or points to a live `T` that outlives `'a`.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &str) -> Result<&'a T> {
    // SAFETY: forwarded to the caller.
    unsafe { p.as_ref() }.ok_or_else(|| null_arg(name))
}

/// A required out-parameter, cleared to NULL so it is NULL whenever an error is returned.
///
/// # Safety
/// `p` is NULL or points to writable storage for a pointer that outlives `'a`.
pub(crate) unsafe fn out_ptr<'a, T>(p: *mut *mut T, name: &str) -> Result<&'a mut *mut T> {
    // SAFETY: forwarded to the caller.
    let out = unsafe { p.as_mut() }.ok_or_else(|| null_arg(name))?;
    *out = std::ptr::null_mut();
    Ok(out)
}

/// Runs a future on the core's runtime, flattening its two error layers.
pub(crate) fn block_on<T>(fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    ccbridge::runtime::block_on(fut)?
}

/// Releases a string returned by this library through a `char **` out-parameter. NULL is
/// ignored.
///
/// # Safety
/// `s` is NULL or a string returned by this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn ccb_string_free(s: *mut c_char) {
    guard_value((), || {
        if !s.is_null() {
            // SAFETY: the caller hands back a string made by `CString::into_raw`.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr;

    fn field(e: Error) -> String {
        match e {
            Error::InvalidArgument { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn null_and_bad_utf8_name_the_argument() {
        unsafe {
            assert_eq!(
                field(arg_str(ptr::null(), "user_id").unwrap_err()),
                "user_id"
            );
            assert_eq!(opt_str(ptr::null(), "station").unwrap(), None);
            let bad = c"ab\xffcd";
            let e = arg_str(bad.as_ptr(), "user_id").unwrap_err();
            assert!(e.to_string().contains("UTF-8"), "{e}");
            assert_eq!(field(e), "user_id");
            assert_eq!(arg_str(c"ok".as_ptr(), "x").unwrap(), "ok");
            assert_eq!(
                field(arg_ref::<u8>(ptr::null(), "client").unwrap_err()),
                "client"
            );
            assert_eq!(
                field(out_ptr::<u8>(ptr::null_mut(), "out").unwrap_err()),
                "out"
            );
            let mut slot: *mut u8 = 8 as *mut u8;
            assert!(out_ptr(&mut slot, "out").is_ok());
            assert!(slot.is_null());
        }
    }

    #[test]
    fn nul_characters_survive_as_replacement() {
        assert_eq!(c_string("a\0b".into()).to_str().unwrap(), "a\u{FFFD}b");
        let p = into_c_str("x".into());
        unsafe { ccb_string_free(p) };
        unsafe { ccb_string_free(ptr::null_mut()) };
    }
}
