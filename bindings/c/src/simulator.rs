//! `ccb_simulator_t`: the simulator of the APIs (crate `ccbridge-sim`) embedded in the
//! library, for tests and offline development. Present with the cargo feature `simulator`
//! (on by default).
//!
//! The simulator runs on a thread with its own small runtime, not on the library's: a
//! client talks to it over loopback HTTP exactly as it would to the service.

use crate::client::check_struct_size;
use crate::error::{ccb_error_t, guard, guard_value};
use crate::ffi::{arg_ref, arg_str, c_string, into_c_str, opt_str, out_ptr};
use ccbridge::{Error, Result};
use ccbridge_sim::{ApiError, FaultSpec, LoginFailure, Offer, SimConfig, SimOptions, Simulator};
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

/// The simulator's refusal as a client error: `field` names the C argument a 400 is about.
fn sim_error(e: ApiError, field: &str) -> Error {
    match Error::from(e) {
        Error::InvalidArgument { message, .. } => Error::invalid(field, message),
        other => other,
    }
}

/// A required, non-empty string argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives `'a`.
unsafe fn arg_text<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    // SAFETY: forwarded to the caller.
    let s = unsafe { arg_str(p, name) }?;
    ccbridge::validate::non_empty(name, s)?;
    Ok(s)
}

/// A JSON argument that must be an object, or NULL.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn opt_object(
    p: *const c_char,
    name: &str,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
    // SAFETY: forwarded to the caller.
    match unsafe { opt_str(p, name) }? {
        None => Ok(None),
        Some(text) => match ccbridge::validate::json_text(name, text)? {
            serde_json::Value::Object(m) => Ok(Some(m)),
            _ => Err(Error::invalid(name, "must be a JSON object")),
        },
    }
}

/// Routes new work to the agent `user_id`, as the contact center's ACD would: a new
/// interaction, offered, and its engagementCenter.ScreenPop on the agent's streams. Its id
/// goes to `*out_interaction_id` (free it with ccb_string_free()).
///
/// `media_type` is a MediaType of the documents (`"InboundACD"`, `"InboundChat"`,
/// `"InboundEmail"`...), NULL for `"InboundACD"`. `screen_data_json` is NULL or a JSON object
/// merged over the screen pop's made-up caller data (`interactionInfo.screenData`: `ani`,
/// `dnis`, `callerId`, `firstName`, `lastName`, `phoneNumber`, `umid`), e.g.
/// `{"ani":"6035550101"}`.
///
/// Errors: CCB_ERR_CONFLICT when the agent is not logged in, or not Idle, or has work (an
/// ACD routes only to idle agents); CCB_ERR_INVALID_ARGUMENT for an unknown media type or a
/// bad argument.
///
/// # Safety
/// `sim` is NULL or live; strings NULL or NUL-terminated; `out_interaction_id` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_offer(
    sim: *const ccb_simulator_t,
    user_id: *const c_char,
    media_type: *const c_char,
    screen_data_json: *const c_char,
    out_interaction_id: *mut *mut c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out_interaction_id, "out_interaction_id") }?;
        let sim = unsafe { arg_ref(sim, "sim") }?;
        let user_id = unsafe { arg_text(user_id, "user_id") }?;
        let media_type = unsafe { opt_str(media_type, "media_type") }?;
        let screen_data = unsafe { opt_object(screen_data_json, "screen_data_json") }?;
        let offer = Offer {
            media_type: media_type.map(str::to_string),
            screen_data,
            ..Offer::default()
        };
        let id = sim
            .sim
            .state()
            .offer(user_id, offer)
            .map_err(|e| sim_error(e, "media_type"))?;
        *out = into_c_str(id.to_string());
        Ok(())
    })
}

/// The far end hangs up the agent's active or held interaction `interaction_id`: the agent
/// receives an informational engagementCenter.Error (failCode 252), InteractionClear, then
/// Wrap, and must dispose of it.
///
/// Errors: CCB_ERR_NOT_FOUND when the agent has no such interaction; CCB_ERR_CONFLICT when
/// it is not active or held; CCB_ERR_INVALID_ARGUMENT for an id that is not a number.
///
/// # Safety
/// `sim` is NULL or live; strings NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_hang_up(
    sim: *const ccb_simulator_t,
    user_id: *const c_char,
    interaction_id: *const c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let sim = unsafe { arg_ref(sim, "sim") }?;
        let user_id = unsafe { arg_text(user_id, "user_id") }?;
        let id = unsafe { arg_text(interaction_id, "interaction_id") }?;
        let id: u64 = id.trim().parse().map_err(|_| {
            Error::invalid(
                "interaction_id",
                format!("{id:?} is not an interaction id of the simulator (a number)"),
            )
        })?;
        sim.sim
            .state()
            .hang_up(user_id, id)
            .map_err(|e| sim_error(e, "interaction_id"))
    })
}

