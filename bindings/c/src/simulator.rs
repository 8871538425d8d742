//! `ccb_simulator_t`: the simulator of the APIs (crate `ccbridge-sim`) embedded in the
//! library, for tests and offline development. Present with the cargo feature `simulator`
//! (on by default).
//!
//! The simulator runs on a thread with its own small runtime, not on the library's: a
//! client talks to it over loopback HTTP exactly as it would to the service.

use crate::client::check_struct_size;
use crate::error::{ccb_error_t, guard, guard_value};
use crate::ffi::{c_string, out_ptr};
use ccbridge::Result;
use ccbridge_sim::{SimConfig, SimOptions, Simulator};
use std::ffi::CString;
use std::os::raw::c_char;
use std::ptr;
use std::time::Duration;

/// Settings of an embedded simulator. Fill it with ccb_simulator_options_init() (which sets
/// the simulator's defaults), then change what you need. Values are taken as they are.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ccb_simulator_options_t {
    /// Size of this struct as the caller's header defines it; set by
    /// ccb_simulator_options_init().
    pub struct_size: u32,
    /// Port on 127.0.0.1 to listen on; 0 (the default) picks a free port.
    pub port: u16,
    /// How long `GET /events` waits when no event is queued, in milliseconds (default: the
    /// documented 15000; tests shorten it).
    pub poll_wait_ms: u32,
    /// Lifetime of the access tokens it issues, in seconds (default 3600).
    pub token_ttl_s: u32,
    /// Lifetime of the web tokens (public chat) it issues, in seconds (default 3600).
    pub web_token_ttl_s: u32,
    /// Requests per second before it answers 429; 0 means unlimited (default 100).
    pub rate_limit_per_second: u32,
}

/// A running simulator. Release it with ccb_simulator_free(), which stops it.
pub struct ccb_simulator_t {
    // Held for its Drop, which stops the server; declared first so that happens before the
    // strings go.
    #[allow(dead_code)]
    sim: Simulator,
    url: CString,
    org_id: CString,
    client_id: CString,
    client_secret: CString,
    api_key: CString,
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn secs(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

/// Fills `options` with the simulator's defaults: any free port, the documented 15 s
/// long-poll wait, one-hour tokens, 100 requests per second. NULL is ignored.
///
/// # Safety
/// `options` is NULL or points to writable storage for a `ccb_simulator_options_t`.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_options_init(options: *mut ccb_simulator_options_t) {
    guard_value((), || {
        if options.is_null() {
            return;
        }
        let d = SimConfig::default();
        let value = ccb_simulator_options_t {
            struct_size: std::mem::size_of::<ccb_simulator_options_t>() as u32,
            port: d.bind.port(),
            poll_wait_ms: millis(d.poll_wait),
            token_ttl_s: secs(d.token_ttl),
            web_token_ttl_s: secs(d.web_token_ttl),
            rate_limit_per_second: d.rate_limit_per_second,
        };
        // SAFETY: non-NULL and writable per the caller.
        unsafe { options.write(value) };
    })
}

fn options_from(options: *const ccb_simulator_options_t) -> Result<SimOptions> {
    // SAFETY: the caller passes NULL or an initialised options struct.
    let Some(o) = (unsafe { options.as_ref() }) else {
        return Ok(SimOptions::default());
    };
    check_struct_size(
        o.struct_size,
        std::mem::size_of::<ccb_simulator_options_t>(),
    )?;
    Ok(SimOptions {
        port: Some(o.port),
        poll_wait: Some(Duration::from_millis(o.poll_wait_ms.into())),
        token_ttl: Some(Duration::from_secs(o.token_ttl_s.into())),
        web_token_ttl: Some(Duration::from_secs(o.web_token_ttl_s.into())),
        rate_limit_per_second: Some(o.rate_limit_per_second),
    })
}

/// Starts a simulator of the APIs on 127.0.0.1, on a thread of its own, and returns once
/// it accepts connections. It accepts the organization, client id, secret and API key that
/// ccb_simulator_org_id() and the other accessors give (`simorg`, `sim-client`,
/// `sim-secret`, `sim-api-key`); point a client at it with `base_url` =
/// ccb_simulator_url(). Its control API (`/sim/...`: inject events, expire sessions and
/// tokens, inject faults) is plain HTTP on the same URL.
///
/// `options` may be NULL (the defaults of ccb_simulator_options_init()). Errors:
/// CCB_ERR_INVALID_ARGUMENT (NULL `out`, wrong `struct_size`), CCB_ERR_TRANSPORT when it
/// cannot listen (the port is taken).
///
/// The simulator is an in-memory test double: nothing persists, and it must not be exposed
/// beyond this machine.
///
/// # Safety
/// `options` is NULL or points to an initialised `ccb_simulator_options_t`; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_start(
    options: *const ccb_simulator_options_t,
    out: *mut *mut ccb_simulator_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out, "out") }?;
        let sim = Simulator::start_embedded(&options_from(options)?)?;
        let c = sim.config();
        let handle = ccb_simulator_t {
            url: c_string(sim.base_url()),
            org_id: c_string(c.org_id.clone()),
            client_id: c_string(c.client_id.clone()),
            client_secret: c_string(c.client_secret.clone()),
            api_key: c_string(c.api_key.clone()),
            sim,
        };
        *out = Box::into_raw(Box::new(handle));
        Ok(())
    })
}

/// Runs an accessor of a simulator: NULL for a NULL simulator.
fn field(sim: *const ccb_simulator_t, pick: fn(&ccb_simulator_t) -> &CString) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: the caller passes NULL or a live simulator.
        unsafe { sim.as_ref() }.map_or(ptr::null(), |s| pick(s).as_ptr())
    })
}

/// The simulator's base URL, `http://127.0.0.1:PORT` (no trailing slash). Borrowed: valid
/// until ccb_simulator_free(). NULL when `sim` is NULL.
///
/// # Safety
/// `sim` is NULL or a live simulator.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_url(sim: *const ccb_simulator_t) -> *const c_char {
    field(sim, |s| &s.url)
}

/// The only organization id the simulator knows. Borrowed: valid until
/// ccb_simulator_free(). NULL when `sim` is NULL.
///
/// # Safety
/// `sim` is NULL or a live simulator.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_org_id(sim: *const ccb_simulator_t) -> *const c_char {
    field(sim, |s| &s.org_id)
}

/// The OAuth2 client id the simulator accepts. Borrowed: valid until ccb_simulator_free().
/// NULL when `sim` is NULL.
///
/// # Safety
/// `sim` is NULL or a live simulator.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_client_id(sim: *const ccb_simulator_t) -> *const c_char {
    field(sim, |s| &s.client_id)
}

/// The OAuth2 client secret the simulator accepts (a fixed test value, not a secret).
/// Borrowed: valid until ccb_simulator_free(). NULL when `sim` is NULL.
///
/// # Safety
/// `sim` is NULL or a live simulator.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_client_secret(sim: *const ccb_simulator_t) -> *const c_char {
    field(sim, |s| &s.client_secret)
}

/// The `x-api-key` value the simulator requires (a fixed test value). Borrowed: valid until
/// ccb_simulator_free(). NULL when `sim` is NULL.
///
/// # Safety
/// `sim` is NULL or a live simulator.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_api_key(sim: *const ccb_simulator_t) -> *const c_char {
    field(sim, |s| &s.api_key)
}

/// Stops the simulator and releases it. NULL is ignored. Blocks until the server stopped
/// (open connections are closed; a client's next request to it fails with
/// CCB_ERR_TRANSPORT). Free the streams using it first, so that they can delete their
/// sessions.
///
/// # Safety
/// `sim` is NULL or a simulator from ccb_simulator_start(), not yet freed, and no other
/// thread is using it.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_free(sim: *mut ccb_simulator_t) {
    guard_value((), || {
        if !sim.is_null() {
            // SAFETY: the caller hands back ownership of the Box made by
            // ccb_simulator_start.
            drop(unsafe { Box::from_raw(sim) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ccb_error_code_t;
    use crate::error::{ccb_error_code, ccb_error_field, ccb_error_free};
    use std::ffi::CStr;

    unsafe fn text(p: *const c_char) -> String {
        assert!(!p.is_null());
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
    }

    #[test]
    fn starts_answers_and_stops() {
        unsafe {
            let mut o = std::mem::MaybeUninit::uninit();
            ccb_simulator_options_init(o.as_mut_ptr());
            let mut o = o.assume_init();
            assert_eq!((o.port, o.poll_wait_ms, o.token_ttl_s), (0, 15_000, 3600));
            o.poll_wait_ms = 100;
            let mut sim: *mut ccb_simulator_t = ptr::null_mut();
            let e = ccb_simulator_start(&o, &mut sim);
            assert!(e.is_null());
            let url = text(ccb_simulator_url(sim));
            assert!(url.starts_with("http://127.0.0.1:"), "{url}");
            assert_eq!(text(ccb_simulator_org_id(sim)), "simorg");
            assert_eq!(text(ccb_simulator_client_id(sim)), "sim-client");
            assert_eq!(text(ccb_simulator_client_secret(sim)), "sim-secret");
            assert_eq!(text(ccb_simulator_api_key(sim)), "sim-api-key");
            assert_eq!((*sim).sim.config().poll_wait, Duration::from_millis(100));

            // The port is taken now: a transport error, and `out` stays NULL.
            o.port = (*sim).sim.addr().port();
            let mut other: *mut ccb_simulator_t = std::ptr::NonNull::dangling().as_ptr();
            let e = ccb_simulator_start(&o, &mut other);
            assert_eq!(ccb_error_code(e), ccb_error_code_t::CCB_ERR_TRANSPORT);
            assert!(other.is_null());
            ccb_error_free(e);
            ccb_simulator_free(sim);
        }
    }

    #[test]
    fn null_and_bad_arguments() {
        unsafe {
            let e = ccb_simulator_start(ptr::null(), ptr::null_mut());
            assert_eq!(text(ccb_error_field(e)), "out");
            ccb_error_free(e);
            let mut o = std::mem::MaybeUninit::uninit();
            ccb_simulator_options_init(o.as_mut_ptr());
            let mut o = o.assume_init();
            o.struct_size = 4;
            let mut sim: *mut ccb_simulator_t = ptr::null_mut();
            let e = ccb_simulator_start(&o, &mut sim);
            assert_eq!(text(ccb_error_field(e)), "struct_size");
            assert!(sim.is_null());
            ccb_error_free(e);
            assert!(ccb_simulator_url(ptr::null()).is_null());
            assert!(ccb_simulator_api_key(ptr::null()).is_null());
            ccb_simulator_options_init(ptr::null_mut());
            ccb_simulator_free(ptr::null_mut());
        }
    }
}