/// Makes the next login of `user_id` fail: the service answers Connecting, an
/// engagementCenter.Error with `fail_code` and `fail_reason`, then Disconnected, so
/// ccb_agent_login() fails with CCB_ERR_COMMAND_FAILED. `fail_code` 0 means 16 (CTI login
/// failed); a NULL `fail_reason` the documents' text for the code. Only the next login
/// fails.
///
/// # Safety
/// `sim` is NULL or live; strings NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_fail_next_login(
    sim: *const ccb_simulator_t,
    user_id: *const c_char,
    fail_code: i64,
    fail_reason: *const c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let sim = unsafe { arg_ref(sim, "sim") }?;
        let user_id = unsafe { arg_text(user_id, "user_id") }?;
        let fail_reason = unsafe { opt_str(fail_reason, "fail_reason") }?;
        sim.sim.state().fail_next_login(
            user_id,
            LoginFailure {
                fail_code: (fail_code != 0).then_some(fail_code),
                fail_reason: fail_reason.map(str::to_string),
            },
        );
        Ok(())
    })
}

/// Invalidates the streaming session `session_id` (see ccb_stream_session_id(),
/// ccb_agent_stream_session_id()), as the service does after inactivity: its next poll
/// answers "Invalid or expired session". CCB_ERR_NOT_FOUND when no such session lives.
///
/// # Safety
/// `sim` is NULL or live; `session_id` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_expire_session(
    sim: *const ccb_simulator_t,
    session_id: *const c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let sim = unsafe { arg_ref(sim, "sim") }?;
        let session_id = unsafe { arg_text(session_id, "session_id") }?;
        if !sim.sim.state().expire_session(session_id) {
            return Err(Error::NotFound {
                message: format!("the simulator has no live streaming session {session_id}"),
            });
        }
        Ok(())
    })
}

/// Injects a fault, described by `fault_json` as the control API's `POST /sim/faults` body:
/// `{"method"?, "pathContains"?, "kind": "status" | "drop" | "stall", "status"?: 500,
/// "retryAfter"?, "count"?: 1 (0: until cleared), "probability"?: 1.0, "stallMs"?: 0}`.
/// For instance `{"method":"GET","pathContains":"/events","kind":"status","status":503,
/// "count":0}` makes every poll fail. CCB_ERR_INVALID_ARGUMENT naming `fault_json` when it
/// does not describe a fault.
///
/// # Safety
/// `sim` is NULL or live; `fault_json` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_add_fault(
    sim: *const ccb_simulator_t,
    fault_json: *const c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let sim = unsafe { arg_ref(sim, "sim") }?;
        let text = unsafe { arg_str(fault_json, "fault_json") }?;
        let spec: FaultSpec = serde_json::from_str(text)
            .map_err(|e| Error::invalid("fault_json", format!("is not a fault: {e}")))?;
        sim.sim
            .state()
            .add_fault(spec)
            .map_err(|e| sim_error(e, "fault_json"))
    })
}

/// Removes every injected fault.
///
/// # Safety
/// `sim` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_clear_faults(
    sim: *const ccb_simulator_t,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contract forwarded from the caller.
        let sim = unsafe { arg_ref(sim, "sim") }?;
        sim.sim.state().clear_faults();
        Ok(())
    })
}

/// The simulator's own view of the agent `user_id` as JSON in `*out_json` (free it with
/// ccb_string_free()), as the control API's `GET /sim/agents/{userId}` answers it:
/// `{"connected", "state", "ehubSessionId", "sessions", "reasonId", "pending",
/// "interactions": [{"interactionId", "mediaType", "state", ...}], "keepAlive", ...}`. A
/// user never seen reads as disconnected.
///
/// # Safety
/// `sim` is NULL or live; `user_id` NULL or NUL-terminated; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ccb_simulator_agent_json(
    sim: *const ccb_simulator_t,
    user_id: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut ccb_error_t {
    guard(|| {
        // SAFETY: pointer contracts forwarded from the caller.
        let out = unsafe { out_ptr(out_json, "out_json") }?;
        let sim = unsafe { arg_ref(sim, "sim") }?;
        let user_id = unsafe { arg_text(user_id, "user_id") }?;
        let info = sim.sim.state().agent_info(user_id);
        let json = serde_json::to_string(&info).map_err(|e| Error::Decode {
            message: format!("the simulator's agent view: {e}"),
        })?;
        *out = into_c_str(json);
        Ok(())
    })
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
